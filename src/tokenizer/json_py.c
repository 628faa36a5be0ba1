/* json_py.c — JSON text as Python's json.dumps(x, ensure_ascii=False) writes it.
 *
 * Chat templates print tool schemas and arguments with Jinja's `tojson`, which
 * transformers implements with json.dumps: ", " and ": " separators, keys in
 * their given order, non-ASCII kept, control characters as \u00XX. Our output
 * must match it byte for byte or the prompt tokens change.
 * Known gap: cJSON keeps no number spelling, so a float written 24.0 prints as 24. */
#include "tok_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>

int tok_json_quote(const char *s, size_t n, TokBytes *out, Error *err) {
    if (tok_bytes_append(out, "\"", 1) != 0) return error_set(err, "out of memory");
    size_t clean = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        char esc[8];
        switch (c) {
        case '"': snprintf(esc, sizeof esc, "\\\""); break;
        case '\\': snprintf(esc, sizeof esc, "\\\\"); break;
        case '\n': snprintf(esc, sizeof esc, "\\n"); break;
        case '\r': snprintf(esc, sizeof esc, "\\r"); break;
        case '\t': snprintf(esc, sizeof esc, "\\t"); break;
        case '\b': snprintf(esc, sizeof esc, "\\b"); break;
        case '\f': snprintf(esc, sizeof esc, "\\f"); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", c); break;
        }
        if (tok_bytes_append(out, s + clean, i - clean) != 0 || tok_bytes_append(out, esc, strlen(esc)) != 0)
            return error_set(err, "out of memory");
        clean = i + 1;
    }
    if (tok_bytes_append(out, s + clean, n - clean) != 0 || tok_bytes_append(out, "\"", 1) != 0)
        return error_set(err, "out of memory");
    return 0;
}

static int put(TokBytes *out, const char *s, Error *err) {
    return tok_bytes_append(out, s, strlen(s)) == 0 ? 0 : error_set(err, "out of memory");
}

static int dump(const cJSON *v, TokBytes *out, int depth, Error *err) {
    if (depth > 200) return error_set(err, "JSON nested too deeply");
    if (cJSON_IsNull(v)) return put(out, "null", err);
    if (cJSON_IsTrue(v)) return put(out, "true", err);
    if (cJSON_IsFalse(v)) return put(out, "false", err);
    if (cJSON_IsString(v)) return tok_json_quote(v->valuestring, strlen(v->valuestring), out, err);
    if (cJSON_IsNumber(v)) {
        char buf[64];
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0) snprintf(buf, sizeof buf, "%.0f", d);
        else if (isnan(d)) snprintf(buf, sizeof buf, "NaN");
        else if (isinf(d)) snprintf(buf, sizeof buf, d > 0 ? "Infinity" : "-Infinity");
        else {
            /* Python's repr: the shortest text that reads back as the same double. */
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, sizeof buf, "%.*g", prec, d);
                if (strtod(buf, NULL) == d) break;
            }
        }
        return put(out, buf, err);
    }
    int is_object = cJSON_IsObject(v);
    if (!is_object && !cJSON_IsArray(v)) return error_set(err, "unsupported JSON value");
    if (put(out, is_object ? "{" : "[", err) != 0) return -1;
    const cJSON *item;
    int first = 1;
    cJSON_ArrayForEach(item, v) {
        if (!first && put(out, ", ", err) != 0) return -1;
        first = 0;
        if (is_object) {
            if (tok_json_quote(item->string, strlen(item->string), out, err) != 0 || put(out, ": ", err) != 0)
                return -1;
        }
        if (dump(item, out, depth + 1, err) != 0) return -1;
    }
    return put(out, is_object ? "}" : "]", err);
}

int tok_json_dump_py(const void *cjson_value, TokBytes *out, Error *err) { return dump(cjson_value, out, 0, err); }
