/* claim_egn_ignd.c: the cross-identity of MATH.md §9: with b = c = 1 and Q = l'' + mu, EGN's
 * direction -(1/b) J^T (lambda I + Q K/b)^-1 r (J = j^T, K = |j|^2, r = l') equals IGND's
 * damped direction (3.12) d = -l' j/((l''+mu)|j|^2 + lambda).
 *
 * lhs: (3.12) in MPFR; rhs: EGN through its 1 x 1 system lambda + Q K (formed as EGN forms it:
 * K = J J^T by a dot product, then Q K / b + lambda, z = r / that, d = -(1/b) J^T z).
 * Tolerance (units of u, relative to |d|_inf): K n roundings, Q K, /b, + lambda, the quotient,
 * j_i z, /b: n + 6; (3.12): n + 5: kc = 1.01 (2n + 11). */
#include "claims_common.h"

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    mpfr_ptr v = pf_claim_get(ws, 2 * n + 4);
    mpfr_ptr di = v, de = v + n, K = de + n, Qv = K + 1, z = K + 2, t = K + 3;
    /* (3.12) */
    mpfr_mul(t, m.a, m.jj, R);
    mpfr_add(t, t, m.lambda, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(di + i, m.lp, m.j + i, R);
        mpfr_div(di + i, di + i, t, R);
        mpfr_neg(di + i, di + i, R);
    }
    /* EGN with b = c = 1: Q = l'' + mu (mutant 1: l''), K = J J^T (mutant 2: |j|) */
    mpfr_set(Qv, ws->mutant == 1 ? m.lpp : m.a, R);
    gn_mp_la_dot(K, m.j, m.j, n, t);
    if (ws->mutant == 2)
        mpfr_sqrt(K, K, R);
    mpfr_mul(z, Qv, K, R);
    mpfr_add(z, z, m.lambda, R);
    mpfr_div(z, m.lp, z, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(de + i, m.j + i, z, R);
        if (ws->mutant != 3) /* mutant 3: sign */
            mpfr_neg(de + i, de + i, R);
    }
    pf_claim_vcmp(ws, "EGN(b = c = 1) = IGND (3.12)", de, di, n, NULL,
                  1.01 * (2.0 * (double)n + 11.0));
    return 0;
}

const pf_claim pf_claim_egn_ignd = {
    .id = "egn-ignd",
    .statement = "§9 cross-identity: EGN with b = c = 1, Q = l'' + mu gives IGND's d (3.12)",
    .lhs = "IGND's closed form (3.12)",
    .rhs = "EGN's direction through its 1 x 1 system",
    .uses = "egn-direction prop-3.2",
    .mutants = {"Q = l'' (the floor mu dropped)", "K = |j| in place of J J^T = |j|^2",
                "sign flipped", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
