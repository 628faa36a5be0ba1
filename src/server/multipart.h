/* multipart.h — multipart/form-data bodies (RFC 7578), as /v1/images/edits
 * receives them. The parts point into the body (no copies); at most
 * MULTIPART_MAX_PARTS parts, header lines of at most 1 KiB. */
#ifndef EXAONE_SERVER_MULTIPART_H
#define EXAONE_SERVER_MULTIPART_H

#include "../core/error.h"

#include <stddef.h>

#define MULTIPART_MAX_PARTS 16

typedef struct {
    char name[64], filename[128], content_type[64];
    const char *data;
    size_t len;
} MultipartPart;

typedef struct {
    MultipartPart parts[MULTIPART_MAX_PARTS];
    int n;
} Multipart;

/* content_type: the request's Content-Type header (gives the boundary). */
int multipart_parse(Multipart *mp, const char *content_type, const char *body, size_t len, Error *err);
/* The part of that name, or NULL. */
const MultipartPart *multipart_get(const Multipart *mp, const char *name);

#endif
