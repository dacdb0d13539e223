/* claims_common.c: samplers, the MPFR dense solve with its derived error factor, and the
 * BCE definition shared by the claim files (see claims_common.h). */
#include "claims_common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define R MPFR_RNDN

void pf_claim_desc(pf_claim_ws *ws, const char *fmt, ...)
{
    size_t len = strlen(ws->desc);
    if (len + 1 >= sizeof ws->desc)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ws->desc + len, sizeof ws->desc - len, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------ rank-one sampler */

static void r1_set(pf_claim_r1 *x, size_t n, double lp, double lpp, double lambda, double mu,
                   double alpha)
{
    x->n = n;
    x->lp = lp;
    x->lpp = lpp;
    x->lambda = lambda;
    x->mu = mu;
    x->alpha = alpha;
}

static void r1_adversarial(pf_claim_ws *ws, pf_claim_r1 *x, size_t nmax)
{
    size_t nb = nmax < 8 ? nmax : 8;
    switch (ws->index) {
    case 0: /* the unit instance */
        r1_set(x, 1, 1.0, 1.0, 1.0, 0.0, 1.0);
        x->j[0] = 1.0;
        break;
    case 1: /* |j| ~ 2^300: (lpp + mu)|j|^2 ~ 2^600 swamps lambda */
        r1_set(x, nmax, 0.75, 0.5, 1.0, 0.25, 1.0);
        for (size_t i = 0; i < nmax; i++)
            x->j[i] = ldexp(pf_claim_normal(ws), 300);
        break;
    case 2: /* |j| ~ 2^-300: lambda swamps the curvature */
        r1_set(x, nmax, -3.0, 2.0, 0x1p-10, 0.0, 0.5);
        for (size_t i = 0; i < nmax; i++)
            x->j[i] = ldexp(pf_claim_normal(ws), -300);
        break;
    case 3: /* entries from 2^-100 to 2^100 */
        r1_set(x, nb, 1.5, 1.0, 1.0, 0.0, 1.0);
        for (size_t i = 0; i < nb; i++)
            x->j[i] = nb > 1 ? ldexp(1.0 + 0.25 * (double)i, -100 + (int)(200 * i / (nb - 1)))
                             : 0x1p100;
        break;
    case 4: /* lambda -> 0 */
        r1_set(x, nb < 4 ? nb : 4, 1.0, 1.0, 0x1p-80, 0.0, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 5: /* lambda tiny, curvature tiny, |j| large */
        r1_set(x, nb < 4 ? nb : 4, -2.0, 0x1p-30, 0x1p-80, 0.0, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = ldexp(pf_claim_normal(ws), 20);
        break;
    case 6: /* l'' = 0, mu > 0 */
        r1_set(x, nb < 5 ? nb : 5, 0.5, 0.0, 0.25, 0.5, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 7: /* l'' = 0, mu = 0: only lambda damps */
        r1_set(x, nb < 3 ? nb : 3, -0.5, 0.0, 0.125, 0.0, 2.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 8: /* tiny l' */
        r1_set(x, nb < 4 ? nb : 4, 0x1p-900, 1.0, 1.0, 0.0, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 9: /* l' = 0 with l'' > 0: g = 0 while G has rank one */
        r1_set(x, nb < 3 ? nb : 3, 0.0, 1.0, 0.5, 0.0, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 10: /* lambda huge */
        r1_set(x, nb < 4 ? nb : 4, 3.0, 1.0, 0x1p60, 0.0, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 11: /* mu huge */
        r1_set(x, nb < 4 ? nb : 4, 3.0, 0.25, 0.5, 0x1p40, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = pf_claim_normal(ws);
        break;
    case 12: /* j = 0 */
        r1_set(x, nb < 3 ? nb : 3, 1.0, 1.0, 1.0, 0.5, 1.0);
        for (size_t i = 0; i < x->n; i++)
            x->j[i] = 0.0;
        break;
    default: /* 13: near-cancelling entries */
        r1_set(x, nb < 2 ? nb : 2, -1.0, 4.0, 0x1p-20, 0.0, 1.0);
        x->j[0] = 1.0;
        if (x->n > 1)
            x->j[1] = -0x1p-60;
        break;
    }
}

void pf_claim_r1_draw(pf_claim_ws *ws, pf_claim_r1 *x, size_t nmax)
{
    if (nmax > PF_CLAIM_R1_NMAX)
        nmax = PF_CLAIM_R1_NMAX;
    if (ws->adversarial)
        r1_adversarial(ws, x, nmax);
    else {
        size_t n = pf_claim_range(ws, 1, nmax);
        double s = pf_claim_logu(ws, -4, 4, 0);
        for (size_t i = 0; i < n; i++)
            x->j[i] = s * pf_claim_normal(ws);
        double mu = pf_claim_uniform(ws, 0, 1) < 0.25 ? 0.0 : pf_claim_logu(ws, -8, 2, 0);
        r1_set(x, n, pf_claim_logu(ws, -6, 6, 1), pf_claim_logu(ws, -6, 4, 0),
               pf_claim_logu(ws, -10, 4, 0), mu, pf_claim_logu(ws, -4, 1, 0));
    }
    pf_claim_desc(ws, "n=%zu lp=%a lpp=%a lambda=%a mu=%a alpha=%a j=[", x->n, x->lp, x->lpp,
                  x->lambda, x->mu, x->alpha);
    for (size_t i = 0; i < x->n && i < 4; i++)
        pf_claim_desc(ws, "%s%a", i ? "," : "", x->j[i]);
    pf_claim_desc(ws, "%s]", x->n > 4 ? ",..." : "");
}

void pf_claim_r1_mp(pf_claim_ws *ws, pf_claim_r1mp *m, const pf_claim_r1 *x)
{
    m->n = x->n;
    m->j = pf_claim_get(ws, x->n);
    mpfr_ptr s = pf_claim_get(ws, 8);
    m->lp = s;
    m->lpp = s + 1;
    m->lambda = s + 2;
    m->mu = s + 3;
    m->alpha = s + 4;
    m->a = s + 5;
    m->jj = s + 6;
    for (size_t i = 0; i < x->n; i++)
        mpfr_set_d(m->j + i, x->j[i], R);
    mpfr_set_d(m->lp, x->lp, R);
    mpfr_set_d(m->lpp, x->lpp, R);
    mpfr_set_d(m->lambda, x->lambda, R);
    mpfr_set_d(m->mu, x->mu, R);
    mpfr_set_d(m->alpha, x->alpha, R);
    mpfr_add(m->a, m->lpp, m->mu, R);
    gn_mp_la_nrm2sq(m->jj, m->j, x->n, s + 7);
}

/* ---------------------------------------------------------------- solves */

double pf_claim_factor(pf_claim_ws *ws, mpfr_ptr a, size_t *piv, size_t n, double form_units,
                       mpfr_srcptr ainv)
{
    if (n == 0 || n > 256)
        return INFINITY;
    mpfr_prec_t prec = mpfr_get_prec(a);
    mpfr_ptr t = pf_claim_get_prec(ws, 6, prec);
    mpfr_ptr anorm = t + 3, kinv = t + 4, kc = t + 5;
    double g;
    gn_mp_la_norminf(anorm, a, n, n, t);
    if (gn_mp_la_lu(a, piv, n, &g, t) < 0)
        return INFINITY;
    if (ainv)
        mpfr_set(kinv, ainv, MPFR_RNDU);
    else {
        mpfr_ptr sc = pf_claim_get_prec(ws, 2 * n, prec);
        gn_mp_la_lu_inv_norminf(kinv, a, piv, n, sc, sc + n, t);
    }
    /* kc = 2 kappa eps / u, eps / u = (form_units + 3 n g) (1 + 0.01): the 1.01 covers
     * gamma_3n = 3nu / (1 - 3nu) <= 1.01 * 3nu for 3nu <= 0.0099 (p >= 64, n <= 256). */
    mpfr_mul(kc, anorm, kinv, MPFR_RNDU);
    mpfr_mul_d(kc, kc, 2.0 * 1.01 * (form_units + 3.0 * (double)n * g), MPFR_RNDU);
    /* void when kappa eps > 1/2, i.e. kc u > 1 */
    mpfr_mul_2si(t, kc, -(long)prec, MPFR_RNDU);
    if (mpfr_cmp_ui(t, 1) > 0)
        return INFINITY;
    return mpfr_get_d(kc, MPFR_RNDU);
}

double pf_claim_solve(pf_claim_ws *ws, mpfr_ptr x, mpfr_ptr a, size_t n, double form_units,
                      mpfr_srcptr ainv)
{
    size_t piv[256];
    double kc = pf_claim_factor(ws, a, piv, n, form_units, ainv);
    if (!isfinite(kc))
        return INFINITY;
    gn_mp_la_lu_solve(x, a, piv, n, pf_claim_get_prec(ws, 1, mpfr_get_prec(a)));
    return kc;
}

double pf_claim_solve_311(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n,
                          mpfr_srcptr lp, mpfr_srcptr a, mpfr_srcptr lambda)
{
    return pf_claim_solve_311_at(ws, d, j, n, lp, a, lambda, ws->prec);
}

double pf_claim_solve_311_at(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n,
                             mpfr_srcptr lp, mpfr_srcptr a, mpfr_srcptr lambda, mpfr_prec_t p)
{
    mpfr_ptr t = pf_claim_get_prec(ws, 3, p);
    /* kappa_inf(M) <= sqrt(n) (a |j|_inf |j|_1 + lambda) / lambda: raise the precision of
     * the solve by its binary exponent + 16 bits, so that the solve's error stays below
     * 2^-p however ill-conditioned (|j| = 2^300, lambda = 2^-80) the instance is. */
    mpfr_set_zero(t, 1);
    mpfr_set_zero(t + 1, 1);
    for (size_t i = 0; i < n; i++) {
        if (mpfr_sgn(j + i) >= 0)
            mpfr_add(t, t, j + i, MPFR_RNDU);
        else
            mpfr_sub(t, t, j + i, MPFR_RNDU);
        if (mpfr_cmpabs(j + i, t + 1) > 0)
            mpfr_abs(t + 1, j + i, R);
    }
    mpfr_mul(t, t, t + 1, MPFR_RNDU);
    mpfr_mul(t, t, a, MPFR_RNDU);
    mpfr_add(t, t, lambda, MPFR_RNDU);
    mpfr_div(t, t, lambda, MPFR_RNDU);
    mpfr_mul_d(t, t, sqrt((double)n) + 1e-9, MPFR_RNDU);
    long e = mpfr_zero_p(t) ? 0 : (long)mpfr_get_exp(t);
    if (e < 0)
        e = 0;
    if (e > 8192)
        return INFINITY;
    mpfr_prec_t q = p + (mpfr_prec_t)e + 16;
    mpfr_ptr m = pf_claim_get_prec(ws, n * n + n + 1, q);
    mpfr_ptr x = m + n * n, ainv = x + n;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n; k++) {
            mpfr_ptr e_ik = m + i * n + k;
            mpfr_mul(e_ik, j + i, j + k, R);
            mpfr_mul(e_ik, e_ik, a, R);
            if (i == k)
                mpfr_add(e_ik, e_ik, lambda, R);
        }
        mpfr_mul(x + i, lp, j + i, R);
        mpfr_neg(x + i, x + i, R);
    }
    /* ||M^-1||_inf <= sqrt(n) / lambda (M - lambda I is PSD when a >= 0) */
    if (mpfr_sgn(a) < 0)
        mpfr_set_zero(ainv, 1), ainv = NULL;
    else {
        mpfr_ui_div(ainv, 1, lambda, MPFR_RNDU);
        mpfr_mul_d(ainv, ainv, sqrt((double)n) * (1.0 + 1e-15), MPFR_RNDU);
    }
    double kc = pf_claim_solve(ws, x, m, n, 4.0, ainv);
    for (size_t i = 0; i < n; i++)
        mpfr_set(d + i, x + i, R);
    /* back to units of 2^-p, plus the final rounding to p bits (<= u |x_i|) */
    return ldexp(kc, -(int)(q - p)) + 1.0;
}

/* -------------------------------------------------------------- BCE */

void pf_claim_bce_def(pf_claim_ws *ws, mpfr_ptr l, mpfr_ptr p_out, mpfr_srcptr f,
                      mpfr_srcptr y)
{
    double af = fabs(mpfr_get_d(f, R));
    if (af > 1e5)
        af = 1e5;
    mpfr_prec_t q = mpfr_get_prec(l) + (mpfr_prec_t)(af / 0.6931471805599453) + 64;
    mpfr_ptr t = pf_claim_get_prec(ws, 4, q);
    mpfr_ptr e = t, p = t + 1, omp = t + 2, acc = t + 3;
    mpfr_neg(e, f, R);
    mpfr_exp(e, e, R);
    mpfr_add_ui(e, e, 1, R);
    mpfr_ui_div(p, 1, e, R);   /* p = 1/(1 + exp(-f)) */
    mpfr_ui_sub(omp, 1, p, R); /* 1 - p, exact digits kept by the raised precision */
    mpfr_log(e, p, R);
    mpfr_mul(acc, e, y, R); /* y log p */
    mpfr_log(e, omp, R);
    mpfr_ui_sub(p, 1, y, R); /* 1 - y */
    mpfr_mul(e, e, p, R);
    mpfr_add(acc, acc, e, R);
    mpfr_neg(l, acc, R);
    if (p_out)
        mpfr_ui_sub(p_out, 1, omp, R);
}

double pf_claim_solve_a1(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                         mpfr_srcptr lpp)
{
    mpfr_prec_t p = ws->prec;
    mpfr_ptr t = pf_claim_get(ws, 3);
    /* A = l''|j|^2; kappa_inf(G + N N^T) <= sqrt(n) max(A, 1) / min(A, 1) up to the O(n u)
     * departure of the computed N from orthonormality */
    gn_mp_la_nrm2sq(t, j, n, t + 1);
    mpfr_mul(t, t, lpp, MPFR_RNDN);
    if (mpfr_zero_p(t))
        return INFINITY;
    long ea = (long)mpfr_get_exp(t);
    long e = (ea < 0 ? -ea : ea) + 2 + (long)n;
    if (e > 8192)
        return INFINITY;
    /* + 40 bits: the formation factor below is at most 2^37 for n <= 12 */
    mpfr_prec_t q = p + (mpfr_prec_t)e + 40;
    size_t nn = n > 1 ? n - 1 : 1;
    mpfr_ptr a = pf_claim_get_prec(ws, n * n + n * nn + 2 * n, q);
    mpfr_ptr nm = a + n * n, x = nm + n * nn, v = x + n;
    mpfr_ptr tq = pf_claim_get_prec(ws, 3, q);
    if (n > 1 && gn_mp_la_householder_perp(nm, j, n, v, tq) < 0)
        return INFINITY;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n; k++) {
            mpfr_ptr e_ik = a + i * n + k;
            mpfr_mul(e_ik, j + i, j + k, R);
            mpfr_mul(e_ik, e_ik, lpp, R);
            for (size_t c = 0; n > 1 && c < n - 1; c++) {
                mpfr_mul(tq, nm + i * nn + c, nm + k * nn + c, R);
                mpfr_add(e_ik, e_ik, tq, R);
            }
        }
        mpfr_mul(x + i, lp, j + i, R);
        mpfr_neg(x + i, x + i, R);
    }
    /* formation (units of 2^-q, normwise relative): the computed N has entries off by
     * <= (5n + 14) u (nrm: (n+1)u, v_1 (n+2)u, v^T v (3n+4)u, the products and 1 - t),
     * so an entry of N N^T is off by <= n (10n + 30) u and a row sum by n^2 (10n + 30) u,
     * against ||A||_inf >= ||A||_2 / sqrt(n) >= 1/sqrt(n); G's entries 2 roundings, the
     * right-hand side one: form_units = n^2.5 (10n + 30) + 3. */
    double fu = pow((double)n, 2.5) * (10.0 * (double)n + 30.0) + 3.0;
    double kc = pf_claim_solve(ws, x, a, n, fu, NULL);
    for (size_t i = 0; i < n; i++)
        mpfr_set(d + i, x + i, R);
    return ldexp(kc, -(int)(q - p)) + 1.0;
}
