/* mini_explain.h — which image regions go with which words, for EXAONE-mini.
 *
 * EXAONE-mini reads text and images as one sequence (mini_seq.h), so both
 * directions can be explained with the same tools:
 *   caption   for each word of a caption, a map over the image's grid of VQ
 *             codes: where the word came from;
 *   draw      for each word of a prompt, a map over the drawn grid: which
 *             regions were drawn looking at that word.
 * A "word" is a run of BPE tokens up to the next token that starts with a
 * space, so "heart-eyes," is one word and so is "하트".
 *
 * Methods:
 *   MINI_EXPLAIN_ATTENTION  attention probabilities averaged over heads and
 *                           layers (inference engine, mini.c);
 *   MINI_EXPLAIN_ROLLOUT    attention rollout (Abnar & Zuidema, ACL 2020): the
 *                           layers' head-averaged attention, each mixed half
 *                           and half with the identity for the residual
 *                           stream, multiplied from the bottom up;
 *   MINI_EXPLAIN_GRADIENT   gradient x input (Shrikumar et al. 2016): for
 *                           every input position j, sum_k x_jk d log p / d x_jk
 *                           (x = the input embedding: token + positions +
 *                           segment), i.e. how log p of the explained tokens
 *                           changes when x_j is scaled; the gradient comes
 *                           from the training engine's backward (src/train),
 *                           so a Gpt loaded with mini_import is needed;
 *   MINI_EXPLAIN_OCCLUSION  occlusion (Zeiler & Fergus, ECCV 2014): how much
 *                           log p of the explained tokens drops when a part
 *                           of the input is taken away. Caption: each block
 *                           of MINI_EXPLAIN_BLOCK x MINI_EXPLAIN_BLOCK codes
 *                           in turn gets the codes of a blank picture (the
 *                           white background the emoji are drawn on), and
 *                           every cell of the block gets the drop of every
 *                           word (one forward per block serves all words).
 *                           Drawing: each word in turn is left out of the
 *                           prompt, and region g gets the drop of log p(code g).
 *                           Unlike the other methods it reads the model's
 *                           output, not its internals: a region scores only
 *                           when the word's probability depends on it.
 *   MINI_EXPLAIN_SHAPLEY    sampled Shapley values (Strumbelj & Kononenko
 *                           2010) over the same parts as occlusion (blocks
 *                           of codes; prompt words): a part's mean gain in
 *                           log p when it is put back, over MINI_EXPLAIN_ORDERS
 *                           random orders that start from no parts (all
 *                           blank; the empty prompt). Where parts stand in
 *                           for each other, occlusion of one scores nothing;
 *                           here they share the credit, and the values sum
 *                           to log p(all) - log p(none). ~G/4 * ORDERS
 *                           forwards for a caption, words * ORDERS for a drawing.
 *   MINI_EXPLAIN_PARTITION  Owen values (Owen 1977; the idea of SHAP's
 *                           partition explainer): Shapley sampling whose
 *                           orders keep the blocks of each quarter of the
 *                           grid together (the quarters in a random order,
 *                           each quarter's blocks in a random order), so a
 *                           block is credited within its region, and regions
 *                           compete with regions. Same cost as SHAPLEY. A
 *                           prompt's words have no such structure: for a
 *                           drawing it is SHAPLEY.
 * Whatever is explained is read at the position that predicts it: a caption
 * word's tokens from the positions before them, image region g from the
 * position before code g. Values are made non-negative (attention is;
 * gradient x input by its absolute value). In a drawing, a region's value
 * for a word is the word's share of all the region takes from the prompt
 * part (<t2i> <lang> words <boi>): the regions differ a lot in how much they
 * look at the prompt at all, which would otherwise paint the same picture for
 * every word. Each word's map is finally scaled to sum 1.
 *
 *     MiniExplainAids aids = {0};
 *     mini_import(&aids.grad_model, "models/exaone-mini", 16, NULL, &err);   // grad only
 *     MiniExplanation e;
 *     mini_explain_caption(m, &aids, codes, MINI_LANG_EN, "a red apple", MINI_EXPLAIN_GRADIENT, &e, &err);
 *     ... e.words[i], e.maps + i * e.grid_h * e.grid_w ...
 *     mini_explanation_free(&e);
 *
 * Maps are a pure function of the model, the codes and the text: a drawing
 * with a fixed seed always gets the same maps.
 */
#ifndef EXAONE_MODELS_MINI_EXPLAIN_H
#define EXAONE_MODELS_MINI_EXPLAIN_H

#include "../image/image.h"
#include "../train/gpt.h"
#include "mini.h"

enum { MINI_EXPLAIN_ATTENTION, MINI_EXPLAIN_ROLLOUT, MINI_EXPLAIN_GRADIENT, MINI_EXPLAIN_OCCLUSION,
       MINI_EXPLAIN_SHAPLEY, MINI_EXPLAIN_PARTITION, MINI_EXPLAIN_N_METHODS };
/* Occlusion's block side in codes: a 2x2 block covers 16x16 pixels of a
 * 64x64 picture; one code alone (8x8 pixels) is mostly guessed back by the
 * model from its neighbours, and 2x2 blocks cost 16 forwards, not 64. */
