/* ref_mp.c: the MPFR reference (gn_mp.h). Each quantity from its defining system; the
 * closed forms separately, for attribution. See gn_mp.h for the conventions.
 *
 * Working precision. A temporary is allocated at wp = prec(output) + GN_MP_GUARD bits.
 * The linear systems are solved at wp + (bits of their condition number): Gaussian
 * elimination and CG lose up to log2 cond(M) bits, cond(M) = ((lpp+mu)|j|^2 + lambda)/lambda
 * for (3.11); the raise keeps the solution correct to ~2^-(prec+GN_MP_GUARD) relative. The
 * condition number is estimated from exponents only (a power of two within a factor 4). */
#include "gn_mp.h"
#include "gn_mp_la.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ error measures */

/* log2 of one ulp of x as a double (see gn_mp_ulps) */
static long ulp_exp(mpfr_srcptr x)
{
    if (mpfr_zero_p(x))
        return -1074;
    long e = (long)mpfr_get_exp(x); /* 2^(e-1) <= |x| < 2^e */
    return e - 1 <= -1023 ? -1074 : e - 53;
}

double gn_mp_ulps(double got, mpfr_srcptr exact)
{
    if (mpfr_nan_p(exact))
        return got != got ? 0.0 : INFINITY;
    if (mpfr_inf_p(exact)) {
        if (isinf(got) && (got > 0) == (mpfr_sgn(exact) > 0))
            return 0.0;
        return INFINITY;
    }
    if (!isfinite(got))
        return INFINITY;
    mpfr_t d;
    mpfr_init2(d, mpfr_get_prec(exact) + 64);
    mpfr_set_d(d, got, MPFR_RNDN);
    mpfr_sub(d, d, exact, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_mul_2si(d, d, -ulp_exp(exact), MPFR_RNDN);
    double r = mpfr_get_d(d, MPFR_RNDU);
    mpfr_clear(d);
    return r;
}

double gn_mp_mixed(const double *got, mpfr_srcptr exact, const double *w, mpfr_srcptr s,
                   size_t n, size_t *worst)
{
    double mx = 0.0;
    size_t at = 0;
    mpfr_t d, den, t;
    mpfr_prec_t p = n ? mpfr_get_prec(exact) + 64 : 64;
    mpfr_inits2(p, d, den, t, (mpfr_ptr)0);
    for (size_t i = 0; i < n; i++) {
        double r;
        if (!isfinite(got[i])) {
            r = (mpfr_inf_p(exact + i) && isinf(got[i]) &&
                 (got[i] > 0) == (mpfr_sgn(exact + i) > 0))
                    ? 0.0
                    : INFINITY;
        } else {
            mpfr_set_d(d, got[i], MPFR_RNDN);
            mpfr_sub(d, d, exact + i, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            mpfr_abs(den, s + i, MPFR_RNDN);
            if (w) {
                mpfr_set_d(t, fabs(w[i]), MPFR_RNDN);
                mpfr_add(den, den, t, MPFR_RNDN);
            }
            mpfr_mul_2si(den, den, -53, MPFR_RNDN);
            mpfr_set_ui_2exp(t, 1, -1074, MPFR_RNDN);
            mpfr_add(den, den, t, MPFR_RNDN);
            mpfr_div(d, d, den, MPFR_RNDU);
            r = mpfr_get_d(d, MPFR_RNDU);
        }
        if (r > mx || (i == 0 && r == mx) || r != r) {
            mx = r != r ? INFINITY : r;
            at = i;
        }
    }
    mpfr_clears(d, den, t, (mpfr_ptr)0);
    if (worst)
        *worst = at;
    return mx;
}

/* --------------------------------------------------------------- damping */

void gn_mp_damping_init_set(gn_mp_damping *m, gn_damping d, mpfr_prec_t prec)
{
    mpfr_init2(m->lambda, prec < 53 ? 53 : prec);
    mpfr_init2(m->mu, prec < 53 ? 53 : prec);
    mpfr_set_d(m->lambda, d.lambda, MPFR_RNDN);
    mpfr_set_d(m->mu, d.mu, MPFR_RNDN);
}

void gn_mp_damping_clear(gn_mp_damping *m)
{
    mpfr_clear(m->lambda);
    mpfr_clear(m->mu);
}

/* ------------------------------------------------------- small helpers */

static mpfr_prec_t wprec(mpfr_srcptr out) { return mpfr_get_prec(out) + GN_MP_GUARD; }

static int allnum(mpfr_srcptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!mpfr_number_p(v + i))
            return 0;
    return 1;
}

static int allzero(mpfr_srcptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!mpfr_zero_p(v + i))
            return 0;
    return 1;
}

gn_status gn_mp_damping_check(mpfr_srcptr lpp, const gn_mp_damping *dmp)
{
    if (!mpfr_number_p(lpp) || !mpfr_number_p(dmp->lambda) || !mpfr_number_p(dmp->mu))
        return GN_ENONFINITE;
    if (mpfr_sgn(dmp->lambda) <= 0 || mpfr_sgn(dmp->mu) < 0)
        return GN_EDOM;
    if (mpfr_sgn(lpp) < 0)
        return GN_ENEGCURV;
    return GN_OK;
}

