/* gn_ref_dg.h: references for the mini-batch LM direction of gn_dg.h (MATH.md §9):
 * the explicit d x d solve in double with GSL, and the same system in MPFR.
 * Both solve the defining (primal) system
 *   (lambda I + J^T (Q + mu I) J / b) dir = -J^T r / b,
 * not the push-through form the core uses, so agreement tests the identity. */
#ifndef GN_REF_DG_H
#define GN_REF_DG_H

#include <mpfr.h>

#include "gn.h"

/* gn_ref_dg_explicit: the system above formed explicitly: W = (Q + mu I) J with Q's blocks
 * as dense c x c matrices, A = lambda I + J^T W / b by gsl_blas_dgemm, Cholesky
 * (gsl_linalg_cholesky_decomp1) and two triangular solves. Allocates O(d^2 + bcd).
 * Accuracy: the bound derived in validate/val_dg.c (explicit route).
 * Special: errors of gn_dg_check; GN_ENONFINITE if J has a NaN/inf entry; GN_ENOMEM;
 *          GN_ESINGULAR if Cholesky fails; dir untouched on error. */
gn_status gn_ref_dg_explicit(double *dir, const gn_dg_batch *B);

/* gn_mp_dg_dir: the system above in MPFR at precision prec: A and the right-hand side
 * are formed from the double inputs with every operation rounded to prec bits, then
 * Gaussian elimination with partial pivoting. dir is an array of d mpfr_t initialised by
 * the caller (any precision; results are rounded into it with rnd).
 * Accuracy: relative normwise error about kappa_2(A) 2^-prec d^2, which for prec = 256
 *           and the kappa < 1e30 of the validate campaigns is far below double's u.
 * Special: errors of gn_dg_check; GN_ENONFINITE on a NaN/inf J; GN_ENOMEM; GN_ESINGULAR
 *          if a pivot is exactly 0. */
gn_status gn_mp_dg_dir(mpfr_ptr dir, const gn_dg_batch *B, mpfr_prec_t prec, mpfr_rnd_t rnd);

/* gn_mp_dg_fwderr: the normwise relative error |x - ref|_2 / |ref|_2 of a double vector
 * against an MPFR one, evaluated in MPFR at ref's precision and rounded up to double.
 * |ref| = 0 gives 0 when x = 0 and +inf otherwise. */
double gn_mp_dg_fwderr(const double *x, mpfr_srcptr ref, size_t n);

#endif
