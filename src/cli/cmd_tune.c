/* exaone tune -m BASE --data FILE.jsonl -o ADAPTER_DIR — LoRA fine-tuning of an EXAONE
 * 3.x / 4.0 model (src/train/tune_model.h) on chat JSONL with the loss on assistant
 * turns only (src/train/tune_data.h). Writes a PEFT adapter, loss.csv, loss.png and a
 * resumable checkpoint (tune-checkpoint.safetensors) into ADAPTER_DIR. */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/exaone_lora.h"
#include "../models/mini_lora.h"
#include "../tokenizer/tokenizer.h"
#include "../train/adamw.h"
#include "../train/tune_data.h"
#include "../train/tune_model.h"
#include "../train/tune_run.h"
#include "args.h"
#include "commands.h"
#include "tune_options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *usage =
    "usage: exaone tune -m BASE --data FILE.jsonl -o ADAPTER_DIR [options]\n\n"
    "LoRA fine-tuning of an EXAONE 3.x/4.0 model (folder or GGUF, any dtype incl. q8_0/q4_0:\n"
    "the base stays read-only, mmap'ed). FILE.jsonl holds one {\"messages\": [{\"role\": ...,\n"
    "\"content\": ...}, ...]} per line, rendered with the model's chat template; the loss is\n"
    "taken on the assistant turns only. ADAPTER_DIR receives adapter_config.json +\n"
    "adapter_model.safetensors (Hugging Face PEFT names), loss.csv, loss.png and\n"
    "tune-checkpoint.safetensors (parameters + AdamW state, written atomically).\n\n"
    "  -m, --model PATH        base model folder or .gguf\n"
    "  --data FILE             training conversations (JSONL)\n"
    "  -o, --output DIR        adapter folder\n"
    "  --eval FILE             held-out conversations: loss before and after tuning\n"
    "  --rank R                LoRA rank (default 8)\n"
    "  --alpha A               LoRA alpha; scale = alpha / rank (default 16)\n"
    "  --targets LIST          modules: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj\n"
    "                          (3.x: out_proj,c_fc_0,c_fc_1,c_proj) or all (default q_proj,v_proj)\n"
    "  --epochs N              passes over the data (default 1)\n"
    "  --lr LR                 AdamW learning rate (default 1e-4; constant after 10 warm-up steps)\n"
    "  --batch N               conversations per optimizer step (default 4)\n"
    "  --max-len N             tokens per conversation, longer ones are cut (default 256)\n"
    "  --max-steps N           stop after N steps (default: all epochs)\n"
    "  --seed S                initialisation and data order (default 0)\n"
    "  --save-every N          checkpoint every N steps (default 50)\n"
    "  --resume                continue from ADAPTER_DIR/tune-checkpoint.safetensors\n"
    "  --chat-template NAME    exaone3 or exaone4 instead of the model's template\n"
    "  -t, --threads N         threads (default: all cores)\n\n"
    "stdout: steps=N loss=X eval_before=Y eval_after=Z tokens_per_s=T peak_rss_mb=M\n\n"
    "With -m naming an EXAONE-mini folder, tunes it on image/prompt pairs instead\n"
    "(exaone tune -m models/exaone-mini --help).\n";

typedef struct {
    TuneModel *t;
    AdamW opt;
    int64_t step;
    uint64_t seed;
} Run;

/* Mean loss per assistant token over a data set (no gradients). */
static int eval_loss(TuneModel *t, const TuneData *d, double *out, Error *err) {
    double sum = 0;
    int64_t count = 0;
    for (int i = 0; i < d->n; i++) {
        double s;
        int64_t c;
        if (tune_model_step(t, d->ex[i].tokens, d->ex[i].targets, d->ex[i].n, 1, 0, &s, &c, err) != 0) return -1;
        sum += s;
        count += c;
    }
    *out = count ? sum / (double)count : 0;
    return 0;
}

static int write_adapter(const char *dir, const ExaoneModel *m, const TuneModel *t, Error *err) {
    size_t n = (size_t)m->cfg.n_layers * EXAONE_LORA_SLOTS;
    const float **A = mem_calloc(n, sizeof *A), **B = mem_calloc(n, sizeof *B);
    int rc = A && B ? 0 : error_set(err, "out of memory");
    for (int l = 0; !rc && l < m->cfg.n_layers; l++)
        for (int s = 0; s < EXAONE_LORA_SLOTS; s++) {
            A[l * EXAONE_LORA_SLOTS + s] = tune_model_A(t, l, s);
            B[l * EXAONE_LORA_SLOTS + s] = tune_model_B(t, l, s);
        }
    if (!rc) rc = exaone_lora_save(dir, m, t->rank, t->alpha, t->targets, A, B, err);
    mem_free(A);
    mem_free(B);
    return rc;
}

