/* Word <-> image-region maps for EXAONE-mini (see mini_explain.h).
 * Legend: T sequence length, L layers, G = grid_h * grid_w image regions,
 * W words, C d_model. */
#include "mini_explain.h"

#include "../core/mem.h"

#include <math.h>
#include <string.h>

#define IGNORE (-100) /* GPT_IGNORE_INDEX */

int mini_explain_method(const char *name) {
    if (strcmp(name, "attn") == 0) return MINI_EXPLAIN_ATTENTION;
    if (strcmp(name, "rollout") == 0) return MINI_EXPLAIN_ROLLOUT;
    if (strcmp(name, "grad") == 0) return MINI_EXPLAIN_GRADIENT;
    if (strcmp(name, "occlusion") == 0) return MINI_EXPLAIN_OCCLUSION;
    if (strcmp(name, "shapley") == 0) return MINI_EXPLAIN_SHAPLEY;
    if (strcmp(name, "partition") == 0) return MINI_EXPLAIN_PARTITION;
    return -1;
}

const char *mini_explain_method_name(int method) {
    static const char *const names[MINI_EXPLAIN_N_METHODS] = {"attn", "rollout", "grad", "occlusion",
                                                                               "shapley", "partition"};
    return method >= 0 && method < MINI_EXPLAIN_N_METHODS ? names[method] : "?";
}

int mini_explain_removes_parts(int method) {
    return method == MINI_EXPLAIN_OCCLUSION || method == MINI_EXPLAIN_SHAPLEY || method == MINI_EXPLAIN_PARTITION;
}

void mini_explanation_free(MiniExplanation *e) {
    if (!e) return;
    for (int i = 0; e->words && i < e->n_words; i++) mem_free(e->words[i]);
    mem_free(e->words);
    mem_free(e->maps);
    memset(e, 0, sizeof *e);
}

void mini_explain_mean_map(const MiniExplanation *e, float *out) {
    int G = e->grid_h * e->grid_w;
    memset(out, 0, (size_t)G * sizeof(float));
    for (int w = 0; w < e->n_words; w++)
        for (int g = 0; g < G; g++) out[g] += e->maps[(size_t)w * G + g] / (float)e->n_words;
}

/* ---------------------------------------------------------------- words */

/* Splits the tokens ids[0, n) into words: a word starts at the first token
 * and at every token whose text starts with white space. word_of[n] gets
 * each token's word; e->words and e->n_words are filled. */
static int split_words(const Tokenizer *tok, const int32_t *ids, int n, int *word_of, MiniExplanation *e,
                       Error *err) {
    TokBytes piece = {0};
    int rc = 0, start = 0;
    e->words = mem_calloc((size_t)(n > 0 ? n : 1), sizeof *e->words);
    if (!e->words) return error_set(err, "explain: out of memory");
    for (int i = 0; i <= n && !rc; i++) {
        int boundary = i == n;
        if (i > 0 && i < n) {
            piece.len = 0;
            rc = tok_decode(tok, ids + i, 1, 1, &piece, err);
            boundary = !rc && piece.len > 0 && (piece.data[0] == ' ' || piece.data[0] == '\n' || piece.data[0] == '\t');
        }
        if (rc || !boundary) continue;
        if (i > start) { /* close the word of tokens [start, i) */
            piece.len = 0;
            if (tok_decode(tok, ids + start, (size_t)(i - start), 1, &piece, err) != 0) {
                rc = -1;
                break;
            }
            size_t skip = 0;
            while (skip < piece.len && (piece.data[skip] == ' ' || piece.data[skip] == '\n' || piece.data[skip] == '\t'))
                skip++;
            char *w = mem_alloc(piece.len - skip + 1);
            if (!w) {
                rc = error_set(err, "explain: out of memory");
                break;
            }
            memcpy(w, piece.data + skip, piece.len - skip);
            w[piece.len - skip] = 0;
            for (int k = start; k < i; k++) word_of[k] = e->n_words;
            e->words[e->n_words++] = w;
        }
        start = i;
    }
    tok_bytes_free(&piece);
    return rc;
}

/* ---------------------------------------------------------------- attention */

/* A[T, T]: how much position q's output draws on input position j, from one
 * full forward of seq: head-averaged attention averaged over the layers, or
 * rolled out through them (rollout: R = (A_L/2 + I/2) ... (A_1/2 + I/2)). */
