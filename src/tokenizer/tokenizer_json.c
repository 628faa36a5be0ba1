/* tokenizer_json.c — loading tokenizers: HF tokenizer.json, the older
 * vocab.json + merges.txt (+ tokenizer_config.json) pair, the GGUF arrays,
 * and a model folder holding any of them plus its chat template.
 *
 * Only byte-level BPE is accepted (every EXAONE tokenizer is one); anything
 * else in the file is named in a clear error rather than half supported. */
#include "../core/file.h"
#include "../core/mem.h"
#include "tok_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#define MAX_JSON_BYTES ((size_t)1 << 30)

int tok_compile_regex(pcre2_code **out, const char *pattern, size_t len, Error *err) {
    int code;
    PCRE2_SIZE offset;
    *out = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_UCP, &code, &offset, NULL);
    if (!*out) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return error_set(err, "regex /%.*s/ at offset %zu: %s", (int)(len > 200 ? 200 : len), pattern,
                         (size_t)offset, (const char *)msg);
    }
    pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
    return 0;
}

static int add_bytelevel(Tokenizer *tok, int use_regex, int add_prefix_space, Error *err) {
    if (tok->n_pre >= 8) return error_set(err, "too many pre-tokenizers");
    PreStep *st = &tok->pre[tok->n_pre];
    memset(st, 0, sizeof *st);
    st->kind = PRE_BYTELEVEL;
    st->use_regex = use_regex;
    st->add_prefix_space = add_prefix_space;
    st->fast_gpt2 = use_regex;
    if (use_regex && tok_compile_regex(&st->re, TOK_GPT2_PATTERN, strlen(TOK_GPT2_PATTERN), err) != 0) return -1;
    tok->n_pre++;
    tok->byte_level = 1;
    return 0;
}

static int add_digits(Tokenizer *tok, int individual, Error *err) {
    if (tok->n_pre >= 8) return error_set(err, "too many pre-tokenizers");
    PreStep *st = &tok->pre[tok->n_pre++];
    memset(st, 0, sizeof *st);
    st->kind = PRE_DIGITS;
    st->individual = individual;
    return 0;
}

int tok_set_pre_gpt2(Tokenizer *tok, int split_digits, Error *err) {
    if (split_digits && add_digits(tok, 1, err) != 0) return -1;
    return add_bytelevel(tok, 1, 0, err);
}

/* ---- tokenizer.json ---- */

static int json_bool(const cJSON *obj, const char *key, int fallback) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return fallback;
}

static const char *json_type(const cJSON *obj) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsString(t) ? t->valuestring : "";
}

static int parse_pre(Tokenizer *tok, const cJSON *pre, Error *err) {
    if (!pre || cJSON_IsNull(pre)) return 0;
    if (!cJSON_IsObject(pre)) return error_set(err, "pre_tokenizer is not an object");
    const char *type = json_type(pre);
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(pre, "pretokenizers"), *item;
        if (!cJSON_IsArray(list)) return error_set(err, "pre_tokenizer Sequence without a pretokenizers list");
        cJSON_ArrayForEach(item, list) if (parse_pre(tok, item, err) != 0) return -1;
        return 0;
    }
    if (strcmp(type, "ByteLevel") == 0)
        return add_bytelevel(tok, json_bool(pre, "use_regex", 1), json_bool(pre, "add_prefix_space", 1), err);
    if (strcmp(type, "Digits") == 0) return add_digits(tok, json_bool(pre, "individual_digits", 0), err);
    if (strcmp(type, "Split") == 0) {
        const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(pre, "pattern");
        const cJSON *regex = cJSON_GetObjectItemCaseSensitive(pattern, "Regex");
        const cJSON *literal = cJSON_GetObjectItemCaseSensitive(pattern, "String");
        const cJSON *behavior = cJSON_GetObjectItemCaseSensitive(pre, "behavior");
        if (!cJSON_IsString(regex) && !cJSON_IsString(literal))
            return error_set(err, "pre_tokenizer Split needs pattern.Regex or pattern.String");
        if (!cJSON_IsString(behavior)) return error_set(err, "pre_tokenizer Split without behavior");
        if (json_bool(pre, "invert", 0)) return error_set(err, "pre_tokenizer Split with invert=true is not supported");
        static const char *names[] = {"Isolated", "Removed", "MergedWithPrevious", "MergedWithNext"};
        int b = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(behavior->valuestring, names[i]) == 0) b = i;
        if (b < 0) return error_set(err, "pre_tokenizer Split behavior \"%s\" is not supported", behavior->valuestring);
        if (tok->n_pre >= 8) return error_set(err, "too many pre-tokenizers");
        PreStep *st = &tok->pre[tok->n_pre];
        memset(st, 0, sizeof *st);
        st->kind = PRE_SPLIT;
        st->behavior = (SplitBehavior)b;
        if (cJSON_IsString(regex)) {
            st->fast_gpt2 = b == SPLIT_ISOLATED && strcmp(regex->valuestring, TOK_GPT2_PATTERN) == 0;
            if (tok_compile_regex(&st->re, regex->valuestring, strlen(regex->valuestring), err) != 0) return -1;
        } else {
            int code;
            PCRE2_SIZE offset;
            st->re = pcre2_compile((PCRE2_SPTR)literal->valuestring, strlen(literal->valuestring),
                                   PCRE2_LITERAL | PCRE2_UTF, &code, &offset, NULL);
            if (!st->re) return error_set(err, "pre_tokenizer Split: bad literal pattern");
        }
        tok->n_pre++;
        return 0;
    }
    return error_set(err, "pre_tokenizer type \"%s\" is not supported", type);
}

