/* vq.h — EXAONE-mini's image tokenizer: a VQGAN-style convolutional
 * autoencoder with a vector-quantized bottleneck (Esser et al. 2021,
 * without the attention and the discriminator).
 *
 *   image [H,W,3] -> encoder (f = 2^(levels-1) downsampling) -> z [H/f,W/f,D]
 *   -> nearest codebook entry (K x D) -> codes [H/f,W/f] -> decoder -> image
 *
 * With the default config (f8, 1024 x 64 codebook) a 64x64 image is 8x8 codes
 * and a 128x128 image 16x16; any H, W divisible by f work.
 *
 * Layout: activations NHWC floats, pixels in [-1, 1]. All parameters live in
 * one float buffer laid out by `table` (src/train/params.h) with the tensor
 * names of taming-transformers' VQModel ("encoder.down.0.block.0.conv1.weight",
 * "quantize.embedding.weight", ...), conv weights in torch's [OC, C, k, k]
 * order, so checkpoints map 1:1 onto a torch state dict. `shapes` gives each
 * entry's torch shape.
 *
 *     VqModel *m;
 *     if (vq_new(&m, &config, pool, &err) != 0) ...
 *     vq_init_random(m, seed);
 *     vq_reserve(m, B, 64, 64, &err);          // activation buffers for B images
 *     vq_forward(m, images, B);                // m->loss, m->recon, m->idx
 *     vq_zero_grad(m); vq_backward(m, images, B);
 *     ... adamw_step(...m->params, m->grads...) ...; vq_codebook_update(m, step);
 *     vq_free(m);
 * Inference: vq_encode / vq_decode (they reserve what they need).
 */
#ifndef EXAONE_MODELS_VQ_H
#define EXAONE_MODELS_VQ_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "../formats/safetensors.h"
#include "../train/params.h"
#include "../train/rng.h"
#include "../train/vision/conv2d.h"
#include "../train/vision/resblock.h"
#include "../train/vision/vq_quantize.h"

#include <stdint.h>

#define VQ_MAX_LEVELS 6
/* Largest image side encode and decode accept (a grid of VQ_MAX_SIDE / f codes). */
#define VQ_MAX_SIDE 8192

typedef struct {
    int ch;                      /* base channels */
    int n_levels;                /* resolutions; downsampling f = 2^(n_levels-1) */
    int ch_mult[VQ_MAX_LEVELS];  /* channels of level i = ch * ch_mult[i] */
    int num_res_blocks;          /* per level, encoder and decoder */
    int z_channels;              /* encoder output channels */
    int embed_dim;               /* code dimension D */
    int n_embed;                 /* codebook size K */
    int groups;                  /* GroupNorm groups */
    float beta;                  /* commitment weight */
    float ema_decay;             /* 0: codebook learns by gradient (+ codebook loss) */
    float ema_eps;               /* Laplace smoothing of EMA counts */
    int dead_after;              /* restart codes unused for this many steps (0: never) */
} VqConfig;

/* ch 32, levels 4 (mult 1,1,2,4: f8), 1 res block, z 64, 1024 x 64 codebook,
 * 32 groups, beta 0.25, EMA decay 0.99, eps 1e-5, dead after 30 steps. */
void vq_config_default(VqConfig *cfg);
/* Checks the numbers (also those read from a checkpoint); 0 when usable. */
int vq_config_check(const VqConfig *cfg, Error *err);
static inline int vq_factor(const VqConfig *cfg) { return 1 << (cfg->n_levels - 1); }

typedef struct VqOp VqOp;

