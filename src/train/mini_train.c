/* EXAONE-mini training loop, checkpoints and export (see mini_train.h). */
#include "mini_train.h"

#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../formats/safetensors.h"
#include "adamw.h"
#include "schedule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void mini_train_defaults(MiniTrainOptions *o) {
    memset(o, 0, sizeof *o);
    o->d_model = 256;
    o->n_layers = 6;
    o->n_heads = 8;
    o->ffn = 1024;
    o->T = 96;
    o->B = 16;
    o->n_codes = 1024;
    o->grid = 8;
    o->steps = 20000;
    o->warmup = 200;
    o->lr = 1e-3f;
    o->min_lr = 1e-4f;
    o->weight_decay = 0.1f;
    o->ckpt_seconds = 300;
    o->log_every = 10;
    o->eval_every = 500;
    o->eval_batches = 8;
    o->threads = 1;
    mini_data_defaults(&o->data);
}

void mini_gpt_config(const MiniTrainOptions *o, int n_text, GptConfig *c) {
    gpt_config_defaults(c);
    c->vocab = n_text + o->n_codes;
    c->d_model = o->d_model;
    c->n_layers = o->n_layers;
    c->n_heads = o->n_heads;
    c->ffn = o->ffn;
    c->max_seq = o->T;
    c->norm = GPT_NORM_LAYER;
    c->mlp = GPT_MLP_GELU;
    c->pos = GPT_POS_LEARNED;
    c->tied = 1;
    c->bias = 0;
    c->grid_h = c->grid_w = o->grid;
    c->n_segments = MINI_N_SEGMENTS;
}

/* ---------------------------------------------------------------- files */

static void path_join(char *out, size_t cap, const char *dir, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static int make_dir(const char *dir, Error *err) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(buf, 0755);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && !dir_exists(buf)) return error_set(err, "cannot create directory %s", dir);
    return 0;
}

static int config_from_gpt(const GptConfig *g, int n_text, int n_codes, MiniConfig *c) {
    memset(c, 0, sizeof *c);
    c->vocab = g->vocab;
    c->n_text = n_text;
    c->n_codes = n_codes;
    c->grid_h = g->grid_h;
    c->grid_w = g->grid_w;
    c->d_model = g->d_model;
    c->n_layers = g->n_layers;
    c->n_heads = g->n_heads;
    c->ffn = g->ffn;
    c->max_seq = g->max_seq;
    c->n_segments = g->n_segments;
    c->norm = g->norm;
    c->bias = g->bias;
    c->tied = g->tied;
    c->norm_eps = g->norm_eps;
    return g->mlp == GPT_MLP_GELU && g->pos == GPT_POS_LEARNED ? 0 : -1;
}

/* The inverse of config_from_gpt. */
static void gpt_from_config(const MiniConfig *c, GptConfig *g) {
    gpt_config_defaults(g);
    g->vocab = c->vocab;
    g->d_model = c->d_model;
    g->n_layers = c->n_layers;
    g->n_heads = c->n_heads;
    g->ffn = c->ffn;
    g->max_seq = c->max_seq;
    g->norm = c->norm;
    g->mlp = GPT_MLP_GELU;
    g->pos = GPT_POS_LEARNED;
    g->tied = c->tied;
    g->bias = c->bias;
    g->grid_h = c->grid_h;
    g->grid_w = c->grid_w;
    g->n_segments = c->n_segments;
    g->norm_eps = c->norm_eps;
}

/* Every table entry as a tensor over `base` (F32), plus extra tensors. */
static StTensor *table_tensors(const ParamTable *t, const float *base, size_t extra, Error *err) {
    StTensor *ts = mem_calloc((size_t)t->count + extra, sizeof *ts);
    if (!ts) {
        error_set(err, "out of memory");
        return NULL;
    }
    for (int i = 0; i < t->count; i++) {
        const ParamEntry *e = &t->entries[i];
        ts[i].name = e->name;
        ts[i].dtype = DTYPE_F32;
        ts[i].n_dims = e->cols ? 2 : 1;
        ts[i].shape[0] = e->rows;
        ts[i].shape[1] = e->cols;
        ts[i].data = base + e->offset;
        ts[i].size = e->numel * sizeof(float);
    }
    return ts;
}

