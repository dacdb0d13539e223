/* claim_dg.c: the Duncan-Guttman (push-through) identity of MATH.md §9,
 *     (lambda I_d + (1/b) J^T Q J)^-1 J^T = J^T (lambda I_bc + (1/b) Q J J^T)^-1,
 * for b = 1..16, c = 1..3, diagonal Q > 0, diagonal Q with zeros, softmax blocks
 * diag(p) - p p^T (singular), and Q = 0.
 *
 * lhs: Y = A^-1 J^T by LU on A (d x d), one solve per column of J^T;
 * rhs: X = J^T B^-1, i.e. X^T = B^-T J, by LU on B^T (bc x bc), one solve per column of J.
 * Both in MPFR at q = p + 64 bits (guard bits, as the MPFR reference uses).
 * Tolerance (units of u = 2^-p, relative to max |Y|): each solve's kc (pf_claim_factor:
 * 2 kappa (form_units + 3n g) with kappa = ||M||_inf ||M^-1||_inf from the factors, the growth
 * g measured, form_units from egn.h's formation bounds) is relative to its column (or row) of
 * the result, hence to max |Y| up to the solves' own error; an entry of Y - X is bounded by
 * (kc_A + kc_B) 2^-q max|Y|, i.e. kc = (kc_A + kc_B) 2^(p - q) + 1. */
#include "egn.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    mpfr_prec_t q = ws->prec + 64;
    pf_claim_batch e;
    pf_claim_egn_draw(ws, &e, q, -1);
    size_t bc = e.bc, d = e.d;
    size_t pa[GN_EGN_DMAX], pb[GN_EGN_BMAX * GN_EGN_CMAX];
    mpfr_ptr A = pf_claim_get_prec(ws, d * d + bc * bc + 2 * bc * d + bc + d, q);
    mpfr_ptr B = A + d * d, Y = B + bc * bc, X = Y + bc * d, col = X + bc * d, colb = col + d;
    double fa = pf_claim_egn_lm(ws, A, &e, 0);
    /* mutant 1: Q on the wrong side (J J^T Q); mutant 2: 1/b dropped on the bc side */
    double fb = pf_claim_egn_dg(ws, B, &e, ws->mutant != 1, ws->mutant == 2 ? (double)e.b : 1.0);
    double ka = pf_claim_factor(ws, A, pa, d, fa, NULL);
    /* B^T for X^T = B^-T J (mutant 3: B itself, i.e. J^T B^-T) */
    if (ws->mutant != 3)
        for (size_t i = 0; i < bc; i++)
            for (size_t k = i + 1; k < bc; k++)
                mpfr_swap(B + i * bc + k, B + k * bc + i);
    double kb = pf_claim_factor(ws, B, pb, bc, fb, NULL);
    mpfr_ptr tq = pf_claim_get_prec(ws, 1, q);
    if (!isfinite(ka) || !isfinite(kb)) {
        pf_claim_true(ws, "both systems solvable with a valid error bound", 0);
        return 0;
    }
    for (size_t i = 0; i < bc; i++) { /* column i of J^T -> column i of Y (d x bc, Y[k][i]) */
        for (size_t k = 0; k < d; k++)
            mpfr_set(col + k, e.J + i * d + k, R);
        gn_mp_la_lu_solve(col, A, pa, d, tq);
        for (size_t k = 0; k < d; k++)
            mpfr_set(Y + k * bc + i, col + k, R);
    }
    for (size_t k = 0; k < d; k++) { /* column k of J -> row k of X */
        for (size_t i = 0; i < bc; i++)
            mpfr_set(colb + i, e.J + i * d + k, R);
        gn_mp_la_lu_solve(colb, B, pb, bc, tq);
        for (size_t i = 0; i < bc; i++)
            mpfr_set(X + k * bc + i, colb + i, R);
    }
    pf_claim_vcmp(ws, "(lambda I + J^T Q J/b)^-1 J^T = J^T (lambda I + Q J J^T/b)^-1", X, Y,
                  d * bc, NULL, (ka + kb) * ldexp(1.0, (int)ws->prec - (int)q) + 1.0);
    return 0;
}

const pf_claim pf_claim_dg = {
    .id = "dg-identity",
    .statement = "§9 Duncan-Guttman: (lambda I_d + J^T Q J/b)^-1 J^T = J^T (lambda I_bc + Q J J^T/b)^-1, "
                 "b<=16, c<=3, Q diag/zeros/softmax",
    .lhs = "J^T (lambda I_bc + Q J J^T/b)^-1 by LU on the bc x bc side",
    .rhs = "(lambda I_d + J^T Q J/b)^-1 J^T by LU on the d x d side",
    .uses = "(§9-LM) (§9-DG)",
    .mutants = {"Q on the wrong side: lambda I + J J^T Q/b", "1/b dropped on the bc side",
                "the transpose lost: J^T B^-T in place of J^T B^-1", NULL},
    .nadv = GN_EGN_NADV,
    .eval = eval,
};
