/* exaone tune -m models/exaone-mini --data DIR|FILE.jsonl -o ADAPTER_DIR — LoRA tuning
 * of EXAONE-mini on image/prompt pairs (both directions, t2i and i2t) and text pairs
 * (translate) from src/train/mini_tune_data.h, on the trainer's transformer with a
 * frozen base (src/train/gpt_lora.h).
 * cmd_tune hands over here when -m names an EXAONE-mini folder. */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/mini.h"
#include "../models/mini_lora.h"
#include "../train/adamw.h"
#include "../train/gpt_lora.h"
#include "../train/mini_train.h"
#include "../train/mini_tune_data.h"
#include "../train/tune_run.h"
#include "args.h"
#include "commands.h"
#include "tune_options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *usage =
    "usage: exaone tune -m MINI_DIR --data DIR|FILE.jsonl -o ADAPTER_DIR [options]\n\n"
    "LoRA fine-tuning of EXAONE-mini (e.g. models/exaone-mini) on image/prompt pairs, e.g.\n"
    "a house style of patterns, or on text pairs, e.g. a house style of translation.\n"
    "--data is a folder of PNGs with prompts.tsv (FILE<TAB>prompt) or prompts in the file\n"
    "names (red_stripes_01.png -> \"red stripes\"), or a JSONL file whose lines are\n"
    "{\"image\": \"a.png\", \"caption\": \"...\"} or {\"source\": \"...\", \"target\": \"...\"}.\n"
    "An image pair trains both directions: drawing (prompt -> image) and captioning\n"
    "(image -> prompt). A text pair trains translation, source -> target (Korean when the\n"
    "text has Hangul, else English; the two must differ). The base stays read-only.\n"
    "ADAPTER_DIR receives adapter_config.json + adapter_model.safetensors (PEFT names,\n"
    "base_model.model.transformer.h.N.<module>.lora_A/B.weight), loss.csv, loss.png and\n"
    "tune-checkpoint.safetensors (parameters + AdamW state, written atomically).\n"
    "Use it with: exaone draw --lora ADAPTER_DIR[:SCALE], caption, score, translate, serve --lora.\n\n"
    "  -m, --model DIR         EXAONE-mini folder (config.json, model.safetensors, vq.safetensors)\n"
    "  --data DIR|FILE.jsonl   training pairs\n"
    "  -o, --output DIR        adapter folder\n"
    "  --eval DIR|FILE.jsonl   held-out pairs: loss per task before and after tuning\n"
    "  --rank R                LoRA rank (default 8)\n"
    "  --alpha A               LoRA alpha; scale = alpha / rank (default 16)\n"
    "  --targets LIST          q_proj,k_proj,v_proj,out_proj,c_fc,c_proj or all (default all)\n"
    "  --epochs N              passes over the data (default 30)\n"
    "  --lr LR                 AdamW learning rate (default 1e-3; constant after 10 warm-up steps)\n"
    "  --batch N               sequences per optimizer step (default 8)\n"
    "  --max-steps N           stop after N steps (default: all epochs)\n"
    "  --seed S                initialisation and data order (default 0)\n"
    "  --save-every N          checkpoint every N steps (default 50)\n"
    "  --resume                continue from ADAPTER_DIR/tune-checkpoint.safetensors\n"
    "  -t, --threads N         threads (default: all cores)\n\n"
    "stdout: steps=N loss=X eval_t2i_before=A eval_t2i_after=B eval_i2t_before=C eval_i2t_after=D\n"
    "        eval_tr_before=E eval_tr_after=F tokens_per_s=T peak_rss_mb=M\n"
    "        (eval_* = mean loss per target token; -1 without --eval or without that task)\n";

typedef struct {
    Gpt *model;
    const MiniVocab *vocab;
    const MiniTuneSet *set;
    MiniSeq seq;
    int *rows_tok, *rows_tgt, *rows_seg, *prefix, *image_start; /* [B * T], [B] */
} Batcher;

/* Sequences of examples ex[0..n) (mini_tune_examples codes) into the first n rows,
 * cut to the longest. */
