/* exaone.h — the runtime for LG's EXAONE 3.0 / 3.5 / 4.0 text models.
 *
 *     ExaoneModel *m;
 *     if (exaone_load(&m, "path/to/EXAONE-4.0-1.2B", &err) != 0) ...   // folder or .gguf
 *     ExaoneState *s;
 *     exaone_state_new(&s, m, 0, DTYPE_F16, &err);                    // 0: context from config
 *     exaone_forward(s, pool, ids, n, logits, 0, &err);               // prefill, last logits
 *     exaone_forward(s, pool, &next, 1, logits, 0, &err);             // decode
 *     exaone_state_free(s); exaone_free(m);
 *
 * Two architectures share one forward pass:
 *   3.x  "exaone":  x += attn(rms(x)); x += mlp(rms(x)); RoPE on every layer.
 *   4.0  "exaone4": QK-norm before RoPE; x += rms(attn(x)); x += rms(mlp(x));
 *        hybrid attention: sliding layers (window W: a query at p sees keys
 *        p-W < k <= p, HF's semantics) use RoPE, global layers use none when a
 *        window is configured (RoPE everywhere when sliding_window is null).
 * Every value comes from config.json (or the GGUF metadata); nothing is assumed.
 */
#ifndef EXAONE_MODELS_EXAONE_H
#define EXAONE_MODELS_EXAONE_H

#include "../core/dtype.h"
#include "../core/error.h"
#include "../core/threadpool.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { EXAONE_V3 = 3, EXAONE_V4 = 4 } ExaoneArch;

typedef struct {
    ExaoneArch arch;
    int n_layers, dim, ffn_dim, n_heads, n_kv_heads, head_dim, vocab;
    int max_ctx;
    float eps;
    float rope_theta;
    int rope_llama3; /* rope_scaling.rope_type == "llama3" */
    float rope_factor, rope_low_freq, rope_high_freq;
    int rope_orig_ctx;
    float *rope_factors;     /* GGUF rope_freqs: inv_freq[i] / rope_factors[i]; NULL if absent */
    int sliding_window;      /* 0: none */
    unsigned char *sliding;  /* per layer: 1 = sliding-window layer */
    int tied;
    int bos_id, eos_id;
} ExaoneConfig;

/* Parses a Hugging Face config.json text; label names it in errors. */
int exaone_config_parse(ExaoneConfig *cfg, const char *json, size_t len, const char *label, Error *err);
void exaone_config_free(ExaoneConfig *cfg);
/* Whether layer i applies RoPE (HF: sliding_window is None or the layer is sliding). */
int exaone_layer_rope(const ExaoneConfig *cfg, int layer);
/* inv_freq[head_dim/2] with llama3 scaling applied when configured. */
void exaone_rope_inv_freq(const ExaoneConfig *cfg, double *inv_freq);

/* A weight matrix [rows, cols] stored row-major in the file, any supported dtype. */
struct ExaoneLoraDelta; /* exaone_lora.h */
typedef struct {
    const void *data;
    DType type;
    int64_t rows, cols;
    const struct ExaoneLoraDelta *lora; /* LoRA adapters added to this product (NULL: none) */
} ExaoneMat;

typedef struct {
    ExaoneMat wq, wk, wv, wo, w_gate, w_up, w_down;
    /* f32 copies (norm weights are tiny): 3.x uses attn_norm/ffn_norm as pre-norms,
     * 4.0 uses them as post-attention / post-feedforward norms. */
    float *attn_norm, *ffn_norm, *q_norm, *k_norm;
} ExaoneLayer;

typedef struct ExaoneModel ExaoneModel;
struct ExaoneModel {
    ExaoneConfig cfg;
    ExaoneLayer *layers;
    ExaoneMat embed, head;
    float *final_norm;
    char source[512];      /* path it was loaded from */
    const char *format;    /* "safetensors" or "gguf" */
    size_t weight_bytes;   /* bytes of all weight tensors */
    int64_t n_params;
    void *st;              /* SafeTensors* or NULL */
    void *gguf;            /* Gguf* or NULL */
};

/* path: a folder with config.json + model.safetensors (or a sharded index), or a .gguf file. */
int exaone_load(ExaoneModel **out, const char *path, Error *err);
void exaone_free(ExaoneModel *m);

typedef struct ExaoneState ExaoneState;

/* n_ctx <= 0: the model's max_position_embeddings. kv_type: DTYPE_F32, DTYPE_F16 or DTYPE_Q8_0. */
int exaone_state_new(ExaoneState **out, const ExaoneModel *m, int n_ctx, DType kv_type, Error *err);
void exaone_state_free(ExaoneState *s);
int exaone_state_pos(const ExaoneState *s);
int exaone_state_ctx(const ExaoneState *s);
/* Forgets the cache from position pos on (0: everything). */
void exaone_state_rewind(ExaoneState *s, int pos);

/* Runs n tokens at the next positions. logits: all_logits ? n x vocab : vocab (the last
 * token's). Fails (state unchanged) when the context would overflow or a token id is out
 * of range. */
int exaone_forward(ExaoneState *s, ThreadPool *pool, const int32_t *tokens, int n, float *logits, int all_logits,
                   Error *err);

/* `exaone info`: an EXAONE section for a model folder or GGUF (nothing for other files). */
void exaone_print_info(const char *path, FILE *out);

#endif
