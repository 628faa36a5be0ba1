/* Request parsing and validation (see request.h). */
#include "request.h"

#include "../core/mem.h"
#include "../formats/fmt_util.h"
#include "../formats/png.h"
#include "dataurl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_error(ApiError *e, int status, const char *type, const char *param, const char *code, const char *fmt, ...) {
    e->status = status;
    snprintf(e->type, sizeof e->type, "%s", type);
    snprintf(e->param, sizeof e->param, "%s", param ? param : "");
    snprintf(e->code, sizeof e->code, "%s", code ? code : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

int api_bad_param(ApiError *e, const char *param, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return api_error(e, 400, "invalid_request_error", param, "invalid_value", "%s", msg);
}

void api_limits_default(ApiLimits *l) {
    l->max_tokens = 2048;
    l->max_n = 8;
    l->max_messages = 256;
    l->max_text = 256 * 1024;
    l->max_image = 8u << 20;
    l->max_side = 2048;
}

void api_json_hooks(void) {
    cJSON_Hooks hooks = {mem_alloc, mem_free};
    cJSON_InitHooks(&hooks);
}

static const char *json_type_name(const cJSON *j) {
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsObject(j)) return "an object";
    return "null";
}

static int oom(ApiError *e);

static int parse_root(cJSON **root, const char *body, size_t len, ApiError *e) {
    *root = NULL;
    /* JSON text is UTF-8 (RFC 8259 section 8.1); cJSON would pass bad bytes through to the model. */
    size_t good = fmt_utf8_valid_prefix(body, len);
    if (good != len)
        return api_error(e, 400, "invalid_request_error", NULL, "invalid_json",
                         "The JSON body of your request is not valid UTF-8 text (bad or NUL byte at offset %zu).", good);
    long failures = mem_failures();
    *root = cJSON_ParseWithLength(body, len);
    if (!*root && mem_failures() != failures) return oom(e); /* cJSON says NULL for both */
    if (!*root) {
        const char *where = cJSON_GetErrorPtr();
        size_t off = where && where >= body && where <= body + len ? (size_t)(where - body) : 0;
        return api_error(e, 400, "invalid_request_error", NULL, "invalid_json",
                         "We could not parse the JSON body of your request (near byte %zu).", off);
    }
    if (!cJSON_IsObject(*root)) {
        cJSON_Delete(*root);
        *root = NULL;
        return api_error(e, 400, "invalid_request_error", NULL, "invalid_json", "The request body must be a JSON object.");
    }
    return 0;
}

/* A JSON value that must be an integer in [min, max]; name for messages. */
static int int_value(const cJSON *j, const char *name, int64_t min, int64_t max, int64_t *out, ApiError *e) {
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || floor(j->valuedouble) != j->valuedouble)
        return api_bad_param(e, name, "Invalid type for '%s': expected an integer, but got %s instead.", name,
                             cJSON_IsNumber(j) ? "a fraction" : json_type_name(j));
    if (j->valuedouble < (double)min || j->valuedouble > (double)max)
        return api_bad_param(e, name, "Invalid '%s': %.17g is out of range [%lld, %lld].", name, j->valuedouble,
                             (long long)min, (long long)max);
    *out = (int64_t)j->valuedouble;
    return 0;
}

/* Missing or null fields keep *out. */
static int get_int(const cJSON *o, const char *name, int64_t min, int64_t max, int64_t *out, ApiError *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!j || cJSON_IsNull(j)) return 0;
    return int_value(j, name, min, max, out, e);
}

static int get_float(const cJSON *o, const char *name, double min, double max, float *out, ApiError *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return api_bad_param(e, name, "Invalid type for '%s': expected a number, but got %s instead.", name,
                             json_type_name(j));
    if (j->valuedouble < min || j->valuedouble > max)
        return api_bad_param(e, name, "Invalid '%s': %g is out of range [%g, %g].", name, j->valuedouble, min, max);
    *out = (float)j->valuedouble;
    return 0;
}

static int get_bool(const cJSON *o, const char *name, int *out, ApiError *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsBool(j))
        return api_bad_param(e, name, "Invalid type for '%s': expected a boolean, but got %s instead.", name,
                             json_type_name(j));
    *out = cJSON_IsTrue(j);
    return 0;
}