static int fill(Batcher *b, const int *ex, int n, int *T_out, Error *err) {
    int T = b->model->max_T, Tn = 1;
    for (int r = 0; r < n; r++) {
        if (mini_tune_seq(b->set, b->vocab, ex[r], &b->seq, err) != 0) return -1;
        memcpy(b->rows_tok + (size_t)r * T, b->seq.tokens, sizeof(int) * (size_t)T);
        memcpy(b->rows_tgt + (size_t)r * T, b->seq.targets, sizeof(int) * (size_t)T);
        memcpy(b->rows_seg + (size_t)r * T, b->seq.segments, sizeof(int) * (size_t)T);
        b->prefix[r] = b->seq.prefix;
        b->image_start[r] = b->seq.image_start;
        Tn = b->seq.len > Tn ? b->seq.len : Tn;
    }
    /* compact the rows to Tn columns (padding past a row's end is never attended to) */
    for (int r = 1; r < n; r++) {
        memmove(b->rows_tok + (size_t)r * Tn, b->rows_tok + (size_t)r * T, sizeof(int) * (size_t)Tn);
        memmove(b->rows_tgt + (size_t)r * Tn, b->rows_tgt + (size_t)r * T, sizeof(int) * (size_t)Tn);
        memmove(b->rows_seg + (size_t)r * Tn, b->rows_seg + (size_t)r * T, sizeof(int) * (size_t)Tn);
    }
    *T_out = Tn;
    return 0;
}

static int forward(Batcher *b, const int *ex, int n, Error *err) {
    int Tn;
    if (fill(b, ex, n, &Tn, err) != 0) return -1;
    GptBatch gb = {b->rows_tok, b->rows_tgt, b->prefix, b->image_start, b->rows_seg};
    return gpt_forward(b->model, &gb, n, Tn, err);
}

/* Mean loss per target token of each task (t2i, i2t, translate) over a held-out set;
 * -1 for a task the set has no example of. */
static int eval_loss(Batcher *b, int B, double out[3], Error *err) {
    static const int tasks[3] = {MINI_TASK_T2I, MINI_TASK_I2T, MINI_TASK_TRANSLATE};
    int *ex = mem_alloc(sizeof(int) * (2 * (size_t)b->set->n + 1)), rc = 0;
    if (!ex) return error_set(err, "out of memory");
    for (int k = 0; k < 3 && !rc; k++) {
        int n_ex = mini_tune_examples(b->set, tasks[k], ex);
        double sum = 0;
        int64_t count = 0;
        for (int i = 0; i < n_ex && !rc; i += B) {
            int n = n_ex - i < B ? n_ex - i : B;
            rc = forward(b, ex + i, n, err);
            sum += (double)b->model->loss * (double)b->model->n_targets;
            count += b->model->n_targets;
        }
        out[k] = count ? sum / (double)count : -1;
    }
    mem_free(ex);
    return rc;
}

static int load_set(MiniTuneSet *s, const char *data, const char *model_dir, const MiniModel *mm, Error *err) {
    MiniTuneList l = {0};
    int rc = mini_tune_list_load(&l, data, err);
    if (!rc)
        rc = mini_tune_set_build(s, &l, model_dir, mini_tokenizer(mm), mini_vocab(mm), mini_config(mm)->max_seq, err);
    mini_tune_list_free(&l);
    return rc;
}

