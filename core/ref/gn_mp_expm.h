/* gn_mp_expm.h: the MPFR twin of gn_expm (core/gn_expm.h), the reference the tests measure
 * the double matrix exponential against (tests/test_expm.c). */
#ifndef GN_MP_EXPM_H
#define GN_MP_EXPM_H

#include <stddef.h>

#include <mpfr.h>

#include "gn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gn_mp_expm: E = exp(A) for an n x n row-major MPFR matrix A (n*n initialised values;
 * E likewise, its own precision p = precision of E[0]).
 * No equation: the matrix exponential by its definition, the power series
 *   exp(A) = sum_k A^k / k!, not MATH.md's.
 * Method:   a different route from gn_expm (no Padé): X = A / 2^s with s the smallest
 *           integer >= 0 making ||X||_inf <= 1/2, the Taylor series of exp(X) summed until
 *           the term's ||.||_inf is below 2^-(w + 2) (the tail is then below twice that, since
 *           ||X|| <= 1/2), then s squarings; everything at w = p + s + 64 + 2 log2(n) bits, so
 *           that the squarings' amplification of the truncation and rounding errors (about
 *           2^s relative, times the nonnormality of A) stays far below 2^-p.
 * Accuracy: a few units of 2^-p relative to ||exp(A)||_inf for the matrices of the tests
 *           (p = 256 there: 2^-200 and below, far under the double's u = 2^-53).
 * Special:  GN_ESIZE when n == 0; GN_ENONFINITE on a NaN or infinite entry; GN_ENOMEM.
 *           E is untouched on error. */
gn_status gn_mp_expm(mpfr_ptr E, mpfr_srcptr A, size_t n);

#ifdef __cplusplus
}
#endif

#endif
