/* tune_data.c — chat JSONL -> token ids with assistant-only targets (tune_data.h). */
#include "tune_data.h"

#include "../core/file.h"
#include "../core/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Renders messages[0..n) of arr (agp: add the generation prompt) into out. */
static int render_prefix(const cJSON *arr, int n, int agp, TokChatKind kind, TokBytes *out, Error *err) {
    out->len = 0;
    cJSON *sub = cJSON_CreateArray();
    if (!sub) return error_set(err, "out of memory");
    for (int i = 0; i < n; i++) {
        cJSON *dup = cJSON_Duplicate(cJSON_GetArrayItem(arr, i), 1);
        if (!dup) {
            cJSON_Delete(sub);
            return error_set(err, "out of memory");
        }
        cJSON_AddItemToArray(sub, dup);
    }
    char *json = cJSON_PrintUnformatted(sub);
    cJSON_Delete(sub);
    if (!json) return error_set(err, "out of memory");
    int rc = tok_chat_render(kind, json, strlen(json), NULL, 0, agp, -1, out, err);
    free(json);
    return rc;
}

static int push_piece(TuneExample *e, TokIds *all, TokIds *mask, const Tokenizer *tok, const char *text, size_t len,
                      int answer, Error *err) {
    (void)e;
    TokIds ids = {0};
    if (len && tok_encode(tok, text, len, &ids, err) != 0) {
        tok_ids_free(&ids); /* the ids encoded before the failure */
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < ids.n && !rc; i++)
        rc = tok_ids_push(all, ids.ids[i]) || tok_ids_push(mask, answer);
    tok_ids_free(&ids);
    return rc ? error_set(err, "out of memory") : 0;
}

int tune_data_render(TuneExample *e, const char *messages_json, const Tokenizer *tok, TokChatKind kind, int max_len,
                     Error *err) {
    memset(e, 0, sizeof *e);
    cJSON *arr = cJSON_Parse(messages_json);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return error_set(err, "messages must be a JSON array");
    }
    int n = cJSON_GetArraySize(arr), rc = 0;
    TokBytes whole = {0}, pre = {0}, upto = {0};
    TokIds all = {0}, mask = {0};
    size_t done = 0;
    int answers = 0;
    rc = render_prefix(arr, n, 0, kind, &whole, err);
    for (int k = 0; k < n && !rc; k++) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(arr, k), "role");
        if (!cJSON_IsString(role)) {
            rc = error_set(err, "message %d has no role", k);
            break;
        }
        if (strcmp(role->valuestring, "assistant") != 0) continue;
        if (render_prefix(arr, k, 1, kind, &pre, err) || render_prefix(arr, k + 1, 0, kind, &upto, err)) {
            rc = -1;
            break;
        }
        if (pre.len < done || pre.len > upto.len || upto.len > whole.len || memcmp(pre.data, upto.data, pre.len) ||
            memcmp(upto.data, whole.data, upto.len)) {
            rc = error_set(err, "assistant message %d: the chat template does not render it as an extension of the "
                                "conversation before it (cannot locate the answer)", k);
            break;
        }
        rc = push_piece(e, &all, &mask, tok, whole.data + done, pre.len - done, 0, err) ||
             push_piece(e, &all, &mask, tok, whole.data + pre.len, upto.len - pre.len, 1, err);
        done = upto.len;
        answers++;
    }
    if (!rc && !answers) rc = error_set(err, "no assistant message");
    if (!rc) rc = push_piece(e, &all, &mask, tok, whole.data + done, whole.len - done, 0, err);
    cJSON_Delete(arr);
    tok_bytes_free(&whole);
    tok_bytes_free(&pre);
    tok_bytes_free(&upto);
    if (!rc) {
        int T = all.n > (size_t)max_len ? max_len : (int)all.n;
        e->tokens = mem_alloc(sizeof(int32_t) * (size_t)(T ? T : 1));
        e->targets = mem_alloc(sizeof(int) * (size_t)(T ? T : 1));
        if (!e->tokens || !e->targets) rc = error_set(err, "out of memory");
        for (int i = 0; !rc && i < T; i++) {
            e->tokens[i] = all.ids[i];
            e->targets[i] = (size_t)(i + 1) < all.n && i + 1 < T && mask.ids[i + 1] ? all.ids[i + 1] : -1;
            e->n_loss += e->targets[i] >= 0;
        }
        e->n = T;
    }
    tok_ids_free(&all);
    tok_ids_free(&mask);
    if (rc) {
        mem_free(e->tokens);
        mem_free(e->targets);
        memset(e, 0, sizeof *e);
    }
    return rc;
}

int tune_data_load(TuneData *d, const char *path, const Tokenizer *tok, TokChatKind kind, int max_len, Error *err) {
    memset(d, 0, sizeof *d);
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, (size_t)1 << 31, &text, &len, err) != 0) return -1;
    int rc = 0, line = 0, cap = 0;
    for (char *p = text, *end; p < text + len && !rc; p = end + 1) {
        end = memchr(p, '\n', (size_t)(text + len - p));
        if (!end) end = text + len;
        line++;
        char *q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q == end) continue;
        cJSON *obj = cJSON_ParseWithLength(p, (size_t)(end - p));
        const cJSON *msgs = obj ? cJSON_GetObjectItemCaseSensitive(obj, "messages") : NULL;
        char *json = cJSON_IsArray(msgs) ? cJSON_PrintUnformatted(msgs) : NULL;
        cJSON_Delete(obj);
        if (!json) {
            rc = error_set(err, "%s:%d: expected {\"messages\": [...]}", path, line);
            break;
        }
        if (d->n == cap) {
            int nc = cap ? cap * 2 : 64;
            TuneExample *ne = mem_realloc(d->ex, sizeof *ne * (size_t)nc);
            if (!ne) {
                free(json);
                rc = error_set(err, "out of memory");
                break;
            }
            d->ex = ne;
            cap = nc;
        }
        TuneExample *e = &d->ex[d->n];
        rc = tune_data_render(e, json, tok, kind, max_len, err);
        free(json);
        if (rc) {
            error_prefix(err, "%s:%d", path, line);
            break;
        }
        if (e->n_loss == 0) {
            mem_free(e->tokens);
            mem_free(e->targets);
            d->n_truncated++;
            continue;
        }
        d->n_tokens += e->n;
        d->n_loss += e->n_loss;
        d->n++;
    }
    mem_free(text);
    if (!rc && d->n == 0) rc = error_set(err, "%s: no usable examples", path);
    if (rc) tune_data_free(d);
    return rc;
}

void tune_data_free(TuneData *d) {
    for (int i = 0; i < d->n; i++) {
        mem_free(d->ex[i].tokens);
        mem_free(d->ex[i].targets);
    }
    mem_free(d->ex);
    memset(d, 0, sizeof *d);
}
