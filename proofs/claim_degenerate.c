/* claim_degenerate.c: the degenerate cases of MATH.md §3: j = 0 => d = 0; l' = 0 => d = 0;
 * l'' = 0, j != 0 => d = -l' j / (mu |j|^2 + lambda); l'' < 0 is outside the theory and the
 * implementation must reject it (GN_ENEGCURV) rather than return a number.
 *
 * Instance i is of kind i mod 4 (the rank-one sample with j, l' or l'' forced):
 * kinds 0-2: lhs the stated value in MPFR, rhs the LU solve of (3.11) in MPFR
 *   (tolerance: the solve's kc_s plus n + 4 roundings of the closed form, relative to
 *   |d|_inf, or to 1 when d = 0: the solve of a system with zero right-hand side is exactly 0);
 * kind 3: the double core's gn_dir_damped, gn_xi, gn_delta_damped and gn_step_ignd on
 *   l'' < 0 must return GN_ENEGCURV and leave their outputs untouched (an exact check). */
#include "claims_common.h"

#include <math.h>
#include <string.h>

#define R MPFR_RNDN

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    int kind = (int)(ws->index % 4);
    if (kind == 0)
        memset(x.j, 0, sizeof x.j);
    else if (kind == 1)
        x.lp = 0.0;
    else if (kind == 2) {
        int nz = 0;
        x.lpp = 0.0;
        for (size_t i = 0; i < x.n; i++)
            nz |= x.j[i] != 0.0;
        if (!nz)
            x.j[0] = 1.0;
    } else
        x.lpp = -fabs(x.lpp) - 0.5;
    pf_claim_desc(ws, " kind=%d (%s)", kind,
                  kind == 0 ? "j = 0" : kind == 1 ? "l' = 0" : kind == 2 ? "l'' = 0" : "l'' < 0");
    size_t n = x.n;
    if (kind == 3) {
        double d[PF_CLAIM_R1_NMAX], w[PF_CLAIM_R1_NMAX], xi = 12345.0, delta = 54321.0;
        gn_damping dmp = {x.lambda, x.mu};
        for (size_t i = 0; i < n; i++)
            d[i] = w[i] = 777.0;
        gn_status s1, s2, s3, s4;
        if (ws->mutant == 3) {
            /* mutant: an implementation that clamps l'' to 0 and returns a number */
            s1 = gn_dir_damped(d, x.j, n, x.lp, 0.0, dmp);
            s2 = gn_xi(&xi, x.j, n, 0.0, dmp);
            s3 = gn_delta_damped(&delta, x.j, n, x.lp, 0.0, x.alpha, dmp);
            s4 = gn_step_ignd(w, x.j, n, x.lp, 0.0, x.alpha, dmp);
        } else {
            s1 = gn_dir_damped(d, x.j, n, x.lp, x.lpp, dmp);
            s2 = gn_xi(&xi, x.j, n, x.lpp, dmp);
            s3 = gn_delta_damped(&delta, x.j, n, x.lp, x.lpp, x.alpha, dmp);
            s4 = gn_step_ignd(w, x.j, n, x.lp, x.lpp, x.alpha, dmp);
        }
        int untouched = xi == 12345.0 && delta == 54321.0;
        for (size_t i = 0; i < n; i++)
            untouched &= d[i] == 777.0 && w[i] == 777.0;
        pf_claim_true(ws, "l'' < 0 rejected (GN_ENEGCURV, outputs untouched)",
                      s1 == GN_ENEGCURV && s2 == GN_ENEGCURV && s3 == GN_ENEGCURV &&
                          s4 == GN_ENEGCURV && untouched);
        return 0;
    }
    pf_claim_r1mp m;
    pf_claim_r1_mp(ws, &m, &x);
    mpfr_ptr dc = pf_claim_get(ws, 2 * n + 2), ds = dc + n, den = ds + n;
    if (kind == 2) {
        /* -l' j / (mu |j|^2 + lambda); mutant 1 drops lambda, mutant 2 flips the sign */
        mpfr_mul(den, m.mu, m.jj, R);
        if (ws->mutant != 1)
            mpfr_add(den, den, m.lambda, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(dc + i, m.lp, m.j + i, R);
            mpfr_div(dc + i, dc + i, den, R);
            if (ws->mutant != 2)
                mpfr_neg(dc + i, dc + i, R);
        }
    } else
        for (size_t i = 0; i < n; i++)
            mpfr_set_zero(dc + i, 1);
    double kc = pf_claim_solve_311(ws, ds, m.j, n, m.lp, m.a, m.lambda);
    pf_claim_vcmp(ws, kind == 2 ? "l'' = 0: -l' j/(mu|j|^2+lambda) vs solve of (3.11)"
                                : "d = 0 vs solve of (3.11)",
                  dc, ds, n, NULL, kc + 1.01 * (double)(n + 4));
    return 0;
}

const pf_claim pf_claim_degenerate = {
    .id = "degenerate",
    .statement = "§3 degenerate cases: j = 0 or l' = 0 => d = 0; l'' = 0 => d = -l' j/(mu|j|^2 + "
                 "lambda); l'' < 0 rejected",
    .lhs = "the stated values; the core's status on l'' < 0",
    .rhs = "LU solve of (3.11) in MPFR; GN_ENEGCURV with outputs untouched",
    .uses = "prop-3.2 (3.11)",
    .mutants = {"l'' = 0 case with lambda dropped: -l' j/(mu|j|^2)",
                "l'' = 0 case with the sign flipped",
                "an implementation that clamps l'' < 0 to 0 and returns a number", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
