/* fuzz_tokenizer_json.c — tokenizer.json loading on arbitrary bytes: it must
 * load or fail with a message, never crash; what loads must encode and decode. */
#include "tokenizer/tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Tokenizer *tok = NULL;
    Error err = {0};
    if (tok_new_from_json(&tok, (const char *)data, size, "fuzz", &err) != 0) {
        if (!err.message[0]) abort(); /* every failure explains itself */
        return 0;
    }
    static const char *texts[] = {"hello world", "안녕하세요 12 ½", "  \t\n x'll", "<s>[|user|]"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        TokIds ids = {0};
        TokBytes out = {0};
        if (tok_encode(tok, texts[i], strlen(texts[i]), &ids, &err) == 0)
            tok_decode(tok, ids.ids, ids.n, 0, &out, &err);
        tok_ids_free(&ids);
        tok_bytes_free(&out);
    }
    tok_free(tok);
    return 0;
}
