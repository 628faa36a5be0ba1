/* mini_tune_data.c — image/prompt and text pairs for tuning EXAONE-mini (mini_tune_data.h). */
#include "mini_tune_data.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../models/mini.h"
#include "../models/mini_image.h"
#include "../models/vq.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROMPT 4096 /* bytes; the model's context is far shorter anyway */

static char *dup_n(const char *s, size_t n) {
    char *p = mem_alloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static int grow(MiniTuneList *l, Error *err) {
    if (l->n < l->cap) return 0;
    int cap = l->cap ? 2 * l->cap : 64;
    MiniTuneEntry *e = mem_realloc(l->e, (size_t)cap * sizeof *e);
    if (!e) return error_set(err, "out of memory");
    l->e = e;
    l->cap = cap;
    return 0;
}

static int push(MiniTuneList *l, const char *base, const char *image, size_t image_len, const char *prompt,
                size_t prompt_len, Error *err) {
    if (grow(l, err) != 0) return -1;
    size_t blen = base && image[0] != '/' ? strlen(base) : 0;
    char *path = mem_alloc(blen + 1 + image_len + 1);
    char *text = dup_n(prompt, prompt_len);
    if (!path || !text) {
        mem_free(path);
        mem_free(text);
        return error_set(err, "out of memory");
    }
    if (blen) snprintf(path, blen + 2 + image_len, "%s/%.*s", base, (int)image_len, image);
    else snprintf(path, image_len + 1, "%.*s", (int)image_len, image);
    l->e[l->n++] = (MiniTuneEntry){path, text, NULL};
    return 0;
}

static int push_text(MiniTuneList *l, const char *source, const char *target, Error *err) {
    if (grow(l, err) != 0) return -1;
    char *a = dup_n(source, strlen(source)), *b = dup_n(target, strlen(target));
    if (!a || !b) {
        mem_free(a);
        mem_free(b);
        return error_set(err, "out of memory");
    }
    l->e[l->n++] = (MiniTuneEntry){NULL, a, b};
    return 0;
}

static int check_text(const char *s, size_t n, const char *what, const char *label, int line, Error *err) {
    if (n == 0) return error_set(err, "%s:%d: empty %s", label, line, what);
    if (n > MAX_PROMPT) return error_set(err, "%s:%d: %s longer than %d bytes", label, line, what, MAX_PROMPT);
    if (memchr(s, 0, n)) return error_set(err, "%s:%d: NUL byte in the %s", label, line, what);
    return 0;
}

static int parse_jsonl_line(MiniTuneList *l, const char *s, size_t n, const char *base, const char *label, int line,
                            Error *err) {
    cJSON *o = cJSON_ParseWithLength(s, n);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return error_set(err, "%s:%d: not a JSON object", label, line);
    }
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(o, "image"), *txt = NULL;
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source"), *tgt = cJSON_GetObjectItemCaseSensitive(o, "target");
    const char *keys[] = {"caption", "prompt", "text"};
    for (int k = 0; k < 3 && !txt; k++) txt = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
    int rc;
    if (!img && (src || tgt)) {
        if (!cJSON_IsString(src) || !cJSON_IsString(tgt))
            rc = error_set(err, "%s:%d: a text pair needs string fields \"source\" and \"target\"", label, line);
        else if (check_text(src->valuestring, strlen(src->valuestring), "source", label, line, err) ||
                 check_text(tgt->valuestring, strlen(tgt->valuestring), "target", label, line, err))
            rc = -1;
        else if (mini_detect_lang(src->valuestring) == mini_detect_lang(tgt->valuestring))
            rc = error_set(err, "%s:%d: \"source\" and \"target\" are both %s; a text pair is a translation "
                                "(Hangul = Korean)", label, line,
                           mini_detect_lang(src->valuestring) == MINI_LANG_KO ? "Korean" : "English");
        else
            rc = push_text(l, src->valuestring, tgt->valuestring, err);
    } else if (!cJSON_IsString(img) || !cJSON_IsString(txt))
        rc = error_set(err, "%s:%d: needs string fields \"image\" and \"caption\" (or \"prompt\" / \"text\"), or "
                            "\"source\" and \"target\"", label, line);
    else
        rc = check_text(img->valuestring, strlen(img->valuestring), "image path", label, line, err) ||
             check_text(txt->valuestring, strlen(txt->valuestring), "caption", label, line, err) ||
             push(l, base, img->valuestring, strlen(img->valuestring), txt->valuestring, strlen(txt->valuestring), err);
    cJSON_Delete(o);
    return rc ? -1 : 0;
}

