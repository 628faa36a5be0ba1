/* exaone lora merge BASE ADAPTER[:SCALE] OUT — bake a PEFT LoRA adapter into a model. */
#include "../models/exaone_lora.h"
#include "../models/exaone_lora_merge.h"
#include "../models/mini_lora.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone lora merge BASE ADAPTER[:SCALE] OUT\n\n"
    "Writes OUT/model.safetensors with every adapted matrix replaced by\n"
    "W + SCALE·(lora_alpha/r)·B·A (PEFT's merge; SCALE defaults to 1), stored in the\n"
    "base tensor's dtype; other tensors, config.json and the tokenizer files are copied.\n"
    "BASE must be a safetensors model folder (quantize the merged model afterwards): an\n"
    "EXAONE 3.x/4.0 model or EXAONE-mini (then vq.safetensors is copied too).\n";

int cmd_lora(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone lora");
    const char *pos[4] = {0};
    int n = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        const char *p;
        if (args_positional(&args, &p)) {
            if (n == 4) {
                fprintf(stderr, "exaone lora: too many arguments (see exaone lora --help)\n");
                return 2;
            }
            pos[n++] = p;
            continue;
        }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (n != 4 || strcmp(pos[0], "merge") != 0) {
        fprintf(stderr, "exaone lora: expected: merge BASE ADAPTER OUT (see exaone lora --help)\n");
        return 2;
    }
    Error err = {0};
    char adapter[1024];
    float scale = 1;
    if (exaone_lora_spec(pos[2], adapter, sizeof adapter, &scale, &err) != 0 ||
        (mini_lora_is_mini(pos[1]) ? mini_lora_merge(pos[1], adapter, scale, pos[3], &err)
                                   : exaone_lora_merge(pos[1], adapter, scale, pos[3], &err)) != 0) {
        fprintf(stderr, "exaone lora: %s\n", err.message);
        return 1;
    }
    printf("merged %s into %s -> %s/model.safetensors\n", adapter, pos[1], pos[3]);
    return 0;
}
