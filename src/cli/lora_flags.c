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
        if (exaone_lora_attach_spec(&f->loaded[i], f->specs[i], m, err) != 0) return -1;
        log_info("LoRA %s: rank %d, alpha %g", f->specs[i], exaone_lora_rank(f->loaded[i]),
                 exaone_lora_alpha(f->loaded[i]));
    }
    return 0;
}

void lora_flags_free(LoraFlags *f) {
    for (int i = 0; i < f->n; i++) exaone_lora_free(f->loaded[i]);
}
