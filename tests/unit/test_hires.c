/* EXAONE-mini at high resolution (src/models/mini_hires.h): batched feed vs
 * one-by-one, sliding windows vs the plain 8x8 draw, reproducibility,
 * wrap-around seams, inpainting keeps what is outside the mask. On random
 * models saved here (properties that hold for any weights).
 *
 * With HIRES_MAKE_MODEL=DIR set, writes a random model of the shipped size
 * (d 256, 6 layers, 1024 codes, default VQ) to DIR and exits: bench/hires.sh
 * times generation on it when no trained model is present. */
#include "../harness.h"

#include "core/file.h"
#include "cli/commands.h"
#include "core/mem.h"
#include "formats/png.h"
#include "image/tile.h"
#include "models/mini.h"
#include "models/mini_hires.h"
#include "models/vq.h"
#include "train/gpt.h"
#include "train/mini_train.h"
#include "train/rng.h"
#include "tokenizer/tokenizer.h"

#include <stdlib.h>

#define DIR "build/tmp/hires"

static const char *train_text = "a red apple a blue star 빨간 사과 파란 별 blue waves on white 흰 바탕에 파란 물결";

/* A random EXAONE-mini (BPE of ~320 tokens) + random VQ in dir. */
static int make_model(const char *dir, int d, int layers, int heads, int ffn, int n_codes, float widen) {
    Error err = {0};
    char cmd[512], tokpath[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd) != 0) return -1;
    snprintf(tokpath, sizeof tokpath, "%s/../tok.json", dir);
    const char *texts[1] = {train_text};
    size_t lens[1] = {strlen(train_text)};
    TokTrainOptions opt = {320, 1, 0, mini_special_names, MINI_N_SPECIAL, 0};
    Tokenizer *tok = NULL;
    if (tok_train_bpe(texts, lens, 1, &opt, tokpath, &err) || tok_load(&tok, tokpath, &err)) {
        fprintf(stderr, "tokenizer: %s\n", err.message);
        return -1;
    }
    int n_text = (int)tok_vocab_size(tok);
    tok_free(tok);
    MiniTrainOptions o;
    mini_train_defaults(&o);
    o.d_model = d;
    o.n_layers = layers;
    o.n_heads = heads;
    o.ffn = ffn;
    o.n_codes = n_codes;
    GptConfig gc;
    mini_gpt_config(&o, n_text, &gc);
    Gpt *g = NULL;
    if (gpt_new(&g, &gc, 1, o.T, NULL, &err) != 0) return -1;
    gpt_init_random(g, 42);
    if (widen > 0) { /* logits of O(1), so sampling is not uniform noise */
        Rng rng;
        rng_seed(&rng, 7);
        for (int i = 0; i < g->table.count; i++) {
            const ParamEntry *e = &g->table.entries[i];
            if (strstr(e->name, "ln_")) continue;
            for (size_t k = 0; k < e->numel; k++) g->params[e->offset + k] = widen * (float)rng_normal(&rng);
        }
    }
    int rc = mini_export(g, n_text, n_codes, tokpath, dir, 0, &err);
    gpt_free(g);
    if (rc) return -1;
    VqConfig vc;
    vq_config_default(&vc);
    vc.n_embed = n_codes;
    VqModel *vq = NULL;
    if (vq_new(&vq, &vc, NULL, &err) != 0) return -1;
    vq_init_random(vq, 3);
    snprintf(cmd, sizeof cmd, "%s/vq.safetensors", dir);
    rc = vq_save(vq, cmd, NULL, NULL, 0, &err);
    vq_free(vq);
    return rc;
}

static MiniModel *model;
static VqModel *vq;

