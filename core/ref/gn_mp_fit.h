/* gn_mp_fit.h: the MPFR twin of gn_fit.h, the certifying reference for gnlab fit.
 * The same compiled program (gn_expr) is evaluated in MPFR at a chosen precision with its
 * exact gradient (forward mode, every operation correctly rounded), and the same
 * Levenberg-Marquardt iteration (gn_lm.h's gain-ratio rule on rho rounded to double) runs
 * on it, with the data read from their decimal text (not from doubles). */
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
 * NULL on no memory or prec outside [MPFR_PREC_MIN, MPFR_PREC_MAX]. */
gn_mp_expr *gn_mp_expr_alloc(const gn_expr *e, mpfr_prec_t prec);
void gn_mp_expr_free(gn_mp_expr *m); /* NULL-safe */

/* gn_mp_expr_eval: f = e(b, v) and grad (nullable, nparams entries) its exact gradient,
 * each operation rounded with rnd at m->prec; the same rules as gn_expr_eval.
 * Special: GN_ENONFINITE when f or a derivative is NaN or infinite. */
gn_status gn_mp_expr_eval(gn_mp_expr *m, mpfr_ptr f, mpfr_ptr grad, mpfr_srcptr b,
                          mpfr_srcptr v, mpfr_rnd_t rnd);

/* The data in MPFR: x is nx x n column-major, y has n entries. */
typedef struct {
    gn_expr *model; /* variables: the nx predictors */
    gn_expr *resp;  /* nullable: r_i = resp(y_i) - f(x_i; b) */
    size_t n, nx;
    mpfr_srcptr x;
    mpfr_srcptr y;
} gn_mp_fit_problem;

typedef struct {
    size_t max_iter;
    size_t max_fev;
    long xtol_bits; /* converged when every |h_p| <= 2^-xtol_bits |b_p|; 0: prec/2 */
    double tau;
} gn_mp_fit_params;

/* max_iter 3000, max_fev 6000, xtol_bits 0 (prec/2), tau 1e-3 (as the double solver) */
gn_mp_fit_params gn_mp_fit_params_default(void);

/* gn_mp_fit_run: gn_fit_run's iteration (normal equations, Cholesky, More scaling,
 * Nielsen's rule via gn_lm_gain/gn_lm_update on rho rounded to double) at precision prec.
 * b and b0 hold nparams numbers (b initialised by the caller at any precision; b is set
 * with rounding to nearest). rep as gn_fit_run (rss and gnorm rounded to double).
 * Special: as gn_fit_run. */
gn_status gn_mp_fit_run(mpfr_ptr b, gn_fit_report *rep, const gn_mp_fit_problem *p,
                        mpfr_srcptr b0, const gn_mp_fit_params *par, mpfr_prec_t prec);

/* gn_mp_lre: gn_io_lre with est and the certified value's text cert parsed at prec. */
double gn_mp_lre(mpfr_srcptr est, const char *cert, int digits, mpfr_prec_t prec);

#endif