static int get_string(const cJSON *o, const char *name, size_t max, const char **out, ApiError *e);

/* "explain" and "explain_method". */
static int get_explain(const cJSON *root, ExplainRequest *x, ApiError *e) {
    const char *method = NULL;
    snprintf(x->method, sizeof x->method, "attn");
    if (get_bool(root, "explain", &x->on, e) != 0 || get_string(root, "explain_method", 15, &method, e) != 0) return -1;
    if (method && strcmp(method, "attn") != 0 && strcmp(method, "rollout") != 0 && strcmp(method, "grad") != 0 &&
        strcmp(method, "occlusion") != 0 && strcmp(method, "shapley") != 0 &&
        strcmp(method, "partition") != 0)
        return api_bad_param(e, "explain_method", "Invalid 'explain_method': expected \"attn\", \"rollout\", \"grad\", "
                                                  "\"occlusion\", \"shapley\" or \"partition\".");
    if (method) snprintf(x->method, sizeof x->method, "%s", method);
    return 0;
}

/* *out stays NULL when missing; strings over max bytes are refused. */
static int get_string(const cJSON *o, const char *name, size_t max, const char **out, ApiError *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsString(j))
        return api_bad_param(e, name, "Invalid type for '%s': expected a string, but got %s instead.", name,
                             json_type_name(j));
    if (strlen(j->valuestring) > max)
        return api_bad_param(e, name, "Invalid '%s': longer than %zu bytes.", name, max);
    *out = j->valuestring;
    return 0;
}

/* "lora": NAME picks the entry "<model>+NAME" that serve --lora NAME=DIR added (with no
 * "model": "+NAME", the first entry carrying that adapter), so routes match one id. */
static int model_with_lora(char *model, size_t cap, const char *m, const char *lora, ApiError *e) {
    if (lora && (!lora[0] || strchr(lora, '+')))
        return api_bad_param(e, "lora", "Invalid 'lora': an adapter name (see GET /v1/models).");
    if (lora && strlen(m ? m : "") + 1 + strlen(lora) >= cap) return api_bad_param(e, "lora", "Invalid 'lora': too long.");
    snprintf(model, cap, "%s%s%s", m ? m : "", lora ? "+" : "", lora ? lora : "");
    return 0;
}

static int get_model(const cJSON *o, char *model, size_t cap, ApiError *e) {
    const char *m = NULL, *lora = NULL;
    if (get_string(o, "model", cap - 1, &m, e) != 0 || get_string(o, "lora", cap - 1, &lora, e) != 0) return -1;
    return model_with_lora(model, cap, m, lora, e);
}

static int dup_text(char **out, const char *s, ApiError *e) {
    *out = mem_strdup(s);
    return *out ? 0 : api_error(e, 503, "server_error", NULL, "out_of_memory", "The server is out of memory.");
}

static int oom(ApiError *e) {
    return api_error(e, 503, "server_error", NULL, "out_of_memory", "The server is out of memory.");
}