static int attention_matrix(MiniModel *m, const MiniSeq *seq, int rollout, float *A, Error *err) {
    const MiniConfig *c = mini_config(m);
    int T = seq->len, S = c->max_seq, L = c->n_layers, rc = -1;
    MiniState *s = NULL;
    float *rec = mem_calloc((size_t)L * S * S, sizeof(float)), *next = mem_alloc((size_t)T * T * sizeof(float));
    if (!rec || !next) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    if (mini_state_new(&s, m, err) != 0) goto done;
    mini_state_record_attention(s, rec);
    if (mini_feed(m, s, seq->tokens, seq->segments, T, seq->prefix, seq->image_start, NULL, NULL, err) != 0) goto done;
    memset(A, 0, (size_t)T * T * sizeof(float));
    if (!rollout) {
        for (int l = 0; l < L; l++)
            for (int q = 0; q < T; q++)
                for (int j = 0; j < T; j++) A[q * T + j] += rec[((size_t)l * S + q) * S + j] / (float)L;
    } else {
        for (int q = 0; q < T; q++) A[q * T + q] = 1;
        for (int l = 0; l < L; l++) { /* A <- (rec_l / 2 + I / 2) A */
            for (int q = 0; q < T; q++)
                for (int j = 0; j < T; j++) {
                    double sum = 0.5 * A[q * T + j];
                    for (int k = 0; k < T; k++) sum += 0.5 * rec[((size_t)l * S + q) * S + k] * A[k * T + j];
                    next[q * T + j] = (float)sum;
                }
            memcpy(A, next, (size_t)T * T * sizeof(float));
        }
    }
    rc = 0;
done:
    mini_state_free(s);
    mem_free(rec);
    mem_free(next);
    return rc;
}

/* ---------------------------------------------------------------- gradient */

int mini_explain_gradient(Gpt *g, const MiniSeq *seq, const int *rows_targets, int n_rows, float *attribution,
                          Error *err) {
    int T = seq->len, C = g->config.d_model, maxB = g->max_B, rc = -1;
    if (T > g->max_T) return error_set(err, "explain: sequence of %d tokens exceeds the gradient model's %d", T, g->max_T);
    size_t cells = (size_t)maxB * T;
    int *tokens = mem_alloc(cells * sizeof(int)), *segments = mem_alloc(cells * sizeof(int));
    int *prefix = mem_alloc((size_t)maxB * sizeof(int)), *image_start = mem_alloc((size_t)maxB * sizeof(int));
    if (!tokens || !segments || !prefix || !image_start) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    for (int b = 0; b < maxB; b++) {
        memcpy(tokens + (size_t)b * T, seq->tokens, (size_t)T * sizeof(int));
        memcpy(segments + (size_t)b * T, seq->segments, (size_t)T * sizeof(int));
        prefix[b] = seq->prefix;
        image_start[b] = seq->image_start;
    }
    for (int r0 = 0; r0 < n_rows; r0 += maxB) {
        int B = n_rows - r0 < maxB ? n_rows - r0 : maxB;
        GptBatch batch = {tokens, rows_targets + (size_t)r0 * T, prefix, seq->image_start >= 0 ? image_start : NULL,
                          segments};
        if (gpt_forward(g, &batch, B, T, err) != 0) goto done;
        float *out = attribution + (size_t)r0 * T;
        if (g->n_targets == 0) {
            memset(out, 0, (size_t)B * T * sizeof(float));
            continue;
        }
        gpt_backward(g, 1.0f);
        /* the loss is the mean of -log p over the batch's targets: undo the
         * mean and the sign so each row gets d(sum log p of its targets) */
        const float *x = gpt_input_embeddings(g), *dx = gpt_input_grad(g);
        double scale = -(double)g->n_targets;
        for (size_t n = 0; n < (size_t)B * T; n++) {
            double dot = 0;
            for (int k = 0; k < C; k++) dot += (double)x[n * C + k] * dx[n * C + k];
            out[n] = (float)(scale * dot);
        }
    }
    rc = 0;
done:
    mem_free(tokens);
    mem_free(segments);
    mem_free(prefix);
    mem_free(image_start);
    return rc;
}

/* ---------------------------------------------------------------- maps */

