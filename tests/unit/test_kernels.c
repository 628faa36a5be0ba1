/* Compute core against PyTorch (tests/ref/kernels_ref.py): GEMM (f32 nt/nn/tn,
 * bf16 weights, f32 operands rounded to bf16 in all three layouts),
 * linear_forward for every weight dtype, ops; each on the portable and the
 * AVX-512 path (EXAONE_PORTABLE=1/0 + cpu_features_reload), with and
 * without a thread pool.
 *
 * Tolerances. Matrix products: the reference is float64 on the very values
 * the kernel multiplies (bf16-rounded x, dequantized GGUF blocks, q8_0/q8_K
 * quantized x re-derived in numpy), so the only error left is f32 rounding of
 * the sums: Higham's bound |err| <= n·u·Σ|terms| with u = 2^-24, n = K + 64
 * (K additions plus the lane reduction and scale products). Any wrong block,
 * nibble, scale or tail gives errors of the size of a term, far above it.
 * Ops: torch's vectorised libm and glibc differ by a few ulp per call;
 * 4e-6·(1 + |y|) is ~30 ulp of the result. */
/* harness_ref builds its shell command with snprintf into fixed buffers; GCC
 * cannot prove the paths fit and warns, though they are bounded by ref_dir. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "../harness.h"

#include "core/cpu.h"
#include "core/dtype.h"
#include "core/file.h"
#include "core/kernels.h"
#include "core/matmul.h"
#include "core/mem.h"
#include "core/ops.h"
#include "core/scratch.h"
#include "core/tensor.h"
#include "core/threadpool.h"
#include "models/exaone_quantize.h"

static char ref_dir[512];
static int have_ref;

static void *load(const char *fmt, const char *id, const char *suffix, size_t *size) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s_%s_%s", ref_dir, fmt, id, suffix);
    Error err = {0};
    char *data = NULL;
    size_t n = 0;
    if (file_read_all(path, (size_t)1 << 30, &data, &n, &err) != 0) {
        printf("  cannot read %s: %s\n", path, err.message);
        return NULL;
    }
    if (size) *size = n;
    return data;
}

static void set_path(int fast) {
    setenv("EXAONE_PORTABLE", fast ? "0" : "1", 1);
    cpu_features_reload();
}

/* Count of |got - want| > (k + 64)·2^-24·scale, printing the first few. */
static int count_bad(const char *what, const float *got, const double *want, const double *scale, int64_t n,
                     int64_t k) {
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double tol = (double)(k + 64) * 5.960464477539063e-08 * scale[i] + 1e-30;
        if (!(fabs((double)got[i] - want[i]) <= tol)) {
            if (bad < 3) printf("  %s: [%lld] got %.9g want %.9g (tol %.3g)\n", what, (long long)i, got[i], want[i], tol);
            bad++;
        }
    }
    return bad;
}

TEST(tensor_layout_and_ownership) {
    Error err = {0};
    Tensor *t = tensor_new("a", DTYPE_Q8_0, 2, (int64_t[]){64, 3}, &err);
    CHECK(t && t->owns_data && t->nb[0] == 34 && t->nb[1] == 68 && t->nb[2] == 204 && t->ne[2] == 1);
    CHECK(t && tensor_nelements(t) == 192 && tensor_nbytes(t) == 204);
    char bytes[64];
    Tensor *v = tensor_view("b", DTYPE_F16, 1, (int64_t[]){32}, bytes, &err);
    CHECK(v && !v->owns_data && v->data == bytes && tensor_nbytes(v) == 64);
    tensor_free(v);
    tensor_free(t);
    CHECK(tensor_new("bad", DTYPE_Q4_0, 1, (int64_t[]){33}, &err) == NULL);
    CHECK(strstr(err.message, "bad") != NULL);
    CHECK(tensor_new("big", DTYPE_F32, 2, (int64_t[]){(int64_t)1 << 40, (int64_t)1 << 40}, &err) == NULL);
    CHECK(tensor_view("t", (DType)7, 1, (int64_t[]){4}, bytes, &err) == NULL);
    mem_fail_after(2);
    CHECK(tensor_new("oom", DTYPE_F32, 1, (int64_t[]){4}, &err) == NULL);
    mem_fail_after(0);
}

