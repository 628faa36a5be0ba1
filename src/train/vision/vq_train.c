/* VQ tokenizer training loop (see vq_train.h). */
#include "vq_train.h"

#include "../../core/file.h"
#include "../../core/log.h"
#include "../../core/mem.h"
#include "../../core/progress.h"
#include "../adamw.h"
#include "../schedule.h"
#include "vq_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void vq_train_config_default(VqTrainConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->steps = 1000, cfg->batch = 16, cfg->image_size = 64;
    cfg->lr = 4e-4f, cfg->min_lr = 4e-5f, cfg->warmup = 100, cfg->seed = 1, cfg->threads = 1;
    cfg->checkpoint_seconds = 300, cfg->eval_every = 500, cfg->resume = 1;
    vq_config_default(&cfg->model);
}

static double psnr_of(double mse01) { return mse01 > 0 ? 10.0 * log10(1.0 / mse01) : 99.0; }

/* Reconstructs images[i0, i0+nb) into m->recon (pixels [-1,1]), input in buf. */
static int reconstruct(VqModel *m, const uint8_t *images, int i0, int nb, int H, int W, float *buf, Error *err) {
    size_t per = (size_t)H * W * 3;
    for (int b = 0; b < nb; b++) vq_pixels_to_float(buf + per * b, images + per * (size_t)(i0 + b), H, W, 0);
    if (vq_reserve(m, nb > m->max_B ? nb : m->max_B, H, W, err) != 0) return -1;
    vq_forward(m, buf, nb);
    return 0;
}

int vq_eval_psnr(VqModel *m, const uint8_t *images, int n, int H, int W, int batch, double *psnr, Error *err) {
    size_t per = (size_t)H * W * 3;
    float *buf = mem_alloc(per * (size_t)batch * sizeof(float));
    if (!buf) return error_set(err, "vq eval: out of memory");
    double sum = 0;
    for (int i0 = 0; i0 < n; i0 += batch) {
        int nb = n - i0 < batch ? n - i0 : batch;
        if (reconstruct(m, images, i0, nb, H, W, buf, err) != 0) {
            mem_free(buf);
            return -1;
        }
        for (int b = 0; b < nb; b++) {
            double se = 0;
            const uint8_t *orig = images + per * (size_t)(i0 + b);
            for (size_t j = 0; j < per; j++) {
                double r = ((double)m->recon[per * b + j] + 1.0) * 0.5;
                r = r < 0 ? 0 : r > 1 ? 1 : r;
                double d = r - orig[j] / 255.0;
                se += d * d;
            }
            sum += psnr_of(se / (double)per);
        }
    }
    mem_free(buf);
    *psnr = n ? sum / n : 0;
    return 0;
}

int vq_write_grid(VqModel *m, const uint8_t *images, int n, int H, int W, int per_row, int rows, const char *path,
                  Error *err) {
    int count = n < per_row * rows ? n : per_row * rows;
    if (count <= 0) return error_set(err, "%s: no images for the grid", path);
    rows = (count + per_row - 1) / per_row;
    int GW = per_row * 2 * W, GH = rows * H;
    size_t per = (size_t)H * W * 3;
    uint8_t *grid = mem_alloc((size_t)GW * GH * 3), *rec = mem_alloc(per);
    float *buf = mem_alloc(per * sizeof(float));
    if (!grid || !rec || !buf) {
        mem_free(grid), mem_free(rec), mem_free(buf);
        return error_set(err, "%s: out of memory", path);
    }
    memset(grid, 255, (size_t)GW * GH * 3);
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        if ((rc = reconstruct(m, images, i, 1, H, W, buf, err)) != 0) break;
        vq_pixels_to_u8(rec, m->recon, (int64_t)per);
        int gx = (i % per_row) * 2 * W, gy = (i / per_row) * H;
        for (int y = 0; y < H; y++) {
            memcpy(grid + ((size_t)(gy + y) * GW + gx) * 3, images + per * i + (size_t)y * W * 3, (size_t)W * 3);
            memcpy(grid + ((size_t)(gy + y) * GW + gx + W) * 3, rec + (size_t)y * W * 3, (size_t)W * 3);
        }
    }
    if (rc == 0) rc = vq_png_write(path, grid, GH, GW, err);
    mem_free(grid), mem_free(rec), mem_free(buf);
    return rc;
}

