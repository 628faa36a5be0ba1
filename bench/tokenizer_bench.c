/* tokenizer_bench.c — encode MB/s of our tokenizer (built by bench/tokenizer.sh
 * against build/libexaone.a). Usage: tokenizer_bench TOKENIZER CORPUS [threads...]
 * The corpus is cut into ~64 KB chunks at newlines (as the HF run does); each
 * thread count encodes every chunk, threads taking chunks round-robin. Prints
 * "threads N: X MB/s, ids K, cpu-time Y MB/s per CPU-second" (best of 3 runs; X is
 * wall-clock throughput, Y divides by CPU seconds, so it is steadier on a busy machine),
 * and the first run's wall-clock MB/s (word caches still cold; later runs reuse them,
 * as HF's own BPE cache does). */
#include "core/file.h"
#include "core/mem.h"
#include "core/progress.h"
#include "tokenizer/tokenizer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU seconds of the whole process: less disturbed than wall time when other
 * jobs share the cores (the bench reports both). */
static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
    const Tokenizer *tok;
    const char *text;
    const size_t *cuts;
    size_t n_chunks;
    int thread, n_threads;
    size_t n_ids;
    uint32_t *chunk_hash; /* FNV-1a of each chunk's ids, to compare with HF's exactly */
} Work;

static uint32_t fnv_ids(const int32_t *ids, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint32_t)ids[i]) * 16777619u;
    return h;
}

static void *run(void *arg) {
    Work *w = arg;
    Error err = {0};
    TokIds ids = {0};
    w->n_ids = 0;
    for (size_t c = (size_t)w->thread; c < w->n_chunks; c += (size_t)w->n_threads) {
        ids.n = 0;
        if (tok_encode(w->tok, w->text + w->cuts[c], w->cuts[c + 1] - w->cuts[c], &ids, &err) != 0) {
            fprintf(stderr, "encode: %s\n", err.message);
            exit(1);
        }
        w->n_ids += ids.n;
        w->chunk_hash[c] = fnv_ids(ids.ids, ids.n);
    }
    tok_ids_free(&ids);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tokenizer_bench TOKENIZER CORPUS [threads...]\n");
        return 2;
    }
    Error err = {0};
    Tokenizer *tok;
    char *text;
    size_t len;
    if (tok_load(&tok, argv[1], &err) != 0 || file_read_all(argv[2], (size_t)1 << 32, &text, &len, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    size_t *cuts = malloc((len / 1024 + 2) * sizeof *cuts), n_chunks = 0;
    cuts[0] = 0;
    for (size_t p = 0; p < len;) {
        size_t q = p + 65536 < len ? p + 65536 : len;
        while (q < len && text[q - 1] != '\n') q++;
        cuts[++n_chunks] = q;
        p = q;
    }
    uint32_t *chunk_hash = calloc(n_chunks + 1, sizeof *chunk_hash);
    for (int a = 3; a < argc || a == 3; a++) {
        int n_threads = a < argc ? atoi(argv[a]) : 1;
        if (n_threads < 1 || n_threads > 64) n_threads = 1;
        double best = 1e30, best_cpu = 1e30, first = 0;
        size_t n_ids = 0;
        for (int rep = 0; rep < 3; rep++) {
            Work work[64];
            pthread_t threads[64];
            double t0 = time_seconds(), c0 = cpu_seconds();
            for (int t = 0; t < n_threads; t++) {
                work[t] = (Work){tok, text, cuts, n_chunks, t, n_threads, 0, chunk_hash};
                if (t) pthread_create(&threads[t], NULL, run, &work[t]);
            }
            run(&work[0]);
            for (int t = 1; t < n_threads; t++) pthread_join(threads[t], NULL);
            double dt = time_seconds() - t0, dc = cpu_seconds() - c0;
            if (rep == 0) first = dt;
            if (dt < best) best = dt;
            if (dc < best_cpu) best_cpu = dc;
            n_ids = 0;
            for (int t = 0; t < n_threads; t++) n_ids += work[t].n_ids;
        }
        uint32_t all = fnv_ids((const int32_t *)chunk_hash, n_chunks);
        printf("threads %d: %.2f MB/s, ids %zu, cpu-time %.2f MB/s per CPU-second, first run %.2f MB/s, ids-hash %08x\n",
               n_threads, (double)len / 1e6 / best, n_ids, (double)len / 1e6 / best_cpu, (double)len / 1e6 / first, all);
        fflush(stdout);
        if (a >= argc) break;
    }
    free(chunk_hash);
    free(cuts);
    mem_free(text);
    tok_free(tok);
    return 0;
}
