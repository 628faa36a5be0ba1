/* chat_template.c — the EXAONE chat templates, rendered in C.
 *
 * Models ship their prompt format as a Jinja template. Instead of a Jinja
 * interpreter we recognise the templates we know by a fingerprint of their
 * exact text and reproduce their output with code written from reading them
 * (transformers renders with trim_blocks and lstrip_blocks, which is why the
 * template's own newlines do not show up). A template we do not know is an
 * error that prints its fingerprint; `--chat-template exaone3|exaone4|FILE`
 * overrides the model's template.
 *
 * EXAONE 3.0/3.5: [|system|]S[|endofturn|]\n [|user|]U\n [|assistant|]A[|endofturn|]\n
 * (an empty system turn is added when the first message is not one).
 * EXAONE 4.0: role lines "[|role|]\n", every turn ends "[|endofturn|]\n",
 * assistant turns carry an empty <think> block, tools and tool calls as JSON. */
#include "../core/mem.h"
#include "tok_internal.h"

#include <cjson/cJSON.h>

typedef struct {
    uint64_t fingerprint;
    TokChatKind kind;
    const char *what;
} KnownTemplate;

/* tok_hash_bytes of the template text without trailing whitespace. */
static const KnownTemplate known[] = {
    {0x9e20bf445255dd26ull, TOK_CHAT_EXAONE3, "EXAONE 3.0/3.5 (tokenizer_config.json)"},
    {0x9ee680a10ef9e35cull, TOK_CHAT_EXAONE4, "EXAONE 4.0 (chat_template.jinja)"},
};

int tok_chat_kind(const char *template_text, TokChatKind *kind, Error *err) {
    *kind = TOK_CHAT_UNKNOWN;
    if (!template_text) return error_set(err, "the model has no chat template (use --chat-template)");
    if (strcmp(template_text, "exaone3") == 0) *kind = TOK_CHAT_EXAONE3;
    if (strcmp(template_text, "exaone4") == 0) *kind = TOK_CHAT_EXAONE4;
    if (*kind) return 0;
    size_t n = strlen(template_text);
    while (n && (template_text[n - 1] == ' ' || template_text[n - 1] == '\n' || template_text[n - 1] == '\t' ||
                 template_text[n - 1] == '\r'))
        n--;
    uint64_t h = tok_hash_bytes(template_text, n);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].fingerprint == h) {
            *kind = known[i].kind;
            return 0;
        }
    return error_set(err,
                     "unrecognised chat template (fingerprint %016llx, %zu bytes): only the EXAONE 3.x and 4.0 "
                     "templates are rendered; pass --chat-template exaone3|exaone4 to choose one",
                     (unsigned long long)h, n);
}

static int put(TokBytes *out, const char *s, size_t n, Error *err) {
    return tok_bytes_append(out, s, n) == 0 ? 0 : error_set(err, "out of memory");
}
static int puts_(TokBytes *out, const char *s, Error *err) { return put(out, s, strlen(s), err); }

/* Jinja's {{ value }} for a message field: strings as they are, None for null. */
static int put_value(TokBytes *out, const cJSON *v, const char *what, Error *err) {
    if (!v) return 0;
    if (cJSON_IsString(v)) return puts_(out, v->valuestring, err);
    if (cJSON_IsNull(v)) return puts_(out, "None", err);
    if (cJSON_IsTrue(v)) return puts_(out, "True", err);
    if (cJSON_IsFalse(v)) return puts_(out, "False", err);
    if (cJSON_IsNumber(v)) return tok_json_dump_py(v, out, err);
    return error_set(err, "%s must be a string", what);
}

