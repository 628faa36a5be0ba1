/* Shared pieces of draw --size/--tile, edit and vary (hires_cli.h). */
#include "hires_cli.h"

#include "../core/file.h"
#include "../core/log.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../formats/png.h"
#include "../models/vq_codes.h"

#include <stdio.h>
#include <string.h>

int hires_cli_size(const char *command, const char *text, int *w, int *h) {
    char tail;
    if (sscanf(text, "%dx%d%c", w, h, &tail) != 2 || *w < 64 || *h < 64 || *w > 4096 || *h > 4096 || *w % 8 ||
        *h % 8) {
        fprintf(stderr, "%s: --size wants WxH, multiples of 8 in 64..4096, not '%s'\n", command, text);
        return -1;
    }
    return 0;
}

VqModel *hires_cli_vq(const char *command, const char *model_dir, int threads, ThreadPool **pool) {
    char path[1200];
    Error err = {0};
    VqModel *vq = NULL;
    snprintf(path, sizeof path, "%s/vq.safetensors", model_dir);
    *pool = pool_new(threads);
    if (!file_exists(path)) error_set(&err, "%s: no VQ image tokenizer in the model folder", path);
    else if (vq_load(&vq, path, *pool, NULL, &err) == 0) return vq;
    fprintf(stderr, "%s: %s\n", command, err.message);
    pool_free(*pool);
    *pool = NULL;
    return NULL;
}

int hires_cli_write(const char *command, VqModel *vq, const int *codes, int gh, int gw, int tile, const Image *keep_img,
                    const uint8_t *keep_mask, const char *path, const char *const *meta, int progress) {
    Error err = {0};
    int f = vq_factor(&vq->config), n_meta = 0, rc = -1;
    PngTextEntry text[8];
    for (; meta && meta[2 * n_meta] && n_meta < 8; n_meta++) text[n_meta] = (PngTextEntry){meta[2 * n_meta], meta[2 * n_meta + 1]};
    Image *img = image_new(gw * f, gh * f, 3, &err);
    if (!img || mini_hires_decode(vq, codes, gh, gw, tile, img, progress, &err) != 0) goto done;
    if (keep_img && keep_mask)
        for (size_t i = 0; i < (size_t)img->width * img->height; i++)
            if (!keep_mask[i]) memcpy(img->pixels + i * 3, keep_img->pixels + i * 3, 3);
    if (pngio_write_file(path, img, text, n_meta, &err) != 0) goto done;
    fprintf(stderr, "wrote %s (%dx%d)\n", path, img->width, img->height);
    rc = 0;
done:
    if (rc) fprintf(stderr, "%s: %s\n", command, err.message);
    image_free(img);
    return rc;
}

int hires_cli_draw(const char *command, MiniModel *m, const char *model_dir, const char *prompt,
                   const MiniHiresOptions *o, int threads, const char *out, const char *const *meta) {
    ThreadPool *pool = NULL;
    VqModel *vq = hires_cli_vq(command, model_dir, threads, &pool);
    if (!vq) return 1;
    Error err = {0};
    int rc = 1, *codes = mem_alloc((size_t)o->grid_h * o->grid_w * sizeof(int));
    double t0 = time_seconds(), c0 = cpu_seconds();
    if (!codes) error_set(&err, "out of memory");
    if (!codes || mini_hires_generate(m, prompt, o, codes, &err) != 0) {
        fprintf(stderr, "%s: %s\n", command, err.message);
        goto done;
    }
    double t1 = time_seconds(), c1 = cpu_seconds();
    if (!out) { /* --codes-only: the grid file exaone vq decode reads */
        int32_t *grid = mem_alloc((size_t)o->grid_h * o->grid_w * sizeof *grid);
        size_t size = 0;
        char *text = NULL;
        if (grid) {
            for (size_t i = 0; i < (size_t)o->grid_h * o->grid_w; i++) grid[i] = codes[i];
            text = vq_codes_format(grid, o->grid_h, o->grid_w, &size);
        }
        mem_free(grid);
        if (!text) {
            fprintf(stderr, "%s: out of memory\n", command);
            goto done;
        }
        fwrite(text, 1, size, stdout);
        mem_free(text);
        log_info("%dx%d codes: generated in %.2f s (cpu %.2f s)", o->grid_w, o->grid_h, t1 - t0, c1 - c0);
        rc = 0;
        goto done;
    }
    vq->scratch.forward_bf16 = o->bf16; /* the decoder's convolutions too */
    if (hires_cli_write(command, vq, codes, o->grid_h, o->grid_w, o->tile, NULL, NULL, out, meta, o->progress)) goto done;
    log_info("%dx%d codes: generated in %.2f s (cpu %.2f s), decoded and written in %.2f s (cpu %.2f s)", o->grid_w,
             o->grid_h, t1 - t0, c1 - c0, time_seconds() - t1, cpu_seconds() - c1);
    rc = 0;
done:
    mem_free(codes);
    vq_free(vq);
    pool_free(pool);
    return rc;
}
