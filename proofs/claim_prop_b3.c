/* claim_prop_b3.c: Prop B.3 (MATH.md §8) on finite datasets, every expectation an exact
 * finite sum in MPFR (uniform distribution on m samples; linear model, squared loss and BCE;
 * B.1's constants S = max |x_i|, H = max l''_i, the tightest for the data):
 *  (a) Popoviciu: Var xi <= (xi_max - xi_min)^2 / 4;
 *  (b) E[xi g] = E[xi] grad F + Cov(xi, g);
 *  (c) Cauchy-Schwarz: |Cov(xi, g)| <= sqrt(Var xi) sqrt(E|g - grad F|^2);
 *  (d) E|g - grad F|^2 = (rho - 1) |grad F|^2, rho = E|g|^2 / |grad F|^2 (B.2's best constant);
 *  (e) |Cov(xi, g)| <= ((xi_max - xi_min)/2) sqrt(rho - 1) |grad F|;
 *  (f) (4.14) grad F^T E[xi g] >= c |grad F|^2, c = xi_min - ((xi_max - xi_min)/2) sqrt(rho-1);
 *  (g) (4.15) with M = 0, M_G = rho/lambda^2: E|xi g|^2 <= (rho / lambda^2) |grad F|^2.
 * The adversarial datasets make (a), (e), (f) and (g) tight enough that the mutants fail.
 *
 * Tolerances (units of u). Each sample's xi, g carry <= n + 6 roundings; each expectation is a
 * sum of m such terms plus the mean's division; centred quantities (Var, Cov, g - grad F) and
 * rho add one level more. Every compared quantity is thus within (m + 3n + 24) u of its value
 * relative to the sum of the magnitudes of its terms; we take that sum (a bound written at each
 * check) as the scale, and a factor 4 for the products of two such quantities. rho enters
 * through |grad F|^2, whose relative error is amplified by rho (cancellation in the mean):
 * kc = 4 (m + 3n + 24) (1 + rho). */
#include "dataset.h"

#include <math.h>
#include <string.h>

#define R MPFR_RNDN

