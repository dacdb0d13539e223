/* claim_bce.c: MATH.md (4.9)-(4.10): for binary cross-entropy with logits, l' = p - y and
 * l'' = p(1 - p), p = sigma(f), y in [0, 1], against central differences of the definition
 * l(f) = -y log p - (1-y) log(1-p) in MPFR.
 *
 * lhs: p - y and p(1-p) with p = 1/(1 + exp(-f)) at a raised precision P;
 * rhs: (l(f+h1) - l(f-h1))/(2 h1) and (l(f+h2) - 2 l(f) + l(f-h2))/h2^2,
 *      h1 = 2^-floor(p/3), h2 = 2^-floor(p/4), l from pf_claim_bce_def stored at P bits.
 * Tolerances (units of u = 2^-p). Derivatives of sigma: |sigma''| <= sigma' and
 * |sigma'''| <= sigma' (sigma'' = sigma'(1 - 2 sigma), sigma''' = sigma'(1 - 6 sigma(1-sigma))),
 * and sigma' varies by at most e^h <= 1.01 over [f - h, f + h]. Truncation: h1^2/6 |l'''| <=
 * 0.17 h1^2 l'', h2^2/12 |l''''| <= 0.09 h2^2 l''. Rounding: l(f +- h) is stored at
 * P = p + ceil(1.4427 |f|) + 64 + 2 he2 bits with absolute error <= 16 (|f| + 2) 2^-P, and
 * l'' >= 2^(-1.4427|f|)/4 (sigma' >= e^-|f|/4), so the quotients' rounding relative to l''
 * is <= 256 (|f| + 2) 2^-(p + 64): below 1 unit for |f| < 2^50. The lhs's own roundings:
 * 3. So relative to scale |l'| + l'': kc1 = 0.2 2^(p - 2 he1) + 5; relative to l'':
 * kc2 = 0.1 2^(p - 2 he2) + 5. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    static const double advf[] = {0.0, 1e-300, 30.0, -30.0, 700.0, -700.0, 745.0, -1000.0};
    static const double advy[] = {1.0, 0.0, 1.0, 1.0, 0.0, 0.25, 1.0, 0.0};
    double fv, yv;
    if (ws->adversarial) {
        fv = advf[ws->index];
        yv = advy[ws->index];
    } else {
        fv = pf_claim_logu(ws, -10, 9.5, 1);
        double u = pf_claim_uniform(ws, 0, 1);
        yv = u < 0.35 ? 0.0 : u < 0.7 ? 1.0 : pf_claim_uniform(ws, 0, 1);
    }
    pf_claim_desc(ws, "f=%a y=%a", fv, yv);
    long he1 = (long)ws->prec / 3, he2 = (long)ws->prec / 4;
    mpfr_prec_t P = ws->prec + (mpfr_prec_t)ceil(1.4427 * fabs(fv)) + 64 + 2 * (mpfr_prec_t)he2;
    mpfr_ptr v = pf_claim_get_prec(ws, 12, P);
    mpfr_ptr f = v, y = v + 1, fp = v + 2, lpl = v + 3, lmi = v + 4, l0 = v + 5, p = v + 6,
             lp = v + 7, lpp = v + 8, fd = v + 9, t = v + 10, sc = v + 11;
    mpfr_set_d(f, fv, R);
    mpfr_set_d(y, yv, R);
    /* lhs */
    mpfr_set(t, f, R);
    if (ws->mutant == 3) /* the logit's sign flipped: p = sigma(-f) */
        mpfr_neg(t, t, R);
    mpfr_neg(p, t, R);
    mpfr_exp(p, p, R);
    mpfr_add_ui(p, p, 1, R);
    mpfr_ui_div(p, 1, p, R);
    if (ws->mutant == 1) /* l' = y - p */
        mpfr_sub(lp, y, p, R);
    else
        mpfr_sub(lp, p, y, R);
    if (ws->mutant == 3) { /* restore p for l'' */
        mpfr_neg(p, f, R);
        mpfr_exp(p, p, R);
        mpfr_add_ui(p, p, 1, R);
        mpfr_ui_div(p, 1, p, R);
    }
    if (ws->mutant == 2) { /* y(1 - y) in place of p(1 - p) */
        mpfr_ui_sub(lpp, 1, y, R);
        mpfr_mul(lpp, lpp, y, R);
    } else {
        mpfr_ui_sub(lpp, 1, p, R);
        mpfr_mul(lpp, lpp, p, R);
    }
    /* l' by a central difference */
    mpfr_set_ui_2exp(t, 1, -he1, R);
    mpfr_add(fp, f, t, R);
    pf_claim_bce_def(ws, lpl, NULL, fp, y);
    mpfr_sub(fp, f, t, R);
    pf_claim_bce_def(ws, lmi, NULL, fp, y);
    mpfr_sub(fd, lpl, lmi, R);
    mpfr_mul_2si(fd, fd, he1 - 1, R);
    /* true l'' (for the scales): p(1-p) from the unmutated p */
    mpfr_neg(t, f, R);
    mpfr_exp(t, t, R);
    mpfr_add_ui(t, t, 1, R);
    mpfr_ui_div(t, 1, t, R);
    mpfr_ui_sub(sc, 1, t, R);
    mpfr_mul(sc, sc, t, R); /* sigma' (f) */
    mpfr_ptr s1 = pf_claim_get_prec(ws, 1, P);
    mpfr_sub(s1, t, y, R);
    mpfr_abs(s1, s1, R);
    mpfr_add(s1, s1, sc, R);
    pf_claim_scmp(ws, "(4.10) l' = p - y vs central difference of (4.9)", lp, fd, s1,
                  0.2 * ldexp(1.0, (int)ws->prec - 2 * (int)he1) + 5.0);
    /* l'' by a second difference */
    mpfr_set_ui_2exp(t, 1, -he2, R);
    mpfr_add(fp, f, t, R);
    pf_claim_bce_def(ws, lpl, NULL, fp, y);
    mpfr_sub(fp, f, t, R);
    pf_claim_bce_def(ws, lmi, NULL, fp, y);
    pf_claim_bce_def(ws, l0, NULL, f, y);
    mpfr_add(fd, lpl, lmi, R);
    mpfr_mul_2ui(l0, l0, 1, R);
    mpfr_sub(fd, fd, l0, R);
    mpfr_mul_2si(fd, fd, 2 * he2, R);
    pf_claim_scmp(ws, "(4.10) l'' = p(1-p) vs second difference of (4.9)", lpp, fd, sc,
                  0.1 * ldexp(1.0, (int)ws->prec - 2 * (int)he2) + 5.0);
    return 0;
}

const pf_claim pf_claim_bce = {
    .id = "bce-derivs",
    .statement = "(4.9)-(4.10) BCE with logits: l' = p - y, l'' = p(1-p), p = sigma(f), y in [0,1] "
                 "(|f| up to 1000)",
    .lhs = "p - y and p(1-p) in MPFR",
    .rhs = "central and second differences of -y log p - (1-y) log(1-p) at raised precision",
    .uses = "(4.9) (4.10)",
    .mutants = {"l' = y - p", "l'' = y(1-y) in place of p(1-p)", "logit sign: p = sigma(-f) in l'",
                NULL},
    .nadv = 8,
    .eval = eval,
};