static int parse_normalizer(Tokenizer *tok, const cJSON *norm, Error *err) {
    if (!norm || cJSON_IsNull(norm)) return 0;
    const char *type = json_type(norm);
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(norm, "normalizers"), *item;
        if (!cJSON_IsArray(list)) return error_set(err, "normalizer Sequence without a normalizers list");
        cJSON_ArrayForEach(item, list) if (parse_normalizer(tok, item, err) != 0) return -1;
        return 0;
    }
    static const char *names[] = {"NFC", "NFD", "NFKC", "NFKD", "Lowercase"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(type, names[i]) != 0) continue;
        if (tok->n_norms >= 8) return error_set(err, "too many normalizers");
        tok->norms[tok->n_norms++] = (NormKind)i;
        return 0;
    }
    return error_set(err, "normalizer type \"%s\" is not supported", type);
}

static int parse_decoder(const cJSON *dec, int *byte_level, Error *err) {
    if (!dec || cJSON_IsNull(dec)) return 0;
    const char *type = json_type(dec);
    if (strcmp(type, "ByteLevel") == 0) {
        *byte_level = 1;
        return 0;
    }
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(dec, "decoders"), *item;
        cJSON_ArrayForEach(item, list) if (parse_decoder(item, byte_level, err) != 0) return -1;
        return 0;
    }
    return error_set(err, "decoder type \"%s\" is not supported", type);
}

static int merge_parts(const cJSON *m, size_t rank, const char **a, size_t *a_len, const char **b, size_t *b_len,
                       Error *err) {
    if (cJSON_IsString(m)) {
        const char *s = m->valuestring, *space = strchr(s, ' ');
        if (!space || strchr(space + 1, ' ')) return error_set(err, "merge %zu \"%s\" is not \"a b\"", rank, s);
        *a = s;
        *a_len = (size_t)(space - s);
        *b = space + 1;
        *b_len = strlen(space + 1);
        return 0;
    }
    if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(m->child) &&
        cJSON_IsString(m->child->next)) {
        *a = m->child->valuestring;
        *a_len = strlen(*a);
        *b = m->child->next->valuestring;
        *b_len = strlen(*b);
        return 0;
    }
    return error_set(err, "merge %zu is neither \"a b\" nor [a, b]", rank);
}

static int load_merges(Tokenizer *tok, const cJSON *merges, Error *err) {
    size_t n = (size_t)cJSON_GetArraySize(merges), rank = 0;
    if (tok_set_merges_begin(tok, n, err) != 0) return -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, merges) {
        const char *a = NULL, *b = NULL;
        size_t a_len = 0, b_len = 0;
        if (merge_parts(m, rank, &a, &a_len, &b, &b_len, err) != 0) return -1;
        if (tok_add_merge(tok, a, a_len, b, b_len, err) != 0) return -1;
        rank++;
    }
    return 0;
}

