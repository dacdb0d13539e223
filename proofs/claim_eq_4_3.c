/* claim_eq_4_3.c: MATH.md (4.2)-(4.3) and the undamped IGND prediction change: the quadratic
 * model q(delta) = l + l' delta + l'' delta^2/2 has the minimiser delta* = -l'/l'' (l'' > 0),
 * and undamped IGND moves the output by delta = j^T (alpha d_MP) = -alpha l'/l''
 * (alpha = 1: the scalar Newton step).
 *
 * lhs: q(delta* + eps) - q(delta*) for a random eps, and alpha j^T d with d the LU solve of
 *      Prop A.1's system (G + N N^T) d = -g (no closed form used);
 * rhs: l'' eps^2 / 2 (which holds for every eps iff delta* is the minimiser), and -alpha l'/l''.
 * Tolerances (units of u). Model: each q is 6 roundings on terms bounded by
 * S = |l| + |l'| (|delta*| + |eps|) + l'' (|delta*| + |eps|)^2; the difference and the right
 * side add 3: kc = 16 relative to S. Prediction change: |j|_1 |d|_inf <= n |l'|/l'' and the
 * solve gives kc_s relative to |d|_inf, the dot gamma_n, alpha 1: kc = n (kc_s + n + 1) + 4
 * relative to alpha |l'|/l''. */
#include "claims_common.h"

#define R MPFR_RNDN

static void quad(mpfr_ptr out, mpfr_srcptr l, mpfr_srcptr lp, mpfr_srcptr lpp, mpfr_srcptr dl,
                 mpfr_ptr t)
{
    mpfr_sqr(t, dl, R);
    mpfr_mul(t, t, lpp, R);
    mpfr_div_2ui(t, t, 1, R);
    mpfr_fma(out, lp, dl, t, R);
    mpfr_add(out, out, l, R);
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    if (x.lpp <= 0.0 || mpfr_zero_p(m.jj))
        return -1;
    size_t n = x.n;
    mpfr_ptr s = pf_claim_get(ws, 12 + n);
    mpfr_ptr l = s, ds = s + 1, eps = s + 2, q0 = s + 3, q1 = s + 4, rhs = s + 5, sc = s + 6,
             t = s + 7, de = s + 8, d = s + 12;
    /* l = l'^2/2 (the squared loss's value for this l'); any l works: it cancels */
    mpfr_sqr(l, m.lp, R);
    mpfr_div_2ui(l, l, 1, R);
    mpfr_div(ds, m.lp, m.lpp, R);
    if (ws->mutant == 1) /* the 1/2 of (4.2) lost in the derivation: -l'/(2 l'') */
        mpfr_div_2ui(ds, ds, 1, R);
    if (ws->mutant != 2) /* mutant 2: sign */
        mpfr_neg(ds, ds, R);
    mpfr_mul_d(eps, ds, pf_claim_normal(ws), R);
    if (mpfr_zero_p(eps))
        mpfr_set_d(eps, pf_claim_normal(ws), R);
    quad(q0, l, m.lp, m.lpp, ds, t);
    mpfr_add(de, ds, eps, R);
    quad(q1, l, m.lp, m.lpp, de, t);
    mpfr_sub(q1, q1, q0, R);
    mpfr_sqr(rhs, eps, R);
    mpfr_mul(rhs, rhs, m.lpp, R);
    mpfr_div_2ui(rhs, rhs, 1, R);
    /* S */
    mpfr_abs(t, ds, R);
    mpfr_abs(sc, eps, R);
    mpfr_add(t, t, sc, R);
    mpfr_sqr(sc, t, R);
    mpfr_mul(sc, sc, m.lpp, R);
    mpfr_mul(t, t, m.lp, R);
    mpfr_abs(t, t, R);
    mpfr_add(sc, sc, t, R);
    mpfr_add(sc, sc, l, R);
    pf_claim_scmp(ws, "(4.2)-(4.3) q(delta*+eps) - q(delta*) = l'' eps^2/2", q1, rhs, sc, 16.0);
    /* undamped IGND: delta = alpha j^T d */
    double kc = pf_claim_solve_a1(ws, d, m.j, n, m.lp, m.lpp);
    gn_mp_la_dot(q0, m.j, d, n, t);
    mpfr_mul(q0, q0, m.alpha, R);
    if (ws->mutant == 3) /* forgetting that j^T j cancels: -alpha l'/(l'' |j|^2) */
        mpfr_div(q0, q0, m.jj, R);
    mpfr_div(rhs, m.lp, m.lpp, R);
    mpfr_mul(rhs, rhs, m.alpha, R);
    mpfr_neg(rhs, rhs, R);
    if (!mpfr_zero_p(rhs))
        pf_claim_scmp(ws, "undamped IGND delta = -alpha l'/l''", q0, rhs, NULL,
                      (double)n * (kc + (double)n + 1.0) + 4.0);
    return 0;
}

const pf_claim pf_claim_eq_4_3 = {
    .id = "eq-4.3",
    .statement = "(4.2)-(4.3) delta* = -l'/l'' minimises l + l' delta + l'' delta^2/2; undamped "
                 "IGND gives delta = -alpha l'/l''",
    .lhs = "q(delta*+eps) - q(delta*); alpha j^T d with d the solve of (G + N N^T) d = -g",
    .rhs = "l'' eps^2/2; -alpha l'/l''",
    .uses = "prop-a1 (4.1) (4.2) (4.3)",
    .mutants = {"the 1/2 lost: delta* = -l'/(2 l'')", "sign flipped: delta* = +l'/l''",
                "undamped delta = -alpha l'/(l''|j|^2)", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
