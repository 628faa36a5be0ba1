/* The HTTP core of `exaone serve`: libmicrohttpd glue, body limits, API key,
 * routing, static files, health, metrics and models (see server.h). */
#include "server_internal.h"

#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void server_config_default(ServerConfig *c) {
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->port = 8080;
    c->parallel = 1;
    c->queue = 16;
    c->threads = 1;
    c->timeout = 300;
    c->max_body = 8u << 20;
    api_limits_default(&c->limits);
}

int server_backend_error(ApiError *e, int rc, const Error *err) {
    if (rc == BACKEND_BAD_INPUT)
        return api_error(e, 400, "invalid_request_error", NULL, "invalid_input", "%s", err->message);
    return api_error(e, 500, "server_error", NULL, "model_error", "%s", err->message);
}

long server_unix_time(void) { return (long)time(NULL); }

void server_new_id(Server *s, const char *prefix, char *out, size_t cap) {
    long n = atomic_fetch_add(&s->next_id, 1);
    snprintf(out, cap, "%s-%lx%06lx", prefix, (long)time(NULL), n & 0xFFFFFF);
}

/* ---------------------------------------------------------------- responses */

MhdResult http_respond_text(struct MHD_Connection *mc, Conn *c, int status, const char *type, char *data, size_t len,
                            int must_free) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, must_free ? MHD_RESPMEM_MUST_FREE
                                                                                   : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (must_free) free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (status == 503 || status == 429) MHD_add_response_header(r, "Retry-After", "1");
    if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    MhdResult rc = MHD_queue_response(mc, (unsigned)status, r);
    MHD_destroy_response(r);
    if (c) c->status = status;
    return rc;
}

MhdResult http_respond_json(struct MHD_Connection *mc, Conn *c, int status, cJSON *json) {
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!text) {
        static char oom[] = "{\"error\":{\"message\":\"The server is out of memory.\",\"type\":\"server_error\","
                            "\"param\":null,\"code\":\"out_of_memory\"}}";
        return http_respond_text(mc, c, 503, "application/json", oom, sizeof oom - 1, 0);
    }
    return http_respond_text(mc, c, status, "application/json", text, strlen(text), 1);
}

static cJSON *error_json(const ApiError *e) {
    cJSON *root = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(o, "message", e->message);
    cJSON_AddStringToObject(o, "type", e->type);
    if (e->param[0]) cJSON_AddStringToObject(o, "param", e->param);
    else cJSON_AddNullToObject(o, "param");
    if (e->code[0]) cJSON_AddStringToObject(o, "code", e->code);
    else cJSON_AddNullToObject(o, "code");
    return root;
}

MhdResult http_respond_error(struct MHD_Connection *mc, Conn *c, const ApiError *e) {
    return http_respond_json(mc, c, e->status, error_json(e));
}

/* ---------------------------------------------------------------- models */

static int can(const Backend *b, int what) {
    switch (what) {
    case CAN_CHAT: return b->chat != NULL;
    case CAN_COMPLETE: return b->complete != NULL;
    case CAN_DRAW: return b->draw != NULL;
    case CAN_INPAINT: return b->inpaint != NULL;
    case CAN_TRANSLATE: return b->translate != NULL;
    }
    return 0;
}

ServerModel *server_find_model(Server *s, const char *id, const char *what, int can_what, ApiError *e) {
    /* "+NAME" (a request's "lora" without "model"): the first model carrying adapter NAME */
    size_t idlen = strlen(id);
    for (int i = 0; i < s->n_models; i++) {
        ServerModel *m = &s->models[i];
        size_t mlen = strlen(m->id);
        if (id[0] == '+' ? mlen <= idlen || strcmp(m->id + mlen - idlen, id) != 0 : id[0] && strcmp(m->id, id) != 0)
            continue;
        if (can(m->backend, can_what)) return m;
        if (id[0]) {
            api_error(e, 400, "invalid_request_error", "model", "model_not_supported",
                      "The model '%s' does not support %s.", m->id, what);
            return NULL;
        }
    }
    if (strchr(id, '+'))
        api_error(e, 404, "invalid_request_error", "lora", "lora_not_found",
                  "No loaded model '%.100s' carries the LoRA adapter '%.60s' (serve --lora NAME=DIR; see GET "
                  "/v1/models).", id[0] == '+' ? "(any)" : id, strchr(id, '+') + 1);
    else if (id[0])
        api_error(e, 404, "invalid_request_error", "model", "model_not_found",
                  "The model '%.100s' does not exist (see GET /v1/models).", id);
    else
        api_error(e, 400, "invalid_request_error", "model", "model_not_supported", "No loaded model supports %s.", what);
    return NULL;
}

