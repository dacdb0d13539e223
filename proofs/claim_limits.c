/* claim_limits.c: the lambda -> 0 limit of MATH.md §3: with mu = 0, the damped direction
 * d_lambda (3.11) tends to d_MP (3.9) at the rate O(lambda):
 *     e(lambda) = |d_lambda - d_MP|_inf / |d_MP|_inf <= lambda / A,   A = l'' |j|^2,
 * and the rate is exactly first order: |e(lambda)/lambda - 1/A| <= lambda / A^2.
 * (Exactly, e = lambda / (A + lambda).)
 *
 * lhs: e(lambda_k) from the LU solve of (3.11) in MPFR (never (3.12)), lambda_k = lambda 2^-8k,
 *      k = 0..5; rhs: the two bounds.
 * Precision: e is needed to an absolute accuracy far below lambda_k / A, so the solve and
 * d_MP are computed at p2 = p + log2(A / lambda_min) + 32 bits.
 * Tolerance: the solve's kc2 (units 2^-p2, relative to |d|_inf) and d_MP's n + 4 roundings
 * and the difference/ratio's 4 give |e_hat - e| <= (kc2 + n + 8) 2^-p2; relative to the
 * bound lambda_k / A this is kc = (kc2 + n + 8) 2^(p - p2) (A / lambda_k) + 4 units of 2^-p
 * for both checks (the second divides by lambda_k and compares with 1/A). */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN
#define K 6

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    x.mu = 0.0; /* the limit is stated for mu = 0 */
    pf_claim_r1mp m;
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lpp <= 0.0 || mpfr_zero_p(m.jj) || x.lp == 0.0)
        return -1;
    size_t n = x.n;
    mpfr_ptr s = pf_claim_get(ws, 2);
    mpfr_mul(s, m.lpp, m.jj, R); /* A */
    mpfr_div(s + 1, s, m.lambda, R);
    long ea = (long)mpfr_get_exp(s + 1) + 8 * K;
    mpfr_prec_t p2 = ws->prec + (mpfr_prec_t)(ea > 0 ? ea : 0) + 32;
    mpfr_ptr v = pf_claim_get_prec(ws, 3 * n + 10, p2);
    mpfr_ptr dmp = v, dl = v + n, df = dl + n, A = df + n, lam = A + 1, e = A + 2, b = A + 3,
             a = A + 4, t = A + 5, mx = A + 6, sc = A + 7;
    /* A = l''|j|^2 again at p2: the working-precision |j|^2 would limit e's accuracy */
    gn_mp_la_nrm2sq(A, m.j, n, t);
    mpfr_mul(A, A, m.lpp, R);
    /* d_MP; mutant 3 divides by l''|j| instead of l''|j|^2 */
    if (ws->mutant == 3) {
        mpfr_div(t, A, m.lpp, R);
        mpfr_sqrt(t, t, R);
        mpfr_mul(t, t, m.lpp, R);
        mpfr_div(t, m.lp, t, R);
    } else
        mpfr_div(t, m.lp, A, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(dmp + i, t, m.j + i, R);
        mpfr_neg(dmp + i, dmp + i, R);
    }
    mpfr_set(a, m.lpp, R);
    if (ws->mutant == 2) /* mutant: the limit taken with mu = l''/2 > 0 */
        mpfr_mul_d(a, a, 1.5, R);
    mpfr_set_zero(mx, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(dmp + i, mx) > 0)
            mpfr_abs(mx, dmp + i, R);
    for (int k = 0; k < K; k++) {
        mpfr_mul_2si(lam, m.lambda, -8 * k, R);
        double kc2 = pf_claim_solve_311_at(ws, dl, m.j, n, m.lp, a, lam, p2);
        mpfr_set_zero(e, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_sub(df + i, dl + i, dmp + i, R);
            if (mpfr_cmpabs(df + i, e) > 0)
                mpfr_abs(e, df + i, R);
        }
        mpfr_div(e, e, mx, R);
        mpfr_div(b, lam, A, R); /* lambda/A */
        mpfr_set(sc, b, R);
        double rel = mpfr_get_d(A, R) / mpfr_get_d(lam, R);
        if (!isfinite(rel)) {
            mpfr_div(t, A, lam, R);
            rel = ldexp(1.0, (int)mpfr_get_exp(t));
        }
        double kc = (kc2 + (double)n + 8.0) * ldexp(rel, (int)ws->prec - (int)p2) + 4.0;
        if (ws->mutant == 1) /* mutant: rate O(lambda^2) claimed */
            mpfr_sqr(b, b, R);
        pf_claim_le(ws, "e(lambda) <= lambda / (l''|j|^2)", e, b, sc, kc);
        /* |e/lambda - 1/A| <= lambda / A^2, relative to 1/A */
        mpfr_div(t, e, lam, R);
        mpfr_ui_div(b, 1, A, R);
        mpfr_set(sc, b, R);
        mpfr_sub(t, t, b, R);
        mpfr_abs(t, t, R);
        mpfr_div(b, lam, A, R);
        mpfr_div(b, b, A, R);
        pf_claim_le(ws, "|e/lambda - 1/A| <= lambda/A^2 (first order)", t, b, sc, kc);
    }
    return 0;
}

const pf_claim pf_claim_limit_lambda0 = {
    .id = "limit-lambda0",
    .statement = "§3 limit: lambda -> 0 with mu = 0 gives d_MP (3.9), error lambda/(A+lambda) = "
                 "O(lambda), A = l''|j|^2",
    .lhs = "|d_lambda - d_MP|/|d_MP| with d_lambda the LU solve of (3.11), lambda = lambda0 2^-8k",
    .rhs = "lambda/A, and |e/lambda - 1/A| <= lambda/A^2",
    .uses = "prop-3.1 prop-3.2",
    .mutants = {"rate claimed O(lambda^2): e <= (lambda/A)^2", "the limit taken with mu > 0",
                "d_MP with l''|j| in place of l''|j|^2", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