int mini_tune_list_parse(MiniTuneList *l, const char *text, size_t len, int jsonl, const char *base, const char *label,
                         Error *err) {
    int line = 0;
    for (size_t i = 0; i < len;) {
        const char *s = text + i, *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        i += n + 1;
        line++;
        if (n && s[n - 1] == '\r') n--;
        size_t lead = 0;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) lead++;
        if (lead == n || s[lead] == '#') continue;
        if (jsonl) {
            if (parse_jsonl_line(l, s, n, base, label, line, err) != 0) return -1;
            continue;
        }
        const char *tab = memchr(s, '\t', n);
        if (!tab) return error_set(err, "%s:%d: expected FILE<TAB>PROMPT", label, line);
        size_t a = (size_t)(tab - s), b = n - a - 1;
        if (check_text(s, a, "image path", label, line, err) || check_text(tab + 1, b, "prompt", label, line, err) ||
            push(l, base, s, a, tab + 1, b, err))
            return -1;
    }
    return l->n ? 0 : error_set(err, "%s: no image/prompt or text pairs", label);
}

/* "red_stripes_03.png" -> "red stripes" */
static int prompt_from_name(const char *name, char *out, size_t cap) {
    size_t n = strlen(name) - 4, k = 0; /* without ".png" */
    for (size_t i = 0; i < n && k + 1 < cap; i++) out[k++] = name[i] == '_' || name[i] == '-' ? ' ' : name[i];
    while (k && (out[k - 1] == ' ' || (out[k - 1] >= '0' && out[k - 1] <= '9'))) k--;
    out[k] = 0;
    return (int)k;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_pngs(MiniTuneList *l, const char *dir, Error *err) {
    DIR *d = opendir(dir);
    if (!d) return error_set(err, "%s: cannot open the folder", dir);
    char **names = NULL;
    int n = 0, cap = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".png") != 0) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = mem_realloc(names, (size_t)cap * sizeof *p);
            if (!p) {
                rc = error_set(err, "out of memory");
                break;
            }
            names = p;
        }
        if (!(names[n] = dup_n(e->d_name, len))) rc = error_set(err, "out of memory");
        else n++;
    }
    closedir(d);
    if (names) qsort(names, (size_t)n, sizeof *names, cmp_names); /* the same order on every file system */
    for (int i = 0; i < n && !rc; i++) {
        char prompt[256];
        int k = prompt_from_name(names[i], prompt, sizeof prompt);
        if (k == 0) rc = error_set(err, "%s/%s: no prompt in the file name (add a prompts.tsv)", dir, names[i]);
        else rc = push(l, dir, names[i], strlen(names[i]), prompt, (size_t)k, err);
    }
    for (int i = 0; i < n; i++) mem_free(names[i]);
    mem_free(names);
    if (!rc && l->n == 0) rc = error_set(err, "%s: no .png files and no prompts.tsv", dir);
    return rc;
}

int mini_tune_list_load(MiniTuneList *l, const char *path, Error *err) {
    char file[1100], base[1100];
    int jsonl = 0;
    if (dir_exists(path)) {
        snprintf(file, sizeof file, "%s/prompts.tsv", path);
        if (!file_exists(file)) return list_pngs(l, path, err);
        snprintf(base, sizeof base, "%s", path);
    } else {
        size_t n = strlen(path);
        jsonl = n > 6 && strcmp(path + n - 6, ".jsonl") == 0;
        if (!jsonl) return error_set(err, "%s: --data takes a folder of PNGs or a .jsonl file", path);
        snprintf(file, sizeof file, "%s", path);
        snprintf(base, sizeof base, "%s", path);
        char *slash = strrchr(base, '/');
        if (slash) *slash = 0;
        else snprintf(base, sizeof base, ".");
    }
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(file, (size_t)64 << 20, &text, &len, err) != 0) return -1;
    int rc = mini_tune_list_parse(l, text, len, jsonl, base, file, err);
    mem_free(text);
    return rc;
}

void mini_tune_list_free(MiniTuneList *l) {
    for (int i = 0; i < l->n; i++) {
        mem_free(l->e[i].image);
        mem_free(l->e[i].prompt);
        mem_free(l->e[i].target);
    }
    mem_free(l->e);
    memset(l, 0, sizeof *l);
}

/* A text's tokens appended to ids; *off / *len locate them. */
static int encode(const Tokenizer *tok, const char *text, TokIds *ids, int *off, int *len, Error *err) {
    *off = (int)ids->n;
    int rc = tok_encode(tok, text, strlen(text), ids, err);
    *len = (int)ids->n - *off;
    return rc;
}