static MhdResult route_models(Server *s, struct MHD_Connection *mc, Conn *c) {
    cJSON *root = cJSON_CreateObject(), *data;
    cJSON_AddStringToObject(root, "object", "list");
    data = cJSON_AddArrayToObject(root, "data");
    for (int i = 0; i < s->n_models; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "id", s->models[i].id);
        cJSON_AddStringToObject(m, "object", "model");
        cJSON_AddNumberToObject(m, "created", 0);
        cJSON_AddStringToObject(m, "owned_by", s->models[i].backend->kind);
        cJSON_AddItemToArray(data, m);
    }
    return http_respond_json(mc, c, 200, root);
}

/* ---------------------------------------------------------------- jobs */

int server_client_gone(struct MHD_Connection *mc) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return 0;
    int fd = ci->connect_fd;
    struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, 0) <= 0) return 0;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) return 1;
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static int queue_full(ApiError *e) {
    return api_error(e, 503, "server_error", NULL, "queue_full",
                     "The server is busy (all model slots and the queue are taken); retry after the time in Retry-After.");
}

int server_run_job(Server *s, struct MHD_Connection *mc, Job *job, ApiError *e) {
    job->deadline = slots_now() + s->cfg.timeout;
    if (slots_submit(&s->slots, job) != 0) return queue_full(e);
    int gone = 0;
    while (slots_wait(&s->slots, job, 0, 0.05) != JOB_DONE) {
        if (!gone && server_client_gone(mc)) {
            gone = 1;
            slots_cancel(&s->slots, job);
        }
        if (!job->timed_out && slots_now() > job->deadline) {
            job->timed_out = 1;
            slots_cancel(&s->slots, job);
        }
    }
    if (job->timed_out)
        return api_error(e, 504, "server_error", NULL, "timeout", "The request took longer than %g s (--timeout).",
                         s->cfg.timeout);
    if (gone) return api_error(e, 499, "server_error", NULL, "client_closed", "The client closed the connection.");
    return 0;
}

typedef struct {
    Server *s;
    struct MHD_Connection *mc;
    Job *job;
    void (*free_ctx)(void *);
} Stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    Stream *st = cls;
    for (;;) {
        int state = slots_wait(&st->s->slots, st->job, 1, 0.05);
        size_t n = job_read(st->job, buf, max);
        if (n) return (ssize_t)n;
        if (state == JOB_DONE) return MHD_CONTENT_READER_END_OF_STREAM;
        if (server_client_gone(st->mc)) {
            /* frees the slot now: the worker sees the flag at its next token */
            slots_cancel(&st->s->slots, st->job);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (!st->job->timed_out && slots_now() > st->job->deadline + 5) {
            /* the worker ends a timed-out stream itself; this is the backstop */
            st->job->timed_out = 1;
            slots_cancel(&st->s->slots, st->job);
        }
    }
}

static void stream_free(void *cls) {
    Stream *st = cls;
    slots_cancel(&st->s->slots, st->job);
    while (slots_wait(&st->s->slots, st->job, 0, 1.0) != JOB_DONE) {}
    job_free_output(st->job);
    st->free_ctx(st->job->ctx);
    mem_free(st->job);
    mem_free(st);
}

