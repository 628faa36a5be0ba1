/* request.h — the API's request bodies, parsed and checked before any model
 * sees them. Every field is type-checked and bounded by ApiLimits; anything
 * wrong becomes an ApiError (HTTP 400 with the offending `param`), never a
 * crash or an allocation sized by the request. Unknown fields are ignored,
 * as OpenAI's own server does.
 */
#ifndef EXAONE_SERVER_REQUEST_H
#define EXAONE_SERVER_REQUEST_H

#include "backend.h"
#include "multipart.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int status;        /* HTTP status */
    char type[40];     /* invalid_request_error, authentication_error, ... */
    char param[48];    /* "" when none */
    char code[48];     /* "" when none */
    char message[512];
} ApiError;

/* Fills e and returns -1. */
int api_error(ApiError *e, int status, const char *type, const char *param, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* 400 invalid_request_error about one field. */
int api_bad_param(ApiError *e, const char *param, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

typedef struct {
    int max_tokens;       /* cap on max_tokens (and its default) */
    int max_n;            /* chat/completions n */
    int max_messages;
    size_t max_text;      /* bytes of all text of one request */
    size_t max_image;     /* decoded bytes of one image */
    int max_side;         /* images: width and height */
} ApiLimits;

void api_limits_default(ApiLimits *l);
/* Routes cJSON's allocations through mem_alloc (src/core/mem.h), so parsing a
 * request obeys the fault injection like the rest of the server. Process-wide. */
void api_json_hooks(void);

/* Uploaded images over this per side are refused from their PNG header,
 * before any pixels are allocated, whatever max_side says. */
#define REQ_MAX_IMAGE_SIDE 4096
#define REQ_MAX_STOP 4
#define REQ_MAX_STOP_LEN 64

typedef struct {
    char model[128];
    int max_tokens, n, stream, include_usage, has_seed;
    float temperature, top_p;
    uint64_t seed;
    char stop[REQ_MAX_STOP][REQ_MAX_STOP_LEN + 1];
    int n_stop;
} GenRequest;

/* Our extension of image and chat requests: "explain": true asks for a heat
 * map per word (mini_explain.h), "explain_method": "attn" (default),
 * "rollout" or "grad". */
typedef struct {
    int on;
    char method[16];
} ExplainRequest;

typedef struct {
    GenRequest gen;
    BackendMessage *msgs; /* texts and RGB images owned here */
    int n_msgs;
    ExplainRequest explain; /* maps of the caption of the last user message's image */
} ChatRequest;

typedef struct {
    GenRequest gen;
    char *prompt;       /* text, or NULL when the prompt is token ids */
    int32_t *prompt_ids;
    int n_prompt_ids;
} CompletionRequest;

typedef struct {
    char model[128];
    char *prompt;
    int n, width, height, tile, has_seed;
    uint64_t seed;
    ExplainRequest explain;
    /* edits only: the image (RGB at its own size) and what to keep (1) or redraw (0) */
    uint8_t *image, *keep;
    int image_w, image_h;
} ImageRequest;

#define REQ_MAX_TRANSLATE 16

typedef struct {
    char model[128];
    char *texts[REQ_MAX_TRANSLATE];
    int n, target; /* BACKEND_LANG_* or -1 (the other language of each text) */
} TranslateRequest;

int chat_request_parse(ChatRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e);
void chat_request_free(ChatRequest *r);
int completion_request_parse(CompletionRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e);
void completion_request_free(CompletionRequest *r);
int image_request_parse(ImageRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e);
/* /v1/images/edits: fields image, mask (optional: the image's alpha is the
 * mask then), prompt, n, size, seed, response_format. */
int edit_request_parse(ImageRequest *r, const Multipart *mp, const ApiLimits *l, ApiError *e);
void image_request_free(ImageRequest *r);
int translate_request_parse(TranslateRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e);
void translate_request_free(TranslateRequest *r);

#endif
