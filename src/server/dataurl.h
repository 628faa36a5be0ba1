/* dataurl.h — base64 (RFC 4648, standard alphabet) and data: URLs
 * (RFC 2397), as they arrive in image_url parts and from the Atelier page. */
#ifndef EXAONE_SERVER_DATAURL_H
#define EXAONE_SERVER_DATAURL_H

#include "../core/error.h"

#include <stddef.h>
#include <stdint.h>

/* Strict decoding: padding required only as RFC 4648 allows (missing final
 * padding tolerated), whitespace (CR, LF, space) skipped, anything else
 * rejected with its offset. *out mem_alloc'd (NUL-terminated, not counted). */
int base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len, Error *err);
/* mem_alloc'd, NUL-terminated. */
int base64_encode(const uint8_t *in, size_t len, char **out, size_t *out_len, Error *err);

/* "data:image/png;base64,...." -> bytes; media type copied into mime (may be
 * ""), at most mime_cap - 1 bytes. Only base64 data URLs with at most max_bytes
 * decoded bytes are accepted. */
int dataurl_decode(const char *url, size_t len, size_t max_bytes, char *mime, size_t mime_cap, uint8_t **out,
                   size_t *out_len, Error *err);

#endif
