/* claim_limit_bigj.c: the |j| -> infinity limit of MATH.md §3: j^T d -> -l'/(l''+mu), with
 *     |j^T d + l'/a| <= |l'| lambda / (a^2 |j|^2),   a = l'' + mu > 0
 * (exactly l' lambda / (a (a|j|^2 + lambda))), for j = 2^8k j0, k = 0..5.
 *
 * lhs: j^T d with d the LU solve of (3.11) in MPFR; rhs: -l'/a and the bound.
 * Tolerance (units of u, relative to |l'|/a): the solve's kc_s is relative to |d|_inf, and
 * |j|_1 |d|_inf <= |j|_1 |j|_inf |l'|/(a|j|^2 + lambda) <= n |l'|/a, so j^T d_hat is off by
 * <= n (kc_s + n) u |l'|/a (the dot adds gamma_n), plus 2 roundings of l'/a:
 * kc = n (kc_s + n + 2) + 4. */
#include "claims_common.h"

#define R MPFR_RNDN
#define K 6

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    if (mpfr_zero_p(m.a) || mpfr_zero_p(m.jj) || x.lp == 0.0)
        return -1;
    size_t n = x.n;
    mpfr_ptr jk = pf_claim_get(ws, 2 * n + 8);
    mpfr_ptr d = jk + n, s = d + n, lim = s + 1, sc = s + 2, lhs = s + 3, b = s + 4,
             jj = s + 5;
    /* -l'/a; mutant 1: mu dropped (-l'/l''), mutant 2: sign flipped */
    mpfr_div(lim, m.lp, ws->mutant == 1 ? m.lpp : m.a, R);
    if (ws->mutant != 2)
        mpfr_neg(lim, lim, R);
    mpfr_div(sc, m.lp, m.a, R);
    mpfr_abs(sc, sc, R);
    for (int k = 0; k < K; k++) {
        for (size_t i = 0; i < n; i++)
            mpfr_mul_2si(jk + i, m.j + i, 8 * k, R);
        double kc = pf_claim_solve_311(ws, d, jk, n, m.lp, m.a, m.lambda);
        gn_mp_la_dot(lhs, jk, d, n, s);
        mpfr_sub(lhs, lhs, lim, R);
        mpfr_abs(lhs, lhs, R);
        /* |l'| lambda / (a^2 |j|^2) */
        mpfr_mul_2si(jj, m.jj, 16 * k, R);
        mpfr_mul(b, m.a, m.a, R);
        mpfr_mul(b, b, jj, R);
        mpfr_div(b, m.lambda, b, R);
        mpfr_mul(b, b, m.lp, R);
        mpfr_abs(b, b, R);
        pf_claim_le(ws, "|j^T d + l'/(l''+mu)| <= |l'| lambda/((l''+mu)^2 |j|^2)", lhs, b, sc,
                    (double)n * (kc + (double)n + 2.0) + 4.0);
    }
    return 0;
}

const pf_claim pf_claim_limit_bigj = {
    .id = "limit-bigj",
    .statement = "§3 limit: |j| -> inf gives j^T d -> -l'/(l''+mu), error <= |l'| lambda/((l''+mu)^2 "
                 "|j|^2)",
    .lhs = "j^T d, d the LU solve of (3.11) in MPFR, j = 2^8k j0",
    .rhs = "-l'/(l''+mu) within the bound",
    .uses = "prop-3.2 (4.4)",
    .mutants = {"mu dropped from the limit: -l'/l''", "sign flipped: +l'/(l''+mu)", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
