/* exaone chat -m PATH — talk to an EXAONE 3.0/3.5/4.0 model: a REPL with history, or one
 * answer to -p PROMPT. The conversation is rendered with the model's chat template every
 * turn; the KV cache keeps the longest prefix the new rendering shares with the old one,
 * so each turn only runs the new tokens. */
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../formats/fmt_util.h"
#include "../models/exaone.h"
#include "../models/sampler.h"
#include "../tokenizer/tokenizer.h"
#include "args.h"
#include "lora_flags.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone chat -m PATH [options]\n\n"
    "Chat with an EXAONE 3.0/3.5/4.0 model (HF folder with tokenizer.json, or GGUF).\n"
    "Without -p, reads one message per line from stdin (/reset clears the history,\n"
    "/quit or end of input leaves).\n\n"
    "  -m, --model PATH        model folder or .gguf file\n"
    "  -p, --prompt TEXT       answer TEXT once and exit\n"
    "  --system TEXT           system message\n"
    "  --reasoning             EXAONE 4.0: think before answering (enable_thinking)\n"
    "  --no-reasoning          EXAONE 4.0: answer directly (default)\n"
    "  --raw                   no chat template: continue TEXT as plain text\n"
    "  --chat-template NAME    exaone3 or exaone4 instead of the model's template\n"
    "  -n, --n-predict N       most tokens per answer (default 1024)\n"
    "  --temp T                temperature (default 0.8; 0 = greedy)\n"
    "  --top-k K               (default 40; 0 = off)\n"
    "  --top-p P               (default 0.95; 1 = off)\n"
    "  --min-p P               (default 0.05; 0 = off)\n"
    "  --repeat-penalty R      (default 1.0 = off)\n"
    "  --repeat-last-n N       tokens the penalty looks back (default 64)\n"
    "  --seed S                random seed (default 0); same seed + threads -> same text\n"
    "  --stop TEXT             also stop when TEXT is generated (up to 4 times)\n"
    "  -c, --ctx-size N        context length (default: 8192, or the model's\n"
    "                          max_position_embeddings if smaller; at most that)\n"
    "  -t, --threads N         threads (default: all cores)\n"
    "  --kv TYPE               KV cache f16 (default), f32 or q8_0\n"
    "  --lora DIR[:SCALE]      add a PEFT LoRA adapter (repeatable; SCALE default 1)\n";

#define MAX_STOPS 4

typedef struct {
    ExaoneModel *m;
    Tokenizer *tok;
    ExaoneState *st;
    ThreadPool *pool;
    Sampler *sampler;
    int32_t *cached; /* ids in the KV cache */
    int n_cached;
    float *logits;
    int32_t stop_ids[4];
    int n_stop_ids;
    const char *stops[MAX_STOPS];
    int n_stops;
    int n_predict;
} Chat;

static int is_stop_id(const Chat *c, int32_t id) {
    for (int i = 0; i < c->n_stop_ids; i++)
        if (c->stop_ids[i] == id) return 1;
    return 0;
}

/* Feeds ids to the cache, reusing the prefix it already holds. */
static int feed(Chat *c, const int32_t *ids, int n, Error *err) {
    int keep = 0;
    while (keep < n && keep < c->n_cached && c->cached[keep] == ids[keep]) keep++;
    if (keep == n) keep--; /* rerun the last token: its logits are needed */
    exaone_state_rewind(c->st, keep);
    c->n_cached = keep;
    if (n - keep > exaone_state_ctx(c->st) - keep)
        return error_set(err, "the conversation (%d tokens) does not fit the context of %d tokens (-c)", n,
                         exaone_state_ctx(c->st));
    if (exaone_forward(c->st, c->pool, ids + keep, n - keep, c->logits, 0, err) != 0) return -1;
    memcpy(c->cached + keep, ids + keep, sizeof(int32_t) * (size_t)(n - keep));
    c->n_cached = n;
    return 0;
}

/* Length of the text that can be printed now: everything except a tail that might still
 * grow into a stop string (and never half a UTF-8 character: TokStream sees to that). */
