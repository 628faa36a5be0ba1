/* UTF-8 reassembly and stop sequences for streamed text (see textsink.h). */
#include "textsink.h"

#include "../core/mem.h"

#include <string.h>

void textsink_init(TextSink *s, const char (*stops)[65], int n_stops) {
    memset(s, 0, sizeof *s);
    s->stops = stops;
    s->n_stops = n_stops;
}

void textsink_free(TextSink *s) {
    mem_free(s->text);
    s->text = NULL;
}

static int put(TextSink *s, const char *b, size_t n) {
    if (s->len + n + 1 > TEXTSINK_MAX) {
        s->full = 1;
        return -1;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < s->len + n + 1) cap *= 2;
        char *p = mem_realloc(s->text, cap);
        if (!p) {
            s->failed = 1;
            return -1;
        }
        s->text = p;
        s->cap = cap;
    }
    memcpy(s->text + s->len, b, n);
    s->len += n;
    s->text[s->len] = 0;
    return 0;
}

static const char replacement[] = "\xEF\xBF\xBD";

/* Length of the UTF-8 sequence a lead byte starts (0: not a lead byte). */
static int seq_len(unsigned char c) {
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c >= 0xE0 && c <= 0xEF) return 3;
    if (c >= 0xF0 && c <= 0xF4) return 4;
    return 0;
}

/* Whether the first k bytes of a sequence are valid so far (overlongs,
 * surrogates and > U+10FFFF excluded, as RFC 3629 requires). */
static int prefix_valid(const unsigned char *p, int k) {
    for (int i = 1; i < k; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (k >= 2) {
        if (p[0] == 0xE0 && p[1] < 0xA0) return 0;
        if (p[0] == 0xED && p[1] > 0x9F) return 0;
        if (p[0] == 0xF0 && p[1] < 0x90) return 0;
        if (p[0] == 0xF4 && p[1] > 0x8F) return 0;
    }
    return 1;
}

static int feed_byte(TextSink *s, unsigned char c) {
    if (s->n_pending == 0) {
        int L = seq_len(c);
        if (L == 1) return put(s, (const char *)&c, 1);
        if (L == 0) return put(s, replacement, 3);
        s->pending[s->n_pending++] = c;
        return 0;
    }
    s->pending[s->n_pending++] = c;
    if (!prefix_valid(s->pending, s->n_pending)) {
        /* the broken sequence becomes one U+FFFD; this byte starts over */
        s->n_pending = 0;
        if (put(s, replacement, 3) != 0) return -1;
        return feed_byte(s, c);
    }
    if (s->n_pending == seq_len(s->pending[0])) {
        int n = s->n_pending;
        s->n_pending = 0;
        return put(s, (const char *)s->pending, (size_t)n);
    }
    return 0;
}

static size_t longest_stop(const TextSink *s) {
    size_t m = 0;
    for (int i = 0; i < s->n_stops; i++) {
        size_t l = strlen(s->stops[i]);
        if (l > m) m = l;
    }
    return m;
}

int textsink_push(TextSink *s, const char *bytes, size_t n) {
    if (s->stopped || s->full || s->failed) return 1;
    size_t before = s->len;
    for (size_t i = 0; i < n; i++)
        if (feed_byte(s, (unsigned char)bytes[i]) != 0) {
            textsink_finish(s);
            return 1;
        }
    size_t longest = longest_stop(s);
    /* a stop sequence can only end in the new text */
    size_t from = before > longest ? before - longest : 0;
    for (int i = 0; i < s->n_stops; i++) {
        char *hit = memmem(s->text ? s->text + from : "", s->len - from, s->stops[i], strlen(s->stops[i]));
        if (hit && (size_t)(hit - s->text) < s->len) {
            s->len = (size_t)(hit - s->text);
            s->text[s->len] = 0;
            s->stopped = 1;
        }
    }
    if (s->stopped) {
        s->n_pending = 0;
        s->safe = s->len;
        return 1;
    }
    size_t safe = longest > 1 && s->len >= longest - 1 ? s->len - (longest - 1) : longest > 1 ? 0 : s->len;
    while (safe > s->sent && safe < s->len && ((unsigned char)s->text[safe] & 0xC0) == 0x80) safe--;
    if (safe > s->safe) s->safe = safe;
    return 0;
}

void textsink_finish(TextSink *s) {
    if (s->n_pending && !s->stopped && !s->full) put(s, replacement, 3);
    s->n_pending = 0;
    s->safe = s->len;
}
