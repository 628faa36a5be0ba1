/* exaone_gguf.c — loading EXAONE GGUF files (llama.cpp arch "exaone" / "exaone4"). */
#include "../formats/gguf.h"
#include "exaone.h"

int exaone_load_gguf(ExaoneModel *m, const char *path, Error *err);
void exaone_gguf_close(void *g);

int exaone_load_gguf(ExaoneModel *m, const char *path, Error *err) {
    (void)m;
    return error_set(err, "%s: GGUF models are not supported yet", path);
}

void exaone_gguf_close(void *g) { gguf_close(g); }
