/* exaone_logits.c — our side of test_llamacpp.sh: the same output as llama_logits.c
 * (logits of every prompt position to OUT.f32, greedy ids on stdout), from our runtime.
 *
 *     exaone_logits MODEL OUT.f32 N_GREEDY ID...      (MODEL: a folder or a .gguf)
 *
 * KV cache f32, one thread: the setting llama_logits.c uses on llama.cpp's side
 * (EXAONE_KV=f16 selects our default f16 cache instead, to check that path against f32).
 */
#include "models/exaone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: exaone_logits MODEL OUT.f32 N_GREEDY ID...\n");
        return 2;
    }
    int n_greedy = atoi(argv[3]), n_prompt = argc - 4;
    Error err = {0};
    ExaoneModel *m = NULL;
    ExaoneState *s = NULL;
    ThreadPool *pool = pool_new(1);
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)n_prompt);
    int rc = 1;
    if (!pool || !ids) goto done;
    for (int i = 0; i < n_prompt; i++) ids[i] = atoi(argv[4 + i]);
    const char *kv = getenv("EXAONE_KV");
    DType kv_type = kv && strcmp(kv, "f16") == 0 ? DTYPE_F16 : DTYPE_F32;
    if (exaone_load(&m, argv[1], &err) != 0 || exaone_state_new(&s, m, n_prompt + n_greedy + 8, kv_type, &err) != 0) {
        fprintf(stderr, "exaone_logits: %s\n", err.message);
        goto done;
    }
    int vocab = m->cfg.vocab;
    float *logits = malloc(sizeof(float) * (size_t)n_prompt * (size_t)vocab);
    if (!logits || exaone_forward(s, pool, ids, n_prompt, logits, 1, &err) != 0) {
        fprintf(stderr, "exaone_logits: %s\n", logits ? err.message : "out of memory");
        free(logits);
        goto done;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(logits, sizeof(float) * (size_t)vocab, (size_t)n_prompt, f) != (size_t)n_prompt) {
        fprintf(stderr, "exaone_logits: cannot write %s\n", argv[2]);
        if (f) fclose(f);
        free(logits);
        goto done;
    }
    fclose(f);
    int32_t next = argmax(logits + (size_t)(n_prompt - 1) * vocab, vocab);
    rc = 0;
    for (int step = 0; step < n_greedy; step++) {
        printf(step ? " %d" : "%d", next);
        if (step + 1 == n_greedy) break;
        if (exaone_forward(s, pool, &next, 1, logits, 0, &err) != 0) {
            fprintf(stderr, "exaone_logits: %s\n", err.message);
            rc = 1;
            break;
        }
        next = argmax(logits, vocab);
    }
    printf("\n");
    free(logits);
done:
    exaone_state_free(s);
    exaone_free(m);
    pool_free(pool);
    free(ids);
    return rc;
}
