/* text_clean.c — accelerator stripping and the pair filter (see text_clean.h). */
#include "text_clean.h"

#include "../formats/fmt_util.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Strict UTF-8 (RFC 3629), the same rule as names read from model files. */
int text_is_utf8(const char *s) { return fmt_utf8_valid(s, strlen(s)); }

int text_count_hangul(const char *s) {
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* U+AC00..U+D7A3 are EA B0 80 .. ED 9E A3 */
        if (p[0] >= 0xea && p[0] <= 0xed && p[1] && p[2]) {
            unsigned cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
            if (cp >= 0xac00 && cp <= 0xd7a3) n++;
        }
    }
    return n;
}

static int is_mark(char c) { return c == '_' || c == '&' || c == '~'; }

void text_strip_ui(const char *in, char *out, size_t out_size) {
    size_t n = 0;
    for (size_t i = 0; in[i] && n + 1 < out_size; i++) {
        char c = in[i];
        /* Korean-style accelerator: "(_O)", "(&O)", "(~O)" after the word. */
        if (c == '(' && is_mark(in[i + 1]) && in[i + 2] && isalnum((unsigned char)in[i + 2]) && in[i + 3] == ')') {
            i += 3;
            while (n > 0 && out[n - 1] == ' ') n--; /* "열기 (_O)" -> "열기" */
            continue;
        }
        if (c == '&' && in[i + 1] == '&') { /* "&&" is a literal ampersand */
            out[n++] = '&';
            i++;
            continue;
        }
        /* '_' and '~' before a letter are accelerators anywhere ("Po_wer",
         * LibreOffice's "~Open"); '&' only at the start of a word, since
         * inside one ("R&D", "Q&A") it is text. */
        int before_letter = in[i + 1] && (isalnum((unsigned char)in[i + 1]) || (unsigned char)in[i + 1] >= 0x80);
        if (before_letter && (c == '_' || c == '~' || (c == '&' && (i == 0 || !isalnum((unsigned char)in[i - 1])))))
            continue;
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
        if (c == ' ' && (n == 0 || out[n - 1] == ' ')) continue;
        out[n++] = c;
    }
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = 0;
}

/* Letters left once format specifiers (%s, %1$d, %(name)s, {0}, {name},
 * $VAR) and markup (<b>) are removed: ASCII letters or Hangul syllables. */
static int letters_outside_formats(const char *s) {
    int letters = 0;
    for (size_t i = 0; s[i];) {
        if (s[i] == '%' && s[i + 1]) {
            size_t j = i + 1;
            if (s[j] == '(') {
                while (s[j] && s[j] != ')') j++;
                if (s[j]) j++;
            }
            while (s[j] && strchr("0123456789$#-+. *'lhqjzt", s[j])) j++;
            if (s[j] && isalpha((unsigned char)s[j])) j++;
            i = j;
            continue;
        }
        if (s[i] == '{' || s[i] == '<') {
            char close = s[i] == '{' ? '}' : '>';
            const char *end = strchr(s + i, close);
            if (end) {
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        if (s[i] == '$' && isalpha((unsigned char)s[i + 1])) {
            i++;
            while (isalnum((unsigned char)s[i]) || s[i] == '_') i++;
            continue;
        }
        if (isalpha((unsigned char)s[i])) letters++;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xea && c <= 0xed) {
            char one[4] = {s[i], s[i + 1] ? s[i + 1] : 0, s[i + 1] && s[i + 2] ? s[i + 2] : 0, 0};
            letters += text_count_hangul(one);
        }
        i++;
    }
    return letters;
}

static int is_internal_key(const char *en) {
    static const char *prefixes[] = {"default:", "calendar:", "translator-credits", "translator_credits", "Project-Id-",
                                     "http://", "https://", NULL};
    for (int i = 0; prefixes[i]; i++)
        if (strncmp(en, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    return 0;
}

int text_clean_pair(const char *msgid, const char *msgstr, char *en_out, char *ko_out, size_t out_size) {
    size_t en_len = strlen(msgid), ko_len = strlen(msgstr);
    /* Cleaning only shortens; anything longer than twice the limit is out anyway. */
    if (en_len >= out_size || ko_len >= out_size || en_len > 4 * TEXT_MAX_BYTES || ko_len > 4 * TEXT_MAX_BYTES) return 0;
    if (!text_is_utf8(msgid) || !text_is_utf8(msgstr)) return 0;
    text_strip_ui(msgid, en_out, out_size);
    text_strip_ui(msgstr, ko_out, out_size);
    if (!en_out[0] || !ko_out[0] || strlen(en_out) > TEXT_MAX_BYTES || strlen(ko_out) > TEXT_MAX_BYTES) return 0;
    if (is_internal_key(en_out) || strcmp(en_out, ko_out) == 0) return 0;
    if (text_count_hangul(en_out) > 0 || text_count_hangul(ko_out) == 0) return 0;
    int ascii_letters = 0;
    for (const char *p = en_out; *p; p++) ascii_letters += isalpha((unsigned char)*p) != 0;
    if (ascii_letters < 2) return 0;
    if (letters_outside_formats(en_out) < 2 || letters_outside_formats(ko_out) < 1) return 0;
    return 1;
}