static size_t safe_len(const Chat *c, const TokBytes *text, size_t printed, int *hit) {
    *hit = 0;
    size_t n = text->len;
    for (int i = 0; i < c->n_stops; i++) {
        size_t sl = strlen(c->stops[i]), from = printed > sl ? printed - sl : 0; /* unprinted text + overlap */
        const char *at = memmem(text->data + from, text->len - from, c->stops[i], sl);
        if (at && (size_t)(at - text->data) < n) {
            n = (size_t)(at - text->data);
            *hit = 1;
        }
    }
    if (*hit) return n;
    for (int i = 0; i < c->n_stops; i++) {
        size_t sl = strlen(c->stops[i]);
        for (size_t k = sl - 1; k > 0; k--) /* longest tail that is a prefix of the stop string */
            if (k <= text->len && memcmp(text->data + text->len - k, c->stops[i], k) == 0) {
                if (text->len - k < n) n = text->len - k;
                break;
            }
    }
    /* do not cut inside a UTF-8 sequence */
    while (n > printed && n < text->len && ((unsigned char)text->data[n] & 0xC0) == 0x80) n--;
    return n < printed ? printed : n;
}

/* Runs the prompt and streams the answer to stdout; the answer text goes to reply. */
static int generate(Chat *c, const int32_t *ids, int n, TokBytes *reply, Error *err) {
    double t0 = time_seconds();
    int n_prefill = n - (c->n_cached < n ? c->n_cached : n);
    if (feed(c, ids, n, err) != 0) return -1;
    double t1 = time_seconds();
    TokStream stream = {0};
    size_t printed = 0;
    int n_gen = 0, hit = 0;
    while (n_gen < c->n_predict) {
        int32_t id = sampler_sample(c->sampler, c->logits, c->cached, c->n_cached);
        n_gen++;
        if (is_stop_id(c, id)) break;
        if (tok_stream_push(c->tok, &stream, id, reply, err) != 0) return -1;
        size_t ok = safe_len(c, reply, printed, &hit);
        fwrite(reply->data + printed, 1, ok - printed, stdout);
        fflush(stdout);
        printed = ok;
        if (hit) break;
        if (c->n_cached >= exaone_state_ctx(c->st)) {
            log_warn("context full (%d tokens): answer cut", c->n_cached);
            break;
        }
        if (exaone_forward(c->st, c->pool, &id, 1, c->logits, 0, err) != 0) return -1;
        c->cached[c->n_cached++] = id;
    }
    if (!hit) {
        if (tok_stream_flush(&stream, reply, err) != 0) return -1;
        fwrite(reply->data + printed, 1, reply->len - printed, stdout);
    } else {
        reply->len = safe_len(c, reply, printed, &hit);
    }
    printf("\n");
    fflush(stdout);
    double t2 = time_seconds();
    log_info("prefill %d tokens: %.1f t/s; generated %d tokens: %.1f t/s", n_prefill,
             n_prefill / (t1 - t0 > 1e-9 ? t1 - t0 : 1e-9), n_gen, n_gen / (t2 - t1 > 1e-9 ? t2 - t1 : 1e-9));
    return 0;
}

static int add_message(cJSON *messages, const char *role, const char *content, size_t len) {
    char *text = mem_strndup(content, len);
    cJSON *msg = cJSON_CreateObject();
    int ok = text && msg && cJSON_AddStringToObject(msg, "role", role) &&
             cJSON_AddStringToObject(msg, "content", text);
    mem_free(text);
    if (!ok) {
        cJSON_Delete(msg);
        return -1;
    }
    cJSON_AddItemToArray(messages, msg);
    return 0;
}