int mini_export(const Gpt *model, int n_text, int n_codes, const char *tokenizer, const char *dir, int bf16,
                Error *err) {
    char path[1024];
    MiniConfig mc;
    if (config_from_gpt(&model->config, n_text, n_codes, &mc) != 0)
        return error_set(err, "export: EXAONE-mini needs GELU and learned positions");
    if (make_dir(dir, err) != 0) return -1;
    StTensor *ts = table_tensors(&model->table, model->params, 0, err);
    if (!ts) return -1;
    uint16_t *half = NULL;
    if (bf16) {
        half = mem_alloc(model->table.total * sizeof(uint16_t));
        if (!half) {
            mem_free(ts);
            return error_set(err, "export: out of memory");
        }
        dtype_from_f32(DTYPE_BF16, model->params, half, (int64_t)model->table.total);
        for (int i = 0; i < model->table.count; i++) {
            ts[i].dtype = DTYPE_BF16;
            ts[i].data = half + model->table.entries[i].offset;
            ts[i].size = model->table.entries[i].numel * sizeof(uint16_t);
        }
    }
    const char *meta[] = {"format", "pt", "model", "exaone-mini", NULL};
    path_join(path, sizeof path, dir, "model.safetensors");
    int rc = st_save(path, ts, (size_t)model->table.count, meta, err);
    mem_free(ts);
    mem_free(half);
    if (rc) return -1;
    path_join(path, sizeof path, dir, "config.json");
    if (mini_config_save(&mc, path, err) != 0) return -1;
    char *json;
    size_t len;
    if (file_read_all(tokenizer, (size_t)64 << 20, &json, &len, err) != 0) return -1;
    path_join(path, sizeof path, dir, "tokenizer.json");
    rc = file_write_atomic(path, json, len, err);
    mem_free(json);
    return rc;
}

int mini_import(Gpt **out, const char *dir, int max_B, ThreadPool *pool, Error *err) {
    char path[1024];
    char *json = NULL;
    size_t len = 0;
    MiniConfig mc;
    *out = NULL;
    path_join(path, sizeof path, dir, "config.json");
    if (file_read_all(path, 1 << 20, &json, &len, err) != 0) return -1;
    int rc = mini_config_parse(&mc, json, len, path, err);
    mem_free(json);
    if (rc) return -1;
    GptConfig gc;
    gpt_config_defaults(&gc);
    gc.vocab = mc.vocab;
    gc.d_model = mc.d_model;
    gc.n_layers = mc.n_layers;
    gc.n_heads = mc.n_heads;
    gc.ffn = mc.ffn;
    gc.max_seq = mc.max_seq;
    gc.norm = mc.norm;
    gc.mlp = GPT_MLP_GELU;
    gc.pos = GPT_POS_LEARNED;
    gc.tied = mc.tied;
    gc.bias = mc.bias;
    gc.grid_h = mc.grid_h;
    gc.grid_w = mc.grid_w;
    gc.n_segments = mc.n_segments;
    gc.norm_eps = mc.norm_eps;
    Gpt *model = NULL;
    SafeTensors *st = NULL;
    path_join(path, sizeof path, dir, "model.safetensors");
    if (gpt_new(&model, &gc, max_B, mc.max_seq, pool, err) != 0 || st_open(&st, path, err) != 0) {
        gpt_free(model);
        return -1;
    }
    for (int i = 0; i < model->table.count && !rc; i++) {
        const ParamEntry *e = &model->table.entries[i];
        const StTensor *t = st_find(st, e->name);
        size_t width = t ? (t->dtype == DTYPE_F32 ? 4 : t->dtype == DTYPE_BF16 ? 2 : 0) : 0;
        if (!t || !width || t->size != e->numel * width)
            rc = error_set(err, "%s: tensor %s is missing, or not %zu F32/BF16 values", path, e->name, e->numel);
        else
            dtype_to_f32(t->dtype, t->data, model->params + e->offset, (int64_t)e->numel);
    }
    st_close(st);
    if (rc) {
        gpt_free(model);
        return -1;
    }
    *out = model;
    return 0;
}