typedef struct {
    VqConfig config;
    ParamTable table;
    int64_t (*shapes)[4]; /* torch shape of each table entry, [count][4], 0 = unused dim */
    float *params, *grads;
    ThreadPool *pool;
    VqEma ema;            /* EMA statistics and code usage (vq_quantize.h) */
    Rng rng;              /* dead-code restarts */
    int codebook_ready;   /* codebook seeded from encoder outputs */
    int decoder_only;     /* train the decoder alone: codes of every image stay what they were */
    /* geometry the activations are sized for (vq_reserve) */
    int max_B, H, W;
    VqOp *enc, *dec;
    int n_enc, n_dec;
    float *z, *zq, *dz, *dzq; /* [B*h*w, D] */
    int32_t *idx;             /* [B*h*w] */
    float *vq_scratch;        /* [B*h*w*K + K + K*D] */
    float *recon;             /* [B,H,W,3] decoder output */
    float *gbuf[3];           /* gradient temporaries, each the largest activation */
    ConvScratch scratch;
    /* vq_decode_lean's buffers, kept for the next call: a large picture is
     * many equal tiles, and fresh buffers per tile cost more in page faults
     * than the decoder's norms and activations (perf: 25 % of the decode).
     * Grown when a bigger grid comes; freed by vq_free. */
    struct {
        float *buf[4], *up, *mean, *rstd, *col, *wt;
        size_t act, up_act, groups, wt_cap;
    } lean;
    /* last forward */
    int B;
    double loss, rec_mse, commit_mse;
} VqModel;

int vq_new(VqModel **out, const VqConfig *cfg, ThreadPool *pool, Error *err);
/* The parameters a model of cfg has, without allocating them: a loader
 * compares this with what its file holds before vq_new allocates twice as
 * much (weights and gradients). */
int vq_param_count(const VqConfig *cfg, size_t *count, Error *err);
void vq_free(VqModel *m);
/* torch-default init: conv U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and
 * bias, norms weight 1 bias 0, codebook U(-1/K, 1/K). */
void vq_init_random(VqModel *m, uint64_t seed);
/* Activation buffers for B images of H x W (H, W divisible by the factor). */
int vq_reserve(VqModel *m, int B, int H, int W, Error *err);
/* Index of a tensor by name, or -1; pointer into params. */
float *vq_param(VqModel *m, const char *name);

/* images [B,H,W,3] in [-1,1], B <= max_B. Sets loss = rec_mse + beta commit_mse
 * (+ commit_mse again for the codebook loss without EMA), recon, idx. The
 * first call also seeds the codebook from encoder outputs (EMA mode). */
void vq_forward(VqModel *m, const float *images, int B);
void vq_zero_grad(VqModel *m);
/* Gradients of the last forward's loss, accumulated into grads. */
void vq_backward(VqModel *m, const float *images, int B);
/* After the optimizer step: EMA codebook update and dead-code restarts. */
void vq_codebook_update(VqModel *m, int64_t step);

/* Encoder + quantizer only: codes [B, H/f, W/f] of images [B,H,W,3] in [-1,1]. */
int vq_encode(VqModel *m, const float *images, int B, int H, int W, int32_t *codes, Error *err);
/* Decoder only: images [B,H,W,3] in [-1,1] from codes [B,h,w] (each < K). */
int vq_decode(VqModel *m, const int32_t *codes, int B, int h, int w, float *images, Error *err);
/* vq_decode of one grid with buffers reused from op to op (no backward, no
 * encoder): ~5 activations of the largest layer instead of every layer's, for
 * large pictures decoded in big tiles. Same result as vq_decode. */
int vq_decode_lean(VqModel *m, const int32_t *codes, int h, int w, float *image, Error *err);

/* Checkpoint: safetensors with every parameter under its torch name, the EMA
 * statistics ("quantize.cluster_size", "quantize.embed_avg") and, when opt_m /
 * opt_v are given, the AdamW moments ("optimizer.exp_avg.<name>", ...) and
 * the rest of the training state (see vq_load_train_state); metadata holds
 * the config and `step`. */
int vq_save(const VqModel *m, const char *path, const float *opt_m, const float *opt_v, int64_t step, Error *err);
/* Loads a checkpoint into a new model (config from its metadata); *step (may
 * be NULL) receives its step. */
int vq_load(VqModel **out, const char *path, ThreadPool *pool, int64_t *step, Error *err);
/* vq_load on a checkpoint already open or parsed (st_parse); path names it
 * in messages. */
int vq_load_from(VqModel **out, const SafeTensors *st, const char *path, ThreadPool *pool, int64_t *step, Error *err);
/* Resume: reads the AdamW moments of a checkpoint written with them, and the
 * code usage ("quantize.last_used", I64) and restart generator (metadata
 * "train.rng") that make the resumed run bit-identical; *exact = 0 when the
 * checkpoint predates those two (it still loads; restarts then differ). */
int vq_load_train_state(const char *path, VqModel *m, float *opt_m, float *opt_v, int *exact, Error *err);

#endif