MhdResult server_stream_job(Server *s, struct MHD_Connection *mc, Conn *c, Job *job, void (*free_ctx)(void *)) {
    ApiError e;
    job->deadline = slots_now() + s->cfg.timeout;
    Stream *st = mem_alloc(sizeof *st);
    if (!st || slots_submit(&s->slots, job) != 0) {
        if (st) queue_full(&e);
        else api_error(&e, 503, "server_error", NULL, "out_of_memory", "The server is out of memory.");
        mem_free(st);
        free_ctx(job->ctx);
        mem_free(job);
        return http_respond_error(mc, c, &e);
    }
    *st = (Stream){s, mc, job, free_ctx};
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MhdResult rc = MHD_queue_response(mc, 200, r);
    MHD_destroy_response(r);
    c->status = 200;
    return rc;
}

/* ---------------------------------------------------------------- static files */

static const char *mime_of(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return NULL;
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".png")) return "image/png";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    if (!strcmp(dot, ".ico")) return "image/x-icon";
    return NULL;
}

/* The Atelier's files are read once at start-up (a fixed whitelist of what
 * the folder holds), so no request path ever reaches the file system. */
static void load_web(Server *s) {
    char dir[1200];
    if (s->cfg.web_dir) {
        snprintf(dir, sizeof dir, "%s", s->cfg.web_dir);
    } else {
        char exe[1024];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        snprintf(dir, sizeof dir, "%s/web", n > 0 ? dirname(exe) : ".");
        if (!file_exists(dir)) snprintf(dir, sizeof dir, "web");
    }
    DIR *d = opendir(dir);
    if (!d) {
        log_warn("serve: no Atelier page (%s not found); GET / answers 404", dir);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) && s->n_files < (int)(sizeof s->files / sizeof *s->files)) {
        const char *type = mime_of(de->d_name);
        if (!type || de->d_name[0] == '.' || strlen(de->d_name) >= sizeof s->files[0].name) continue;
        char path[1500];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *buf = mem_alloc(4u << 20);
        size_t n = buf ? fread(buf, 1, 4u << 20, f) : 0;
        fclose(f);
        if (!buf) continue;
        StaticFile *sf = &s->files[s->n_files++];
        snprintf(sf->name, sizeof sf->name, "%s", de->d_name);
        snprintf(sf->type, sizeof sf->type, "%s", type);
        sf->data = buf;
        sf->len = n;
    }
    closedir(d);
    log_info("serve: Atelier page from %s (%d files)", dir, s->n_files);
}

static MhdResult route_static(Server *s, struct MHD_Connection *mc, Conn *c, const char *url) {
    const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
    for (int i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i].name, name) == 0) {
            struct MHD_Response *r = MHD_create_response_from_buffer(s->files[i].len, s->files[i].data,
                                                                     MHD_RESPMEM_PERSISTENT);
            if (!r) return MHD_NO;
            MHD_add_response_header(r, "Content-Type", s->files[i].type);
            MHD_add_response_header(r, "Cache-Control", "no-cache");
            MhdResult rc = MHD_queue_response(mc, 200, r);
            MHD_destroy_response(r);
            c->status = 200;
            return rc;
        }
    ApiError e;
    api_error(&e, 404, "invalid_request_error", NULL, "not_found", "No such page or route: %.200s", url);
    return http_respond_error(mc, c, &e);
}

/* ---------------------------------------------------------------- routing */

/* Compares without an early exit so timing does not reveal the key. */
static int key_matches(const char *given, const char *key) {
    size_t gl = strlen(given), kl = strlen(key);
    unsigned diff = (unsigned)(gl ^ kl);
    for (size_t i = 0; i < kl; i++) diff |= (unsigned char)key[i] ^ (unsigned char)(gl ? given[i % gl] : 0);
    return diff == 0;
}

static int authorized(Server *s, struct MHD_Connection *mc) {
    if (!s->cfg.api_key) return 1;
    const char *h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return 0;
    return key_matches(h + 7, s->cfg.api_key);
}

typedef struct {
    const char *method, *url;
    MhdResult (*fn)(Server *, struct MHD_Connection *, Conn *);
} Route;

