/* Sliding-window generation, wrap-around and tiled decoding (mini_hires.h). */
#include "mini_hires.h"

#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../image/resize.h"

#include <string.h>

void mini_hires_defaults(MiniHiresOptions *o) {
    memset(o, 0, sizeof *o);
    mini_draw_defaults(&o->draw);
    o->grid_h = o->grid_w = 8;
    o->ctx_rows = o->ctx_cols = 2;
    o->max_batch = 24;
    o->bf16 = 1;
}

typedef struct {
    int row0, col0; /* origin in the grid (wrapped when tiling) */
    Rng rng;        /* per window, so batching does not change the draw */
    MiniState *cond, *uncond;
    float *lc, *lu; /* [n_codes] logits of the next cell */
} Win;

typedef struct {
    MiniModel *m;
    const MiniHiresOptions *o;
    int h, w, G, lo, n_codes, guided;
    int *codes;
    uint8_t *made;
    int64_t *claim;   /* [cells]: the last step that a window was to draw the cell */
    int64_t step;
    void *scratch;    /* [threads] sampler scratch, scratch_bytes each */
    size_t scratch_bytes;
    float *first_c, *first_u; /* logits of cell 0 after the prompt */
    MiniState *tmpl_c, *tmpl_u;
    /* batch buffers, [2 * max_batch] */
    MiniState **states;
    int *tokens, *segments;
    float *logits;
} Gen;

static int wrap(int v, int n) { return ((v % n) + n) % n; }

static int cell_of(const Gen *g, const Win *win, int k) {
    int r = win->row0 + k / g->w, c = win->col0 + k % g->w;
    return wrap(r, g->o->grid_h) * g->o->grid_w + wrap(c, g->o->grid_w);
}

/* Feeds the prompt once; every window starts from a copy of its cache. */
static int prompt_states(Gen *g, const char *prompt, Error *err) {
    const MiniVocab *v = mini_vocab(g->m);
    int S = mini_config(g->m)->max_seq, V = mini_config(g->m)->vocab, rc = -1;
    int *tok = mem_alloc((size_t)S * sizeof(int) * 3);
    float *full = mem_alloc((size_t)V * sizeof(float));
    TokIds ids = {0};
    if (!tok || !full) {
        error_set(err, "mini: out of memory");
        goto done;
    }
    MiniSeq seq = {tok, tok + S, tok + 2 * S, S, 0, 0, -1};
    if (tok_encode(mini_tokenizer(g->m), prompt, strlen(prompt), &ids, err) != 0) goto done;
    for (int pass = 0; pass < 1 + g->guided; pass++) {
        int cond = pass == 0;
        if ((cond ? mini_seq_t2i(v, &seq, mini_detect_lang(prompt), ids.ids, (int)ids.n, NULL, err)
                  : mini_seq_t2i(v, &seq, MINI_LANG_NONE, NULL, 0, NULL, err)) != 0)
            goto done;
        if (seq.len + g->G > S) {
            error_set(err, "mini: prompt of %zu tokens leaves no room for a %dx%d window", ids.n, g->h, g->w);
            goto done;
        }
        MiniState *s = cond ? g->tmpl_c : g->tmpl_u;
        if (mini_feed(g->m, s, seq.tokens, seq.segments, seq.len, seq.prefix, seq.image_start, NULL, full, err))
            goto done;
        memcpy(cond ? g->first_c : g->first_u, full + g->lo, (size_t)g->n_codes * sizeof(float));
    }
    rc = 0;
done:
    tok_ids_free(&ids);
    mem_free(tok);
    mem_free(full);
    return rc;
}

/* Runs windows [0, n) in lockstep: at step k every window takes its cell k
 * (kept/made -> fed as context; missing -> sampled), then all go through the
 * model in one batch. Windows earlier in the list claim a cell first, so a
 * cell is sampled exactly once. */
typedef struct {
    Gen *g;
    Win *wins;
    int k;
} SampleJob;