static void fill_batch(float *x, const VqDataset *ds, int B, uint64_t seed, int64_t step) {
    Rng r;
    rng_seed(&r, seed * 0x9e3779b97f4a7c15ull + (uint64_t)step);
    size_t per = (size_t)ds->H * ds->W * 3;
    for (int b = 0; b < B; b++) {
        uint64_t i = rng_below(&r, (uint64_t)ds->n_train);
        vq_pixels_to_float(x + per * b, ds->train + per * i, ds->H, ds->W, (int)(rng_u64(&r) & 1));
    }
}

static int codes_used_since(const VqModel *m, int64_t since) {
    int n = 0;
    for (int k = 0; k < m->config.n_embed; k++) n += m->ema.last_used[k] >= since;
    return n;
}

typedef struct {
    char ckpt[600], weights[600], csv[600], grid[600];
} Paths;

static int save_all(VqModel *m, const AdamW *opt, const Paths *p, int64_t step, Error *err) {
    if (vq_save(m, p->ckpt, opt->m, opt->v, step, err) != 0) return -1;
    return vq_save(m, p->weights, NULL, NULL, step, err);
}

/* Keeps the header and the rows of steps <= step of a loss log: the rows a
 * crashed run wrote after its last checkpoint are about to be trained again. */
static int csv_truncate_after(const char *path, int64_t step, Error *err) {
    char *text = NULL;
    size_t size = 0;
    if (!file_exists(path)) return 0;
    if (file_read_all(path, (size_t)1 << 30, &text, &size, err) != 0) return -1;
    size_t kept = 0;
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) + 1 : size - at;
        char *end = NULL;
        long long row_step = strtoll(text + at, &end, 10);
        int is_row = end != text + at && *end == ',';
        if (!is_row || row_step <= step) {
            memmove(text + kept, text + at, len);
            kept += len;
        }
        at += len;
    }
    int rc = kept == size ? 0 : file_write_atomic(path, text, kept, err);
    mem_free(text);
    return rc;
}

