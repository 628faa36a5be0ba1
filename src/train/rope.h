/* rope.h — rotary position embedding on queries and keys (legend in real.h).
 *
 * RoFormer (Su et al. 2021), in the HF "rotate_half" layout used by Llama and
 * EXAONE: within each head, channel i pairs with i + hs/2 and the pair is
 * rotated by angle pos * theta^(-2i/hs). The rotation is applied in place
 * (rows of x have stride ld, NH heads of hs channels each); being
 * orthogonal, its backward is the inverse rotation of the gradient, also in
 * place. It has no parameters, so nothing to accumulate but dx itself:
 * rope_backward turns d(rotated) into d(unrotated) in the same buffer.
 */
#ifndef EXAONE_TRAIN_ROPE_H
#define EXAONE_TRAIN_ROPE_H

#include "real.h"

#include <stdint.h>

/* cos/sin tables [max_pos, hs/2]. */
void rope_table(real *cos_table, real *sin_table, int max_pos, int hs, double theta);
/* x rows n = 0..N-1 at x + n*ld, positions pos[N] (< max_pos of the table). */
void rope_forward(real *x, int64_t ld, const int *pos, const real *cos_table, const real *sin_table, int64_t N,
                  int NH, int hs);
void rope_backward(real *dx, int64_t ld, const int *pos, const real *cos_table, const real *sin_table, int64_t N,
                   int NH, int hs);

#endif