/* ----------------------------------------------- the rank-one systems */

/* Extra bits for a system with matrix a j j^T + lam I (a >= 0): about log2 of its condition
 * number (a |j|^2 + lam) / lam, from exponents. */
static mpfr_prec_t cond_bits(mpfr_srcptr a, mpfr_srcptr j, size_t n, mpfr_srcptr lam)
{
    if (mpfr_zero_p(a) || allzero(j, n))
        return 8;
    mpfr_exp_t emax = mpfr_get_emin();
    for (size_t i = 0; i < n; i++)
        if (!mpfr_zero_p(j + i) && mpfr_get_exp(j + i) > emax)
            emax = mpfr_get_exp(j + i);
    /* a |j|^2 < 2^(exp(a) + 2 emax + log2 n) */
    long hi = (long)mpfr_get_exp(a) + 2 * (long)emax + 1;
    for (size_t m = n; m > 1; m >>= 1)
        hi++;
    long lo = mpfr_zero_p(lam) ? hi : (long)mpfr_get_exp(lam) - 1;
    long b = hi - lo;
    return (mpfr_prec_t)(b > 0 ? b + 8 : 8);
}

/* the matrix a j j^T + lam I of (3.11) (of (3.8) with lam = 0) as an operator */
typedef struct {
    mpfr_srcptr a, j, lam;
} rank1_op;

/* y = a j (j^T v) + lam v at y's precision */
static void apply_op(mpfr_ptr y, mpfr_srcptr v, size_t n, void *ctx)
{
    const rank1_op *m = ctx;
    mpfr_t s, t;
    mpfr_inits2(mpfr_get_prec(y), s, t, (mpfr_ptr)0);
    gn_mp_la_dot(s, m->j, v, n, NULL);
    mpfr_mul(s, s, m->a, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(t, s, m->j + i, MPFR_RNDN);
        mpfr_fma(y + i, m->lam, v + i, t, MPFR_RNDN);
    }
    mpfr_clears(s, t, (mpfr_ptr)0);
}

/* CG on (a j j^T + lam I) x = b, b in span{j} or lam > 0: two distinct eigenvalues, so two
 * steps in exact arithmetic; 8 allowed for the rounding. */
static gn_status cg_solve(mpfr_ptr x, mpfr_srcptr a, mpfr_srcptr j, mpfr_srcptr lam,
                          mpfr_srcptr b, size_t n)
{
    rank1_op m = {a, j, lam};
    return gn_mp_la_cg(x, apply_op, &m, b, n, 8) < 0 ? GN_ENOMEM : GN_OK;
}

/* a j j^T (+ lam I when lam != NULL) formed at precision wp, n x n */
static mpfr_ptr rank1_matrix(mpfr_srcptr a, mpfr_srcptr j, mpfr_srcptr lam, size_t n,
                             mpfr_prec_t wp)
{
    mpfr_ptr A = gn_mp_vec_alloc(n * n, wp);
    if (!A)
        return NULL;
    mpfr_t t;
    mpfr_init2(t, wp);
    for (size_t r = 0; r < n; r++) {
        mpfr_mul(t, a, j + r, MPFR_RNDN);
        for (size_t c = 0; c < n; c++)
            mpfr_mul(A + r * n + c, t, j + c, MPFR_RNDN);
        if (lam)
            mpfr_add(A + r * n + r, A + r * n + r, lam, MPFR_RNDN);
    }
    mpfr_clear(t);
    return A;
}

/* x solves (a j j^T + lam I) x = b, lam > 0: the matrix formed and eliminated
 * (gn_mp_la_solve) for small n, CG on the operator above. x has n values at precision wp. */
static gn_status solve_damped(mpfr_ptr x, mpfr_srcptr a, mpfr_srcptr j, mpfr_srcptr lam,
                              mpfr_srcptr b, size_t n, mpfr_prec_t wp)
{
    if (n > GN_MP_ELIM_MAX)
        return cg_solve(x, a, j, lam, b, n);
    mpfr_ptr A = rank1_matrix(a, j, lam, n, wp);
    if (!A)
        return GN_ENOMEM;
    for (size_t r = 0; r < n; r++)
        mpfr_set(x + r, b + r, MPFR_RNDN);
    mpfr_t t;
    mpfr_init2(t, wp);
    int rc = gn_mp_la_solve(x, A, n, t);
    mpfr_clear(t);
    gn_mp_vec_free(A, n * n);
    return rc == 0 ? GN_OK : rc == -1 ? GN_ESINGULAR : GN_ENOMEM;
}

/* Minimum-norm solution of (a j j^T) x = b, b in span{j}, a > 0, j != 0, n <= ELIM_MAX
 * (gn_mp_la_minnorm on the formed matrix); x at precision wp. */
static gn_status minnorm_dense(mpfr_ptr x, mpfr_srcptr a, mpfr_srcptr j, mpfr_srcptr b,
                               size_t n, mpfr_prec_t wp)
{
    mpfr_ptr A = rank1_matrix(a, j, NULL, n, wp);
    if (!A)
        return GN_ENOMEM;
    long rc = gn_mp_la_minnorm(x, A, b, n);
    gn_mp_vec_free(A, n * n);
    return rc > 0 ? GN_OK : rc == 0 ? GN_EZERO : rc == -1 ? GN_ESINGULAR : GN_ENOMEM;
}