int vq_train(const VqTrainConfig *cfg, Error *err) {
    if (!cfg->data || !cfg->out_dir) return error_set(err, "vq train: data and output directory are required");
    if (cfg->batch < 1 || cfg->steps < 1 || cfg->image_size < 8) return error_set(err, "vq train: bad batch/steps/size");
    Paths p;
    snprintf(p.ckpt, sizeof p.ckpt, "%s/checkpoint.safetensors", cfg->out_dir);
    snprintf(p.weights, sizeof p.weights, "%s/vq.safetensors", cfg->out_dir);
    snprintf(p.csv, sizeof p.csv, "%s/loss.csv", cfg->out_dir);
    snprintf(p.grid, sizeof p.grid, "%s/grid.png", cfg->out_dir);
    if (!dir_exists(cfg->out_dir) && mkdir(cfg->out_dir, 0755) != 0)
        return error_set(err, "%s: cannot create directory", cfg->out_dir);

    VqDataset ds;
    int S = cfg->image_size, B = cfg->batch;
    if (vq_dataset_load(&ds, cfg->data, S, S, err) != 0) return -1;
    log_info("vq train: %d training and %d held-out images of %dx%d from %s", ds.n_train, ds.n_eval, S, S, cfg->data);

    ThreadPool *pool = pool_new(cfg->threads);
    VqModel *m = NULL;
    AdamW opt = {0};
    FILE *csv = NULL;
    float *x = NULL;
    int rc = -1;
    int64_t step = 0;
    if (!pool) {
        error_set(err, "vq train: cannot start %d threads", cfg->threads);
        goto done;
    }
    int resuming = cfg->resume && file_exists(p.ckpt);
    if (resuming) {
        if (vq_load(&m, p.ckpt, pool, &step, err) != 0) goto done;
        int exact = 0;
        if (adamw_new(&opt, m->table.total, err) != 0 ||
            vq_load_train_state(p.ckpt, m, opt.m, opt.v, &exact, err) != 0)
            goto done;
        opt.step = step;
        if (!exact) {
            rng_seed(&m->rng, cfg->seed + (uint64_t)step);
            log_warn("vq train: %s predates saved restart state: dead-code restarts will differ from an "
                     "uninterrupted run", p.ckpt);
        }
        log_info("vq train: resuming %s at step %lld", p.ckpt, (long long)step);
    } else if (cfg->init) {
        /* Fine-tuning a finished tokenizer: its config comes with the weights. */
        int64_t init_step = 0;
        if (vq_load(&m, cfg->init, pool, &init_step, err) != 0 || adamw_new(&opt, m->table.total, err) != 0) goto done;
        m->codebook_ready = 1;
        rng_seed(&m->rng, cfg->seed);
        log_info("vq train: starting from the weights of %s (step %lld there)", cfg->init, (long long)init_step);
    } else {
        if (vq_new(&m, &cfg->model, pool, err) != 0 || adamw_new(&opt, m->table.total, err) != 0) goto done;
        vq_init_random(m, cfg->seed);
    }
    m->decoder_only = cfg->decoder_only;
    if (m->decoder_only) log_info("vq train: decoder only (encoder and codebook frozen)");
    log_info("vq train: %zu parameters, %d tensors, codebook %d x %d, f%d", m->table.total, m->table.count,
             m->config.n_embed, m->config.embed_dim, vq_factor(&m->config));
    if (vq_reserve(m, B, S, S, err) != 0) goto done;
    x = mem_alloc((size_t)B * S * S * 3 * sizeof(float));
    if (resuming && csv_truncate_after(p.csv, step, err) != 0) goto done;
    csv = fopen(p.csv, resuming ? "a" : "w");
    if (!x || !csv) {
        error_set(err, "%s: cannot open the loss log (or out of memory)", p.csv);
        goto done;
    }
    if (!resuming) fprintf(csv, "step,loss,rec_mse,commit_mse,train_psnr,lr,codes_used_100,images_per_s,eval_psnr\n");

    AdamWConfig acfg;
    adamw_config_defaults(&acfg);
    acfg.weight_decay = 0, acfg.beta2 = 0.99f;
    Progress bar;
    progress_begin(&bar, "vq train", cfg->steps, "step");
    double t_last_ckpt = time_seconds(), train_seconds = 0;
    int64_t first = step, end = cfg->stop_after > 0 && cfg->stop_after < cfg->steps ? cfg->stop_after : cfg->steps;
    for (; step < end; step++) {
        double ts = time_seconds();
        fill_batch(x, &ds, B, cfg->seed, step);
        if (vq_reserve(m, B, S, S, err) != 0) goto done;
        vq_forward(m, x, B);
        vq_zero_grad(m);
        vq_backward(m, x, B);
        float lr = lr_warmup_cosine(step, cfg->warmup, cfg->steps, cfg->lr, cfg->min_lr);
        float norm = grad_global_norm(pool, m->grads, m->table.total);
        adamw_step(&opt, pool, m->params, m->grads, &m->table, &acfg, lr, grad_clip_factor(norm, acfg.grad_clip));
        vq_codebook_update(m, step);
        double dt = time_seconds() - ts, eval_psnr = NAN;
        if (step > first) train_seconds += dt; /* the first step warms caches and pages up */
        int last = step + 1 == cfg->steps, stopping = step + 1 == end;
        if ((cfg->eval_every > 0 && (step + 1) % cfg->eval_every == 0) || last) {
            if (ds.n_eval && vq_eval_psnr(m, ds.eval, ds.n_eval, S, S, B, &eval_psnr, err) != 0) goto done;
            log_info("step %lld: held-out PSNR %.2f dB (%d images)", (long long)step + 1, eval_psnr, ds.n_eval);
        }
        fprintf(csv, "%lld,%.6f,%.6f,%.6f,%.3f,%.3g,%d,%.2f,%.3f\n", (long long)step + 1, m->loss, m->rec_mse,
                m->commit_mse, psnr_of(m->rec_mse / 4), lr, codes_used_since(m, step - 99), B / dt, eval_psnr);
        fflush(csv);
        progress_update(&bar, step + 1, "loss %.4f psnr %.2f", m->loss, psnr_of(m->rec_mse / 4));
        if (time_seconds() - t_last_ckpt >= cfg->checkpoint_seconds || stopping) {
            if (save_all(m, &opt, &p, step + 1, err) != 0) goto done;
            t_last_ckpt = time_seconds();
            log_info("step %lld: checkpoint %s", (long long)step + 1, p.ckpt);
        }
    }
    progress_done(&bar);
    if (step > first + 1)
        log_info("vq train: %.2f images/s over %lld steps (training steps only)",
                 (double)(step - first - 1) * B / train_seconds, (long long)(step - first - 1));
    if (ds.n_eval && vq_write_grid(m, ds.eval, ds.n_eval, S, S, 4, 8, p.grid, err) != 0) goto done;
    rc = 0;
done:
    if (csv) fclose(csv);
    mem_free(x);
    adamw_free(&opt);
    vq_free(m);
    pool_free(pool);
    vq_dataset_free(&ds);
    return rc;
}
