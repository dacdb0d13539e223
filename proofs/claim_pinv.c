/* claim_pinv.c: MATH.md §A.1 (unnumbered): for a > 0, v != 0,
 * (a v v^T)^+ = v v^T / (a |v|^4), through the four Penrose conditions
 * A X A = A, X A X = X, (A X)^T = A X, (X A)^T = X A (which characterise the pseudoinverse).
 *
 * lhs/rhs: the products of A = a v v^T and the candidate X formed entrywise in MPFR.
 * Tolerances (units of u; P = max_i v_i^2, s = |v|^2). A's entries carry 2 roundings,
 * X's n + 4 (|v|^2 n, its square, times a, v_i v_k, the division). An entry of A X is a
 * sum of n products: error <= (2n + 8) u sum_k |A_ik X_kl| <= (2n + 8) u |v_i v_l| / s.
 * A X A adds a second sum: <= (3n + 12) u a |v_i v_l| (sum_k |v_k|)^2 / s
 * <= n (3n + 12) u a P; so with scale a P, kc = 1.01 n (3n + 12); X A X likewise with
 * scale P / (a s^2). The symmetry residuals |(AX)_il - (AX)_li| are <= 2 (2n + 8) u P / s,
 * scale P / s, kc = 1.01 (4n + 16). */
#include "claims_common.h"

#define R MPFR_RNDN

static void matmul(mpfr_ptr c, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr t)
{
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < n; l++) {
            mpfr_set_zero(t, 1);
            for (size_t k = 0; k < n; k++)
                mpfr_fma(t, a + i * n + k, b + k * n + l, t, R);
            mpfr_set(c + i * n + l, t, R);
        }
}

static void transpose(mpfr_ptr t, mpfr_srcptr a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++)
            mpfr_set(t + k * n + i, a + i * n + k, R);
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, 8);
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lpp <= 0.0 || mpfr_zero_p(m.jj))
        return -1; /* a > 0 and v != 0 are the hypotheses */
    size_t n = x.n, nn = n * n;
    mpfr_ptr a = pf_claim_get(ws, 6 * nn + 6);
    mpfr_ptr xm = a + nn, ax = xm + nn, axa = ax + nn, xax = axa + nn, tr = xax + nn,
             s = tr + nn;
    /* A = a v v^T with a = l'', v = j */
    mpfr_ptr av = m.lpp, v = m.j;
    mpfr_sqr(s, m.jj, R); /* |v|^4 */
    switch (ws->mutant) {
    case 1: /* |v|^2 in place of |v|^4 */
        mpfr_mul(s, m.jj, av, R);
        break;
    case 2: /* a in the numerator: a v v^T / |v|^4 */
        mpfr_div(s, s, av, R);
        break;
    default:
        mpfr_mul(s, s, av, R);
    }
    mpfr_ptr p = s + 1;
    mpfr_set_zero(p, 1);
    for (size_t i = 0; i < n; i++) {
        if (mpfr_cmpabs(v + i, p) > 0)
            mpfr_abs(p, v + i, R);
        for (size_t k = 0; k < n; k++) {
            mpfr_mul(a + i * n + k, v + i, v + k, R);
            mpfr_div(xm + i * n + k, a + i * n + k, s, R);
            mpfr_mul(a + i * n + k, a + i * n + k, av, R);
        }
    }
    mpfr_sqr(p, p, R); /* P = max v_i^2 */
    matmul(ax, a, xm, n, s + 2);
    matmul(axa, ax, a, n, s + 2);
    matmul(tr, xm, a, n, s + 2);
    matmul(xax, tr, xm, n, s + 2);
    double k1 = 1.01 * (double)n * (3.0 * (double)n + 12.0);
    mpfr_ptr sc = s + 3;
    mpfr_mul(sc, p, av, R);
    pf_claim_vcmp(ws, "A X A = A", axa, a, nn, sc, k1);
    mpfr_sqr(sc, m.jj, R);
    mpfr_mul(sc, sc, av, R);
    mpfr_div(sc, p, sc, R);
    pf_claim_vcmp(ws, "X A X = X", xax, xm, nn, sc, k1);
    mpfr_div(sc, p, m.jj, R);
    mpfr_ptr xa = pf_claim_get(ws, 2 * nn), t2 = xa + nn;
    matmul(xa, xm, a, n, s + 2);
    transpose(t2, ax, n);
    pf_claim_vcmp(ws, "(A X)^T = A X", ax, t2, nn, sc, 1.01 * (4.0 * (double)n + 16.0));
    transpose(t2, xa, n);
    pf_claim_vcmp(ws, "(X A)^T = X A", xa, t2, nn, sc, 1.01 * (4.0 * (double)n + 16.0));
    return 0;
}

const pf_claim pf_claim_pinv = {
    .id = "lemma-a1-pinv",
    .statement = "(A.1) (a v v^T)^+ = v v^T / (a |v|^4) for a > 0, v != 0: the four Penrose "
                 "conditions",
    .lhs = "A X A, X A X, A X, X A with X = v v^T / (a |v|^4), in MPFR",
    .rhs = "A, X, (A X)^T, (X A)^T",
    .uses = "(3.7)",
    .mutants = {"|v|^2 in place of |v|^4", "a in the numerator: a v v^T / |v|^4", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
