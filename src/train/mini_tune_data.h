/* mini_tune_data.h — image/prompt pairs and text pairs for LoRA-tuning EXAONE-mini.
 *
 * --data is one of
 *   DIR with prompts.tsv   lines "FILE.png<TAB>prompt" (FILE relative to DIR; '#' lines skipped)
 *   DIR without it         every *.png; the prompt is the file name without extension,
 *                          '_' and '-' read as spaces, trailing digits dropped
 *                          ("red_stripes_03.png" -> "red stripes")
 *   FILE.jsonl             {"image": "a.png", "caption": "..."} per line ("prompt" or
 *                          "text" also name the text; image relative to the file's folder),
 *                          or {"source": "...", "target": "..."}: a text pair, the
 *                          translation the model should give for source (the languages
 *                          are read from the texts: Hangul = Korean; they must differ)
 * Every image goes through the model folder's VQ (vq.safetensors) once at load.
 * Each image pair trains both directions of the bidirectional model: t2i (prompt -> codes,
 * so `draw` learns the style) and i2t (codes -> prompt, so `score` / `caption` do).
 * A text pair trains the translate task (source -> target), e.g. a house style of
 * translation; one file may mix both kinds.
 *
 *     MiniTuneList l = {0}; mini_tune_list_load(&l, "patterns/", &err);
 *     MiniTuneSet s = {0};  mini_tune_set_build(&s, &l, "models/exaone-mini", tok, &vocab, &err);
 *     mini_tune_seq(&s, &vocab, i, MINI_TASK_T2I, &seq, &err);
 */
#ifndef EXAONE_TRAIN_MINI_TUNE_DATA_H
#define EXAONE_TRAIN_MINI_TUNE_DATA_H

#include "../core/error.h"
#include "../models/mini_seq.h"
#include "../tokenizer/tokenizer.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *image;  /* a path usable from the current directory; NULL for a text pair */
    char *prompt; /* the image's prompt, or a text pair's source */
    char *target; /* a text pair's target; NULL for an image pair */
} MiniTuneEntry;

typedef struct {
    MiniTuneEntry *e;
    int n, cap;
} MiniTuneList;

/* text: a prompts.tsv (jsonl = 0) or JSONL file's bytes; base: the folder image paths
 * are relative to; label names the file in errors ("label:LINE: problem"). */
int mini_tune_list_parse(MiniTuneList *l, const char *text, size_t len, int jsonl, const char *base, const char *label,
                         Error *err);
int mini_tune_list_load(MiniTuneList *l, const char *path, Error *err);
void mini_tune_list_free(MiniTuneList *l);

typedef struct {
    int n, G;       /* pairs, codes per image */
    int *is_text;   /* [n] 1 for a text pair (no codes), 0 for an image pair */
    int *codes;     /* [n, G] (rows of text pairs unused) */
    int *lang;      /* [n] MINI_LANG_* of each prompt / source */
    int32_t *ids;   /* every prompt's, source's and target's tokens */
    int *off, *len; /* [n] prompt / source, into ids */
    int *tgt_lang, *tgt_off, *tgt_len; /* [n] a text pair's target */
} MiniTuneSet;

/* max_seq: the model's context; a pair whose sequences would not fit is an error naming it. */
int mini_tune_set_build(MiniTuneSet *s, const MiniTuneList *l, const char *model_dir, const Tokenizer *tok,
                        const MiniVocab *v, int max_seq, Error *err);
void mini_tune_set_free(MiniTuneSet *s);
/* The training examples, coded pair * MINI_N_TASKS + task: MINI_TASK_T2I and
 * MINI_TASK_I2T for an image pair, MINI_TASK_TRANSLATE for a text pair; only those of
 * task `only` when only >= 0. ex needs room for 2 * s->n; returns the count. */
int mini_tune_examples(const MiniTuneSet *s, int only, int *ex);
/* Example ex (a code of mini_tune_examples) as a training sequence, padded to seq->cap. */
int mini_tune_seq(const MiniTuneSet *s, const MiniVocab *v, int ex, MiniSeq *seq, Error *err);

#endif
