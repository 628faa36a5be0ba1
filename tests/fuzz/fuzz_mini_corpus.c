/* libFuzzer target: EXAONE-mini's training corpus TSV (src/train/mini_data.c)
 * with the shipped model's tokenizer and vocabulary, then batches drawn from
 * whatever loaded: every task's evaluation row and two training steps. Token
 * ids must stay inside the vocabulary; failures must say why; one allocation
 * failure per input must fail cleanly. */
#include "core/mem.h"
#include "models/mini.h"
#include "train/mini_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 4 };

static MiniModel *model(void) {
    static MiniModel *m;
    if (!m) {
        Error err = {0};
        if (mini_load(&m, "models/exaone-mini", 1, &err) != 0) abort(); /* run from the repo root */
    }
    return m;
}

static void check_rows(const MiniBatch *b, int vocab) {
    for (int i = 0; i < b->B * b->T; i++)
        if (b->tokens[i] < 0 || b->tokens[i] >= vocab || b->targets[i] >= vocab) __builtin_trap();
}

static int run(const char *text, size_t len, Error *err) {
    const MiniModel *m = model();
    MiniCorpus *c = NULL;
    if (mini_corpus_parse(&c, text, len, "corpus.tsv", mini_tokenizer(m), mini_vocab(m), err) != 0) {
        mini_corpus_free(c);
        return -1;
    }
    int vocab = mini_config(m)->vocab, rc = 0;
    MiniBatch *b = NULL;
    if (mini_batch_new(&b, ROWS, mini_config(m)->max_seq, err) != 0) {
        mini_corpus_free(c);
        return -1;
    }
    int have[MINI_N_TASKS] = {c->n_images > 0 && c->n_captions > 0, c->n_images > 0 && c->n_captions > 0,
                              c->n_pairs > 0, c->n_texts > 0};
    for (int task = 0; task < MINI_N_TASKS && rc == 0; task++)
        if (have[task]) rc = mini_batch_fill_eval(b, task, c, task, 3, err);
    MiniDataOptions o;
    mini_data_defaults(&o);
    for (int step = 0; step < 2 && rc == 0 && (have[0] || have[2] || have[3]); step++)
        if (mini_batch_fill(b, c, &o, step, err) == 0) check_rows(b, vocab);
    mini_batch_free(b);
    mini_corpus_free(c);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    model();
    Error err = {0};
    mem_fail_after(0);
    if (run((const char *)data, size, &err) != 0 && !err.message[0]) __builtin_trap();
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        err.message[0] = 0;
        int rc = run((const char *)data, size, &err);
        mem_fail_after(0);
        if (rc != 0 && !err.message[0]) __builtin_trap();
    }
    return 0;
}