static int gen_parse(GenRequest *g, const cJSON *root, const ApiLimits *l, ApiError *e) {
    memset(g, 0, sizeof *g);
    int64_t v = l->max_tokens < 256 ? l->max_tokens : 256;
    g->temperature = 1.0f;
    g->top_p = 1.0f;
    if (get_model(root, g->model, sizeof g->model, e) != 0) return -1;
    if (get_int(root, "max_tokens", 1, l->max_tokens, &v, e) != 0) return -1;
    if (get_int(root, "max_completion_tokens", 1, l->max_tokens, &v, e) != 0) return -1;
    g->max_tokens = (int)v;
    v = 1;
    if (get_int(root, "n", 1, l->max_n, &v, e) != 0) return -1;
    g->n = (int)v;
    if (get_float(root, "temperature", 0, 2, &g->temperature, e) != 0) return -1;
    if (get_float(root, "top_p", 0, 1, &g->top_p, e) != 0) return -1;
    v = 0;
    const double lim = 9007199254740992.0; /* 2^53: exact in a JSON number */
    if (get_int(root, "seed", -(int64_t)lim, (int64_t)lim, &v, e) != 0) return -1;
    g->has_seed = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "seed"));
    g->seed = (uint64_t)v;
    if (get_bool(root, "stream", &g->stream, e) != 0) return -1;
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(root, "stream_options");
    if (so && !cJSON_IsNull(so)) {
        if (!cJSON_IsObject(so))
            return api_bad_param(e, "stream_options", "Invalid type for 'stream_options': expected an object.");
        if (!g->stream)
            return api_bad_param(e, "stream_options", "'stream_options' is only allowed when 'stream' is true.");
        if (get_bool(so, "include_usage", &g->include_usage, e) != 0) return -1;
    }
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(root, "stop");
    if (stop && !cJSON_IsNull(stop)) {
        if (cJSON_IsString(stop) || cJSON_IsArray(stop)) {
            int n = cJSON_IsString(stop) ? 1 : cJSON_GetArraySize(stop);
            if (n > REQ_MAX_STOP) return api_bad_param(e, "stop", "'stop' takes at most %d sequences.", REQ_MAX_STOP);
            for (int i = 0; i < n; i++) {
                const cJSON *s = cJSON_IsString(stop) ? stop : cJSON_GetArrayItem(stop, i);
                if (!cJSON_IsString(s)) return api_bad_param(e, "stop", "'stop' must be a string or an array of strings.");
                size_t sl = strlen(s->valuestring);
                if (sl == 0 || sl > REQ_MAX_STOP_LEN)
                    return api_bad_param(e, "stop", "each 'stop' sequence must have 1 to %d bytes.", REQ_MAX_STOP_LEN);
                memcpy(g->stop[g->n_stop++], s->valuestring, sl + 1);
            }
        } else {
            return api_bad_param(e, "stop", "Invalid type for 'stop': expected a string or an array of strings.");
        }
    }
    return 0;
}

/* PNG bytes -> RGBA, size-checked from the header before decoding. */
static int decode_image_bytes(const uint8_t *png, size_t size, const ApiLimits *l, Image **im, const char *param,
                              ApiError *e) {
    Error err = {0};
    int w, h, cap = l->max_side < REQ_MAX_IMAGE_SIDE ? l->max_side : REQ_MAX_IMAGE_SIDE;
    *im = NULL;
    if (pngio_probe(png, size, param, &w, &h, &err) != 0)
        return api_bad_param(e, param, "Invalid image in '%s': %s (PNG images only).", param, err.message);
    if (w > cap || h > cap) return api_bad_param(e, param, "Image %dx%d is larger than %dx%d.", w, h, cap, cap);
    long failures = mem_failures();
    if (pngio_decode(png, size, param, 4, im, NULL, &err) != 0)
        return mem_failures() != failures ? oom(e) /* libpng's own words would blame the image */
                                          : api_bad_param(e, param, "Invalid image in '%s': %s (PNG images only).",
                                                          param, err.message);
    return 0;
}

/* The RGB pixels the backends take: alpha composited over white. */
static int rgb_pixels(const Image *im, uint8_t **rgb, Error *err) {
    Image *c = image_convert(im, 3, IMAGE_WHITE, err);
    if (!c) return -1;
    *rgb = c->pixels;
    c->pixels = NULL;
    image_free(c);
    return 0;
}

static int decode_image_url(const char *url, const ApiLimits *l, BackendMessage *m, const char *param, ApiError *e) {
    Error err = {0};
    uint8_t *bytes;
    size_t n;
    char mime[64];
    long failures = mem_failures();
    if (dataurl_decode(url, strlen(url), l->max_image, mime, sizeof mime, &bytes, &n, &err) != 0)
        return mem_failures() != failures ? oom(e) : api_bad_param(e, param, "Invalid 'image_url': %s.", err.message);
    Image *im;
    int rc = decode_image_bytes(bytes, n, l, &im, param, e);
    mem_free(bytes);
    if (rc != 0) return -1;
    uint8_t *rgb;
    rc = rgb_pixels(im, &rgb, &err);
    m->image_w = im->width;
    m->image_h = im->height;
    image_free(im);
    if (rc != 0) return oom(e);
    m->image = rgb;
    return 0;
}