static void normalise_maps(MiniExplanation *e) {
    int G = e->grid_h * e->grid_w;
    for (int w = 0; w < e->n_words; w++) {
        float *map = e->maps + (size_t)w * G;
        double sum = 0;
        for (int g = 0; g < G; g++) sum += map[g] = fabsf(map[g]);
        for (int g = 0; g < G && sum > 0; g++) map[g] = (float)(map[g] / sum);
    }
}

/* Which direction is explained: the words of the text are at positions
 * text_at[0, n_text); in a caption the words are predicted (from the
 * position before each token), in a drawing the regions are. */
typedef struct {
    const MiniSeq *seq;
    int text_start, n_text, caption;
    const int *word_of; /* [n_text] */
} Layout;

static int query_of_token(const Layout *y, int k) { return y->text_start + k - 1; }
static int query_of_region(const Layout *y, int g) { return y->seq->image_start + g - 1; }

/* In a drawing every region draws on the prompt to a different degree (the
 * first codes, predicted from the bidirectional prompt, far more than the
 * last): a word's raw values would show that shared profile rather than the
 * word. So each region's value for a word is its share of everything the
 * region takes from the prompt part (<t2i> <lang> words <boi>). */
static void share_of_prompt(const Layout *y, const float *value_of, size_t stride, MiniExplanation *e) {
    int G = e->grid_h * e->grid_w, P = y->seq->image_start;
    for (int g = 0; g < G; g++) {
        const float *v = value_of + (size_t)g * stride;
        double total = 0;
        for (int j = 0; j < P; j++) total += fabsf(v[j]);
        for (int k = 0; k < y->n_text && total > 0; k++)
            e->maps[(size_t)y->word_of[k] * G + g] += (float)(fabsf(v[y->text_start + k]) / total);
    }
}

static int maps_from_attention(MiniModel *m, const Layout *y, int rollout, MiniExplanation *e, Error *err) {
    int T = y->seq->len, G = e->grid_h * e->grid_w, is = y->seq->image_start;
    float *A = mem_alloc((size_t)T * T * sizeof(float));
    if (!A) return error_set(err, "explain: out of memory");
    int rc = attention_matrix(m, y->seq, rollout, A, err);
    if (!rc && y->caption)
        for (int k = 0; k < y->n_text; k++) {
            float *map = e->maps + (size_t)y->word_of[k] * G;
            for (int g = 0; g < G; g++) map[g] += A[(size_t)query_of_token(y, k) * T + is + g];
        }
    if (!rc && !y->caption) share_of_prompt(y, A + (size_t)query_of_region(y, 0) * T, (size_t)T, e);
    mem_free(A);
    return rc;
}

static int maps_from_gradient(Gpt *gm, const Layout *y, MiniExplanation *e, Error *err) {
    const MiniSeq *seq = y->seq;
    int T = seq->len, G = e->grid_h * e->grid_w, is = seq->image_start, rows = y->caption ? e->n_words : G;
    int *targets = mem_alloc((size_t)rows * T * sizeof(int));
    float *attr = mem_alloc((size_t)rows * T * sizeof(float));
    int rc = -1;
    if (!targets || !attr) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    for (size_t i = 0; i < (size_t)rows * T; i++) targets[i] = IGNORE;
    if (y->caption) /* row w: log p of word w's tokens */
        for (int k = 0; k < y->n_text; k++) {
            int q = query_of_token(y, k);
            targets[(size_t)y->word_of[k] * T + q] = seq->tokens[q + 1];
        }
    else /* row g: log p of code g */
        for (int g = 0; g < G; g++) {
            int q = query_of_region(y, g);
            targets[(size_t)g * T + q] = seq->tokens[q + 1];
        }
    if (mini_explain_gradient(gm, seq, targets, rows, attr, err) != 0) goto done;
    if (y->caption)
        for (int w = 0; w < e->n_words; w++)
            for (int g = 0; g < G; g++) e->maps[(size_t)w * G + g] = attr[(size_t)w * T + is + g];
    else
        share_of_prompt(y, attr, (size_t)T, e);
    rc = 0;
done:
    mem_free(targets);
    mem_free(attr);
    return rc;
}

