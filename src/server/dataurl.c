/* base64 and data: URLs (see dataurl.h). */
#include "dataurl.h"

#include "../core/mem.h"

#include <string.h>
#include <strings.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len, Error *err) {
    uint8_t *buf = mem_alloc(len / 4 * 3 + 4);
    if (!buf) return error_set(err, "base64: out of memory");
    size_t n = 0, nd = 0;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n' || c == ' ') continue;
        if (c == '=') {
            if (++pad > 2) goto bad;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) {
            mem_free(buf);
            return error_set(err, "base64: invalid character 0x%02x at offset %zu", c, i);
        }
        nd++;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (uint8_t)(acc >> bits);
        }
    }
    /* A lone sextet cannot hold a byte; padding completes a quad; leftover bits are zero. */
    if (nd % 4 == 1 || (pad && (nd + (size_t)pad) % 4 != 0) || (bits && (acc & ((1u << bits) - 1)) != 0)) goto bad;
    buf[n] = 0;
    *out = buf;
    *out_len = n;
    return 0;
bad:
    mem_free(buf);
    return error_set(err, "base64: malformed padding or length");
}

int base64_encode(const uint8_t *in, size_t len, char **out, size_t *out_len, Error *err) {
    size_t groups = len / 3 + (len % 3 != 0), cap;
    if (size_mul(groups, 4, &cap) != 0 || size_add(cap, 1, &cap) != 0) return error_set(err, "base64: too large");
    char *s = mem_alloc(cap);
    if (!s) return error_set(err, "base64: out of memory");
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        s[o++] = alphabet[(v >> 18) & 63];
        s[o++] = alphabet[(v >> 12) & 63];
        s[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        s[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    s[o] = 0;
    *out = s;
    *out_len = o;
    return 0;
}

int dataurl_decode(const char *url, size_t len, size_t max_bytes, char *mime, size_t mime_cap, uint8_t **out,
                   size_t *out_len, Error *err) {
    if (len < 5 || strncasecmp(url, "data:", 5) != 0)
        return error_set(err, "only data: URLs are accepted (the server fetches nothing)");
    const char *comma = memchr(url, ',', len);
    if (!comma) return error_set(err, "data: URL without a comma");
    const char *meta = url + 5;
    size_t meta_len = (size_t)(comma - meta);
    /* the parameters end with ";base64" */
    if (meta_len < 7 || strncasecmp(comma - 7, ";base64", 7) != 0)
        return error_set(err, "data: URL is not base64-encoded");
    size_t type_len = meta_len - 7;
    const char *semi = memchr(meta, ';', type_len);
    if (semi) type_len = (size_t)(semi - meta);
    if (mime_cap) {
        size_t k = type_len < mime_cap - 1 ? type_len : mime_cap - 1;
        memcpy(mime, meta, k);
        mime[k] = 0;
    }
    size_t data_len = len - (size_t)(comma + 1 - url);
    if (data_len / 4 * 3 > max_bytes + 3) return error_set(err, "data: URL holds more than %zu bytes", max_bytes);
    if (base64_decode(comma + 1, data_len, out, out_len, err) != 0) return -1;
    if (*out_len > max_bytes) {
        mem_free(*out);
        *out = NULL;
        return error_set(err, "data: URL holds more than %zu bytes", max_bytes);
    }
    return 0;
}
