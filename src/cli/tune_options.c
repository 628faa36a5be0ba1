/* tune_options.c — the options every `exaone tune` shares (tune_options.h). */
#include "tune_options.h"

#include <stdio.h>

void tune_options_defaults(TuneOptions *o) {
    *o = (TuneOptions){.targets = "q_proj,v_proj", .rank = 8, .epochs = 1, .batch = 4, .save_every = 50,
                       .alpha = 16, .lr = 1e-4, .max_rank = 256, .max_batch = 4096};
}

int tune_options_parse(Args *args, TuneOptions *o) {
    if (args_value(args, "-m", "--model", &o->model) || args_value(args, NULL, "--data", &o->data) ||
        args_value(args, "-o", "--output", &o->outdir) || args_value(args, NULL, "--eval", &o->eval) ||
        args_value(args, NULL, "--targets", &o->targets) || args_int(args, NULL, "--rank", 1, o->max_rank, &o->rank) ||
        args_int(args, NULL, "--epochs", 1, 1000000, &o->epochs) ||
        args_int(args, NULL, "--batch", 1, o->max_batch, &o->batch) ||
        args_int(args, NULL, "--max-steps", 0, INT64_MAX, &o->max_steps) ||
        args_int(args, NULL, "--seed", 0, INT64_MAX, &o->seed) ||
        args_int(args, NULL, "--save-every", 1, INT64_MAX, &o->save_every) ||
        args_int(args, "-t", "--threads", 1, 1024, &o->threads) ||
        args_float(args, NULL, "--alpha", 1e-6, 1e6, &o->alpha) || args_float(args, NULL, "--lr", 0, 10, &o->lr))
        return 1;
    if (args_flag(args, NULL, "--resume")) {
        o->resume = 1;
        return 1;
    }
    return 0;
}

int tune_options_check(const TuneOptions *o, const char *model_and_data) {
    if (o->model && o->data && o->outdir) return 0;
    fprintf(stderr, "exaone tune: %s and -o DIR are required (see exaone tune --help)\n", model_and_data);
    return 2;
}
