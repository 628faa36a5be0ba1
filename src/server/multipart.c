/* multipart/form-data parsing (see multipart.h). */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *find(const char *hay, size_t n, const char *needle, size_t m) {
    if (m == 0 || n < m) return NULL;
    const char *last = hay + (n - m);
    for (const char *p = hay; p <= last; p++) {
        p = memchr(p, needle[0], (size_t)(last - p) + 1);
        if (!p) return NULL;
        if (memcmp(p, needle, m) == 0) return p;
    }
    return NULL;
}

/* Copies the value of `key="..."` (or key=token) from a header line. */
static void header_param(const char *line, size_t len, const char *key, char *out, size_t cap) {
    out[0] = 0;
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 1 <= len; i++) {
        if ((i == 0 || line[i - 1] == ';' || line[i - 1] == ' ') && strncasecmp(line + i, key, kl) == 0 &&
            line[i + kl] == '=') {
            const char *v = line + i + kl + 1, *end = line + len;
            int quoted = v < end && *v == '"';
            if (quoted) v++;
            size_t k = 0;
            while (v < end && (quoted ? *v != '"' : (*v != ';' && *v != ' ')) && k + 1 < cap) out[k++] = *v++;
            out[k] = 0;
            return;
        }
    }
}

int multipart_parse(Multipart *mp, const char *content_type, const char *body, size_t len, Error *err) {
    memset(mp, 0, sizeof *mp);
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return error_set(err, "Content-Type must be multipart/form-data");
    char boundary[80];
    header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary);
    size_t bl = strlen(boundary);
    if (bl == 0 || bl > 70) return error_set(err, "multipart boundary missing or longer than 70 bytes");
    char delim[80];
    size_t dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
    const char *end = body + len;
    const char *p = find(body, len, delim, dl);
    if (!p) return error_set(err, "multipart body has no boundary line");
    p += dl;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return 0; /* closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return error_set(err, "multipart: malformed boundary line");
        p += 2;
        if (mp->n == MULTIPART_MAX_PARTS) return error_set(err, "multipart: more than %d parts", MULTIPART_MAX_PARTS);
        MultipartPart *part = &mp->parts[mp->n];
        /* headers up to an empty line */
        for (;;) {
            const char *eol = find(p, (size_t)(end - p), "\r\n", 2);
            if (!eol) return error_set(err, "multipart: unterminated part headers");
            size_t ll = (size_t)(eol - p);
            if (ll == 0) {
                p = eol + 2;
                break;
            }
            if (ll > 1024) return error_set(err, "multipart: header line longer than 1 KiB");
            if (ll > 20 && strncasecmp(p, "Content-Disposition:", 20) == 0) {
                header_param(p + 20, ll - 20, "name", part->name, sizeof part->name);
                header_param(p + 20, ll - 20, "filename", part->filename, sizeof part->filename);
            } else if (ll > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
                const char *v = p + 13;
                size_t vl = ll - 13;
                while (vl && *v == ' ') v++, vl--;
                if (vl >= sizeof part->content_type) vl = sizeof part->content_type - 1;
                memcpy(part->content_type, v, vl);
                part->content_type[vl] = 0;
            }
            p = eol + 2;
        }
        /* data up to CRLF--boundary */
        char crlf_delim[84];
        size_t cl = (size_t)snprintf(crlf_delim, sizeof crlf_delim, "\r\n%s", delim);
        const char *next = find(p, (size_t)(end - p), crlf_delim, cl);
        if (!next) return error_set(err, "multipart: part '%s' is not terminated by the boundary", part->name);
        if (!part->name[0]) return error_set(err, "multipart: a part has no name");
        part->data = p;
        part->len = (size_t)(next - p);
        mp->n++;
        p = next + cl;
    }
}

const MultipartPart *multipart_get(const Multipart *mp, const char *name) {
    for (int i = 0; i < mp->n; i++)
        if (strcmp(mp->parts[i].name, name) == 0) return &mp->parts[i];
    return NULL;
}
