/* exaone bench -m PATH — llama-bench-style prefill (ppN) and decode (tgN) speed. */
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../models/exaone.h"
#include "args.h"
#include "commands.h"

#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: exaone bench -m PATH [options]\n\n"
    "Measure prompt processing (ppN: N tokens in one batch from an empty cache) and\n"
    "text generation (tgN: N single-token steps from an empty cache), like llama-bench.\n\n"
    "  -m, --model PATH    HF folder or .gguf file\n"
    "  -p, --n-prompt N    prompt tokens (default 512; 0 skips)\n"
    "  -n, --n-gen N       generated tokens (default 128; 0 skips)\n"
    "  -t, --threads LIST  thread counts, comma separated (default: all cores)\n"
    "  -r, --repetitions N runs per test (default 3)\n"
    "  --kv TYPE           KV cache type f16 (default), f32 or q8_0\n"
    "  --roofline          also measure how fast the weights can be read (GB/s) and\n"
    "                      report decode as a fraction of that read roofline\n";

/* ---- read roofline: decode must stream every matrix once per token ---- */
typedef struct {
    const ExaoneMat *mats[4096 * 7 + 1];
    int n;
    size_t bytes;
    double sums[64];
} Stream;

static size_t mat_bytes(const ExaoneMat *w) {
    size_t rb = 0;
    dtype_row_bytes(w->type, w->cols, &rb);
    return rb * (size_t)w->rows;
}

static void stream_part(void *vctx, int64_t begin, int64_t end, int thread) {
    Stream *s = vctx;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < s->n; i++) { /* each thread reads its slice [begin, end) of every matrix */
        const ExaoneMat *w = s->mats[i];
        size_t n = mat_bytes(w) / 128, lo = n * (size_t)begin / 64, hi = n * (size_t)end / 64;
        const uint8_t *p = w->data;
        for (size_t k = lo; k < hi; k++) { /* four independent streams of 32-byte loads */
            const __m256i *q = (const __m256i *)(p + k * 128);
            a0 = _mm256_xor_si256(a0, _mm256_loadu_si256(q));
            a1 = _mm256_xor_si256(a1, _mm256_loadu_si256(q + 1));
            a2 = _mm256_xor_si256(a2, _mm256_loadu_si256(q + 2));
            a3 = _mm256_xor_si256(a3, _mm256_loadu_si256(q + 3));
        }
    }
    __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    s->sums[thread] += (double)(_mm256_extract_epi64(a, 0) & 1); /* keeps the loads alive */
}

/* Best-of-3 GB/s for reading the bytes one decode step reads. */
static double read_roofline(const ExaoneModel *m, ThreadPool *pool, size_t *bytes) {
    static Stream s;
    memset(&s, 0, sizeof s);
    for (int l = 0; l < m->cfg.n_layers; l++) {
        const ExaoneLayer *ly = &m->layers[l];
        const ExaoneMat *all[7] = {&ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->w_gate, &ly->w_up, &ly->w_down};
        for (int k = 0; k < 7; k++) s.mats[s.n++] = all[k];
    }
    s.mats[s.n++] = &m->head;
    for (int i = 0; i < s.n; i++) s.bytes += mat_bytes(s.mats[i]);
    *bytes = s.bytes;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = time_seconds();
        pool_parallel_for(pool, 64, stream_part, &s);
        double gbs = s.bytes / (time_seconds() - t0) / 1e9;
        best = gbs > best ? gbs : best;
    }
    return best;
}

/* Seconds for one run of the test. */
static int run_once(const ExaoneModel *m, ThreadPool *pool, int n_prompt, int n_gen, DType kv, double *secs,
                    Error *err) {
    int n = n_prompt ? n_prompt : n_gen;
    ExaoneState *s = NULL;
    if (exaone_state_new(&s, m, n, kv, err) != 0) return -1;
    int32_t *ids = mem_alloc(sizeof(int32_t) * (size_t)n);
    float *logits = mem_alloc(sizeof(float) * (size_t)m->cfg.vocab);
    int rc = -1;
    if (!ids || !logits) {
        error_set(err, "out of memory");
        goto done;
    }
    uint32_t r = 12345;
    for (int i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        ids[i] = (int32_t)(r % (uint32_t)m->cfg.vocab);
    }
    double t0 = time_seconds();
    if (n_prompt) {
        if (exaone_forward(s, pool, ids, n_prompt, logits, 0, err) != 0) goto done;
    } else {
        for (int i = 0; i < n_gen; i++)
            if (exaone_forward(s, pool, ids + i, 1, logits, 0, err) != 0) goto done;
    }
    *secs = time_seconds() - t0;
    rc = 0;
done:
    mem_free(ids);
    mem_free(logits);
    exaone_state_free(s);
    return rc;
}

