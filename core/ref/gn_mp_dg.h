/* gn_mp_dg.h: the MPFR reference for the mini-batch LM direction of gn_dg.h (MATH.md §9)
 * (prefix gn_mp_dg_). It solves the defining (primal) system
 *   (lambda I + J^T (Q + mu I) J / b) dir = -J^T r / b,
 * not the push-through form the core uses, so agreement tests the identity. */
#ifndef GN_MP_DG_H
#define GN_MP_DG_H

#include <mpfr.h>

#include "gn.h"

/* gn_mp_dg_dir: the LM system of MATH.md §9 (above, primal form) in MPFR at precision
 * prec: A and the right-hand side
 * are formed from the double inputs with every operation rounded to prec bits, then
 * Gaussian elimination with partial pivoting (gn_mp_la_solve). dir is an array of d mpfr_t initialised by
 * the caller (any precision; results are rounded into it with rnd).
 * Accuracy: relative normwise error about kappa_2(A) 2^-prec d^2, which for prec = 256
 *           and the kappa < 1e30 of the validate campaigns is far below double's u.
 * Special: errors of gn_dg_check; GN_ENONFINITE on a NaN/inf J; GN_ENOMEM; GN_ESINGULAR
 *          if a pivot is exactly 0. */
gn_status gn_mp_dg_dir(mpfr_ptr dir, const gn_dg_batch *B, mpfr_prec_t prec, mpfr_rnd_t rnd);

/* gn_mp_dg_fwderr: the normwise relative error |x - ref|_2 / |ref|_2 of a double vector
 * against an MPFR one, evaluated in MPFR at ref's precision and rounded up to double.
 * No equation: the error measure of validate's DG rows.
 * |ref| = 0 gives 0 when x = 0 and +inf otherwise. */
double gn_mp_dg_fwderr(const double *x, mpfr_srcptr ref, size_t n);

#endif