/* Appends s to a growing text (bounded by the request's text budget). */
static int append(char **text, size_t *len, const char *s, size_t *budget, ApiError *e) {
    size_t sl = strlen(s), need = *len + sl + 2;
    if (sl + 1 > *budget) return api_bad_param(e, "messages", "The messages hold more text than this server accepts.");
    *budget -= sl + 1;
    char *p = mem_realloc(*text, need);
    if (!p) return oom(e);
    if (*len) p[(*len)++] = '\n';
    memcpy(p + *len, s, sl + 1);
    *len += sl;
    *text = p;
    return 0;
}

static int parse_message(const cJSON *jm, int i, BackendMessage *m, const ApiLimits *l, size_t *budget, ApiError *e) {
    static const char *const roles[] = {"system", "user", "assistant", "developer", "tool"};
    char param[48];
    snprintf(param, sizeof param, "messages[%d]", i);
    if (!cJSON_IsObject(jm)) return api_bad_param(e, param, "Invalid type for '%s': expected an object.", param);
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(jm, "role");
    m->role = NULL;
    for (size_t r = 0; cJSON_IsString(role) && r < sizeof roles / sizeof *roles; r++)
        if (strcmp(role->valuestring, roles[r]) == 0) m->role = roles[r];
    if (!m->role)
        return api_bad_param(e, param, "Invalid '%s.role': expected one of system, user, assistant, developer, tool.",
                             param);
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(jm, "content");
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    if (cJSON_IsString(content)) {
        rc = append(&text, &len, content->valuestring, budget, e);
    } else if (cJSON_IsArray(content)) {
        int n = cJSON_GetArraySize(content);
        if (n > 64) return api_bad_param(e, param, "'%s.content' has more than 64 parts.", param);
        for (int k = 0; k < n && rc == 0; k++) {
            const cJSON *part = cJSON_GetArrayItem(content, k);
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
            char pp[80];
            snprintf(pp, sizeof pp, "%s.content[%d]", param, k);
            if (!cJSON_IsObject(part) || !cJSON_IsString(type)) {
                rc = api_bad_param(e, pp, "Invalid '%s': expected an object with a 'type'.", pp);
            } else if (strcmp(type->valuestring, "text") == 0) {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
                rc = cJSON_IsString(t) ? append(&text, &len, t->valuestring, budget, e)
                                       : api_bad_param(e, pp, "Invalid '%s.text': expected a string.", pp);
            } else if (strcmp(type->valuestring, "image_url") == 0) {
                const cJSON *iu = cJSON_GetObjectItemCaseSensitive(part, "image_url");
                const cJSON *url = cJSON_IsObject(iu) ? cJSON_GetObjectItemCaseSensitive(iu, "url") : iu;
                if (!cJSON_IsString(url)) rc = api_bad_param(e, pp, "Invalid '%s.image_url': expected {\"url\": string}.", pp);
                else if (m->image) rc = api_bad_param(e, pp, "Only one image per message is supported.");
                else rc = decode_image_url(url->valuestring, l, m, pp, e);
            } else {
                rc = api_bad_param(e, pp, "Unsupported content part type '%.40s' (text and image_url are).",
                                   type->valuestring);
            }
        }
    } else if (!(content == NULL || cJSON_IsNull(content)) || strcmp(m->role, "assistant") != 0) {
        rc = api_bad_param(e, param, "Invalid '%s.content': expected a string or an array of parts.", param);
    }
    if (rc == 0 && !text) rc = dup_text(&text, "", e);
    m->text = text;
    return rc;
}

static void free_messages(BackendMessage *msgs, int n) {
    for (int i = 0; i < n; i++) {
        mem_free((void *)msgs[i].text);
        mem_free((void *)msgs[i].image);
    }
    mem_free(msgs);
}

