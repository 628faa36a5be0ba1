/* replay_main.c — runs a libFuzzer target over its committed corpus as an
 * ordinary test (make test), so past crashers stay fixed without clang.
 * The binary build/tests/replay_NAME reads tests/fuzz/corpus/NAME/ and
 * tests/fuzz/crashes/NAME/ (regressions). A crash fails the whole binary. */
#include "../harness.h"

#include <dirent.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *fp = fopen(path, "rb");
        if (!fp) continue;
        uint8_t *buf = malloc(1 << 24);
        size_t size = fread(buf, 1, 1 << 24, fp);
        fclose(fp);
        /* Copy to an exact-size buffer so ASan catches reads past the end. */
        uint8_t *exact = malloc(size ? size : 1);
        memcpy(exact, buf, size);
        free(buf);
        LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        n++;
    }
    closedir(d);
    return n;
}

static const char *target_name;

TEST(corpus_replays_without_crash) {
    char dir[512];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target_name);
    int n = replay_dir(dir);
    snprintf(dir, sizeof dir, "tests/fuzz/crashes/%s", target_name);
    n += replay_dir(dir);
    printf("  replayed %d inputs for %s\n", n, target_name);
    CHECKF(n > 0, "no corpus in tests/fuzz/corpus/%s", target_name);
}

int main(int argc, char **argv) {
    (void)argc;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    target_name = strncmp(base, "replay_", 7) == 0 ? base + 7 : base;
    RUN(corpus_replays_without_crash);
    return harness_finish();
}