static const Route routes[] = {
    {"POST", "/v1/chat/completions", route_chat},
    {"POST", "/v1/completions", route_completions},
    {"POST", "/v1/images/generations", route_image_generations},
    {"POST", "/v1/images/edits", route_image_edits},
    {"POST", "/v1/translations", route_translations},
    {"GET", "/v1/models", route_models},
};

static MhdResult dispatch(Server *s, struct MHD_Connection *mc, Conn *c, const char *method, const char *url) {
    ApiError e;
    if (strcmp(url, "/health") == 0) {
        c->route = "/health";
        if (!atomic_load(&s->ready)) {
            static char loading[] = "{\"status\":\"loading\"}";
            return http_respond_text(mc, c, 503, "application/json", loading, sizeof loading - 1, 0);
        }
        static char ok[] = "{\"status\":\"ok\"}";
        return http_respond_text(mc, c, 200, "application/json", ok, sizeof ok - 1, 0);
    }
    int is_api = strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/metrics") == 0;
    if (is_api && !authorized(s, mc)) {
        c->route = "auth";
        api_error(&e, 401, "invalid_request_error", NULL, "invalid_api_key",
                  "Incorrect or missing API key (send 'Authorization: Bearer KEY').");
        return http_respond_error(mc, c, &e);
    }
    if (strcmp(url, "/metrics") == 0) {
        c->route = "/metrics";
        int queued, running;
        slots_stats(&s->slots, &queued, &running);
        char *text = metrics_render(queued, running, s->cfg.parallel);
        if (!text) return MHD_NO;
        return http_respond_text(mc, c, 200, "text/plain; version=0.0.4", text, strlen(text), 1);
    }
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        if (strcmp(url, routes[i].url) != 0) continue;
        c->route = routes[i].url;
        if (strcmp(method, routes[i].method) != 0) {
            api_error(&e, 405, "invalid_request_error", NULL, "method_not_allowed", "Use %s for %s.", routes[i].method,
                      url);
            return http_respond_error(mc, c, &e);
        }
        if (c->too_large) {
            api_error(&e, 413, "invalid_request_error", NULL, "request_too_large",
                      "The request body is larger than %zu bytes.", s->cfg.max_body);
            return http_respond_error(mc, c, &e);
        }
        if (!atomic_load(&s->ready) && routes[i].fn != route_models) {
            api_error(&e, 503, "server_error", NULL, "loading", "The models are still loading.");
            return http_respond_error(mc, c, &e);
        }
        return routes[i].fn(s, mc, c);
    }
    c->route = is_api ? "other" : "static";
    if (strcmp(method, "GET") == 0 && !is_api) return route_static(s, mc, c, url);
    api_error(&e, 404, "invalid_request_error", NULL, "not_found", "No such route: %.10s %.200s", method, url);
    return http_respond_error(mc, c, &e);
}

static MhdResult on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                            const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    Server *s = cls;
    Conn *c = *con_cls;
    if (!c) {
        c = mem_calloc(1, sizeof *c);
        if (!c) return MHD_NO;
        c->t0 = slots_now();
        c->route = "other";
        const char *ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
        snprintf(c->content_type, sizeof c->content_type, "%s", ct ? ct : "");
        *con_cls = c;
        const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) {
            /* answer before reading a byte of it; MHD closes the connection after */
            ApiError e;
            c->route = "too_large";
            api_error(&e, 413, "invalid_request_error", NULL, "request_too_large",
                      "The request body is larger than %zu bytes.", s->cfg.max_body);
            return http_respond_error(mc, c, &e);
        }
        return MHD_YES;
    }
    if (c->status) { /* already answered (413 on Content-Length): drop the rest */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (c->too_large || c->len + n > s->cfg.max_body) {
            c->too_large = 1;
            mem_free(c->body);
            c->body = NULL;
            c->len = c->cap = 0;
            return MHD_YES;
        }
        if (c->len + n + 1 > c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 4096;
            while (cap < c->len + n + 1) cap *= 2;
            if (cap > s->cfg.max_body + 1) cap = s->cfg.max_body + 1;
            char *p = mem_realloc(c->body, cap);
            if (!p) return MHD_NO;
            c->body = p;
            c->cap = cap;
        }
        memcpy(c->body + c->len, upload, n);
        c->len += n;
        c->body[c->len] = 0;
        return MHD_YES;
    }
    if (!c->body) {
        c->body = mem_calloc(1, 1);
        if (!c->body) return MHD_NO;
    }
    return dispatch(s, mc, c, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls, enum MHD_RequestTerminationCode toe) {
    Conn *c = *con_cls;
    if (!c) return;
    metrics_request(c->route, c->status ? c->status : 499, slots_now() - c->t0);
    mem_free(c->body);
    mem_free(c);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    log_debug("microhttpd: %s", msg);
}

