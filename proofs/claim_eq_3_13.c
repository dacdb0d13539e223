/* claim_eq_3_13.c: MATH.md (3.13)-(3.15): xi = 1/((l''+mu)|j|^2 + lambda) is the scalar with
 * ((l''+mu) j j^T + lambda I)^-1 j = xi j, and the IGND update w+ = w - alpha xi l' j (3.14)
 * = w - alpha xi g (3.15, g = l' j formed) equals w + alpha d with d the solution of (3.11).
 *
 * lhs: xi j, and the two updates from the closed forms; rhs: the LU solve of (3.11) with
 * right-hand side j (for xi) and -l' j (for d), in MPFR.
 * Tolerances (units of u): xi j: kc_s + n + 5 relative to |x|_inf. Updates: w+ is compared
 * in the mixed measure of MATH.md §13, scale |w|_inf + |alpha d|_inf: the closed form has
 * n + 4 roundings in xi, 3 more in alpha xi l' j_i (or alpha xi g_i, g_i one rounding), one in
 * the subtraction; the solve side kc_s on d, one in alpha d_i, one in the addition:
 * kc = kc_s + n + 10. */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    mpfr_ptr v = pf_claim_get(ws, 8 * n + 6);
    mpfr_ptr xs = v, xc = v + n, w = xc + n, w14 = w + n, w15 = w14 + n, wd = w15 + n,
             d = wd + n, g = d + n, s = g + n;
    mpfr_ptr xi = s, minus1 = s + 1, sc = s + 2, t = s + 3;
    /* (3.13); mutant 1: lambda dropped; mutant 3: mu added after the outer product */
    if (ws->mutant == 3) {
        mpfr_mul(xi, m.lpp, m.jj, R);
        mpfr_add(xi, xi, m.mu, R);
    } else
        mpfr_mul(xi, m.a, m.jj, R);
    if (ws->mutant != 1)
        mpfr_add(xi, xi, m.lambda, R);
    mpfr_ui_div(xi, 1, xi, R);
    for (size_t i = 0; i < n; i++)
        mpfr_mul(xc + i, xi, m.j + i, R);
    mpfr_set_si(minus1, -1, R);
    double kx = pf_claim_solve_311(ws, xs, m.j, n, minus1, m.a, m.lambda);
    if (!mpfr_zero_p(m.jj))
        pf_claim_vcmp(ws, "(3.13) xi j vs solve of (3.11) with rhs j", xc, xs, n, NULL,
                      kx + 1.01 * (double)(n + 5));
    /* updates */
    double kd = pf_claim_solve_311(ws, d, m.j, n, m.lp, m.a, m.lambda);
    mpfr_mul(t, m.alpha, xi, R);
    mpfr_mul(t, t, m.lp, R); /* alpha xi l' */
    mpfr_set_zero(sc, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(w + i, pf_claim_normal(ws), R);
        mpfr_mul(g + i, m.lp, m.j + i, R);
        mpfr_mul(w14 + i, t, m.j + i, R);
        mpfr_sub(w14 + i, w + i, w14 + i, R);
        mpfr_mul(w15 + i, m.alpha, xi, R);
        mpfr_mul(w15 + i, w15 + i, g + i, R);
        if (ws->mutant == 2) /* sign flipped in (3.15) */
            mpfr_add(w15 + i, w + i, w15 + i, R);
        else
            mpfr_sub(w15 + i, w + i, w15 + i, R);
        mpfr_mul(wd + i, m.alpha, d + i, R);
        if (mpfr_cmpabs(wd + i, sc) > 0)
            mpfr_abs(sc, wd + i, R);
        mpfr_add(wd + i, w + i, wd + i, R);
    }
    mpfr_ptr wmx = s + 4;
    mpfr_set_zero(wmx, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(w + i, wmx) > 0)
            mpfr_abs(wmx, w + i, R);
    mpfr_add(sc, sc, wmx, R);
    double kc = kd + (double)n + 10.0;
    pf_claim_vcmp(ws, "(3.14) w - alpha xi l' j vs w + alpha d", w14, wd, n, sc, kc);
    pf_claim_vcmp(ws, "(3.15) w - alpha xi g vs w + alpha d", w15, wd, n, sc, kc);
    return 0;
}

const pf_claim pf_claim_eq_3_13 = {
    .id = "eq-3.13-3.15",
    .statement = "(3.13) xi = 1/((l''+mu)|j|^2+lambda); (3.14) w - alpha xi l' j = (3.15) w - "
                 "alpha xi g = w + alpha d_(3.11)",
    .lhs = "xi j and both updates from the closed forms",
    .rhs = "LU solves of (3.11) with right-hand sides j and -l' j",
    .uses = "prop-3.2 (3.13) (3.14) (3.15)",
    .mutants = {"lambda dropped from xi", "sign flipped in (3.15): w + alpha xi g",
                "mu added after the outer product in xi", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
