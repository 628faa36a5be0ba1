/* scratch.h — per-thread reusable buffers, so hot loops never allocate.
 *
 * Each thread has a few numbered slots; scratch_get(slot, size) returns that
 * thread's buffer for the slot, 64-byte aligned and at least `size` bytes,
 * growing it only when a larger size is asked for. Steady-state calls (the
 * same shapes every decode step) therefore never reach the allocator. The
 * buffers are freed when the thread exits (pool_free joins the workers) or
 * by scratch_release() on the calling thread.
 *
 * Rule: a slot's contents live until the next scratch_get of the same slot
 * on the same thread. Kernels document which slots they use:
 *   SCRATCH_GEMM_A / SCRATCH_GEMM_B  packed panels of the GEMM (every thread)
 *   SCRATCH_ACT                      quantized activations of linear_forward
 *                                    (caller's thread; workers only read it)
 *   SCRATCH_QPANEL                   packed q8_0/q4_0 weight panels of the
 *                                    prefill GEMM (every thread)
 */
#ifndef EXAONE_SCRATCH_H
#define EXAONE_SCRATCH_H

#include <stddef.h>

enum { SCRATCH_GEMM_A = 0, SCRATCH_GEMM_B = 1, SCRATCH_ACT = 2, SCRATCH_QPANEL = 3, SCRATCH_SLOTS = 4 };

/* NULL when the allocation fails (callers fall back to a path without scratch). */
void *scratch_get(int slot, size_t size);
/* Frees this thread's buffers now. */
void scratch_release(void);

#endif
