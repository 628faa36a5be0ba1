/* libFuzzer target: pngio_decode on arbitrary bytes (RGB and RGBA, with text),
 * the decoded image re-encoded, and one allocation made to fail. */
#include "formats/png.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

static void decode_with_failing_allocation(const uint8_t *data, size_t size, long n_allocs) {
    if (n_allocs <= 0) return;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++) h = (h ^ data[i]) * 16777619u;
    Image *img = NULL;
    PngText text = {0};
    Error err = {0};
    mem_fail_after(1 + (long)(h % (uint32_t)n_allocs));
    int rc = pngio_decode(data, size, "fuzz", 4, &img, &text, &err);
    mem_fail_after(0);
    if (rc != 0 && (!err.message[0] || img || text.count)) __builtin_trap();
    image_free(img);
    pngio_text_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Image *img = NULL;
    PngText text = {0};
    Error err = {0};
    mem_fail_after(0);
    if (pngio_decode(data, size, "fuzz", 3, &img, &text, &err) != 0) {
        if (!err.message[0] || img) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    if (img->channels != 3 || img->width < 1 || img->height < 1) __builtin_trap();
    /* Re-encode with the text that came in (keys may be invalid: then a clean error). */
    PngTextEntry entries[8];
    int n = text.count < 8 ? text.count : 8;
    for (int i = 0; i < n; i++) entries[i] = (PngTextEntry){text.keys[i], text.values[i]};
    uint8_t *out = NULL;
    size_t out_size = 0;
    if (pngio_encode(img, entries, n, &out, &out_size, &err) == 0) {
        Image *back = NULL;
        if (pngio_decode(out, out_size, "re-encoded", 3, &back, NULL, &err) != 0) __builtin_trap();
        if (memcmp(back->pixels, img->pixels, image_bytes(img)) != 0) __builtin_trap();
        image_free(back);
    }
    mem_free(out);
    image_free(img);
    pngio_text_free(&text);
    decode_with_failing_allocation(data, size, n_allocs);
    return 0;
}
