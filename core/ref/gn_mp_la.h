/* gn_mp_la.h: small dense linear algebra in MPFR for the claim checks (prefix gn_mp_la_).
 *
 * Matrices are row-major arrays of initialised __mpfr_struct (element (i,k) of an n x m
 * matrix is a + i*m + k); vectors are contiguous arrays. Every result is rounded to the
 * precision of its output with round-to-nearest; temporaries come from the caller (the claim
 * workspace), so nothing here allocates MPFR values.
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
 * Accuracy: |err| <= gamma_n sum |a_k b_k|. tmp: one scratch value. */
void gn_mp_la_dot(mpfr_ptr out, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr tmp);

/* gn_mp_la_nrm2sq: out = sum_k a_k^2, the definition. */
void gn_mp_la_nrm2sq(mpfr_ptr out, mpfr_srcptr a, size_t n, mpfr_ptr tmp);

/* gn_mp_la_matvec: y = A x, A n x m. y must not alias x. */
void gn_mp_la_matvec(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr x, size_t n, size_t m,
                    mpfr_ptr tmp);

/* gn_mp_la_maxabs: max_k |a_k| as a double (rounded up). 0 for n == 0. */
double gn_mp_la_maxabs(mpfr_srcptr a, size_t n);

/* gn_mp_la_norminf: out = the infinity norm max_i sum_k |A_ik| of an n x m matrix, rounded
 * up. tmp: one scratch value (distinct from out). */
void gn_mp_la_norminf(mpfr_ptr out, mpfr_srcptr a, size_t n, size_t m, mpfr_ptr tmp);

/* gn_mp_la_lu: in-place LU factorisation with partial pivoting, P A = L U, of the n x n
 * matrix a (L unit lower triangular stored below the diagonal, U on and above it);
 * piv[k] is the row swapped with row k at step k. *growth receives
 * || |L| |U| ||_inf / ||A||_inf (the factor of the backward error bound
 * |dA| <= gamma_3n |L||U|, Higham Thm 9.4) when growth != NULL; it costs O(n^3) more.
 * tmp: three scratch values. Returns 0, or -1 if a pivot is exactly zero (a singular matrix;
 * a is then partly overwritten). */
int gn_mp_la_lu(mpfr_ptr a, size_t *piv, size_t n, double *growth, mpfr_ptr tmp);

/* gn_mp_la_lu_solve: x = A^-1 b from gn_mp_la_lu's factors, in place on x (x holds b on
 * entry). */
void gn_mp_la_lu_solve(mpfr_ptr x, mpfr_srcptr lu, const size_t *piv, size_t n, mpfr_ptr tmp);

/* gn_mp_la_lu_inv_norminf: out = ||A^-1||_inf from the factors by n solves on unit vectors
 * (computed values; their own relative error is O(n u kappa), second order in the
 * tolerances that use it). col: n scratch values; rows: n scratch values; tmp: one. */
void gn_mp_la_lu_inv_norminf(mpfr_ptr out, mpfr_srcptr lu, const size_t *piv, size_t n,
                            mpfr_ptr col, mpfr_ptr rows, mpfr_ptr tmp);

/* gn_mp_la_householder_perp: for j != 0 of length n >= 2, the n x (n-1) matrix N (row-major)
 * whose columns are columns 2..n of the Householder reflector H = I - 2 v v^T / (v^T v),
 * v = j + sign(j_1) |j| e_1. H is orthogonal and H e_1 is parallel to j, so the columns of N
 * are an orthonormal basis of j-perp. Computed in working precision: ||N^T N - I||_max and
 * max_k |j^T N_k| / |j| are O(n u). v: n scratch values; tmp: two scratch values.
 * Returns -1 if j == 0. */
int gn_mp_la_householder_perp(mpfr_ptr nmat, mpfr_srcptr j, size_t n, mpfr_ptr v,
                             mpfr_ptr tmp);

#ifdef __cplusplus
}
#endif

#endif /* GN_MP_LA_H */
