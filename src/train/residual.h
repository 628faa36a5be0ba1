/* residual.h — the residual connection out = a + b (legend in real.h). */
#ifndef EXAONE_TRAIN_RESIDUAL_H
#define EXAONE_TRAIN_RESIDUAL_H

#include "real.h"

#include <stdint.h>

/* out[n] = a[n] + b[n]; out may alias a. */
void residual_forward(real *out, const real *a, const real *b, int64_t n);
/* da += dout, db += dout */
void residual_backward(real *da, real *db, const real *dout, int64_t n);

#endif