static int save_checkpoint(const char *path, const Gpt *model, const AdamW *opt, int64_t step, uint64_t seed,
                           Error *err) {
    int n = model->table.count;
    StTensor *ts = table_tensors(&model->table, model->params, 2, err);
    if (!ts) return -1;
    const float *moments[2] = {opt->m, opt->v};
    const char *names[2] = {"optim.m", "optim.v"};
    for (int i = 0; i < 2; i++) {
        ts[n + i] = (StTensor){.name = names[i], .dtype = DTYPE_F32, .n_dims = 1, .data = moments[i],
                               .size = model->table.total * sizeof(float)};
        ts[n + i].shape[0] = (int64_t)model->table.total;
    }
    char step_s[32], seed_s[32], adam_s[32], shape_s[256];
    snprintf(step_s, sizeof step_s, "%" PRId64, step);
    snprintf(seed_s, sizeof seed_s, "%" PRIu64, seed);
    snprintf(adam_s, sizeof adam_s, "%" PRId64, opt->step);
    const GptConfig *c = &model->config;
    snprintf(shape_s, sizeof shape_s, "%d %d %d %d %d %d %d", c->vocab, c->d_model, c->n_layers, c->n_heads, c->ffn,
             c->max_seq, c->grid_h);
    const char *meta[] = {"step", step_s, "seed", seed_s, "adam_step", adam_s, "shape", shape_s, NULL};
    int rc = st_save(path, ts, (size_t)n + 2, meta, err);
    mem_free(ts);
    return rc;
}

/* dst[numel] = the F32 tensor `name` (or, with bf16_ok, a BF16 one widened):
 * checkpoints hold F32 only, exported models F32 or BF16. */
static int copy_tensor(const SafeTensors *st, const char *name, float *dst, size_t numel, int bf16_ok, Error *err) {
    const StTensor *t = st_find(st, name);
    int ok = t && ((t->dtype == DTYPE_F32 && t->size == numel * sizeof(float)) ||
                   (bf16_ok && t->dtype == DTYPE_BF16 && t->size == numel * sizeof(uint16_t)));
    if (!ok && bf16_ok)
        return error_set(err, "tensor %s is missing, not F32/BF16, or has another size (model shape changed?)", name);
    if (!ok)
        return error_set(err, "checkpoint tensor %s is missing or has another size (model shape changed?)", name);
    dtype_to_f32(t->dtype, t->data, dst, (int64_t)numel);
    return 0;
}

static int copy_params(const SafeTensors *st, Gpt *model, int bf16_ok, Error *err) {
    int rc = 0;
    for (int i = 0; i < model->table.count && !rc; i++) {
        const ParamEntry *e = &model->table.entries[i];
        rc = copy_tensor(st, e->name, model->params + e->offset, e->numel, bf16_ok, err);
    }
    return rc;
}

static int load_checkpoint(const char *path, Gpt *model, AdamW *opt, int64_t *step, Error *err) {
    SafeTensors *st;
    if (st_open(&st, path, err) != 0) return -1;
    int rc = copy_params(st, model, 0, err);
    if (!rc) rc = copy_tensor(st, "optim.m", opt->m, model->table.total, 0, err);
    if (!rc) rc = copy_tensor(st, "optim.v", opt->v, model->table.total, 0, err);
    const char *s = st_metadata(st, "step"), *a = st_metadata(st, "adam_step");
    if (!rc && (!s || !a)) rc = error_set(err, "checkpoint has no step metadata");
    if (!rc) {
        *step = strtoll(s, NULL, 10);
        opt->step = strtoll(a, NULL, 10);
    }
    st_close(st);
    return rc ? error_prefix(err, "%s", path) : 0;
}

/* Weights of an exported model (F32 or BF16) as the start of a new run: how
 * training continues across machines that keep only the shipped model. */
static int load_init_weights(const char *path, Gpt *model, Error *err) {
    SafeTensors *st;
    if (st_open(&st, path, err) != 0) return -1;
    int rc = copy_params(st, model, 1, err);
    st_close(st);
    return rc ? error_prefix(err, "%s", path) : 0;
}

int mini_gpt_load(Gpt **out, MiniConfig *mc, const char *dir, int B, int T, ThreadPool *pool, Error *err) {
    *out = NULL;
    char path[1100];
    char *json = NULL;
    size_t len = 0;
    path_join(path, sizeof path, dir, "config.json");
    if (file_read_all(path, 1 << 20, &json, &len, err) != 0) return -1;
    int rc = mini_config_parse(mc, json, len, path, err);
    mem_free(json);
    if (rc) return -1;
    GptConfig gc;
    gpt_from_config(mc, &gc);
    Gpt *model = NULL;
    path_join(path, sizeof path, dir, "model.safetensors");
    if (gpt_new(&model, &gc, B, T < gc.max_seq ? T : gc.max_seq, pool, err) != 0 ||
        load_init_weights(path, model, err) != 0) {
        gpt_free(model);
        return -1;
    }
    *out = model;
    return 0;
}

