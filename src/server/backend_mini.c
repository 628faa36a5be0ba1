/* backend_mini.c — EXAONE-mini behind the API: draw (text -> image), caption
 * (image -> KO/EN text), translate (KO <-> EN) and inpaint. Chat maps onto
 * these: a user message with an image is captioned in the language of its
 * text; a text-only message is translated into the other language (the
 * model is not a chat model; docs/server.md). Each slot loads its own copy
 * (the model is small) and its own VQ image tokenizer. */
#include "backend.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../formats/png.h"
#include "../image/resize.h"
#include "../models/mini.h"
#include "../models/mini_lora.h"
#include "../models/mini_explain.h"
#include "../models/vq.h"
#include "../train/mini_train.h"
#include "../train/rng.h"
#include "../train/vision/vq_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    MiniModel *m;
    VqModel *vq;
    int gh, gw, f; /* code grid and VQ downsampling */
    char *dir;     /* the model folder, for the gradient model */
    Gpt *grad;     /* the training engine's copy, loaded on the first "grad" explanation */
    /* the last drawing's codes and pixels: explaining that picture uses the
     * codes it was drawn from, not a re-encoding of its pixels */
    int *last_codes;
    uint8_t *last_rgb;
} MiniInst;

static void mb_close(void *p) {
    MiniInst *t = p;
    if (!t) return;
    mini_free(t->m);
    if (t->vq) vq_free(t->vq);
    gpt_free(t->grad);
    mem_free(t->dir);
    mem_free(t->last_codes);
    mem_free(t->last_rgb);
    mem_free(t);
}

static int mb_open(void **inst, const char *path, const char *lora, int threads, Error *err) {
    MiniInst *t = mem_calloc(1, sizeof *t);
    if (!t) return error_set(err, "out of memory");
    char vq_path[1100];
    snprintf(vq_path, sizeof vq_path, "%s/vq.safetensors", path);
    if (mini_load(&t->m, path, threads, err) != 0 || vq_load(&t->vq, vq_path, NULL, NULL, err) != 0 ||
        (lora && mini_lora_apply_spec(t->m, lora, err) != 0)) {
        mb_close(t);
        return -1;
    }
    t->gh = mini_vocab(t->m)->grid_h;
    t->gw = mini_vocab(t->m)->grid_w;
    t->f = vq_factor(&t->vq->config);
    t->dir = mem_strdup(path);
    size_t G = (size_t)t->gh * t->gw, pixels = G * (size_t)t->f * t->f * 3;
    t->last_codes = mem_alloc(G * sizeof(int));
    t->last_rgb = mem_calloc(pixels, 1);
    if (!t->dir || !t->last_codes || !t->last_rgb) {
        mb_close(t);
        return error_set(err, "out of memory");
    }
    *inst = t;
    return 0;
}

static void mb_size(void *p, int *w, int *h) {
    MiniInst *t = p;
    *w = t->gw * t->f;
    *h = t->gh * t->f;
}

static int codes_to_rgb(MiniInst *t, const int *codes, uint8_t **rgb, Error *err) {
    int W = t->gw * t->f, H = t->gh * t->f, G = t->gh * t->gw;
    int32_t *c32 = mem_alloc((size_t)G * sizeof *c32);
    float *x = mem_alloc((size_t)W * H * 3 * sizeof *x);
    uint8_t *out = mem_alloc((size_t)W * H * 3);
    int rc = -1;
    if (!c32 || !x || !out) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int i = 0; i < G; i++) c32[i] = codes[i];
    if (vq_decode(t->vq, c32, 1, t->gh, t->gw, x, err) != 0) goto done;
    vq_pixels_to_u8(out, x, (int64_t)W * H * 3);
    *rgb = out;
    out = NULL;
    rc = 0;
done:
    mem_free(c32);
    mem_free(x);
    mem_free(out);
    return rc;
}