int mini_tune_set_build(MiniTuneSet *s, const MiniTuneList *l, const char *model_dir, const Tokenizer *tok,
                        const MiniVocab *v, int max_seq, Error *err) {
    memset(s, 0, sizeof *s);
    VqModel *vq = NULL;
    int any_image = 0;
    for (int i = 0; i < l->n; i++) any_image |= l->e[i].image != NULL;
    if (any_image) { /* text pairs alone need no VQ */
        char path[1100];
        snprintf(path, sizeof path, "%s/vq.safetensors", model_dir);
        if (!file_exists(path)) return error_set(err, "%s: no VQ image tokenizer in the model folder", path);
        if (vq_load(&vq, path, NULL, NULL, err) != 0) return -1;
    }
    s->n = l->n;
    s->G = v->grid_h * v->grid_w;
    size_t n = (size_t)s->n;
    s->codes = mem_alloc(n * (size_t)s->G * sizeof(int));
    int **arrays[] = {&s->is_text, &s->lang, &s->off, &s->len, &s->tgt_lang, &s->tgt_off, &s->tgt_len};
    int rc = s->codes ? 0 : -1;
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        if (!(*arrays[k] = mem_calloc(n, sizeof(int)))) rc = -1;
    if (rc) error_set(err, "out of memory");
    TokIds ids = {0};
    for (int i = 0; i < s->n && !rc; i++) {
        const MiniTuneEntry *e = &l->e[i];
        s->lang[i] = mini_detect_lang(e->prompt);
        rc = encode(tok, e->prompt, &ids, &s->off[i], &s->len[i], err);
        if (!rc && !e->image) { /* <translate> <lang> source <lang> target <eos> */
            s->is_text[i] = 1;
            s->tgt_lang[i] = mini_detect_lang(e->target);
            rc = encode(tok, e->target, &ids, &s->tgt_off[i], &s->tgt_len[i], err);
            if (!rc && s->len[i] + s->tgt_len[i] + 4 > max_seq)
                rc = error_set(err, "text pair %d (\"%s\"): %d + %d tokens exceed the model's context of %d", i + 1,
                               e->prompt, s->len[i], s->tgt_len[i], max_seq);
            continue;
        }
        int *codes = s->codes + (size_t)i * s->G;
        if (!rc) rc = mini_image_encode_vq(vq, e->image, codes, v->grid_h, v->grid_w, err);
        for (int k = 0; k < s->G && !rc; k++)
            if (codes[k] < 0 || codes[k] >= v->n_codes)
                rc = error_set(err, "%s: the VQ gives code %d, the model knows %d", e->image, codes[k], v->n_codes);
        /* the longer direction, i2t: <i2t> <boi> codes <eoi> <lang> text <eos> */
        if (!rc && s->len[i] + s->G + 5 > max_seq)
            rc = error_set(err, "%s: the prompt \"%s\" has %d tokens; with the image's %d codes that exceeds the "
                                "model's context of %d", e->image, e->prompt, s->len[i], s->G, max_seq);
    }
    vq_free(vq);
    s->ids = ids.ids;
    if (rc) mini_tune_set_free(s);
    return rc;
}

void mini_tune_set_free(MiniTuneSet *s) {
    int *arrays[] = {s->codes, s->is_text, s->lang, s->off, s->len, s->tgt_lang, s->tgt_off, s->tgt_len};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) mem_free(arrays[k]);
    TokIds ids = {.ids = s->ids};
    tok_ids_free(&ids);
    memset(s, 0, sizeof *s);
}

int mini_tune_examples(const MiniTuneSet *s, int only, int *ex) {
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        static const int image_tasks[] = {MINI_TASK_T2I, MINI_TASK_I2T}, text_tasks[] = {MINI_TASK_TRANSLATE};
        const int *tasks = s->is_text[i] ? text_tasks : image_tasks;
        int n_tasks = s->is_text[i] ? 1 : 2;
        for (int k = 0; k < n_tasks; k++)
            if (only < 0 || tasks[k] == only) ex[n++] = i * MINI_N_TASKS + tasks[k];
    }
    return n;
}

int mini_tune_seq(const MiniTuneSet *s, const MiniVocab *v, int ex, MiniSeq *seq, Error *err) {
    int i = ex / MINI_N_TASKS, task = ex % MINI_N_TASKS;
    const int32_t *text = s->ids + s->off[i];
    const int *codes = s->codes + (size_t)i * s->G;
    int rc;
    if (task == MINI_TASK_TRANSLATE)
        rc = mini_seq_translate(v, seq, s->lang[i], text, s->len[i], s->tgt_lang[i], s->ids + s->tgt_off[i],
                                s->tgt_len[i], err);
    else if (task == MINI_TASK_T2I)
        rc = mini_seq_t2i(v, seq, s->lang[i], text, s->len[i], codes, err);
    else
        rc = mini_seq_i2t(v, seq, codes, s->lang[i], text, s->len[i], err);
    if (rc == 0) mini_seq_pad(v, seq);
    return rc;
}
