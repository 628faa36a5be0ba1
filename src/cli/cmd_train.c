/* exaone train CONFIG — train a transformer from a key = value config. */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/progress.h"
#include "../train/checkpoint.h"
#include "../train/dist.h"
#include "../train/linear.h"
#include "../train/trainer.h"
#include "args.h"
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

static const char *usage =
    "usage: exaone train CONFIG [--steps N] [--until N] [--threads N] [--data PATH] [--resume CKPT]\n\n"
    "Trains a decoder-only transformer described by CONFIG, a file of key = value\n"
    "lines (model: vocab d_model n_layers n_heads ffn max_seq norm=layer|rms\n"
    "mlp=gelu|swiglu pos=learned|rope tied bias; training: data steps batch seq accum\n"
    "lr min_lr warmup weight_decay grad_clip seed threads log; bf16 = 1 multiplies in\n"
    "bf16 with f32 master weights and AdamW). data is a file of\n"
    "int32 token ids, or 'random' for synthetic tokens (benchmarks).\n\n"
    "Progress goes to stderr (a bar on a terminal), one CSV row per step to the\n"
    "'log' file if set, and a summary line to stdout:\n"
    "  steps=N loss=X tokens_per_s=Y matmul_gflops=G matmul_share=S tokens_per_cpu_s=Z\n"
    "  matmul_gflops_per_cpu=P\n"
    "(rates exclude the first, warm-up step; S = share of the time in matrix products;\n"
    "Z = tokens per CPU-second of all threads; P = matrix-product GFLOP per CPU-second)\n\n"
    "Checkpoints: with 'checkpoint = PATH' (and 'checkpoint_every = N'), a safetensors\n"
    "file with the parameters, AdamW moments, step and data position is written\n"
    "atomically every N steps and at the end; --resume PATH continues from one\n"
    "exactly as if the run had not stopped (same config and thread count); resuming\n"
    "a finished run prints its last step and loss and trains nothing.\n\n"
    "Data parallel: `mpirun -np N exaone train CONFIG` averages gradients over N\n"
    "processes (each reads its own micro-batches; rank 0 logs and prints).\n\n"
    "options:\n"
    "  --steps N      override 'steps'\n"
    "  --threads N    override 'threads' (0 = one per core)\n"
    "  --data PATH    override 'data'\n"
    "  --until N      stop after step N (the schedule still spans 'steps')\n"
    "  --resume CKPT  continue from a checkpoint written by this command\n";

static int fail(const Error *err) {
    fprintf(stderr, "exaone train: %s\n", err->message);
    return 1;
}

