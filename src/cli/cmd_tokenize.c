/* exaone tokenize — encode, decode, render chats and train BPE vocabularies. */
#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../formats/fmt_util.h"
#include "../tokenizer/tokenizer.h"
#include "args.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone tokenize -m MODEL [--ids|--pieces|--json] [--] [TEXT]\n"
    "       exaone tokenize -m MODEL --chat FILE [--text] [--chat-template FILE|exaone3|exaone4]\n"
    "       exaone tokenize -m MODEL --decode [--] IDS\n"
    "       exaone tokenize --train -o tokenizer.json [--vocab-size N] [FILE...]\n\n"
    "Encodes TEXT (or, with no TEXT, all of stdin byte for byte) with the model's tokenizer.\n"
    "MODEL is a model folder, a tokenizer.json or a GGUF file. Nothing is added around the\n"
    "ids (special tokens written in the text, like [|user|], are still matched).\n\n"
    "output (one of):\n"
    "  --ids             ids on one line, separated by single spaces (default)\n"
    "  --pieces          one token per line, in the vocabulary's spelling\n"
    "  --json            {\"ids\": [...], \"tokens\": [...]} on one line\n\n"
    "options:\n"
    "  -m, --model PATH  tokenizer to use\n"
    "  --threads N       encode with N threads (same ids; default 1)\n"
    "  --decode          TEXT (or stdin) is ids; prints the decoded text\n"
    "  --skip-special    with --decode: drop special tokens\n"
    "  --chat FILE       FILE is a JSON list of {role, content} messages, or an object with\n"
    "                    messages, tools, add_generation_prompt, enable_thinking; it is\n"
    "                    rendered with the model's chat template, then encoded\n"
    "  --text            with --chat: print the rendered prompt instead of ids\n"
    "  --chat-template T template FILE, or exaone3 / exaone4, instead of the model's\n"
    "  --no-generation-prompt   with --chat and a plain list: do not open an assistant turn\n"
    "  --thinking        with --chat (EXAONE 4.0): enable_thinking=true\n\n"
    "training (byte-level BPE, written as an HF tokenizer.json):\n"
    "  --train           train on FILEs (or stdin)\n"
    "  -o, --output PATH where to write tokenizer.json\n"
    "  --vocab-size N    total vocabulary, bytes and specials included (default 8000)\n"
    "  --min-frequency N ignore pairs seen fewer times (default 2)\n"
    "  --split-digits    split digits one by one before the GPT-2 regex (EXAONE 3.x style)\n"
    "  --special TOKEN   add a special token (repeatable)\n";

static int read_stdin(TokBytes *out) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (tok_bytes_append(out, buf, n) != 0) return -1;
    return ferror(stdin) ? -1 : 0;
}

static int print_ids(const Tokenizer *tok, const TokIds *ids, int mode) {
    if (mode == 1) {
        for (size_t i = 0; i < ids->n; i++) {
            size_t len;
            const char *s = tok_id_to_token(tok, ids->ids[i], &len);
            fwrite(s, 1, len, stdout);
            fputc('\n', stdout);
        }
        return 0;
    }
    if (mode == 2) {
        TokBytes line = {0};
        int rc = tok_bytes_append(&line, "{\"ids\": [", 9);
        for (size_t i = 0; rc == 0 && i < ids->n; i++) {
            char num[16];
            int k = snprintf(num, sizeof num, "%s%d", i ? ", " : "", ids->ids[i]);
            rc = tok_bytes_append(&line, num, (size_t)k);
        }
        rc = rc || tok_bytes_append(&line, "], \"tokens\": [", 14);
        cJSON *str = NULL;
        for (size_t i = 0; rc == 0 && i < ids->n; i++) {
            size_t len;
            const char *s = tok_id_to_token(tok, ids->ids[i], &len);
            char *copy = mem_strndup(s, len);
            str = copy ? cJSON_CreateString(copy) : NULL;
            char *printed = str ? cJSON_PrintUnformatted(str) : NULL;
            rc = !printed || (i && tok_bytes_append(&line, ", ", 2)) || tok_bytes_append(&line, printed, strlen(printed));
            cJSON_free(printed);
            cJSON_Delete(str);
            mem_free(copy);
        }
        rc = rc || tok_bytes_append(&line, "]}\n", 3);
        if (rc == 0) fwrite(line.data, 1, line.len, stdout);
        tok_bytes_free(&line);
        return rc ? 1 : 0;
    }
    for (size_t i = 0; i < ids->n; i++) printf(i ? " %d" : "%d", ids->ids[i]);
    printf("\n");
    return 0;
}

