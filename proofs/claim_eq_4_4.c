/* claim_eq_4_4.c: MATH.md (4.1), (4.4): damped IGND moves the output by
 * delta = j^T (w+ - w) = -alpha l' |j|^2 / ((l''+mu)|j|^2 + lambda).
 *
 * lhs: (4.4) in MPFR; rhs: alpha j^T d with d the LU solve of (3.11) in MPFR.
 * Tolerance (units of u, relative to |delta|): |j|_1 |d|_inf <= n |delta|/alpha, the solve's
 * kc_s relative to |d|_inf, the dot gamma_n and alpha 1; (4.4)'s closed form n + 5:
 * kc = n (kc_s + n + 1) + n + 6. */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    mpfr_ptr d = pf_claim_get(ws, n + 4);
    mpfr_ptr lhs = d + n, rhs = lhs + 1, den = lhs + 2, t = lhs + 3;
    /* (4.4); mutant 1: mu after the outer product; 2: alpha missing; 3: lambda dropped */
    if (ws->mutant == 1) {
        mpfr_mul(den, m.lpp, m.jj, R);
        mpfr_add(den, den, m.mu, R);
    } else
        mpfr_mul(den, m.a, m.jj, R);
    if (ws->mutant != 3)
        mpfr_add(den, den, m.lambda, R);
    mpfr_mul(lhs, m.lp, m.jj, R);
    if (ws->mutant != 2)
        mpfr_mul(lhs, lhs, m.alpha, R);
    mpfr_div(lhs, lhs, den, R);
    mpfr_neg(lhs, lhs, R);
    double kc = pf_claim_solve_311(ws, d, m.j, n, m.lp, m.a, m.lambda);
    gn_mp_la_dot(rhs, m.j, d, n, t);
    mpfr_mul(rhs, rhs, m.alpha, R);
    pf_claim_scmp(ws, "(4.4) vs alpha j^T d_(3.11)", lhs, rhs, NULL,
                  (double)n * (kc + (double)n + 1.0) + (double)n + 6.0);
    return 0;
}

const pf_claim pf_claim_eq_4_4 = {
    .id = "eq-4.4",
    .statement = "(4.1),(4.4) damped IGND: delta = j^T(w+ - w) = -alpha l'|j|^2/((l''+mu)|j|^2 + "
                 "lambda)",
    .lhs = "(4.4) in MPFR",
    .rhs = "alpha j^T d, d the LU solve of (3.11)",
    .uses = "eq-3.13-3.15 (4.1) (4.4)",
    .mutants = {"mu added after the outer product", "alpha missing", "lambda dropped", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
