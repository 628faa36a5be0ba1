/* backend_test.c — a deterministic stand-in model for protocol tests and
 * benchmarks of the HTTP layer (`exaone serve --backend test`). It is NOT a
 * model: it echoes, paints patterns from a hash of the prompt and describes
 * images by their size and mean colour, so API tests can check exact
 * results without a trained network. Replies are emitted two bytes at a
 * time, so Korean syllables (three bytes) always straddle pieces, as real
 * byte-level BPE tokens do. EXAONE_TEST_DELAY_MS (default 2) sleeps per
 * piece to make streams and queues observable. */
#include "backend.h"

#include "../core/mem.h"
#include "../formats/png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIDE 64

typedef struct {
    int delay_ms;
} TestInst;

static int t_open(void **inst, const char *path, const char *lora, int threads, Error *err) {
    TestInst *t = mem_alloc(sizeof *t);
    if (!t) return error_set(err, "out of memory");
    const char *d = getenv("EXAONE_TEST_DELAY_MS");
    t->delay_ms = d ? atoi(d) : 2;
    *inst = t;
    return 0;
}

static void t_close(void *inst) { mem_free(inst); }

static void t_size(void *inst, int *w, int *h) { *w = *h = SIDE; }

static void nap(const TestInst *t) {
    if (t->delay_ms <= 0) return;
    struct timespec ts = {t->delay_ms / 1000, (long)(t->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t fnv1a(const char *s, uint64_t h) {
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Emits text in two-byte pieces; returns 1 when the server said stop. */
static int emit_pieces(const TestInst *t, const char *text, BackendEmit emit, void *user, int max_tokens) {
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += 2) {
        nap(t);
        if (emit(user, text + i, n - i >= 2 ? 2 : 1)) return 1;
        if ((int)(i / 2) + 1 >= max_tokens) return 1;
    }
    return 0;
}

static void describe(const uint8_t *rgb, int w, int h, int lang, char *out, size_t cap) {
    unsigned long sum[3] = {0, 0, 0};
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int k = 0; k < 3; k++) sum[k] += rgb[i * 3 + k];
    size_t n = (size_t)w * h;
    if (!n) n = 1;
    if (lang == BACKEND_LANG_KO)
        snprintf(out, cap, "%dx%d 그림, 평균 색 #%02lx%02lx%02lx", w, h, sum[0] / n, sum[1] / n, sum[2] / n);
    else
        snprintf(out, cap, "a %dx%d picture, mean colour #%02lx%02lx%02lx", w, h, sum[0] / n, sum[1] / n, sum[2] / n);
}

static int t_chat(void *inst, const BackendMessage *msgs, int n, const BackendGenParams *p, BackendEmit emit,
                  void *user, BackendUsage *usage, Error *err) {
    const BackendMessage *last = &msgs[n - 1];
    for (int i = n - 1; i >= 0; i--)
        if (strcmp(msgs[i].role, "user") == 0) {
            last = &msgs[i];
            break;
        }
    size_t cap = strlen(last->text) + 128;
    char *reply = mem_alloc(cap);
    if (!reply) return error_set(err, "out of memory");
    if (last->image) describe(last->image, last->image_w, last->image_h, backend_detect_lang(last->text), reply, cap);
    else snprintf(reply, cap, "echo: %s", last->text);
    usage->prompt_tokens = 0;
    for (int i = 0; i < n; i++) usage->prompt_tokens += (int)(strlen(msgs[i].text) + 1) / 2;
    emit_pieces(inst, reply, emit, user, p->max_tokens);
    mem_free(reply);
    return 0;
}

static int t_complete(void *inst, const char *prompt, const int32_t *ids, int n_ids, const BackendGenParams *p,
                      BackendEmit emit, void *user, BackendUsage *usage, Error *err) {
    usage->prompt_tokens = ids ? n_ids : (int)(strlen(prompt) + 1) / 2;
    emit_pieces(inst, " and so on", emit, user, p->max_tokens);
    return 0;
}

static int t_draw(void *inst, const char *prompt, uint64_t seed, uint8_t **rgb, Error *err) {
    uint64_t h = fnv1a(prompt, 0xcbf29ce484222325ull ^ seed);
    uint8_t *p = mem_alloc(SIDE * SIDE * 3);
    if (!p) return error_set(err, "out of memory");
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            uint8_t *o = p + ((size_t)y * SIDE + x) * 3;
            int check = ((x / 8) + (y / 8)) & 1;
            o[0] = (uint8_t)((h & 0xFF) ^ (uint8_t)(x * 4));
            o[1] = (uint8_t)(((h >> 8) & 0xFF) ^ (uint8_t)(y * 4));
            o[2] = check ? (uint8_t)(h >> 16) : (uint8_t)(h >> 24);
        }
    nap(inst);
    *rgb = p;
    return 0;
}

static int t_inpaint(void *inst, const char *prompt, const uint8_t *rgb, const uint8_t *keep, uint64_t seed,
                     uint8_t **out, Error *err) {
    uint8_t *drawn;
    if (t_draw(inst, prompt, seed, &drawn, err) != 0) return -1;
    for (size_t i = 0; i < SIDE * SIDE; i++)
        if (keep[i]) memcpy(drawn + i * 3, rgb + i * 3, 3);
    *out = drawn;
    return 0;
}

static int t_caption(void *inst, const uint8_t *rgb, int w, int h, int lang, char **text, Error *err) {
    char buf[128];
    describe(rgb, w, h, lang, buf, sizeof buf);
    *text = mem_strdup(buf);
    return *text ? 0 : error_set(err, "out of memory");
}

static int t_translate(void *inst, const char *text, int target_lang, char **out, Error *err) {
    size_t n = strlen(text) + 8;
    *out = mem_alloc(n);
    if (!*out) return error_set(err, "out of memory");
    snprintf(*out, n, "[%s] %s", target_lang == BACKEND_LANG_KO ? "ko" : "en", text);
    return 0;
}

/* One 8x8 map per space-separated word: word k's cell (k % 8, k / 8) red,
 * the rest blue, so protocol tests can tell the words' maps apart. */
static int t_explain(void *inst, const uint8_t *rgb, int w, int h, const char *text, int draw, const char *method,
                     BackendWordMap **maps, int *n, Error *err) {
    int count = 0, cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ' ';
    BackendWordMap *m = mem_calloc((size_t)cap, sizeof *m);
    Image *img = image_new(8, 8, 3, err);
    if (!m || !img) {
        mem_free(m);
        image_free(img);
        return error_set(err, "out of memory");
    }
    for (const char *p = text; *p && count < cap;) {
        size_t len = strcspn(p, " ");
        if (len) {
            for (int i = 0; i < 64; i++) {
                int hot = i == (count % 8) + 8 * ((count / 8) % 8);
                img->pixels[i * 3] = hot ? 255 : 0;
                img->pixels[i * 3 + 1] = 0;
                img->pixels[i * 3 + 2] = hot ? 0 : 255;
            }
            m[count].word = mem_strndup(p, len);
            if (!m[count].word || pngio_encode(img, NULL, 0, &m[count].png, &m[count].png_len, err) != 0) {
                backend_word_maps_free(m, count + 1);
                image_free(img);
                return error_set(err, "out of memory");
            }
            count++;
        }
        p += len + (p[len] == ' ');
    }
    image_free(img);
    *maps = m;
    *n = count;
    return 0;
}

const Backend backend_test = {"test", t_open, t_close, t_size, t_chat, t_complete, t_draw, t_inpaint, t_caption,
                              t_translate, t_explain};