static void remember(MiniInst *t, const int *codes, const uint8_t *rgb) {
    memcpy(t->last_codes, codes, (size_t)t->gh * t->gw * sizeof(int));
    memcpy(t->last_rgb, rgb, (size_t)t->gh * t->gw * t->f * t->f * 3);
}

/* Box-filtered to the model's size, then through the VQ encoder. */
static int rgb_to_codes(MiniInst *t, const uint8_t *rgb, int w, int h, int *codes, Error *err) {
    int W = t->gw * t->f, H = t->gh * t->f, G = t->gh * t->gw, rc = -1;
    uint8_t *sized = mem_alloc((size_t)W * H * 3);
    float *x = mem_alloc((size_t)W * H * 3 * sizeof *x);
    int32_t *c32 = mem_alloc((size_t)G * sizeof *c32);
    if (!sized || !x || !c32) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int y = 0; y < H; y++)
        for (int xx = 0; xx < W; xx++) {
            int y0 = y * h / H, y1 = (y + 1) * h / H, x0 = xx * w / W, x1 = (xx + 1) * w / W;
            if (y1 <= y0) y1 = y0 + 1;
            if (x1 <= x0) x1 = x0 + 1;
            for (int c = 0; c < 3; c++) {
                unsigned long sum = 0;
                for (int a = y0; a < y1; a++)
                    for (int b = x0; b < x1; b++) sum += rgb[((size_t)a * w + b) * 3 + c];
                sized[((size_t)y * W + xx) * 3 + c] = (uint8_t)(sum / (unsigned long)((y1 - y0) * (x1 - x0)));
            }
        }
    vq_pixels_to_float(x, sized, H, W, 0);
    if (vq_encode(t->vq, x, 1, H, W, c32, err) != 0) goto done;
    for (int i = 0; i < G; i++) {
        if (c32[i] < 0 || c32[i] >= mini_vocab(t->m)->n_codes) {
            error_set(err, "the VQ gives code %d, the model knows %d", (int)c32[i], mini_vocab(t->m)->n_codes);
            goto done;
        }
        codes[i] = c32[i];
    }
    rc = 0;
done:
    mem_free(sized);
    mem_free(x);
    mem_free(c32);
    return rc;
}

/* Texts too long for the model's context are the request's fault (400),
 * so they are measured before the model sees them. room: tokens the task
 * needs besides the text. */
static int check_len(MiniInst *t, const char *text, int room, Error *err) {
    TokIds ids = {0};
    if (tok_encode(mini_tokenizer(t->m), text, strlen(text), &ids, err) != 0) return -1;
    int n = (int)ids.n, max = mini_config(t->m)->max_seq - room;
    tok_ids_free(&ids);
    if (n > max) {
        error_set(err, "the text has %d tokens; EXAONE-mini takes at most %d here", n, max < 0 ? 0 : max);
        return BACKEND_BAD_INPUT;
    }
    return 0;
}

static int mb_draw(void *p, const char *prompt, uint64_t seed, uint8_t **rgb, Error *err) {
    MiniInst *t = p;
    int rc0 = check_len(t, prompt, t->gh * t->gw + 8, err);
    if (rc0 != 0) return rc0;
    int *codes = mem_alloc((size_t)t->gh * t->gw * sizeof(int));
    if (!codes) return error_set(err, "out of memory");
    MiniDrawOptions o;
    mini_draw_defaults(&o);
    o.seed = seed;
    int rc = mini_draw(t->m, prompt, &o, codes, err);
    if (rc == 0) rc = codes_to_rgb(t, codes, rgb, err);
    if (rc == 0) remember(t, codes, *rgb);
    mem_free(codes);
    return rc;
}

