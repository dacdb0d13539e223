/* gn_mp_fit.h: the MPFR twin of gn_fit.h, the certifying reference for gnlab fit.
 * The same compiled program (gn_expr) is evaluated in MPFR at a chosen precision with its
 * exact gradient (forward mode, every operation correctly rounded), and the same
 * Levenberg-Marquardt driver as the double route (gn_fit_drive, MATH.md §9's gain-ratio
 * rule on rho rounded to double) runs on it through an MPFR backend, with the data read
 * from their decimal text (not from doubles). */
#ifndef GN_FIT_MP_H
#define GN_FIT_MP_H

#include <mpfr.h>

#include "gn.h"

/* MPFR evaluation state for one compiled expression (read-only use of e). */
typedef struct {
    const gn_expr *e;
    mpfr_prec_t prec;
    mpfr_ptr val;  /* nnodes                        */
    mpfr_ptr grad; /* nnodes x nparams              */
    mpfr_t t1, t2; /* scratch for derivative rules  */
} gn_mp_expr;

/* gn_mp_expr_alloc: state at precision prec for e (which must outlive it); constants are
 * read from their literal text (mpfr_set_str, correctly rounded) and pi from mpfr_const_pi.
 * No equation: allocation of gn_mp_expr_eval's state.
 * Special: NULL on no memory, e NULL, prec outside [MPFR_PREC_MIN, MPFR_PREC_MAX], or a
 *          literal that mpfr_set_str does not read whole as a finite number. */
gn_mp_expr *gn_mp_expr_alloc(const gn_expr *e, mpfr_prec_t prec);

/* gn_mp_expr_free: release m (not its gn_expr); NULL-safe. No equation: deallocation. */
void gn_mp_expr_free(gn_mp_expr *m);

/* gn_mp_expr_eval: the MPFR twin of gn_expr_eval: f = e(b, v) and grad (nullable, nparams
 * entries) the sensitivity vector of MATH.md (3.3), d e / d b.
 * Method:   forward mode over the same program with the same derivative rules; each
 *           operation correctly rounded with rnd at m->prec (a two-operand chain rule
 *           term by one multiplication and one fma).
 * Accuracy: no a-priori bound (it depends on the expression's conditioning); against
 *           gn_expr_eval see tests/test_expr.c (double within 2^-30 of the 256-bit
 *           gradient on every NIST model).
 * Special:  GN_ENONFINITE when f or a derivative is NaN or infinite (f and grad are still
 *           written). */
gn_status gn_mp_expr_eval(gn_mp_expr *m, mpfr_ptr f, mpfr_ptr grad, mpfr_srcptr b,
                          mpfr_srcptr v, mpfr_rnd_t rnd);

/* gn_mp_expr_eval_root: the MPFR twin of gn_expr_eval_root: residual i of a list only.
 * No equation: beyond gn_mp_expr_eval's. Special: as gn_mp_expr_eval; GN_EINPUT (nothing
 * written) when i >= m->e->nroots. */
gn_status gn_mp_expr_eval_root(gn_mp_expr *m, size_t i, mpfr_ptr f, mpfr_ptr grad,
                               mpfr_srcptr b, mpfr_srcptr v, mpfr_rnd_t rnd);

/* The data in MPFR: x is nx x n column-major, y has n entries; the residuals as in
 * gn_fit_problem: r_i = sqrt(w_i) (g(y_i) - f(x_i; b)), or e_i(b) when model is a list. */
typedef struct {
    gn_expr *model; /* variables: the nx predictors */
    gn_expr *resp;  /* nullable: r_i = resp(y_i) - f(x_i; b) */
    size_t n, nx;
    mpfr_srcptr x;
    mpfr_srcptr y;
    mpfr_srcptr w;  /* nullable: n weights > 0 (sqrt taken in MPFR) */
} gn_mp_fit_problem;

typedef struct {
    size_t max_iter;
    size_t max_fev;
    long xtol_bits; /* converged when every |h_p| <= 2^-xtol_bits |b_p|; 0: prec/2 */
    double tau;
    int accel;      /* 1: geodesic acceleration with the bound GN_FIT_AVMAX (as gn_fit_run) */
} gn_mp_fit_params;