TEST(batched_feed_matches_one_by_one) {
    Error err = {0};
    enum { B = 5 };
    MiniState *a[B], *b[B];
    const MiniVocab *v = mini_vocab(model);
    int V = mini_config(model)->vocab, lo = v->n_text, n = v->n_codes;
    MiniState *c16[B];
    float *full = mem_alloc((size_t)V * sizeof(float)), *batch = mem_alloc((size_t)B * n * sizeof(float));
    float *batch16 = mem_alloc((size_t)B * n * sizeof(float));
    int toks[B], segs[B];
    for (int i = 0; i < B; i++) {
        CHECK(mini_state_new(&a[i], model, &err) == 0 && mini_state_new(&b[i], model, &err) == 0 &&
              mini_state_new(&c16[i], model, &err) == 0);
        /* different histories and lengths: i + 2 tokens, image from index 1 */
        int hist[16], hseg[16];
        for (int k = 0; k < i + 2; k++) {
            hist[k] = k == 0 ? v->special[MINI_T2I] : lo + (k * 13 + i * 7) % n;
            hseg[k] = k == 0 ? MINI_SEG_T2I_TEXT : MINI_SEG_T2I_IMAGE;
        }
        CHECK(mini_feed(model, a[i], hist, hseg, i + 2, 1, 1, NULL, NULL, &err) == 0);
        mini_state_copy(b[i], a[i], model);
        mini_state_copy(c16[i], a[i], model);
        toks[i] = lo + (i * 31) % n;
        segs[i] = MINI_SEG_T2I_IMAGE;
    }
    CHECKF(mini_feed_batch(model, b, B, toks, segs, lo, lo + n, 0, batch, &err) == 0, "%s", err.message);
    CHECK(mini_feed_batch(model, c16, B, toks, segs, lo, lo + n, 1, batch16, &err) == 0);
    double worst = 0, worst16 = 0, largest = 0;
    for (int i = 0; i < B; i++) {
        CHECK(mini_feed(model, a[i], toks + i, segs + i, 1, 0, -1, NULL, full, &err) == 0);
        CHECK(mini_state_len(a[i]) == mini_state_len(b[i]));
        for (int k = 0; k < n; k++) {
            double d = fabs(full[lo + k] - batch[(size_t)i * n + k]);
            double d16 = fabs(full[lo + k] - batch16[(size_t)i * n + k]);
            worst = d > worst ? d : worst;
            worst16 = d16 > worst16 ? d16 : worst16;
            largest = fabs(full[lo + k]) > largest ? fabs(full[lo + k]) : largest;
        }
    }
    CHECKF(worst < 1e-4, "max |batched - single| = %.3g", worst);
    /* bf16 products: 8-bit mantissas through 2 layers move logits by about
     * 2^-8 of their size; more would mean a wrong pack, none an ignored flag */
    printf("  bf16 batch: max |logit - f32| %.3g (largest logit %.3g)\n", worst16, largest);
    CHECKF(worst16 > 0 && worst16 < 0.03 * largest, "bf16: %.3g of %.3g", worst16, largest);
    CHECK(mini_feed_batch(model, b, B, toks, segs, lo, lo, 0, batch, &err) != 0);
    for (int i = 0; i < B; i++) {
        mini_state_free(a[i]);
        mini_state_free(b[i]);
        mini_state_free(c16[i]);
    }
    mem_free(full);
    mem_free(batch);
    mem_free(batch16);
}

TEST(one_window_is_the_plain_draw) {
    /* an 8x8 grid is one window: the same tokens, positions and sampler as
     * mini_draw, so the same seed must give the same codes */
    Error err = {0};
    MiniHiresOptions o;
    mini_hires_defaults(&o);
    o.draw.seed = 11;
    o.bf16 = 0; /* mini_draw multiplies in f32 */
    int a[64], b[64];
    CHECKF(mini_hires_generate(model, "a red apple", &o, a, &err) == 0, "%s", err.message);
    CHECK(mini_draw(model, "a red apple", &o.draw, b, &err) == 0);
    int same = 0;
    for (int i = 0; i < 64; i++) same += a[i] == b[i];
    CHECKF(same == 64, "%d of 64 codes agree", same);
}

TEST(large_grid_is_reproducible_and_complete) {
    Error err = {0};
    MiniHiresOptions o;
    mini_hires_defaults(&o);
    o.grid_h = 21;
    o.grid_w = 30;
    o.max_batch = 3;
    o.draw.seed = 4;
    int n = 21 * 30, *a = mem_alloc(n * sizeof(int)), *b = mem_alloc(n * sizeof(int)), *c = mem_alloc(n * sizeof(int));
    CHECKF(mini_hires_generate(model, "blue waves", &o, a, &err) == 0, "%s", err.message);
    o.max_batch = 7; /* batching changes nothing but speed */
    CHECK(mini_hires_generate(model, "blue waves", &o, b, &err) == 0);
    o.draw.seed = 5;
    CHECK(mini_hires_generate(model, "blue waves", &o, c, &err) == 0);
    int diff = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        diff += a[i] != c[i];
        bad += a[i] < 0 || a[i] >= mini_vocab(model)->n_codes;
    }
    CHECK(memcmp(a, b, n * sizeof(int)) == 0);
    CHECK(diff > n / 2 && bad == 0);
    o.tile = 1;
    CHECK(mini_hires_generate(model, "blue waves", &o, a, &err) == 0);
    o.grid_h = 7;
    CHECK(mini_hires_generate(model, "blue waves", &o, a, &err) != 0 && strstr(err.message, "at least"));
    mem_free(a);
    mem_free(b);
    mem_free(c);
}