static const cJSON *field(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

static const char *role_of(const cJSON *msg, size_t i, Error *err) {
    const cJSON *role = field(msg, "role");
    if (!cJSON_IsObject(msg) || !cJSON_IsString(role)) {
        error_set(err, "message %zu has no role", i);
        return NULL;
    }
    return role->valuestring;
}

static int render3(const cJSON *messages, int add_generation_prompt, TokBytes *out, Error *err) {
    size_t i = 0;
    const cJSON *msg;
    cJSON_ArrayForEach(msg, messages) {
        const char *role = role_of(msg, i, err);
        if (!role) return -1;
        const cJSON *content = field(msg, "content");
        /* The template concatenates strings with +, which fails on anything else. */
        if (!cJSON_IsString(content)) return error_set(err, "message %zu: content must be a string", i);
        if (i == 0 && strcmp(role, "system") != 0 && puts_(out, "[|system|][|endofturn|]\n", err) != 0) return -1;
        if (puts_(out, "[|", err) || puts_(out, role, err) || puts_(out, "|]", err) ||
            puts_(out, content->valuestring, err) ||
            puts_(out, strcmp(role, "user") == 0 ? "\n" : "[|endofturn|]\n", err))
            return -1;
        i++;
    }
    return add_generation_prompt ? puts_(out, "[|assistant|]", err) : 0;
}

/* ---- EXAONE 4.0 ---- */

/* Python's str.isspace for one character at s; returns its length or 0. */
static int py_space(const uint8_t *s, size_t n) {
    if (s[0] < 0x80) return (s[0] == ' ' || (s[0] >= 9 && s[0] <= 13) || (s[0] >= 0x1C && s[0] <= 0x1F)) ? 1 : 0;
    int len, bad;
    if (tok_utf8_valid(s, n, &bad) == 0) return 0;
    uint32_t cp = tok_utf8_decode(s, &len);
    int space = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return space ? len : 0;
}

/* str.strip(): [*begin, *end) shrinks past whitespace on both sides. */
static void py_strip(const char *s, size_t *begin, size_t *end) {
    const uint8_t *u = (const uint8_t *)s;
    int k;
    while (*begin < *end && (k = py_space(u + *begin, *end - *begin)) > 0) *begin += (size_t)k;
    for (;;) {
        size_t p = *end;
        if (p == *begin) break;
        size_t q = p - 1;
        while (q > *begin && (u[q] & 0xC0) == 0x80) q--;
        if (py_space(u + q, p - q) != (int)(p - q)) break;
        *end = q;
    }
}

static const char *tools_intro =
    "# Available Tools"
    "\nYou can use none, one, or multiple of the following tools by calling them as functions to help with the "
    "user\xE2\x80\x99s query."
    "\nHere are the tools available to you in JSON format within <tool> and </tool> tags:\n";
static const char *tools_outro =
    "\nFor each function call you want to make, return a JSON object with function name and arguments within "
    "<tool_call> and </tool_call> tags, like:"
    "\n<tool_call>{\"name\": function_1_name, \"arguments\": {argument_1_name: argument_1_value, argument_2_name: "
    "argument_2_value}}</tool_call>"
    "\n<tool_call>{\"name\": function_2_name, \"arguments\": {...}}</tool_call>\n..."
    "\nNote that if no argument name is specified for a tool, you can just print the argument value directly, "
    "without the argument name or JSON formatting.";

static int available_tools(const cJSON *tools, TokBytes *out, Error *err) {
    if (puts_(out, tools_intro, err) != 0) return -1;
    const cJSON *tool;
    cJSON_ArrayForEach(tool, tools) {
        if (puts_(out, "<tool>", err) || tok_json_dump_py(tool, out, err) || puts_(out, "</tool>\n", err)) return -1;
    }
    return puts_(out, tools_outro, err);
}

static int truthy(const cJSON *v) {
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return 0;
    if (cJSON_IsString(v)) return v->valuestring[0] != 0;
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) return v->child != NULL;
    if (cJSON_IsNumber(v)) return v->valuedouble != 0;
    return 1;
}

static int assistant_turn(const cJSON *msg, size_t i, TokBytes *out, Error *err) {
    const cJSON *content = field(msg, "content"), *calls = field(msg, "tool_calls");
    if (puts_(out, "[|assistant|]\n", err) != 0) return -1;
    if (truthy(content)) {
        if (!cJSON_IsString(content)) return error_set(err, "message %zu: content must be a string", i);
        const char *s = content->valuestring;
        size_t begin = 0, end = strlen(s);
        /* content.split('</think>')[-1].strip(): the text after the last </think>. */
        for (const char *p = strstr(s, "</think>"); p; p = strstr(p + 1, "</think>")) begin = (size_t)(p - s) + 8;
        if (begin > 0) py_strip(s, &begin, &end);
        /* skip_think is always true here, so the reasoning itself is never printed. */
        if (puts_(out, "<think>\n\n</think>\n\n", err) || put(out, s + begin, end - begin, err)) return -1;
    }
    if (truthy(calls)) {
        if (!cJSON_IsArray(calls)) return error_set(err, "message %zu: tool_calls must be a list", i);
        if (puts_(out, truthy(content) ? "\n" : "<think>\n\n</think>\n\n", err) != 0) return -1;
        const cJSON *call;
        int first = 1;
        cJSON_ArrayForEach(call, calls) {
            const cJSON *fn = field(call, "function") ? field(call, "function") : call;
            const cJSON *args = field(fn, "arguments") ? field(fn, "arguments") : field(fn, "parameters");
            if (!args) return error_set(err, "message %zu: a tool call needs arguments or parameters", i);
            if (!first && puts_(out, "\n", err) != 0) return -1;
            first = 0;
            if (puts_(out, "<tool_call>{\"name\": \"", err) || put_value(out, field(fn, "name"), "tool name", err) ||
                puts_(out, "\", \"arguments\": ", err) || tok_json_dump_py(args, out, err) ||
                puts_(out, "}</tool_call>", err))
                return -1;
        }
    }
    return puts_(out, "[|endofturn|]\n", err);
}

