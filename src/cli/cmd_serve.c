/* exaone serve — the OpenAI-compatible API server and the Atelier page. */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../server/server.h"
#include "args.h"
#include "mini_cli.h"
#include "commands.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
    "usage: exaone serve [OPTIONS]\n\n"
    "Serves the OpenAI-compatible API (chat, completions, images, edits, translations,\n"
    "models, health, metrics; docs/server.md) and the Atelier page at /.\n"
    "It serves the embedded EXAONE-mini (models/exaone-mini: drawing, captions, translation,\n"
    "inpainting) and every EXAONE 3.0/3.5/4.0 model added with -m (chat, completions).\n\n"
    "options:\n"
    "  -m, --model PATH      add a model (repeatable): an EXAONE 3.x/4.0 folder (config.json,\n"
    "                        model.safetensors, tokenizer.json) or .gguf, or an EXAONE-mini folder;\n"
    "                        its id in the API is the folder/file name\n"
    "  --lora [NAME=]DIR[:S] serve the model of the -m before it (none before: the embedded\n"
    "                        EXAONE-mini) with this PEFT LoRA adapter too (repeatable): model id\n"
    "                        MODEL+NAME (NAME: the folder name by default); a request picks it\n"
    "                        with \"lora\": \"NAME\" (or that model id); S scales the adapter\n"
    "  --host ADDR           numeric address to listen on (default 127.0.0.1)\n"
    "  --port N              port (default 8080; 0 = any free port, printed on stdout)\n"
    "  --api-key KEY         require 'Authorization: Bearer KEY' on /v1/* and /metrics\n"
    "  --api-key-file F      same, the key read from file F (first line)\n"
    "  -t, --threads N       threads per model slot (default 1)\n"
    "  --parallel N          model slots working at once (default 1)\n"
    "  --queue N             requests waiting beyond the slots; past it 503 + Retry-After (default 16)\n"
    "  --timeout S           seconds per request (default 300)\n"
    "  --max-body BYTES      largest request body (default 8388608); larger -> 413\n"
    "  --max-tokens N        cap on max_tokens (default 2048)\n"
    "  --web DIR             the Atelier's files (default web/ next to the executable, else ./web)\n"
    "  --backend test        developer flag: a deterministic stand-in model for protocol\n"
    "                        tests and HTTP benchmarks (NOT a model; echoes and patterns)\n";

static int read_key_file(const char *path, char *key, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    if (!fgets(key, (int)cap, f)) key[0] = 0;
    fclose(f);
    key[strcspn(key, "\r\n")] = 0;
    return key[0] ? 0 : -1;
}