/* ---------------------------------------------------------------- loop */

static int vocab_from_tokenizer(const Tokenizer *tok, const MiniTrainOptions *o, MiniVocab *v, Error *err) {
    memset(v, 0, sizeof *v);
    v->n_text = (int)tok_vocab_size(tok);
    v->n_codes = o->n_codes;
    v->grid_h = v->grid_w = o->grid;
    for (int i = 0; i < MINI_N_SPECIAL; i++) {
        v->special[i] = tok_token_to_id(tok, mini_special_names[i], strlen(mini_special_names[i]));
        if (v->special[i] < 0)
            return error_set(err, "%s: no %s token (train the BPE with the mini specials)", o->tokenizer,
                             mini_special_names[i]);
    }
    return 0;
}

static double eval_loss(Gpt *model, MiniBatch *b, const MiniCorpus *val, const MiniTrainOptions *o, double *task_loss,
                        Error *err) {
    double total = 0;
    int n = 0;
    for (int task = 0; task < MINI_N_TASKS; task++) {
        task_loss[task] = -1;
        int have = task == MINI_TASK_TRANSLATE ? val->n_pairs > 0
                   : task == MINI_TASK_LM      ? val->n_texts > 0
                                               : val->n_captions > 0 && val->n_images > 0;
        if (!have) continue;
        double sum = 0;
        for (int k = 0; k < o->eval_batches; k++) {
            for (int row = 0; row < b->B; row++)
                if (mini_batch_fill_eval(b, row, val, task, (int64_t)k * b->B + row, err) != 0) return -1;
            int Tn = mini_batch_compact(b, &val->vocab);
            GptBatch gb = {b->tokens, b->targets, b->prefix, b->image_start, b->segments};
            if (gpt_forward(model, &gb, b->B, Tn, err) != 0) return -1;
            sum += model->loss;
        }
        task_loss[task] = sum / o->eval_batches;
        total += task_loss[task];
        n++;
    }
    return n ? total / n : 0;
}

