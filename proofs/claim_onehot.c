/* claim_onehot.c: the one-hot scaling statements of MATH.md §5. Model f = w^T phi with
 * phi = s e_k, so j = s e_k; squared loss, l' = f - y, l'' = 1. For s in {s0, -s0, 2 s0, s0/8}:
 *   SGD:              delta = -alpha l' s^2            (grows as s^2);
 *   undamped IGND:    delta = -alpha l'                (independent of s and of its sign);
 *   damped, mu = 0:   delta = -alpha l' s^2 / (l'' s^2 + lambda).
 * lhs: those formulas; rhs: delta = j^T (w+ - w) (4.1) with w+ from the SGD definition, from
 * the LU solve of Prop A.1's system (undamped) and of (3.11) (damped), in MPFR.
 * Tolerances (units of u). SGD: w+_k = w_k - alpha l' s (3 roundings), the difference and
 * the product with s (2): kc = 6 relative to |w_k s| + |alpha l' s^2|. Undamped/damped:
 * one nonzero component, so j^T d is one product: kc_s + 4 relative to |delta|, plus the
 * closed form's 5. */
#include "claims_common.h"

#include <string.h>

#define R MPFR_RNDN
#define NMAX 8

static int eval(pf_claim_ws *ws)
{
    size_t n = ws->adversarial ? (ws->index % 2 ? NMAX : 1) : pf_claim_range(ws, 1, NMAX);
    size_t k = ws->adversarial ? n - 1 : pf_claim_range(ws, 0, n - 1);
    double s0 = ws->adversarial ? (ws->index < 2 ? 0x1p-40 : 0x1p40) : pf_claim_logu(ws, -8, 8, 1);
    double alpha = ws->adversarial ? 1.0 : pf_claim_logu(ws, -4, 1, 0);
    double lambda = ws->adversarial ? 0x1p-20 : pf_claim_logu(ws, -10, 4, 0);
    double wv[NMAX], y = pf_claim_normal(ws);
    for (size_t i = 0; i < n; i++)
        wv[i] = pf_claim_normal(ws);
    pf_claim_desc(ws, "n=%zu k=%zu s0=%a alpha=%a lambda=%a y=%a w_k=%a", n, k, s0, alpha, lambda,
                  y, wv[k]);
    mpfr_ptr v = pf_claim_get(ws, 3 * n + 12);
    mpfr_ptr j = v, d = j + n, wp = d + n, s = wp + n;
    mpfr_ptr sv = s, f = s + 1, lp = s + 2, one = s + 3, lam = s + 4, al = s + 5, lhs = s + 6,
             rhs = s + 7, sc = s + 8, t = s + 9, wk = s + 10;
    mpfr_set_ui(one, 1, R);
    mpfr_set_d(lam, lambda, R);
    mpfr_set_d(al, alpha, R);
    mpfr_set_d(wk, wv[k], R);
    const double mult[4] = {1.0, -1.0, 2.0, 0.125};
    for (int q = 0; q < 4; q++) {
        mpfr_set_d(sv, s0 * mult[q], R);
        for (size_t i = 0; i < n; i++)
            mpfr_set_zero(j + i, 1);
        mpfr_set(j + k, sv, R);
        mpfr_mul(f, sv, wk, R);
        mpfr_sub_d(lp, f, y, R);
        /* SGD: w+_k = w_k - alpha l' s, delta = s (w+_k - w_k) */
        mpfr_mul(t, al, lp, R);
        mpfr_mul(t, t, sv, R);
        mpfr_sub(wp, wk, t, R);
        mpfr_sub(wp, wp, wk, R);
        mpfr_mul(rhs, wp, sv, R);
        mpfr_mul(lhs, al, lp, R);
        mpfr_mul(lhs, lhs, sv, R);
        if (ws->mutant != 1) /* mutant 1: delta = -alpha l' s */
            mpfr_mul(lhs, lhs, sv, R);
        mpfr_neg(lhs, lhs, R);
        mpfr_mul(sc, wk, sv, R);
        mpfr_abs(sc, sc, R);
        mpfr_abs(t, lhs, R);
        mpfr_add(sc, sc, t, R);
        if (!mpfr_zero_p(sc))
            pf_claim_scmp(ws, "SGD delta = -alpha l' s^2", lhs, rhs, sc, 6.0);
        /* undamped IGND */
        double kc = pf_claim_solve_a1(ws, d, j, n, lp, one);
        if (ws->mutant == 2) { /* normalised by |j| instead of |j|^2: d |s| */
            mpfr_abs(t, sv, R);
            mpfr_mul(d + k, d + k, t, R);
        }
        mpfr_mul(rhs, sv, d + k, R);
        mpfr_mul(rhs, rhs, al, R);
        mpfr_mul(lhs, al, lp, R);
        mpfr_neg(lhs, lhs, R);
        if (!mpfr_zero_p(lhs))
            pf_claim_scmp(ws, "undamped IGND delta = -alpha l', whatever s", lhs, rhs, NULL,
                          kc + 9.0);
        /* damped, mu = 0 */
        kc = pf_claim_solve_311(ws, d, j, n, lp, one, lam);
        mpfr_mul(rhs, sv, d + k, R);
        mpfr_mul(rhs, rhs, al, R);
        mpfr_sqr(t, sv, R);
        mpfr_mul(lhs, al, lp, R);
        mpfr_mul(lhs, lhs, t, R);
        if (ws->mutant != 3) /* mutant 3: lambda dropped */
            mpfr_add(t, t, lam, R);
        mpfr_div(lhs, lhs, t, R);
        mpfr_neg(lhs, lhs, R);
        if (!mpfr_zero_p(rhs))
            pf_claim_scmp(ws, "damped delta = -alpha l' s^2/(s^2 + lambda)", lhs, rhs, NULL,
                          kc + 9.0);
    }
    return 0;
}

const pf_claim pf_claim_onehot = {
    .id = "onehot-scaling",
    .statement = "§5 one-hot phi = s e_k: SGD delta = -alpha l' s^2; undamped IGND delta = -alpha "
                 "l' for every s (and -s); damped -alpha l' s^2/(s^2+lambda)",
    .lhs = "the three formulas",
    .rhs = "j^T(w+ - w) with w+ from SGD, the (A.2) solve and the (3.11) solve in MPFR",
    .uses = "eq-4.3 eq-4.4 (4.1)",
    .mutants = {"SGD delta = -alpha l' s (not s^2)", "undamped IGND normalised by |j|, not |j|^2",
                "damped formula with lambda dropped", NULL},
    .nadv = 4,
    .eval = eval,
};
