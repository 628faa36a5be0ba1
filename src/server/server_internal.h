/* server_internal.h — what the HTTP core (http.c) and the route files
 * (routes_text.c, routes_image.c) share. Not part of the public API. */
#ifndef EXAONE_SERVER_INTERNAL_H
#define EXAONE_SERVER_INTERNAL_H

#include "slots.h"
#include "server.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>

typedef struct {
    char id[128];
    const Backend *backend;
    void **inst; /* [parallel]: one instance per slot */
} ServerModel;

typedef struct {
    char name[64], type[48];
    char *data;
    size_t len;
} StaticFile;

typedef struct Server {
    ServerConfig cfg;
    struct MHD_Daemon *daemon;
    SlotPool slots;
    ServerModel models[SERVER_MAX_MODELS];
    int n_models;
    atomic_int ready;
    StaticFile files[32];
    int n_files;
    atomic_long next_id;
} Server;

/* Per request (MHD's con_cls). */
typedef struct {
    char *body;
    size_t len, cap;
    int too_large;
    double t0;
    const char *route;
    int status;
    char content_type[256];
} Conn;

typedef enum MHD_Result MhdResult;

MhdResult http_respond_json(struct MHD_Connection *mc, Conn *c, int status, cJSON *json);
MhdResult http_respond_error(struct MHD_Connection *mc, Conn *c, const ApiError *e);
MhdResult http_respond_text(struct MHD_Connection *mc, Conn *c, int status, const char *type, char *data, size_t len,
                            int must_free);

enum { CAN_CHAT, CAN_COMPLETE, CAN_DRAW, CAN_INPAINT, CAN_TRANSLATE };

/* The model a request names ("" = the first that can do `what`), or NULL with e set (404/400). */
ServerModel *server_find_model(Server *s, const char *id, const char *what, int can, ApiError *e);
/* A backend's failure: 400 for BACKEND_BAD_INPUT, else 500 (the model broke). */
int server_backend_error(ApiError *e, int rc, const Error *err);
/* {"method": M, "words": [{"word": W, "b64_json": PNG}, ...]} of an explanation, or NULL (out of memory). */
cJSON *server_explain_json(const BackendWordMap *maps, int n, const char *method);
/* 0, or a 400 naming the model when it cannot explain. */
int server_check_explain(const ServerModel *model, const ExplainRequest *x, ApiError *e);
/* "chatcmpl-<n>" style ids, unique per process. */
void server_new_id(Server *s, const char *prefix, char *out, size_t cap);
long server_unix_time(void);

/* Submits job and waits for it while watching the client and the deadline.
 * Returns 0 when it ran; otherwise e is set (503 queue full, 504 timeout,
 * 499 client gone). */
int server_run_job(Server *s, struct MHD_Connection *mc, Job *job, ApiError *e);
/* 1 when the client has closed its side of the connection. */
int server_client_gone(struct MHD_Connection *mc);
/* Streams job's output as text/event-stream; free_ctx(job->ctx) and the job
 * are released when the response ends (after the job is DONE). */
MhdResult server_stream_job(Server *s, struct MHD_Connection *mc, Conn *c, Job *job, void (*free_ctx)(void *));

MhdResult route_chat(Server *s, struct MHD_Connection *mc, Conn *c);
MhdResult route_completions(Server *s, struct MHD_Connection *mc, Conn *c);
MhdResult route_translations(Server *s, struct MHD_Connection *mc, Conn *c);
MhdResult route_image_generations(Server *s, struct MHD_Connection *mc, Conn *c);
MhdResult route_image_edits(Server *s, struct MHD_Connection *mc, Conn *c);

#endif
