/* Residual connection (see residual.h). */
#include "residual.h"

void residual_forward(real *out, const real *a, const real *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void residual_backward(real *da, real *db, const real *dout, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        da[i] += dout[i];
        db[i] += dout[i];
    }
}
