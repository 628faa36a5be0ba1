/* backend.h — what `exaone serve` asks of a model, whatever model it is.
 *
 * A backend is a table of function pointers plus per-slot instances: the
 * server opens one instance per worker slot (--parallel), so an instance is
 * only ever used by one thread at a time and needs no locking. A model that
 * cannot do something leaves the pointer NULL and the route answers 400
 * ("model X does not support ...").
 *
 * Text generation streams: the backend calls emit(user, bytes, n) for every
 * piece it produces (bytes may split a UTF-8 character; the server reassembles
 * them) and stops as soon as emit returns non-zero (client gone, timeout,
 * stop string, max_tokens). Images travel as RGB bytes at the model's own
 * size; the server resizes, tiles and PNG-encodes them.
 *
 * Backends: backend_mini.c (EXAONE-mini, the default), backend_llm.c (EXAONE
 * 3.x/4.0 text models, added with -m) and backend_test.c (a
 * deterministic stand-in for protocol tests, only behind `--backend test`).
 */
#ifndef EXAONE_SERVER_BACKEND_H
#define EXAONE_SERVER_BACKEND_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

enum { BACKEND_LANG_KO = 0, BACKEND_LANG_EN = 1 };

/* Returned by a backend when the request itself is at fault (prompt longer
 * than the context, an image for a text-only model): the route answers 400. */
#define BACKEND_BAD_INPUT (-2)

typedef int (*BackendEmit)(void *user, const char *bytes, int n);

typedef struct {
    const char *role; /* system, user, assistant, developer, tool */
    const char *text; /* the message's text parts joined by '\n' (may be "") */
    /* the first image part, decoded (RGB, w x h), or NULL */
    const uint8_t *image;
    int image_w, image_h;
} BackendMessage;

typedef struct {
    int max_tokens;
    float temperature, top_p;
    uint64_t seed;
} BackendGenParams;

typedef struct {
    int prompt_tokens, completion_tokens;
} BackendUsage;

/* One word of an explanation: its text and a PNG of its heat map over the picture. */
typedef struct {
    char *word;
    uint8_t *png;
    size_t png_len;
} BackendWordMap;

void backend_word_maps_free(BackendWordMap *maps, int n);

typedef struct {
    const char *kind; /* "test" or "mini": for logs and /v1/models owned_by */
    /* lora: "DIR[:SCALE]" of a PEFT adapter to apply to this instance, or NULL */
    int (*open)(void **inst, const char *path, const char *lora, int threads, Error *err);
    void (*close)(void *inst);
    /* The model's own image size (what draw returns). */
    void (*image_size)(void *inst, int *w, int *h);
    int (*chat)(void *inst, const BackendMessage *msgs, int n, const BackendGenParams *p, BackendEmit emit,
                void *user, BackendUsage *usage, Error *err);
    /* prompt text, or (ids != NULL) token ids as OpenAI's API allows */
    int (*complete)(void *inst, const char *prompt, const int32_t *ids, int n_ids, const BackendGenParams *p,
                    BackendEmit emit, void *user, BackendUsage *usage, Error *err);
    /* rgb: the model's size, mem_alloc'd. */
    int (*draw)(void *inst, const char *prompt, uint64_t seed, uint8_t **rgb, Error *err);
    /* Redraws the pixels where keep[i] == 0 (image and keep at the model's size). */
    int (*inpaint)(void *inst, const char *prompt, const uint8_t *rgb, const uint8_t *keep, uint64_t seed,
                   uint8_t **out, Error *err);
    int (*caption)(void *inst, const uint8_t *rgb, int w, int h, int lang, char **text, Error *err);
    int (*translate)(void *inst, const char *text, int target_lang, char **out, Error *err);
    /* Word <-> image-region maps (src/models/mini_explain.h) of text against
     * the picture rgb (w x h): draw = 1 when rgb was drawn (or inpainted) from
     * the prompt text, 0 when text is a caption of it. method: "attn",
     * "rollout" or "grad". *maps: n words, backend_word_maps_free them. */
    int (*explain)(void *inst, const uint8_t *rgb, int w, int h, const char *text, int draw, const char *method,
                   BackendWordMap **maps, int *n, Error *err);
} Backend;

extern const Backend backend_test;
extern const Backend backend_mini;
extern const Backend backend_llm;

/* Korean when the text has a Hangul syllable. */
int backend_detect_lang(const char *text);

#endif
