/* bytelevel.c — GPT-2's byte <-> printable-character alphabet.
 *
 * Byte-level BPE vocabularies spell every byte as a printable code point so
 * that tokens are valid strings: bytes that are already printable Latin-1
 * ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves, the other 68 bytes get
 * U+0100.. in byte order (space -> 'Ġ' U+0120, newline -> 'Ċ' U+010A). */
#include "../core/mem.h"
#include "tok_internal.h"

#include <pthread.h>

static int printable(unsigned b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174); }

uint32_t tok_byte_to_char(uint8_t byte) {
    if (printable(byte)) return byte;
    if (byte <= 32) return 256u + byte;
    if (byte <= 160) return 256u + 33u + (byte - 127u);
    return 256u + 67u; /* 173, the soft hyphen */
}

int tok_char_to_byte(uint32_t cp) {
    if (cp < 256) return printable(cp) ? (int)cp : -1;
    if (cp <= 256 + 32) return (int)(cp - 256);
    if (cp <= 256 + 66) return (int)(cp - 256 - 33 + 127);
    if (cp == 256 + 67) return 173;
    return -1;
}

static uint8_t spelling[256][2]; /* UTF-8 of each byte's stand-in (second byte 0 if one) */

static void init_spelling(void) {
    for (unsigned b = 0; b < 256; b++) {
        uint8_t buf[4];
        int len = tok_utf8_encode(tok_byte_to_char((uint8_t)b), buf);
        spelling[b][0] = buf[0];
        spelling[b][1] = len == 2 ? buf[1] : 0;
    }
}

int tok_bytes_to_spelling(const uint8_t *in, size_t n, TokBytes *out, Error *err) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_spelling);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *t = spelling[in[i]];
        if (tok_bytes_append(out, t, t[1] ? 2 : 1) != 0) return error_set(err, "out of memory");
    }
    return 0;
}

int tok_spelling_to_bytes(const char *in, size_t n, TokBytes *out, Error *err) {
    size_t start = out->len;
    const uint8_t *s = (const uint8_t *)in;
    for (size_t i = 0; i < n;) {
        int bad, len = tok_utf8_valid(s + i, n - i, &bad);
        int byte = -1;
        if (len > 0) byte = tok_char_to_byte(tok_utf8_decode(s + i, &len));
        if (byte < 0) {
            /* HF's ByteLevel decoder keeps such a token's own text. */
            out->len = start;
            if (tok_bytes_append(out, in, n) != 0) return error_set(err, "out of memory");
            return 0;
        }
        uint8_t b = (uint8_t)byte;
        if (tok_bytes_append(out, &b, 1) != 0) return error_set(err, "out of memory");
        i += (size_t)len;
    }
    return 0;
}
