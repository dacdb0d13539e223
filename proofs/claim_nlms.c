/* claim_nlms.c: MATH.md §6: NLMS w += eta e x / (eps + |x|^2) (e = y - f, f = w^T x) equals
 * IGND with the squared loss, mu = 0, lambda = eps, alpha = eta.
 *
 * lhs: the NLMS update in MPFR; rhs: w + eta d with d the LU solve of (3.11) for
 * l' = f - y, l'' = 1, mu = 0, lambda = eps.
 * Tolerance (units of u, mixed measure of §13 with scale |w|_inf + |eta d|_inf): NLMS n + 5
 * roundings (|x|^2 n, eps 1, e x_i 1, eta 1, the division 1, the sum 1), the solve side
 * kc_s + 2: kc = kc_s + n + 8. */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    double y = pf_claim_normal(ws);
    pf_claim_desc(ws, " y=%a (eps = lambda, eta = alpha)", y);
    mpfr_ptr v = pf_claim_get(ws, 4 * n + 10);
    mpfr_ptr w = v, wn = w + n, wi = wn + n, d = wi + n, s = d + n;
    mpfr_ptr f = s, e = s + 1, lp = s + 2, a = s + 3, den = s + 4, sc = s + 5, t = s + 6,
             wm = s + 7;
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(w + i, pf_claim_normal(ws), R);
    gn_mp_la_dot(f, w, m.j, n, t);
    mpfr_d_sub(e, y, f, R); /* e = y - f */
    mpfr_neg(lp, e, R);     /* squared loss l' = f - y */
    if (ws->mutant == 1)    /* mutant 1: e = f - y */
        mpfr_neg(e, e, R);
    /* NLMS; mutant 3 normalises by |x| instead of |x|^2 */
    if (ws->mutant == 3)
        mpfr_sqrt(den, m.jj, R);
    else
        mpfr_set(den, m.jj, R);
    mpfr_add(den, den, m.lambda, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(wn + i, e, m.j + i, R);
        mpfr_mul(wn + i, wn + i, m.alpha, R);
        mpfr_div(wn + i, wn + i, den, R);
        mpfr_add(wn + i, w + i, wn + i, R);
    }
    /* IGND, mu = 0 (mutant 2: mu = 1) */
    mpfr_set_ui(a, ws->mutant == 2 ? 2 : 1, R);
    double kc = pf_claim_solve_311(ws, d, m.j, n, lp, a, m.lambda);
    mpfr_set_zero(sc, 1);
    mpfr_set_zero(wm, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(wi + i, m.alpha, d + i, R);
        if (mpfr_cmpabs(wi + i, sc) > 0)
            mpfr_abs(sc, wi + i, R);
        if (mpfr_cmpabs(w + i, wm) > 0)
            mpfr_abs(wm, w + i, R);
        mpfr_add(wi + i, w + i, wi + i, R);
    }
    mpfr_add(sc, sc, wm, R);
    pf_claim_vcmp(ws, "NLMS = IGND(mu=0, lambda=eps, alpha=eta)", wn, wi, n, sc,
                  kc + (double)n + 8.0);
    return 0;
}

const pf_claim pf_claim_nlms = {
    .id = "nlms-equiv",
    .statement = "§6 NLMS w += eta e x/(eps + |x|^2) equals squared-loss IGND with mu = 0, lambda = "
                 "eps, alpha = eta",
    .lhs = "the NLMS update in MPFR",
    .rhs = "w + eta d, d the LU solve of (3.11) with l' = f - y, l'' = 1",
    .uses = "eq-3.13-3.15 table-1 (4.8)",
    .mutants = {"e = f - y (sign)", "IGND with mu = 1 instead of 0",
                "NLMS normalised by |x| instead of |x|^2", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