#define MINI_EXPLAIN_BLOCK 2
/* Shapley orders: 4 antithetic pairs, from a fixed seed (maps stay a pure
 * function of their input). */
#define MINI_EXPLAIN_ORDERS 8
#define MINI_EXPLAIN_SHAPLEY_SEED 1

/* What some methods need beyond the model (NULL when none is needed). */
typedef struct {
    Gpt *grad_model;        /* MINI_EXPLAIN_GRADIENT: the training engine's copy (mini_import) */
    const int *blank_codes; /* OCCLUSION / SHAPLEY / PARTITION of a caption: codes of a blank white
                               picture [grid_h * grid_w] (mini_image_blank_codes) */
} MiniExplainAids;

/* "attn", "rollout", "grad", "occlusion", "shapley", "partition" -> MINI_EXPLAIN_*; -1 when none. */
int mini_explain_method(const char *name);
const char *mini_explain_method_name(int method);
/* 1 for the methods that take parts of the input away (occlusion, shapley,
 * partition): a caption's maps then need MiniExplainAids.blank_codes. */
int mini_explain_removes_parts(int method);

typedef struct {
    int n_words, grid_h, grid_w;
    char **words; /* [n_words], NUL-terminated UTF-8 */
    float *maps;  /* [n_words, grid_h * grid_w], each >= 0 and summing to 1 (all 0: no signal) */
} MiniExplanation;

/* Maps for the words of caption (any text: e.g. one mini_caption wrote) of
 * the image codes in language lang. aids: see MiniExplainAids. */
int mini_explain_caption(MiniModel *m, const MiniExplainAids *aids, const int *codes, int lang, const char *caption,
                         int method, MiniExplanation *out, Error *err);
/* Maps for the words of prompt over the image codes drawn for it. */
int mini_explain_draw(MiniModel *m, const MiniExplainAids *aids, const char *prompt, const int *codes, int method,
                      MiniExplanation *out, Error *err);
void mini_explanation_free(MiniExplanation *e);
/* The mean of all words' maps [grid_h * grid_w]: the map of the whole text. */
void mini_explain_mean_map(const MiniExplanation *e, float *out);

/* ---- pictures (mini_explain_sheet.c) ----
 * rgb: the explained picture (3 channels, any size). A tile is the picture
 * under word's map, labelled "N WORD" (ASCII letters only: Hangul is left to
 * the legend); a sheet is the plain picture then every word's tile, five a
 * row. The legend is "N WORD\n" per word (mem_free it). mini_explain_write
 * writes the sheet as a PNG whose text chunks hold `what` (under "explains")
 * and the legend (under "words"). */
Image *mini_explain_tile(const MiniExplanation *e, int word, const Image *rgb, Error *err);
Image *mini_explain_sheet(const MiniExplanation *e, const Image *rgb, Error *err);
char *mini_explain_legend(const MiniExplanation *e);
int mini_explain_write(const MiniExplanation *e, const Image *rgb, const char *path, const char *what, Error *err);

/* The gradient x input step on its own, for tests and tools: for each of
 * n_rows copies of seq, row r with targets rows_targets[r * seq->len + t]
 * (a token, or -100 for none), attribution[r * seq->len + j] =
 * sum_k x_jk d(sum_t log p(target_t)) / d x_jk. Rows go through grad_model in
 * micro-batches of its max_B. */
int mini_explain_gradient(Gpt *grad_model, const MiniSeq *seq, const int *rows_targets, int n_rows,
                          float *attribution, Error *err);

/* ---- occlusion (mini_explain_occlusion.c), on a built sequence ----
 * Caption: seq is the i2t sequence of the image and the text, whose tokens
 * k = 0 .. n_text-1 sit at text_start + k and belong to word word_of[k];
 * maps [n_words, G] get += the clamped drops. Drawing: the prompt text
 * (text_ids[0, n_text) in lang, token k in word word_of[k]) and the drawn
 * codes; maps get the drops of each region's code when a word is left out
 * (leaving out the only word leaves the empty prompt of classifier-free
 * guidance). */
int mini_explain_occlude_image(MiniModel *m, const MiniSeq *seq, int text_start, int n_text, const int *word_of,
                               const int *blank_codes, float *maps, Error *err);
int mini_explain_occlude_words(MiniModel *m, int lang, const int32_t *text_ids, int n_text, const int *word_of,
                               int n_words, const int *codes, float *maps, Error *err);

/* ---- Shapley values (mini_explain_shapley.c): the same inputs and maps as
 * the two occlusion functions above, each part's value being its sampled
 * Shapley value instead of its drop (clamped at 0 the same way); quadrants:
 * Owen values with the grid's quarters as the coalition structure. */
int mini_explain_shapley_image(MiniModel *m, const MiniSeq *seq, int text_start, int n_text, const int *word_of,
                               const int *blank_codes, int quadrants, float *maps, Error *err);
int mini_explain_shapley_words(MiniModel *m, int lang, const int32_t *text_ids, int n_text, const int *word_of,
                               int n_words, const int *codes, float *maps, Error *err);

#endif