/* Mean |diff| across pixel column pairs (x, x+1) at code boundaries only
 * (x+1 a multiple of f), and the wrap pair (W-1, 0), which is one too. */
static void boundary_seams(const Image *img, int f, double *wrap_x, double *inner_x, double *wrap_y, double *inner_y) {
    int W = img->width, H = img->height;
    double sx = 0, sy = 0;
    int nx = 0, ny = 0;
    *wrap_x = *wrap_y = 0;
    for (int x = f - 1; x < W; x += f)
        for (int y = 0; y < H; y++)
            for (int ch = 0; ch < 3; ch++) {
                double d = abs((int)img->pixels[((size_t)y * W + x) * 3 + ch] -
                               (int)img->pixels[((size_t)y * W + (x + 1) % W) * 3 + ch]);
                if (x + 1 == W) *wrap_x += d;
                else sx += d, nx++;
            }
    for (int y = f - 1; y < H; y += f)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < 3; ch++) {
                double d = abs((int)img->pixels[((size_t)y * W + x) * 3 + ch] -
                               (int)img->pixels[((size_t)((y + 1) % H) * W + x) * 3 + ch]);
                if (y + 1 == H) *wrap_y += d;
                else sy += d, ny++;
            }
    *wrap_x /= 3.0 * H;
    *wrap_y /= 3.0 * W;
    *inner_x = sx / nx;
    *inner_y = sy / ny;
}

/* Two threads split the windows' products and their sampling: the codes
 * must be those of one thread, clamped (plain) and wrapped (tile) alike. */
TEST(two_threads_draw_the_same_codes) {
    Error err = {0};
    MiniModel *two = NULL;
    CHECKF(mini_load(&two, DIR "/random", 2, &err) == 0, "%s", err.message);
    MiniHiresOptions o;
    mini_hires_defaults(&o);
    o.grid_h = 19, o.grid_w = 27, o.max_batch = 5, o.draw.seed = 8;
    int n = 19 * 27, *a = mem_alloc(n * sizeof(int)), *b = mem_alloc(n * sizeof(int));
    for (int tile = 0; two && tile < 2; tile++) {
        o.tile = tile;
        CHECK(mini_hires_generate(model, "red tiles", &o, a, &err) == 0);
        CHECK(mini_hires_generate(two, "red tiles", &o, b, &err) == 0);
        CHECKF(memcmp(a, b, n * sizeof(int)) == 0, "tile %d: 2 threads drew other codes", tile);
    }
    mem_free(a);
    mem_free(b);
    mini_free(two);
}

TEST(tile_wrap_edge_is_no_worse_than_interior_seams) {
    Error err = {0};
    MiniHiresOptions o;
    mini_hires_defaults(&o);
    o.grid_h = o.grid_w = 32;
    o.tile = 1;
    o.draw.seed = 9;
    int *codes = mem_alloc(32 * 32 * sizeof(int));
    int f = vq_factor(&vq->config);
    Image *img = image_new(32 * f, 32 * f, 3, &err), *flat = image_new(32 * f, 32 * f, 3, &err);
    CHECKF(mini_hires_generate(model, "blue waves", &o, codes, &err) == 0, "%s", err.message);
    CHECKF(mini_hires_decode(vq, codes, 32, 32, 1, img, 0, &err) == 0, "%s", err.message);
    CHECK(mini_hires_decode(vq, codes, 32, 32, 0, flat, 0, &err) == 0);
    ImageSeam s, sf;
    image_seam_measure(img, &s);
    image_seam_measure(flat, &sf);
    double wx, ix, wy, iy, fwx, fix, fwy, fiy;
    boundary_seams(img, f, &wx, &ix, &wy, &iy);
    boundary_seams(flat, f, &fwx, &fix, &fwy, &fiy);
    printf("  tile: wrap x %.2f y %.2f | interior (all) x %.2f y %.2f | interior code boundaries x %.2f y %.2f\n",
           s.wrap_x, s.wrap_y, s.interior_x, s.interior_y, ix, iy);
    printf("  no wrap (control): wrap x %.2f y %.2f | interior code boundaries x %.2f y %.2f\n", fwx, fwy, fix, fiy);
    /* the wrap edge is a code boundary: compare with the interior code
     * boundaries (same phase). Margin 15 %: single boundaries of this random
     * model spread about +-12 % around their mean. The control (no wrap)
     * is 5x the interior, so the test can fail. */
    CHECKF(wx <= ix * 1.15, "wrap x %.2f vs interior %.2f", wx, ix);
    CHECKF(wy <= iy * 1.15, "wrap y %.2f vs interior %.2f", wy, iy);
    CHECKF(fwx > 2 * fix && fwy > 2 * fiy, "control: no-wrap seams %.2f %.2f", fwx, fwy);
    mem_free(codes);
    image_free(img);
    image_free(flat);
}