int cmd_serve(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone serve");
    ServerConfig cfg;
    server_config_default(&cfg);
    const char *models[SERVER_MAX_MODELS], *loras[SERVER_MAX_MODELS], *key_file = NULL, *backend = NULL, *port_s = NULL;
    /* lora_base[i]: the -m an adapter follows (index into models), -1 for the embedded mini */
    int n_models = 0, n_loras = 0, lora_base[SERVER_MAX_MODELS], entry_of[SERVER_MAX_MODELS];
    int64_t port = 8080, threads = 1, parallel = 1, queue = 16, max_body = cfg.max_body, max_tokens = 2048;
    double timeout = 300;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        const char *m;
        if (args_value(&args, "-m", "--model", &m)) {
            if (n_models == SERVER_MAX_MODELS) {
                fprintf(stderr, "exaone serve: at most %d models\n", SERVER_MAX_MODELS);
                return 2;
            }
            models[n_models++] = m;
            continue;
        }
        if (args_value(&args, NULL, "--lora", &m)) {
            if (n_loras == SERVER_MAX_MODELS) {
                fprintf(stderr, "exaone serve: at most %d --lora adapters\n", SERVER_MAX_MODELS);
                return 2;
            }
            lora_base[n_loras] = n_models - 1;
            loras[n_loras++] = m;
            continue;
        }
        if (args_value(&args, NULL, "--host", &cfg.host)) continue;
        if (args_int(&args, NULL, "--port", 0, 65535, &port)) {
            port_s = "set";
            continue;
        }
        if (args_value(&args, NULL, "--api-key", &cfg.api_key)) continue;
        if (args_value(&args, NULL, "--api-key-file", &key_file)) continue;
        if (args_int(&args, "-t", "--threads", 1, 256, &threads)) continue;
        if (args_int(&args, NULL, "--parallel", 1, 64, &parallel)) continue;
        if (args_int(&args, NULL, "--queue", 0, 4096, &queue)) continue;
        if (args_float(&args, NULL, "--timeout", 0.1, 86400, &timeout)) continue;
        if (args_int(&args, NULL, "--max-body", 1024, (int64_t)1 << 30, &max_body)) continue;
        if (args_int(&args, NULL, "--max-tokens", 1, 1 << 20, &max_tokens)) continue;
        if (args_value(&args, NULL, "--web", &cfg.web_dir)) continue;
        if (args_value(&args, NULL, "--backend", &backend)) continue;
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    (void)port_s;
    if (backend && strcmp(backend, "test") != 0) {
        fprintf(stderr, "exaone serve: --backend takes only 'test' (the real models are the default)\n");
        return 2;
    }
    if (cfg.api_key && key_file) {
        fprintf(stderr, "exaone serve: give --api-key or --api-key-file, not both\n");
        return 2;
    }
    static char key[512];
    if (key_file) {
        if (read_key_file(key_file, key, sizeof key) != 0) {
            fprintf(stderr, "exaone serve: cannot read an API key from %s\n", key_file);
            return 1;
        }
        cfg.api_key = key;
    }
    cfg.port = (int)port;
    cfg.threads = (int)threads;
    cfg.parallel = (int)parallel;
    cfg.queue = (int)queue;
    cfg.timeout = timeout;
    cfg.max_body = (size_t)max_body;
    cfg.limits.max_tokens = (int)max_tokens;
    static char mini_dir[1100];
    if (backend) {
        snprintf(cfg.models[0].id, sizeof cfg.models[0].id, "exaone-test");
        cfg.models[0].backend = &backend_test;
        cfg.models[0].path = "";
        cfg.n_models = 1;
        log_warn("serve: --backend test: a deterministic stand-in, not a model");
    } else {
        /* the embedded EXAONE-mini first; -m adds models */
        if (mini_cli_default_path(mini_dir, sizeof mini_dir) != 0) snprintf(mini_dir, sizeof mini_dir, "models/exaone-mini");
        char probe[1200];
        snprintf(probe, sizeof probe, "%s/vq.safetensors", mini_dir);
        if (file_exists(probe)) {
            ServerModelSpec *s = &cfg.models[cfg.n_models++];
            snprintf(s->id, sizeof s->id, "exaone-mini");
            s->backend = &backend_mini;
            s->path = mini_dir;
        } else if (n_models == 0) {
            fprintf(stderr, "exaone serve: no EXAONE-mini model at %s (config.json, model.safetensors, tokenizer.json, "
                            "vq.safetensors); add a model with -m\n", mini_dir);
            return 1;
        } else {
            log_warn("serve: no EXAONE-mini at %s; serving only the -m models", mini_dir);
        }
    }
    for (int i = 0; i < n_models && !backend; i++) {
        char probe[1200], tmp[1100];
        size_t len = strlen(models[i]);
        int gguf = len > 5 && strcmp(models[i] + len - 5, ".gguf") == 0;
        const Backend *b = NULL;
        snprintf(probe, sizeof probe, "%s/vq.safetensors", models[i]);
        if (file_exists(probe)) b = &backend_mini;
        snprintf(probe, sizeof probe, "%s/config.json", models[i]);
        if (!b && (gguf || file_exists(probe))) b = &backend_llm;
        if (!b) {
            fprintf(stderr, "exaone serve: %s is neither an EXAONE-mini folder nor an EXAONE model (folder with "
                            "config.json, or .gguf)\n", models[i]);
            return 1;
        }
        if (cfg.n_models == SERVER_MAX_MODELS) {
            fprintf(stderr, "exaone serve: at most %d models\n", SERVER_MAX_MODELS);
            return 2;
        }
        entry_of[i] = cfg.n_models;
        ServerModelSpec *s = &cfg.models[cfg.n_models++];
        snprintf(tmp, sizeof tmp, "%s", models[i]);
        while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/') tmp[strlen(tmp) - 1] = 0;
        char *name = basename(tmp);
        if (gguf) name[strlen(name) - 5] = 0;
        snprintf(s->id, sizeof s->id, "%s", name);
        s->backend = b;
        s->path = models[i];
    }
    int embedded_mini = !backend && cfg.n_models > 0 && cfg.models[0].backend == &backend_mini &&
                        (n_models == 0 || entry_of[0] != 0);
    if (n_loras && backend) {
        fprintf(stderr, "exaone serve: --lora adapters need a model (not --backend test)\n");
        return 2;
    }
    for (int i = 0; i < n_loras; i++) {
        if (lora_base[i] < 0 && !embedded_mini) {
            fprintf(stderr, "exaone serve: --lora %s comes before any -m and no embedded EXAONE-mini is served; "
                            "put it after the -m model it adapts\n", loras[i]);
            return 2;
        }
        const ServerModelSpec *base = &cfg.models[lora_base[i] < 0 ? 0 : entry_of[lora_base[i]]];
        if (cfg.n_models == SERVER_MAX_MODELS) {
            fprintf(stderr, "exaone serve: at most %d models (adapters included)\n", SERVER_MAX_MODELS);
            return 2;
        }
        /* NAME=DIR[:S], or DIR[:S] named by its last path component */
        const char *eq = strchr(loras[i], '='), *dir = eq ? eq + 1 : loras[i];
        char name[128];
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - loras[i]), loras[i]);
        } else {
            char tmp[1100];
            snprintf(tmp, sizeof tmp, "%s", dir);
            char *colon = strrchr(tmp, ':');
            if (colon && colon != tmp && strchr("0123456789.-", colon[1])) *colon = 0;
            while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/') tmp[strlen(tmp) - 1] = 0;
            snprintf(name, sizeof name, "%s", basename(tmp));
        }
        if (!name[0] || strchr(name, '+') || !dir[0]) {
            fprintf(stderr, "exaone serve: --lora %s: expected [NAME=]DIR[:SCALE] (NAME without '+')\n", loras[i]);
            return 2;
        }
        ServerModelSpec *s = &cfg.models[cfg.n_models++];
        char id[sizeof s->id]; /* built aside: base is an entry of the same array */
        snprintf(id, sizeof id, "%.60s+%.60s", base->id, name);
        memcpy(s->id, id, sizeof id);
        s->backend = base->backend;
        s->path = base->path;
        s->lora = dir;
    }
    Error err = {0};
    if (server_run(&cfg, &err) != 0) {
        fprintf(stderr, "exaone serve: %s\n", err.message);
        return 1;
    }
    return 0;
}
