/* Shared helpers of the EXAONE-mini commands (see mini_cli.h). */
#include "mini_cli.h"

#include "../core/file.h"
#include "../formats/fmt_util.h"
#include "../models/mini_image.h"
#include "../models/mini_lora.h"
#include "../models/vq_codes.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mini_cli_default_path(char *out, size_t cap) {
    if (file_exists("models/exaone-mini/config.json")) {
        snprintf(out, cap, "models/exaone-mini");
        return 0;
    }
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    snprintf(out, cap, "%s/models/exaone-mini", dirname(exe));
    return 0;
}

MiniModel *mini_cli_open(const char *command, const char *path, int threads, char *resolved, size_t cap,
                         const LoraFlags *lora) {
    char buf[1024];
    if (!path) {
        if (mini_cli_default_path(buf, sizeof buf) != 0) snprintf(buf, sizeof buf, "models/exaone-mini");
        path = buf;
    }
    if (resolved) snprintf(resolved, cap, "%s", path);
    MiniModel *m;
    Error err = {0};
    if (mini_load(&m, path, threads, &err) != 0) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return NULL;
    }
    for (int i = 0; lora && i < lora->n; i++)
        if (mini_lora_apply_spec(m, lora->specs[i], &err) != 0) {
            fprintf(stderr, "%s: --lora %s: %s\n", command, lora->specs[i], err.message);
            mini_free(m);
            return NULL;
        }
    return m;
}

int mini_cli_text_ok(const char *command, const char *what, const char *text) {
    size_t n = strlen(text), good = fmt_utf8_valid_prefix(text, n);
    if (good == n) return 0;
    fprintf(stderr, "%s: %s is not valid UTF-8 (byte offset %zu)\n", command, what, good);
    return -1;
}

int mini_cli_lang(const char *s) {
    if (strcmp(s, "ko") == 0) return MINI_LANG_KO;
    if (strcmp(s, "en") == 0) return MINI_LANG_EN;
    return -2;
}

void mini_cli_cache_dir(char *out, size_t cap) {
    const char *env = getenv("EXAONE_CACHE"), *home = getenv("HOME");
    if (env && env[0])
        snprintf(out, cap, "%s", env);
    else
        snprintf(out, cap, "%s/.cache/exaone", home && home[0] ? home : ".");
}

void mini_cli_suffixed(char *buf, size_t cap, const char *path, const char *suffix) {
    const char *dot = strrchr(path, '.');
    int stem = dot && strcmp(dot, ".png") == 0 ? (int)(dot - path) : (int)strlen(path);
    snprintf(buf, cap, "%.*s-%s.png", stem, path, suffix);
}

int mini_cli_image_codes(const char *command, const MiniModel *m, const char *model_dir, const char *png,
                         const char *codes_text, int *codes) {
    const MiniVocab *v = mini_vocab(m);
    int G = v->grid_h * v->grid_w;
    Error err = {0};
    if (codes_text) {
        if (vq_codes_parse_list(codes_text, codes, G, v->n_codes, &err) == 0) return 0;
        fprintf(stderr, "%s: --codes wants %d codes below %d: %s\n", command, G, v->n_codes, err.message);
        return -1;
    }
    if (mini_image_encode(model_dir, png, codes, v->grid_h, v->grid_w, &err) != 0) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        return -1;
    }
    for (int i = 0; i < G; i++)
        if (codes[i] >= v->n_codes) {
            fprintf(stderr, "%s: %s/vq.safetensors gives code %d, but the model knows %d codes\n", command,
                    model_dir, codes[i], v->n_codes);
            return -1;
        }
    return 0;
}