/* Parses "1 2 3" (any whitespace or commas, brackets ignored). */
static int parse_ids(const char *text, TokIds *ids) {
    const char *p = text;
    while (*p) {
        if (strchr(" \t\r\n,[]", *p)) {
            p++;
            continue;
        }
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > INT32_MAX) return -1;
        if (tok_ids_push(ids, (int32_t)v) != 0) return -1;
        p = end;
    }
    return 0;
}

typedef struct {
    const char *model, *chat, *chat_template, *output;
    const char *specials[64];
    size_t n_specials;
    int mode, decode, skip_special, text_only, no_gen, thinking, train, split_digits;
    int64_t threads, vocab_size, min_frequency;
    const char *positional[256];
    int n_positional;
} Options;

static int render_chat(const Tokenizer *tok, const Options *o, TokBytes *prompt, Error *err) {
    const char *template_text = o->chat_template ? o->chat_template : tok_chat_template(tok);
    char *file_text = NULL;
    if (o->chat_template && strcmp(o->chat_template, "exaone3") != 0 && strcmp(o->chat_template, "exaone4") != 0) {
        size_t n;
        if (file_read_all(o->chat_template, (size_t)1 << 24, &file_text, &n, err) != 0) return -1;
        template_text = file_text;
    }
    TokChatKind kind;
    int rc = tok_chat_kind(template_text, &kind, err);
    mem_free(file_text);
    if (rc != 0) return -1;
    char *json;
    size_t len;
    if (file_read_all(o->chat, (size_t)1 << 28, &json, &len, err) != 0) return -1;
    /* JSON text is UTF-8 (RFC 8259); cJSON would pass bad bytes through into the prompt. */
    size_t good = fmt_utf8_valid_prefix(json, len);
    if (good != len) {
        mem_free(json);
        return error_set(err, "%s: not valid UTF-8 at byte offset %zu", o->chat, good);
    }
    cJSON *root = cJSON_ParseWithLength(json, len);
    mem_free(json);
    if (!root) return error_set(err, "%s: invalid JSON", o->chat);
    const cJSON *messages = root, *tools = NULL;
    int gen = !o->no_gen, thinking = o->thinking ? 1 : -1;
    if (cJSON_IsObject(root)) {
        messages = cJSON_GetObjectItemCaseSensitive(root, "messages");
        tools = cJSON_GetObjectItemCaseSensitive(root, "tools");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "add_generation_prompt");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "enable_thinking");
        if (cJSON_IsBool(g)) gen = cJSON_IsTrue(g);
        if (cJSON_IsBool(t)) thinking = cJSON_IsTrue(t);
    }
    char *m = messages ? cJSON_PrintUnformatted(messages) : NULL;
    char *t = tools ? cJSON_PrintUnformatted(tools) : NULL;
    if (!m) rc = error_set(err, "%s: no messages", o->chat);
    else rc = tok_chat_render(kind, m, strlen(m), t, t ? strlen(t) : 0, gen, thinking, prompt, err);
    if (rc != 0) error_prefix(err, "%s", o->chat);
    cJSON_free(m);
    cJSON_free(t);
    cJSON_Delete(root);
    return rc;
}

static int run_train(const Options *o) {
    Error err = {0};
    if (!o->output) {
        fprintf(stderr, "exaone tokenize: --train needs -o OUTPUT (see exaone tokenize --help)\n");
        return 2;
    }
    int n = o->n_positional ? o->n_positional : 1;
    TokBytes *texts = mem_calloc((size_t)n, sizeof *texts);
    const char **ptrs = mem_calloc((size_t)n, sizeof *ptrs);
    size_t *lens = mem_calloc((size_t)n, sizeof *lens);
    int rc = texts && ptrs && lens ? 0 : error_set(&err, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        if (o->n_positional == 0) {
            if (read_stdin(&texts[i]) != 0) rc = error_set(&err, "cannot read stdin");
        } else {
            char *data;
            size_t len;
            rc = file_read_all(o->positional[i], (size_t)1 << 32, &data, &len, &err);
            if (rc == 0) texts[i] = (TokBytes){data, len, len};
        }
        ptrs[i] = texts[i].data ? texts[i].data : "";
        lens[i] = texts[i].len;
    }
    TokTrainOptions opt = {(size_t)o->vocab_size, (size_t)o->min_frequency, o->split_digits, o->specials,
                           o->n_specials, 1};
    if (rc == 0) rc = tok_train_bpe(ptrs, lens, (size_t)n, &opt, o->output, &err);
    for (int i = 0; texts && i < n; i++) tok_bytes_free(&texts[i]);
    mem_free(texts);
    mem_free(ptrs);
    mem_free(lens);
    if (rc != 0) {
        fprintf(stderr, "exaone tokenize: %s\n", err.message);
        return 1;
    }
    log_info("wrote %s", o->output);
    return 0;
}

