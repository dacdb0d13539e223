/* gn_mp_la.h: the MPFR linear algebra under every MPFR solve (prefix gn_mp_la_): the MPFR
 * reference (ref_mp.c, ref_dg.c), the MPFR LM route (mp_fit.c) and the claim checks.
 * No equation of MATH.md is implemented here; these are the helpers the references solve
 * their defining systems ((3.8), (3.11), the §9 LM system) with.
 *
 * Matrices are row-major arrays of initialised __mpfr_struct (element (i,k) of an n x m
 * matrix is a + i*m + k); vectors are contiguous arrays. Every result is rounded to the
 * precision of its output with round-to-nearest; temporaries come from the caller (the claim
 * workspace), except in gn_mp_la_solve (its pivot array), gn_mp_la_minnorm and gn_mp_la_cg
 * (their O(n^2) / O(n) workspace at the output's precision).
 *
 * Error model used by the tolerances of proofs/ (u = 2^-p, p the working precision, every
 * value stored at p bits): one MPFR operation has relative error <= u; a sum or dot
 * product of k terms has absolute error <= gamma_k sum |terms|, gamma_k = k u / (1 - k u)
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1).
 */
#ifndef GN_MP_LA_H
#define GN_MP_LA_H

#include <stddef.h>

#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gn_mp_la_dot: out = sum_k a_k b_k (fused, one rounding per term via mpfr_fma).
 * No equation: the dot product under (3.13)'s |j|^2, (4.1) and the §9 solves.
 * Accuracy: |err| <= gamma_n sum |a_k b_k| at the accumulator's precision.
 * tmp: one scratch value, the accumulator; or NULL to accumulate in out itself (at out's
 * precision; then out must not alias an element of a or b). */
void gn_mp_la_dot(mpfr_ptr out, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr tmp);

/* gn_mp_la_nrm2sq: out = sum_k a_k^2, the definition, as gn_mp_la_dot(out, a, a, n, tmp)
 * (tmp may be NULL as there). No equation: MATH.md (3.13)'s |j|^2 by its definition;
 * accuracy as gn_mp_la_dot. */
void gn_mp_la_nrm2sq(mpfr_ptr out, mpfr_srcptr a, size_t n, mpfr_ptr tmp);

/* gn_mp_la_matvec: y = A x, A n x m, one gn_mp_la_dot per row (its bound per entry).
 * No equation: linear algebra. y must not alias x. */
void gn_mp_la_matvec(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr x, size_t n, size_t m,
                    mpfr_ptr tmp);

/* gn_mp_la_maxabs: max_k |a_k| as a double (rounded up). 0 for n == 0.
 * No equation: a scale for the claim tolerances. */
double gn_mp_la_maxabs(mpfr_srcptr a, size_t n);

/* gn_mp_la_norminf: out = the infinity norm max_i sum_k |A_ik| of an n x m matrix, rounded
 * up. tmp: one scratch value (distinct from out). No equation: a scale for the claim
 * tolerances (kappa_inf with gn_mp_la_lu_inv_norminf). */
void gn_mp_la_norminf(mpfr_ptr out, mpfr_srcptr a, size_t n, size_t m, mpfr_ptr tmp);

/* gn_mp_la_lu: in-place LU factorisation with partial pivoting, P A = L U, of the n x n
 * matrix a (L unit lower triangular stored below the diagonal, U on and above it);
 * piv[k] is the row swapped with row k at step k. *growth receives
 * || |L| |U| ||_inf / ||A||_inf (the factor of the backward error bound
 * |dA| <= gamma_3n |L||U|, Higham Thm 9.4) when growth != NULL; it costs O(n^3) more.
 * tmp: three scratch values. Returns 0, or -1 if a pivot is exactly zero (a singular matrix;
 * a is then partly overwritten). No equation: the factorisation under the MPFR solves of
 * MATH.md (3.11) and §9. */
int gn_mp_la_lu(mpfr_ptr a, size_t *piv, size_t n, double *growth, mpfr_ptr tmp);

/* gn_mp_la_lu_solve: x = A^-1 b from gn_mp_la_lu's factors, in place on x (x holds b on
 * entry): forward then back substitution. No equation: linear algebra. */
void gn_mp_la_lu_solve(mpfr_ptr x, mpfr_srcptr lu, const size_t *piv, size_t n, mpfr_ptr tmp);

