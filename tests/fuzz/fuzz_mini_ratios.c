/* libFuzzer target: mini-train's --ratios "t2i,i2t,translate,lm"
 * (mini_data_parse_ratios) on arbitrary C strings. Accepted ratios must be
 * finite, non-negative, with a positive sum; a refusal must say why and leave
 * the options as they were. */
#include "train/mini_data.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* the CLI strings are C strings */
    MiniDataOptions o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < MINI_N_TASKS; i++) o.ratio[i] = 0.25f;
    Error err = {0};
    if (mini_data_parse_ratios(&o, text, &err) != 0) {
        if (!err.message[0]) __builtin_trap();
        for (int i = 0; i < MINI_N_TASKS; i++)
            if (o.ratio[i] != 0.25f) __builtin_trap();
    } else {
        float sum = 0;
        for (int i = 0; i < MINI_N_TASKS; i++) {
            if (!(o.ratio[i] >= 0) || !isfinite(o.ratio[i])) __builtin_trap();
            sum += o.ratio[i];
        }
        if (!(sum > 0)) __builtin_trap();
    }
    free(text);
    return 0;
}
