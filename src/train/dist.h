/* dist.h — data-parallel training over MPI (OpenMPI's mpirun).
 *
 * Every rank holds the whole model and trains on its own micro-batches; after
 * backward the gradient buffer (one flat array, params.h) is averaged with
 * one MPI_Allreduce, so every rank applies the same AdamW update and the
 * replicas stay identical without ever sending weights. N ranks with
 * accum = A train exactly like one process with accum = N*A (data.h numbers
 * sequences globally), up to the order of float additions.
 * Without mpirun (no OMPI_COMM_WORLD_SIZE / PMI_SIZE in the environment) MPI
 * is not initialised at all and everything is a no-op with size 1.
 */
#ifndef EXAONE_TRAIN_DIST_H
#define EXAONE_TRAIN_DIST_H

#include "../core/error.h"

#include <stddef.h>

typedef struct {
    int rank, size;
    int active; /* MPI_Init was called */
} Dist;

int dist_init(Dist *dist, Error *err);
void dist_finalize(Dist *dist);
/* buf[n] = mean over ranks of buf[n], in place. */
int dist_allreduce_mean(Dist *dist, float *buf, size_t n, Error *err);
/* Mean over ranks of one value. */
double dist_mean(Dist *dist, double value);

#endif
