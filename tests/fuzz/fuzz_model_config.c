/* libFuzzer target: model config.json parsers on arbitrary bytes. The first
 * byte picks the parser: even = EXAONE 3.x/4.0 (src/models/exaone_config.c,
 * then what the forward pass derives from it: RoPE frequencies and each
 * layer's kind), odd = EXAONE-mini (src/models/mini.c). Accepted configs must
 * keep the parser's promises; one allocation failure per input must fail
 * cleanly. */
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "models/exaone.h"
#include "models/mini.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static int exaone(const char *json, size_t len, Error *err) {
    ExaoneConfig c;
    if (exaone_config_parse(&c, json, len, "config.json", err) != 0) return -1;
    if (c.n_layers < 1 || c.dim < 1 || c.n_heads < 1 || c.n_kv_heads < 1 || c.n_heads % c.n_kv_heads ||
        c.head_dim < 2 || c.head_dim % 2 || c.vocab < 1 || c.max_ctx < 1 || !c.sliding || !(c.eps >= 0) ||
        !(c.rope_theta >= 1) || c.bos_id >= c.vocab || c.eos_id >= c.vocab)
        __builtin_trap();
    double *inv = malloc(sizeof(double) * (size_t)(c.head_dim / 2));
    if (inv) {
        exaone_rope_inv_freq(&c, inv);
        for (int i = 0; i < c.head_dim / 2; i++)
            if (!isfinite(inv[i]) || inv[i] <= 0) __builtin_trap();
        free(inv);
    }
    int roped = 0;
    for (int i = 0; i < c.n_layers; i++) roped += exaone_layer_rope(&c, i);
    if (roped < 0) __builtin_trap();
    exaone_config_free(&c);
    return 0;
}

static int mini(const char *json, size_t len, Error *err) {
    MiniConfig c;
    if (mini_config_parse(&c, json, len, "config.json", err) != 0) return -1;
    if (c.vocab != c.n_text + c.n_codes || c.d_model < 1 || c.n_heads < 1 || c.d_model % c.n_heads ||
        c.max_seq < 1 || c.grid_h < 1 || c.grid_w < 1 || c.norm < 0 || c.norm > 1 || !(c.norm_eps > 0))
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int (*parse)(const char *, size_t, Error *) = data[0] % 2 ? mini : exaone;
    const char *json = (const char *)data + 1;
    Error err = {0};
    fmt_json_hooks();
    mem_fail_after(0);
    if (parse(json, size - 1, &err) != 0 && !err.message[0]) __builtin_trap();
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        err.message[0] = 0;
        int rc = parse(json, size - 1, &err);
        mem_fail_after(0);
        if (rc != 0 && !err.message[0]) __builtin_trap();
    }
    return 0;
}
