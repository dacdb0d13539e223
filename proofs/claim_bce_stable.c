/* claim_bce_stable.c: MATH.md §7: the stable BCE forms equal the definitions,
 *     l = max(f,0) - y f + log1p(exp(-|f|)),   l'' = sigma(f) sigma(-f),
 * against l = -y log p - (1-y) log(1-p) and p(1-p) evaluated from the definition at a
 * precision raised by |f|/log 2 + 64 bits (pf_claim_bce_def), for |f| up to 4000.
 *
 * Tolerances (units of u). Stable l at p bits: max(f,0) exact, y f (1), exp (1), log1p (1,
 * plus the exp's error passed through log1p's condition <= 1), two additions (2): <= 6 u
 * times the sum of the terms' magnitudes S = |max(f,0)| + |y f| + log1p(exp(-|f|)); the
 * definition side rounds once into p bits: kc = 7 relative to S.
 * l'' = sigma(f) sigma(-f): each sigma is exp, 1 + e and 1/x on positive numbers (3 u), the
 * product 1: 7 u relative; the definition's p(1-p) rounded once: kc = 9 relative to l''. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

static void sigma(mpfr_ptr s, mpfr_srcptr f, int neg)
{
    if (neg)
        mpfr_set(s, f, R);
    else
        mpfr_neg(s, f, R);
    mpfr_exp(s, s, R);
    mpfr_add_ui(s, s, 1, R);
    mpfr_ui_div(s, 1, s, R);
}

static int eval(pf_claim_ws *ws)
{
    static const double advf[] = {0.0, 1e-300, -1e-300, 30.0, -30.0, 36.75, -36.75, 700.0,
                                  -700.0, 745.0, -745.0, 800.0, -4000.0, 4000.0};
    double fv, yv;
    if (ws->adversarial) {
        fv = advf[ws->index / 3];
        yv = (double[]){0.0, 1.0, 0.25}[ws->index % 3];
    } else {
        fv = pf_claim_logu(ws, -20, 10, 1);
        double u = pf_claim_uniform(ws, 0, 1);
        yv = u < 0.35 ? 0.0 : u < 0.7 ? 1.0 : pf_claim_uniform(ws, 0, 1);
    }
    pf_claim_desc(ws, "f=%a y=%a", fv, yv);
    mpfr_ptr v = pf_claim_get(ws, 10);
    mpfr_ptr f = v, y = v + 1, ls = v + 2, ld = v + 3, t = v + 4, sc = v + 5, a = v + 6,
             b = v + 7, pd = v + 8, lpps = v + 9;
    mpfr_set_d(f, fv, R);
    mpfr_set_d(y, yv, R);
    /* stable l; mutant 1: log1p(exp(-f)) without |.|; mutant 2: + y f */
    mpfr_set(a, f, R);
    if (mpfr_sgn(a) < 0)
        mpfr_set_zero(a, 1);
    mpfr_mul(b, y, f, R);
    mpfr_abs(t, f, R);
    if (ws->mutant == 1)
        mpfr_set(t, f, R);
    mpfr_neg(t, t, R);
    mpfr_exp(t, t, R);
    mpfr_log1p(t, t, R);
    if (ws->mutant == 2)
        mpfr_add(ls, a, b, R);
    else
        mpfr_sub(ls, a, b, R);
    mpfr_add(ls, ls, t, R);
    mpfr_abs(b, b, R);
    mpfr_add(sc, a, b, R);
    mpfr_add(sc, sc, t, R);
    pf_claim_bce_def(ws, ld, pd, f, y);
    pf_claim_scmp(ws, "stable l = max(f,0) - y f + log1p(exp(-|f|)) vs (4.9)", ls, ld, sc, 7.0);
    /* l'' = sigma(f) sigma(-f) vs p(1-p); mutant 3: sigma(f)^2 */
    sigma(a, f, 0);
    sigma(b, f, ws->mutant == 3 ? 0 : 1);
    mpfr_mul(lpps, a, b, R);
    /* p(1 - p) from the definition's p at raised precision */
    mpfr_prec_t q = ws->prec + (mpfr_prec_t)ceil(1.4427 * fabs(fv)) + 64;
    mpfr_ptr hp = pf_claim_get_prec(ws, 3, q);
    pf_claim_bce_def(ws, hp, hp + 1, f, y);
    mpfr_ui_sub(hp + 2, 1, hp + 1, R);
    mpfr_mul(hp + 2, hp + 2, hp + 1, R);
    mpfr_set(t, hp + 2, R);
    pf_claim_scmp(ws, "l'' = sigma(f) sigma(-f) vs p(1-p)", lpps, t, NULL, 9.0);
    return 0;
}

const pf_claim pf_claim_bce_stable = {
    .id = "bce-stable",
    .statement = "§7 stable BCE: max(f,0) - y f + log1p(exp(-|f|)) = (4.9) and sigma(f)sigma(-f) = "
                 "p(1-p), |f| up to 4000",
    .lhs = "the stable forms at the working precision",
    .rhs = "the definitions at precision raised by |f|/log 2 + 64 bits",
    .uses = "bce-derivs (4.9)",
    .mutants = {"log1p(exp(-f)) without the absolute value", "+ y f in place of - y f",
                "l'' = sigma(f)^2", NULL},
    .nadv = 42,
    .eval = eval,
};