int chat_request_parse(ChatRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e) {
    memset(r, 0, sizeof *r);
    cJSON *root;
    if (parse_root(&root, body, len, e) != 0) return -1;
    int rc = gen_parse(&r->gen, root, l, e);
    if (rc == 0) rc = get_explain(root, &r->explain, e);
    if (rc == 0 && r->explain.on && r->gen.stream)
        rc = api_bad_param(e, "explain", "'explain' needs 'stream': false (the maps come with the whole answer).");
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (rc == 0 && !cJSON_IsArray(msgs))
        rc = api_bad_param(e, "messages", msgs ? "Invalid type for 'messages': expected an array."
                                               : "Missing required parameter: 'messages'.");
    int n = rc == 0 ? cJSON_GetArraySize(msgs) : 0;
    if (rc == 0 && (n < 1 || n > l->max_messages))
        rc = api_bad_param(e, "messages", "'messages' must have 1 to %d entries.", l->max_messages);
    if (rc == 0 && !(r->msgs = mem_calloc((size_t)n, sizeof *r->msgs))) rc = oom(e);
    size_t budget = l->max_text;
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = parse_message(cJSON_GetArrayItem(msgs, i), i, &r->msgs[i], l, &budget, e);
        r->n_msgs = i + 1;
    }
    cJSON_Delete(root);
    if (rc != 0) chat_request_free(r);
    return rc;
}

void chat_request_free(ChatRequest *r) {
    free_messages(r->msgs, r->n_msgs);
    memset(r, 0, sizeof *r);
}

static int completion_fail(CompletionRequest *r, cJSON *root, int rc) {
    cJSON_Delete(root);
    completion_request_free(r);
    return rc;
}

int completion_request_parse(CompletionRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e) {
    memset(r, 0, sizeof *r);
    cJSON *root;
    if (parse_root(&root, body, len, e) != 0) return -1;
    int rc = gen_parse(&r->gen, root, l, e);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "prompt");
    if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1 && cJSON_IsString(cJSON_GetArrayItem(p, 0)))
        p = cJSON_GetArrayItem(p, 0);
    if (rc == 0 && cJSON_IsArray(p)) {
        /* token ids, as OpenAI's API allows */
        int n = cJSON_GetArraySize(p);
        if (n < 1 || (size_t)n > l->max_text / 4)
            return completion_fail(r, root, api_bad_param(e, "prompt", "A token-id 'prompt' must have 1 to %zu ids.", l->max_text / 4));
        if (!(r->prompt_ids = mem_alloc((size_t)n * sizeof(int32_t)))) return completion_fail(r, root, oom(e));
        int64_t v = 0;
        for (const cJSON *it = p->child; it; it = it->next) {
            if (int_value(it, "prompt", 0, INT32_MAX, &v, e) != 0) return completion_fail(r, root, -1);
            r->prompt_ids[r->n_prompt_ids++] = (int32_t)v;
        }
    } else {
        if (rc == 0 && !cJSON_IsString(p))
            rc = api_bad_param(e, "prompt", p ? "Invalid 'prompt': expected a string or an array of token ids."
                                              : "Missing required parameter: 'prompt'.");
        if (rc == 0 && strlen(p->valuestring) > l->max_text)
            rc = api_bad_param(e, "prompt", "'prompt' is longer than %zu bytes.", l->max_text);
        if (rc == 0) rc = dup_text(&r->prompt, p->valuestring, e);
    }
    cJSON_Delete(root);
    if (rc != 0) completion_request_free(r);
    return rc;
}

void completion_request_free(CompletionRequest *r) {
    mem_free(r->prompt);
    mem_free(r->prompt_ids);
    memset(r, 0, sizeof *r);
}

static int parse_size(const char *s, const ApiLimits *l, int *w, int *h, ApiError *e) {
    if (strcmp(s, "auto") == 0) {
        *w = *h = l->max_side < 512 ? l->max_side : 512;
        return 0;
    }
    unsigned a, b;
    char tail;
    if (sscanf(s, "%5ux%5u%c", &a, &b, &tail) != 2 || a < 16 || b < 16 || a > (unsigned)l->max_side ||
        b > (unsigned)l->max_side)
        return api_bad_param(e, "size", "Invalid 'size' '%.20s': expected WIDTHxHEIGHT, each 16 to %d, or 'auto'.", s,
                             l->max_side);
    *w = (int)a;
    *h = (int)b;
    return 0;
}

