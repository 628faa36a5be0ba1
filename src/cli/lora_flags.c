/* lora_flags.c — `--lora ADAPTER[:SCALE]` (lora_flags.h). */
#include "lora_flags.h"

#include "../core/log.h"

#include <stdio.h>

int lora_flags_parse(Args *args, LoraFlags *f) {
    const char *v;
    if (!args_value(args, NULL, "--lora", &v)) return 0;
    if (f->n == LORA_FLAGS_MAX) {
        fprintf(stderr, "%s: at most %d --lora adapters\n", args->command, LORA_FLAGS_MAX);
        args->failed = 1;
        return 1;
    }
    f->specs[f->n++] = v;
    return 1;
}

int lora_flags_attach(LoraFlags *f, ExaoneModel *m, Error *err) {
    for (int i = 0; i < f->n; i++) {
        char path[1024];
        float scale;
        if (exaone_lora_spec(f->specs[i], path, sizeof path, &scale, err) != 0 ||
            exaone_lora_load(&f->loaded[i], path, m, scale, err) != 0)
            return -1;
        exaone_lora_attach(f->loaded[i], m);
        log_info("LoRA %s: rank %d, alpha %g, scale %g", path, exaone_lora_rank(f->loaded[i]),
                 exaone_lora_alpha(f->loaded[i]), scale);
    }
    return 0;
}

void lora_flags_free(LoraFlags *f) {
    for (int i = 0; i < f->n; i++) exaone_lora_free(f->loaded[i]);
}