/* Added tokens as HF lists them: {id, content, special, lstrip, rstrip, single_word}. */
static int load_added(Tokenizer *tok, const cJSON *added, int by_key, Error *err) {
    const cJSON *a;
    cJSON_ArrayForEach(a, added) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        double id_value;
        if (by_key) {
            char *end;
            id_value = a->string ? strtod(a->string, &end) : -1;
            if (!a->string || *end) return error_set(err, "added token key \"%s\" is not an id", a->string ? a->string : "");
        } else {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
            if (!cJSON_IsNumber(id)) return error_set(err, "added token without a numeric id");
            id_value = id->valuedouble;
        }
        if (!cJSON_IsString(content)) return error_set(err, "added token %.0f without content", id_value);
        if (id_value < 0 || id_value >= (double)tok->n_ids || id_value != (double)(int32_t)id_value)
            return error_set(err, "added token id %.0f out of range", id_value);
        if (tok_add_added_token(tok, (int32_t)id_value, content->valuestring, strlen(content->valuestring),
                                json_bool(a, "special", 0), json_bool(a, "lstrip", 0), json_bool(a, "rstrip", 0),
                                json_bool(a, "single_word", 0), err) != 0)
            return -1;
    }
    return 0;
}

/* Highest id and total spelling bytes of a vocab object plus an added-token list. */
static int measure(const cJSON *vocab, const cJSON *added, int added_by_key, size_t *n_ids, size_t *bytes,
                   Error *err) {
    double max_id = -1;
    size_t total = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, vocab) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (1 << 30) ||
            v->valuedouble != (double)(int32_t)v->valuedouble)
            return error_set(err, "vocab entry \"%s\" has no valid id", v->string ? v->string : "");
        if (v->valuedouble > max_id) max_id = v->valuedouble;
        total += strlen(v->string);
    }
    cJSON_ArrayForEach(v, added) {
        const cJSON *id = added_by_key ? NULL : cJSON_GetObjectItemCaseSensitive(v, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(v, "content");
        double value = added_by_key ? (v->string ? strtod(v->string, NULL) : -1) : cJSON_IsNumber(id) ? id->valuedouble : -1;
        if (value < 0 || value > (1 << 30)) return error_set(err, "added token with an invalid id");
        if (value > max_id) max_id = value;
        if (cJSON_IsString(content)) total += strlen(content->valuestring);
    }
    if (max_id < 0) return error_set(err, "empty vocabulary");
    /* Ids index dense tables: refuse a few entries spread over a huge id range. */
    size_t n_entries = (size_t)cJSON_GetArraySize(vocab) + (size_t)cJSON_GetArraySize(added);
    if (max_id > (double)n_entries * 4 + 65536)
        return error_set(err, "vocabulary ids are too sparse (%zu entries, highest id %.0f)", n_entries, max_id);
    *n_ids = (size_t)max_id + 1;
    *bytes = total;
    return 0;
}

/* Gives ids that only an added token names their spelling (HF keeps such tokens
 * outside the model vocab). */