/* The quantizers of dtype.c reproduce the bytes of ggml's rule re-implemented in numpy. */
TEST(quantize_bytes_match_reference) {
    if (!have_ref) SKIP("reference outputs missing");
    const char *ids[] = {"q8_0_70_45_544", "q4_0_70_45_544", "q8_0_1_9_4096", "q4_0_3_5_96"};
    for (int c = 0; c < 4; c++) {
        size_t nf = 0, nw = 0;
        float *wf = load("lin", ids[c], "wf.f32", &nf);
        uint8_t *w = load("lin", ids[c], "w.bin", &nw);
        CHECK(wf && w);
        if (!wf || !w) continue;
        DType t = ids[c][1] == '8' ? DTYPE_Q8_0 : DTYPE_Q4_0;
        uint8_t *mine = mem_alloc(nw);
        dtype_from_f32(t, wf, mine, (int64_t)(nf / 4));
        CHECKF(memcmp(mine, w, nw) == 0, "%s: quantized bytes differ from the reference", ids[c]);
        mem_free(mine);
        mem_free(wf);
        mem_free(w);
    }
}

/* The vectorised activation quantizers write the scalar rules' bytes,
 * including round-half-away-from-zero ties and all-zero blocks. */
TEST(fast_quantizers_match_scalar) {
    enum { K = 1024 };
    static float x[K];
    uint32_t seed = 7;
    for (int i = 0; i < K; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((int32_t)(seed >> 8) - (1 << 23)) / (float)(1 << 20);
    }
    /* block 0: scale exactly 1 with halfway values; block 1: zeros */
    x[0] = 127.0f;
    for (int i = 1; i < 32; i++) x[i] = (float)(i - 16) + (i % 2 ? 0.5f : -0.5f);
    x[5] = 0.49999997f;
    for (int i = 32; i < 64; i++) x[i] = 0.0f;
    for (int fast = 0; fast <= 1; fast++) {
        set_path(fast);
        static BlockQ8_0 a[K / 32], b[K / 32];
        static BlockQ8_K c[K / 256], d[K / 256];
        dtype_from_f32(DTYPE_Q8_0, x, a, K);
        quantize_row_q8_0_fast(x, b, K);
        CHECKF(memcmp(a, b, sizeof a) == 0, "q8_0 bytes differ (fast=%d)", fast);
        quantize_row_q8_K(x, c, K);
        quantize_row_q8_K_fast(x, d, K);
        CHECKF(memcmp(c, d, sizeof c) == 0, "q8_K bytes differ (fast=%d)", fast);
        CHECK(a[0].qs[1] == -15 && a[0].qs[2] == -15 && a[0].qs[3] == -13 && a[0].qs[5] == 0);
    }
}

static void run_linear_cases(ThreadPool *pool, int fast) {
    FILE *fp = NULL;
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/cases.txt", ref_dir);
    fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (!fp) return;
    int n_cases = 0;
    while (fgets(line, sizeof line, fp)) {
        char dtype[16];
        long long M, N, K;
        if (sscanf(line, "linear %15s %lld %lld %lld", dtype, &M, &N, &K) != 4) continue;
        char id[96];
        snprintf(id, sizeof id, "%s_%lld_%lld_%lld", dtype, M, N, K);
        float *x = load("lin", id, "x.f32", NULL);
        void *w = load("lin", id, "w.bin", NULL);
        double *want = load("lin", id, "y.f64", NULL), *scale = load("lin", id, "s.f64", NULL);
        CHECK(x && w && want && scale);
        if (x && w && want && scale) {
            DType t = (DType)dtype_from_name(dtype);
            CHECK(linear_supported(t, K));
            float *y = mem_alloc((size_t)(M * N + 16) * sizeof(float));
            for (int64_t i = 0; i < M * N; i++) y[i] = NAN;
            for (int i = 0; i < 16; i++) y[M * N + i] = 12345.0f;
            linear_forward(pool, y, x, w, t, M, N, K);
            for (int i = 0; i < 16; i++) CHECKF(y[M * N + i] == 12345.0f, "linear %s wrote past its end", id);
            char what[160];
            snprintf(what, sizeof what, "linear %s (%s, %d threads)", id, fast ? "avx512" : "portable",
                     pool_threads(pool));
            CHECKF(count_bad(what, y, want, scale, M * N, K) == 0, "%s", what);
            /* the path without workspace gives the same values */
            for (int64_t i = 0; i < M * N; i++) y[i] = NAN;
            linear_forward_ws(pool, y, x, w, t, M, N, K, NULL);
            CHECKF(count_bad(what, y, want, scale, M * N, K) == 0, "%s without workspace", what);
            mem_free(y);
            n_cases++;
        }
        mem_free(x);
        mem_free(w);
        mem_free(want);
        mem_free(scale);
    }
    fclose(fp);
    CHECK(n_cases >= 30);
}