/* Windows [begin, end) draw their k-th cell if no earlier window made it. */
static void sample_windows(void *ctx, int64_t begin, int64_t end, int thread) {
    const SampleJob *j = ctx;
    Gen *g = j->g;
    void *scratch = (char *)g->scratch + (size_t)thread * g->scratch_bytes;
    for (int64_t i = begin; i < end; i++) {
        Win *win = &j->wins[i];
        int cell = cell_of(g, win, j->k);
        if (g->made[cell]) continue;
        if (g->guided)
            for (int c = 0; c < g->n_codes; c++) win->lc[c] = win->lu[c] + g->o->draw.cfg * (win->lc[c] - win->lu[c]);
        g->codes[cell] = mini_sample(win->lc, g->n_codes, &g->o->draw, &win->rng, scratch);
        g->made[cell] = 1;
    }
}

static int run_windows(Gen *g, Win *wins, int n, Error *err) {
    int B = 0;
    for (int i = 0; i < n; i++) {
        mini_state_copy(wins[i].cond, g->tmpl_c, g->m);
        memcpy(wins[i].lc, g->first_c, (size_t)g->n_codes * sizeof(float));
        if (g->guided) {
            mini_state_copy(wins[i].uncond, g->tmpl_u, g->m);
            memcpy(wins[i].lu, g->first_u, (size_t)g->n_codes * sizeof(float));
        }
    }
    for (int k = 0; k < g->G; k++) {
        /* The windows of a batch draw different cells (they overlap only in
         * cells made before), so they can sample at once, each with its own
         * generator: the same codes as one after the other. Checked here,
         * and done one after the other if a cell were claimed twice. */
        int shared = 0;
        g->step++;
        for (int i = 0; i < n; i++) {
            int cell = cell_of(g, &wins[i], k);
            if (g->made[cell]) continue;
            shared |= g->claim[cell] == g->step;
            g->claim[cell] = g->step;
        }
        SampleJob job = {g, wins, k};
        if (shared)
            sample_windows(&job, 0, n, 0);
        else
            pool_parallel_for(mini_pool(g->m), n, sample_windows, &job);
        B = 0;
        for (int i = 0; i < n; i++) {
            Win *win = &wins[i];
            int cell = cell_of(g, win, k);
            if (k + 1 == g->G) continue; /* the last cell needs no logits after it */
            g->tokens[B] = g->lo + g->codes[cell];
            g->states[B++] = win->cond;
            if (g->guided) {
                g->tokens[B] = g->lo + g->codes[cell];
                g->states[B++] = win->uncond;
            }
        }
        if (B == 0) break;
        if (mini_feed_batch(g->m, g->states, B, g->tokens, g->segments, g->lo, g->lo + g->n_codes, g->o->bf16, g->logits,
                            err))
            return -1;
        for (int i = 0, b = 0; i < n; i++) {
            memcpy(wins[i].lc, g->logits + (size_t)b++ * g->n_codes, (size_t)g->n_codes * sizeof(float));
            if (g->guided) memcpy(wins[i].lu, g->logits + (size_t)b++ * g->n_codes, (size_t)g->n_codes * sizeof(float));
        }
    }
    return 0;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

int mini_hires_generate(MiniModel *m, const char *prompt, const MiniHiresOptions *o, int *codes, Error *err) {
    const MiniVocab *v = mini_vocab(m);
    int h = v->grid_h, w = v->grid_w, GH = o->grid_h, GW = o->grid_w;
    if (GH < h || GW < w || GH > 4096 || GW > 4096 || o->ctx_rows < 0 || o->ctx_rows >= h || o->ctx_cols < 0 ||
        o->ctx_cols >= w || o->max_batch < 1 || o->max_batch > 1024)
        return error_set(err, "mini: a %dx%d code grid needs at least the model's %dx%d (at most 4096), context < "
                              "window, batch 1..1024", GH, GW, h, w);
    Gen g = {.m = m, .o = o, .h = h, .w = w, .G = h * w, .lo = v->n_text, .n_codes = v->n_codes,
             .guided = o->draw.cfg != 1.0f, .codes = codes};
    int MB = o->max_batch, rc = -1;
    size_t cells = (size_t)GH * GW;
    Win *wins = mem_calloc((size_t)MB, sizeof *wins);
    g.made = mem_calloc(cells, 1);
    g.claim = mem_calloc(cells, sizeof *g.claim);
    g.scratch_bytes = (size_t)g.n_codes * MINI_SAMPLE_SCRATCH;
    g.scratch = mem_alloc(g.scratch_bytes * (size_t)pool_threads(mini_pool(m)));
    g.first_c = mem_alloc((size_t)g.n_codes * sizeof(float));
    g.first_u = mem_alloc((size_t)g.n_codes * sizeof(float));
    g.states = mem_calloc((size_t)MB * 2, sizeof *g.states);
    g.tokens = mem_alloc((size_t)MB * 2 * sizeof(int));
    g.segments = mem_alloc((size_t)MB * 2 * sizeof(int));
    g.logits = mem_alloc((size_t)MB * 2 * g.n_codes * sizeof(float));
    if (!wins || !g.made || !g.claim || !g.scratch || !g.first_c || !g.first_u || !g.states || !g.tokens || !g.segments ||
        !g.logits) {
        error_set(err, "mini: out of memory for a %dx%d grid", GH, GW);
        goto done;
    }
    for (int i = 0; i < MB; i++) {
        wins[i].lc = mem_alloc((size_t)g.n_codes * sizeof(float) * 2);
        if (!wins[i].lc || mini_state_new(&wins[i].cond, m, err) || (g.guided && mini_state_new(&wins[i].uncond, m, err))) {
            if (!wins[i].lc) error_set(err, "mini: out of memory");
            goto done;
        }
        wins[i].lu = wins[i].lc + g.n_codes;
    }
    for (int i = 0; i < MB * 2; i++) g.segments[i] = MINI_SEG_T2I_IMAGE;
    if (mini_state_new(&g.tmpl_c, m, err) || (g.guided && mini_state_new(&g.tmpl_u, m, err))) goto done;
    if (o->known)
        for (size_t i = 0; i < cells; i++) {
            g.made[i] = o->known[i] != 0;
            if (g.made[i] && (codes[i] < 0 || codes[i] >= g.n_codes)) {
                error_set(err, "mini: kept code %d at cell %zu is not in the codebook", codes[i], i);
                goto done;
            }
        }
    if (prompt_states(&g, prompt, err)) goto done;
    int sh = h - o->ctx_rows, sw = w - o->ctx_cols, ni = (GH + sh - 1) / sh, nj = (GW + sw - 1) / sw;
    if (!o->tile) { /* windows then start at row/column 0 and end at the last */
        ni = 1 + (GH - h + sh - 1) / sh;
        nj = 1 + (GW - w + sw - 1) / sw;
    }
    Progress bar;
    if (o->progress) progress_begin(&bar, "drawing", (int64_t)ni * nj, "windows");
    int64_t done_windows = 0;
    for (int t = 0; t < ni + nj - 1; t++) {
        int n = 0;
        for (int i = t < nj ? 0 : t - nj + 1; i < ni && i <= t; i++) {
            int j = t - i;
            Win *win = &wins[n];
            win->row0 = o->tile ? i * sh - o->ctx_rows : clampi(i * sh, 0, GH - h);
            win->col0 = o->tile ? j * sw - o->ctx_cols : clampi(j * sw, 0, GW - w);
            /* window (0, 0) uses the seed itself: one window is mini_draw */
            rng_seed(&win->rng, o->draw.seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i * nj + j));
            if (++n == MB || i + 1 >= ni || i + 1 > t) {
                if (run_windows(&g, wins, n, err)) goto done;
                done_windows += n;
                n = 0;
                if (o->progress) progress_update(&bar, done_windows, NULL);
            }
        }
    }
    if (o->progress) progress_done(&bar);
    /* a kept cell no window reached cannot happen (windows cover the grid),
     * but a missing one would be a bug worth naming */
    for (size_t i = 0; i < cells; i++)
        if (!g.made[i]) {
            error_set(err, "mini: internal: cell %zu of the %dx%d grid was not drawn", i, GH, GW);
            goto done;
        }
    rc = 0;
done:
    for (int i = 0; wins && i < MB; i++) {
        mem_free(wins[i].lc);
        mini_state_free(wins[i].cond);
        mini_state_free(wins[i].uncond);
    }
    mem_free(wins);
    mini_state_free(g.tmpl_c);
    mini_state_free(g.tmpl_u);
    mem_free(g.made);
    mem_free(g.claim);
    mem_free(g.scratch);
    mem_free(g.first_c);
    mem_free(g.first_u);
    mem_free(g.states);
    mem_free(g.tokens);
    mem_free(g.segments);
    mem_free(g.logits);
    return rc;
}