static void adversarial(pf_claim_ws *ws, pf_claim_ds *d)
{
    memset(d, 0, sizeof *d);
    d->n = 1;
    d->lambda = 0.5;
    d->w[0] = 1.0;
    switch (ws->index) {
    case 0: /* two-point xi at its extremes: Popoviciu is an equality */
        d->m = 2;
        d->x[1][0] = 1.0;
        break;
    case 1: /* three samples, rho = 3/2: sqrt(rho - 1) > rho - 1 matters */
        d->m = 3;
        d->x[1][0] = d->x[2][0] = 1.0;
        break;
    case 2: /* opposite gradients, the small-|x| one with the larger xi: Cov < 0 */
        d->m = 2;
        d->x[0][0] = 0.25, d->y[0] = 4.25;
        d->x[1][0] = 2.0, d->y[1] = -1.0;
        break;
    case 3: /* tiny |x|: xi ~ 1/lambda, (4.15) nearly tight */
        d->m = 2;
        d->w[0] = 0.0;
        d->x[0][0] = 0x1p-20, d->y[0] = 1.0;
        d->x[1][0] = 0x1p-21, d->y[1] = -1.0;
        break;
    default: /* BCE */
        d->m = 3;
        d->bce = 1;
        d->w[0] = 3.0;
        d->x[0][0] = 1.0, d->y[0] = 1.0;
        d->x[1][0] = -1.0, d->y[1] = 0.0;
        d->x[2][0] = 2.0, d->y[2] = 0.0;
        break;
    }
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_ds d;
    if (ws->adversarial)
        adversarial(ws, &d);
    else
        pf_claim_ds_random(ws, &d);
    pf_claim_ds_desc(ws, &d);
    pf_claim_dsmp q;
    pf_claim_ds_eval(ws, &q, &d);
    size_t m = d.m, n = d.n;
    mpfr_ptr v = pf_claim_get(ws, 3 * n + 24);
    mpfr_ptr cov = v, exg = v + n, rhsv = exg + n, s = rhsv + n;
    mpfr_ptr Ex = s, var = s + 1, gF2 = s + 2, rho = s + 3, t = s + 4, lhs = s + 5, rhs = s + 6,
             sc = s + 7, Egc = s + 8, covn = s + 9, dlt = s + 10, sr = s + 11, c = s + 12,
             al = s + 13, m2 = s + 14, t2 = s + 15, Eg = s + 16;
    gn_mp_la_nrm2sq(gF2, q.gF, n, t);
    if (mpfr_zero_p(gF2))
        return -1; /* rho undefined at a stationary point */
    mpfr_div(rho, q.Eg2, gF2, R);
    double rhod = mpfr_get_d(rho, R);
    double kc = 4.0 * (double)(m + 3 * n + 24) * (1.0 + rhod);
    /* E xi, Var xi, Cov, E[xi g], E|g - gradF|^2, E|xi g|^2 */
    mpfr_set_zero(Ex, 1);
    for (size_t i = 0; i < m; i++)
        mpfr_add(Ex, Ex, q.xi + i, R);
    mpfr_div_ui(Ex, Ex, (unsigned long)m, R);
    mpfr_set_zero(var, 1);
    mpfr_set_zero(Egc, 1);
    mpfr_set_zero(m2, 1);
    for (size_t k = 0; k < n; k++)
        mpfr_set_zero(cov + k, 1), mpfr_set_zero(exg + k, 1);
    for (size_t i = 0; i < m; i++) {
        mpfr_sub(t, q.xi + i, Ex, R);
        mpfr_fma(var, t, t, var, R);
        for (size_t k = 0; k < n; k++) {
            mpfr_ptr gik = q.g + i * n + k;
            mpfr_sub(t2, gik, q.gF + k, R);
            mpfr_fma(Egc, t2, t2, Egc, R);
            mpfr_fma(cov + k, t, t2, cov + k, R);
            mpfr_mul(t2, q.xi + i, gik, R);
            mpfr_add(exg + k, exg + k, t2, R);
            mpfr_fma(m2, t2, t2, m2, R);
        }
    }
    mpfr_div_ui(var, var, (unsigned long)m, R);
    mpfr_div_ui(Egc, Egc, (unsigned long)m, R);
    mpfr_div_ui(m2, m2, (unsigned long)m, R);
    for (size_t k = 0; k < n; k++) {
        mpfr_div_ui(cov + k, cov + k, (unsigned long)m, R);
        mpfr_div_ui(exg + k, exg + k, (unsigned long)m, R);
    }
    gn_mp_la_nrm2sq(covn, cov, n, t);
    mpfr_sqrt(covn, covn, R);
    mpfr_sub(dlt, q.xmax, q.xmin, R);
    mpfr_sqrt(Eg, q.Eg2, R);

    /* (a) Popoviciu; mutant 1: /8 */
    mpfr_sqr(rhs, dlt, R);
    mpfr_div_2ui(rhs, rhs, ws->mutant == 1 ? 3 : 2, R);
    mpfr_sqr(sc, q.xmax, R);
    pf_claim_le(ws, "(a) Var xi <= (xi_max - xi_min)^2/4", var, rhs, sc, kc);
    /* (b) E[xi g] = E xi grad F + Cov; scale 3 xi_max E|g| */
    for (size_t k = 0; k < n; k++)
        mpfr_fma(rhsv + k, Ex, q.gF + k, cov + k, R);
    mpfr_mul(sc, q.xmax, Eg, R);
    mpfr_mul_ui(sc, sc, 3, R);
    pf_claim_vcmp(ws, "(b) E[xi g] = E[xi] grad F + Cov(xi, g)", exg, rhsv, n, sc, kc);
    /* (c) Cauchy-Schwarz; scale xi_max E|g| */
    mpfr_sqrt(t, var, R);
    mpfr_sqrt(t2, Egc, R);
    mpfr_mul(rhs, t, t2, R);
    mpfr_mul(sc, q.xmax, Eg, R);
    pf_claim_le(ws, "(c) |Cov| <= sqrt(Var xi) sqrt(E|g - grad F|^2)", covn, rhs, sc, kc);
    /* (d) E|g - grad F|^2 = (rho - 1)|grad F|^2; scale E|g|^2 */
    mpfr_sub_ui(t, rho, 1, R);
    mpfr_mul(rhs, t, gF2, R);
    pf_claim_scmp(ws, "(d) E|g - grad F|^2 = (rho - 1)|grad F|^2", Egc, rhs, q.Eg2, kc);
    /* (e) |Cov| <= (Delta/2) sqrt(rho - 1) |grad F|; mutant 3: (rho - 1) */
    mpfr_sub_ui(sr, rho, 1, R);
    if (mpfr_sgn(sr) < 0)
        mpfr_set_zero(sr, 1); /* rho >= 1 up to rounding (Remark B.1's note) */
    if (ws->mutant != 3)
        mpfr_sqrt(sr, sr, R);
    mpfr_sqrt(t, gF2, R);
    mpfr_mul(rhs, dlt, sr, R);
    mpfr_mul(rhs, rhs, t, R);
    mpfr_div_2ui(rhs, rhs, 1, R);
    mpfr_mul(sc, q.xmax, Eg, R);
    pf_claim_le(ws, "(e) |Cov| <= ((xi_max - xi_min)/2) sqrt(rho-1) |grad F|", covn, rhs, sc, kc);
    /* (f) alignment (4.14); mutant 2: c = xi_min (covariance term dropped) */
    mpfr_sub_ui(sr, rho, 1, R);
    if (mpfr_sgn(sr) < 0)
        mpfr_set_zero(sr, 1);
    mpfr_sqrt(sr, sr, R);
    mpfr_mul(c, dlt, sr, R);
    mpfr_div_2ui(c, c, 1, R);
    mpfr_sub(c, q.xmin, c, R);
    if (ws->mutant == 2)
        mpfr_set(c, q.xmin, R);
    gn_mp_la_dot(al, q.gF, exg, n, t);
    mpfr_mul(lhs, c, gF2, R);
    mpfr_sqrt(t, gF2, R);
    mpfr_mul_ui(t2, Eg, 2, R);
    mpfr_add(t2, t2, t, R);
    mpfr_mul(sc, t2, t, R);
    mpfr_mul(sc, sc, q.xmax, R);
    pf_claim_le(ws, "(f) (4.14) grad F^T E[xi g] >= c |grad F|^2", lhs, al, sc, kc);
    /* (g) moment (4.15): E|xi g|^2 <= (rho/lambda^2)|grad F|^2; mutant 4: rho/lambda */
    mpfr_set_d(t, d.lambda, R);
    mpfr_mul(rhs, rho, gF2, R);
    mpfr_div(rhs, rhs, t, R);
    if (ws->mutant != 4)
        mpfr_div(rhs, rhs, t, R);
    mpfr_sqr(sc, q.xmax, R);
    mpfr_mul(sc, sc, q.Eg2, R);
    pf_claim_le(ws, "(g) (4.15) E|xi g|^2 <= (rho/lambda^2)|grad F|^2", m2, rhs, sc, kc);
    return 0;
}

const pf_claim pf_claim_prop_b3 = {
    .id = "prop-b3",
    .statement = "Prop B.3 on finite datasets: Popoviciu, E[xi g] = E xi grad F + Cov, the "
                 "Cov bound, (4.14) with c = xi_min - (Delta/2)sqrt(rho-1), (4.15) M_G = rho/lambda^2",
    .lhs = "exact finite expectations in MPFR (squared loss and BCE, linear model)",
    .rhs = "the bounds of Prop B.3 with B.1's tightest S, H",
    .uses = "lemma-b2 (4.14) (4.15) (B.2)",
    .mutants = {"Popoviciu with /8 in place of /4",
                "c = xi_min (the covariance term dropped)",
                "(rho - 1) in place of sqrt(rho - 1) in the Cov bound",
                "M_G = rho/lambda (square missing)", NULL},
    .nadv = 5,
    .eval = eval,
};