int cmd_tune_mini(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone tune");
    TuneOptions o; /* this tuner's defaults: */
    tune_options_defaults(&o);
    o.targets = "all";
    o.epochs = 30;
    o.batch = 8;
    o.lr = 1e-3;
    o.max_rank = GPT_LORA_MAX_RANK;
    o.max_batch = 256;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (tune_options_parse(&args, &o)) continue;
        return args_unknown(&args);
    }
    if (args.failed || tune_options_check(&o, "-m MINI_DIR, --data DIR|FILE.jsonl")) return 2;
    Error err = {0};
    unsigned targets = 0;
    if (gpt_lora_parse_targets(o.targets, &targets, &err) != 0) {
        fprintf(stderr, "exaone tune: %s\n", err.message);
        return 2;
    }
    MiniModel *mm = NULL;
    MiniConfig mc;
    MiniTuneSet train = {0}, held = {0};
    ThreadPool *pool = NULL;
    Gpt *model = NULL;
    GptLora *lora = NULL;
    AdamW opt = {0};
    Batcher b = {0};
    int *perm = NULL, *examples = NULL, *batch_ex = NULL, rc = 1;
    FILE *csv = NULL;
    int64_t step = 0;
    if (mini_load(&mm, o.model, 1, &err) != 0 || load_set(&train, o.data, o.model, mm, &err) != 0) goto done;
    if (o.eval && load_set(&held, o.eval, o.model, mm, &err) != 0) goto done;
    examples = mem_alloc(sizeof(int) * 2 * (size_t)train.n);
    batch_ex = mem_alloc(sizeof(int) * (size_t)o.batch);
    if (!examples || !batch_ex) {
        error_set(&err, "out of memory");
        goto done;
    }
    int n_ex = mini_tune_examples(&train, -1, examples), n_text = 0;
    for (int i = 0; i < train.n; i++) n_text += train.is_text[i];
    log_info("%d image pairs (drawing + captioning), %d text pairs (translation): %d sequences%s", train.n - n_text,
             n_text, n_ex, held.n ? "; held-out pairs loaded" : "");
    pool = pool_new((int)o.threads);
    if (!pool) {
        error_set(&err, "cannot start threads");
        goto done;
    }
    if (mkdir(o.outdir, 0755) != 0 && errno != EEXIST) {
        error_set(&err, "%s: cannot create: %s", o.outdir, strerror(errno));
        goto done;
    }
    if (mini_gpt_load(&model, &mc, o.model, (int)o.batch, mini_config(mm)->max_seq, pool, &err) != 0 ||
        gpt_lora_new(&lora, model, (int)o.rank, (float)o.alpha, targets, (uint64_t)o.seed, &err) != 0 ||
        adamw_new(&opt, lora->table.total, &err) != 0)
        goto done;
    size_t cells = (size_t)o.batch * (size_t)model->max_T;
    b = (Batcher){.model = model, .vocab = mini_vocab(mm)};
    int *ints = mem_alloc(sizeof(int) * (3 * cells + 2 * (size_t)o.batch + 3 * (size_t)model->max_T));
    if (!ints) {
        error_set(&err, "out of memory");
        goto done;
    }
    b.rows_tok = ints;
    b.rows_tgt = ints + cells;
    b.rows_seg = ints + 2 * cells;
    b.prefix = ints + 3 * cells;
    b.image_start = b.prefix + o.batch;
    b.seq = (MiniSeq){.tokens = b.image_start + o.batch, .cap = model->max_T};
    b.seq.targets = b.seq.tokens + model->max_T;
    b.seq.segments = b.seq.targets + model->max_T;
    if (o.resume && tune_ckpt_load(o.outdir, &lora->table, lora->params, &opt, &step, (uint64_t)o.seed, &err) != 0)
        goto done;
    int64_t per_epoch = (n_ex + o.batch - 1) / o.batch, total = per_epoch * o.epochs;
    if (o.max_steps > 0 && o.max_steps < total) total = o.max_steps;
    log_info("LoRA rank %d alpha %g on %s: %zu trainable parameters (base %zu frozen), %" PRId64 " steps", (int)o.rank,
             o.alpha, o.targets, lora->table.total, model->table.total, total);
    double ev_before[3] = {-1, -1, -1}, ev_after[3] = {-1, -1, -1};
    b.set = &held;
    if (held.n && step == 0 && eval_loss(&b, (int)o.batch, ev_before, &err) != 0) goto done;
    b.set = &train;
    AdamWConfig acfg;
    adamw_config_defaults(&acfg);
    acfg.weight_decay = 0;
    perm = mem_alloc(sizeof(int) * (size_t)n_ex);
    char csv_path[1100];
    snprintf(csv_path, sizeof csv_path, "%s/loss.csv", o.outdir);
    if (!perm) {
        error_set(&err, "out of memory");
        goto done;
    }
    if (step > 0 && tune_csv_truncate(csv_path, step, &err) != 0) goto done;
    if (!(csv = fopen(csv_path, step > 0 ? "a" : "w"))) {
        error_set(&err, "cannot open %s", csv_path);
        goto done;
    }
    if (step == 0) fprintf(csv, "step,loss,tokens,seconds\n");
    Progress bar;
    progress_begin(&bar, "tune", total, "step");
    double t0 = time_seconds(), loss = 0;
    int64_t tokens = 0, start_step = step, cur_epoch = -1;
    for (; step < total; step++) {
        int64_t epoch = step / per_epoch, first = (step % per_epoch) * o.batch;
        if (epoch != cur_epoch) tune_epoch_order(perm, n_ex, (uint64_t)o.seed, epoch), cur_epoch = epoch;
        int nb = (int)(n_ex - first < o.batch ? n_ex - first : o.batch);
        memset(lora->grads, 0, sizeof(float) * lora->table.total);
        for (int r = 0; r < nb; r++) batch_ex[r] = examples[perm[first + r]];
        if (forward(&b, batch_ex, nb, &err) != 0) goto done;
        gpt_backward(model, 1.0f);
        loss = model->loss;
        tokens += (int64_t)nb * model->T;
        float norm = grad_global_norm(pool, lora->grads, lora->table.total);
        float step_lr = (float)(o.lr * (step < 10 ? (double)(step + 1) / 10 : 1.0));
        adamw_step(&opt, pool, lora->params, lora->grads, &lora->table, &acfg, step_lr, grad_clip_factor(norm, 1.0f));
        fprintf(csv, "%" PRId64 ",%.6f,%d,%.3f\n", step + 1, loss, nb * model->T, time_seconds() - t0);
        progress_update(&bar, step + 1, "loss %.4f", loss);
        if ((step + 1) % o.save_every == 0 && step + 1 < total) {
            fflush(csv);
            if (tune_ckpt_save(o.outdir, &lora->table, lora->params, &opt, step + 1, (uint64_t)o.seed, &err) != 0)
                goto done;
        }
    }
    progress_done(&bar);
    double secs = time_seconds() - t0;
    fclose(csv);
    csv = NULL;
    char png[1100];
    snprintf(png, sizeof png, "%s/loss.png", o.outdir);
    if (tune_ckpt_save(o.outdir, &lora->table, lora->params, &opt, step, (uint64_t)o.seed, &err) != 0 ||
        mini_lora_save(o.outdir, lora, o.model, &err) != 0 || (step > 0 && tune_plot_csv(csv_path, png, &err) != 0))
        goto done;
    b.set = &held;
    if (held.n && eval_loss(&b, (int)o.batch, ev_after, &err) != 0) goto done;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("steps=%" PRId64 " loss=%.4f eval_t2i_before=%.4f eval_t2i_after=%.4f eval_i2t_before=%.4f "
           "eval_i2t_after=%.4f eval_tr_before=%.4f eval_tr_after=%.4f tokens_per_s=%.1f peak_rss_mb=%.0f\n",
           step - start_step, loss, ev_before[0], ev_after[0], ev_before[1], ev_after[1], ev_before[2], ev_after[2],
           secs > 0 ? (double)tokens / secs : 0, (double)ru.ru_maxrss / 1024.0);
    rc = 0;
done:
    if (rc) fprintf(stderr, "exaone tune: %s\n", err.message);
    if (csv) fclose(csv);
    mem_free(perm);
    mem_free(examples);
    mem_free(batch_ex);
    mem_free(b.rows_tok);
    adamw_free(&opt);
    gpt_lora_free(lora);
    gpt_free(model);
    pool_free(pool);
    mini_tune_set_free(&train);
    mini_tune_set_free(&held);
    mini_free(mm);
    return rc;
}
