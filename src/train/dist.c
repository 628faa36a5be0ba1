/* Data parallelism over MPI (see dist.h). */
#include "dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

int dist_init(Dist *dist, Error *err) {
    dist->rank = 0;
    dist->size = 1;
    dist->active = 0;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE")) return 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) return error_set(err, "MPI_Init failed");
    dist->active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &dist->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &dist->size);
    return 0;
}

void dist_finalize(Dist *dist) {
    if (dist->active) MPI_Finalize();
    dist->active = 0;
}

int dist_allreduce_mean(Dist *dist, float *buf, size_t n, Error *err) {
    if (!dist->active || dist->size == 1) return 0;
    /* MPI counts are int: reduce in chunks. */
    for (size_t off = 0; off < n; off += (size_t)INT_MAX / 2) {
        size_t len = n - off < (size_t)INT_MAX / 2 ? n - off : (size_t)INT_MAX / 2;
        if (MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)len, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return error_set(err, "MPI_Allreduce of %zu gradients failed", n);
    }
    float inv = 1.0f / (float)dist->size;
    for (size_t i = 0; i < n; i++) buf[i] *= inv;
    return 0;
}

double dist_mean(Dist *dist, double value) {
    if (!dist->active || dist->size == 1) return value;
    double sum = 0;
    MPI_Allreduce(&value, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sum / dist->size;
}