/* ------------------------------------------------------------ rank one */

gn_status gn_mp_norm2sq(mpfr_ptr out, mpfr_srcptr j, size_t n, mpfr_rnd_t rnd)
{
    if (n == 0)
        return GN_ESIZE;
    if (!allnum(j, n))
        return GN_ENONFINITE;
    mpfr_t s;
    mpfr_init2(s, wprec(out));
    gn_mp_la_nrm2sq(s, j, n, NULL);
    mpfr_set(out, s, rnd);
    mpfr_clear(s);
    return GN_OK;
}

/* -lp j at precision wp into a new vector */
static mpfr_ptr neg_scaled(mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_prec_t wp)
{
    mpfr_ptr b = gn_mp_vec_alloc(n, wp);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(b + i, lp, j + i, MPFR_RNDN);
        mpfr_neg(b + i, b + i, MPFR_RNDN);
    }
    return b;
}

/* d (at precision wp) solving (3.11) with right-hand side b */
static gn_status damped_solve(mpfr_ptr x, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                              const gn_mp_damping *dmp, mpfr_srcptr b, mpfr_prec_t *wp)
{
    mpfr_t a;
    mpfr_init2(a, *wp);
    mpfr_add(a, lpp, dmp->mu, MPFR_RNDN);
    mpfr_prec_t p = *wp + cond_bits(a, j, n, dmp->lambda);
    mpfr_set_prec(a, p);
    mpfr_add(a, lpp, dmp->mu, MPFR_RNDN);
    for (size_t i = 0; i < n; i++)
        mpfr_set_prec(x + i, p);
    gn_status st = solve_damped(x, a, j, dmp->lambda, b, n, p);
    mpfr_clear(a);
    *wp = p;
    return st;
}

/* the argument checks of the damped quantities (lp == NULL: xi, which has no lp) */
static gn_status check_dir(size_t n, mpfr_srcptr j, mpfr_srcptr lp, mpfr_srcptr lpp,
                           const gn_mp_damping *dmp)
{
    if (n == 0)
        return GN_ESIZE;
    gn_status st = gn_mp_damping_check(lpp, dmp);
    if (st != GN_OK)
        return st;
    if ((lp && !mpfr_number_p(lp)) || !allnum(j, n))
        return GN_ENONFINITE;
    return GN_OK;
}

gn_status gn_mp_xi(mpfr_ptr xi, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                   const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    gn_status st = check_dir(n, j, NULL, lpp, dmp);
    if (st != GN_OK)
        return st;
    mpfr_prec_t wp = wprec(xi);
    if (allzero(j, n)) {
        /* x = xi j for every xi: the system says nothing about xi; (3.13) gives 1/lambda */
        mpfr_ui_div(xi, 1, dmp->lambda, rnd);
        return GN_OK;
    }
    mpfr_ptr x = gn_mp_vec_alloc(n, wp);
    if (!x)
        return GN_ENOMEM;
    st = damped_solve(x, j, n, lpp, dmp, j, &wp);
    if (st == GN_OK) {
        mpfr_t num, den;
        mpfr_inits2(wp, num, den, (mpfr_ptr)0);
        gn_mp_la_dot(num, j, x, n, NULL);
        gn_mp_la_nrm2sq(den, j, n, NULL);
        mpfr_div(xi, num, den, rnd);
        mpfr_clears(num, den, (mpfr_ptr)0);
    }
    gn_mp_vec_free(x, n);
    return st;
}

/* den = (lpp + mu) |j|^2 + lambda */
static void closed_den(mpfr_ptr den, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                       const gn_mp_damping *dmp)
{
    mpfr_t a;
    mpfr_init2(a, mpfr_get_prec(den));
    gn_mp_la_nrm2sq(den, j, n, NULL);
    mpfr_add(a, lpp, dmp->mu, MPFR_RNDN);
    mpfr_fma(den, a, den, dmp->lambda, MPFR_RNDN);
    mpfr_clear(a);
}

static void minus_lp_over(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_ptr den,
                          mpfr_rnd_t rnd);

/* the closed forms (3.13) (into xi when xi != NULL) and (3.12) (into d otherwise) over
 * the one denominator (lpp + mu) |j|^2 + lambda */
static gn_status closed_form(mpfr_ptr xi, mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                             mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    gn_status st = check_dir(n, j, lp, lpp, dmp);
    if (st != GN_OK)
        return st;
    mpfr_t den;
    mpfr_init2(den, wprec(xi ? xi : d));
    closed_den(den, j, n, lpp, dmp);
    if (xi)
        mpfr_ui_div(xi, 1, den, rnd);
    else
        minus_lp_over(d, j, n, lp, den, rnd);
    mpfr_clear(den);
    return GN_OK;
}

gn_status gn_mp_xi_closed(mpfr_ptr xi, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                          const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    return closed_form(xi, NULL, j, n, NULL, lpp, dmp, rnd);
}

