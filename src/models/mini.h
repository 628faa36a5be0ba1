/* mini.h — EXAONE-mini: our bidirectional Korean/English text <-> image
 * transformer (inference). Sequence format and vocabulary: mini_seq.h.
 *
 *     MiniModel *m;
 *     if (mini_load(&m, "models/exaone-mini", n_threads, &err) != 0) ...
 *     MiniDrawOptions o; mini_draw_defaults(&o); o.seed = 7;
 *     int codes[64];
 *     mini_draw(m, "a red apple", &o, codes, &err);        // VQ codes, raster order
 *     char *caption; mini_caption(m, codes, MINI_LANG_KO, 32, 4, &caption, &err);   // beam 4
 *     char *ko; mini_translate(m, "Open file", MINI_LANG_KO, 64, 1, &ko, &err);     // greedy
 *     double s; mini_score(m, codes, "a red apple", &s, &err);   // mean log p(text | image)
 *     mini_free(m);
 *
 * A model folder holds config.json (the numbers below), model.safetensors
 * (the trainer's tensor names: transformer.wte.weight, transformer.wpe.weight,
 * transformer.wpe_row/wpe_col.weight (2-D image positions),
 * transformer.wse.weight (segments), transformer.h.N.*, transformer.ln_f.*,
 * lm_head.weight unless tied; F32 or BF16) and tokenizer.json (the BPE whose
 * first ids are the specials of mini_seq.h). Weights are read into f32.
 *
 * The forward pass keeps a KV cache per MiniState: a prompt (the
 * bidirectional prefix) is fed in one call, then one token per call, which
 * computes exactly what the trainer's prefix-LM mask computes in one pass.
 * Architecture: pre-norm GPT (LayerNorm or RMSNorm, GELU-tanh MLP, learned
 * positions), input = wte[token] + wpe[t] + wpe_row[r] + wpe_col[c] + wse[seg].
 */
#ifndef EXAONE_MODELS_MINI_H
#define EXAONE_MODELS_MINI_H

#include "../core/error.h"
#include "../core/threadpool.h"
#include "../tokenizer/tokenizer.h"
#include "../train/rng.h"
#include "mini_seq.h"

#include <stdint.h>

typedef struct {
    int vocab, n_text, n_codes, grid_h, grid_w;
    int d_model, n_layers, n_heads, ffn, max_seq, n_segments;
    int norm; /* 0 LayerNorm, 1 RMSNorm (GPT_NORM_*) */
    int bias, tied;
    float norm_eps;
} MiniConfig;

typedef struct MiniModel MiniModel;
typedef struct MiniState MiniState;

/* config.json text -> config (checked). */
int mini_config_parse(MiniConfig *cfg, const char *json, size_t len, const char *label, Error *err);
/* Writes config.json (atomically). */
int mini_config_save(const MiniConfig *cfg, const char *path, Error *err);

int mini_load(MiniModel **out, const char *dir, int n_threads, Error *err);
void mini_free(MiniModel *m);
const MiniConfig *mini_config(const MiniModel *m);
const MiniVocab *mini_vocab(const MiniModel *m);
const Tokenizer *mini_tokenizer(const MiniModel *m);
/* The model's thread pool (mini_load's n_threads), for work beside the model's own. */
ThreadPool *mini_pool(const MiniModel *m);

/* The f32 matrix [*rows, *cols] of a layer's linear module, slot numbered as
 * GPT_LORA_* (q_proj, k_proj, v_proj, out_proj, c_fc, c_proj), as a private copy
 * the caller may change (a LoRA merge: mini_lora.h); the model files are never
 * written. NULL (err set) when out of memory or out of range. */
/* After changing weights through mini_weight_private (a LoRA merge): the
 * forward pass multiplies by packed copies, made again here. */
int mini_weights_changed(MiniModel *m, Error *err);
float *mini_weight_private(MiniModel *m, int layer, int slot, int *rows, int *cols, Error *err);

/* ---- low level: a KV-cached sequence ---- */
int mini_state_new(MiniState **out, const MiniModel *m, Error *err);
void mini_state_free(MiniState *s);
void mini_state_reset(MiniState *s);
/* dst takes src's tokens (KV cache) and image position. */
void mini_state_copy(MiniState *dst, const MiniState *src, const MiniModel *m);
int mini_state_len(const MiniState *s);
/* From now on every mini_feed of s adds its attention probabilities,
 * averaged over heads, into record[l, i, j] (layer l, query position i, key
 * position j; [n_layers, max_seq, max_seq], zeroed by the caller), for the
 * attention maps of mini_explain.h. NULL stops recording. */