static int run_training(const TrainConfig *cfg, Dist *dist, int64_t until, const char *resume) {
    Error err = {0};
    Trainer *tr = NULL;
    if (trainer_new(&tr, cfg, dist, &err) != 0) return fail(&err);
    if (resume && checkpoint_load(resume, tr, &err) != 0) {
        trainer_free(tr);
        return fail(&err);
    }
    int64_t last = until > 0 && until < cfg->steps ? until : cfg->steps, first = tr->step;
    int lead = dist->rank == 0, rc = 0;
    if (first >= last) { /* a finished run: report where it stands instead of a step that never ran */
        if (lead) {
            log_info("nothing left to do: %s is at step %lld of %lld", resume, (long long)first, (long long)last);
            if (!isnan(tr->last_loss)) printf("steps=%lld loss=%.6f\n", (long long)first, tr->last_loss);
        }
        trainer_free(tr);
        return 0;
    }
    if (lead)
        log_info("model: %zu parameters, %d threads x %d processes", tr->model->table.total, pool_threads(tr->pool),
                 dist->size);
    AtomicFile csv = {0};
    int have_csv = lead && cfg->log[0] != 0;
    if (have_csv && (atomic_open(&csv, cfg->log, &err) != 0 ||
                     atomic_write(&csv, "step,loss,lr,grad_norm,seconds,tokens_per_s\n", 44, &err) != 0)) {
        trainer_free(tr);
        return fail(&err);
    }
    Progress bar;
    if (lead) progress_begin(&bar, "training", last, "step");
    double tokens_per_step = (double)cfg->batch * cfg->seq * cfg->accum * dist->size, timed = 0, cpu_start = 0;
    TrainStats s = {0};
    while (tr->step < last) {
        if (trainer_step(tr, &s, &err) != 0) {
            rc = 1;
            break;
        }
        if (tr->step == first + 1) { /* the warm-up step is not timed */
            linear_profile_reset();
            cpu_start = cpu_seconds();
        }
        if (tr->step > first + 1) timed += s.seconds;
        double rate = tokens_per_step / s.seconds;
        if (have_csv) {
            char row[160];
            int len = snprintf(row, sizeof row, "%lld,%.6f,%.6g,%.6f,%.4f,%.1f\n", (long long)tr->step, s.loss, s.lr,
                               s.grad_norm, s.seconds, rate);
            if (atomic_write(&csv, row, (size_t)len, &err) != 0) {
                rc = 1;
                break;
            }
        }
        if (lead) progress_update(&bar, tr->step, "loss %.4f  %.0f tok/s", s.loss, rate);
        int every = cfg->checkpoint_every > 0 && tr->step % cfg->checkpoint_every == 0;
        if (lead && cfg->checkpoint[0] && (every || tr->step == last) &&
            checkpoint_save(cfg->checkpoint, tr, &err) != 0) {
            rc = 1;
            break;
        }
    }
    if (lead) progress_done(&bar);
    if (rc == 0 && have_csv && atomic_commit(&csv, &err) != 0) rc = 1;
    if (rc != 0) {
        if (have_csv) atomic_abort(&csv);
        fail(&err);
    } else if (lead) {
        int64_t done = tr->step - first;
        double rate = done > 1 ? tokens_per_step * (double)(done - 1) / timed : tokens_per_step / s.seconds;
        double mm_seconds, mm_cpu, mm_flops;
        linear_profile(&mm_seconds, &mm_cpu, &mm_flops);
        double cpu = cpu_seconds() - cpu_start;
        printf("steps=%lld loss=%.6f tokens_per_s=%.1f matmul_gflops=%.1f matmul_share=%.3f tokens_per_cpu_s=%.1f "
               "matmul_gflops_per_cpu=%.1f\n",
               (long long)tr->step, s.loss, rate, mm_seconds > 0 ? mm_flops / mm_seconds / 1e9 : 0.0,
               timed > 0 ? mm_seconds / timed : 0.0, done > 1 && cpu > 0 ? tokens_per_step * (double)(done - 1) / cpu : 0.0,
               mm_cpu > 0 ? mm_flops / mm_cpu / 1e9 : 0.0);
    }
    trainer_free(tr);
    return rc;
}

int cmd_train(int argc, char **argv) {
    Args args;
    const char *path = NULL, *data = NULL, *resume = NULL;
    int64_t steps = -1, threads = -1, until = -1;
    args_init(&args, argc, argv, "exaone train");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_int(&args, NULL, "--steps", 1, 1000000000000ll, &steps)) continue;
        if (args_int(&args, NULL, "--threads", 0, 1024, &threads)) continue;
        if (args_value(&args, NULL, "--data", &data)) continue;
        if (args_int(&args, NULL, "--until", 1, 1000000000000ll, &until)) continue;
        if (args_value(&args, NULL, "--resume", &resume)) continue;
        if (!path && args_positional(&args, &path)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!path) {
        fputs(usage, stderr);
        return 2;
    }
    Error err = {0};
    TrainConfig cfg;
    train_config_defaults(&cfg);
    if (train_config_load(&cfg, path, &err) != 0) return fail(&err);
    if (steps > 0) cfg.steps = steps;
    if (threads >= 0) cfg.threads = (int)threads;
    if (data) snprintf(cfg.data, sizeof cfg.data, "%s", data);
    Dist dist;
    if (dist_init(&dist, &err) != 0) return fail(&err);
    int rc = run_training(&cfg, &dist, until, resume);
    dist_finalize(&dist);
    return rc;
}