/* gn_mp_la_lu_inv_norminf: out = ||A^-1||_inf from the factors by n solves on unit vectors
 * (computed values; their own relative error is O(n u kappa), second order in the
 * tolerances that use it). col: n scratch values; rows: n scratch values; tmp: one.
 * No equation: the condition number in the claim tolerances. */
void gn_mp_la_lu_inv_norminf(mpfr_ptr out, mpfr_srcptr lu, const size_t *piv, size_t n,
                            mpfr_ptr col, mpfr_ptr rows, mpfr_ptr tmp);

/* gn_mp_la_householder_perp: for j != 0 of length n >= 2, the n x (n-1) matrix N (row-major)
 * whose columns are columns 2..n of the Householder reflector H = I - 2 v v^T / (v^T v),
 * v = j + sign(j_1) |j| e_1. H is orthogonal and H e_1 is parallel to j, so the columns of N
 * are an orthonormal basis of j-perp. Computed in working precision: ||N^T N - I||_max and
 * max_k |j^T N_k| / |j| are O(n u). v: n scratch values; tmp: two scratch values.
 * Returns -1 if j == 0, else 0. The N of MATH.md §2 (Prop A.1's QP view). */
int gn_mp_la_householder_perp(mpfr_ptr nmat, mpfr_srcptr j, size_t n, mpfr_ptr v,
                             mpfr_ptr tmp);

/* gn_mp_la_solve: x = A^-1 b for a general n x n system: gn_mp_la_lu then
 * gn_mp_la_lu_solve (Gaussian elimination with partial pivoting), in place: x holds b on
 * entry, a is overwritten by its LU factors. Arithmetic at the precisions of a, x and tmp
 * (one scratch value as in gn_mp_la_lu, three are not needed without growth).
 * Accuracy: backward error |dA| <= gamma_3n |L||U| (Higham Thm 9.4); forward error about
 *           kappa(A) n u.
 * Special: returns 0; -1 if a pivot is exactly zero (x untouched); -2 if the pivot array
 *          cannot be allocated.
 * No equation: the one MPFR general solve (MATH.md (3.11) in gn_mp_xi and friends, the §9
 * primal system in gn_mp_dg_dir). */
int gn_mp_la_solve(mpfr_ptr x, mpfr_ptr a, size_t n, mpfr_ptr tmp);

/* gn_mp_la_minnorm: the minimum-norm solution x of A x = b for a square, possibly
 * rank-deficient A (n x n) with b in range(A), computed at x's precision wp.
 * Method: complete pivoting on a copy of A exposes the rank r (entries <= 2^-(wp/2) max|A|
 *         count as zero); a particular solution with the free variables 0; then its
 *         projection onto the row space, x = R^T (R R^T)^-1 R x_p, R the r pivot rows of A.
 * Accuracy: about kappa(R R^T) 2^-wp relative; with the rank-one matrices of (3.8)
 *           (r = 1) a few ulps of wp.
 * Special: returns the rank r >= 1; 0 if every entry is below the tolerance (A ~ 0;
 *          x untouched); -1 if R R^T is singular; -2 on allocation failure.
 * The minimum-norm solve of MATH.md (3.8) (Prop 3.1 without (3.9)). */
long gn_mp_la_minnorm(mpfr_ptr x, mpfr_srcptr a, mpfr_srcptr b, size_t n);

/* gn_mp_la_op: y = M v for an n x n symmetric positive semi-definite operator M (y does not
 * alias v), for gn_mp_la_cg. */
typedef void gn_mp_la_op(mpfr_ptr y, mpfr_srcptr v, size_t n, void *ctx);

/* gn_mp_la_cg: conjugate gradients from x = 0 on M x = b, at x's precision wp.
 * Stops when |r|^2 <= 2^-(2 wp - 16) |b|^2, after maxit steps, or on a zero curvature
 * p^T M p. From x = 0 the iterates stay in the Krylov space of b, so for a singular M with
 * b in range(M) the limit is the minimum-norm solution; in exact arithmetic CG ends after
 * as many steps as M has distinct eigenvalues (2 for the matrices of (3.8) and (3.11)).
 * Returns the number of steps taken, or -2 on allocation failure (x untouched).
 * No equation: the iterative solve of MATH.md (3.8) and (3.11) for n > GN_MP_ELIM_MAX. */
int gn_mp_la_cg(mpfr_ptr x, gn_mp_la_op *op, void *ctx, mpfr_srcptr b, size_t n, int maxit);

#ifdef __cplusplus
}
#endif

#endif /* GN_MP_LA_H */
