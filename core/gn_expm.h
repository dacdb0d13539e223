/* gn_expm.h: the matrix exponential (not included by gn.h; used by the LQR notebook's
 * zero-order-hold discretisation of a continuous-time plant, docs/notebook-data.md).
 * The MPFR twin that checks it is gn_mp_expm (core/ref/gn_mp_expm.h, tests/test_expm.c). */
#ifndef GN_EXPM_H
#define GN_EXPM_H

#include "gn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest order gn_expm accepts (the augmented [[A, B], [0, 0]] of a 30-state, 10-input
 * plant is 40 x 40; the work is O(n^3), a few milliseconds at this size). */
#define GN_EXPM_NMAX 256

/* gn_expm_worksize: the doubles of workspace gn_expm needs for an n x n matrix
 * (9 n^2). No equation: workspace size. Special: 0 when n is 0 or above GN_EXPM_NMAX. */
size_t gn_expm_worksize(size_t n);

/* gn_expm: E = exp(A) for a square n x n row-major matrix A.
 * No equation: the matrix exponential exp(A) = sum_k A^k / k! (not in MATH.md; the LQR
 *   notebook's zero-order hold, exp([[Ac, Bc], [0, 0]] h) = [[A, B], [0, I]]).
 * Method:   scaling and squaring with diagonal Padé approximants r_m = p_m / q_m,
 *           m in {3, 5, 7, 9, 13}, as described by N. J. Higham, "The scaling and squaring
 *           method for the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26
 *           (2005): the smallest m with ||A||_1 <= theta_m is used without scaling; else
 *           A is scaled by 2^-s so that ||A/2^s||_1 <= theta_13, r_13 is evaluated with
 *           Paterson-Stockmeyer-like grouping in A^2, A^4, A^6, q_13 X = p_13 is solved by
 *           LU with partial pivoting and X is squared s times. theta_m (Higham's Table 2.3)
 *           makes the Padé truncation a backward error below u = 2^-53 in exact arithmetic.
 *           The coefficients are generated from c_0 = 1, c_j = c_{j-1} (m - j + 1) /
 *           (j (2m - j + 1)).
 * Accuracy: forward error of order kappa_exp(A) u in the 1-norm, kappa_exp the condition
 *           number of exp at A; plus the growth of the squaring phase (each squaring adds
 *           gamma_n ||X||^2 / ||X^2||). Measured against gn_mp_expm (tests/test_expm.c) in
 *           units of u (||E||_max + |E_ij|) (MATH.md §13 mixed measure): <= 5 for
 *           ||A||_1 <= 5 and the LQR notebook's hold matrices, <= 19 for ||A||_1 <= 20 and a
 *           random stable 40 x 40, 86 at ||A||_1 = 300 (six squarings).
 * work:     gn_expm_worksize(n) doubles, not aliasing E or A.
 * Special:  GN_ESIZE when n is 0 or above GN_EXPM_NMAX; GN_ENONFINITE on a NaN or infinite
 *           entry of A; GN_ERANGE when the result (or an intermediate power) overflows;
 *           GN_ESINGULAR when q_m is singular to working precision (not expected: its
 *           condition number is below 4 for ||A||_1 <= theta_13). E is untouched on error. */
gn_status gn_expm(double *E, const double *A, size_t n, double *work);

/* gn_lu_solve: X = A^-1 B for a square n x n row-major A and an n x c row-major B, in place:
 * B is overwritten by X, A by its LU factors. No equation: a dense solve (the one under
 * gn_expm's q_m X = p_m, and the LQR notebook's Riccati and policy-improvement solves).
 * Method:   Gaussian elimination with partial pivoting (the first largest |pivot|), then
 *           back substitution.
 * Accuracy: backward stable with the usual growth factor: the computed X solves
 *           (A + dA) X = B with |dA| <= gamma_{3n} |L| |U| (Higham, Accuracy and Stability,
 *           Thm 9.4); the forward error is about cond(A) times that.
 * Special:  GN_ESIZE when n is 0; GN_ESINGULAR when a pivot's magnitude is not above tiny
 *           (the caller's "singular to working precision", e.g. n u max|A_ij|), or is NaN;
 *           A and B are then partly overwritten. */
gn_status gn_lu_solve(double *B, double *A, size_t n, size_t c, double tiny);

#ifdef __cplusplus
}
#endif

#endif