TEST(linear_forward_matches_torch_both_paths) {
    if (!have_ref) SKIP("reference outputs missing");
    ThreadPool *pool = pool_new(2);
    for (int fast = 0; fast <= 1; fast++) {
        set_path(fast);
        if (fast && !cpu_features()->avx512_vnni) printf("  (no AVX-512 VNNI here: second pass is portable again)\n");
        run_linear_cases(NULL, fast);
        run_linear_cases(pool, fast);
    }
    pool_free(pool);
}

static void run_gemm_cases(ThreadPool *pool, int fast) {
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/cases.txt", ref_dir);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (!fp) return;
    int n_cases = 0;
    while (fgets(line, sizeof line, fp)) {
        char op[24];
        long long M, N, K;
        if (sscanf(line, "gemm %23s %lld %lld %lld", op, &M, &N, &K) != 4) continue;
        char id[96];
        snprintf(id, sizeof id, "%s_%lld_%lld_%lld", op, M, N, K);
        int bf = strcmp(op, "bf16nt") == 0;
        float *a = load("gemm", id, "a.f32", NULL), *c0 = load("gemm", id, "c0.f32", NULL);
        void *b = load("gemm", id, bf ? "b.bf16" : "b.f32", NULL);
        double *want = load("gemm", id, "c.f64", NULL), *scale = load("gemm", id, "s.f64", NULL);
        CHECK(a && b && c0 && want && scale);
        if (a && b && c0 && want && scale) {
            float *c = mem_alloc((size_t)(M * N + 16) * sizeof(float));
            for (int i = 0; i < 16; i++) c[M * N + i] = 12345.0f;
            double *want0 = mem_alloc((size_t)(M * N) * sizeof(double));
            for (int64_t i = 0; i < M * N; i++) want0[i] = want[i] - (double)c0[i];
            /* nt products also through a pack made once (inference weights) */
            int as_bf16 = strcmp(op, "as_bf16_nt") == 0, packable = as_bf16 || strcmp(op, "nt") == 0;
            for (int step = 0; step < 2 * (1 + packable); step++) {
                int accumulate = step % 2, packed = step / 2;
                for (int64_t i = 0; i < M * N; i++) c[i] = accumulate ? c0[i] : NAN;
                if (packed) {
                    MatmulPackedB p;
                    CHECK((as_bf16 ? matmul_pack_nt_as_bf16 : matmul_pack_nt)(&p, b, N, K) == 0);
                    matmul_f32_nt_packed(pool, c, a, &p, M, accumulate);
                    matmul_packed_free(&p);
                } else if (bf)
                    matmul_bf16_nt(pool, c, a, b, M, N, K, accumulate);
                else if (strcmp(op, "as_bf16_nt") == 0)
                    matmul_f32_as_bf16_nt(pool, c, a, b, M, N, K, accumulate);
                else if (strcmp(op, "as_bf16_nn") == 0)
                    matmul_f32_as_bf16_nn(pool, c, a, b, M, N, K, accumulate);
                else if (strcmp(op, "as_bf16_tn") == 0)
                    matmul_f32_as_bf16_tn(pool, c, a, b, M, N, K, accumulate);
                else if (strcmp(op, "nt") == 0)
                    matmul_f32_nt(pool, c, a, b, M, N, K, accumulate);
                else if (strcmp(op, "nn") == 0)
                    matmul_f32_nn(pool, c, a, b, M, N, K, accumulate);
                else
                    matmul_f32_tn(pool, c, a, b, M, N, K, accumulate);
                char what[160];
                snprintf(what, sizeof what, "gemm %s acc=%d%s (%s, %d threads)", id, accumulate,
                         packed ? " packed" : "", fast ? "avx512" : "portable", pool_threads(pool));
                CHECKF(count_bad(what, c, accumulate ? want : want0, scale, M * N, K) == 0, "%s", what);
                for (int i = 0; i < 16; i++) CHECKF(c[M * N + i] == 12345.0f, "%s wrote past its end", what);
            }
            mem_free(c);
            mem_free(want0);
            n_cases++;
        }
        mem_free(a);
        mem_free(b);
        mem_free(c0);
        mem_free(want);
        mem_free(scale);
    }
    fclose(fp);
    CHECK(n_cases >= 45);
}

TEST(gemm_matches_torch_both_paths) {
    if (!have_ref) SKIP("reference outputs missing");
    ThreadPool *pool = pool_new(2);
    for (int fast = 0; fast <= 1; fast++) {
        set_path(fast);
        run_gemm_cases(NULL, fast);
        run_gemm_cases(pool, fast);
    }
    pool_free(pool);
}