static int fill_added_spellings(Tokenizer *tok, const cJSON *added, int by_key, Error *err) {
    const cJSON *a;
    cJSON_ArrayForEach(a, added) {
        const cJSON *id = by_key ? NULL : cJSON_GetObjectItemCaseSensitive(a, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        double value = by_key ? strtod(a->string, NULL) : cJSON_IsNumber(id) ? id->valuedouble : -1;
        if (!cJSON_IsString(content) || value < 0 || value >= (double)tok->n_ids) continue;
        int32_t i = (int32_t)value;
        if (tok->str_len[i] == UINT32_MAX &&
            tok_set_token(tok, i, content->valuestring, strlen(content->valuestring), err) != 0)
            return -1;
    }
    return 0;
}

static int build(Tokenizer **out, const cJSON *vocab, const cJSON *added, int added_by_key, Error *err) {
    size_t n_ids = 0, bytes = 0;
    if (!cJSON_IsObject(vocab)) return error_set(err, "model.vocab is not an object");
    if (measure(vocab, added, added_by_key, &n_ids, &bytes, err) != 0) return -1;
    Tokenizer *tok;
    if (tok_alloc(&tok, n_ids, bytes, err) != 0) return -1;
    const cJSON *v;
    cJSON_ArrayForEach(v, vocab) {
        if (tok_set_token(tok, (int32_t)v->valuedouble, v->string, strlen(v->string), err) != 0) goto fail;
    }
    if (fill_added_spellings(tok, added, added_by_key, err) != 0) goto fail;
    *out = tok;
    return 0;
fail:
    tok_free(tok);
    return -1;
}

static int finish(Tokenizer *tok, const cJSON *added, int added_by_key, Error *err) {
    if (tok_finish_vocab(tok, err) != 0) return -1;
    if (added && load_added(tok, added, added_by_key, err) != 0) return -1;
    return tok_finish_added(tok, err);
}

int tok_new_from_json(Tokenizer **out, const char *json, size_t len, const char *name, Error *err) {
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t offset = at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
        return error_set(err, "%s: invalid JSON near byte %zu", name, offset);
    }
    Tokenizer *tok = NULL;
    int rc = -1;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    const cJSON *dropout = cJSON_GetObjectItemCaseSensitive(model, "dropout");
    const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix");
    const cJSON *suffix = cJSON_GetObjectItemCaseSensitive(model, "end_of_word_suffix");
    int byte_level = 0;
    if (!cJSON_IsObject(model)) {
        error_set(err, "no \"model\" object");
    } else if (cJSON_IsString(type) && strcmp(type->valuestring, "BPE") != 0) {
        error_set(err, "model type \"%s\" is not supported (only byte-level BPE)", type->valuestring);
    } else if (!cJSON_IsArray(merges)) {
        error_set(err, "model.merges is not a list");
    } else if (added && !cJSON_IsNull(added) && !cJSON_IsArray(added)) {
        error_set(err, "added_tokens is not a list");
    } else if (cJSON_IsNumber(dropout) && dropout->valuedouble > 0) {
        error_set(err, "BPE dropout is not supported");
    } else if ((cJSON_IsString(prefix) && prefix->valuestring[0]) || (cJSON_IsString(suffix) && suffix->valuestring[0])) {
        error_set(err, "continuing_subword_prefix / end_of_word_suffix are not supported");
    } else if (json_bool(model, "byte_fallback", 0)) {
        error_set(err, "byte_fallback BPE is not supported (only byte-level BPE)");
    } else if (build(&tok, vocab, cJSON_IsArray(added) ? added : NULL, 0, err) == 0) {
        tok->ignore_merges = json_bool(model, "ignore_merges", 0);
        if (parse_normalizer(tok, cJSON_GetObjectItemCaseSensitive(root, "normalizer"), err) == 0 &&
            parse_pre(tok, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), err) == 0 &&
            parse_decoder(cJSON_GetObjectItemCaseSensitive(root, "decoder"), &byte_level, err) == 0) {
            if (!byte_level && !tok->byte_level)
                error_set(err, "not a byte-level BPE (no ByteLevel pre-tokenizer or decoder)");
            else {
                tok->byte_level = 1;
                if (finish(tok, cJSON_IsArray(added) ? added : NULL, 0, err) == 0 && load_merges(tok, merges, err) == 0 &&
                    tok_bpe_prepare(tok, err) == 0)
                    rc = 0;
            }
        }
    }
    cJSON_Delete(root);
    if (rc != 0) {
        tok_free(tok);
        return error_prefix(err, "%s", name);
    }
    *out = tok;
    return 0;
}

/* ---- vocab.json + merges.txt ---- */

