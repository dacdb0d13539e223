/* claim_prop_3_1.c: Prop 3.1, MATH.md (3.9)-(3.10): for l'' > 0, j != 0,
 * d_MP = -G^+ g = -(l' / (l'' |j|^2)) j is the minimum-norm solution of (3.8) G d = -g.
 *
 * A vector is the minimum-norm solution of a consistent system iff it solves it and lies
 * in the row space of G, i.e. is orthogonal to null(G) = j-perp. So:
 * lhs: G d_MP + g with G formed entrywise, and N^T d_MP with N the Householder basis of
 *      j-perp built in MPFR (gn_mp_la.h); rhs: 0 and 0.
 * Tolerances (units of u). G d: G_ik 2 roundings, the sum n, d_MP's components n + 4:
 * |(G d)_i + g_i| <= (2n + 7) u l'' |j_i| sum_k |j_k d_k| = (2n + 7) u |l'| |j_i| |j|^2/|j|^2
 * plus u |g_i|, so with scale |l'| |j|_inf, kc = 1.01 (2n + 8).
 * N^T d: the computed N is off by <= (5n + 14) u entrywise (claims_common.c), the exact N is
 * orthogonal to d, and the dot adds gamma_n: |N_hat_k^T d_hat| <= ((5n + 14) + (n + 4) + n) u
 * |d|_1 <= n (7n + 18) u |d|_inf, kc = 1.01 n (7n + 18), scale |d|_inf. */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lpp <= 0.0 || mpfr_zero_p(m.jj))
        return -1; /* hypotheses l'' > 0, j != 0 */
    size_t n = x.n;
    mpfr_ptr d = pf_claim_get(ws, 4 * n + n * n + 6);
    mpfr_ptr gd = d + n, g = gd + n, v = g + n, nm = v + n, s = nm + n * n;
    /* d_MP = -(l' / (l'' |j|^2)) j; mutant 1: |j|^2 missing; mutant 3: sign */
    if (ws->mutant == 1)
        mpfr_div(s, m.lp, m.lpp, R);
    else {
        mpfr_mul(s, m.lpp, m.jj, R);
        mpfr_div(s, m.lp, s, R);
    }
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(d + i, s, m.j + i, R);
        if (ws->mutant != 3)
            mpfr_neg(d + i, d + i, R);
        mpfr_mul(g + i, m.lp, m.j + i, R);
    }
    if (ws->mutant == 2 && n > 1) {
        /* another solution of (3.8): d_MP + N c, not of minimum norm */
        gn_mp_la_householder_perp(nm, m.j, n, v, s + 1);
        mpfr_set_zero(s + 1, 1);
        for (size_t i = 0; i < n; i++)
            if (mpfr_cmpabs(d + i, s + 1) > 0)
                mpfr_abs(s + 1, d + i, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(s + 2, nm + i * (n - 1), s + 1, R);
            mpfr_add(d + i, d + i, s + 2, R);
        }
    }
    /* G d + g */
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(s + 1, 1);
        for (size_t k = 0; k < n; k++) {
            mpfr_mul(s + 2, m.j + i, m.j + k, R);
            mpfr_mul(s + 2, s + 2, m.lpp, R);
            mpfr_fma(s + 1, s + 2, d + k, s + 1, R);
        }
        mpfr_add(gd + i, s + 1, g + i, R);
        mpfr_set_zero(v + i, 1);
    }
    mpfr_set_zero(s + 3, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(m.j + i, s + 3) > 0)
            mpfr_abs(s + 3, m.j + i, R);
    mpfr_mul(s + 3, s + 3, m.lp, R);
    mpfr_abs(s + 3, s + 3, R);
    if (!mpfr_zero_p(s + 3))
        pf_claim_vcmp(ws, "G d_MP = -g (3.8)", gd, v, n, s + 3, 1.01 * (2.0 * (double)n + 8.0));
    /* minimum norm: N^T d = 0 */
    if (n > 1) {
        gn_mp_la_householder_perp(nm, m.j, n, v, s + 1);
        mpfr_ptr nd = pf_claim_get(ws, 2 * n);
        mpfr_set_zero(s + 4, 1);
        for (size_t i = 0; i < n; i++)
            if (mpfr_cmpabs(d + i, s + 4) > 0)
                mpfr_abs(s + 4, d + i, R);
        for (size_t c = 0; c + 1 < n; c++) {
            mpfr_set_zero(nd + c, 1);
            for (size_t i = 0; i < n; i++)
                mpfr_fma(nd + c, nm + i * (n - 1) + c, d + i, nd + c, R);
            mpfr_set_zero(nd + n + c, 1);
        }
        if (!mpfr_zero_p(s + 4))
            pf_claim_vcmp(ws, "d_MP orthogonal to null(G) (minimum norm)", nd, nd + n, n - 1,
                          s + 4, 1.01 * (double)n * (7.0 * (double)n + 18.0));
    }
    return 0;
}

const pf_claim pf_claim_prop_3_1 = {
    .id = "prop-3.1",
    .statement = "(3.9)-(3.10) d_MP = -(l'/(l''|j|^2)) j solves (3.8) G d = -g with minimum norm",
    .lhs = "G d_MP + g, and N^T d_MP (N: Householder basis of j-perp in MPFR)",
    .rhs = "0 and 0 (consistent solution in the row space of G = the minimum-norm one)",
    .uses = "lemma-a1-pinv ggn-rank1 (3.8) (3.9)",
    .mutants = {"|j|^2 missing: -(l'/l'') j", "another solution d_MP + N c (not minimum norm)",
                "sign flipped", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