/* With any one of its allocations failing (the activation workspace, the
 * scratch table, the prefill GEMM's weight panel), linear_forward still
 * answers right; the counter proves the run reached n allocations. */
TEST(linear_forward_survives_scratch_failure) {
    if (!have_ref) SKIP("reference outputs missing");
    const char *id = "q4_0_70_45_544";
    float *x = load("lin", id, "x.f32", NULL);
    void *w = load("lin", id, "w.bin", NULL);
    double *want = load("lin", id, "y.f64", NULL), *scale = load("lin", id, "s.f64", NULL);
    CHECK(x && w && want && scale);
    if (x && w && want && scale) {
        for (int fast = 0; fast <= 1; fast++) {
            set_path(fast);
            for (int n = 1; n <= 3; n++) {
                float y[70 * 45];
                scratch_release();
                mem_fail_after(n);
                linear_forward(NULL, y, x, w, DTYPE_Q4_0, 70, 45, 544);
                long made = mem_alloc_count();
                mem_fail_after(0);
                CHECKF(count_bad("scratch failure", y, want, scale, 70 * 45, 544) == 0, "allocation %d failing", n);
                CHECKF(!fast || !cpu_features()->avx512_vnni || made >= n,
                       "only %ld allocations: allocation %d never failed", made, n);
            }
        }
    }
    mem_free(x);
    mem_free(w);
    mem_free(want);
    mem_free(scale);
}

/* linear_forward_many must give linear_forward's very bytes for each weight:
 * the rows of the three weights are shared out as one job, nothing else
 * changes. Every dtype, decode (M = 1), small M and the GEMM sizes, with and
 * without a pool, on both paths. */
TEST(linear_forward_many_equals_separate_calls) {
    enum { K = 512, MAX_M = 20 };
    const int64_t rows[3] = {40, 8, 24};
    DType types[] = {DTYPE_F32, DTYPE_F16, DTYPE_BF16, DTYPE_Q8_0, DTYPE_Q4_0, DTYPE_Q4_K};
    ThreadPool *pool = pool_new(2);
    float *x = mem_alloc(sizeof(float) * MAX_M * K), *wf = mem_alloc(sizeof(float) * 40 * K);
    uint8_t *w[3] = {mem_alloc(40 * K * 4), mem_alloc(8 * K * 4), mem_alloc(24 * K * 4)};
    float *y_many[3], *y_one[3];
    for (int i = 0; i < 3; i++) {
        y_many[i] = mem_alloc(sizeof(float) * MAX_M * 40);
        y_one[i] = mem_alloc(sizeof(float) * MAX_M * 40);
    }
    uint32_t r = 7;
    for (int i = 0; i < MAX_M * K; i++) x[i] = (float)((r = r * 1664525u + 1013904223u) >> 8) / (1 << 24) - 0.5f;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < rows[i] * K; j++)
                wf[j] = (float)((r = r * 1664525u + 1013904223u) >> 8) / (1 << 24) - 0.5f;
            size_t row_bytes = 0;
            dtype_row_bytes(types[t], K, &row_bytes);
            for (int j = 0; j < rows[i]; j++) exaone_quantize_row(types[t], wf + (size_t)j * K, w[i] + j * row_bytes, K);
        }
        const void *ws[3] = {w[0], w[1], w[2]};
        for (int fast = 0; fast <= 1; fast++) {
            set_path(fast);
            for (int with_pool = 0; with_pool <= 1; with_pool++)
                for (int M = 1; M <= MAX_M; M += M == 1 ? 2 : 17) {
                    ThreadPool *p = with_pool ? pool : NULL;
                    linear_forward_many(p, 3, y_many, x, ws, types[t], M, rows, K);
                    int same = 1;
                    for (int i = 0; i < 3; i++) {
                        linear_forward(p, y_one[i], x, w[i], types[t], M, rows[i], K);
                        same &= memcmp(y_one[i], y_many[i], sizeof(float) * (size_t)(M * rows[i])) == 0;
                    }
                    CHECKF(same, "%s M=%d fast=%d pool=%d: linear_forward_many differs from linear_forward",
                           dtype_name(types[t]), M, fast, with_pool);
                }
        }
    }
    for (int i = 0; i < 3; i++) {
        mem_free(w[i]);
        mem_free(y_many[i]);
        mem_free(y_one[i]);
    }
    mem_free(x);
    mem_free(wf);
    pool_free(pool);
}