/* Occlusion or Shapley values, both directions: parts of the input taken away. */
static int maps_from_parts(MiniModel *m, const MiniExplainAids *aids, const Layout *y, int lang, const int32_t *ids,
                           const int *codes, int method, MiniExplanation *e, Error *err) {
    const int *blank = aids ? aids->blank_codes : NULL;
    int shapley = method != MINI_EXPLAIN_OCCLUSION;
    if (y->caption)
        return shapley ? mini_explain_shapley_image(m, y->seq, y->text_start, y->n_text, y->word_of, blank,
                                                    method == MINI_EXPLAIN_PARTITION, e->maps, err)
                       : mini_explain_occlude_image(m, y->seq, y->text_start, y->n_text, y->word_of, blank, e->maps, err);
    return shapley ? mini_explain_shapley_words(m, lang, ids, y->n_text, y->word_of, e->n_words, codes, e->maps, err)
                   : mini_explain_occlude_words(m, lang, ids, y->n_text, y->word_of, e->n_words, codes, e->maps, err);
}

static int explain(MiniModel *m, const MiniExplainAids *aids, const int *codes, int lang, const char *text, int caption, int method,
                   MiniExplanation *e, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int S = mini_config(m)->max_seq, rc = -1;
    memset(e, 0, sizeof *e);
    e->grid_h = v->grid_h;
    e->grid_w = v->grid_w;
    Gpt *gm = aids ? aids->grad_model : NULL;
    if (method < 0 || method >= MINI_EXPLAIN_N_METHODS) return error_set(err, "explain: unknown method %d", method);
    if (method == MINI_EXPLAIN_GRADIENT && !gm) return error_set(err, "explain: the gradient method needs a Gpt");
    TokIds ids = {0};
    int *tokens = mem_alloc((size_t)S * sizeof(int)), *targets = mem_alloc((size_t)S * sizeof(int));
    int *segments = mem_alloc((size_t)S * sizeof(int)), *word_of = NULL;
    MiniSeq seq = {tokens, targets, segments, S, 0, 0, -1};
    if (!tokens || !targets || !segments) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    if (tok_encode(mini_tokenizer(m), text, strlen(text), &ids, err) != 0) goto done;
    if (ids.n == 0 || ids.n > (size_t)S) {
        error_set(err, "explain: text of %zu tokens (want 1 .. %d)", ids.n, S);
        goto done;
    }
    int n = (int)ids.n;
    if (caption ? mini_seq_i2t(v, &seq, codes, lang, ids.ids, n, err) : mini_seq_t2i(v, &seq, lang, ids.ids, n, codes, err))
        goto done;
    word_of = mem_alloc((size_t)n * sizeof(int));
    if (!word_of || split_words(mini_tokenizer(m), ids.ids, n, word_of, e, err) != 0) {
        if (!word_of) error_set(err, "explain: out of memory");
        goto done;
    }
    e->maps = mem_calloc((size_t)e->n_words * (size_t)(v->grid_h * v->grid_w), sizeof(float));
    if (!e->maps) {
        error_set(err, "explain: out of memory");
        goto done;
    }
    /* caption: <i2t> <boi> codes <eoi> <lang> | text <eos>; draw: <t2i> <lang> text <boi> | codes <eoi> */
    Layout y = {&seq, caption ? seq.prefix : seq.prefix - 1 - n, n, caption, word_of};
    rc = method == MINI_EXPLAIN_GRADIENT           ? maps_from_gradient(gm, &y, e, err)
         : mini_explain_removes_parts(method) ? maps_from_parts(m, aids, &y, lang, ids.ids, codes, method, e, err)
                 : maps_from_attention(m, &y, method == MINI_EXPLAIN_ROLLOUT, e, err);
    if (!rc) normalise_maps(e);
done:
    if (rc) mini_explanation_free(e);
    tok_ids_free(&ids);
    mem_free(tokens);
    mem_free(targets);
    mem_free(segments);
    mem_free(word_of);
    return rc;
}

int mini_explain_caption(MiniModel *m, const MiniExplainAids *aids, const int *codes, int lang, const char *caption,
                         int method, MiniExplanation *out, Error *err) {
    return explain(m, aids, codes, lang, caption, 1, method, out, err);
}

int mini_explain_draw(MiniModel *m, const MiniExplainAids *aids, const char *prompt, const int *codes, int method,
                      MiniExplanation *out, Error *err) {
    return explain(m, aids, codes, mini_detect_lang(prompt), prompt, 0, method, out, err);
}
