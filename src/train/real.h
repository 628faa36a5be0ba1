/* real.h — the scalar type of the training layers, and the dimension legend.
 *
 * Every layer in src/train/ is written against `real`, which is float in the
 * library. The gradient test (tests/unit/test_train_grad.c) compiles the same
 * layer sources a second time with -DTRAIN_REAL=double (by #including the .c
 * files into its own translation unit) so finite differences can be checked
 * in double precision against the very code that trains — not against a copy.
 * <tgmath.h> makes exp/sqrt/tanh pick the float or double version by type.
 *
 * Dimension legend (all buffers are row-major):
 *   B  batch size            T  sequence length (time)
 *   N  rows = B*T            C  channels (d_model)
 *   NH attention heads       hs head size = C / NH
 *   F  MLP hidden size       V  vocabulary size
 */
#ifndef EXAONE_TRAIN_REAL_H
#define EXAONE_TRAIN_REAL_H

#ifndef TRAIN_REAL
#define TRAIN_REAL float
#define TRAIN_REAL_IS_FLOAT 1
#endif

typedef TRAIN_REAL real;

#endif