static int run(const Options *o) {
    Error err = {0};
    Tokenizer *tok = NULL;
    TokBytes input = {0}, output = {0};
    TokIds ids = {0};
    int rc = 0;
    if (tok_load(&tok, o->model, &err) != 0) {
        fprintf(stderr, "exaone tokenize: %s\n", err.message);
        return 1;
    }
    if (o->chat) {
        rc = render_chat(tok, o, &input, &err);
        if (rc == 0 && o->text_only) {
            fwrite(input.data, 1, input.len, stdout);
            goto done;
        }
    } else if (o->n_positional == 1) {
        rc = tok_bytes_append(&input, o->positional[0], strlen(o->positional[0])) ? error_set(&err, "out of memory") : 0;
    } else if (read_stdin(&input) != 0) {
        rc = error_set(&err, "cannot read stdin");
    }
    if (rc == 0 && o->decode) {
        if (parse_ids(input.data ? input.data : "", &ids) != 0) rc = error_set(&err, "expected ids (whole numbers)");
        else rc = tok_decode(tok, ids.ids, ids.n, o->skip_special, &output, &err);
        if (rc == 0) fwrite(output.data ? output.data : "", 1, output.len, stdout);
    } else if (rc == 0) {
        rc = tok_encode_parallel(tok, input.data ? input.data : "", input.len, (int)o->threads, &ids, &err);
        if (rc == 0) rc = print_ids(tok, &ids, o->mode) ? error_set(&err, "out of memory") : 0;
    }
done:
    if (rc != 0) fprintf(stderr, "exaone tokenize: %s\n", err.message);
    tok_ids_free(&ids);
    tok_bytes_free(&input);
    tok_bytes_free(&output);
    tok_free(tok);
    return rc ? 1 : 0;
}

int cmd_tokenize(int argc, char **argv) {
    Args args;
    Options o = {0};
    o.threads = 1;
    o.vocab_size = 8000;
    o.min_frequency = 2;
    const char *special;
    args_init(&args, argc, argv, "exaone tokenize");
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &o.model)) continue;
        if (args_flag(&args, NULL, "--ids")) { o.mode = 0; continue; }
        if (args_flag(&args, NULL, "--pieces")) { o.mode = 1; continue; }
        if (args_flag(&args, NULL, "--json")) { o.mode = 2; continue; }
        if (args_flag(&args, NULL, "--decode")) { o.decode = 1; continue; }
        if (args_flag(&args, NULL, "--skip-special")) { o.skip_special = 1; continue; }
        if (args_value(&args, NULL, "--chat", &o.chat)) continue;
        if (args_value(&args, NULL, "--chat-template", &o.chat_template)) continue;
        if (args_flag(&args, NULL, "--text")) { o.text_only = 1; continue; }
        if (args_flag(&args, NULL, "--no-generation-prompt")) { o.no_gen = 1; continue; }
        if (args_flag(&args, NULL, "--thinking")) { o.thinking = 1; continue; }
        if (args_int(&args, NULL, "--threads", 1, 64, &o.threads)) continue;
        if (args_flag(&args, NULL, "--train")) { o.train = 1; continue; }
        if (args_value(&args, "-o", "--output", &o.output)) continue;
        if (args_int(&args, NULL, "--vocab-size", 257, 1 << 20, &o.vocab_size)) continue;
        if (args_int(&args, NULL, "--min-frequency", 1, 1 << 30, &o.min_frequency)) continue;
        if (args_flag(&args, NULL, "--split-digits")) { o.split_digits = 1; continue; }
        if (args_value(&args, NULL, "--special", &special)) {
            if (o.n_specials >= 64) {
                fprintf(stderr, "exaone tokenize: at most 64 --special tokens\n");
                return 2;
            }
            o.specials[o.n_specials++] = special;
            continue;
        }
        const char *positional;
        if (o.n_positional < 256 && args_positional(&args, &positional)) {
            o.positional[o.n_positional++] = positional;
            continue;
        }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (o.train) return run_train(&o);
    if (!o.model) {
        fprintf(stderr, "exaone tokenize: -m MODEL is required (see exaone tokenize --help)\n");
        return 2;
    }
    if (o.n_positional > 1 || (o.chat && o.n_positional)) {
        fprintf(stderr, "exaone tokenize: give one TEXT (quote it), or none to read stdin\n");
        return 2;
    }
    return run(&o);
}
