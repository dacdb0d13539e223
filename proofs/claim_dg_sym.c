/* claim_dg_sym.c: MATH.md §9: when Q is diagonal and Q > 0, (lambda Q^-1 + K/b) z = Q^-1 r is
 * the same system in symmetric positive definite form: S = lambda Q^-1 + K/b is symmetric,
 * Cholesky succeeds on it (all pivots positive), and d = -(1/b) J^T z is the EGN direction,
 * which solves the LM system (lambda I + J^T Q J/b) d = -(1/b) J^T r.
 *
 * lhs: symmetry of S (exact: K_ik and K_ki are the same products summed in the same order),
 * the Cholesky pivots of S, and -(1/b) J^T z with z from an LU solve of the symmetric system;
 * rhs: S^T, positivity, and the d x d LU solve of the LM system. MPFR at q = p + 64.
 * Tolerance: as egn-direction (kc_A + (kc_S + bc + 3) S_J / (b |d|_inf)) 2^(p-q) + 1, with S's
 * formation bound (d + 4) || |J||J|^T/b + lambda Q^-1 || / ||S|| plus Q^-1's and Q^-1 r's
 * roundings (2). */
#include "egn.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    mpfr_prec_t q = ws->prec + 64;
    pf_claim_batch e;
    pf_claim_egn_draw(ws, &e, q, 0);
    size_t bc = e.bc, d = e.d, b = e.b;
    for (size_t i = 0; i < bc; i++)
        if (mpfr_sgn(e.Q + i * bc + i) <= 0)
            return -1; /* hypothesis Q > 0 (the adversarial Q = 0 member) */
    size_t pa[GN_EGN_DMAX], ps[GN_EGN_BMAX * GN_EGN_CMAX];
    mpfr_ptr A = pf_claim_get_prec(ws, d * d + 2 * bc * bc + 3 * d + bc + 6, q);
    mpfr_ptr S = A + d * d, C = S + bc * bc, dl = C + bc * bc, de = dl + d, z = de + d,
             sv = z + bc, t = sv + d;
    double fa = pf_claim_egn_lm(ws, A, &e, 0) + (double)(bc + 2);
    /* S = lambda Q^-1 + K/b (mutant 1: lambda Q; mutant 3: K without 1/b) and |S| bound */
    mpfr_ptr an = t + 1, sn = t + 2;
    mpfr_set_zero(an, 1);
    for (size_t i = 0; i < bc; i++) {
        mpfr_set_zero(t + 3, 1);
        for (size_t k = 0; k < bc; k++) {
            mpfr_ptr x = S + i * bc + k;
            gn_mp_la_dot(x, e.J + i * d, e.J + k * d, d, t);
            if (ws->mutant != 3)
                mpfr_div_ui(x, x, (unsigned long)b, R);
            for (size_t l = 0; l < d; l++) {
                mpfr_mul(t, e.J + i * d + l, e.J + k * d + l, MPFR_RNDA);
                mpfr_abs(t, t, R);
                mpfr_div_ui(t, t, (unsigned long)b, MPFR_RNDU);
                mpfr_add(t + 3, t + 3, t, MPFR_RNDU);
            }
            if (i == k) {
                if (ws->mutant == 1)
                    mpfr_mul(t, e.lam, e.Q + i * bc + i, R);
                else
                    mpfr_div(t, e.lam, e.Q + i * bc + i, R);
                mpfr_add(x, x, t, R);
                mpfr_add(t + 3, t + 3, t, MPFR_RNDU);
            }
        }
        if (mpfr_cmp(t + 3, an) > 0)
            mpfr_set(an, t + 3, R);
    }
    gn_mp_la_norminf(sn, S, bc, bc, t);
    mpfr_div(an, an, sn, MPFR_RNDU);
    double fs = (double)(d + 6) * mpfr_get_d(an, MPFR_RNDU);
    /* symmetric, and Cholesky (LDL^T without pivoting) has positive pivots */
    int sym = 1;
    for (size_t i = 0; i < bc; i++)
        for (size_t k = 0; k < i; k++)
            sym &= mpfr_equal_p(S + i * bc + k, S + k * bc + i) != 0;
    pf_claim_true(ws, "lambda Q^-1 + K/b symmetric", sym);
    for (size_t i = 0; i < bc * bc; i++)
        mpfr_set(C + i, S + i, R);
    int pd = 1;
    for (size_t k = 0; k < bc && pd; k++) {
        pd = mpfr_sgn(C + k * bc + k) > 0;
        for (size_t i = k + 1; pd && i < bc; i++) {
            mpfr_div(t, C + i * bc + k, C + k * bc + k, R);
            for (size_t l = k + 1; l < bc; l++) {
                mpfr_mul(t + 3, t, C + k * bc + l, R);
                mpfr_sub(C + i * bc + l, C + i * bc + l, t + 3, R);
            }
        }
    }
    pf_claim_true(ws, "Cholesky pivots of lambda Q^-1 + K/b positive", pd);
    double ka = pf_claim_factor(ws, A, pa, d, fa, NULL);
    double ks = pf_claim_factor(ws, S, ps, bc, fs, NULL);
    if (!isfinite(ka) || !isfinite(ks)) {
        pf_claim_true(ws, "both systems solvable with a valid error bound", 0);
        return 0;
    }
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(dl + k, 1);
        for (size_t i = 0; i < bc; i++)
            mpfr_fma(dl + k, e.J + i * d + k, e.r + i, dl + k, R);
        mpfr_div_si(dl + k, dl + k, -(long)b, R);
    }
    gn_mp_la_lu_solve(dl, A, pa, d, t);
    /* z = S^-1 Q^-1 r (mutant 2: S^-1 r) */
    for (size_t i = 0; i < bc; i++) {
        if (ws->mutant == 2)
            mpfr_set(z + i, e.r + i, R);
        else
            mpfr_div(z + i, e.r + i, e.Q + i * bc + i, R);
    }
    gn_mp_la_lu_solve(z, S, ps, bc, t);
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(de + k, 1);
        mpfr_set_zero(sv + k, 1);
        for (size_t i = 0; i < bc; i++) {
            mpfr_fma(de + k, e.J + i * d + k, z + i, de + k, R);
            mpfr_mul(t, e.J + i * d + k, z + i, R);
            mpfr_abs(t, t, R);
            mpfr_add(sv + k, sv + k, t, MPFR_RNDU);
        }
        mpfr_div_si(de + k, de + k, -(long)b, R);
    }
    double dmax = gn_mp_la_maxabs(dl, d), smax = gn_mp_la_maxabs(sv, d);
    double cond = dmax > 0 ? smax / ((double)b * dmax) : 1.0;
    double kc = (ka + (ks + (double)bc + 3.0) * cond) * ldexp(1.0, (int)ws->prec - (int)q) + 1.0;
    pf_claim_vcmp(ws, "-(1/b) J^T (lambda Q^-1 + K/b)^-1 Q^-1 r = LM solve", de, dl, d, NULL, kc);
    return 0;
}

const pf_claim pf_claim_dg_sym = {
    .id = "dg-symmetric",
    .statement = "§9 Q diagonal > 0: (lambda Q^-1 + K/b) z = Q^-1 r is symmetric positive definite "
                 "and -(1/b) J^T z is the EGN/LM direction",
    .lhs = "symmetry and Cholesky pivots of lambda Q^-1 + K/b; -(1/b) J^T z",
    .rhs = "the d x d LU solve of the LM system",
    .uses = "egn-direction",
    .mutants = {"lambda Q in place of lambda Q^-1", "right-hand side r in place of Q^-1 r",
                "K without the 1/b", NULL},
    .nadv = GN_EGN_NADV,
    .eval = eval,
};
