/* claim_lemma_b2.c: Lemma B.2 (MATH.md §8): under Assumption B.1 (|j| <= S, 0 <= l'' <= H),
 *     xi_min = 1/((H + mu) S^2 + lambda) <= xi <= 1/lambda = xi_max,
 * with both ends attained (|j| = S with l'' = H, and j = 0).
 *
 * lhs: xi of each of 8 samples per instance, from the LU solve of (3.11) with right-hand side
 *      j (x = xi j, xi = j^T x / |j|^2; xi = 1/lambda when j = 0 since then x = j/lambda = 0
 *      says nothing: the system is lambda x = 0 and xi is 1/lambda by (3.13)'s definition);
 * rhs: the two bounds. Samples: the two extremes, then |j| = S U, l'' = H U'.
 * Tolerance (units of u): the solve's kc_s relative to |x|_inf = xi |j|_inf, and
 * |j^T (x_hat - x)| <= kc_s u xi |j|_1 |j|_inf <= n kc_s u xi |j|^2, plus the dot and the
 * division: kc = n (kc_s + 1) + 4 relative to xi; the bounds: 4 roundings. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN
#define NS 8
#define NJ 6

static int eval(pf_claim_ws *ws)
{
    double S = ws->adversarial ? (double[]){1.0, 8.0, 0.125, 1024.0}[ws->index]
                               : pf_claim_logu(ws, -3, 3, 0);
    double H = ws->adversarial ? (double[]){1.0, 0.25, 4.0, 1.0}[ws->index]
                               : pf_claim_logu(ws, -4, 2, 0);
    double mu = ws->adversarial ? (double[]){0.5, 0.0, 1.0, 2.0}[ws->index]
                                : (pf_claim_uniform(ws, 0, 1) < 0.25 ? 0.0 : pf_claim_logu(ws, -6, 1, 0));
    double lambda = ws->adversarial ? (double[]){0.5, 1.0, 0.01, 4.0}[ws->index]
                                    : pf_claim_logu(ws, -6, 2, 0);
    size_t n = ws->adversarial ? NJ : pf_claim_range(ws, 1, NJ);
    pf_claim_desc(ws, "S=%a H=%a mu=%a lambda=%a n=%zu", S, H, mu, lambda, n);
    mpfr_ptr v = pf_claim_get(ws, 2 * n + 12);
    mpfr_ptr j = v, x = j + n, s = x + n;
    mpfr_ptr lam = s, a = s + 1, xi = s + 2, xmin = s + 3, xmax = s + 4, m1 = s + 5,
             jj = s + 6, t = s + 7, mum = s + 8;
    mpfr_set_d(lam, lambda, R);
    mpfr_set_d(mum, mu, R);
    mpfr_set_si(m1, -1, R);
    /* xi_min = 1/((H + mu) S^2 + lambda); mutant 1: mu after the outer product,
     * mutant 3: S in place of S^2 */
    mpfr_set_d(xmin, S, R);
    if (ws->mutant != 3)
        mpfr_sqr(xmin, xmin, R);
    if (ws->mutant == 1) {
        mpfr_mul_d(xmin, xmin, H, R);
        mpfr_add(xmin, xmin, mum, R);
    } else {
        mpfr_set_d(t, H, R);
        mpfr_add(t, t, mum, R);
        mpfr_mul(xmin, xmin, t, R);
    }
    mpfr_add(xmin, xmin, lam, R);
    mpfr_ui_div(xmin, 1, xmin, R);
    /* xi_max = 1/lambda; mutant 2: 1/(lambda + mu) */
    if (ws->mutant == 2)
        mpfr_add(xmax, lam, mum, R), mpfr_ui_div(xmax, 1, xmax, R);
    else
        mpfr_ui_div(xmax, 1, lam, R);
    for (int k = 0; k < NS; k++) {
        double lpp;
        if (k == 0) { /* |j| = S exactly, l'' = H */
            for (size_t i = 0; i < n; i++)
                mpfr_set_zero(j + i, 1);
            mpfr_set_d(j + (size_t)(ws->index % n), S, R);
            lpp = H;
        } else if (k == 1) {
            for (size_t i = 0; i < n; i++)
                mpfr_set_zero(j + i, 1);
            lpp = H * pf_claim_uniform(ws, 0, 1);
        } else {
            double z[NJ], nz = 0.0;
            for (size_t i = 0; i < n; i++)
                z[i] = pf_claim_normal(ws), nz += z[i] * z[i];
            /* |j| <= S: scale by S U / (|z| (1 + 2^-40)) */
            double sc = S * pf_claim_uniform(ws, 0, 1) / (sqrt(nz) * (1.0 + 0x1p-40));
            for (size_t i = 0; i < n; i++)
                mpfr_set_d(j + i, z[i] * sc, R);
            lpp = H * pf_claim_uniform(ws, 0, 1);
        }
        mpfr_set_d(a, lpp, R);
        mpfr_add(a, a, mum, R);
        gn_mp_la_nrm2sq(jj, j, n, t);
        double kc;
        if (mpfr_zero_p(jj)) {
            mpfr_ui_div(xi, 1, lam, R);
            kc = 1.0;
        } else {
            kc = pf_claim_solve_311(ws, x, j, n, m1, a, lam);
            gn_mp_la_dot(xi, j, x, n, t);
            mpfr_div(xi, xi, jj, R);
            kc = (double)n * (kc + 1.0) + 4.0;
        }
        pf_claim_le(ws, "xi_min <= xi", xmin, xi, xi, kc + 4.0);
        pf_claim_le(ws, "xi <= 1/lambda", xi, xmax, xi, kc + 4.0);
    }
    return 0;
}

const pf_claim pf_claim_lemma_b2 = {
    .id = "lemma-b2",
    .statement = "Lemma B.2: under B.1, 1/((H+mu)S^2 + lambda) <= xi <= 1/lambda, both ends attained",
    .lhs = "xi from the LU solve of (3.11) with right-hand side j, 8 samples per instance",
    .rhs = "xi_min and xi_max",
    .uses = "eq-3.13-3.15 (B.1)",
    .mutants = {"xi_min with mu added after the outer product: 1/(H S^2 + mu + lambda)",
                "xi_max = 1/(lambda + mu)", "xi_min with S in place of S^2", NULL},
    .nadv = 4,
    .eval = eval,
};