static int load_merges_txt(Tokenizer *tok, const char *text, size_t len, const char *name, Error *err) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    if (tok_set_merges_begin(tok, n + 1, err) != 0) return -1;
    size_t line = 0;
    for (size_t p = 0; p < len;) {
        const char *s = text + p, *nl = memchr(s, '\n', len - p);
        size_t l = nl ? (size_t)(nl - s) : len - p;
        p += l + 1;
        line++;
        if (l && s[l - 1] == '\r') l--;
        if (l == 0 || (line == 1 && l >= 8 && memcmp(s, "#version", 8) == 0)) continue;
        const char *space = memchr(s, ' ', l);
        if (!space || memchr(space + 1, ' ', l - (size_t)(space + 1 - s)))
            return error_set(err, "%s:%zu: not \"a b\"", name, line);
        if (tok_add_merge(tok, s, (size_t)(space - s), space + 1, l - (size_t)(space + 1 - s), err) != 0)
            return error_prefix(err, "%s:%zu", name, line);
    }
    return 0;
}

int tok_new_from_files(Tokenizer **out, const char *vocab_json, const char *merges_txt, const char *config_json,
                       Error *err) {
    *out = NULL;
    char *vtext = NULL, *mtext = NULL, *ctext = NULL;
    size_t vlen, mlen, clen = 0;
    cJSON *vroot = NULL, *croot = NULL;
    Tokenizer *tok = NULL;
    int rc = -1;
    if (file_read_all(vocab_json, MAX_JSON_BYTES, &vtext, &vlen, err) != 0 ||
        file_read_all(merges_txt, MAX_JSON_BYTES, &mtext, &mlen, err) != 0)
        goto done;
    if (config_json && file_read_all(config_json, MAX_JSON_BYTES, &ctext, &clen, err) != 0) goto done;
    vroot = cJSON_ParseWithLength(vtext, vlen);
    if (!vroot) {
        error_set(err, "%s: invalid JSON", vocab_json);
        goto done;
    }
    const cJSON *added = NULL;
    if (ctext) {
        croot = cJSON_ParseWithLength(ctext, clen);
        if (!croot) {
            error_set(err, "%s: invalid JSON", config_json);
            goto done;
        }
        added = cJSON_GetObjectItemCaseSensitive(croot, "added_tokens_decoder");
        if (added && !cJSON_IsObject(added)) added = NULL;
    }
    if (build(&tok, vroot, added, 1, err) != 0) {
        error_prefix(err, "%s", vocab_json);
        goto done;
    }
    if (tok_set_pre_gpt2(tok, 0, err) != 0 || finish(tok, added, 1, err) != 0 ||
        load_merges_txt(tok, mtext, mlen, merges_txt, err) != 0 || tok_bpe_prepare(tok, err) != 0)
        goto done;
    rc = 0;
done:
    cJSON_Delete(vroot);
    cJSON_Delete(croot);
    mem_free(vtext);
    mem_free(mtext);
    mem_free(ctext);
    if (rc != 0) tok_free(tok);
    else *out = tok;
    return rc;
}

/* ---- GGUF arrays ---- */

int tok_new_from_arrays(Tokenizer **out, const char *const *tokens, size_t n_tokens, const char *const *merges,
                        size_t n_merges, const int32_t *token_types, const char *pre, Error *err) {
    *out = NULL;
    int split_digits;
    if (!pre || strcmp(pre, "default") == 0 || strcmp(pre, "gpt2") == 0 || strcmp(pre, "exaone4") == 0)
        split_digits = 0;
    else if (strcmp(pre, "exaone") == 0)
        split_digits = 1;
    else
        return error_set(err, "tokenizer.ggml.pre \"%s\" is not supported", pre);
    size_t bytes = 0;
    for (size_t i = 0; i < n_tokens; i++) {
        if (!tokens[i]) return error_set(err, "token %zu is missing", i);
        if (size_add(bytes, strlen(tokens[i]), &bytes) != 0) return error_set(err, "vocabulary too large");
    }
    Tokenizer *tok;
    if (tok_alloc(&tok, n_tokens, bytes, err) != 0) return -1;
    for (size_t i = 0; i < n_tokens; i++)
        if (tok_set_token(tok, (int32_t)i, tokens[i], strlen(tokens[i]), err) != 0) goto fail;
    tok->byte_level = 1;
    if (tok_set_pre_gpt2(tok, split_digits, err) != 0 || tok_finish_vocab(tok, err) != 0) goto fail;
    for (size_t i = 0; token_types && i < n_tokens; i++) {
        int type = token_types[i];
        if (type != TOK_TYPE_CONTROL && type != TOK_TYPE_USER_DEFINED) continue;
        if (tokens[i][0] == 0) continue;
        if (tok_add_added_token(tok, (int32_t)i, tokens[i], strlen(tokens[i]), type == TOK_TYPE_CONTROL, 0, 0, 0,
                                err) != 0)
            goto fail;
    }
    if (tok_finish_added(tok, err) != 0 || tok_set_merges_begin(tok, n_merges, err) != 0) goto fail;
    for (size_t i = 0; i < n_merges; i++) {
        const char *m = merges[i], *space = m ? strchr(m, ' ') : NULL;
        if (!space) {
            error_set(err, "merge %zu is not \"a b\"", i);
            goto fail;
        }
        if (tok_add_merge(tok, m, (size_t)(space - m), space + 1, strlen(space + 1), err) != 0) goto fail;
    }
    if (tok_bpe_prepare(tok, err) != 0) goto fail;
    *out = tok;
    return 0;
fail:
    tok_free(tok);
    return -1;
}

