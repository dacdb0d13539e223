/* claim_bellman.c: MATH.md (4.11): the semi-gradient Bellman update. Linear Q_w = w^T phi,
 * target T = r + gamma w^T phi' held fixed, delta_TD = T - Q. IGNDQ
 *     w+ = w + alpha delta_TD phi / ((1+mu)|phi|^2 + lambda)
 * is IGND on l(q) = (T - q)^2/2 with T fixed: l' = -delta_TD, l'' = 1 (the sign), and the
 * update moves Q(s,a) toward T: delta_TD (Q_w+ - Q_w) >= 0.
 *
 * lhs: IGNDQ's closed form; rhs: w + alpha d with d the LU solve of (3.11) for j = phi and
 * l', l'' taken as central differences of l(q) = (T - q)^2/2 with step 1 (exact for a
 * quadratic up to rounding), no formula for the derivatives used.
 * Tolerances (units of u). The differences are taken at qp = p + 2 log2 B + 16 bits,
 * B = |T| + |Q| + 1: the three squares (~B^2) carry <= 3 2^-qp B^2 <= 2^-(p+14) absolute
 * error, so the computed l' is within 2^-(p+13) of -(T - Q) and l''
 * within 2^-(p+12) of 1; rounded to p bits: 1 unit each. The update compared in the mixed
 * measure of §13 (scale |w|_inf + |alpha d|_inf + alpha B^2 |phi|_inf/((1+mu)|phi|^2+lambda),
 * the last term bounding the step's sensitivity to l' and l''): closed form n + 6 roundings,
 * solve side kc_s + 2, derivatives 4: kc = kc_s + n + 24 (kept from the first derivation,
 * which overcounts). Sign: -delta_TD (Q+ - Q) <= 0, Q+ and Q dots of n terms: kc = 2n + 6
 * relative to |delta_TD| (|Q+| + |Q|). */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    double rv = pf_claim_normal(ws), gv = pf_claim_uniform(ws, 0, 1);
    if (ws->adversarial)
        gv = ws->index % 2 ? 1.0 : 0.0;
    pf_claim_desc(ws, " r=%a gamma=%a (phi = j)", rv, gv);
    mpfr_ptr v = pf_claim_get(ws, 7 * n + 16);
    mpfr_ptr w = v, phn = w + n, wq = phn + n, wi = wq + n, d = wi + n, jm = d + n, wst = jm + n,
             s = wst + n;
    mpfr_ptr q = s, qn = s + 1, T = s + 2, dtd = s + 3, den = s + 4, lp = s + 8, lpp = s + 9,
             t = s + 10, sc = s + 11, B = s + 12, a = s + 13, qp = s + 14;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(w + i, pf_claim_normal(ws), R);
        mpfr_set_d(phn + i, pf_claim_normal(ws), R);
    }
    gn_mp_la_dot(q, w, m.j, n, t);
    gn_mp_la_dot(qn, w, phn, n, t);
    mpfr_mul_d(T, qn, gv, R);
    mpfr_add_d(T, T, rv, R);
    mpfr_sub(dtd, T, q, R);
    /* IGNDQ; mutant 1: sign flipped; mutant 2: gradient through the target, j = phi - gamma phi';
     * mutant 3: mu added after the outer product */
    for (size_t i = 0; i < n; i++) {
        mpfr_set(jm + i, m.j + i, R);
        if (ws->mutant == 2) {
            mpfr_mul_d(t, phn + i, gv, R);
            mpfr_sub(jm + i, jm + i, t, R);
        }
    }
    gn_mp_la_nrm2sq(den, jm, n, t);
    if (ws->mutant == 3)
        mpfr_add(den, den, m.mu, R);
    else {
        mpfr_add_ui(t, m.mu, 1, R);
        mpfr_mul(den, den, t, R);
    }
    mpfr_add(den, den, m.lambda, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(wq + i, dtd, jm + i, R);
        mpfr_mul(wq + i, wq + i, m.alpha, R);
        mpfr_div(wq + i, wq + i, den, R);
        if (ws->mutant == 1)
            mpfr_sub(wq + i, w + i, wq + i, R);
        else
            mpfr_add(wq + i, w + i, wq + i, R);
    }
    /* derivatives of l(q) = (T - q)^2 / 2 at q = Q by differences with step 1, at
     * qp = p + 2 log2 B + 16 bits so that the squares (~B^2) keep the unit step's digits */
    mpfr_abs(B, T, R);
    mpfr_abs(t, q, R);
    mpfr_add(B, B, t, R);
    mpfr_add_ui(B, B, 1, R);
    mpfr_prec_t qd = ws->prec + 2 * (mpfr_prec_t)mpfr_get_exp(B) + 16;
    mpfr_ptr h = pf_claim_get_prec(ws, 5, qd);
    mpfr_sub(h, T, q, R);
    mpfr_sqr(h + 1, h, R); /* 2 l(Q) */
    mpfr_sub_ui(h + 2, h, 1, R);
    mpfr_sqr(h + 2, h + 2, R); /* 2 l(Q + 1) */
    mpfr_add_ui(h + 3, h, 1, R);
    mpfr_sqr(h + 3, h + 3, R); /* 2 l(Q - 1) */
    mpfr_sub(h + 4, h + 2, h + 3, R);
    mpfr_div_2ui(lp, h + 4, 2, R);
    mpfr_add(h + 4, h + 2, h + 3, R);
    mpfr_sub(h + 4, h + 4, h + 1, R);
    mpfr_sub(h + 4, h + 4, h + 1, R);
    mpfr_div_2ui(lpp, h + 4, 1, R);
    mpfr_add(a, lpp, m.mu, R);
    double kc = pf_claim_solve_311(ws, d, m.j, n, lp, a, m.lambda);
    mpfr_set_zero(sc, 1);
    mpfr_set_zero(t, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(wi + i, m.alpha, d + i, R);
        if (mpfr_cmpabs(wi + i, sc) > 0)
            mpfr_abs(sc, wi + i, R);
        if (mpfr_cmpabs(w + i, t) > 0)
            mpfr_abs(t, w + i, R);
        mpfr_add(wi + i, w + i, wi + i, R);
        mpfr_set(wst + i, wi + i, R);
    }
    mpfr_add(sc, sc, t, R);
    /* + alpha B^2 |phi|_inf / ((1+mu)|phi|^2 + lambda) */
    mpfr_set_zero(t, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(m.j + i, t) > 0)
            mpfr_abs(t, m.j + i, R);
    mpfr_mul(t, t, B, R);
    mpfr_mul(t, t, B, R);
    mpfr_mul(t, t, m.alpha, R);
    mpfr_add_ui(a, m.mu, 1, R);
    mpfr_mul(a, a, m.jj, R);
    mpfr_add(a, a, m.lambda, R);
    mpfr_div(t, t, a, R);
    mpfr_add(sc, sc, t, R);
    pf_claim_vcmp(ws, "(4.11) IGNDQ = IGND on (T - Q)^2/2 with T fixed", wq, wst, n, sc,
                  kc + (double)n + 24.0);
    /* the update moves Q toward T */
    gn_mp_la_dot(qp, wq, m.j, n, t);
    mpfr_sub(t, qp, q, R);
    mpfr_mul(t, t, dtd, R);
    mpfr_neg(t, t, R);
    mpfr_abs(sc, qp, R);
    mpfr_abs(a, q, R);
    mpfr_add(sc, sc, a, R);
    mpfr_mul(sc, sc, dtd, R);
    mpfr_abs(sc, sc, R);
    mpfr_set_zero(a, 1);
    if (!mpfr_zero_p(sc))
        pf_claim_le(ws, "delta_TD (Q+ - Q) >= 0 (toward the target)", t, a, sc,
                    2.0 * (double)n + 6.0);
    return 0;
}

const pf_claim pf_claim_bellman = {
    .id = "bellman-sign",
    .statement = "(4.11) IGNDQ w + alpha delta_TD grad Q/((1+mu)|grad Q|^2 + lambda) is IGND on "
                 "(T - Q)^2/2, T fixed (l' = -delta_TD); moves Q toward T",
    .lhs = "the IGNDQ update in MPFR",
    .rhs = "w + alpha d, d the LU solve of (3.11) with l', l'' by differences of (T - q)^2/2",
    .uses = "eq-3.13-3.15 (4.11)",
    .mutants = {"sign flipped: w - alpha delta_TD grad Q/(...)",
                "gradient through the target (residual gradient): phi - gamma phi'",
                "mu added after the outer product", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
