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

/* one instance: the draw, its MPFR copy and the scratch vectors and scalars of the rows */
typedef struct {
    pf_claim_ws *ws;
    pf_claim_r1 x;
    pf_claim_r1mp m;
    size_t n;
    double dn;
    int jnz, lpnz;                 /* j != 0, l' != 0 */
    mpfr_ptr g, st, tb, d, w;      /* g = l' j; definition's step; table's step; a solve; w */
    mpfr_ptr t, dl, dt, nrm, gam, l, lstar, c, f, lp, e, one, den;
} row_ws;

/* st = alpha d (the definition's step) and tb = (-)alpha coef j / den (the table's) */
static void step_pair(row_ws *T, mpfr_srcptr coef, int neg)
{
    const pf_claim_r1mp *m = &T->m;
    for (size_t i = 0; i < T->n; i++) {
        mpfr_mul(T->st + i, m->alpha, T->d + i, R);
        mpfr_mul(T->tb + i, m->alpha, coef, R);
        mpfr_mul(T->tb + i, T->tb + i, m->j + i, R);
        mpfr_div(T->tb + i, T->tb + i, T->den, R);
        if (neg)
            mpfr_neg(T->tb + i, T->tb + i, R);
    }
}

/* SGD: delta = j^T(-alpha g) vs -alpha l' |j|^2 (mutant 5: |j| instead of |j|^2) */
static void row_sgd(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    for (size_t i = 0; i < T->n; i++) {
        mpfr_mul(T->st + i, m->alpha, T->g + i, R);
        mpfr_neg(T->st + i, T->st + i, R);
    }
    gn_mp_la_dot(T->dl, m->j, T->st, T->n, T->t);
    if (T->ws->mutant == 5)
        mpfr_sqrt(T->dt, m->jj, R);
    else
        mpfr_set(T->dt, m->jj, R);
    mpfr_mul(T->dt, T->dt, m->lp, R);
    mpfr_mul(T->dt, T->dt, m->alpha, R);
    mpfr_neg(T->dt, T->dt, R);
    if (T->jnz && T->lpnz)
        pf_claim_scmp(T->ws, "SGD delta = -alpha l' |j|^2", T->dt, T->dl, NULL,
                      2.0 * T->dn + 8.0);
}

/* normalised gradient: -alpha g/|g| vs -alpha sign(l') j/|j| (needs j, l' != 0) */
static void row_normgrad(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    size_t n = T->n;
    gn_mp_la_nrm2sq(T->nrm, T->g, n, T->t);
    mpfr_sqrt(T->nrm, T->nrm, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_div(T->st + i, T->g + i, T->nrm, R);
        mpfr_mul(T->st + i, T->st + i, m->alpha, R);
        mpfr_neg(T->st + i, T->st + i, R);
    }
    mpfr_sqrt(T->nrm, m->jj, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_div(T->tb + i, m->j + i, T->nrm, R);
        mpfr_mul(T->tb + i, T->tb + i, m->alpha, R);
        if (T->x.lp > 0)
            mpfr_neg(T->tb + i, T->tb + i, R);
    }
    pf_claim_vcmp(T->ws, "normalised gradient step", T->tb, T->st, n, NULL, 2.0 * T->dn + 9.0);
    gn_mp_la_dot(T->dl, m->j, T->st, n, T->t);
    /* table: -alpha sign(l') |j| (mutant 1: |j|^2) */
    mpfr_set(T->dt, T->ws->mutant == 1 ? m->jj : T->nrm, R);
    mpfr_mul(T->dt, T->dt, m->alpha, R);
    if (T->x.lp > 0)
        mpfr_neg(T->dt, T->dt, R);
    pf_claim_scmp(T->ws, "normalised gradient delta = -alpha sign(l') |j|", T->dt, T->dl, NULL,
                  3.0 * T->dn + 12.0);
}