static int image_common(ImageRequest *r, const char *prompt, const char *size, const char *format, int64_t n,
                        int64_t seed, int has_seed, const ApiLimits *l, ApiError *e) {
    if (!prompt) return api_bad_param(e, "prompt", "Missing required parameter: 'prompt'.");
    if (strlen(prompt) > 4000) return api_bad_param(e, "prompt", "'prompt' is longer than 4000 bytes.");
    if (format && strcmp(format, "b64_json") != 0)
        return api_bad_param(e, "response_format",
                             "Invalid 'response_format' '%.20s': this server returns 'b64_json' only (it stores no "
                             "files to link to).",
                             format);
    r->width = r->height = l->max_side < 512 ? l->max_side : 512;
    if (size && parse_size(size, l, &r->width, &r->height, e) != 0) return -1;
    r->n = (int)n;
    r->seed = (uint64_t)seed;
    r->has_seed = has_seed;
    return dup_text(&r->prompt, prompt, e);
}

int image_request_parse(ImageRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e) {
    memset(r, 0, sizeof *r);
    cJSON *root;
    if (parse_root(&root, body, len, e) != 0) return -1;
    const char *prompt = NULL, *size = NULL, *format = NULL;
    int64_t n = 1, seed = 0;
    int rc = get_model(root, r->model, sizeof r->model, e);
    if (rc == 0) rc = get_string(root, "prompt", 1 << 20, &prompt, e);
    if (rc == 0) rc = get_string(root, "size", 64, &size, e);
    if (rc == 0) rc = get_string(root, "response_format", 64, &format, e);
    if (rc == 0) rc = get_int(root, "n", 1, 10, &n, e);
    if (rc == 0) rc = get_int(root, "seed", 0, (int64_t)1 << 53, &seed, e);
    if (rc == 0) rc = get_bool(root, "tile", &r->tile, e);
    if (rc == 0) rc = get_explain(root, &r->explain, e);
    if (rc == 0)
        rc = image_common(r, prompt, size, format, n, seed, cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "seed")),
                          l, e);
    cJSON_Delete(root);
    if (rc != 0) image_request_free(r);
    return rc;
}

/* A text field of a multipart form as a NUL-terminated copy in buf. */
static const char *form_text(const Multipart *mp, const char *name, char *buf, size_t cap, ApiError *e, int *rc) {
    const MultipartPart *p = multipart_get(mp, name);
    if (!p || *rc) return NULL;
    if (p->len >= cap) {
        *rc = api_bad_param(e, name, "'%s' is longer than %zu bytes.", name, cap - 1);
        return NULL;
    }
    memcpy(buf, p->data, p->len);
    buf[p->len] = 0;
    size_t good = fmt_utf8_valid_prefix(buf, p->len);
    if (strlen(buf) != p->len) *rc = api_bad_param(e, name, "'%s' contains a NUL byte.", name);
    else if (good != p->len) *rc = api_bad_param(e, name, "'%s' is not valid UTF-8 (byte offset %zu).", name, good);
    return buf;
}

static int form_int(const Multipart *mp, const char *name, int64_t min, int64_t max, int64_t *out, ApiError *e) {
    char buf[32];
    int rc = 0;
    const char *s = form_text(mp, name, buf, sizeof buf, e, &rc);
    if (rc || !s) return rc;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return api_bad_param(e, name, "Invalid '%s': expected an integer in [%lld, %lld].", name, (long long)min,
                             (long long)max);
    *out = v;
    return 0;
}

