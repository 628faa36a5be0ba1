/* server.h — `exaone serve`: the OpenAI-compatible HTTP API and the Atelier
 * page (docs/server.md). libmicrohttpd, one thread per connection; model
 * work runs on a fixed pool of slots behind a bounded queue (pool.h). */
#ifndef EXAONE_SERVER_SERVER_H
#define EXAONE_SERVER_SERVER_H

#include "../core/error.h"
#include "backend.h"
#include "request.h"

#include <stddef.h>

#define SERVER_MAX_MODELS 8

typedef struct {
    char id[128];          /* as listed by /v1/models */
    const Backend *backend;
    const char *path;      /* what backend->open gets */
    const char *lora;      /* "DIR[:SCALE]" of an adapter applied to this entry, or NULL */
} ServerModelSpec;

typedef struct {
    const char *host;      /* numeric IPv4/IPv6 address */
    int port;              /* 0: any free port */
    const char *api_key;   /* NULL: no key needed */
    int parallel, queue, threads;
    double timeout;        /* seconds per request */
    size_t max_body;
    const char *web_dir;   /* the Atelier's files; NULL: web/ next to the executable or in the cwd */
    ApiLimits limits;
    ServerModelSpec models[SERVER_MAX_MODELS];
    int n_models;
} ServerConfig;

void server_config_default(ServerConfig *c);
/* Serves until SIGINT/SIGTERM. Prints "listening on http://HOST:PORT" on
 * stdout once the socket is bound (models load after that; /health says 503
 * until they are ready). */
int server_run(const ServerConfig *cfg, Error *err);

#endif