/* SPS (4.6): gamma = (l - l*)/(c |g|^2); l* = 0 or l/2, c in [1/4, 2] (needs j, l' != 0) */
static void row_sps(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    pf_claim_ws *ws = T->ws;
    size_t n = T->n;
    mpfr_sqr(T->l, m->lp, R);
    mpfr_mul_d(T->l, T->l, pf_claim_uniform(ws, 0.1, 2.0), R);
    mpfr_mul_d(T->lstar, T->l, ws->index % 2 ? 0.5 : 0.0, R);
    mpfr_set_d(T->c, pf_claim_uniform(ws, 0.25, 2.0), R);
    gn_mp_la_nrm2sq(T->nrm, T->g, n, T->t);
    if (ws->mutant == 2) /* mutant 2: |g| not squared */
        mpfr_sqrt(T->nrm, T->nrm, R);
    mpfr_mul(T->nrm, T->nrm, T->c, R);
    mpfr_sub(T->gam, T->l, T->lstar, R);
    mpfr_div(T->gam, T->gam, T->nrm, R);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(T->st + i, T->gam, T->g + i, R);
        mpfr_neg(T->st + i, T->st + i, R);
    }
    gn_mp_la_dot(T->dl, m->j, T->st, n, T->t);
    mpfr_mul(T->dt, T->c, m->lp, R);
    mpfr_sub(T->t, T->l, T->lstar, R);
    mpfr_div(T->dt, T->t, T->dt, R);
    mpfr_neg(T->dt, T->dt, R);
    pf_claim_scmp(ws, "SPS delta = -(l - l*)/(c l')", T->dt, T->dl, NULL, 2.0 * T->dn + 10.0);
}

/* undamped IGND: alpha d_(A.2) vs -alpha l' j/(l'' |j|^2) (mutant 6: l''|j|); needs j != 0
 * and l'' > 0 */
static void row_undamped(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    size_t n = T->n;
    double dn = T->dn;
    double kc = pf_claim_solve_a1(T->ws, T->d, m->j, n, m->lp, m->lpp);
    if (T->ws->mutant == 6) {
        mpfr_sqrt(T->den, m->jj, R);
        mpfr_mul(T->den, T->den, m->lpp, R);
    } else
        mpfr_mul(T->den, m->jj, m->lpp, R);
    step_pair(T, m->lp, 1);
    pf_claim_vcmp(T->ws, "undamped IGND step", T->tb, T->st, n, NULL, kc + dn + 7.0);
    gn_mp_la_dot(T->dl, m->j, T->st, n, T->t);
    mpfr_div(T->dt, m->lp, m->lpp, R);
    mpfr_mul(T->dt, T->dt, m->alpha, R);
    mpfr_neg(T->dt, T->dt, R);
    if (T->lpnz)
        pf_claim_scmp(T->ws, "undamped IGND delta = -alpha l'/l''", T->dt, T->dl, NULL,
                      dn * (kc + dn + 2.0) + dn + 6.0);
}

/* damped IGND: alpha d_(3.11) vs -alpha xi l' j; delta -alpha xi l' |j|^2
 * (mutant 3: mu added after the outer product in delta's xi) */
static void row_damped(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    size_t n = T->n;
    double dn = T->dn;
    double kc = pf_claim_solve_311(T->ws, T->d, m->j, n, m->lp, m->a, m->lambda);
    mpfr_mul(T->den, m->a, m->jj, R);
    mpfr_add(T->den, T->den, m->lambda, R); /* 1/xi */
    step_pair(T, m->lp, 1);
    if (!(T->jnz && T->lpnz))
        return;
    pf_claim_vcmp(T->ws, "damped IGND step", T->tb, T->st, n, NULL, kc + dn + 7.0);
    gn_mp_la_dot(T->dl, m->j, T->st, n, T->t);
    if (T->ws->mutant == 3) {
        mpfr_mul(T->den, m->lpp, m->jj, R);
        mpfr_add(T->den, T->den, m->mu, R);
        mpfr_add(T->den, T->den, m->lambda, R);
    }
    mpfr_mul(T->dt, m->alpha, m->lp, R);
    mpfr_mul(T->dt, T->dt, m->jj, R);
    mpfr_div(T->dt, T->dt, T->den, R);
    mpfr_neg(T->dt, T->dt, R);
    pf_claim_scmp(T->ws, "damped IGND delta = -alpha xi l' |j|^2", T->dt, T->dl, NULL,
                  dn * (kc + dn + 2.0) + dn + 6.0);
}

