/* fuzz_tokenizer_json.c — tokenizer.json loading on arbitrary bytes: it must
 * load or fail with a message, never crash; what loads must encode and decode. */
#include "fuzz_tok_common.h"

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
    fuzz_tok_exercise(tok);
    return 0;
}
