/* backend_llm.c — LG's EXAONE 3.0/3.5/4.0 text models (src/models/exaone.h)
 * behind chat and text completions: the model's own chat template
 * (tokenizer.json / tokenizer_config.json next to the weights), sampling
 * (src/models/sampler.h), UTF-8-safe detokenization, and KV-cache reuse of the
 * prompt prefix the slot saw last (a follow-up turn only pays for its new
 * tokens). An instance opened with a LoRA adapter (serve --lora) hooks it onto
 * its own copy of the model (exaone_lora.h); the weights themselves are the
 * same mmap'ed file pages as the plain instance's, so an adapter costs its
 * A/B matrices and the slot's KV cache, not a second model. */
#include "backend.h"

#include "../core/mem.h"
#include "../core/threadpool.h"
#include "../models/exaone.h"
#include "../models/exaone_lora.h"
#include "../models/sampler.h"
#include "../tokenizer/tokenizer.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* A server slot keeps at most this much context (the models allow far more,
 * at a KV-cache cost per slot). */
#define LLM_MAX_CTX 4096

typedef struct {
    ExaoneModel *m;
    ExaoneLora *lora; /* attached to m, or NULL */
    Tokenizer *tok;
    TokChatKind kind;
    ExaoneState *st;
    ThreadPool *pool;
    float *logits;
    int32_t *cached; /* the tokens in the KV cache */
    int n_cached;
    int32_t stop_ids[2];
    int n_stop_ids;
} LlmInst;

static void llm_close(void *p) {
    LlmInst *t = p;
    if (!t) return;
    if (t->pool) pool_free(t->pool);
    mem_free(t->logits);
    mem_free(t->cached);
    exaone_state_free(t->st);
    tok_free(t->tok);
    exaone_free(t->m);
    exaone_lora_free(t->lora);
    mem_free(t);
}

static int llm_open(void **inst, const char *path, const char *lora, int threads, Error *err) {
    LlmInst *t = mem_calloc(1, sizeof *t);
    if (!t) return error_set(err, "out of memory");
    int rc = -1;
    if (exaone_load(&t->m, path, err) != 0 || tok_load(&t->tok, path, err) != 0) goto done;
    if (lora && exaone_lora_attach_spec(&t->lora, lora, t->m, err) != 0) goto done;
    const char *tmpl = tok_chat_template(t->tok);
    if (tok_chat_kind(tmpl ? tmpl : t->m->cfg.arch == EXAONE_V4 ? "exaone4" : "exaone3", &t->kind, err) != 0) goto done;
    int ctx = t->m->cfg.max_ctx < LLM_MAX_CTX ? t->m->cfg.max_ctx : LLM_MAX_CTX;
    if (exaone_state_new(&t->st, t->m, ctx, DTYPE_F16, err) != 0) goto done;
    t->pool = pool_new(threads);
    t->logits = mem_alloc(sizeof(float) * (size_t)t->m->cfg.vocab);
    t->cached = mem_alloc(sizeof(int32_t) * (size_t)exaone_state_ctx(t->st));
    if (!t->pool || !t->logits || !t->cached) {
        error_set(err, "out of memory");
        goto done;
    }
    if (t->m->cfg.eos_id >= 0) t->stop_ids[t->n_stop_ids++] = t->m->cfg.eos_id;
    int32_t eot = tok_token_to_id(t->tok, "[|endofturn|]", 13);
    if (eot >= 0) t->stop_ids[t->n_stop_ids++] = eot;
    rc = 0;
done:
    if (rc != 0) llm_close(t);
    else *inst = t;
    return rc;
}

static void llm_size(void *p, int *w, int *h) { *w = *h = 0; }

static int is_stop(const LlmInst *t, int32_t id) {
    for (int i = 0; i < t->n_stop_ids; i++)
        if (t->stop_ids[i] == id) return 1;
    return 0;
}

/* Prefill (reusing the cached prefix), then sample until a stop token, the
 * context end or emit says stop. */
