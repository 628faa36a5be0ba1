/* Text routes: POST /v1/chat/completions, /v1/completions (OpenAI shapes,
 * SSE streaming) and our POST /v1/translations (docs/server.md). */
#include "server_internal.h"

#include "../core/mem.h"
#include "metrics.h"
#include "textsink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Server *s;
    ServerModel *model;
    int chat; /* chat.completion vs text_completion */
    ChatRequest chat_req;
    CompletionRequest comp_req;
    const GenRequest *gen;
    char id[64];
    long created;
    /* results, per choice */
    char *texts[16];
    const char *finish[16];
    BackendWordMap *maps[16]; /* "explain": the caption's words over the image */
    int n_maps[16];
    const BackendMessage *explained; /* the last user message (with its image) when explaining */
    BackendUsage usage;
    int failed;
    Error err;
    /* the choice being generated */
    Job *job;
    TextSink sink;
    int index, tokens;
} GenCtx;

static void gen_free(void *p) {
    GenCtx *g = p;
    if (!g) return;
    for (int i = 0; i < 16; i++) {
        mem_free(g->texts[i]);
        backend_word_maps_free(g->maps[i], g->n_maps[i]);
    }
    textsink_free(&g->sink);
    chat_request_free(&g->chat_req);
    completion_request_free(&g->comp_req);
    mem_free(g);
}

static cJSON *chunk_base(GenCtx *g) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", g->id);
    cJSON_AddStringToObject(o, "object", g->chat ? "chat.completion.chunk" : "text_completion");
    cJSON_AddNumberToObject(o, "created", (double)g->created);
    cJSON_AddStringToObject(o, "model", g->model->id);
    cJSON_AddStringToObject(o, "system_fingerprint", "exaone.c");
    return o;
}

static cJSON *usage_json(const BackendUsage *u) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "prompt_tokens", u->prompt_tokens);
    cJSON_AddNumberToObject(o, "completion_tokens", u->completion_tokens);
    cJSON_AddNumberToObject(o, "total_tokens", u->prompt_tokens + u->completion_tokens);
    return o;
}

/* One SSE event: "data: JSON\n\n" (json consumed). */
static void send_event(GenCtx *g, cJSON *json) {
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text) {
        atomic_store(&g->job->cancel, 1);
        return;
    }
    if (job_write(g->job, "data: ", 6) != 0 || job_write(g->job, text, strlen(text)) != 0 ||
        job_write(g->job, "\n\n", 2) != 0)
        atomic_store(&g->job->cancel, 1);
    cJSON_free(text);
}

/* A chunk for the current choice: text (may be NULL), finish reason (may be NULL). */
static void send_chunk(GenCtx *g, const char *text, size_t len, const char *finish, int first) {
    cJSON *o = chunk_base(g), *choices = cJSON_AddArrayToObject(o, "choices"), *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "index", g->index);
    char *t = text ? mem_strndup(text, len) : NULL;
    if (g->chat) {
        cJSON *delta = cJSON_AddObjectToObject(c, "delta");
        if (first) cJSON_AddStringToObject(delta, "role", "assistant");
        if (t || first) cJSON_AddStringToObject(delta, "content", t ? t : "");
    } else {
        cJSON_AddStringToObject(c, "text", t ? t : "");
    }
    mem_free(t);
    cJSON_AddNullToObject(c, "logprobs");
    if (finish) cJSON_AddStringToObject(c, "finish_reason", finish);
    else cJSON_AddNullToObject(c, "finish_reason");
    cJSON_AddItemToArray(choices, c);
    if (g->gen->include_usage) cJSON_AddNullToObject(o, "usage");
    send_event(g, o);
}

static void flush_safe(GenCtx *g) {
    if (!g->gen->stream || g->sink.safe <= g->sink.sent) return;
    send_chunk(g, g->sink.text + g->sink.sent, g->sink.safe - g->sink.sent, NULL, 0);
    g->sink.sent = g->sink.safe;
}

static int gen_emit(void *user, const char *bytes, int n) {
    GenCtx *g = user;
    Job *job = g->job;
    if (atomic_load(&job->cancel)) return 1;
    if (job->deadline && slots_now() > job->deadline) {
        job->timed_out = 1;
        return 1;
    }
    g->tokens++;
    int done = n > 0 && textsink_push(&g->sink, bytes, (size_t)n);
    flush_safe(g);
    return done || g->tokens >= g->gen->max_tokens;
}

