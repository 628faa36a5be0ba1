/* A training run (see trainer.h). */
#include "trainer.h"

#include "../core/mem.h"
#include "../core/progress.h"
#include "schedule.h"

#include <math.h>
#include <string.h>

int trainer_new(Trainer **out, const TrainConfig *config, Dist *dist, Error *err) {
    *out = NULL;
    Trainer *tr = mem_calloc(1, sizeof *tr);
    if (!tr) return error_set(err, "trainer: out of memory");
    tr->config = *config;
    tr->dist = dist;
    tr->last_loss = NAN;
    size_t n = (size_t)config->batch * (size_t)config->seq;
    tr->pool = pool_new(config->threads);
    tr->inputs = mem_calloc(n, sizeof(int));
    tr->targets = mem_calloc(n, sizeof(int));
    if (!tr->pool || !tr->inputs || !tr->targets) {
        error_set(err, "trainer: out of memory");
        goto fail;
    }
    if (gpt_new(&tr->model, &config->model, config->batch, config->seq, tr->pool, err) != 0) goto fail;
    tr->model->precision = config->bf16 ? LINEAR_BF16 : LINEAR_F32;
    gpt_init_random(tr->model, config->seed);
    if (adamw_new(&tr->opt, tr->model->table.total, err) != 0) goto fail;
    if (data_open(&tr->data, config->data, config->model.vocab, config->seq, config->seed, err) != 0) goto fail;
    *out = tr;
    return 0;
fail:
    trainer_free(tr);
    return -1;
}

void trainer_free(Trainer *tr) {
    if (!tr) return;
    data_close(&tr->data);
    adamw_free(&tr->opt);
    gpt_free(tr->model);
    pool_free(tr->pool);
    mem_free(tr->inputs);
    mem_free(tr->targets);
    mem_free(tr);
}

int trainer_step(Trainer *tr, TrainStats *stats, Error *err) {
    const TrainConfig *c = &tr->config;
    double start = time_seconds();
    gpt_zero_grad(tr->model);
    double loss = 0;
    int rank = tr->dist ? tr->dist->rank : 0;
    for (int a = 0; a < c->accum; a++) {
        int64_t micro = (int64_t)rank * c->accum + a; /* global micro-batch number (data.h) */
        data_batch(&tr->data, tr->step, micro * c->batch, tr->inputs, tr->targets, c->batch, c->seq);
        GptBatch batch = {.tokens = tr->inputs, .targets = tr->targets};
        if (gpt_forward(tr->model, &batch, c->batch, c->seq, err) != 0) return -1;
        gpt_backward(tr->model, 1.0f / (float)c->accum);
        loss += tr->model->loss / c->accum;
    }
    if (tr->dist) {
        if (dist_allreduce_mean(tr->dist, tr->model->grads, tr->model->table.total, err) != 0) return -1;
        loss = dist_mean(tr->dist, loss);
    }
    float norm = grad_global_norm(tr->pool, tr->model->grads, tr->model->table.total);
    float lr = lr_warmup_cosine(tr->step, c->warmup, c->steps, c->lr, c->min_lr);
    adamw_step(&tr->opt, tr->pool, tr->model->params, tr->model->grads, &tr->model->table, &c->adamw, lr,
               grad_clip_factor(norm, c->adamw.grad_clip));
    tr->step++;
    stats->loss = tr->last_loss = (float)loss;
    stats->grad_norm = norm;
    stats->lr = lr;
    stats->seconds = time_seconds() - start;
    return 0;
}
