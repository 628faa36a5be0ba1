/* libFuzzer target: the `exaone train` config parser on arbitrary text. */
#include "train/train_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    TrainConfig cfg;
    train_config_defaults(&cfg);
    Error err = {0};
    if (train_config_parse(&cfg, text, "fuzz.cfg", &err) != 0) {
        if (!err.message[0]) __builtin_trap(); /* every failure says why */
    } else {
        /* what the parser promises its callers */
        if (cfg.seq > cfg.model.max_seq || cfg.batch < 1 || cfg.accum < 1 || cfg.steps < 1) __builtin_trap();
        if (cfg.model.norm < 0 || cfg.model.norm > 1 || cfg.model.mlp < 0 || cfg.model.mlp > 1) __builtin_trap();
        if (!memchr(cfg.data, 0, sizeof cfg.data) || !memchr(cfg.log, 0, sizeof cfg.log)) __builtin_trap();
    }
    free(text);
    return 0;
}
