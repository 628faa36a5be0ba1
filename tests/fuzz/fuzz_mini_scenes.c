/* libFuzzer target: scene augmentation's reading of a raw EXAONE-mini corpus
 * (src/train/mini_scenes.c) on arbitrary bytes: item numbers, fields, names and image
 * paths (a path that names no PNG makes the item unusable). Failures must say why and
 * leave no output file behind. */
#include "core/file.h"
#include "models/vq.h"
#include "train/mini_scenes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static VqModel *vq_model(void) {
    static VqModel *vq;
    if (!vq) {
        VqConfig vc;
        vq_config_default(&vc);
        vc.n_embed = 16;
        Error err = {0};
        if (vq_new(&vq, &vc, NULL, &err) != 0) abort();
        vq_init_random(vq, 1);
    }
    return vq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_mini_scenes.%d.tsv", (int)getpid());
    AtomicFile out;
    Error err = {0};
    int written = 0;
    if (atomic_open(&out, path, &err) != 0) return 0;
    if (mini_scenes_write((const char *)data, size, vq_model(), 8, 2, 1, &out, &written, &err) != 0) {
        if (!err.message[0] || written > 2) __builtin_trap();
    } else if (written != 2) {
        __builtin_trap();
    }
    atomic_abort(&out);
    return 0;
}
