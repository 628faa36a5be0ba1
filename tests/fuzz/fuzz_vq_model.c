/* libFuzzer target: a VQ checkpoint (vq_load_from) from arbitrary bytes
 * parsed as safetensors. A model that loads must decode one code into a
 * picture of finite pixels; a refusal must say why; the load runs again with
 * one allocation made to fail. The config in the metadata may ask for any
 * size: the loader must refuse what the file cannot hold before allocating. */
#include "formats/safetensors.h"
#include "models/vq.h"

#include "core/mem.h"

#include <math.h>
#include <stdint.h>

static void decode_one_code(VqModel *m) {
    int f = vq_factor(&m->config);
    float *pixels = mem_alloc((size_t)f * f * 3 * sizeof *pixels);
    if (!pixels) return;
    int32_t code = m->config.n_embed - 1;
    Error err = {0};
    if (vq_decode(m, &code, 1, 1, 1, pixels, &err) != 0) {
        if (!err.message[0]) __builtin_trap();
    } else {
        volatile float sink = 0;
        for (int i = 0; i < f * f * 3; i++) sink += isnan(pixels[i]) ? 0 : pixels[i];
        (void)sink;
    }
    mem_free(pixels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    SafeTensors *st;
    Error err = {0};
    mem_fail_after(0);
    if (st_parse(&st, data, size, "fuzz", &err) != 0) return 0; /* the safetensors target covers this */
    VqModel *m;
    int64_t step = 0;
    mem_fail_after(0);
    if (vq_load_from(&m, st, "fuzz", NULL, &step, &err) != 0) {
        if (!err.message[0] || m) __builtin_trap();
        st_close(st);
        return 0;
    }
    long n_allocs = mem_alloc_count();
    if (vq_config_check(&m->config, &err) != 0) __builtin_trap();
    decode_one_code(m);
    vq_free(m);
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)(size % (size_t)n_allocs));
        err.message[0] = 0;
        int rc = vq_load_from(&m, st, "fuzz", NULL, &step, &err);
        mem_fail_after(0);
        if (rc == 0 || m || !err.message[0]) __builtin_trap();
    }
    st_close(st);
    return 0;
}
