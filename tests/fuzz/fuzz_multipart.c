/* libFuzzer target: multipart/form-data (src/server/multipart.h) and the
 * images/edits form on top of it. Input: "CONTENT-TYPE\n" then the body. */
#include "core/mem.h"
#include "server/multipart.h"
#include "server/request.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || (size_t)(nl - data) > 300) return 0;
    char ct[301];
    memcpy(ct, data, (size_t)(nl - data));
    ct[nl - data] = 0;
    const char *body = (const char *)nl + 1;
    size_t len = size - (size_t)(nl + 1 - data);
    Multipart mp;
    Error err = {0};
    api_json_hooks();
    mem_fail_after(0);
    if (multipart_parse(&mp, ct, body, len, &err) != 0) {
        if (!err.message[0]) __builtin_trap();
        return 0;
    }
    if (mp.n < 0 || mp.n > MULTIPART_MAX_PARTS) __builtin_trap();
    for (int i = 0; i < mp.n; i++)
        if (mp.parts[i].data < body || mp.parts[i].data + mp.parts[i].len > body + len || !mp.parts[i].name[0])
            __builtin_trap();
    ApiLimits l;
    api_limits_default(&l);
    l.max_side = 256;
    ImageRequest r;
    ApiError e;
    memset(&e, 0, sizeof e);
    if (edit_request_parse(&r, &mp, &l, &e) == 0) {
        if (!r.image || !r.keep || r.image_w > 256 || r.image_h > 256) __builtin_trap();
        image_request_free(&r);
    } else if (!e.message[0]) {
        __builtin_trap();
    }
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        memset(&e, 0, sizeof e);
        int rc = edit_request_parse(&r, &mp, &l, &e);
        mem_fail_after(0);
        if (rc == 0) image_request_free(&r);
        else if (!e.message[0]) __builtin_trap();
    }
    return 0;
}
