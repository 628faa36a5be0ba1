/* libFuzzer target: the image pack header (src/data/image_pack.c) on
 * arbitrary bytes. An accepted header must describe images that all lie
 * inside the bytes: the first and last image's first and last pixel are read
 * (ASan reports a read past the end). */
#include "data/image_pack.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ImagePack pack;
    memset(&pack, 0, sizeof pack);
    Error err = {0};
    if (image_pack_check_header(&pack, data, size, "fuzz.bin", &err) != 0) {
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
    if (pack.width < 1 || pack.height < 1 || pack.channels < 1 || pack.channels > 4) __builtin_trap();
    /* image_pack_pixels indexes the mapped file: point the map at the bytes */
    pack.map.data = data;
    pack.map.size = size;
    size_t per = (size_t)pack.width * pack.height * pack.channels;
    volatile unsigned sink = 0;
    if (pack.count > 0) {
        const uint8_t *first = image_pack_pixels(&pack, 0), *last = image_pack_pixels(&pack, pack.count - 1);
        if (!first || !last) __builtin_trap();
        sink += first[0] + last[per - 1];
        (void)sink;
    }
    if (image_pack_pixels(&pack, pack.count)) __builtin_trap();
    return 0;
}