/* Nucleus sampling over the code tokens [lo, hi) (temperature 1, top-p 0.95). */
static int sample_code(const float *logits, int lo, int hi, Rng *rng, float *prob) {
    float mx = -INFINITY;
    for (int k = lo; k < hi; k++) mx = logits[k] > mx ? logits[k] : mx;
    double z = 0;
    for (int k = lo; k < hi; k++) z += prob[k - lo] = expf(logits[k] - mx);
    /* smallest set of top codes holding 95 %: threshold found by bisection on p */
    double lo_t = 0, hi_t = 1;
    for (int it = 0; it < 30; it++) {
        double mid = (lo_t + hi_t) / 2, mass = 0;
        for (int k = 0; k < hi - lo; k++)
            if (prob[k] / z >= mid) mass += prob[k] / z;
        if (mass >= 0.95) lo_t = mid;
        else hi_t = mid;
    }
    double total = 0;
    for (int k = 0; k < hi - lo; k++)
        if (prob[k] / z >= lo_t) total += prob[k];
    double u = rng_uniform(rng) * total;
    int last = lo;
    for (int k = 0; k < hi - lo; k++)
        if (prob[k] / z >= lo_t) {
            last = lo + k;
            if ((u -= prob[k]) < 0) return lo + k;
        }
    return last;
}

/* Raster-order redraw: kept codes are forced, the others sampled from the
 * prompt-conditioned model with classifier-free guidance (scale 3). */
static int mb_inpaint(void *p, const char *prompt, const uint8_t *rgb, const uint8_t *keep, uint64_t seed,
                      uint8_t **out, Error *err) {
    MiniInst *t = p;
    int rc0 = check_len(t, prompt, t->gh * t->gw + 8, err);
    if (rc0 != 0) return rc0;
    const MiniVocab *v = mini_vocab(t->m);
    int G = t->gh * t->gw, W = t->gw * t->f, S = mini_config(t->m)->max_seq, V = mini_config(t->m)->vocab, rc = -1;
    int *codes = mem_alloc((size_t)G * sizeof(int)), *tok = mem_alloc((size_t)S * 3 * sizeof(int));
    float *lc = mem_alloc((size_t)V * sizeof(float)), *lu = mem_alloc((size_t)V * sizeof(float));
    float *prob = mem_alloc((size_t)v->n_codes * sizeof(float));
    TokIds ids = {0};
    MiniState *cond = NULL, *uncond = NULL;
    if (!codes || !tok || !lc || !lu || !prob) {
        error_set(err, "out of memory");
        goto done;
    }
    if (rgb_to_codes(t, rgb, W, t->gh * t->f, codes, err) != 0) goto done;
    if (tok_encode(mini_tokenizer(t->m), prompt, strlen(prompt), &ids, err) != 0) goto done;
    if (ids.n > (size_t)S) {
        error_set(err, "prompt of %zu tokens is longer than the context", ids.n);
        goto done;
    }
    MiniSeq sc = {tok, tok + S, tok + 2 * S, S, 0, 0, -1};
    if (mini_seq_t2i(v, &sc, mini_detect_lang(prompt), ids.ids, (int)ids.n, NULL, err) != 0) goto done;
    if (sc.len + G + 1 > S) {
        error_set(err, "prompt leaves no room for the image");
        goto done;
    }
    if (mini_state_new(&cond, t->m, err) || mini_state_new(&uncond, t->m, err)) goto done;
    if (mini_feed(t->m, cond, sc.tokens, sc.segments, sc.len, sc.prefix, sc.image_start, NULL, lc, err)) goto done;
    MiniSeq su = {tok, tok + S, tok + 2 * S, S, 0, 0, -1};
    if (mini_seq_t2i(v, &su, MINI_LANG_NONE, NULL, 0, NULL, err) ||
        mini_feed(t->m, uncond, su.tokens, su.segments, su.len, su.prefix, su.image_start, NULL, lu, err))
        goto done;
    Rng rng;
    rng_seed(&rng, seed);
    for (int g = 0; g < G; g++) {
        /* a code is kept only when all its pixels are */
        int y = g / t->gw, x = g % t->gw, all = 1;
        for (int a = 0; a < t->f && all; a++)
            for (int b = 0; b < t->f; b++)
                if (!keep[(size_t)(y * t->f + a) * W + x * t->f + b]) {
                    all = 0;
                    break;
                }
        int token;
        if (all) {
            token = mini_code_token(v, codes[g]);
        } else {
            for (int k = v->n_text; k < v->n_text + v->n_codes; k++) lc[k] = lu[k] + 3.0f * (lc[k] - lu[k]);
            token = sample_code(lc, v->n_text, v->n_text + v->n_codes, &rng, prob);
            codes[g] = token - v->n_text;
        }
        if (g + 1 == G) break;
        int seg = MINI_SEG_T2I_IMAGE;
        if (mini_feed(t->m, cond, &token, &seg, 1, 0, -1, NULL, lc, err) ||
            mini_feed(t->m, uncond, &token, &seg, 1, 0, -1, NULL, lu, err))
            goto done;
    }
    rc = codes_to_rgb(t, codes, out, err);
    if (rc == 0) remember(t, codes, *out);
done:
    mem_free(codes);
    mem_free(tok);
    mem_free(lc);
    mem_free(lu);
    mem_free(prob);
    tok_ids_free(&ids);
    mini_state_free(cond);
    mini_state_free(uncond);
    return rc;
}