static int generate(LlmInst *t, const TokIds *ids, const BackendGenParams *gp, BackendEmit emit, void *user,
                    BackendUsage *usage, Error *err) {
    int n = (int)ids->n, ctx = exaone_state_ctx(t->st);
    usage->prompt_tokens = n;
    if (n < 1) {
        error_set(err, "the prompt is empty");
        return BACKEND_BAD_INPUT;
    }
    if (n >= ctx) {
        error_set(err, "the prompt has %d tokens; this server keeps a context of %d", n, ctx);
        return BACKEND_BAD_INPUT;
    }
    int keep = 0;
    while (keep < t->n_cached && keep < n && t->cached[keep] == ids->ids[keep]) keep++;
    if (keep == n) keep--; /* the last prompt token is fed again for its logits */
    exaone_state_rewind(t->st, keep);
    t->n_cached = keep;
    if (exaone_forward(t->st, t->pool, ids->ids + keep, n - keep, t->logits, 0, err) != 0) return -1;
    memcpy(t->cached + keep, ids->ids + keep, sizeof(int32_t) * (size_t)(n - keep));
    t->n_cached = n;
    SamplerParams sp = sampler_defaults();
    sp.temperature = gp->temperature;
    sp.top_p = gp->top_p;
    sp.top_k = 0;
    sp.min_p = 0;
    sp.repeat_penalty = 1;
    sp.seed = gp->seed;
    Sampler *s = sampler_new(&sp, t->m->cfg.vocab);
    if (!s) return error_set(err, "out of memory");
    TokStream stream = {0};
    TokBytes piece = {0};
    int rc = 0;
    for (int k = 0; k < gp->max_tokens; k++) {
        int32_t id = sampler_sample(s, t->logits, t->cached, t->n_cached);
        if (is_stop(t, id)) break;
        piece.len = 0;
        if (tok_stream_push(t->tok, &stream, id, &piece, err) != 0) {
            rc = -1;
            break;
        }
        if (emit(user, piece.data, (int)piece.len)) break;
        if (t->n_cached >= ctx) break;
        if (exaone_forward(t->st, t->pool, &id, 1, t->logits, 0, err) != 0) {
            rc = -1;
            break;
        }
        t->cached[t->n_cached++] = id;
    }
    piece.len = 0;
    if (rc == 0 && tok_stream_flush(&stream, &piece, err) == 0 && piece.len) emit(user, piece.data, (int)piece.len);
    tok_bytes_free(&piece);
    sampler_free(s);
    return rc;
}

static int llm_chat(void *p, const BackendMessage *msgs, int n, const BackendGenParams *gp, BackendEmit emit,
                    void *user, BackendUsage *usage, Error *err) {
    LlmInst *t = p;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n && arr; i++) {
        if (msgs[i].image) {
            cJSON_Delete(arr);
            error_set(err, "EXAONE text models do not read images (send images to exaone-mini)");
            return BACKEND_BAD_INPUT;
        }
        cJSON *o = cJSON_CreateObject();
        const char *role = strcmp(msgs[i].role, "developer") == 0 ? "system" : msgs[i].role;
        if (!o || !cJSON_AddStringToObject(o, "role", role) || !cJSON_AddStringToObject(o, "content", msgs[i].text)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *json = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    if (!json) return error_set(err, "out of memory");
    TokBytes prompt = {0};
    TokIds ids = {0};
    int rc = tok_chat_render(t->kind, json, strlen(json), NULL, 0, 1, -1, &prompt, err);
    cJSON_free(json);
    if (rc != 0) rc = BACKEND_BAD_INPUT; /* the template refuses this conversation */
    if (rc == 0) rc = tok_encode(t->tok, prompt.data, prompt.len, &ids, err);
    if (rc == 0) rc = generate(t, &ids, gp, emit, user, usage, err);
    tok_bytes_free(&prompt);
    tok_ids_free(&ids);
    return rc;
}

static int llm_complete(void *p, const char *prompt, const int32_t *pids, int n_pids, const BackendGenParams *gp,
                        BackendEmit emit, void *user, BackendUsage *usage, Error *err) {
    LlmInst *t = p;
    TokIds ids = {0};
    int rc = 0;
    for (int i = 0; pids && i < n_pids && rc == 0; i++) {
        if (pids[i] < 0 || pids[i] >= t->m->cfg.vocab) {
            error_set(err, "prompt token %d is not below the vocabulary size %d", (int)pids[i], t->m->cfg.vocab);
            rc = BACKEND_BAD_INPUT;
        } else if (tok_ids_push(&ids, pids[i]) != 0) {
            rc = error_set(err, "out of memory");
        }
    }
    if (!pids) rc = tok_encode(t->tok, prompt, strlen(prompt), &ids, err);
    if (rc == 0) rc = generate(t, &ids, gp, emit, user, usage, err);
    tok_ids_free(&ids);
    return rc;
}

const Backend backend_llm = {"exaone", llm_open, llm_close, llm_size, llm_chat, llm_complete, NULL, NULL, NULL, NULL,
                              NULL};