/* squared-loss IGND / NLMS row: x = j, f = w^T x, e = y - f */
static void row_nlms(row_ws *T)
{
    const pf_claim_r1mp *m = &T->m;
    pf_claim_ws *ws = T->ws;
    size_t n = T->n;
    double dn = T->dn;
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(T->w + i, pf_claim_normal(ws), R);
    gn_mp_la_dot(T->f, T->w, m->j, n, T->t);
    mpfr_sub_d(T->lp, T->f, pf_claim_normal(ws), R); /* l' = f - y */
    mpfr_neg(T->e, T->lp, R);
    if (ws->mutant == 4) /* mutant 4: e = f - y */
        mpfr_neg(T->e, T->e, R);
    mpfr_set_ui(T->one, 1, R);
    mpfr_add(T->one, T->one, m->mu, R); /* 1 + mu */
    double kc = pf_claim_solve_311(ws, T->d, m->j, n, T->lp, T->one, m->lambda);
    mpfr_mul(T->den, T->one, m->jj, R);
    mpfr_add(T->den, T->den, m->lambda, R);
    step_pair(T, T->e, 0);
    vmax(T->t, T->st, n);
    if (T->jnz && !mpfr_zero_p(T->e) && !mpfr_zero_p(T->t)) {
        pf_claim_vcmp(ws, "squared-loss IGND / NLMS step", T->tb, T->st, n, NULL, kc + dn + 7.0);
        gn_mp_la_dot(T->dl, m->j, T->st, n, T->t);
        mpfr_mul(T->dt, m->alpha, T->e, R);
        mpfr_mul(T->dt, T->dt, m->jj, R);
        mpfr_div(T->dt, T->dt, T->den, R);
        pf_claim_scmp(ws, "squared-loss IGND / NLMS delta", T->dt, T->dl, NULL,
                      dn * (kc + dn + 2.0) + dn + 6.0);
    }
}

static int eval(pf_claim_ws *ws)
{
    row_ws T;
    T.ws = ws;
    pf_claim_r1_draw(ws, &T.x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &T.m, &T.x);
    size_t n = T.n = T.x.n;
    T.dn = (double)n;
    /* five vectors of n, then the scalars, in one block of the workspace */
    mpfr_ptr v = pf_claim_get(ws, 5 * n + 16);
    mpfr_ptr *vecs[] = {&T.g, &T.st, &T.tb, &T.d, &T.w};
    mpfr_ptr *scal[] = {&T.t, &T.dl, &T.dt, &T.nrm, &T.gam, &T.l, &T.lstar,
                        &T.c, &T.f, &T.lp, &T.e, &T.one, &T.den};
    for (size_t k = 0; k < 5; k++)
        *vecs[k] = v + k * n;
    for (size_t k = 0; k < sizeof scal / sizeof *scal; k++)
        *scal[k] = v + 5 * n + k;
    T.jnz = !mpfr_zero_p(T.m.jj);
    T.lpnz = T.x.lp != 0.0;
    for (size_t i = 0; i < n; i++)
        mpfr_mul(T.g + i, T.m.lp, T.m.j + i, R);
    row_sgd(&T);
    if (T.jnz && T.lpnz) {
        row_normgrad(&T);
        row_sps(&T);
    }
    if (T.jnz && T.x.lpp > 0.0)
        row_undamped(&T);
    row_damped(&T);
    row_nlms(&T);
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
