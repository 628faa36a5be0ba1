/* exaone quantize IN OUT TYPE — an EXAONE model (HF folder or GGUF) to a GGUF file
 * llama.cpp can load, with matrices in TYPE. */
#include "../core/dtype.h"
#include "../core/log.h"
#include "../models/exaone.h"
#include "../models/exaone_quantize.h"
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char *usage =
    "usage: exaone quantize IN OUT TYPE\n\n"
    "Convert an EXAONE 3.0/3.5/4.0 model to GGUF (llama.cpp's exaone/exaone4 layout).\n"
    "IN is a Hugging Face folder (config.json + safetensors [+ tokenizer.json]) or a\n"
    "GGUF file; OUT is written atomically. TYPE: q8_0, q4_0, q4_K, f16, bf16 or f32\n"
    "(matrix weights; norms stay f32; rows the block size does not divide stay f16).\n";

int cmd_quantize(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone quantize");
    const char *pos[3] = {0};
    int n_pos = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        const char *p;
        if (n_pos < 3 && args_positional(&args, &p)) {
            pos[n_pos++] = p;
            continue;
        }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (n_pos != 3) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    int type = dtype_from_name(pos[2]);
    if (type < 0 && strcmp(pos[2], "q4_k") == 0) type = DTYPE_Q4_K;
    if (type != DTYPE_Q8_0 && type != DTYPE_Q4_0 && type != DTYPE_Q4_K && type != DTYPE_F16 && type != DTYPE_BF16 &&
        type != DTYPE_F32) {
        fprintf(stderr, "exaone quantize: unknown TYPE '%s' (q8_0, q4_0, q4_K, f16, bf16, f32)\n", pos[2]);
        return 2;
    }
    Error err = {0};
    ExaoneModel *m = NULL;
    if (exaone_load(&m, pos[0], &err) != 0 || exaone_write_gguf(m, pos[1], (DType)type, &err) != 0) {
        log_error("%s", err.message);
        exaone_free(m);
        return 1;
    }
    log_info("wrote %s (%s)", pos[1], dtype_name(type));
    exaone_free(m);
    return 0;
}
