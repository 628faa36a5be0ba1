/* vq_decode.c THREADS CODES — seconds per VQ decode of one CODES x CODES grid
 * (vq_decode_lean, the hi-res decoder's tile) with the shipped VQ's default
 * config and random weights, f32 and bf16 convolutions. bench/vq_decode.sh
 * prints it beside PyTorch decoding the same shapes. */
#include "bench_common.h"
#include "core/mem.h"
#include "core/threadpool.h"
#include "models/vq.h"

#include <stdio.h>

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1, side = argc > 2 ? atoi(argv[2]) : 80;
    ThreadPool *pool = pool_new(threads);
    VqConfig cfg;
    vq_config_default(&cfg);
    VqModel *m = NULL;
    Error err = {0};
    if (vq_new(&m, &cfg, pool, &err) != 0) {
        fprintf(stderr, "vq_decode: %s\n", err.message);
        return 1;
    }
    vq_init_random(m, 1);
    int f = vq_factor(&cfg);
    int32_t *codes = mem_alloc((size_t)side * side * sizeof *codes);
    float *image = mem_alloc((size_t)side * f * side * f * 3 * sizeof *image);
    for (int i = 0; i < side * side; i++) codes[i] = (i * 7919) % cfg.n_embed;
    for (int bf16 = 0; bf16 < 2; bf16++) {
        m->scratch.forward_bf16 = bf16;
        double wall, cpu;
        int rc = 0;
        BENCH_BEST2(wall, cpu, 3.0, rc |= vq_decode_lean(m, codes, side, side, image, &err));
        if (rc) {
            fprintf(stderr, "vq_decode: %s\n", err.message);
            return 1;
        }
        printf("%s %.4f %.4f\n", bf16 ? "bf16" : "f32", wall, cpu);
    }
    mem_free(codes), mem_free(image);
    vq_free(m);
    pool_free(pool);
    return 0;
}
