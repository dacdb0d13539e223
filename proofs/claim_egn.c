/* claim_egn.c: the EGN direction of MATH.md §9:
 *     d = -(1/b) J^T (lambda I + (1/b) Q K)^-1 r,  K = J J^T,
 * solves the LM system (lambda I_d + (1/b) J^T Q J) d = -grad L, grad L = (1/b) J^T r.
 *
 * lhs: d from the bc x bc solve (LU) then -(1/b) J^T z; rhs: the d x d LU solve of the LM
 * system. MPFR at q = p + 64 bits. The average of per-sample directions is NOT this direction
 * (MATH.md §9): it is mutant 1, which must be rejected.
 * Tolerance (units of u, relative to |d|_inf): the LM solve's kc_A (its right-hand side
 * -(1/b) J^T r adds bc + 1 roundings: included in form_units); the EGN side: z within kc_B
 * relative to |z|_inf, then J^T z: |J^T dz| <= kc_B 2^-q |J|_1-rows |z|_inf; we bound
 * |J^T| |z| by its computed value S = max_k sum_i |J_ik z_i| (b |d| can be smaller under
 * cancellation, so S/(b|d|_inf) is a condition number written into kc):
 * kc = (kc_A + (kc_B + bc + 2) S/(b |d|_inf)) 2^(p - q) + 1. */
#include "egn.h"

#include <math.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    mpfr_prec_t q = ws->prec + 64;
    pf_claim_batch e;
    pf_claim_egn_draw(ws, &e, q, -1);
    size_t bc = e.bc, d = e.d, b = e.b, c = e.c;
    size_t pa[GN_EGN_DMAX], pb[GN_EGN_BMAX * GN_EGN_CMAX];
    mpfr_ptr A = pf_claim_get_prec(ws, d * d + bc * bc + 3 * d + bc + 4, q);
    mpfr_ptr B = A + d * d, dl = B + bc * bc, de = dl + d, z = de + d, sv = z + bc, t = sv + d;
    double fa = pf_claim_egn_lm(ws, A, &e, 0) + (double)(bc + 2);
    /* mutant 2: K without 1/b; mutant 3: Q on the wrong side */
    double fb = pf_claim_egn_dg(ws, B, &e, ws->mutant != 3, ws->mutant == 2 ? (double)b : 1.0);
    double ka = pf_claim_factor(ws, A, pa, d, fa, NULL);
    double kb = pf_claim_factor(ws, B, pb, bc, fb, NULL);
    if (!isfinite(ka) || !isfinite(kb)) {
        pf_claim_true(ws, "both systems solvable with a valid error bound", 0);
        return 0;
    }
    /* LM: A d = -(1/b) J^T r */
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(dl + k, 1);
        for (size_t i = 0; i < bc; i++)
            mpfr_fma(dl + k, e.J + i * d + k, e.r + i, dl + k, R);
        mpfr_div_si(dl + k, dl + k, -(long)b, R);
    }
    gn_mp_la_lu_solve(dl, A, pa, d, t);
    /* EGN: z = B^-1 r, d = -(1/b) J^T z */
    for (size_t i = 0; i < bc; i++)
        mpfr_set(z + i, e.r + i, R);
    gn_mp_la_lu_solve(z, B, pb, bc, t);
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
    if (ws->mutant == 1) {
        /* the average of per-sample LM directions: d_s = -(lambda I + J_s^T Q_s J_s)^-1 J_s^T r_s */
        pf_claim_batch es = e;
        es.b = 1;
        es.bc = c;
        mpfr_ptr As = pf_claim_get_prec(ws, d * d + d, q), ds = As + d * d;
        for (size_t k = 0; k < d; k++)
            mpfr_set_zero(de + k, 1);
        for (size_t s = 0; s < b; s++) {
            es.J = e.J + s * c * d;
            es.r = e.r + s * c;
            /* Q_s: copy the block into a c x c matrix */
            mpfr_ptr Qs = pf_claim_get_prec(ws, c * c, q);
            for (size_t k = 0; k < c; k++)
                for (size_t l = 0; l < c; l++)
                    mpfr_set(Qs + k * c + l, e.Q + (s * c + k) * bc + s * c + l, R);
            es.Q = Qs;
            pf_claim_egn_lm(ws, As, &es, 0);
            for (size_t k = 0; k < d; k++) {
                mpfr_set_zero(ds + k, 1);
                for (size_t i = 0; i < c; i++)
                    mpfr_fma(ds + k, es.J + i * d + k, es.r + i, ds + k, R);
                mpfr_neg(ds + k, ds + k, R);
            }
            pf_claim_solve(ws, ds, As, d, 0.0, NULL);
            for (size_t k = 0; k < d; k++)
                mpfr_add(de + k, de + k, ds + k, R);
        }
        for (size_t k = 0; k < d; k++)
            mpfr_div_ui(de + k, de + k, (unsigned long)b, R);
    }
    /* kc */
    double dmax = gn_mp_la_maxabs(dl, d), smax = gn_mp_la_maxabs(sv, d);
    double cond = dmax > 0 ? smax / ((double)b * dmax) : 1.0;
    double kc = (ka + (kb + (double)bc + 2.0) * cond) * ldexp(1.0, (int)ws->prec - (int)q) + 1.0;
    pf_claim_vcmp(ws, "EGN -(1/b) J^T (lambda I + Q K/b)^-1 r = LM solve", de, dl, d, NULL, kc);
    return 0;
}

const pf_claim pf_claim_egn = {
    .id = "egn-direction",
    .statement = "§9 EGN: -(1/b) J^T (lambda I + Q K/b)^-1 r solves (lambda I + J^T Q J/b) d = "
                 "-(1/b) J^T r, K = J J^T",
    .lhs = "the EGN direction through the bc x bc solve",
    .rhs = "the d x d LU solve of the LM system",
    .uses = "dg-identity (§9-LM)",
    .mutants = {"the average of per-sample directions (not the mini-batch GN direction)",
                "K without the 1/b", "Q on the wrong side: K Q", NULL},
    .nadv = GN_EGN_NADV,
    .eval = eval,
};
