/* gn_ref.h: the dense GSL reference (prefix gn_ref_). Not included by gn.h.
 *
 * These routines do what a textbook implementation would: form the d x d matrices of
 * MATH.md §1-§3 explicitly in double and hand them to GSL's dense linear algebra. They are
 * the "explicit solve" side of the lesson `gnlab validate` shows: the closed forms of the
 * core cost O(d) and are accurate to a few ulps, while these cost O(d^2) memory and O(d^3)
 * time and lose accuracy with the condition number of the formed matrix
 * ((lpp + mu)|j|^2 + lambda) / lambda, and overflow where j j^T does (|j_i| above ~1e154).
 *
 * Conventions: outputs first; matrices are row-major double arrays of n*n entries; sizes
 * above GN_REF_MAX are refused with GN_ESIZE (the dense route is for d up to a few hundred);
 * GN_ENOMEM if a workspace cannot be allocated; on error outputs are left untouched.
 * Domain checks as the core (GN_EDOM, GN_ENEGCURV, GN_ENONFINITE, GN_ESIZE for n == 0).
 */
#ifndef GN_REF_H
#define GN_REF_H

#include <stddef.h>

#include "gn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GN_REF_MAX 2048

/* gn_ref_ggn: G = lpp j j^T, MATH.md (3.7), formed entry by entry (one rounding per entry, plus one
 * in lpp j_a). Special: GN_ERANGE if an entry overflows (G then holds inf). */
gn_status gn_ref_ggn(double *G, const double *j, size_t n, double lpp);

/* gn_ref_system: M = (lpp + mu) j j^T + lambda I, the matrix of MATH.md (3.11), formed explicitly
 * (gsl_blas_dsyr on lambda I). Special: GN_ERANGE if an entry overflows. */
gn_status gn_ref_system(double *M, const double *j, size_t n, double lpp, gn_damping dmp);

/* gn_ref_dir_damped: d solving MATH.md (3.11) M d = -lp j by Cholesky (gsl_linalg_cholesky_decomp1,
 * gsl_linalg_cholesky_solve). Accuracy: backward stable, so a forward error of order
 * cond(M) u with cond(M) = ((lpp + mu)|j|^2 + lambda) / lambda.
 * Measured (no verdict) in validate/dense "gsl_cholesky_dir_damped".
 * Special: GN_ESINGULAR if the formed M is not positive definite in double (lambda below
 * the rounding of the large diagonal entries); GN_ERANGE if M overflows. */
gn_status gn_ref_dir_damped(double *d, const double *j, size_t n, double lp, double lpp,
                            gn_damping dmp);

/* gn_ref_xi: xi of MATH.md (3.13) from the same Cholesky solve with right-hand side j:
 * M x = j, xi = j^T x / j^T j (1/lambda when j = 0).
 * Accuracy: as gn_ref_dir_damped; measured in validate/dense "gsl_cholesky_xi".
 * Special: as gn_ref_dir_damped. */
gn_status gn_ref_xi(double *xi, const double *j, size_t n, double lpp, gn_damping dmp);

/* gn_ref_pinv: G^+ of G = lpp j j^T by the SVD (gsl_linalg_SV_decomp): G = U S V^T,
 * G^+ = V S^+ U^T with singular values below n u s_max treated as 0; *rank (nullable) gets
 * the number kept (0 or 1 in exact arithmetic; MATH.md §1). Gp is n x n row-major.
 * The (a v v^T)^+ of MATH.md §2 (§A.1) through the SVD. Accuracy: not measured on its own. */
gn_status gn_ref_pinv(double *Gp, size_t *rank, const double *j, size_t n, double lpp);

/* gn_ref_dir_pinv: d_MP = -G^+ g, g = lp j, MATH.md (3.9) through the explicit pseudo-inverse.
 * Measured (no verdict) in validate/dense "gsl_svd_pinv_dir_mp" and "svd_rank_wrong".
 * *rank (nullable) as gn_ref_pinv. Special: GN_EZERO if the numerical rank is 0 (as the
 * core's GN_EZERO for lpp = 0 or j = 0). */
gn_status gn_ref_dir_pinv(double *d, size_t *rank, const double *j, size_t n, double lp,
                        double lpp);

#ifdef __cplusplus
}
#endif

#endif /* GN_REF_H */
