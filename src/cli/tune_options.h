/* tune_options.h — the options every `exaone tune` shares, whichever model it tunes
 * (EXAONE 3.x/4.0: cmd_tune.c, EXAONE-mini: cmd_tune_mini.c). Each tuner sets its own
 * defaults and limits, then asks tune_options_parse first in its argument loop:
 *
 *     TuneOptions o;
 *     tune_options_defaults(&o);
 *     o.epochs = 30;                  // this tuner's defaults and limits
 *     o.max_rank = GPT_LORA_MAX_RANK;
 *     while (args_next(&args)) {
 *         if (args_help(&args)) ...;
 *         if (tune_options_parse(&args, &o)) continue;
 *         ... this tuner's own options ...
 *         return args_unknown(&args);
 *     }
 *     if (args.failed || tune_options_check(&o, "-m BASE, --data FILE")) return 2;
 */
#ifndef EXAONE_CLI_TUNE_OPTIONS_H
#define EXAONE_CLI_TUNE_OPTIONS_H

#include "args.h"

#include <stdint.h>

typedef struct {
    const char *model, *data, *outdir, *eval, *targets;
    int64_t rank, epochs, batch, max_steps, seed, save_every, threads;
    double alpha, lr;
    int resume;
    int64_t max_rank, max_batch; /* limits of --rank and --batch for this tuner */
} TuneOptions;

/* rank 8, alpha 16, q_proj,v_proj, epochs 1, batch 4, lr 1e-4, save every 50, threads 0 (all cores) */
void tune_options_defaults(TuneOptions *o);
/* 1 when the current argument was one of the shared options (args->failed on a bad value). */
int tune_options_parse(Args *args, TuneOptions *o);
/* 0 when -m, --data and -o were given; else says so on stderr and returns 2.
 * model_and_data: how this tuner's usage spells them ("-m BASE, --data FILE"). */
int tune_options_check(const TuneOptions *o, const char *model_and_data);

#endif
