/* Cross-fade a drawing with its half-period shift (see tileable.h). */
#include "tileable.h"

#include "../core/mem.h"

#include <string.h>

/* Weight of the original pixel: 1 in the middle, 0 at the borders, where the
 * half-shifted copy (whose middle is there) takes over. */
static float centre_weight(int i, int n) {
    float t = ((float)i + 0.5f) / (float)n; /* 0..1 */
    float d = t < 0.5f ? t : 1.0f - t;     /* 0 at the edges, 0.5 in the middle */
    return d * 2.0f;
}

int image_make_tileable(Image *img, Error *err) {
    int w = img->width, h = img->height, ch = img->channels;
    if (w < 2 || h < 2) return 0;
    size_t bytes = image_bytes(img);
    uint8_t *src = mem_alloc(bytes);
    if (!src) return error_set(err, "out of memory making a %dx%d image tileable", w, h);
    memcpy(src, img->pixels, bytes);
    for (int y = 0; y < h; y++) {
        int sy = (y + h / 2) % h;
        for (int x = 0; x < w; x++) {
            int sx = (x + w / 2) % w;
            float wa = centre_weight(x, w) * centre_weight(y, h);
            float wb = centre_weight(sx, w) * centre_weight(sy, h);
            float s = wa + wb;
            if (s <= 0) s = 1, wb = 1, wa = 0;
            const uint8_t *a = src + ((size_t)y * w + x) * ch;
            const uint8_t *b = src + ((size_t)sy * w + sx) * ch;
            uint8_t *o = img->pixels + ((size_t)y * w + x) * ch;
            for (int k = 0; k < ch; k++) o[k] = (uint8_t)(((float)a[k] * wa + (float)b[k] * wb) / s + 0.5f);
        }
    }
    mem_free(src);
    return 0;
}