TEST(decode_of_one_tile_is_the_plain_decoder_cropped) {
    /* a 20x20 grid is one tile (tiles shrink to the grid): its decode must
     * be vq_decode of the grid with 8 codes of clamped margin, cropped (the
     * index arithmetic) */
    Error err = {0};
    enum { N = 20, M = 8, IN = N + 2 * M };
    int f = vq_factor(&vq->config), codes[N * N];
    int32_t in[IN * IN];
    for (int i = 0; i < N * N; i++) codes[i] = (i * 37 + i / N) % vq->config.n_embed;
    for (int y = 0; y < IN; y++)
        for (int x = 0; x < IN; x++) {
            int r = y - M < 0 ? 0 : y - M >= N ? N - 1 : y - M, c = x - M < 0 ? 0 : x - M >= N ? N - 1 : x - M;
            in[y * IN + x] = codes[r * N + c];
        }
    Image *a = image_new(N * f, N * f, 3, &err);
    float *px = mem_alloc((size_t)IN * f * IN * f * 3 * sizeof(float));
    CHECK(a && px && mini_hires_decode(vq, codes, N, N, 0, a, 0, &err) == 0);
    CHECK(vq_decode(vq, in, 1, IN, IN, px, &err) == 0);
    int worst = 0;
    for (int y = 0; a && y < N * f; y++)
        for (int x = 0; x < N * f; x++)
            for (int ch = 0; ch < 3; ch++) {
                float v = (px[((size_t)(y + M * f) * IN * f + x + M * f) * 3 + ch] + 1.0f) * 127.5f;
                int want = (int)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f), got = a->pixels[((size_t)y * N * f + x) * 3 + ch];
                worst = abs(want - got) > worst ? abs(want - got) : worst;
            }
    CHECKF(worst <= 1, "tiled decode differs from the plain decoder by %d", worst);
    /* bf16 convolutions (draw --size): close to f32, but not the same */
    Image *b16 = image_new(N * f, N * f, 3, &err);
    vq->scratch.forward_bf16 = 1;
    CHECK(b16 && mini_hires_decode(vq, codes, N, N, 0, b16, 0, &err) == 0);
    vq->scratch.forward_bf16 = 0;
    double diff16 = 0;
    int worst16 = 0;
    for (size_t i = 0; b16 && i < (size_t)N * f * N * f * 3; i++) {
        int d = abs((int)a->pixels[i] - (int)b16->pixels[i]);
        diff16 += d;
        worst16 = d > worst16 ? d : worst16;
    }
    diff16 /= (double)N * f * N * f * 3;
    printf("  bf16 decode vs f32: mean |diff| %.3f levels, max %d\n", diff16, worst16);
    CHECKF(diff16 > 0 && diff16 < 1.0, "bf16 decode: mean |diff| %.3f", diff16);
    image_free(b16);
    codes[5] = 1 << 20;
    CHECK(mini_hires_decode(vq, codes, N, N, 0, a, 0, &err) != 0 && strstr(err.message, "codebook"));
    mem_free(px);
    image_free(a);
}

/* exaone edit end to end on the random model: pixels outside the mask are
 * the input's, the inside is redrawn and changes with the seed. */