/* gn_mp_fit_params_default: max_iter 3000, max_fev 9000 (two evaluations per trial with
 * acceleration), xtol_bits 0 (prec/2), tau 1e-3 (lambda_0 of MATH.md §9, as the double
 * solver), accel 1. */
gn_mp_fit_params gn_mp_fit_params_default(void);

/* gn_mp_fit_run: the MPFR twin of gn_fit_run: the LM system and gain ratio of MATH.md §9
 * (squared loss, lambda D^T D damping) run by the same driver, gn_fit_drive, on an MPFR
 * backend at precision prec.
 * Method:   normal equations J^T J + lambda D^T D (More scaling as gn_fit_run), scaled to
 *           unit diagonal and solved by LU with partial pivoting (gn_mp_la_lu); sums by
 *           gn_mp_la_dot; rho computed in MPFR and rounded to double for gn_lm_update (the
 *           driver's decisions are on doubles; rho only steers lambda). Step test: every
 *           |h_p| <= 2^-xtol_bits |b_p|. No gtol test and no polishing (polish = 0 in rep).
 *           rep->gn_rel from the undamped normal equations at the last refreshed J^T J.
 * Output:   b and b0 hold nparams numbers (b initialised by the caller at any precision;
 *           b is set with rounding to nearest); rep as gn_fit_run (rss, gnorm and gn_rel
 *           rounded to double, steps_normal counts every step).
 * Accuracy: measured on the NIST StRD suite at 256 bits: every parameter of every start
 *           to >= 10 certified digits (gnlab fit --nist-all; the LRE is capped by the
 *           certified digits).
 * Special:  as gn_fit_run (GN_ESIZE, GN_EINPUT, GN_ENONFINITE at b0, GN_ENOMEM, and
 *           GN_EZERO with rep->unident naming a parameter whose Jacobian column is exactly
 *           zero at b0 and at the returned b: unidentifiable; b and rep still filled). */
gn_status gn_mp_fit_run(mpfr_ptr b, gn_fit_report *rep, const gn_mp_fit_problem *p,
                        mpfr_srcptr b0, const gn_mp_fit_params *par, mpfr_prec_t prec);

/* gn_mp_fit_covar: the MPFR twin of gn_fit_covar's standard errors: se_p = sqrt(C_pp) of
 * C = s^2 (J^T J)^-1, s = sqrt(S / (n - k)) (No equation: the Gauss-Newton linearisation
 * NIST certifies, as gn_fit_covar), at precision prec from r and J evaluated in MPFR at b.
 * Method:   J's columns scaled to unit norm, Householder QR in MPFR (J^T J never formed),
 *           se_p = s |row p of R^-1| / |J_p|. st->cond is ||R||_F ||R^-1||_F (an upper
 *           bound of the 2-norm condition number of the unit-column J, at most sqrt(k)
 *           ... k times it), st->rank the count of |R_jj| above n 2^-prec max |R_jj| (QR
 *           without pivoting: an estimate; an exactly zero column always lowers it).
 * Output:   st (sigma, rss, cond rounded to double), se (k) and sigma at prec; NAN
 *           (undetermined) unless st->determined (full rank and n > k).
 * Accuracy: measured against the NIST certified standard deviations at 256 bits: LRE
 *           >= 10 (capped by the certified digits) on all 27 problems (gnlab fit --nist-all).
 * Special:  GN_ESIZE (model NULL, k = 0 or n = 0), GN_EINPUT (a literal MPFR cannot read),
 *           GN_ENONFINITE (r or J not finite at b), GN_ENOMEM. */
gn_status gn_mp_fit_covar(gn_fit_stats *st, mpfr_ptr se, mpfr_ptr sigma,
                          const gn_mp_fit_problem *p, mpfr_srcptr b, mpfr_prec_t prec);

/* gn_mp_lre: the log relative error of NIST StRD, -log10(|est - cert| / |cert|)
 * (-log10 |est| when cert = 0), clamped to [0, digits] (a plumbing measure: no MATH.md
 * equation), the MPFR twin of gn_io_lre with the certified value cert (already converted,
 * e.g. by gn_io_num_mpfr) rounded to prec. Special: 0 when est is NaN; digits when est equals cert exactly. */
double gn_mp_lre(mpfr_srcptr est, mpfr_srcptr cert, int digits, mpfr_prec_t prec);

#endif
