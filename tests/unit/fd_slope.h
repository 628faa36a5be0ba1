/* fd_slope.h — finite differences along the gradient, for the tuner tests (test_tune.c,
 * test_mini_lora.c): a whole model's loss as a function of its trainable parameters θ.
 *
 * Along the unit direction u = g/|g| of the computed gradient g, d/dh L(θ + h·u) at h = 0
 * is |g|. Central differences of the float32 forward at h = 2e-2 and 1e-2, extrapolated
 * (Richardson: (4·s(h/2) - s(h)) / 3 cancels the h² error terms), resolve it to ~1e-4
 * relative; float rounding of the loss bounds what this can see, so the layers themselves
 * are checked in double elsewhere (test_lora.c).
 *
 *     double slope[2], norm, fd = fd_slope_along_gradient(params, grads, n, my_loss, ctx, slope, &norm);
 *     CHECKF(fabs(fd - norm) <= 1e-3 * norm, ...);
 */
#ifndef EXAONE_TEST_FD_SLOPE_H
#define EXAONE_TEST_FD_SLOPE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The loss at the parameters as they are now (NAN on failure). */
typedef double (*FdLossFn)(void *user);

/* Returns the extrapolated slope (NAN when out of memory); slope[] the two raw ones, *norm = |g|.
 * params are restored before it returns. */
static double fd_slope_along_gradient(float *params, const float *grads, size_t n, FdLossFn loss, void *user,
                                      double slope[2], double *norm) {
    double sq = 0;
    for (size_t i = 0; i < n; i++) sq += (double)grads[i] * grads[i];
    *norm = sqrt(sq);
    float *theta = malloc(n * sizeof(float)), *dir = malloc(n * sizeof(float));
    if (!theta || !dir || *norm == 0) {
        free(theta);
        free(dir);
        return NAN;
    }
    memcpy(theta, params, n * sizeof(float));
    for (size_t i = 0; i < n; i++) dir[i] = (float)(grads[i] / *norm);
    for (int k = 0; k < 2; k++) {
        double h = k ? 1e-2 : 2e-2;
        for (size_t i = 0; i < n; i++) params[i] = theta[i] + (float)h * dir[i];
        double plus = loss(user);
        for (size_t i = 0; i < n; i++) params[i] = theta[i] - (float)h * dir[i];
        slope[k] = (plus - loss(user)) / (2 * h);
    }
    memcpy(params, theta, n * sizeof(float));
    free(theta);
    free(dir);
    return (4 * slope[1] - slope[0]) / 3;
}

#endif