static int mb_caption(void *p, const uint8_t *rgb, int w, int h, int lang, char **text, Error *err) {
    MiniInst *t = p;
    int *codes = mem_alloc((size_t)t->gh * t->gw * sizeof(int));
    if (!codes) return error_set(err, "out of memory");
    int rc = rgb_to_codes(t, rgb, w, h, codes, err);
    if (rc == 0) rc = mini_caption(t->m, codes, lang == BACKEND_LANG_KO ? MINI_LANG_KO : MINI_LANG_EN, 32, 4, text, err);
    mem_free(codes);
    return rc;
}

static int mb_translate(void *p, const char *text, int target_lang, char **out, Error *err) {
    MiniInst *t = p;
    /* the translation needs room too: at most as long again */
    int rc = check_len(t, text, mini_config(t->m)->max_seq / 2 + 4, err);
    if (rc != 0) return rc;
    return mini_translate(t->m, text, target_lang == BACKEND_LANG_KO ? MINI_LANG_KO : MINI_LANG_EN, 64, 4, out, err);
}

/* The finished answer goes out one character at a time (the model produces
 * it by beam search, so there is nothing to stream earlier). */
static int emit_chars(const char *s, BackendEmit emit, void *user) {
    int n = 0;
    while (*s) {
        int len = 1;
        while (s[len] && ((unsigned char)s[len] & 0xC0) == 0x80) len++;
        n++;
        if (emit(user, s, len)) break;
        s += len;
    }
    return n;
}

static int mb_chat(void *p, const BackendMessage *msgs, int n, const BackendGenParams *gp, BackendEmit emit,
                   void *user, BackendUsage *usage, Error *err) {
    MiniInst *t = p;
    const BackendMessage *last = NULL;
    for (int i = n - 1; i >= 0 && !last; i--)
        if (strcmp(msgs[i].role, "user") == 0) last = &msgs[i];
    if (!last) return error_set(err, "EXAONE-mini needs a user message");
    int lang = backend_detect_lang(last->text);
    char *answer = NULL;
    int rc = last->image ? mb_caption(t, last->image, last->image_w, last->image_h, lang, &answer, err)
                         : mb_translate(t, last->text, lang == BACKEND_LANG_KO ? BACKEND_LANG_EN : BACKEND_LANG_KO,
                                        &answer, err);
    if (rc != 0) return rc;
    TokIds ids = {0};
    Error ignore = {0};
    usage->prompt_tokens = tok_encode(mini_tokenizer(t->m), last->text, strlen(last->text), &ids, &ignore) == 0
                               ? (int)ids.n + (last->image ? t->gh * t->gw : 0)
                               : 0;
    tok_ids_free(&ids);
    emit_chars(answer, emit, user);
    mem_free(answer);
    return 0;
}

