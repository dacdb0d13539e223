/* claim_table1.c: every row of Table 1 (MATH.md §6): for each method, the update w+ - w
 * written in the table equals the method's definition, and the table's delta column equals
 * delta = j^T (w+ - w) (4.1).
 *
 * Definitions (rhs) computed in MPFR: SGD -alpha g; normalised gradient -alpha g/|g| with
 * g = l' j formed; SPS -gamma g with gamma = (l - l*)/(c |g|^2) (4.6); undamped IGND alpha d
 * with d the LU solve of Prop A.1's system; damped IGND alpha d with d the LU solve of (3.11);
 * NLMS row: linear f = w^T x, squared loss l' = f - y, l'' = 1, alpha d with d the solve of
 * (3.11) with curvature 1 + mu. The table's closed forms are the lhs.
 * Tolerances (units of u; relative to the larger side, or to the stated scale):
 *  SGD delta: both sides n + 4 roundings, terms of one sign: kc = 2n + 8.
 *  normalised gradient: definition n + 4, table n + 3: step kc = 2n + 9; delta adds the dot's
 *    n: kc = 3n + 12.
 *  SPS: gamma n + 4, step n + 6, delta 2n + 6, table's delta 3: kc = 2n + 10.
 *  IGND rows and NLMS: the solve's kc_s relative to |d|_inf, alpha 1, the closed form n + 5:
 *    step kc = kc_s + n + 7; delta: |j|_1 |d|_inf <= n |delta| / alpha, so
 *    kc = n (kc_s + n + 2) + n + 6. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

/* out = max |v_i| */
static void vmax(mpfr_ptr out, mpfr_srcptr v, size_t n)
{
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmpabs(v + i, out) > 0)
            mpfr_abs(out, v + i, R);
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    double dn = (double)n;
    mpfr_ptr v = pf_claim_get(ws, 5 * n + 16);
    mpfr_ptr g = v, st = g + n, tb = st + n, d = tb + n, w = d + n, s = w + n;
    mpfr_ptr t = s, dl = s + 1, dt = s + 2, nrm = s + 3, gam = s + 4, l = s + 5, lstar = s + 6,
             c = s + 7, f = s + 8, lp = s + 9, e = s + 10, one = s + 11, den = s + 12;
    int jnz = !mpfr_zero_p(m.jj), lpnz = x.lp != 0.0;
    for (size_t i = 0; i < n; i++)
        mpfr_mul(g + i, m.lp, m.j + i, R);

    /* SGD: delta = j^T(-alpha g) vs -alpha l' |j|^2 (mutant 5: |j| instead of |j|^2) */
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(st + i, m.alpha, g + i, R);
        mpfr_neg(st + i, st + i, R);
    }
    gn_mp_la_dot(dl, m.j, st, n, t);
    if (ws->mutant == 5)
        mpfr_sqrt(dt, m.jj, R);
    else
        mpfr_set(dt, m.jj, R);
    mpfr_mul(dt, dt, m.lp, R);
    mpfr_mul(dt, dt, m.alpha, R);
    mpfr_neg(dt, dt, R);
    if (jnz && lpnz)
        pf_claim_scmp(ws, "SGD delta = -alpha l' |j|^2", dt, dl, NULL, 2.0 * dn + 8.0);

    if (jnz && lpnz) {
        /* normalised gradient: -alpha g/|g| vs -alpha sign(l') j/|j| */
        gn_mp_la_nrm2sq(nrm, g, n, t);
        mpfr_sqrt(nrm, nrm, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_div(st + i, g + i, nrm, R);
            mpfr_mul(st + i, st + i, m.alpha, R);
            mpfr_neg(st + i, st + i, R);
        }
        mpfr_sqrt(nrm, m.jj, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_div(tb + i, m.j + i, nrm, R);
            mpfr_mul(tb + i, tb + i, m.alpha, R);
            if (x.lp > 0)
                mpfr_neg(tb + i, tb + i, R);
        }
        pf_claim_vcmp(ws, "normalised gradient step", tb, st, n, NULL, 2.0 * dn + 9.0);
        gn_mp_la_dot(dl, m.j, st, n, t);
        /* table: -alpha sign(l') |j| (mutant 1: |j|^2) */
        mpfr_set(dt, ws->mutant == 1 ? m.jj : nrm, R);
        mpfr_mul(dt, dt, m.alpha, R);
        if (x.lp > 0)
            mpfr_neg(dt, dt, R);
        pf_claim_scmp(ws, "normalised gradient delta = -alpha sign(l') |j|", dt, dl, NULL,
                      3.0 * dn + 12.0);

        /* SPS (4.6): gamma = (l - l*)/(c |g|^2); l* = 0 or l/2, c in [1/4, 2] */
        mpfr_sqr(l, m.lp, R);
        mpfr_mul_d(l, l, pf_claim_uniform(ws, 0.1, 2.0), R);
        mpfr_mul_d(lstar, l, ws->index % 2 ? 0.5 : 0.0, R);
        mpfr_set_d(c, pf_claim_uniform(ws, 0.25, 2.0), R);
        gn_mp_la_nrm2sq(nrm, g, n, t);
        if (ws->mutant == 2) /* mutant 2: |g| not squared */
            mpfr_sqrt(nrm, nrm, R);
        mpfr_mul(nrm, nrm, c, R);
        mpfr_sub(gam, l, lstar, R);
        mpfr_div(gam, gam, nrm, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(st + i, gam, g + i, R);
            mpfr_neg(st + i, st + i, R);
        }
        gn_mp_la_dot(dl, m.j, st, n, t);
        mpfr_mul(dt, c, m.lp, R);
        mpfr_sub(t, l, lstar, R);
        mpfr_div(dt, t, dt, R);
        mpfr_neg(dt, dt, R);
        pf_claim_scmp(ws, "SPS delta = -(l - l*)/(c l')", dt, dl, NULL, 2.0 * dn + 10.0);
    }

    if (jnz && x.lpp > 0.0) {
        /* undamped IGND: alpha d_(A.2) vs -alpha l' j/(l'' |j|^2) (mutant 6: l''|j|) */
        double kc = pf_claim_solve_a1(ws, d, m.j, n, m.lp, m.lpp);
        if (ws->mutant == 6) {
            mpfr_sqrt(den, m.jj, R);
            mpfr_mul(den, den, m.lpp, R);
        } else
            mpfr_mul(den, m.jj, m.lpp, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(st + i, m.alpha, d + i, R);
            mpfr_mul(tb + i, m.alpha, m.lp, R);
            mpfr_mul(tb + i, tb + i, m.j + i, R);
            mpfr_div(tb + i, tb + i, den, R);
            mpfr_neg(tb + i, tb + i, R);
        }
        pf_claim_vcmp(ws, "undamped IGND step", tb, st, n, NULL, kc + dn + 7.0);
        gn_mp_la_dot(dl, m.j, st, n, t);
        mpfr_div(dt, m.lp, m.lpp, R);
        mpfr_mul(dt, dt, m.alpha, R);
        mpfr_neg(dt, dt, R);
        if (lpnz)
            pf_claim_scmp(ws, "undamped IGND delta = -alpha l'/l''", dt, dl, NULL,
                          dn * (kc + dn + 2.0) + dn + 6.0);
    }

    /* damped IGND: alpha d_(3.11) vs -alpha xi l' j; delta -alpha xi l' |j|^2
     * (mutant 3: mu added after the outer product in delta's xi) */
    double kc = pf_claim_solve_311(ws, d, m.j, n, m.lp, m.a, m.lambda);
    mpfr_mul(den, m.a, m.jj, R);
    mpfr_add(den, den, m.lambda, R); /* 1/xi */
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(st + i, m.alpha, d + i, R);
        mpfr_mul(tb + i, m.alpha, m.lp, R);
        mpfr_mul(tb + i, tb + i, m.j + i, R);
        mpfr_div(tb + i, tb + i, den, R);
        mpfr_neg(tb + i, tb + i, R);
    }
    if (jnz && lpnz) {
        pf_claim_vcmp(ws, "damped IGND step", tb, st, n, NULL, kc + dn + 7.0);
        gn_mp_la_dot(dl, m.j, st, n, t);
        if (ws->mutant == 3) {
            mpfr_mul(den, m.lpp, m.jj, R);
            mpfr_add(den, den, m.mu, R);
            mpfr_add(den, den, m.lambda, R);
        }
        mpfr_mul(dt, m.alpha, m.lp, R);
        mpfr_mul(dt, dt, m.jj, R);
        mpfr_div(dt, dt, den, R);
        mpfr_neg(dt, dt, R);
        pf_claim_scmp(ws, "damped IGND delta = -alpha xi l' |j|^2", dt, dl, NULL,
                      dn * (kc + dn + 2.0) + dn + 6.0);
    }

    /* squared-loss IGND / NLMS row: x = j, f = w^T x, e = y - f */
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(w + i, pf_claim_normal(ws), R);
    gn_mp_la_dot(f, w, m.j, n, t);
    mpfr_sub_d(lp, f, pf_claim_normal(ws), R); /* l' = f - y */
    mpfr_neg(e, lp, R);
    if (ws->mutant == 4) /* mutant 4: e = f - y */
        mpfr_neg(e, e, R);
    mpfr_set_ui(one, 1, R);
    mpfr_add(one, one, m.mu, R); /* 1 + mu */
    kc = pf_claim_solve_311(ws, d, m.j, n, lp, one, m.lambda);
    mpfr_mul(den, one, m.jj, R);
    mpfr_add(den, den, m.lambda, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(st + i, m.alpha, d + i, R);
        mpfr_mul(tb + i, m.alpha, e, R);
        mpfr_mul(tb + i, tb + i, m.j + i, R);
        mpfr_div(tb + i, tb + i, den, R);
    }
    vmax(t, st, n);
    if (jnz && !mpfr_zero_p(e) && !mpfr_zero_p(t)) {
        pf_claim_vcmp(ws, "squared-loss IGND / NLMS step", tb, st, n, NULL, kc + dn + 7.0);
        gn_mp_la_dot(dl, m.j, st, n, t);
        mpfr_mul(dt, m.alpha, e, R);
        mpfr_mul(dt, dt, m.jj, R);
        mpfr_div(dt, dt, den, R);
        pf_claim_scmp(ws, "squared-loss IGND / NLMS delta", dt, dl, NULL,
                      dn * (kc + dn + 2.0) + dn + 6.0);
    }
    return 0;
}

const pf_claim pf_claim_table1 = {
    .id = "table-1",
    .statement = "Table 1: w+ - w and delta = j^T(w+ - w) of SGD, normalised gradient, SPS (4.6), "
                 "undamped/damped IGND, squared-loss IGND/NLMS",
    .lhs = "the table's closed forms for the step and for delta",
    .rhs = "each method's definition in MPFR (IGND rows: LU solves of (A.2) and (3.11))",
    .uses = "eq-4.3 eq-4.4 (4.1) (4.6)",
    .mutants = {"normalised gradient delta = -alpha sign(l') |j|^2",
                "SPS gamma with |g| in place of |g|^2",
                "damped IGND delta with mu added after the outer product",
                "NLMS row with e = f - y", "SGD delta = -alpha l' |j|",
                "undamped IGND step divided by l''|j| instead of l''|j|^2"},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