static void gen_run(Job *job, int slot) {
    GenCtx *g = job->ctx;
    const Backend *b = g->model->backend;
    void *inst = g->model->inst[slot];
    g->job = job;
    for (int i = 0; i < g->gen->n && !atomic_load(&job->cancel); i++) {
        g->index = i;
        g->tokens = 0;
        textsink_init(&g->sink, g->gen->stop, g->gen->n_stop);
        BackendGenParams p = {g->gen->max_tokens, g->gen->temperature, g->gen->top_p, g->gen->seed + (uint64_t)i};
        if (!g->gen->has_seed) p.seed = (uint64_t)slots_now() * 1000003u + (uint64_t)i;
        BackendUsage u = {0, 0};
        if (g->gen->stream) send_chunk(g, NULL, 0, NULL, g->chat);
        int rc = g->chat ? b->chat(inst, g->chat_req.msgs, g->chat_req.n_msgs, &p, gen_emit, g, &u, &g->err)
                         : b->complete(inst, g->comp_req.prompt, g->comp_req.prompt_ids, g->comp_req.n_prompt_ids, &p,
                                       gen_emit, g, &u, &g->err);
        textsink_finish(&g->sink);
        flush_safe(g);
        if (rc != 0) {
            g->failed = rc == BACKEND_BAD_INPUT ? 2 : 1;
            break;
        }
        const char *finish = g->sink.stopped ? "stop" : (g->tokens >= g->gen->max_tokens || g->sink.full) ? "length"
                                                                                                           : "stop";
        if (job->timed_out) finish = "length";
        g->finish[i] = finish;
        u.completion_tokens = g->tokens;
        g->usage.prompt_tokens = u.prompt_tokens; /* the same prompt for every choice */
        g->usage.completion_tokens += g->tokens;
        if (g->gen->stream) send_chunk(g, NULL, 0, finish, 0);
        g->texts[i] = g->sink.text ? g->sink.text : mem_strdup("");
        g->sink.text = NULL;
        const BackendMessage *x = g->explained;
        if (x && g->texts[i] && g->texts[i][0] &&
            (rc = b->explain(inst, x->image, x->image_w, x->image_h, g->texts[i], 0, g->chat_req.explain.method,
                             &g->maps[i], &g->n_maps[i], &g->err)) != 0) {
            g->failed = rc == BACKEND_BAD_INPUT ? 2 : 1;
            break;
        }
    }
    metrics_tokens(g->usage.prompt_tokens, g->usage.completion_tokens);
    if (!g->gen->stream) return;
    if (g->failed || job->timed_out) {
        ApiError e;
        if (g->failed) server_backend_error(&e, g->failed == 2 ? BACKEND_BAD_INPUT : -1, &g->err);
        else api_error(&e, 504, "server_error", NULL, "timeout", "The request took longer than the server's --timeout.");
        cJSON *o = cJSON_CreateObject(), *eo = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(eo, "message", e.message);
        cJSON_AddStringToObject(eo, "type", e.type);
        cJSON_AddNullToObject(eo, "param");
        cJSON_AddStringToObject(eo, "code", e.code);
        send_event(g, o);
    } else if (g->gen->include_usage) {
        cJSON *o = chunk_base(g);
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(o, "usage", usage_json(&g->usage));
        send_event(g, o);
    }
    if (job_write(job, "data: [DONE]\n\n", 14) != 0) atomic_store(&job->cancel, 1);
}

static MhdResult gen_respond(Server *s, struct MHD_Connection *mc, Conn *c, GenCtx *g) {
    ApiError e;
    Job *job = mem_calloc(1, sizeof *job);
    if (!job) {
        gen_free(g);
        api_error(&e, 503, "server_error", NULL, "out_of_memory", "The server is out of memory.");
        return http_respond_error(mc, c, &e);
    }
    job->run = gen_run;
    job->ctx = g;
    g->s = s;
    server_new_id(s, g->chat ? "chatcmpl" : "cmpl", g->id, sizeof g->id);
    g->created = server_unix_time();
    if (g->gen->stream) return server_stream_job(s, mc, c, job, gen_free);
    int rc = server_run_job(s, mc, job, &e);
    mem_free(job);
    if (rc == 0 && g->failed) rc = server_backend_error(&e, g->failed == 2 ? BACKEND_BAD_INPUT : -1, &g->err);
    if (rc != 0) {
        gen_free(g);
        return http_respond_error(mc, c, &e);
    }
    cJSON *o = cJSON_CreateObject(), *choices;
    cJSON_AddStringToObject(o, "id", g->id);
    cJSON_AddStringToObject(o, "object", g->chat ? "chat.completion" : "text_completion");
    cJSON_AddNumberToObject(o, "created", (double)g->created);
    cJSON_AddStringToObject(o, "model", g->model->id);
    cJSON_AddStringToObject(o, "system_fingerprint", "exaone.c");
    choices = cJSON_AddArrayToObject(o, "choices");
    for (int i = 0; i < g->gen->n; i++) {
        cJSON *ch = cJSON_CreateObject();
        cJSON_AddNumberToObject(ch, "index", i);
        if (g->chat) {
            cJSON *msg = cJSON_AddObjectToObject(ch, "message");
            cJSON_AddStringToObject(msg, "role", "assistant");
            cJSON_AddStringToObject(msg, "content", g->texts[i] ? g->texts[i] : "");
            cJSON_AddNullToObject(msg, "refusal");
            cJSON *x = g->explained ? server_explain_json(g->maps[i], g->n_maps[i], g->chat_req.explain.method) : NULL;
            if (x) cJSON_AddItemToObject(msg, "explain", x);
        } else {
            cJSON_AddStringToObject(ch, "text", g->texts[i] ? g->texts[i] : "");
        }
        cJSON_AddNullToObject(ch, "logprobs");
        cJSON_AddStringToObject(ch, "finish_reason", g->finish[i] ? g->finish[i] : "stop");
        cJSON_AddItemToArray(choices, ch);
    }
    cJSON_AddItemToObject(o, "usage", usage_json(&g->usage));
    gen_free(g);
    return http_respond_json(mc, c, 200, o);
}