/* ---------------------------------------------------------------- lifecycle */

static int load_models(Server *s, Error *err) {
    for (int i = 0; i < s->cfg.n_models; i++) {
        const ServerModelSpec *spec = &s->cfg.models[i];
        ServerModel *m = &s->models[i];
        snprintf(m->id, sizeof m->id, "%s", spec->id);
        m->backend = spec->backend;
        m->inst = mem_calloc((size_t)s->cfg.parallel, sizeof *m->inst);
        if (!m->inst) return error_set(err, "out of memory");
        s->n_models = i + 1;
        for (int k = 0; k < s->cfg.parallel; k++)
            if (m->backend->open(&m->inst[k], spec->path, spec->lora, s->cfg.threads, err) != 0)
                return error_prefix(err, "model %s", m->id);
        log_info("serve: model %s (%s) ready on %d slot(s)", m->id, m->backend->kind, s->cfg.parallel);
    }
    return 0;
}

static void close_models(Server *s) {
    for (int i = 0; i < s->n_models; i++) {
        for (int k = 0; k < s->cfg.parallel && s->models[i].inst; k++)
            if (s->models[i].inst[k]) s->models[i].backend->close(s->models[i].inst[k]);
        mem_free(s->models[i].inst);
    }
}

int server_run(const ServerConfig *cfg, Error *err) {
    Server *s = mem_calloc(1, sizeof *s);
    if (!s) return error_set(err, "out of memory");
    s->cfg = *cfg;
    int rc = -1;
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, cfg->host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        mem_free(s);
        return error_set(err, "--host %s is not a numeric IPv4 or IPv6 address", cfg->host);
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    /* every thread started from here on inherits the mask; sigwait below takes them */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* One thread per connection would otherwise give glibc up to 8 arenas per
     * core, each keeping its own high-water mark: RSS creeps with the number of
     * clients seen rather than with the work in flight. */
    mallopt(M_ARENA_MAX, 2);
    api_json_hooks();
    if (slots_init(&s->slots, cfg->parallel, cfg->queue) != 0) {
        mem_free(s);
        return error_set(err, "cannot start %d worker threads", cfg->parallel);
    }
    load_web(s);
    s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT, 512u,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_END);
    if (!s->daemon) {
        error_set(err, "cannot listen on %s:%d (%s)", cfg->host, cfg->port, strerror(errno));
        goto done;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? di->port : cfg->port;
    printf(strchr(cfg->host, ':') ? "listening on http://[%s]:%d\n" : "listening on http://%s:%d\n", cfg->host, port);
    fflush(stdout);
    log_info("serve: listening on %s:%d (%d slot(s), queue %d, timeout %g s)", cfg->host, port, cfg->parallel,
             cfg->queue, cfg->timeout);
    if (load_models(s, err) != 0) goto done;
    atomic_store(&s->ready, 1);
    int sig;
    sigwait(&sigs, &sig);
    log_info("serve: signal %d, stopping", sig);
    rc = 0;
done:
    if (s->daemon) MHD_stop_daemon(s->daemon);
    slots_destroy(&s->slots);
    close_models(s);
    for (int i = 0; i < s->n_files; i++) mem_free(s->files[i].data);
    mem_free(s);
    return rc;
}
