/* harness.h — the test harness: one binary per tests/unit/test_*.c.
 *
 *     #include "../harness.h"
 *     TEST(softmax_sums_to_one) {
 *         ...
 *         CHECK(x > 0);
 *         CHECK_NEAR(sum, 1.0, 1e-6);
 *         if (!have_data) SKIP("../shared is absent");
 *     }
 *     int main(void) { RUN(softmax_sums_to_one); return harness_finish(); }
 *
 * A TEST passes when none of its CHECKs failed. Each binary ends with a line
 * "harness: N passed, N failed, N skipped" that tests/run.sh adds up into the
 * suite's closing line. Paths in tests are relative to the repository root
 * (run.sh runs every binary from there).
 */
#ifndef EXAONE_HARNESS_H
#define EXAONE_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_passed, harness_failed, harness_skipped;
static int harness_current_failed, harness_current_skipped;
static const char *harness_current_name;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                                  \
    do {                                                                           \
        harness_current_failed = 0;                                                \
        harness_current_skipped = 0;                                               \
        harness_current_name = #name;                                              \
        test_##name();                                                             \
        if (harness_current_failed) {                                              \
            harness_failed++;                                                      \
            printf("FAIL %s\n", #name);                                            \
        } else if (harness_current_skipped) {                                      \
            harness_skipped++;                                                     \
        } else {                                                                   \
            harness_passed++;                                                      \
            printf("ok   %s\n", #name);                                            \
        }                                                                          \
        fflush(stdout);                                                            \
    } while (0)

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("  %s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,          \
                   harness_current_name, #cond);                                   \
            harness_current_failed = 1;                                            \
        }                                                                          \
    } while (0)

/* Like CHECK, with a printf-style explanation. */
#define CHECKF(cond, ...)                                                          \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("  %s:%d: %s: ", __FILE__, __LINE__, harness_current_name);     \
            printf(__VA_ARGS__);                                                   \
            printf("\n");                                                          \
            harness_current_failed = 1;                                            \
        }                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                      \
    do {                                                                           \
        double ha_ = (double)(a), hb_ = (double)(b);                               \
        if (!(fabs(ha_ - hb_) <= (tol))) {                                         \
            printf("  %s:%d: %s: |%s - %s| = |%.9g - %.9g| > %g\n", __FILE__,      \
                   __LINE__, harness_current_name, #a, #b, ha_, hb_, (double)(tol)); \
            harness_current_failed = 1;                                            \
        }                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                            \
    do {                                                                           \
        const char *ha_ = (a), *hb_ = (b);                                         \
        if (!ha_ || !hb_ || strcmp(ha_, hb_) != 0) {                               \
            printf("  %s:%d: %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__,          \
                   harness_current_name, ha_ ? ha_ : "(null)", hb_ ? hb_ : "(null)"); \
            harness_current_failed = 1;                                            \
        }                                                                          \
    } while (0)

/* Marks the current test skipped (with the reason printed) and returns. */
#define SKIP(...)                                                                  \
    do {                                                                           \
        printf("skip %s: ", harness_current_name);                                 \
        printf(__VA_ARGS__);                                                       \
        printf("\n");                                                              \
        harness_current_skipped = 1;                                               \
        return;                                                                    \
    } while (0)

static inline int harness_finish(void) {
    printf("harness: %d passed, %d failed, %d skipped\n", harness_passed, harness_failed, harness_skipped);
    return harness_failed ? 1 : 0;
}

/* Runs a reference script once per test run: `/usr/bin/python3 tests/ref/<script> <outdir>`
 * (outdir = build/ref/<stem>) unless outdir/.done exists. Returns 0 when the outputs are
 * there. The reference is PyTorch, independent of our C code. */
static inline int harness_ref(const char *script, char *outdir, size_t outdir_size) {
    char stem[256];
    snprintf(stem, sizeof stem, "%s", script);
    char *dot = strrchr(stem, '.');
    if (dot) *dot = 0;
    snprintf(outdir, outdir_size, "build/ref/%s", stem);
    char done[600], cmd[4096];
    snprintf(done, sizeof done, "%s/.done", outdir);
    /* Cached unless a reference script (or a module it imports) changed since. */
    snprintf(cmd, sizeof cmd, "test -f '%s' && test -z \"$(find tests/ref -name '*.py' -newer '%s')\"", done, done);
    if (system(cmd) == 0) return 0;
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && /usr/bin/python3 tests/ref/%s '%s' && touch '%s'", outdir,
             outdir, script, outdir, done);
    int rc = system(cmd);
    if (rc != 0) printf("  reference script tests/ref/%s failed (exit %d)\n", script, rc);
    return rc == 0 ? 0 : -1;
}

/* Directory of the shared EXAONE tokenizer files, or NULL when ../shared is absent. */
static inline const char *harness_shared_exaone(void) {
    static const char *candidates[] = {"../shared/exaone", "shared/exaone", NULL};
    const char *env = getenv("EXAONE_SHARED");
    if (env && env[0]) return env;
    for (int i = 0; candidates[i]; i++) {
        char probe[512];
        snprintf(probe, sizeof probe, "%s/README.md", candidates[i]);
        FILE *fp = fopen(probe, "r");
        if (fp) {
            fclose(fp);
            return candidates[i];
        }
    }
    return NULL;
}

#endif
