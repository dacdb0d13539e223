/* gn_ref_dg.h: the dense GSL reference for the mini-batch LM direction of gn_dg.h
 * (MATH.md §9): the explicit d x d solve in double (its MPFR twin is in gn_mp_dg.h).
 * Both references solve the defining (primal) system
 *   (lambda I + J^T (Q + mu I) J / b) dir = -J^T r / b,
 * not the push-through form the core uses, so agreement tests the identity. */
#ifndef GN_REF_DG_H
#define GN_REF_DG_H

#include "gn.h"

/* gn_ref_dg_explicit: MATH.md §9's LM system above formed explicitly: W = (Q + mu I) J with Q's blocks
 * as dense c x c matrices, A = lambda I + J^T W / b by gsl_blas_dgemm, Cholesky
 * (gsl_linalg_cholesky_decomp1) and two triangular solves. Allocates O(d^2 + bcd).
 * Accuracy: the bound derived in validate/val_dg.c (explicit route).
 * Special: errors of gn_dg_check; GN_ENONFINITE if J has a NaN/inf entry; GN_ENOMEM;
 *          GN_ESINGULAR if Cholesky fails; dir untouched on error. */
gn_status gn_ref_dg_explicit(double *dir, const gn_dg_batch *B);

#endif
