/* mini_seq.h — EXAONE-mini's sequence format: one vocabulary, four tasks.
 *
 * Vocabulary (V = n_text + n_codes):
 *   [0, n_text)               the bilingual byte-level BPE (tokenizer.json). Its
 *                             first ids are the special tokens, trained in as
 *                             specials so the tokenizer never splits them:
 *                             <pad> <eos> <t2i> <i2t> <translate> <lm> <ko> <en> <boi> <eoi>
 *   [n_text, n_text+n_codes)  image codes: code c of the VQ codebook is n_text + c
 *
 * Sequences (c0..c63 = an 8x8 grid of codes, raster order):
 *   t2i        <t2i> <en> a red apple <boi> c0 .. c63 <eoi>
 *   i2t        <i2t> <boi> c0 .. c63 <eoi> <ko> 빨간 사과 <eos>
 *   translate  <translate> <en> Open file <ko> 파일 열기 <eos>
 *   lm         <lm> <ko> text <eos>
 * The part before the generated part is a bidirectional prefix (prefix-LM
 * mask): prefix = every token up to and including <boi> (t2i), the target
 * language tag (i2t, translate), or 0 for lm (plain causal). Loss only on the
 * generated part: targets[t] = tokens[t+1] for t+1 in the generated part, else
 * GPT_IGNORE_INDEX. Classifier-free guidance trains on an empty prompt
 * "<t2i> <boi> c0 .. c63 <eoi>" (mini_seq_t2i with no text, no language).
 *
 * Segments (the learned direction x role embedding of BiART, L-Verse CVPR
 * 2022): every token gets MINI_SEG_* by the part it belongs to; task and
 * language tags belong to the part they introduce. Image tokens also get
 * 2-D (row, col) positions from image_start (the index of c0).
 */
#ifndef EXAONE_MODELS_MINI_SEQ_H
#define EXAONE_MODELS_MINI_SEQ_H

#include "../core/error.h"

#include <stdint.h>

enum { MINI_PAD, MINI_EOS, MINI_T2I, MINI_I2T, MINI_TRANSLATE, MINI_LM, MINI_KO, MINI_EN, MINI_BOI, MINI_EOI,
       MINI_N_SPECIAL };
enum { MINI_SEG_T2I_TEXT, MINI_SEG_T2I_IMAGE, MINI_SEG_I2T_IMAGE, MINI_SEG_I2T_TEXT, MINI_SEG_TR_SRC,
       MINI_SEG_TR_TGT, MINI_SEG_LM, MINI_N_SEGMENTS };
enum { MINI_TASK_T2I, MINI_TASK_I2T, MINI_TASK_TRANSLATE, MINI_TASK_LM, MINI_N_TASKS };
enum { MINI_LANG_NONE = -1, MINI_LANG_KO = 0, MINI_LANG_EN = 1 };

/* Spellings in tokenizer.json, indexed by MINI_PAD..MINI_EOI. */
extern const char *const mini_special_names[MINI_N_SPECIAL];

typedef struct {
    int n_text;   /* BPE vocabulary size (specials included) */
    int n_codes;  /* codebook size */
    int grid_h, grid_w;
    int special[MINI_N_SPECIAL]; /* ids; = index when trained with mini_special_names first */
} MiniVocab;

static inline int mini_code_token(const MiniVocab *v, int code) { return v->n_text + code; }
static inline int mini_is_code(const MiniVocab *v, int token) {
    return token >= v->n_text && token < v->n_text + v->n_codes;
}
static inline int mini_lang_token(const MiniVocab *v, int lang) {
    return v->special[lang == MINI_LANG_KO ? MINI_KO : MINI_EN];
}

/* One sequence, built into caller-provided arrays of capacity cap. */
typedef struct {
    int *tokens, *targets, *segments; /* [cap] */
    int cap, len;
    int prefix;      /* bidirectional prefix length */
    int image_start; /* index of c0, or -1 */
} MiniSeq;

/* Builders: fail (err set) when the sequence does not fit cap. codes may be
 * NULL to stop after the prompt (inference: the model continues from there).
 * text may be NULL/0 for an empty (CFG) prompt; lang MINI_LANG_NONE then. */
int mini_seq_t2i(const MiniVocab *v, MiniSeq *s, int lang, const int32_t *text, int n_text, const int *codes,
                 Error *err);
/* caption / tgt NULL: ends after the target language tag (inference). */
int mini_seq_i2t(const MiniVocab *v, MiniSeq *s, const int *codes, int lang, const int32_t *caption, int n_caption,
                 Error *err);
int mini_seq_translate(const MiniVocab *v, MiniSeq *s, int src_lang, const int32_t *src, int n_src, int tgt_lang,
                       const int32_t *tgt, int n_tgt, Error *err);
int mini_seq_lm(const MiniVocab *v, MiniSeq *s, int lang, const int32_t *text, int n_text, Error *err);
/* Fills tokens past len with <pad>, targets with ignore, segments with -1. */
void mini_seq_pad(const MiniVocab *v, MiniSeq *s);

#endif