void mini_state_record_attention(MiniState *s, float *record);
/* Feeds n tokens at the next positions. Query i sees keys j <= i and every
 * j < prefix (prefix = the bidirectional prefix length of the whole
 * sequence; 0 = causal). image_start: position of c0 (-1: none). logits
 * [n, vocab] or NULL; last_logits [vocab] (logits of the last token) or NULL. */
int mini_feed(const MiniModel *m, MiniState *s, const int *tokens, const int *segments, int n, int prefix,
              int image_start, float *logits, float *last_logits, Error *err);

/* One token for each of B states (each at its own next position), batched:
 * logits [B, hi - lo] of the vocabulary slice [lo, hi) (e.g. the image
 * codes), or NULL. Causal: each token sees its whole cache. as_bf16: the
 * weight products round both operands to bf16 and sum in f32, as the
 * trainer's bf16 matmuls do (half the weight bytes, twice the multiply rate
 * on AVX512-BF16; logits move by ~1e-2); 0 keeps f32. */
int mini_feed_batch(const MiniModel *m, MiniState *const *states, int B, const int *tokens, const int *segments,
                    int lo, int hi, int as_bf16, float *logits, Error *err);

/* ---- tasks (mini_gen.c) ---- */
typedef struct {
    float temperature, top_p, cfg;
    int top_k;
    uint64_t seed;
} MiniDrawOptions;

/* temperature 1, top_k 0 (off), top_p 0.95, cfg 3, seed 0. */
void mini_draw_defaults(MiniDrawOptions *o);
/* Language of a prompt: Korean when it has Hangul. */
int mini_detect_lang(const char *text);
int mini_draw(MiniModel *m, const char *prompt, const MiniDrawOptions *o, int *codes, Error *err);
/* Samples an index of logits[0, n) with o's temperature, top-k and top-p;
 * scratch holds n * MINI_SAMPLE_SCRATCH bytes. */
#define MINI_SAMPLE_SCRATCH 16
int mini_sample(const float *logits, int n, const MiniDrawOptions *o, Rng *rng, void *scratch);
/* Beam search of width beam (1 = greedy; at most 16), best by mean
 * log-probability; *out is a mem_alloc'd NUL-terminated string. */
int mini_caption(MiniModel *m, const int *codes, int lang, int max_tokens, int beam, char **out, Error *err);
int mini_translate(MiniModel *m, const char *text, int tgt_lang, int max_tokens, int beam, char **out, Error *err);
/* log softmax(logits[0, n))[target], in double. */
double mini_logprob_at(const float *logits, int n, int target);
/* Sum and count of log p(target) over the positions of seq with a target
 * (the generated part: mini_seq.h), in one pass. */
int mini_seq_logprob(MiniModel *m, const MiniSeq *seq, double *sum, int *count, Error *err);
/* logp[t] = log p(seq->targets[t]) at every position t with a target, 0 elsewhere ([seq->len]). */
int mini_seq_target_logprobs(MiniModel *m, const MiniSeq *seq, float *logp, Error *err);
/* Mean log p(text tokens and <eos> | image) under the i2t direction. */
int mini_score(MiniModel *m, const int *codes, const char *text, double *score, Error *err);
/* mini_score of n texts (token ids texts[i][0, lens[i]), in language lang)
 * against one image, batched (mini_rank.c): scores[n]. */
int mini_score_texts(MiniModel *m, const int *codes, int lang, const int32_t *const *texts, const int *lens, int n,
                     double *scores, Error *err);
/* Pointwise mutual information of each text with the image, in nats:
 * log p(text <eos> | image) - log p(text <eos>) (the prior from the model's own
 * language-model task). Ranking by it removes the prior's pull towards
 * predictable names (e.g. long "... skin tone" variants), which a plain mean
 * log p ranks first for almost any image. */
/* sums[i] = log p(texts[i] <eos> | prompt) in nats, where the prompt is the
 * image (task MINI_TASK_I2T) or nothing (MINI_TASK_LM, codes unused). */
int mini_score_sums(MiniModel *m, int task, const int *codes, int lang, const int32_t *const *texts, const int *lens,
                    int n, double *sums, Error *err);
int mini_score_texts_pmi(MiniModel *m, const int *codes, int lang, const int32_t *const *texts, const int *lens,
                         int n, double *scores, Error *err);
/* sums[i] = log p(c0 .. c(G-1) of image i | prompt) in nats under the drawing
 * direction (mini_score_image.c), for n images codes[n, G]; text NULL = the
 * empty (classifier-free) prompt. Ranking names for an image by it is
 * captioning through Bayes' rule with a uniform prior over the names. */
int mini_score_images(MiniModel *m, int lang, const int32_t *text, int n_text, const int *codes, int n,
                      double *sums, Error *err);

#endif