/* the argument checks of the Moore-Penrose direction (3.8) */
static gn_status check_pinv(size_t n, mpfr_srcptr j, mpfr_srcptr lp, mpfr_srcptr lpp)
{
    if (n == 0)
        return GN_ESIZE;
    if (!mpfr_number_p(lp) || !mpfr_number_p(lpp) || !allnum(j, n))
        return GN_ENONFINITE;
    if (mpfr_sgn(lpp) < 0)
        return GN_ENEGCURV;
    if (mpfr_zero_p(lpp) || allzero(j, n))
        return GN_EZERO;
    return GN_OK;
}

/* d_i = c j_i with c = -lp / den (den overwritten by c): a closed-form direction */
static void minus_lp_over(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_ptr den,
                          mpfr_rnd_t rnd)
{
    mpfr_div(den, lp, den, MPFR_RNDN);
    mpfr_neg(den, den, MPFR_RNDN);
    for (size_t i = 0; i < n; i++)
        mpfr_mul(d + i, den, j + i, rnd);
}

gn_status gn_mp_dir_pinv(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_srcptr lpp,
                       mpfr_rnd_t rnd)
{
    gn_status st = check_pinv(n, j, lp, lpp);
    if (st != GN_OK)
        return st;
    mpfr_prec_t wp = wprec(d);
    mpfr_ptr b = neg_scaled(j, n, lp, wp), x = gn_mp_vec_alloc(n, wp);
    st = GN_ENOMEM;
    if (b && x) {
        if (n <= GN_MP_ELIM_MAX) {
            st = minnorm_dense(x, lpp, j, b, n, wp);
        } else {
            mpfr_t zero;
            mpfr_init2(zero, 53);
            mpfr_set_zero(zero, 1);
            st = cg_solve(x, lpp, j, zero, b, n);
            mpfr_clear(zero);
        }
        if (st == GN_OK)
            for (size_t i = 0; i < n; i++)
                mpfr_set(d + i, x + i, rnd);
    }
    gn_mp_vec_free(b, n);
    gn_mp_vec_free(x, n);
    return st;
}

gn_status gn_mp_dir_pinv_closed(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                              mpfr_srcptr lpp, mpfr_rnd_t rnd)
{
    gn_status st = check_pinv(n, j, lp, lpp);
    if (st != GN_OK)
        return st;
    mpfr_t c;
    mpfr_init2(c, wprec(d));
    gn_mp_la_nrm2sq(c, j, n, NULL);
    mpfr_mul(c, c, lpp, MPFR_RNDN);
    minus_lp_over(d, j, n, lp, c, rnd);
    mpfr_clear(c);
    return GN_OK;
}

/* x (new, precision returned in *wp) = the solution of (3.11) */
static gn_status damped_dir(mpfr_ptr *x, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                            mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_prec_t *wp)
{
    *x = gn_mp_vec_alloc(n, *wp);
    mpfr_ptr b = neg_scaled(j, n, lp, *wp + 128);
    gn_status st = GN_ENOMEM;
    if (*x && b)
        st = damped_solve(*x, j, n, lpp, dmp, b, wp);
    gn_mp_vec_free(b, n);
    if (st != GN_OK) {
        gn_mp_vec_free(*x, n);
        *x = NULL;
    }
    return st;
}

static gn_status check_alpha(mpfr_srcptr alpha)
{
    if (!mpfr_number_p(alpha))
        return GN_ENONFINITE;
    return mpfr_sgn(alpha) > 0 ? GN_OK : GN_EDOM;
}

/* the checks of a damped quantity (check_dir, then alpha's and w's when given), then
 * x = damped_dir at out's working precision (returned in *wp unless wp is NULL) */
static gn_status checked_dir(mpfr_ptr *x, mpfr_prec_t *wp, mpfr_srcptr out, mpfr_srcptr w,
                             mpfr_srcptr alpha, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                             mpfr_srcptr lpp, const gn_mp_damping *dmp)
{
    gn_status st = check_dir(n, j, lp, lpp, dmp);
    if (st == GN_OK && alpha)
        st = check_alpha(alpha);
    if (st == GN_OK && w && !allnum(w, n))
        st = GN_ENONFINITE;
    if (st != GN_OK)
        return st;
    mpfr_prec_t p = wprec(out);
    st = damped_dir(x, j, n, lp, lpp, dmp, &p);
    if (wp)
        *wp = p;
    return st;
}