/* ---- a model folder or file ---- */

static int read_chat_template(Tokenizer *tok, const char *dir, Error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    char *text = NULL;
    size_t len;
    if (file_exists(path)) {
        if (file_read_all(path, MAX_JSON_BYTES, &text, &len, err) != 0) return -1;
        cJSON *root = cJSON_ParseWithLength(text, len);
        mem_free(text);
        if (!root) return error_set(err, "%s: invalid JSON", path);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "chat_template");
        if (cJSON_IsArray(t)) { /* [{name, template}], "default" first */
            const cJSON *item, *chosen = NULL;
            cJSON_ArrayForEach(item, t) {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
                if (!chosen || (cJSON_IsString(name) && strcmp(name->valuestring, "default") == 0)) chosen = item;
            }
            t = cJSON_GetObjectItemCaseSensitive(chosen, "template");
        }
        if (cJSON_IsString(t)) tok->chat_template = mem_strdup(t->valuestring);
        cJSON_Delete(root);
        if (cJSON_IsString(t) && !tok->chat_template) return error_set(err, "out of memory");
        if (tok->chat_template) return 0;
    }
    snprintf(path, sizeof path, "%s/chat_template.jinja", dir);
    if (file_exists(path)) {
        if (file_read_all(path, MAX_JSON_BYTES, &text, &len, err) != 0) return -1;
        tok->chat_template = text;
    }
    return 0;
}

static int is_gguf(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, fp);
    fclose(fp);
    return n == 4 && memcmp(magic, "GGUF", 4) == 0;
}

int tok_load(Tokenizer **out, const char *path, Error *err) {
    *out = NULL;
    char dir[1024], file[1100];
    if (dir_exists(path)) {
        snprintf(dir, sizeof dir, "%s", path);
        snprintf(file, sizeof file, "%s/tokenizer.json", dir);
    } else {
        if (!file_exists(path)) return error_set(err, "%s: no such file or folder", path);
        if (is_gguf(path)) return tok_load_gguf(out, path, err);
        snprintf(file, sizeof file, "%s", path);
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
    }
    int rc;
    if (file_exists(file)) {
        char *text;
        size_t len;
        if (file_read_all(file, MAX_JSON_BYTES, &text, &len, err) != 0) return -1;
        rc = tok_new_from_json(out, text, len, file, err);
        mem_free(text);
    } else {
        char vocab[1100], merges[1100], config[1100];
        snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
        snprintf(merges, sizeof merges, "%s/merges.txt", dir);
        snprintf(config, sizeof config, "%s/tokenizer_config.json", dir);
        if (!file_exists(vocab) || !file_exists(merges))
            return error_set(err, "%s: no tokenizer.json, and no vocab.json + merges.txt", path);
        rc = tok_new_from_files(out, vocab, merges, file_exists(config) ? config : NULL, err);
    }
    if (rc != 0) return -1;
    if (read_chat_template(*out, dir, err) != 0) {
        tok_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