int cmd_bench(int argc, char **argv) {
    Args args;
    args_init(&args, argc, argv, "exaone bench");
    const char *model = NULL, *threads = NULL, *kv_name = "f16";
    int64_t n_prompt = 512, n_gen = 128, reps = 3;
    int roofline = 0;
    while (args_next(&args)) {
        if (args_help(&args)) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_value(&args, "-m", "--model", &model)) continue;
        if (args_int(&args, "-p", "--n-prompt", 0, 1 << 20, &n_prompt)) continue;
        if (args_int(&args, "-n", "--n-gen", 0, 1 << 20, &n_gen)) continue;
        if (args_value(&args, "-t", "--threads", &threads)) continue;
        if (args_int(&args, "-r", "--repetitions", 1, 1000, &reps)) continue;
        if (args_value(&args, NULL, "--kv", &kv_name)) continue;
        if (args_flag(&args, NULL, "--roofline")) {
            roofline = 1;
            continue;
        }
        return args_unknown(&args);
    }
    if (args.failed) return 2;
    if (!model) {
        fprintf(stderr, "exaone bench: -m PATH is required (see exaone bench --help)\n");
        return 2;
    }
    int kv = dtype_from_name(kv_name);
    if (kv != DTYPE_F16 && kv != DTYPE_F32 && kv != DTYPE_Q8_0) {
        fprintf(stderr, "exaone bench: --kv must be f16, f32 or q8_0\n");
        return 2;
    }
    int thread_list[16], n_threads = 0;
    if (threads) {
        const char *p = threads;
        while (*p && n_threads < 16) {
            char *end;
            long t = strtol(p, &end, 10);
            if (end == p || t < 1 || t > 1024 || (*end && *end != ',')) {
                fprintf(stderr, "exaone bench: bad --threads '%s' (e.g. 1,2)\n", threads);
                return 2;
            }
            thread_list[n_threads++] = (int)t;
            p = *end ? end + 1 : end;
        }
    } else {
        thread_list[n_threads++] = 0;
    }
    Error err = {0};
    ExaoneModel *m = NULL;
    if (exaone_load(&m, model, &err) != 0) {
        log_error("%s", err.message);
        return 1;
    }
    const char *base = strrchr(model, '/');
    base = base && base[1] ? base + 1 : model;
    printf("| %-28s | %10s | %8s | %7s | %8s | %16s |\n", "model", "size", "params", "threads", "test", "t/s");
    printf("| %.28s | %.10s | %.8s | %.7s | %.8s | %.16s |\n", "------------------------------", "----------",
           "--------", "-------", "--------", "----------------");
    int rc = 0;
    for (int ti = 0; ti < n_threads && rc == 0; ti++) {
        ThreadPool *pool = pool_new(thread_list[ti]);
        if (!pool) {
            log_error("cannot start %d threads", thread_list[ti]);
            rc = 1;
            break;
        }
        for (int test = 0; test < 2 && rc == 0; test++) {
            int np = test == 0 ? (int)n_prompt : 0, ng = test == 1 ? (int)n_gen : 0;
            if (np + ng == 0) continue;
            double sum = 0, sum2 = 0, secs = 0;
            if (run_once(m, pool, np ? (np < 16 ? np : 16) : 0, ng ? (ng < 4 ? ng : 4) : 0, (DType)kv, &secs, &err)) {
                log_error("%s", err.message); /* warm-up: page in the weights */
                rc = 1;
                break;
            }
            for (int r = 0; r < reps; r++) {
                if (run_once(m, pool, np, ng, (DType)kv, &secs, &err) != 0) {
                    log_error("%s", err.message);
                    rc = 1;
                    break;
                }
                double tps = (np + ng) / secs;
                sum += tps;
                sum2 += tps * tps;
            }
            if (rc) break;
            double mean = sum / reps, sd = reps > 1 ? sqrt(fmax(0, (sum2 - sum * sum / reps) / (reps - 1))) : 0;
            char size[32], params[32], tname[16], tps[40];
            snprintf(size, sizeof size, "%.2f MiB", m->weight_bytes / 1048576.0);
            snprintf(params, sizeof params, "%.2f M", m->n_params / 1e6);
            snprintf(tname, sizeof tname, "%s%d", np ? "pp" : "tg", np ? np : ng);
            snprintf(tps, sizeof tps, "%.2f ± %.2f", mean, sd);
            printf("| %-28.28s | %10s | %8s | %7d | %8s | %16s |\n", base, size, params, pool_threads(pool), tname, tps);
            fflush(stdout);
            if (roofline && ng) {
                size_t bytes = 0;
                double gbs = read_roofline(m, pool, &bytes);
                fprintf(stderr,
                        "roofline (%d threads): decode reads %.1f MiB/token; read bandwidth %.2f GB/s -> at most "
                        "%.2f t/s; tg%d at %.2f t/s = %.2f GB/s = %.0f%% of the read roofline\n",
                        pool_threads(pool), bytes / 1048576.0, gbs, gbs * 1e9 / bytes, ng, mean, mean * bytes / 1e9,
                        100.0 * mean * bytes / 1e9 / gbs);
            }
        }
        pool_free(pool);
    }
    exaone_free(m);
    return rc;
}