static void run_op(const char *name, int64_t rows, int64_t n, float *y, const float *x, const char *id) {
    int64_t total = rows * n;
    if (strcmp(name, "softmax") == 0) {
        memcpy(y, x, (size_t)total * sizeof(float));
        ops_softmax(y, rows, n);
    } else if (strcmp(name, "rmsnorm") == 0) {
        float *w = load("op", id, "w.f32", NULL);
        ops_rmsnorm(y, x, w, rows, n, 1e-5f);
        mem_free(w);
    } else if (strcmp(name, "layernorm") == 0) {
        float *w = load("op", id, "w.f32", NULL), *b = load("op", id, "b.f32", NULL);
        ops_layernorm(y, x, w, b, rows, n, 1e-5f);
        mem_free(w);
        mem_free(b);
    } else if (strcmp(name, "rope") == 0) {
        int32_t *pos = load("op", id, "pos.i32", NULL);
        float *inv = load("op", id, "inv.f32", NULL);
        memcpy(y, x, (size_t)total * sizeof(float));
        ops_rope(y, pos, inv, rows, 3, n / 3);
        mem_free(pos);
        mem_free(inv);
    } else if (strcmp(name, "silu") == 0) {
        ops_silu(y, x, total);
    } else if (strcmp(name, "gelu_tanh") == 0) {
        ops_gelu_tanh(y, x, total);
    } else if (strcmp(name, "gelu_erf") == 0) {
        ops_gelu_erf(y, x, total);
    } else if (strcmp(name, "swiglu") == 0 || strcmp(name, "add") == 0) {
        float *g = load("op", id, "g.f32", NULL);
        if (name[0] == 's')
            ops_swiglu(y, g, x, total);
        else
            ops_add(y, x, g, total);
        mem_free(g);
    } else {
        ops_scale(y, x, 0.125f, total);
    }
}

static void run_op_cases(int fast) {
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/cases.txt", ref_dir);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (!fp) return;
    int n_cases = 0;
    while (fgets(line, sizeof line, fp)) {
        char name[32];
        long long rows, n;
        if (sscanf(line, "op %31s %lld %lld", name, &rows, &n) != 3) continue;
        char id[96];
        snprintf(id, sizeof id, "%s_%lld_%lld", name, rows, n);
        float *x = load("op", id, "x.f32", NULL), *want = load("op", id, "y.f32", NULL);
        CHECK(x && want);
        if (x && want) {
            float *y = mem_alloc((size_t)(rows * n + 16) * sizeof(float));
            for (int i = 0; i < 16; i++) y[rows * n + i] = 12345.0f; /* canary: tails must not write past n */
            run_op(name, rows, n, y, x, id);
            for (int i = 0; i < 16; i++) CHECKF(y[rows * n + i] == 12345.0f, "%s wrote past its end", id);
            int bad = 0;
            for (int64_t i = 0; i < rows * n; i++)
                if (!(fabs((double)y[i] - want[i]) <= 4e-6 * (1 + fabs((double)want[i])))) {
                    if (bad++ < 3) printf("  %s [%lld]: got %.9g want %.9g\n", id, (long long)i, y[i], want[i]);
                }
            CHECKF(bad == 0, "%s (%s): %d values off", id, fast ? "avx512" : "portable", bad);
            mem_free(y);
            n_cases++;
        }
        mem_free(x);
        mem_free(want);
    }
    fclose(fp);
    CHECK(n_cases == 30);
}

TEST(ops_match_torch_both_paths) {
    if (!have_ref) SKIP("reference outputs missing");
    for (int fast = 0; fast <= 1; fast++) {
        set_path(fast);
        run_op_cases(fast);
    }
    float inv[64];
    ops_rope_inv_freq(inv, 128, 1e6f);
    size_t size = 0;
    float *want = load("inv", "freq", "128.f32", &size);
    CHECK(want && size == sizeof inv);
    for (int i = 0; want && i < 64; i++) CHECK_NEAR(inv[i], want[i], 2e-7 * want[i]);
    mem_free(want);
}

int main(void) {
    have_ref = harness_ref("kernels_ref.py", ref_dir, sizeof ref_dir) == 0;
    RUN(tensor_layout_and_ownership);
    RUN(quantize_bytes_match_reference);
    RUN(fast_quantizers_match_scalar);
    RUN(gemm_matches_torch_both_paths);
    RUN(linear_forward_matches_torch_both_paths);
    RUN(linear_forward_survives_scratch_failure);
    RUN(linear_forward_many_equals_separate_calls);
    RUN(ops_match_torch_both_paths);
    scratch_release();
    return harness_finish();
}