TEST(edit_keeps_the_outside_and_redraws_the_inside) {
    Error err = {0};
    char *draw[] = {"draw", "-m", DIR "/random", "--size", "128x128", "--seed", "1", "-o", DIR "/in.png", "blue waves"};
    CHECK(cmd_draw(10, draw) == 0);
    Image *mask = image_new(128, 128, 3, &err), *in = NULL, *a = NULL, *b = NULL;
    memset(mask->pixels, 0, 128 * 128 * 3);
    for (int y = 36; y < 92; y++) memset(mask->pixels + (y * 128 + 44) * 3, 255, 40 * 3); /* not cell-aligned */
    CHECK(pngio_write_file(DIR "/mask.png", mask, NULL, 0, &err) == 0);
    char *e1[] = {"edit", "-m", DIR "/random", "--mask", DIR "/mask.png", "--seed", "1", "-o", DIR "/e1.png", DIR "/in.png", "a red apple"};
    char *e2[] = {"edit", "-m", DIR "/random", "--mask", DIR "/mask.png", "--seed", "2", "-o", DIR "/e2.png", DIR "/in.png", "a red apple"};
    CHECK(cmd_edit(11, e1) == 0 && cmd_edit(11, e2) == 0);
    CHECK(pngio_read_file(DIR "/in.png", 3, &in, NULL, &err) == 0 && pngio_read_file(DIR "/e1.png", 3, &a, NULL, &err) == 0 &&
          pngio_read_file(DIR "/e2.png", 3, &b, NULL, &err) == 0);
    long outside_changed = 0, inside = 0;
    double seed_diff = 0, edit_diff = 0;
    for (int i = 0; in && a && b && i < 128 * 128; i++)
        for (int ch = 0; ch < 3; ch++) {
            int pa = a->pixels[i * 3 + ch], pb = b->pixels[i * 3 + ch], pi = in->pixels[i * 3 + ch];
            if (!mask->pixels[i * 3]) outside_changed += pa != pi || pb != pi;
            else inside++, seed_diff += abs(pa - pb), edit_diff += abs(pa - pi);
        }
    printf("  inside the mask: mean |seed 1 - seed 2| %.1f, mean |edit - input| %.1f; outside: %ld values changed\n",
           seed_diff / inside, edit_diff / inside, outside_changed);
    CHECK(outside_changed == 0);
    /* a redrawn region of random codes differs by tens of levels; 2 = the
     * same codes decoded again */
    CHECKF(seed_diff / inside > 2 && edit_diff / inside > 2, "%.1f %.1f", seed_diff / inside, edit_diff / inside);
    char *grow[] = {"edit", "-m", DIR "/random", "--outpaint", "left=64,top=8", "-o", DIR "/grown.png", DIR "/in.png", "sea"};
    Image *g = NULL;
    CHECK(cmd_edit(9, grow) == 0 && pngio_read_file(DIR "/grown.png", 3, &g, NULL, &err) == 0);
    CHECK(g && g->width == 192 && g->height == 136 &&
          memcmp(g->pixels + ((size_t)8 * 192 + 64) * 3, in->pixels, 128 * 3) == 0);
    image_free(g);
    image_free(mask);
    image_free(in);
    image_free(a);
    image_free(b);
}

int main(void) {
    const char *make = getenv("HIRES_MAKE_MODEL");
    if (make) {
        int rc = make_model(make, 256, 6, 8, 1024, 1024, 0);
        printf("%s %s\n", rc ? "failed to write" : "wrote", make);
        return rc ? 1 : 0;
    }
    Error err = {0};
    if (make_model(DIR "/random", 32, 2, 4, 64, 64, 0.25f) != 0 || mini_load(&model, DIR "/random", 1, &err) != 0 ||
        vq_load(&vq, DIR "/random/vq.safetensors", NULL, NULL, &err) != 0) {
        printf("FAIL cannot make the random model: %s\n", err.message);
        return 1;
    }
    RUN(batched_feed_matches_one_by_one);
    RUN(one_window_is_the_plain_draw);
    RUN(large_grid_is_reproducible_and_complete);
    RUN(two_threads_draw_the_same_codes);
    RUN(tile_wrap_edge_is_no_worse_than_interior_seams);
    RUN(decode_of_one_tile_is_the_plain_decoder_cropped);
    RUN(edit_keeps_the_outside_and_redraws_the_inside);
    mini_free(model);
    vq_free(vq);
    return harness_finish();
}
