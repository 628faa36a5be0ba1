/* fuzz_tok_common.h — what the tokenizer-loading fuzz targets do with a
 * tokenizer that loaded: encode and decode a few texts that reach added
 * tokens, Hangul, digits and whitespace runs, then free it. */
#ifndef EXAONE_FUZZ_TOK_COMMON_H
#define EXAONE_FUZZ_TOK_COMMON_H

#include "tokenizer/tokenizer.h"

#include <string.h>

static inline void fuzz_tok_exercise(Tokenizer *tok) {
    static const char *texts[] = {"hello world", "안녕하세요 12 ½", "  \t\n x'll", "<s>[|user|]"};
    Error err = {0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        TokIds ids = {0};
        TokBytes out = {0};
        if (tok_encode(tok, texts[i], strlen(texts[i]), &ids, &err) == 0)
            tok_decode(tok, ids.ids, ids.n, 0, &out, &err);
        tok_ids_free(&ids);
        tok_bytes_free(&out);
    }
    tok_free(tok);
}

#endif
