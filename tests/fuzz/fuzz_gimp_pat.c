/* libFuzzer target: gimp_pat_parse on arbitrary bytes, the pixels touched, and
 * one allocation made to fail. */
#include "formats/gimp_pat.h"

#include "core/mem.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    GimpPattern pat;
    Error err = {0};
    mem_fail_after(0);
    if (gimp_pat_parse(data, size, "fuzz", &pat, &err) != 0) {
        if (!err.message[0] || pat.image || pat.name) __builtin_trap();
        return 0;
    }
    long n_allocs = mem_alloc_count();
    volatile unsigned sink = 0;
    size_t n = image_bytes(pat.image);
    sink += pat.image->pixels[0] + pat.image->pixels[n - 1] + (unsigned)strlen(pat.name);
    Image *rgb = image_convert(pat.image, 3, IMAGE_WHITE, &err);
    if (!rgb) __builtin_trap();
    image_free(rgb);
    gimp_pat_free(&pat);
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)(size % (size_t)n_allocs));
        int rc = gimp_pat_parse(data, size, "fuzz", &pat, &err);
        mem_fail_after(0);
        if (rc == 0 || pat.image || !err.message[0]) __builtin_trap();
    }
    return 0;
}
