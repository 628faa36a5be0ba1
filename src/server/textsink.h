/* textsink.h — turns the pieces a model emits into text that can be sent:
 * whole UTF-8 characters only (a Korean syllable's three bytes often arrive
 * in different tokens; invalid bytes become U+FFFD), and stop sequences cut
 * out even when they straddle pieces (text that could still start one is
 * held back). Bounded: past TEXTSINK_MAX bytes the sink reports "length".
 *
 *     TextSink s; textsink_init(&s, stops, n_stops);
 *     textsink_push(&s, piece, n);           // 1: a stop sequence ended it
 *     send(s.text + s.sent, s.safe - s.sent); s.sent = s.safe;
 *     textsink_finish(&s);                    // everything is safe now
 */
#ifndef EXAONE_SERVER_TEXTSINK_H
#define EXAONE_SERVER_TEXTSINK_H

#include <stddef.h>

#define TEXTSINK_MAX (1u << 20)

typedef struct {
    char *text;
    size_t len, cap, safe, sent;
    unsigned char pending[4];
    int n_pending;
    const char (*stops)[65];
    int n_stops;
    int stopped, full, failed; /* a stop sequence ended the text / TEXTSINK_MAX reached / out of memory */
} TextSink;

void textsink_init(TextSink *s, const char (*stops)[65], int n_stops);
void textsink_free(TextSink *s);
/* Returns 1 once the text is complete (stop sequence, full, or out of memory). */
int textsink_push(TextSink *s, const char *bytes, size_t n);
void textsink_finish(TextSink *s);

#endif
