/* claim_remark_b1.c: Remark B.1 (MATH.md §8): with (H+mu)S^2 > 0,
 *     c = xi_min - ((xi_max - xi_min)/2) sqrt(rho - 1) > 0  iff  sqrt(rho - 1) < 2 lambda/((H+mu)S^2),
 * because 2 xi_min / (xi_max - xi_min) = 2 lambda / ((H+mu)S^2); when (H+mu)S^2 = 0, xi = 1/lambda
 * and c = 1/lambda. And rho >= 1 always (E|g|^2 >= |E g|^2), checked on random finite sets of
 * gradients.
 *
 * lhs: 2 xi_min/(xi_max - xi_min), sign(c), c in the degenerate case, rho; rhs: 2 lambda/((H+mu)S^2),
 * sign(threshold - sqrt(rho-1)), 1/lambda, 1.
 * Tolerances (units of u): the identity: xi_min (4 roundings), the difference (cancellation:
 * relative error of xi_max - xi_min is (H+mu)S^2-conditioned: at most 5 u (xi_max/(xi_max -
 * xi_min)) = 5 u ((H+mu)S^2 + lambda)/((H+mu)S^2)), the quotient 1; the right side 3:
 * kc = 10 (1 + lambda/((H+mu)S^2)). The sign test is exact whenever |threshold - sqrt(rho-1)|
 * exceeds its rounding error (skipped within 2^-(p/2) relative, where the sign is not decided
 * by the formula but by rounding). rho: a quotient of sums of squares, kc = 4 (m n + 8) with
 * scale rho. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    int degen = ws->adversarial ? (ws->index < 2) : (ws->index % 10 == 0);
    double H = pf_claim_logu(ws, -4, 2, 0), S = pf_claim_logu(ws, -3, 3, 0);
    double mu = pf_claim_uniform(ws, 0, 1) < 0.3 ? 0.0 : pf_claim_logu(ws, -6, 1, 0);
    double lambda = pf_claim_logu(ws, -6, 2, 0);
    if (degen) {
        if (ws->index % 2)
            S = 0.0;
        else
            H = 0.0, mu = 0.0;
    }
    mpfr_ptr s = pf_claim_get(ws, 16);
    mpfr_ptr lam = s, a = s + 1, xmin = s + 2, xmax = s + 3, dl = s + 4, lhs = s + 5,
             thr = s + 6, rho = s + 7, sr = s + 8, c = s + 9, t = s + 10, hs = s + 11;
    mpfr_set_d(lam, lambda, R);
    mpfr_set_d(a, H, R);
    mpfr_add_d(a, a, mu, R);
    mpfr_set_d(t, S, R);
    mpfr_sqr(t, t, R);
    mpfr_mul(hs, a, t, R); /* (H+mu) S^2 */
    mpfr_add(xmin, hs, lam, R);
    mpfr_ui_div(xmin, 1, xmin, R);
    mpfr_ui_div(xmax, 1, lam, R);
    mpfr_sub(dl, xmax, xmin, R);
    /* rho: around the threshold, so both signs of c occur */
    if (mpfr_zero_p(hs)) {
        mpfr_set_d(rho, 1.0 + pf_claim_logu(ws, -4, 4, 0), R);
    } else {
        mpfr_mul_ui(thr, lam, 2, R);
        mpfr_div(thr, thr, hs, R);
        mpfr_mul_d(sr, thr, pf_claim_uniform(ws, 0.5, 1.5), R);
        mpfr_sqr(rho, sr, R);
        mpfr_add_ui(rho, rho, 1, R);
    }
    pf_claim_desc(ws, "H=%a S=%a mu=%a lambda=%a rho=%a", H, S, mu, lambda, mpfr_get_d(rho, R));
    mpfr_sub_ui(sr, rho, 1, R);
    mpfr_sqrt(sr, sr, R);
    mpfr_mul(c, dl, sr, R);
    mpfr_div_2ui(c, c, 1, R);
    mpfr_sub(c, xmin, c, R);
    if (mpfr_zero_p(hs)) {
        pf_claim_scmp(ws, "(H+mu)S^2 = 0: c = 1/lambda", c, xmax, NULL, 4.0);
    } else {
        /* identity 2 xi_min / Delta = 2 lambda / ((H+mu) S^2) */
        mpfr_mul_ui(lhs, xmin, 2, R);
        mpfr_div(lhs, lhs, dl, R);
        mpfr_mul_ui(thr, lam, 2, R);
        if (ws->mutant == 2) { /* mu dropped from the threshold: 2 lambda/(H S^2) */
            mpfr_set_d(t, S, R);
            mpfr_sqr(t, t, R);
            mpfr_mul_d(t, t, H, R);
            mpfr_div(thr, thr, t, R);
        } else
            mpfr_div(thr, thr, hs, R);
        double cond = 1.0 + lambda / mpfr_get_d(hs, R);
        if (ws->mutant == 3) /* the factor 2 missing */
            mpfr_div_2ui(thr, thr, 1, R);
        pf_claim_scmp(ws, "2 xi_min/(xi_max - xi_min) = 2 lambda/((H+mu)S^2)", lhs, thr, NULL,
                      10.0 * cond);
        /* sign test; mutant 1: rho in place of sqrt(rho - 1) */
        mpfr_sub(t, thr, ws->mutant == 1 ? rho : sr, R);
        mpfr_div(lhs, t, thr, R);
        if (mpfr_cmpabs_ui(lhs, 0) > 0 &&
            mpfr_get_exp(lhs) > -(mpfr_exp_t)(ws->prec / 2)) {
            int pos = mpfr_sgn(c) > 0, pred = mpfr_sgn(t) > 0;
            pf_claim_true(ws, "c > 0 iff sqrt(rho-1) < 2 lambda/((H+mu)S^2)", pos == pred);
        }
    }
    /* rho >= 1 on a random finite set of gradients (m samples in R^n) */
    size_t m = pf_claim_range(ws, 1, 6), n = pf_claim_range(ws, 1, 4);
    mpfr_ptr g = pf_claim_get(ws, m * n + n + 2);
    mpfr_ptr mean = g + m * n, Eg2 = mean + n, gF2 = Eg2 + 1;
    mpfr_set_zero(Eg2, 1);
    for (size_t k = 0; k < n; k++)
        mpfr_set_zero(mean + k, 1);
    double shift = pf_claim_normal(ws);
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < n; k++) {
            mpfr_set_d(g + i * n + k, shift + pf_claim_normal(ws), R);
            mpfr_add(mean + k, mean + k, g + i * n + k, R);
            mpfr_fma(Eg2, g + i * n + k, g + i * n + k, Eg2, R);
        }
    for (size_t k = 0; k < n; k++)
        mpfr_div_ui(mean + k, mean + k, (unsigned long)m, R);
    mpfr_div_ui(Eg2, Eg2, (unsigned long)m, R);
    gn_mp_la_nrm2sq(gF2, mean, n, t);
    if (!mpfr_zero_p(gF2)) {
        mpfr_div(rho, Eg2, gF2, R);
        mpfr_set_ui(t, 1, R);
        pf_claim_le(ws, "rho = E|g|^2/|E g|^2 >= 1", t, rho, rho, 4.0 * (double)(m * n + 8));
    }
    return 0;
}

const pf_claim pf_claim_remark_b1 = {
    .id = "remark-b1",
    .statement = "Remark B.1: c > 0 iff sqrt(rho-1) < 2 lambda/((H+mu)S^2); (H+mu)S^2 = 0 gives "
                 "c = 1/lambda; rho >= 1",
    .lhs = "2 xi_min/(xi_max - xi_min), sign(c), c, rho in MPFR",
    .rhs = "2 lambda/((H+mu)S^2), the threshold test, 1/lambda, 1",
    .uses = "prop-b3 lemma-b2",
    .mutants = {"rho in place of sqrt(rho - 1) in the threshold test",
                "mu dropped: threshold 2 lambda/(H S^2)", "the factor 2 missing: lambda/((H+mu)S^2)",
                NULL},
    .nadv = 2,
    .eval = eval,
};
