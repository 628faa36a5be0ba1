/* fuzz_tokenizer_gguf.c — a tokenizer from arbitrary GGUF bytes: the GGUF
 * parser and tok_new_from_gguf must load or fail with a message, never crash;
 * what loads must encode and decode. */
#include "formats/gguf.h"

#include "fuzz_tok_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Gguf *g = NULL;
    Error err = {0};
    if (gguf_parse(&g, data, size, "fuzz", &err) != 0) return 0;
    Tokenizer *tok = NULL;
    if (tok_new_from_gguf(&tok, g, &err) == 0) {
        fuzz_tok_exercise(tok);
    } else if (!err.message[0]) {
        abort();
    }
    gguf_close(g);
    return 0;
}