static int render4(const cJSON *messages, const cJSON *tools, int add_generation_prompt, int enable_thinking,
                   TokBytes *out, Error *err) {
    int have_tools = truthy(tools);
    size_t n = (size_t)cJSON_GetArraySize(messages), i = 0;
    const cJSON *msg, *prev = NULL;
    cJSON_ArrayForEach(msg, messages) {
        const char *role = role_of(msg, i, err);
        if (!role) return -1;
        int is_user = strcmp(role, "user") == 0, is_assistant = strcmp(role, "assistant") == 0;
        int is_system = strcmp(role, "system") == 0, is_tool = strcmp(role, "tool") == 0;
        if (!is_user && !is_assistant && !is_system && !is_tool) return error_set(err, "Unknown role: %s", role);
        const cJSON *content = field(msg, "content");
        if (i == 0 && is_system) {
            if (puts_(out, "[|system|]\n", err) || put_value(out, content, "content", err)) return -1;
            if (have_tools && (puts_(out, "\n\n", err) || available_tools(tools, out, err))) return -1;
            if (puts_(out, "[|endofturn|]\n", err) != 0) return -1;
            prev = msg;
            i++;
            continue;
        }
        if (i == 0 && have_tools &&
            (puts_(out, "[|system|]\n", err) || available_tools(tools, out, err) || puts_(out, "[|endofturn|]\n", err)))
            return -1;
        if (is_assistant) {
            if (assistant_turn(msg, i, out, err) != 0) return -1;
        } else if (is_tool) {
            const char *prev_role = prev ? role_of(prev, i - 1, err) : NULL;
            if ((!prev_role || strcmp(prev_role, "tool") != 0) && puts_(out, "[|tool|]\n", err) != 0) return -1;
            if (content && (puts_(out, "<tool_result>{\"result\": ", err) || tok_json_dump_py(content, out, err) ||
                            puts_(out, "}</tool_result>", err)))
                return -1;
            const cJSON *next = msg->next;
            const char *next_role = next ? role_of(next, i + 1, err) : NULL;
            if (next && !next_role) return -1;
            if (puts_(out, (i + 1 == n || strcmp(next_role, "tool") != 0) ? "[|endofturn|]\n" : "\n", err) != 0)
                return -1;
        } else {
            if (puts_(out, is_user ? "[|user|]\n" : "[|system|]\n", err) || put_value(out, content, "content", err) ||
                puts_(out, "[|endofturn|]\n", err))
                return -1;
        }
        prev = msg;
        i++;
    }
    if (!add_generation_prompt) return 0;
    return puts_(out, enable_thinking == 1 ? "[|assistant|]\n<think>\n" : "[|assistant|]\n<think>\n\n</think>\n\n", err);
}

int tok_chat_render(TokChatKind kind, const char *messages_json, size_t messages_len, const char *tools_json,
                    size_t tools_len, int add_generation_prompt, int enable_thinking, TokBytes *out, Error *err) {
    cJSON *messages = cJSON_ParseWithLength(messages_json, messages_len);
    cJSON *tools = tools_json ? cJSON_ParseWithLength(tools_json, tools_len) : NULL;
    int rc;
    if (!cJSON_IsArray(messages)) rc = error_set(err, "messages: not a JSON list");
    else if (tools_json && !cJSON_IsArray(tools) && !cJSON_IsNull(tools)) rc = error_set(err, "tools: not a JSON list");
    else if (kind == TOK_CHAT_EXAONE3) rc = render3(messages, add_generation_prompt, out, err);
    else if (kind == TOK_CHAT_EXAONE4) rc = render4(messages, tools, add_generation_prompt, enable_thinking, out, err);
    else rc = error_set(err, "unknown chat template kind");
    cJSON_Delete(messages);
    cJSON_Delete(tools);
    return rc;
}