/* One turn: render, encode, generate, and keep the answer in the history. */
static int turn(Chat *c, cJSON *messages, TokChatKind kind, int thinking, int raw, const char *user, Error *err) {
    TokBytes prompt = {0}, reply = {0};
    TokIds ids = {0};
    int rc = -1;
    /* A message is text: bad bytes would reach the model as U+FFFD without a word. */
    size_t good = fmt_utf8_valid_prefix(user, strlen(user));
    if (good != strlen(user)) return error_set(err, "the message is not valid UTF-8 (byte offset %zu)", good);
    if (raw) {
        rc = tok_bytes_append(&prompt, user, strlen(user));
    } else {
        if (add_message(messages, "user", user, strlen(user)) != 0) {
            error_set(err, "out of memory");
            goto done;
        }
        char *json = cJSON_PrintUnformatted(messages);
        rc = json ? tok_chat_render(kind, json, strlen(json), NULL, 0, 1, thinking, &prompt, err)
                  : error_set(err, "out of memory");
        cJSON_free(json);
    }
    if (rc != 0) goto done;
    rc = -1;
    if (tok_encode(c->tok, prompt.data, prompt.len, &ids, err) != 0) goto done;
    if (ids.n == 0) {
        error_set(err, "the prompt is empty");
        goto done;
    }
    if (ids.n > (size_t)exaone_state_ctx(c->st)) {
        error_set(err, "the prompt has %zu tokens, more than the context of %d (-c)", ids.n, exaone_state_ctx(c->st));
        goto done;
    }
    if (generate(c, ids.ids, (int)ids.n, &reply, err) != 0) goto done;
    if (!raw) {
        /* History keeps the answer without its reasoning, as the templates expect. */
        const char *body = reply.data ? reply.data : "";
        size_t len = reply.len;
        const char *end_think = memmem(body, len, "</think>", 8);
        if (end_think) {
            len -= (size_t)(end_think + 8 - body);
            body = end_think + 8;
            while (len && (*body == '\n' || *body == ' ')) body++, len--;
        }
        if (add_message(messages, "assistant", body, len) != 0) {
            error_set(err, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    tok_bytes_free(&prompt);
    tok_bytes_free(&reply);
    tok_ids_free(&ids);
    return rc;
}

int cmd_chat(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone chat");
    const char *model = NULL, *prompt = NULL, *system = NULL, *tmpl = NULL, *kv_name = "f16";
    int thinking = 0, raw = 0;
    int64_t n_predict = 1024, top_k = 40, last_n = 64, seed = 0, ctx = 0, threads = 0;
    LoraFlags lora = {0};
    double temp = 0.8, top_p = 0.95, min_p = 0.05, penalty = 1.0;
    Chat c = {0};
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        const char *stop;
        if (args_value(&args, "-m", "--model", &model) || args_value(&args, "-p", "--prompt", &prompt) ||
            args_value(&args, NULL, "--system", &system) || args_value(&args, NULL, "--chat-template", &tmpl) ||
            args_value(&args, NULL, "--kv", &kv_name) || args_int(&args, "-n", "--n-predict", 1, 1 << 24, &n_predict) ||
            args_int(&args, NULL, "--top-k", 0, 1 << 24, &top_k) ||
            args_int(&args, NULL, "--repeat-last-n", 0, 1 << 24, &last_n) ||
            args_int(&args, NULL, "--seed", 0, INT64_MAX, &seed) || args_int(&args, "-c", "--ctx-size", 1, 1 << 30, &ctx) ||
            args_int(&args, "-t", "--threads", 1, 1024, &threads) || args_float(&args, NULL, "--temp", 0, 100, &temp) ||
            args_float(&args, NULL, "--top-p", 0, 1, &top_p) || args_float(&args, NULL, "--min-p", 0, 1, &min_p) ||
            args_float(&args, NULL, "--repeat-penalty", 0.01, 100, &penalty))
            continue;
        if (lora_flags_parse(&args, &lora)) continue;
        if (args_flag(&args, NULL, "--reasoning")) {
            thinking = 1;
            continue;
        }
        if (args_flag(&args, NULL, "--no-reasoning")) {
            thinking = 0;
            continue;
        }
        if (args_flag(&args, NULL, "--raw")) {
            raw = 1;
            continue;
        }
        if (args_value(&args, NULL, "--stop", &stop)) {
            if (c.n_stops == MAX_STOPS || !stop[0]) {
                fprintf(stderr, "exaone chat: --stop takes a non-empty text, at most %d times\n", MAX_STOPS);
                return 2;
            }
            c.stops[c.n_stops++] = stop;
            continue;
        }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!model) {
        fprintf(stderr, "exaone chat: -m PATH is required (see exaone chat --help)\n");
        return 2;
    }
    if (system && fmt_utf8_valid_prefix(system, strlen(system)) != strlen(system)) {
        fprintf(stderr, "exaone chat: --system is not valid UTF-8 (byte offset %zu)\n",
                fmt_utf8_valid_prefix(system, strlen(system)));
        return 1;
    }
    int kv = dtype_from_name(kv_name);
    if (kv != DTYPE_F16 && kv != DTYPE_F32 && kv != DTYPE_Q8_0) {
        fprintf(stderr, "exaone chat: --kv must be f16, f32 or q8_0\n");
        return 2;
    }
    Error err = {0};
    int rc = 1;
    cJSON *messages = cJSON_CreateArray();
    SamplerParams sp = {(float)temp, (int)top_k, (float)top_p, (float)min_p, (float)penalty, (int)last_n,
                        (uint64_t)seed};
    TokChatKind kind = TOK_CHAT_UNKNOWN;
    c.n_predict = (int)n_predict;
    if (!messages || exaone_load(&c.m, model, &err) != 0 || tok_load(&c.tok, model, &err) != 0) goto done;
    if (lora_flags_attach(&lora, c.m, &err) != 0) goto done;
    if (tok_vocab_size(c.tok) > (size_t)c.m->cfg.vocab)
        log_warn("the tokenizer has %zu tokens, the model %d", tok_vocab_size(c.tok), c.m->cfg.vocab);
    if (!raw && tok_chat_kind(tmpl ? tmpl : tok_chat_template(c.tok), &kind, &err) != 0) goto done;
    if (ctx == 0) ctx = c.m->cfg.max_ctx < 8192 ? c.m->cfg.max_ctx : 8192; /* the cache is sized up front */
    if (exaone_state_new(&c.st, c.m, (int)ctx, (DType)kv, &err) != 0) goto done;
    c.pool = pool_new((int)threads);
    c.sampler = sampler_new(&sp, c.m->cfg.vocab);
    c.cached = mem_alloc(sizeof(int32_t) * (size_t)exaone_state_ctx(c.st));
    c.logits = mem_alloc(sizeof(float) * (size_t)c.m->cfg.vocab);
    if (!c.pool || !c.sampler || !c.cached || !c.logits) {
        error_set(&err, "out of memory");
        goto done;
    }
    if (c.m->cfg.eos_id >= 0) c.stop_ids[c.n_stop_ids++] = c.m->cfg.eos_id;
    int32_t eot = tok_token_to_id(c.tok, "[|endofturn|]", 13);
    if (eot >= 0) c.stop_ids[c.n_stop_ids++] = eot;
    if (system && !raw && add_message(messages, "system", system, strlen(system)) != 0) {
        error_set(&err, "out of memory");
        goto done;
    }
    if (prompt) {
        rc = turn(&c, messages, kind, thinking, raw, prompt, &err) == 0 ? 0 : 1;
        goto done;
    }
    char line[16384];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strcmp(line, "/quit") == 0) break;
        if (strcmp(line, "/reset") == 0) {
            cJSON_Delete(messages);
            messages = cJSON_CreateArray();
            if (!messages || (system && !raw && add_message(messages, "system", system, strlen(system)) != 0)) {
                error_set(&err, "out of memory");
                goto done;
            }
            continue;
        }
        if (!line[0]) continue;
        if (turn(&c, messages, kind, thinking, raw, line, &err) != 0) goto done;
    }
    rc = 0;
done:
    if (rc) log_error("%s", err.message);
    cJSON_Delete(messages);
    mem_free(c.cached);
    mem_free(c.logits);
    sampler_free(c.sampler);
    pool_free(c.pool);
    exaone_state_free(c.st);
    tok_free(c.tok);
    exaone_free(c.m);
    lora_flags_free(&lora);
    return rc;
}
