/* libFuzzer target: what a LoRA adapter brings and how it is named
 * (src/models/exaone_lora.c). Byte 0 picks: 0 = adapter_config.json text,
 * 1 = a --targets list ("q_proj,v_proj", "all") for EXAONE and for
 * EXAONE-mini (src/train/gpt_lora.c), 2 = a --lora PATH[:SCALE]
 * spec. Accepted values must be in range; failures must say why; the JSON
 * parse also runs with one allocation made to fail. */
#include "core/mem.h"
#include "formats/fmt_util.h"
#include "models/exaone_lora.h"
#include "train/gpt_lora.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int config(const char *text, size_t len, Error *err) {
    int rank;
    float alpha;
    if (exaone_lora_config_parse(text, len, "adapter_config.json", &rank, &alpha, err) != 0) return -1;
    if (rank < 1 || rank > EXAONE_LORA_MAX_RANK || !(alpha > 0) || !isfinite(alpha)) __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0; /* the CLI strings are C strings */
    Error err = {0};
    fmt_json_hooks();
    mem_fail_after(0);
    if (data[0] % 3 == 0) {
        if (config(text, size - 1, &err) != 0 && !err.message[0]) __builtin_trap();
        long n_allocs = mem_alloc_count();
        if (n_allocs > 0) {
            mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
            err.message[0] = 0;
            int rc = config(text, size - 1, &err);
            mem_fail_after(0);
            if (rc != 0 && !err.message[0]) __builtin_trap();
        }
    } else if (data[0] % 3 == 1) {
        unsigned mask = 0;
        if (exaone_lora_parse_targets(text, &mask, &err) != 0) {
            if (!err.message[0]) __builtin_trap();
        } else if (mask == 0 || mask >> EXAONE_LORA_SLOTS) {
            __builtin_trap();
        }
        err.message[0] = 0;
        if (gpt_lora_parse_targets(text, &mask, &err) != 0) {
            if (!err.message[0]) __builtin_trap();
        } else if (mask == 0 || mask >> GPT_LORA_SLOTS) {
            __builtin_trap();
        }
    } else {
        char path[256];
        float scale = 0;
        if (exaone_lora_spec(text, path, sizeof path, &scale, &err) != 0) {
            if (!err.message[0]) __builtin_trap();
        } else if (!memchr(path, 0, sizeof path) || !path[0] || !isfinite(scale)) {
            __builtin_trap();
        }
    }
    free(text);
    return 0;
}
