/* claim_sps.c: MATH.md §6: for the squared loss with l* = 0 and no cap, the Polyak step (4.6)
 * w - gamma g, gamma = l/(c |g|^2), equals undamped IGND with alpha = 1/(2c):
 * gamma g = (l'^2/2) l' j / (c l'^2 |j|^2) = l' j / (2c |j|^2).
 *
 * lhs: the SPS step from its definition (g = l' j formed, l = l'^2/2); rhs: alpha d with d the
 * LU solve of Prop A.1's system (G + N N^T) d = -g, l'' = 1 (no closed form used).
 * Tolerance (units of u, relative to |step|_inf): SPS l (2), |g|^2 (n + 1), c (1), the
 * division (1), gamma g_i (1): n + 6; IGND alpha = 1/(2c) (1), alpha d_i (1) and the solve's
 * kc_s: kc = kc_s + n + 9. Requires l' != 0, j != 0. */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lp == 0.0 || mpfr_zero_p(m.jj))
        return -1;
    size_t n = x.n;
    double cv = ws->adversarial ? 0.5 : pf_claim_logu(ws, -3, 3, 0);
    pf_claim_desc(ws, " c=%a", cv);
    mpfr_ptr v = pf_claim_get(ws, 4 * n + 8);
    mpfr_ptr g = v, sp = g + n, ig = sp + n, d = ig + n, s = d + n;
    mpfr_ptr l = s, c = s + 1, gam = s + 2, t = s + 3, al = s + 4, one = s + 5;
    mpfr_set_d(c, cv, R);
    mpfr_sqr(l, m.lp, R);
    mpfr_div_2ui(l, l, 1, R);
    for (size_t i = 0; i < n; i++)
        mpfr_mul(g + i, m.lp, m.j + i, R);
    gn_mp_la_nrm2sq(gam, g, n, t);
    mpfr_mul(gam, gam, c, R);
    mpfr_div(gam, l, gam, R);
    if (ws->mutant == 2) /* a binding cap gamma_b = gamma/2 */
        mpfr_div_2ui(gam, gam, 1, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(sp + i, gam, g + i, R);
        if (ws->mutant == 3) /* sign */
            mpfr_neg(sp + i, sp + i, R);
        mpfr_neg(sp + i, sp + i, R);
    }
    /* undamped IGND, alpha = 1/(2c) (mutant 1: 1/c) */
    mpfr_ui_div(al, 1, c, R);
    if (ws->mutant != 1)
        mpfr_div_2ui(al, al, 1, R);
    mpfr_set_ui(one, 1, R);
    double kc = pf_claim_solve_a1(ws, d, m.j, n, m.lp, one);
    for (size_t i = 0; i < n; i++)
        mpfr_mul(ig + i, al, d + i, R);
    pf_claim_vcmp(ws, "SPS step = undamped IGND step with alpha = 1/(2c)", sp, ig, n, NULL,
                  kc + (double)n + 9.0);
    return 0;
}

const pf_claim pf_claim_sps = {
    .id = "sps-equiv",
    .statement = "§6 squared loss, l* = 0, no cap: SPS (4.6) equals undamped IGND with alpha = "
                 "1/(2c)",
    .lhs = "the SPS step -gamma g from its definition",
    .rhs = "alpha d, d the LU solve of (G + N N^T) d = -g (l'' = 1)",
    .uses = "prop-a1 table-1 (4.6) (4.7)",
    .mutants = {"alpha = 1/c (the 1/2 of the squared loss missing)",
                "a binding cap gamma_b = gamma/2 (the claim needs no cap)", "sign flipped",
                NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
