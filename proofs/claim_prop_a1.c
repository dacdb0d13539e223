/* claim_prop_a1.c: Prop A.1, MATH.md (A.1)-(A.3): for n >= 2, l'' > 0, j != 0 and N with
 * orthonormal columns spanning j-perp (Householder, built in MPFR), the regularised QP (A.2)
 * has the unique solution (A.3) d = -(G + N N^T)^-1 g = d_MP; every minimiser of (A.1) is
 * d_MP + N c with |d_MP + N c|^2 = |d_MP|^2 + |c|^2.
 *
 * lhs: the LU solve of (G + N N^T) d = -g (pf_claim_solve_a1, raised precision), and for a
 *      random c: |d_MP + N c|^2 and the QP objective q(d_MP + N c), q(d) = g^T d + d^T G d/2;
 * rhs: d_MP = -(l'/(l''|j|^2)) j (3.9), |d_MP|^2 + |c|^2, and q(d_MP) = -l'^2 / (2 l'').
 * Tolerances (units of u): the solve's kc_s plus (n + 4) for the closed form.
 * Norm identity: N_hat is off by <= (5n + 14) u entrywise (claims_common.c), so the cross term
 * 2 d^T N_hat c is <= 2 (5n + 14) u |d|_1 |c|_1 <= n (5n + 14) u (|d|^2 + |c|^2), and
 * |N_hat c|^2 - |c|^2 <= 2 n^2 (5n + 14) u |c|^2 (entries of N_hat^T N_hat - I); with the
 * sums' 3n u: kc = 1.01 (3 n^2 (5n + 14) + 3n), relative to |d|^2 + |c|^2.
 * Objective: j^T x = -l'/l'' + e with |e| = O(n^2 u |l'|/l''), and q is stationary there
 * (q'(s) = l' + l'' s = 0), so e enters only as l'' e^2 / 2 (second order); the five
 * operations of q on terms of size l'^2/l'' that cancel to -l'^2/(2 l'') give <= 6 u l'^2/l'',
 * i.e. 12 u relative to l'^2/(2 l''): kc = 16.
 */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lpp <= 0.0 || mpfr_zero_p(m.jj) || x.n < 2)
        return -1; /* hypotheses n >= 2, l'' > 0, j != 0 */
    size_t n = x.n, nn = n - 1;
    mpfr_ptr dmp = pf_claim_get(ws, 5 * n + n * nn + 10);
    mpfr_ptr ds = dmp + n, xv = ds + n, v = xv + n, c = v + n, nm = c + n, s = nm + n * nn;
    mpfr_mul(s, m.lpp, m.jj, R);
    mpfr_div(s, m.lp, s, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(dmp + i, s, m.j + i, R);
        mpfr_neg(dmp + i, dmp + i, R);
    }
    double kc;
    if (ws->mutant == 1) {
        /* (A.2) without the projector: (G + I) d = -g, i.e. (3.11) with lambda = 1 */
        mpfr_set_ui(s + 1, 1, R);
        kc = pf_claim_solve_311(ws, ds, m.j, n, m.lp, m.lpp, s + 1);
    } else
        kc = pf_claim_solve_a1(ws, ds, m.j, n, m.lp, m.lpp);
    pf_claim_vcmp(ws, "(A.3) solve of (G + N N^T) d = -g vs d_MP", ds, dmp, n, NULL,
                  kc + 1.01 * (double)(n + 4));
    /* minimisers d_MP + N c */
    gn_mp_la_householder_perp(nm, m.j, n, v, s + 1);
    if (ws->mutant == 2) /* N not orthonormal: columns scaled by 2 */
        for (size_t i = 0; i < n * nn; i++)
            mpfr_mul_2ui(nm + i, nm + i, 1, R);
    mpfr_set_zero(s + 2, 1); /* max |d_i| */
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(dmp + i, s + 2) > 0)
            mpfr_abs(s + 2, dmp + i, R);
    if (mpfr_zero_p(s + 2))
        mpfr_set_ui(s + 2, 1, R);
    for (size_t k = 0; k < nn; k++)
        mpfr_mul_d(c + k, s + 2, pf_claim_normal(ws), R);
    if (ws->mutant == 3) /* the "other minimisers" moved along j instead of j-perp */
        for (size_t i = 0; i < n; i++) {
            mpfr_sqrt(s + 3, m.jj, R);
            mpfr_div(s + 3, m.j + i, s + 3, R);
            mpfr_fma(xv + i, s + 3, c, dmp + i, R);
        }
    else
        gn_mp_la_matvec(xv, nm, c, n, nn, s + 3), mpfr_set(s + 4, s + 3, R);
    if (ws->mutant != 3)
        for (size_t i = 0; i < n; i++)
            mpfr_add(xv + i, xv + i, dmp + i, R);
    mpfr_ptr lhs = s + 4, rhs = s + 5, sc = s + 6;
    gn_mp_la_nrm2sq(lhs, xv, n, s + 3);
    gn_mp_la_nrm2sq(rhs, dmp, n, s + 3);
    gn_mp_la_nrm2sq(sc, c, nn, s + 3);
    mpfr_add(rhs, rhs, sc, R);
    pf_claim_scmp(ws, "|d_MP + N c|^2 = |d_MP|^2 + |c|^2", lhs, rhs, rhs,
                  1.01 * (3.0 * (double)(n * n) * (5.0 * (double)n + 14.0) + 3.0 * (double)n));
    /* q(x) = l' (j^T x) + l'' (j^T x)^2 / 2 against -l'^2 / (2 l'') */
    gn_mp_la_dot(s + 7, m.j, xv, n, s + 3);
    mpfr_mul(lhs, s + 7, s + 7, R);
    mpfr_mul(lhs, lhs, m.lpp, R);
    mpfr_div_2ui(lhs, lhs, 1, R);
    mpfr_fma(lhs, m.lp, s + 7, lhs, R);
    mpfr_sqr(rhs, m.lp, R);
    mpfr_div(rhs, rhs, m.lpp, R);
    mpfr_div_2ui(rhs, rhs, 1, R);
    mpfr_set(sc, rhs, R);
    mpfr_neg(rhs, rhs, R);
    if (!mpfr_zero_p(sc))
        pf_claim_scmp(ws, "q(d_MP + N c) = min (A.1)", lhs, rhs, sc, 16.0);
    return 0;
}

const pf_claim pf_claim_prop_a1 = {
    .id = "prop-a1",
    .statement = "(A.2)-(A.3) -(G + N N^T)^-1 g = d_MP; minimisers of (A.1) are d_MP + N c, "
                 "|d_MP + N c|^2 = |d_MP|^2 + |c|^2",
    .lhs = "LU solve of (G + N N^T) d = -g; |d_MP + N c|^2 and q(d_MP + N c) in MPFR",
    .rhs = "d_MP (3.9); |d_MP|^2 + |c|^2; -l'^2/(2 l'')",
    .uses = "prop-3.1 (A.1) (A.2)",
    .mutants = {"the projector dropped: (G + I) d = -g", "N not orthonormal (columns scaled by 2)",
                "other minimisers moved along j instead of j-perp", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
