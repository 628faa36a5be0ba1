/* fuzz_tokenizer_files.c — the vocab.json + merges.txt (+ tokenizer_config.json)
 * loader on arbitrary bytes. The input is cut at NUL bytes into vocab.json,
 * merges.txt and an optional config; they are written to a private temporary
 * folder because tok_new_from_files reads paths. Loading must succeed or fail
 * with a message, never crash; what loads must encode and decode. */
#include "fuzz_tok_common.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const uint8_t *p, size_t n, char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (n && fwrite(p, 1, n, fp) != n) abort();
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_tokfiles.XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    const uint8_t *part[3] = {data, NULL, NULL};
    size_t len[3] = {size, 0, 0};
    int n = 1;
    for (; n < 3; n++) {
        const uint8_t *nul = len[n - 1] ? memchr(part[n - 1], 0, len[n - 1]) : NULL;
        if (!nul) break;
        part[n] = nul + 1;
        len[n] = len[n - 1] - (size_t)(nul + 1 - part[n - 1]);
        len[n - 1] = (size_t)(nul - part[n - 1]);
    }
    char vocab[128], merges[128], config[128];
    put("vocab.json", part[0], len[0], vocab, sizeof vocab);
    put("merges.txt", part[1], len[1], merges, sizeof merges);
    if (n == 3) put("tokenizer_config.json", part[2], len[2], config, sizeof config);
    Tokenizer *tok = NULL;
    Error err = {0};
    int rc = tok_new_from_files(&tok, vocab, merges, n == 3 ? config : NULL, &err);
    if (rc != 0) {
        if (!err.message[0]) abort(); /* every failure explains itself */
        return 0;
    }
    fuzz_tok_exercise(tok);
    return 0;
}
