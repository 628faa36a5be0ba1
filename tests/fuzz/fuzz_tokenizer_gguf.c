/* fuzz_tokenizer_gguf.c — a tokenizer from arbitrary GGUF bytes: the GGUF
 * parser and tok_new_from_gguf must load or fail with a message, never crash;
 * what loads must encode and decode. */
#include "formats/gguf.h"
#include "tokenizer/tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Gguf *g = NULL;
    Error err = {0};
    if (gguf_parse(&g, data, size, "fuzz", &err) != 0) return 0;
    Tokenizer *tok = NULL;
    if (tok_new_from_gguf(&tok, g, &err) == 0) {
        static const char *texts[] = {"hello world", "안녕하세요 12 ½", "<s>[|user|] x"};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            TokIds ids = {0};
            TokBytes out = {0};
            if (tok_encode(tok, texts[i], strlen(texts[i]), &ids, &err) == 0) tok_decode(tok, ids.ids, ids.n, 0, &out, &err);
            tok_ids_free(&ids);
            tok_bytes_free(&out);
        }
        tok_free(tok);
    } else if (!err.message[0]) {
        abort();
    }
    gguf_close(g);
    return 0;
}