/* The -m value, read ahead of the parse: it decides which tuner takes the arguments. */
static const char *model_arg(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-m") || !strcmp(argv[i], "--model")) && i + 1 < argc) return argv[i + 1];
        if (!strncmp(argv[i], "--model=", 8)) return argv[i] + 8;
        if (!strcmp(argv[i], "--")) break;
    }
    return NULL;
}

int cmd_tune(int argc, char **argv) {
    const char *target = model_arg(argc, argv);
    if (target && mini_lora_is_mini(target)) return cmd_tune_mini(argc, argv);
    Args args;
    args_init(&args, argc, argv, "exaone tune");
    TuneOptions o;
    tune_options_defaults(&o);
    o.max_rank = EXAONE_LORA_MAX_RANK;
    const char *tmpl = NULL;
    int64_t max_len = 256;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (tune_options_parse(&args, &o) || args_value(&args, NULL, "--chat-template", &tmpl) ||
            args_int(&args, NULL, "--max-len", 2, 1 << 16, &max_len))
            continue;
        return args_unknown(&args);
    }
    if (args.failed || tune_options_check(&o, "-m BASE, --data FILE")) return 2;
    Error err = {0};
    unsigned targets = 0;
    if (exaone_lora_parse_targets(o.targets, &targets, &err) != 0) {
        fprintf(stderr, "exaone tune: %s\n", err.message);
        return 2;
    }
    ExaoneModel *m = NULL;
    Tokenizer *tok = NULL;
    TuneData train = {0}, held = {0};
    ThreadPool *pool = NULL;
    Run r = {0};
    r.seed = (uint64_t)o.seed;
    int *perm = NULL, rc = 1;
    double *curve = NULL;
    FILE *csv = NULL;
    TokChatKind kind = TOK_CHAT_UNKNOWN;
    if (exaone_load(&m, o.model, &err) != 0 || tok_load(&tok, o.model, &err) != 0 ||
        tok_chat_kind(tmpl ? tmpl : tok_chat_template(tok), &kind, &err) != 0)
        goto done;
    if (tune_data_load(&train, o.data, tok, kind, (int)max_len, &err) != 0) goto done;
    if (o.eval && tune_data_load(&held, o.eval, tok, kind, (int)max_len, &err) != 0) goto done;
    log_info("%d conversations, %" PRId64 " tokens (%" PRId64 " in answers)%s", train.n, train.n_tokens, train.n_loss,
             train.n_truncated ? ", some without answer tokens after --max-len were skipped" : "");
    int maxT = 2;
    for (int i = 0; i < train.n; i++) maxT = train.ex[i].n > maxT ? train.ex[i].n : maxT;
    for (int i = 0; i < held.n; i++) maxT = held.ex[i].n > maxT ? held.ex[i].n : maxT;
    pool = pool_new((int)o.threads);
    if (!pool || mkdir(o.outdir, 0755) != 0) {
        if (!pool || errno != EEXIST) {
            error_set(&err, "%s: cannot create: %s", o.outdir, strerror(errno));
            goto done;
        }
    }
    if (tune_model_new(&r.t, m, pool, (int)o.rank, (float)o.alpha, targets, maxT, (uint64_t)o.seed, &err) != 0 ||
        adamw_new(&r.opt, r.t->table.total, &err) != 0)
        goto done;
    if (o.resume && tune_ckpt_load(o.outdir, &r.t->table, r.t->params, &r.opt, &r.step, r.seed, &err) != 0) goto done;
    int64_t per_epoch = (train.n + o.batch - 1) / o.batch, total = per_epoch * o.epochs;
    if (o.max_steps > 0 && o.max_steps < total) total = o.max_steps;
    log_info("LoRA rank %d alpha %g on %s: %zu trainable parameters, %" PRId64 " steps", (int)o.rank, o.alpha,
             o.targets, r.t->table.total, total);
    double eval_before = -1, eval_after = -1;
    if (held.n && r.step == 0 && eval_loss(r.t, &held, &eval_before, &err) != 0) goto done;
    AdamWConfig acfg;
    adamw_config_defaults(&acfg);
    acfg.weight_decay = 0;
    perm = mem_alloc(sizeof(int) * (size_t)train.n);
    curve = mem_alloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
    char csv_path[1100];
    snprintf(csv_path, sizeof csv_path, "%s/loss.csv", o.outdir);
    if (r.step > 0 && tune_csv_truncate(csv_path, r.step, &err) != 0) goto done;
    csv = fopen(csv_path, r.step > 0 ? "a" : "w");
    if (!perm || !curve || !csv) {
        error_set(&err, "cannot open %s or out of memory", csv_path);
        goto done;
    }
    if (r.step == 0) fprintf(csv, "step,loss,tokens,seconds\n");
    Progress bar;
    progress_begin(&bar, "tune", total, "step");
    double t0 = time_seconds(), loss = 0;
    int64_t tokens = 0, start_step = r.step, n_curve = 0;
    int64_t cur_epoch = -1;
    for (; r.step < total; r.step++) {
        int64_t epoch = r.step / per_epoch, first = (r.step % per_epoch) * o.batch;
        if (epoch != cur_epoch) tune_epoch_order(perm, train.n, (uint64_t)o.seed, epoch), cur_epoch = epoch;
        int nb = (int)(train.n - first < o.batch ? train.n - first : o.batch);
        memset(r.t->grads, 0, sizeof(float) * r.t->table.total);
        double lsum = 0;
        int64_t step_tokens = 0;
        for (int b = 0; b < nb; b++) {
            const TuneExample *e = &train.ex[perm[first + b]];
            double s;
            int64_t c;
            if (tune_model_step(r.t, e->tokens, e->targets, e->n, 1.0f / (float)nb, 1, &s, &c, &err) != 0) goto done;
            lsum += c ? s / (double)c : 0;
            step_tokens += e->n;
        }
        loss = lsum / nb;
        tokens += step_tokens;
        float norm = grad_global_norm(pool, r.t->grads, r.t->table.total);
        float step_lr = (float)(o.lr * (r.step < 10 ? (double)(r.step + 1) / 10 : 1.0));
        adamw_step(&r.opt, pool, r.t->params, r.t->grads, &r.t->table, &acfg, step_lr, grad_clip_factor(norm, 1.0f));
        double now = time_seconds() - t0;
        fprintf(csv, "%" PRId64 ",%.6f,%" PRId64 ",%.3f\n", r.step + 1, loss, step_tokens, now);
        curve[n_curve++] = loss;
        progress_update(&bar, r.step + 1, "loss %.4f", loss);
        if ((r.step + 1) % o.save_every == 0 && r.step + 1 < total) {
            fflush(csv);
            if (tune_ckpt_save(o.outdir, &r.t->table, r.t->params, &r.opt, r.step + 1, r.seed, &err) != 0) goto done;
        }
    }
    progress_done(&bar);
    double secs = time_seconds() - t0;
    fclose(csv);
    csv = NULL;
    if (tune_ckpt_save(o.outdir, &r.t->table, r.t->params, &r.opt, r.step, r.seed, &err) != 0 ||
        write_adapter(o.outdir, m, r.t, &err) != 0)
        goto done;
    if (n_curve > 0) {
        char png[1100];
        snprintf(png, sizeof png, "%s/loss.png", o.outdir);
        if (tune_plot_csv(csv_path, png, &err) != 0) goto done;
    }
    if (held.n && eval_loss(r.t, &held, &eval_after, &err) != 0) goto done;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("steps=%" PRId64 " loss=%.4f eval_before=%.4f eval_after=%.4f tokens_per_s=%.1f peak_rss_mb=%.0f\n",
           r.step - start_step, loss, eval_before, eval_after, secs > 0 ? (double)tokens / secs : 0,
           (double)ru.ru_maxrss / 1024.0);
    rc = 0;
done:
    if (rc) fprintf(stderr, "exaone tune: %s\n", err.message);
    if (csv) fclose(csv);
    mem_free(perm);
    mem_free(curve);
    adamw_free(&r.opt);
    tune_model_free(r.t);
    pool_free(pool);
    tune_data_free(&train);
    tune_data_free(&held);
    tok_free(tok);
    exaone_free(m);
    return rc;
}