/* ---------------------------------------------------------------- decode */

/* Decoding in tiles changes GroupNorm statistics and zero padding at the
 * tile border; 8 codes of margin and a 2-code cross-fade keep tile seams at
 * the level of ordinary code boundaries (measured in test_hires: a margin of
 * 4 doubles the seam). The margin is decoded and thrown away, so tiles are
 * as big as memory allows: up to 64 codes (80 with the margins, 640x640
 * pixels, ~270 MB in vq_decode_lean) decode 1.56x the codes they keep; the
 * 24-code tiles vq_decode's training-sized buffers allowed decoded 2.8x. */
enum { TILE_MAX = 64, MARGIN = 8 };

/* Weight of a pixel at u (relative to the tile core [0, L)) with e pixels of
 * linear cross-fade on each side: neighbouring weights sum to 1. */
static float ramp(int u, int L, int e) {
    float a = (u + e + 0.5f) / (2.0f * e), b = (L + e - u - 0.5f) / (2.0f * e);
    a = a < 0 ? 0 : a > 1 ? 1 : a;
    b = b < 0 ? 0 : b > 1 ? 1 : b;
    return a < b ? a : b;
}

int mini_hires_decode(VqModel *vq, const int *codes, int GH, int GW, int tile, Image *out, int progress, Error *err) {
    int f = vq_factor(&vq->config), K = vq->config.n_embed;
    int longest = GH > GW ? GH : GW, n_tiles = (longest + TILE_MAX - 1) / TILE_MAX;
    int T = (longest + n_tiles - 1) / n_tiles; /* equal tiles; a small picture is one tile */
    int M = MARGIN, IN = T + 2 * M, P = IN * f, e = 2 * f, rc = -1;
    if (out->width != GW * f || out->height != GH * f || out->channels != 3)
        return error_set(err, "mini: decode target %dx%d is not the grid's %dx%d", out->width, out->height, GW * f,
                         GH * f);
    size_t npx = (size_t)out->width * out->height;
    float *acc = mem_calloc(npx * 3, sizeof(float)), *wsum = mem_calloc(npx, sizeof(float));
    float *px = mem_alloc((size_t)P * P * 3 * sizeof(float));
    int32_t *in = mem_alloc((size_t)IN * IN * sizeof(int32_t));
    if (!acc || !wsum || !px || !in) {
        error_set(err, "mini: out of memory decoding %dx%d", out->width, out->height);
        goto done;
    }
    int ti_n = (GH + T - 1) / T, tj_n = (GW + T - 1) / T;
    Progress bar;
    if (progress) progress_begin(&bar, "decoding", (int64_t)ti_n * tj_n, "tiles");
    for (int ti = 0; ti < ti_n; ti++)
        for (int tj = 0; tj < tj_n; tj++) {
            int r0 = ti * T, c0 = tj * T;
            for (int y = 0; y < IN; y++)
                for (int x = 0; x < IN; x++) {
                    int r = r0 - M + y, c = c0 - M + x;
                    r = tile ? wrap(r, GH) : clampi(r, 0, GH - 1);
                    c = tile ? wrap(c, GW) : clampi(c, 0, GW - 1);
                    int code = codes[(size_t)r * GW + c];
                    if (code < 0 || code >= K) {
                        error_set(err, "mini: code %d at (%d, %d) is not in the codebook of %d", code, r, c, K);
                        goto done;
                    }
                    in[y * IN + x] = code;
                }
            if (vq_decode_lean(vq, in, IN, IN, px, err) != 0) goto done;
            int Lh = (GH - r0 < T ? GH - r0 : T) * f, Lw = (GW - c0 < T ? GW - c0 : T) * f;
            for (int y = -e; y < Lh + e; y++) {
                int oy = r0 * f + y;
                if (!tile && (oy < 0 || oy >= out->height)) continue;
                oy = wrap(oy, out->height);
                float wy = ramp(y, Lh, e);
                for (int x = -e; x < Lw + e; x++) {
                    int ox = c0 * f + x;
                    if (!tile && (ox < 0 || ox >= out->width)) continue;
                    ox = wrap(ox, out->width);
                    float wt = wy * ramp(x, Lw, e);
                    if (wt <= 0) continue;
                    const float *s = px + ((size_t)(y + M * f) * P + (x + M * f)) * 3;
                    size_t o = (size_t)oy * out->width + ox;
                    for (int ch = 0; ch < 3; ch++) acc[o * 3 + ch] += wt * s[ch];
                    wsum[o] += wt;
                }
            }
            if (progress) progress_update(&bar, (int64_t)ti * tj_n + tj + 1, NULL);
        }
    if (progress) progress_done(&bar);
    for (size_t i = 0; i < npx; i++)
        for (int ch = 0; ch < 3; ch++) {
            float v = wsum[i] > 0 ? acc[i * 3 + ch] / wsum[i] : 0;
            v = (v + 1.0f) * 127.5f;
            out->pixels[i * 3 + ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
        }
    rc = 0;
done:
    mem_free(acc);
    mem_free(wsum);
    mem_free(px);
    mem_free(in);
    return rc;
}

int mini_hires_encode(VqModel *vq, const Image *img, int **codes, int *gh, int *gw, Error *err) {
    int f = vq_factor(&vq->config), H = (img->height + f / 2) / f * f, W = (img->width + f / 2) / f * f;
    if (H < f) H = f;
    if (W < f) W = f;
    Image *rgb = image_convert(img, 3, IMAGE_WHITE, err), *sized = NULL;
    if (!rgb) return -1;
    sized = (H == rgb->height && W == rgb->width) ? rgb : image_resize(rgb, W, H, IMAGE_BOX, err);
    float *x = sized ? mem_alloc((size_t)H * W * 3 * sizeof(float)) : NULL;
    int32_t *c32 = x ? mem_alloc((size_t)(H / f) * (W / f) * sizeof(int32_t)) : NULL;
    int *c = c32 ? mem_alloc((size_t)(H / f) * (W / f) * sizeof(int)) : NULL;
    int rc = -1;
    if (!c) {
        if (sized) error_set(err, "mini: out of memory encoding %dx%d", W, H);
        goto done;
    }
    for (size_t i = 0; i < (size_t)H * W * 3; i++) x[i] = sized->pixels[i] / 127.5f - 1.0f;
    if (vq_encode(vq, x, 1, H, W, c32, err) != 0) goto done;
    for (int i = 0; i < (H / f) * (W / f); i++) c[i] = c32[i];
    *codes = c;
    c = NULL;
    *gh = H / f;
    *gw = W / f;
    rc = 0;
done:
    mem_free(c);
    mem_free(c32);
    mem_free(x);
    if (sized != rgb) image_free(sized);
    image_free(rgb);
    return rc;
}
