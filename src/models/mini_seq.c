/* EXAONE-mini sequence builders (see mini_seq.h). */
#include "mini_seq.h"

#define IGNORE (-100) /* GPT_IGNORE_INDEX; repeated so models/ does not include train/ */

const char *const mini_special_names[MINI_N_SPECIAL] = {"<pad>", "<eos>", "<t2i>", "<i2t>", "<translate>",
                                                        "<lm>",  "<ko>",  "<en>",  "<boi>", "<eoi>"};

static void seq_reset(MiniSeq *s) {
    s->len = 0;
    s->prefix = 0;
    s->image_start = -1;
}

static int seq_fits(const MiniSeq *s, int n, Error *err) {
    if (n < 0 || s->len + n > s->cap)
        return error_set(err, "mini: sequence of %d tokens does not fit the context of %d", s->len + n, s->cap);
    return 0;
}

static void push(MiniSeq *s, int token, int segment) {
    s->tokens[s->len] = token;
    s->segments[s->len] = segment;
    s->targets[s->len] = IGNORE;
    s->len++;
}

static void push_text(MiniSeq *s, const int32_t *text, int n, int segment) {
    for (int i = 0; i < n; i++) push(s, text[i], segment);
}

static void push_image(const MiniVocab *v, MiniSeq *s, const int *codes, int segment) {
    push(s, v->special[MINI_BOI], segment);
    s->image_start = s->len;
    for (int i = 0; i < v->grid_h * v->grid_w; i++) push(s, mini_code_token(v, codes[i]), segment);
    push(s, v->special[MINI_EOI], segment);
}

/* Loss on predicting tokens [from, len): the target of t is token t+1. */
static void set_targets(MiniSeq *s, int from) {
    for (int t = from > 0 ? from - 1 : 0; t + 1 < s->len; t++) s->targets[t] = s->tokens[t + 1];
}

int mini_seq_t2i(const MiniVocab *v, MiniSeq *s, int lang, const int32_t *text, int n_text, const int *codes,
                 Error *err) {
    seq_reset(s);
    int n_img = v->grid_h * v->grid_w;
    if (seq_fits(s, 3 + (lang != MINI_LANG_NONE) + n_text + (codes ? n_img + 1 : 0), err)) return -1;
    push(s, v->special[MINI_T2I], MINI_SEG_T2I_TEXT);
    if (lang != MINI_LANG_NONE) push(s, mini_lang_token(v, lang), MINI_SEG_T2I_TEXT);
    push_text(s, text, n_text, MINI_SEG_T2I_TEXT);
    push(s, v->special[MINI_BOI], MINI_SEG_T2I_TEXT);
    s->prefix = s->len;
    s->image_start = s->len;
    if (!codes) return 0;
    for (int i = 0; i < n_img; i++) push(s, mini_code_token(v, codes[i]), MINI_SEG_T2I_IMAGE);
    push(s, v->special[MINI_EOI], MINI_SEG_T2I_IMAGE);
    set_targets(s, s->prefix);
    return 0;
}

int mini_seq_i2t(const MiniVocab *v, MiniSeq *s, const int *codes, int lang, const int32_t *caption, int n_caption,
                 Error *err) {
    seq_reset(s);
    if (seq_fits(s, 4 + v->grid_h * v->grid_w + (caption ? n_caption + 1 : 0), err)) return -1;
    push(s, v->special[MINI_I2T], MINI_SEG_I2T_IMAGE);
    push_image(v, s, codes, MINI_SEG_I2T_IMAGE);
    push(s, mini_lang_token(v, lang), MINI_SEG_I2T_TEXT);
    s->prefix = s->len;
    if (!caption) return 0;
    push_text(s, caption, n_caption, MINI_SEG_I2T_TEXT);
    push(s, v->special[MINI_EOS], MINI_SEG_I2T_TEXT);
    set_targets(s, s->prefix);
    return 0;
}

int mini_seq_translate(const MiniVocab *v, MiniSeq *s, int src_lang, const int32_t *src, int n_src, int tgt_lang,
                       const int32_t *tgt, int n_tgt, Error *err) {
    seq_reset(s);
    if (seq_fits(s, 3 + n_src + (tgt ? n_tgt + 1 : 0), err)) return -1;
    push(s, v->special[MINI_TRANSLATE], MINI_SEG_TR_SRC);
    push(s, mini_lang_token(v, src_lang), MINI_SEG_TR_SRC);
    push_text(s, src, n_src, MINI_SEG_TR_SRC);
    push(s, mini_lang_token(v, tgt_lang), MINI_SEG_TR_TGT);
    s->prefix = s->len;
    if (!tgt) return 0;
    push_text(s, tgt, n_tgt, MINI_SEG_TR_TGT);
    push(s, v->special[MINI_EOS], MINI_SEG_TR_TGT);
    set_targets(s, s->prefix);
    return 0;
}

int mini_seq_lm(const MiniVocab *v, MiniSeq *s, int lang, const int32_t *text, int n_text, Error *err) {
    seq_reset(s);
    if (seq_fits(s, 3 + n_text, err)) return -1;
    push(s, v->special[MINI_LM], MINI_SEG_LM);
    push(s, mini_lang_token(v, lang), MINI_SEG_LM);
    push_text(s, text, n_text, MINI_SEG_LM);
    push(s, v->special[MINI_EOS], MINI_SEG_LM);
    set_targets(s, 2);
    return 0;
}

void mini_seq_pad(const MiniVocab *v, MiniSeq *s) {
    for (int t = s->len; t < s->cap; t++) {
        s->tokens[t] = v->special[MINI_PAD];
        s->targets[t] = IGNORE;
        s->segments[t] = -1;
    }
}
