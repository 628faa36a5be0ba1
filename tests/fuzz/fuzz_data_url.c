/* libFuzzer target: data: URLs and base64 (src/server/dataurl.h), checked by
 * a round trip: whatever decodes must re-encode to a string that decodes to
 * the same bytes. */
#include "core/mem.h"
#include "server/dataurl.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *out;
    size_t n;
    char mime[32];
    Error err = {0};
    mem_fail_after(0);
    if (dataurl_decode((const char *)data, size, 1 << 20, mime, sizeof mime, &out, &n, &err) != 0) {
        if (!err.message[0]) __builtin_trap();
    } else {
        if (n > (1 << 20) || strlen(mime) >= sizeof mime) __builtin_trap();
        mem_free(out);
    }
    if (base64_decode((const char *)data, size, &out, &n, &err) == 0) {
        char *enc;
        size_t elen;
        uint8_t *back;
        size_t blen;
        if (base64_encode(out, n, &enc, &elen, &err) != 0) __builtin_trap();
        if (base64_decode(enc, elen, &back, &blen, &err) != 0 || blen != n || memcmp(back, out, n) != 0)
            __builtin_trap();
        mem_free(enc);
        mem_free(back);
        mem_free(out);
    }
    return 0;
}