int mini_train(const MiniTrainOptions *o, Error *err) {
    char path[1024], ckpt[1024], logp[1024];
    Tokenizer *tok = NULL;
    MiniCorpus *train = NULL, *val = NULL;
    MiniBatch *batch = NULL;
    Gpt *model = NULL;
    AdamW opt = {0};
    ThreadPool *pool = o->threads > 1 ? pool_new(o->threads) : NULL;
    FILE *log = NULL;
    MiniVocab vocab;
    int rc = -1;
    if (tok_load(&tok, o->tokenizer, err) != 0 || vocab_from_tokenizer(tok, o, &vocab, err) != 0) goto done;
    path_join(path, sizeof path, o->data_dir, "train.tsv");
    if (mini_corpus_load(&train, path, tok, &vocab, err) != 0) goto done;
    path_join(path, sizeof path, o->data_dir, "val.tsv");
    if (file_exists(path) && mini_corpus_load(&val, path, tok, &vocab, err) != 0) goto done;
    log_info("mini-train: %d images of %d items, %d captions, %d pairs, %d texts (%zu tokens)", train->n_images,
             train->n_items, train->n_captions, train->n_pairs, train->n_texts, train->ids.n);
    if (o->data.balance_families)
        log_info("mini-train: captions balanced over %d families (%s)", train->n_families,
                 train->n_family_set ? "F records" : "no F records: one family per item");
    GptConfig gc;
    mini_gpt_config(o, vocab.n_text, &gc);
    if (mini_batch_new(&batch, o->B, o->T, err) || gpt_new(&model, &gc, o->B, o->T, pool, err) ||
        adamw_new(&opt, model->table.total, err) || make_dir(o->out_dir, err))
        goto done;
    model->precision = o->bf16_matmuls ? LINEAR_BF16 : LINEAR_F32;
    gpt_init_random(model, o->data.seed);
    int64_t step = 0;
    path_join(ckpt, sizeof ckpt, o->out_dir, "ckpt.safetensors");
    if (file_exists(ckpt)) {
        if (load_checkpoint(ckpt, model, &opt, &step, err) != 0) goto done;
        log_info("mini-train: resumed from %s at step %" PRId64, ckpt, step);
    } else if (o->init) {
        if (load_init_weights(o->init, model, err) != 0) goto done;
        log_info("mini-train: new run from the weights of %s", o->init);
    }
    path_join(logp, sizeof logp, o->out_dir, "log.csv");
    int new_log = !file_exists(logp);
    log = fopen(logp, "a");
    if (!log) {
        error_set(err, "cannot open %s", logp);
        goto done;
    }
    if (new_log) fprintf(log, "step,tokens,loss,lr,grad_norm,seconds,val_loss,val_t2i,val_i2t,val_translate,val_lm\n");
    log_info("mini-train: %zu parameters (d %d, %d layers, %d heads, ffn %d, T %d, vocab %d), batch %d",
             model->table.total, gc.d_model, gc.n_layers, gc.n_heads, gc.ffn, gc.max_seq, gc.vocab, o->B);
    AdamWConfig ac;
    adamw_config_defaults(&ac);
    ac.weight_decay = o->weight_decay;
    double t0 = time_seconds(), last_ckpt = t0;
    int64_t first = step, tokens_seen = 0;
    for (; step < o->steps; step++) {
        if (mini_batch_fill(batch, train, &o->data, step, err) != 0) goto done;
        int Tn = mini_batch_compact(batch, &vocab);
        tokens_seen += (int64_t)o->B * Tn;
        GptBatch gb = {batch->tokens, batch->targets, batch->prefix, batch->image_start, batch->segments};
        gpt_zero_grad(model);
        if (gpt_forward(model, &gb, o->B, Tn, err) != 0) goto done;
        gpt_backward(model, 1.0f);
        float norm = grad_global_norm(pool, model->grads, model->table.total);
        float lr = lr_warmup_cosine(step, o->warmup, o->steps, o->lr, o->min_lr);
        adamw_step(&opt, pool, model->params, model->grads, &model->table, &ac, lr, grad_clip_factor(norm, ac.grad_clip));
        double now = time_seconds();
        if (step == first + 4) {
            double per = (now - t0) / 5;
            log_info("mini-train: %.2f s/step, %.0f tokens/s; %" PRId64 " steps to go ~ %.1f h", per,
                     (double)tokens_seen / 5 / per, o->steps - step, per * (double)(o->steps - step) / 3600);
        }
        int do_eval = val && o->eval_every > 0 && (step + 1) % o->eval_every == 0;
        if ((step + 1) % o->log_every == 0 || do_eval) {
            double tl[MINI_N_TASKS], vl = -1;
            if (do_eval && (vl = eval_loss(model, batch, val, o, tl, err)) < 0) goto done;
            fprintf(log, "%" PRId64 ",%" PRId64 ",%.5f,%.6g,%.4f,%.1f", step + 1, (step + 1) * o->B * o->T, model->loss,
                    (double)lr, (double)norm, now - t0);
            if (do_eval)
                fprintf(log, ",%.5f,%.5f,%.5f,%.5f,%.5f\n", vl, tl[0], tl[1], tl[2], tl[3]);
            else
                fprintf(log, ",,,,,\n");
            fflush(log);
            log_info("step %" PRId64 " loss %.4f lr %.2e norm %.3f%s", step + 1, (double)model->loss, (double)lr,
                     (double)norm, do_eval ? " (eval)" : "");
            if (do_eval) log_info("  val loss %.4f (t2i %.4f i2t %.4f translate %.4f lm %.4f)", vl, tl[0], tl[1], tl[2], tl[3]);
        }
        int out_of_time = (o->max_seconds > 0 && now - t0 >= o->max_seconds) || step + 1 == o->stop_after;
        if (now - last_ckpt >= o->ckpt_seconds || out_of_time || step + 1 == o->steps) {
            if (save_checkpoint(ckpt, model, &opt, step + 1, o->data.seed, err) != 0) goto done;
            last_ckpt = now;
            if (o->export_dir && mini_export(model, vocab.n_text, o->n_codes, o->tokenizer, o->export_dir,
                                             o->export_bf16, err) != 0)
                goto done;
            log_info("mini-train: checkpoint at step %" PRId64 " -> %s", step + 1, ckpt);
        }
        if (out_of_time) {
            step++;
            break;
        }
    }
    rc = 0;
done:
    if (log) fclose(log);
    adamw_free(&opt);
    gpt_free(model);
    mini_batch_free(batch);
    mini_corpus_free(train);
    mini_corpus_free(val);
    tok_free(tok);
    if (pool) pool_free(pool);
    return rc;
}