int edit_request_parse(ImageRequest *r, const Multipart *mp, const ApiLimits *l, ApiError *e) {
    memset(r, 0, sizeof *r);
    char prompt[4002], size[65], format[65], model[128], lora[128];
    int rc = 0;
    const char *p = form_text(mp, "prompt", prompt, sizeof prompt, e, &rc);
    const char *s = form_text(mp, "size", size, sizeof size, e, &rc);
    const char *f = form_text(mp, "response_format", format, sizeof format, e, &rc);
    const char *m = form_text(mp, "model", model, sizeof model, e, &rc);
    const char *lo = form_text(mp, "lora", lora, sizeof lora, e, &rc);
    int64_t n = 1, seed = 0;
    if (rc == 0) rc = form_int(mp, "n", 1, 10, &n, e);
    if (rc == 0) rc = form_int(mp, "seed", 0, (int64_t)1 << 53, &seed, e);
    if (rc == 0) rc = image_common(r, p, s, f, n, seed, multipart_get(mp, "seed") != NULL, l, e);
    if (rc == 0) rc = model_with_lora(r->model, sizeof r->model, m, lo, e);
    const MultipartPart *ip = multipart_get(mp, "image");
    if (!ip) ip = multipart_get(mp, "image[]");
    if (rc == 0 && !ip) rc = api_bad_param(e, "image", "Missing required parameter: 'image'.");
    Image *im = NULL, *mask = NULL;
    if (rc == 0) rc = decode_image_bytes((const uint8_t *)ip->data, ip->len, l, &im, "image", e);
    const MultipartPart *mpart = multipart_get(mp, "mask");
    if (rc == 0 && mpart) {
        rc = decode_image_bytes((const uint8_t *)mpart->data, mpart->len, l, &mask, "mask", e);
        if (rc == 0 && (mask->width != im->width || mask->height != im->height))
            rc = api_bad_param(e, "mask", "The mask (%dx%d) must have the image's size (%dx%d).", mask->width,
                               mask->height, im->width, im->height);
    }
    if (rc == 0) {
        /* OpenAI's convention: fully transparent pixels (of the mask, else the image) are redrawn. */
        const Image *a = mpart ? mask : im;
        size_t np = (size_t)im->width * im->height;
        Error err = {0};
        r->keep = mem_alloc(np);
        if (!r->keep || rgb_pixels(im, &r->image, &err) != 0) rc = oom(e);
        for (size_t i = 0; rc == 0 && i < np; i++) r->keep[i] = a->pixels[i * 4 + 3] != 0;
        r->image_w = im->width;
        r->image_h = im->height;
        if (!s) { /* edits default to the input's size */
            r->width = im->width;
            r->height = im->height;
        }
    }
    image_free(im);
    image_free(mask);
    if (rc != 0) image_request_free(r);
    return rc;
}

void image_request_free(ImageRequest *r) {
    mem_free(r->prompt);
    mem_free(r->image);
    mem_free(r->keep);
    memset(r, 0, sizeof *r);
}

static int parse_lang(const char *s, int *out) {
    if (strcmp(s, "ko") == 0) *out = BACKEND_LANG_KO;
    else if (strcmp(s, "en") == 0) *out = BACKEND_LANG_EN;
    else return -1;
    return 0;
}

int translate_request_parse(TranslateRequest *r, const char *body, size_t len, const ApiLimits *l, ApiError *e) {
    memset(r, 0, sizeof *r);
    r->target = -1;
    cJSON *root;
    if (parse_root(&root, body, len, e) != 0) return -1;
    const char *target = NULL;
    int rc = get_model(root, r->model, sizeof r->model, e);
    if (rc == 0) rc = get_string(root, "target", 8, &target, e);
    if (rc == 0 && target && parse_lang(target, &r->target) != 0)
        rc = api_bad_param(e, "target", "Invalid 'target': expected \"ko\" or \"en\".");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "text");
    int n = cJSON_IsString(t) ? 1 : cJSON_IsArray(t) ? cJSON_GetArraySize(t) : -1;
    if (rc == 0 && (n < 1 || n > REQ_MAX_TRANSLATE))
        rc = api_bad_param(e, "text", "'text' must be a string or an array of 1 to %d strings.", REQ_MAX_TRANSLATE);
    size_t budget = l->max_text;
    for (int i = 0; rc == 0 && i < n; i++) {
        const cJSON *s = cJSON_IsString(t) ? t : cJSON_GetArrayItem(t, i);
        if (!cJSON_IsString(s)) rc = api_bad_param(e, "text", "'text[%d]' must be a string.", i);
        else if (strlen(s->valuestring) > 4000 || strlen(s->valuestring) > budget)
            rc = api_bad_param(e, "text", "'text[%d]' is too long (4000 bytes at most).", i);
        else {
            budget -= strlen(s->valuestring);
            rc = dup_text(&r->texts[i], s->valuestring, e);
            r->n = i + 1;
        }
    }
    cJSON_Delete(root);
    if (rc != 0) translate_request_free(r);
    return rc;
}

void translate_request_free(TranslateRequest *r) {
    for (int i = 0; i < r->n; i++) mem_free(r->texts[i]);
    memset(r, 0, sizeof *r);
}