static int mb_explain(void *p, const uint8_t *rgb, int w, int h, const char *text, int draw, const char *method_name,
                      BackendWordMap **maps, int *n, Error *err) {
    MiniInst *t = p;
    int W = t->gw * t->f, H = t->gh * t->f, G = t->gh * t->gw, method = mini_explain_method(method_name), rc = -1;
    *maps = NULL;
    *n = 0;
    if (method < 0) return error_set(err, "unknown explain method \"%s\"", method_name);
    int rc0 = check_len(t, text, G + 5, err); /* both directions: 4 tags + <eos> or <eoi> */
    if (rc0 != 0) return rc0;
    if (method == MINI_EXPLAIN_GRADIENT && !t->grad && mini_import(&t->grad, t->dir, 16, NULL, err) != 0) return -1;
    int *codes = mem_alloc((size_t)G * 2 * sizeof(int)), *blank = codes ? codes + G : NULL;
    uint8_t *white = NULL;
    MiniExplainAids aids = {t->grad, NULL};
    Image *full = image_new(w, h, 3, err), *sized = NULL;
    MiniExplanation e = {0};
    BackendWordMap *out = NULL;
    if (!codes || !full) {
        error_set(err, "out of memory");
        goto done;
    }
    memcpy(full->pixels, rgb, image_bytes(full));
    if (mini_explain_removes_parts(method) && !draw) { /* what replaces a region */
        if (!(white = mem_alloc((size_t)W * H * 3))) {
            error_set(err, "out of memory");
            goto done;
        }
        memset(white, 255, (size_t)W * H * 3);
        if (rgb_to_codes(t, white, W, H, blank, err) != 0) goto done;
        aids.blank_codes = blank;
    }
    if (draw && w == W && h == H && memcmp(rgb, t->last_rgb, image_bytes(full)) == 0)
        memcpy(codes, t->last_codes, (size_t)G * sizeof(int));
    else if (rgb_to_codes(t, rgb, w, h, codes, err) != 0)
        goto done;
    /* maps are drawn over the picture at the model's size: a 4 MB upload
     * would otherwise make every word's PNG as large */
    if (!(sized = w == W && h == H ? full : image_resize(full, W, H, IMAGE_BOX, err))) goto done;
    int lang = backend_detect_lang(text) == BACKEND_LANG_KO ? MINI_LANG_KO : MINI_LANG_EN;
    if ((draw ? mini_explain_draw(t->m, &aids, text, codes, method, &e, err)
              : mini_explain_caption(t->m, &aids, codes, lang, text, method, &e, err)) != 0)
        goto done;
    out = mem_calloc((size_t)(e.n_words > 0 ? e.n_words : 1), sizeof *out);
    if (!out) {
        error_set(err, "out of memory");
        goto done;
    }
    for (int k = 0; k < e.n_words; k++) {
        Image *tile = mini_explain_tile(&e, k, sized, err);
        out[k].word = mem_strdup(e.words[k]);
        int bad = !tile || !out[k].word || pngio_encode(tile, NULL, 0, &out[k].png, &out[k].png_len, err) != 0;
        image_free(tile);
        if (bad) {
            if (!out[k].word) error_set(err, "out of memory");
            backend_word_maps_free(out, k + 1);
            out = NULL;
            goto done;
        }
    }
    *maps = out;
    *n = e.n_words;
    rc = 0;
done:
    mini_explanation_free(&e);
    if (sized != full) image_free(sized);
    image_free(full);
    mem_free(codes);
    mem_free(white);
    return rc;
}

const Backend backend_mini = {"exaone-mini", mb_open, mb_close, mb_size, mb_chat, NULL, mb_draw, mb_inpaint,
                              mb_caption, mb_translate, mb_explain};