gn_status gn_mp_dir_damped(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                           mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    mpfr_ptr x;
    gn_status st = checked_dir(&x, NULL, d, NULL, NULL, j, n, lp, lpp, dmp);
    if (st != GN_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        mpfr_set(d + i, x + i, rnd);
    gn_mp_vec_free(x, n);
    return GN_OK;
}

gn_status gn_mp_dir_damped_closed(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                  mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    return closed_form(NULL, d, j, n, lp, lpp, dmp, rnd);
}

gn_status gn_mp_delta_damped(mpfr_ptr delta, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                             mpfr_srcptr lpp, mpfr_srcptr alpha, const gn_mp_damping *dmp,
                             mpfr_rnd_t rnd)
{
    mpfr_prec_t wp;
    mpfr_ptr x;
    gn_status st = checked_dir(&x, &wp, delta, NULL, alpha, j, n, lp, lpp, dmp);
    if (st != GN_OK)
        return st;
    mpfr_t s;
    mpfr_init2(s, wp);
    gn_mp_la_dot(s, j, x, n, NULL);
    mpfr_mul(delta, s, alpha, rnd);
    mpfr_clear(s);
    gn_mp_vec_free(x, n);
    return GN_OK;
}

gn_status gn_mp_delta_damped_closed(mpfr_ptr delta, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                    mpfr_srcptr lpp, mpfr_srcptr alpha,
                                    const gn_mp_damping *dmp, mpfr_rnd_t rnd)
{
    gn_status st = check_dir(n, j, lp, lpp, dmp);
    if (st != GN_OK || (st = check_alpha(alpha)) != GN_OK)
        return st;
    mpfr_t s, den;
    mpfr_inits2(wprec(delta), s, den, (mpfr_ptr)0);
    gn_mp_la_nrm2sq(s, j, n, NULL);
    closed_den(den, j, n, lpp, dmp);
    mpfr_mul(s, s, lp, MPFR_RNDN);
    mpfr_mul(s, s, alpha, MPFR_RNDN);
    mpfr_div(s, s, den, MPFR_RNDN);
    mpfr_neg(delta, s, rnd);
    mpfr_clears(s, den, (mpfr_ptr)0);
    return GN_OK;
}

/* ---------------------------------------------------------------- losses */

void gn_mp_lossval_init(gn_mp_lossval *v, mpfr_prec_t prec)
{
    mpfr_inits2(prec, v->l, v->lp, v->lpp, (mpfr_ptr)0);
}

void gn_mp_lossval_clear(gn_mp_lossval *v) { mpfr_clears(v->l, v->lp, v->lpp, (mpfr_ptr)0); }

gn_status gn_mp_loss_squared(gn_mp_lossval *out, mpfr_srcptr f, mpfr_srcptr y, mpfr_rnd_t rnd)
{
    if (!mpfr_number_p(f) || !mpfr_number_p(y))
        return GN_ENONFINITE;
    mpfr_t r;
    mpfr_init2(r, wprec(out->l));
    mpfr_sub(r, f, y, MPFR_RNDN);
    mpfr_set(out->lp, r, rnd);
    mpfr_sqr(r, r, MPFR_RNDN);
    mpfr_div_2ui(out->l, r, 1, rnd);
    mpfr_set_ui(out->lpp, 1, rnd);
    mpfr_clear(r);
    return GN_OK;
}

gn_status gn_mp_loss_bce(gn_mp_lossval *out, mpfr_srcptr f, mpfr_srcptr y, mpfr_rnd_t rnd)
{
    if (!mpfr_number_p(f) || !mpfr_number_p(y))
        return GN_ENONFINITE;
    if (mpfr_sgn(y) < 0 || mpfr_cmp_ui(y, 1) > 0)
        return GN_EDOM;
    if (mpfr_cmpabs_ui(f, 4096) > 0)
        return GN_ERANGE;
    /* 1 - p = exp(-f)/(1 + exp(-f)) is ~e^-f: computing it as 1 - p loses |f|/log 2 bits */
    double af = fabs(mpfr_get_d(f, MPFR_RNDN));
    mpfr_prec_t wp = wprec(out->l) + (mpfr_prec_t)(af * 1.4427) + 16;
    mpfr_t p, q, t, ly;
    mpfr_inits2(wp, p, q, t, ly, (mpfr_ptr)0);
    mpfr_neg(t, f, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(p, 1, t, MPFR_RNDN);  /* p = sigma(f) = 1/(1 + exp(-f)) */
    mpfr_ui_sub(q, 1, p, MPFR_RNDN);  /* 1 - p, by definition */
    /* l = -y log p - (1 - y) log(1 - p); a zero weight makes its term 0 */
    mpfr_set_zero(ly, 1);
    if (!mpfr_zero_p(y)) {
        mpfr_log(t, p, MPFR_RNDN);
        mpfr_mul(t, t, y, MPFR_RNDN);
        mpfr_sub(ly, ly, t, MPFR_RNDN);
    }
    if (mpfr_cmp_ui(y, 1) != 0) {
        mpfr_log(t, q, MPFR_RNDN);
        mpfr_t omy;
        mpfr_init2(omy, wp);
        mpfr_ui_sub(omy, 1, y, MPFR_RNDN);
        mpfr_mul(t, t, omy, MPFR_RNDN);
        mpfr_sub(ly, ly, t, MPFR_RNDN);
        mpfr_clear(omy);
    }
    mpfr_set(out->l, ly, rnd);
    mpfr_sub(t, p, y, MPFR_RNDN);
    mpfr_set(out->lp, t, rnd);
    mpfr_mul(t, p, q, MPFR_RNDN);
    mpfr_set(out->lpp, t, rnd);
    mpfr_clears(p, q, t, ly, (mpfr_ptr)0);
    return GN_OK;
}

gn_status gn_mp_loss_eval(gn_mp_lossval *out, gn_loss_kind k, mpfr_srcptr f, mpfr_srcptr y,
                          mpfr_rnd_t rnd)
{
    switch (k) {
    case GN_LOSS_SQUARED: return gn_mp_loss_squared(out, f, y, rnd);
    case GN_LOSS_BCE: return gn_mp_loss_bce(out, f, y, rnd);
    default: return GN_EDOM;
    }
}

gn_status gn_mp_bellman(gn_mp_lossval *out, mpfr_srcptr q, mpfr_srcptr r, mpfr_srcptr gamma,
                        mpfr_srcptr qnext, mpfr_rnd_t rnd)
{
    if (!mpfr_number_p(q) || !mpfr_number_p(r) || !mpfr_number_p(gamma) ||
        !mpfr_number_p(qnext))
        return GN_ENONFINITE;
    if (mpfr_sgn(gamma) < 0 || mpfr_cmp_ui(gamma, 1) > 0)
        return GN_EDOM;
    mpfr_t T;
    mpfr_init2(T, wprec(out->l) + 2300);
    mpfr_fma(T, gamma, qnext, r, MPFR_RNDN); /* T = r + gamma qnext */
    mpfr_sub(T, T, q, MPFR_RNDN);            /* delta_TD = T - q */
    mpfr_neg(out->lp, T, rnd);               /* d/dq (T - q)^2/2 = -(T - q) */
    mpfr_sqr(T, T, MPFR_RNDN);
    mpfr_div_2ui(out->l, T, 1, rnd);
    mpfr_set_ui(out->lpp, 1, rnd);
    mpfr_clear(T);
    return GN_OK;
}

/* --------------------------------------------------------- update rules */

static gn_status check_step(size_t n, mpfr_srcptr w, mpfr_srcptr j, mpfr_srcptr lp,
                            mpfr_srcptr alpha)
{
    if (n == 0)
        return GN_ESIZE;
    if (!mpfr_number_p(lp) || !allnum(j, n) || !allnum(w, n))
        return GN_ENONFINITE;
    return check_alpha(alpha);
}

/* w_i += c_i for the vector c (precision >= wp) */
static void add_into(mpfr_ptr w, mpfr_srcptr c, size_t n, mpfr_rnd_t rnd)
{
    for (size_t i = 0; i < n; i++)
        mpfr_add(w + i, w + i, c + i, rnd);
}

/* g = lp j (exact: 106 bits suffice for the product of two doubles) */
static mpfr_ptr grad(mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_prec_t wp)
{
    mpfr_ptr g = gn_mp_vec_alloc(n, wp);
    if (g)
        for (size_t i = 0; i < n; i++)
            mpfr_mul(g + i, lp, j + i, MPFR_RNDN);
    return g;
}

/* the checks of a gradient step, then g = lp j at w's working precision (in *wp unless
 * wp is NULL) */
static gn_status checked_grad(mpfr_ptr *g, mpfr_prec_t *wp, mpfr_srcptr w, mpfr_srcptr j,
                              size_t n, mpfr_srcptr lp, mpfr_srcptr alpha)
{
    gn_status st = check_step(n, w, j, lp, alpha);
    if (st != GN_OK)
        return st;
    mpfr_prec_t p = wprec(w);
    if (wp)
        *wp = p;
    *g = grad(j, n, lp, p);
    return *g ? GN_OK : GN_ENOMEM;
}

/* w_i -= s g_i (the product rounded to g's precision, into g; the difference with rnd) */
static void sub_scaled(mpfr_ptr w, mpfr_ptr g, size_t n, mpfr_srcptr s, mpfr_rnd_t rnd)
{
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(g + i, g + i, s, MPFR_RNDN);
        mpfr_sub(w + i, w + i, g + i, rnd);
    }
}

/* w_i += s x_i (the product rounded to x's precision, into x; the sum with rnd) */
static void add_scaled(mpfr_ptr w, mpfr_ptr x, size_t n, mpfr_srcptr s, mpfr_rnd_t rnd)
{
    for (size_t i = 0; i < n; i++)
        mpfr_mul(x + i, x + i, s, MPFR_RNDN);
    add_into(w, x, n, rnd);
}

/* the last move of a step: w -= alpha g (sign < 0) or w += alpha x (sign > 0) with the
 * vector v computed by the caller under status st, then v freed; st passed through */
static gn_status finish_step(mpfr_ptr w, mpfr_ptr v, gn_status st, int sign, size_t n,
                             mpfr_srcptr alpha, mpfr_rnd_t rnd)
{
    if (st != GN_OK)
        return st;
    if (sign < 0)
        sub_scaled(w, v, n, alpha, rnd);
    else
        add_scaled(w, v, n, alpha, rnd);
    gn_mp_vec_free(v, n);
    return GN_OK;
}

gn_status gn_mp_step_sgd(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                         mpfr_srcptr alpha, mpfr_rnd_t rnd)
{
    mpfr_ptr g;
    gn_status st = checked_grad(&g, NULL, w, j, n, lp, alpha);
    return finish_step(w, g, st, -1, n, alpha, rnd);
}

gn_status gn_mp_step_normgrad(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                              mpfr_srcptr alpha, mpfr_rnd_t rnd)
{
    mpfr_ptr g;
    mpfr_prec_t wp;
    gn_status st = checked_grad(&g, &wp, w, j, n, lp, alpha);
    if (st != GN_OK)
        return st;
    mpfr_t nrm;
    mpfr_init2(nrm, wp);
    gn_mp_la_nrm2sq(nrm, g, n, NULL);
    if (mpfr_zero_p(nrm)) {
        st = GN_EZERO;
    } else {
        mpfr_sqrt(nrm, nrm, MPFR_RNDN);
        mpfr_div(nrm, alpha, nrm, MPFR_RNDN); /* alpha / |g| */
        sub_scaled(w, g, n, nrm, rnd);
    }
    mpfr_clear(nrm);
    gn_mp_vec_free(g, n);
    return st;
}

gn_status gn_mp_step_sps(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr l,
                         mpfr_srcptr lstar, mpfr_srcptr lp, mpfr_srcptr c,
                         mpfr_srcptr gamma_max, mpfr_rnd_t rnd)
{
    if (n == 0)
        return GN_ESIZE;
    if (!mpfr_number_p(l) || !mpfr_number_p(lstar) || !mpfr_number_p(lp) ||
        !mpfr_number_p(c) || mpfr_nan_p(gamma_max) || !allnum(j, n) || !allnum(w, n))
        return GN_ENONFINITE;
    if (mpfr_sgn(c) <= 0 || mpfr_cmp(l, lstar) < 0 || mpfr_sgn(gamma_max) <= 0)
        return GN_EDOM;
    mpfr_prec_t wp = wprec(w);
    mpfr_ptr g = grad(j, n, lp, wp);
    if (!g)
        return GN_ENOMEM;
    mpfr_t gam, t;
    mpfr_inits2(wp, gam, t, (mpfr_ptr)0);
    gn_mp_la_nrm2sq(t, g, n, NULL);
    gn_status st = GN_EZERO;
    if (mpfr_zero_p(t))
        goto out;
    st = GN_OK;
    mpfr_mul(t, t, c, MPFR_RNDN);
    mpfr_sub(gam, l, lstar, MPFR_RNDN);
    mpfr_div(gam, gam, t, MPFR_RNDN); /* (l - l*) / (c |g|^2) */
    if (mpfr_cmp(gam, gamma_max) > 0)
        mpfr_set(gam, gamma_max, MPFR_RNDN);
    sub_scaled(w, g, n, gam, rnd);
out:
    mpfr_clears(gam, t, (mpfr_ptr)0);
    gn_mp_vec_free(g, n);
    return st;
}

gn_status gn_mp_step_nlms(mpfr_ptr w, mpfr_srcptr x, size_t n, mpfr_srcptr e,
                          mpfr_srcptr eta, mpfr_srcptr eps, mpfr_rnd_t rnd)
{
    if (n == 0)
        return GN_ESIZE;
    if (!mpfr_number_p(e) || !mpfr_number_p(eta) || !mpfr_number_p(eps) || !allnum(x, n) ||
        !allnum(w, n))
        return GN_ENONFINITE;
    if (mpfr_sgn(eta) <= 0 || mpfr_sgn(eps) <= 0)
        return GN_EDOM;
    mpfr_t c, t;
    mpfr_inits2(wprec(w), c, t, (mpfr_ptr)0);
    gn_mp_la_nrm2sq(c, x, n, NULL);
    mpfr_add(c, c, eps, MPFR_RNDN);
    mpfr_mul(t, eta, e, MPFR_RNDN);
    mpfr_div(c, t, c, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(t, c, x + i, MPFR_RNDN);
        mpfr_add(w + i, w + i, t, rnd);
    }
    mpfr_clears(c, t, (mpfr_ptr)0);
    return GN_OK;
}

gn_status gn_mp_step_ignd(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                          mpfr_srcptr lpp, mpfr_srcptr alpha, const gn_mp_damping *dmp,
                          mpfr_rnd_t rnd)
{
    mpfr_ptr x;
    gn_status st = checked_dir(&x, NULL, w, w, alpha, j, n, lp, lpp, dmp);
    return finish_step(w, x, st, +1, n, alpha, rnd);
}

gn_status gn_mp_step_ignd_undamped(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                   mpfr_srcptr lpp, mpfr_srcptr alpha, mpfr_rnd_t rnd)
{
    gn_status st;
    if (n == 0)
        return GN_ESIZE;
    if (!allnum(w, n))
        return GN_ENONFINITE;
    if ((st = check_alpha(alpha)) != GN_OK && mpfr_number_p(lp) && mpfr_number_p(lpp) &&
        allnum(j, n))
        return st;
    mpfr_ptr d = gn_mp_vec_alloc(n, wprec(w));
    if (!d)
        return GN_ENOMEM;
    st = gn_mp_dir_pinv(d, j, n, lp, lpp, MPFR_RNDN);
    if (st == GN_OK && (st = check_alpha(alpha)) == GN_OK) {
        add_scaled(w, d, n, alpha, rnd);
    }
    gn_mp_vec_free(d, n);
    return st;
}

/* ----------------------------------------------------------------- Adam */

void gn_mp_adam_free(gn_mp_adam *st)
{
    if (!st)
        return;
    gn_mp_vec_free(st->m, st->n);
    gn_mp_vec_free(st->v, st->n);
    free(st);
}

gn_mp_adam *gn_mp_adam_alloc(size_t n, mpfr_prec_t prec)
{
    gn_mp_adam *st = n ? calloc(1, sizeof *st) : NULL; /* t = 0 */
    if (st) {
        st->n = n;
        st->m = gn_mp_vec_alloc(n, prec);
        st->v = gn_mp_vec_alloc(n, prec);
    }
    if (st && (!st->m || !st->v)) {
        gn_mp_adam_free(st);
        return NULL;
    }
    return st;
}

gn_status gn_mp_adam_set(gn_mp_adam *st, const gn_adam *from)
{
    if (!st || !from || st->n != from->n)
        return GN_ESIZE;
    st->t = from->t;
    gn_mp_vec_set_d(st->m, from->m, st->n);
    gn_mp_vec_set_d(st->v, from->v, st->n);
    return GN_OK;
}

static gn_status check_adam_p(const gn_mp_adam *st, const gn_adam_params *p)
{
    if (!st || !p || st->n == 0)
        return GN_ESIZE;
    if (!isfinite(p->alpha) || !isfinite(p->beta1) || !isfinite(p->beta2) ||
        !isfinite(p->eps))
        return GN_ENONFINITE;
    if (!(p->alpha > 0.0) || !(p->beta1 >= 0.0 && p->beta1 < 1.0) ||
        !(p->beta2 >= 0.0 && p->beta2 < 1.0) || !(p->eps > 0.0))
        return GN_EDOM;
    return GN_OK;
}

/* the Adam recursion on the gradient g (precision >= that of w) */
static void adam_apply(gn_mp_adam *st, mpfr_ptr w, mpfr_srcptr g, const gn_adam_params *p,
                       mpfr_rnd_t rnd)
{
    size_t n = st->n;
    mpfr_prec_t wp = wprec(w);
    mpfr_t b1, b2, omb1, omb2, bc1, bc2, t, u, a, e;
    mpfr_inits2(wp, b1, b2, omb1, omb2, bc1, bc2, t, u, a, e, (mpfr_ptr)0);
    st->t += 1;
    mpfr_set_d(b1, p->beta1, MPFR_RNDN);
    mpfr_set_d(b2, p->beta2, MPFR_RNDN);
    mpfr_set_d(a, p->alpha, MPFR_RNDN);
    mpfr_set_d(e, p->eps, MPFR_RNDN);
    mpfr_ui_sub(omb1, 1, b1, MPFR_RNDN);
    mpfr_ui_sub(omb2, 1, b2, MPFR_RNDN);
    unsigned long tt = (unsigned long)st->t;
    mpfr_pow_ui(bc1, b1, tt, MPFR_RNDN);
    mpfr_ui_sub(bc1, 1, bc1, MPFR_RNDN);
    mpfr_pow_ui(bc2, b2, tt, MPFR_RNDN);
    mpfr_ui_sub(bc2, 1, bc2, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(t, b1, st->m + i, MPFR_RNDN);
        mpfr_fma(st->m + i, omb1, g + i, t, rnd);
        mpfr_sqr(u, g + i, MPFR_RNDN);
        mpfr_mul(u, u, omb2, MPFR_RNDN);
        mpfr_fma(st->v + i, b2, st->v + i, u, rnd);
        mpfr_div(u, st->v + i, bc2, MPFR_RNDN);
        mpfr_sqrt(u, u, MPFR_RNDN);
        mpfr_add(u, u, e, MPFR_RNDN);
        mpfr_div(t, st->m + i, bc1, MPFR_RNDN);
        mpfr_mul(t, t, a, MPFR_RNDN);
        mpfr_div(t, t, u, MPFR_RNDN);
        mpfr_sub(w + i, w + i, t, rnd);
    }
    mpfr_clears(b1, b2, omb1, omb2, bc1, bc2, t, u, a, e, (mpfr_ptr)0);
}

gn_status gn_mp_step_adam(gn_mp_adam *st, mpfr_ptr w, mpfr_srcptr g, const gn_adam_params *p,
                          mpfr_rnd_t rnd)
{
    gn_status s = check_adam_p(st, p);
    if (s != GN_OK)
        return s;
    if (!allnum(g, st->n) || !allnum(w, st->n))
        return GN_ENONFINITE;
    adam_apply(st, w, g, p, rnd);
    return GN_OK;
}

gn_status gn_mp_step_adam_ignd(gn_mp_adam *st, mpfr_ptr w, mpfr_srcptr j, mpfr_srcptr lp,
                               mpfr_srcptr lpp, const gn_mp_damping *dmp,
                               const gn_adam_params *p, mpfr_rnd_t rnd)
{
    gn_status s = check_adam_p(st, p);
    if (s != GN_OK)
        return s;
    size_t n = st->n;
    mpfr_ptr x;
    if ((s = checked_dir(&x, NULL, w, w, NULL, j, n, lp, lpp, dmp)) != GN_OK)
        return s;
    for (size_t i = 0; i < n; i++)
        mpfr_neg(x + i, x + i, MPFR_RNDN); /* g~ = xi g = -d */
    adam_apply(st, w, x, p, rnd);
    gn_mp_vec_free(x, n);
    return GN_OK;
}
