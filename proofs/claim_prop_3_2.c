/* claim_prop_3_2.c: Prop 3.2, MATH.md (3.11)-(3.12).
 *
 * lhs: the closed form d = -l' j / ((l'' + mu)|j|^2 + lambda) evaluated in MPFR;
 * rhs: the solution of the defining system (3.11) ((l'' + mu) j j^T + lambda I) d = -l' j,
 *      formed and solved by LU in MPFR at a precision raised by log2 of its condition number
 *      (pf_claim_solve_311), never through (3.12).
 * Tolerance (units of u = 2^-p, relative to ||d||_inf): the solve's derived factor kc_s
 * (claims_common.h) plus the closed form's roundings: |j|^2 (n, fma), a = l'' + mu (1),
 * a |j|^2 (1), + lambda (1, non-negative terms), l' j_i (1), the division (1): n + 5, so a
 * component is off by <= gamma_(n+5) |d_i| <= 1.01 (n + 5) u ||d||_inf.
 * Second reference: core/ref's gn_mp_dir_damped (its own elimination on (3.11), documented
 * correct to ~2^-(p+64) relative before its final rounding to p bits): kc = 1.01 (n + 5) + 2
 * (the final rounding, and 2^32 times its documented internal error, still < 1 unit). */
#include "claims_common.h"
#include "gn_mp.h"

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    mpfr_ptr dc = pf_claim_get(ws, 2 * n + 1), ds = dc + n, den = ds + n;
    /* closed form (3.12) and its mutants */
    switch (ws->mutant) {
    case 1: /* mu added after the outer product: l'' |j|^2 + mu + lambda */
        mpfr_mul(den, m.lpp, m.jj, MPFR_RNDN);
        mpfr_add(den, den, m.mu, MPFR_RNDN);
        mpfr_add(den, den, m.lambda, MPFR_RNDN);
        break;
    case 2: /* lambda dropped */
        mpfr_mul(den, m.a, m.jj, MPFR_RNDN);
        break;
    default:
        mpfr_mul(den, m.a, m.jj, MPFR_RNDN);
        mpfr_add(den, den, m.lambda, MPFR_RNDN);
    }
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(dc + i, m.lp, m.j + i, MPFR_RNDN);
        mpfr_div(dc + i, dc + i, den, MPFR_RNDN);
        if (ws->mutant != 3) /* mutant 3: the sign flipped */
            mpfr_neg(dc + i, dc + i, MPFR_RNDN);
    }
    double kc = pf_claim_solve_311(ws, ds, m.j, n, m.lp, m.a, m.lambda);
    pf_claim_vcmp(ws, "(3.12) vs solve of (3.11)", dc, ds, n, NULL,
                  kc + 1.01 * (double)(n + 5));
    /* the MPFR reference of core/ref; its damping struct is a read-only shallow view of the
     * pool's values (gn_mp_dir_damped only reads it), so nothing is initialised here */
    gn_mp_damping dmp;
    dmp.lambda[0] = *m.lambda;
    dmp.mu[0] = *m.mu;
    mpfr_ptr dr = pf_claim_get(ws, n);
    if (gn_mp_dir_damped(dr, m.j, n, m.lp, m.lpp, &dmp, MPFR_RNDN) == GN_OK)
        pf_claim_vcmp(ws, "(3.12) vs core/ref gn_mp_dir_damped", dc, dr, n, NULL,
                      1.01 * (double)(n + 5) + 2.0);
    else
        pf_claim_true(ws, "gn_mp_dir_damped accepts the instance", 0);
    return 0;
}

const pf_claim pf_claim_prop_3_2 = {
    .id = "prop-3.2",
    .statement = "(3.12) d = -l' j/((l''+mu)|j|^2+lambda) is the unique solution of (3.11)",
    .lhs = "closed form (3.12) in MPFR",
    .rhs = "LU solve of ((l''+mu) j j^T + lambda I) d = -l' j in MPFR; core/ref gn_mp_dir_damped",
    .uses = "(3.11) (3.12)",
    .mutants = {"mu added after the outer product: l''|j|^2 + mu + lambda", "lambda dropped",
                "sign flipped", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
