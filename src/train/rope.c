/* Rotary position embedding (see rope.h). */
#include "rope.h"

#include <math.h>

void rope_table(real *cos_table, real *sin_table, int max_pos, int hs, double theta) {
    int half = hs / 2;
    for (int p = 0; p < max_pos; p++)
        for (int i = 0; i < half; i++) {
            /* In double: the table is shared by every step, so make it exact. */
            double angle = p * pow(theta, -2.0 * i / hs);
            cos_table[p * half + i] = (real)cos(angle);
            sin_table[p * half + i] = (real)sin(angle);
        }
}

/* sign = +1 rotates by +angle (forward), -1 by -angle (backward). */
static void rope_rotate(real *x, int64_t ld, const int *pos, const real *cos_table, const real *sin_table,
                        int64_t N, int NH, int hs, real sign) {
    int half = hs / 2;
    for (int64_t n = 0; n < N; n++) {
        const real *cs = cos_table + (int64_t)pos[n] * half, *sn = sin_table + (int64_t)pos[n] * half;
        for (int h = 0; h < NH; h++) {
            real *x1 = x + n * ld + h * hs, *x2 = x1 + half;
            for (int i = 0; i < half; i++) {
                real a = x1[i], b = x2[i], s = sign * sn[i];
                x1[i] = a * cs[i] - b * s;
                x2[i] = b * cs[i] + a * s;
            }
        }
    }
}

void rope_forward(real *x, int64_t ld, const int *pos, const real *cos_table, const real *sin_table, int64_t N,
                  int NH, int hs) {
    rope_rotate(x, ld, pos, cos_table, sin_table, N, NH, hs, 1);
}

void rope_backward(real *dx, int64_t ld, const int *pos, const real *cos_table, const real *sin_table, int64_t N,
                   int NH, int hs) {
    rope_rotate(dx, ld, pos, cos_table, sin_table, N, NH, hs, -1);
}
