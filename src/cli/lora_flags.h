/* lora_flags.h — the `--lora ADAPTER[:SCALE]` flag (repeatable) shared by the commands
 * that run an EXAONE model: parse while reading args, attach after the model loads. */
#ifndef EXAONE_CLI_LORA_FLAGS_H
#define EXAONE_CLI_LORA_FLAGS_H

#include "../core/error.h"
#include "../models/exaone.h"
#include "../models/exaone_lora.h"
#include "args.h"

#define LORA_FLAGS_MAX 8

typedef struct {
    const char *specs[LORA_FLAGS_MAX];
    int n, too_many;
    ExaoneLora *loaded[LORA_FLAGS_MAX];
} LoraFlags;

/* 1 when the current argument was --lora (sets args->failed past LORA_FLAGS_MAX). */
int lora_flags_parse(Args *args, LoraFlags *f);
/* Loads every adapter for m and hooks it on (in the given order). */
int lora_flags_attach(LoraFlags *f, ExaoneModel *m, Error *err);
void lora_flags_free(LoraFlags *f);

#endif