/* "explain" explains the caption of the last user message's image. */
static int explained_message(GenCtx *g, ApiError *e) {
    if (!g->chat_req.explain.on) return 0;
    for (int i = g->chat_req.n_msgs - 1; i >= 0 && !g->explained; i--)
        if (strcmp(g->chat_req.msgs[i].role, "user") == 0) g->explained = &g->chat_req.msgs[i];
    if (g->explained && g->explained->image) return 0;
    return api_bad_param(e, "explain", "'explain' needs an image in the last user message.");
}

MhdResult route_chat(Server *s, struct MHD_Connection *mc, Conn *c) {
    ApiError e;
    GenCtx *g = mem_calloc(1, sizeof *g);
    if (!g) return MHD_NO;
    g->chat = 1;
    g->gen = &g->chat_req.gen;
    if (chat_request_parse(&g->chat_req, c->body, c->len, &s->cfg.limits, &e) != 0 ||
        !(g->model = server_find_model(s, g->chat_req.gen.model, "chat completions", CAN_CHAT, &e)) ||
        server_check_explain(g->model, &g->chat_req.explain, &e) != 0 || explained_message(g, &e) != 0) {
        gen_free(g);
        return http_respond_error(mc, c, &e);
    }
    return gen_respond(s, mc, c, g);
}

MhdResult route_completions(Server *s, struct MHD_Connection *mc, Conn *c) {
    ApiError e;
    GenCtx *g = mem_calloc(1, sizeof *g);
    if (!g) return MHD_NO;
    g->gen = &g->comp_req.gen;
    if (completion_request_parse(&g->comp_req, c->body, c->len, &s->cfg.limits, &e) != 0 ||
        !(g->model = server_find_model(s, g->comp_req.gen.model, "text completions", CAN_COMPLETE, &e))) {
        gen_free(g);
        return http_respond_error(mc, c, &e);
    }
    return gen_respond(s, mc, c, g);
}

/* ---------------------------------------------------------------- translations */

typedef struct {
    TranslateRequest req;
    ServerModel *model;
    char *out[REQ_MAX_TRANSLATE];
    int target[REQ_MAX_TRANSLATE];
    int failed;
    Error err;
} TrCtx;

static void tr_run(Job *job, int slot) {
    TrCtx *t = job->ctx;
    for (int i = 0; i < t->req.n && !atomic_load(&job->cancel); i++) {
        t->target[i] = t->req.target >= 0 ? t->req.target
                       : backend_detect_lang(t->req.texts[i]) == BACKEND_LANG_KO ? BACKEND_LANG_EN
                                                                                 : BACKEND_LANG_KO;
        int rc = t->model->backend->translate(t->model->inst[slot], t->req.texts[i], t->target[i], &t->out[i], &t->err);
        if (rc != 0) {
            t->failed = rc;
            return;
        }
    }
}

static const char *lang_name(int lang) { return lang == BACKEND_LANG_KO ? "ko" : "en"; }

MhdResult route_translations(Server *s, struct MHD_Connection *mc, Conn *c) {
    ApiError e;
    TrCtx t;
    memset(&t, 0, sizeof t);
    Job job;
    memset(&job, 0, sizeof job);
    int rc = translate_request_parse(&t.req, c->body, c->len, &s->cfg.limits, &e);
    if (rc == 0 && !(t.model = server_find_model(s, t.req.model, "translation", CAN_TRANSLATE, &e))) rc = -1;
    if (rc == 0) {
        job.run = tr_run;
        job.ctx = &t;
        rc = server_run_job(s, mc, &job, &e);
    }
    if (rc == 0 && t.failed) rc = server_backend_error(&e, t.failed, &t.err);
    cJSON *o = NULL;
    if (rc == 0) {
        char id[64];
        server_new_id(s, "tr", id, sizeof id);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "object", "translation");
        cJSON_AddNumberToObject(o, "created", (double)server_unix_time());
        cJSON_AddStringToObject(o, "model", t.model->id);
        cJSON *data = cJSON_AddArrayToObject(o, "data");
        for (int i = 0; i < t.req.n; i++) {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddNumberToObject(d, "index", i);
            cJSON_AddStringToObject(d, "text", t.out[i] ? t.out[i] : "");
            cJSON_AddStringToObject(d, "source_lang", lang_name(backend_detect_lang(t.req.texts[i])));
            cJSON_AddStringToObject(d, "target_lang", lang_name(t.target[i]));
            cJSON_AddItemToArray(data, d);
        }
    }
    for (int i = 0; i < REQ_MAX_TRANSLATE; i++) mem_free(t.out[i]);
    translate_request_free(&t.req);
    return rc == 0 ? http_respond_json(mc, c, 200, o) : http_respond_error(mc, c, &e);
}
