/* claim_lemma_b1.c: Lemma B.1 (MATH.md §8) on least squares with exact expectations.
 * F(w) = (1/m) sum_i (x_i^T w - y_i)^2 / 2, one IGND step w+ = w - alpha xi_i g_i on a sample
 * drawn uniformly, so E[F(w+) | w] = (1/m) sum_i F(w - alpha xi_i g_i) exactly. L = trace of
 * (1/m) sum x_i x_i^T (a valid Lipschitz constant of grad F: >= its largest eigenvalue, and
 * equal to it when n = 1). Checked with two sets of constants of Assumption 4.2:
 *  exact at w: c_w = grad F^T E[xi g] / |grad F|^2, M_G = E|xi g|^2 / |grad F|^2, M = 0;
 *  Prop B.3's: c = xi_min - ((xi_max - xi_min)/2) sqrt(rho - 1), M_G = rho / lambda^2, M = 0.
 *  (1) E F(w+) <= F - alpha c |grad F|^2 + (L alpha^2 / 2)(M + M_G |grad F|^2);
 *  (2) if c > 0 and alpha <= c / (L M_G): E F(w+) <= F - (alpha c / 2) |grad F|^2 + L alpha^2 M/2.
 * Random alpha = U(0.1, 1.5) c_w/(L M_G); the adversarial n = 1 datasets put alpha exactly on
 * the boundary c_w/(L M_G), where (2) with the exact constants is an equality.
 * Tolerance (units of u): F and each F(w+_i) are sums of m squares of (n+1)-term dots, each
 * within (n + 6) u of its value relative to |terms|; scale = F + E F(w+) + alpha |c| |grad F|^2
 * + L alpha^2 M_G |grad F|^2 (every term of the inequality), kc = 4 (m + 3n + 24) (1 + rho)
 * (rho through |grad F|^2, as in prop-b3). */
#include "dataset.h"

#include <math.h>
#include <string.h>

#define R MPFR_RNDN

/* F at v */
static void Fval(mpfr_ptr out, const pf_claim_ds *d, mpfr_srcptr v, mpfr_ptr xv, mpfr_ptr t)
{
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < d->m; i++) {
        for (size_t k = 0; k < d->n; k++)
            mpfr_set_d(xv + k, d->x[i][k], R);
        gn_mp_la_dot(t, xv, v, d->n, t + 1);
        mpfr_sub_d(t, t, d->y[i], R);
        mpfr_sqr(t, t, R);
        mpfr_add(out, out, t, R);
    }
    mpfr_div_ui(out, out, (unsigned long)(2 * d->m), R);
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_ds d;
    if (ws->adversarial) {
        memset(&d, 0, sizeof d);
        d.n = 1;
        d.m = 2 + ws->index;
        d.lambda = 0.5;
        d.mu = ws->index == 1 ? 0.25 : 0.0;
        d.w[0] = 1.0;
        for (size_t i = 0; i < d.m; i++)
            d.x[i][0] = 0.5 + 0.75 * (double)i, d.y[i] = (double)(i % 2) - 0.5 * (double)i;
    } else {
        pf_claim_ds_random(ws, &d);
        d.bce = 0;
    }
    pf_claim_ds_desc(ws, &d);
    pf_claim_dsmp q;
    pf_claim_ds_eval(ws, &q, &d);
    size_t m = d.m, n = d.n;
    mpfr_ptr v = pf_claim_get(ws, 3 * n + 24);
    mpfr_ptr wv = v, wp = v + n, xv = wp + n, s = xv + n;
    mpfr_ptr gF2 = s, rho = s + 1, L = s + 2, cw = s + 3, MGw = s + 4, cb = s + 5, MGb = s + 6,
             al = s + 7, EF = s + 8, t = s + 9, lhs = s + 11, rhs = s + 12, sc = s + 13,
             exg = s + 14, m2 = s + 15, alc = s + 16, sr = s + 17;
    gn_mp_la_nrm2sq(gF2, q.gF, n, t);
    if (mpfr_zero_p(gF2))
        return -1;
    mpfr_div(rho, q.Eg2, gF2, R);
    double kc = 4.0 * (double)(m + 3 * n + 24) * (1.0 + mpfr_get_d(rho, R));
    /* L = trace((1/m) sum x x^T) = mean |x_i|^2 */
    mpfr_set_zero(L, 1);
    for (size_t i = 0; i < m; i++)
        mpfr_add(L, L, q.xx + i, R);
    mpfr_div_ui(L, L, (unsigned long)m, R);
    /* exact constants at w */
    mpfr_set_zero(exg, 1);
    mpfr_set_zero(m2, 1);
    for (size_t i = 0; i < m; i++) {
        gn_mp_la_dot(t, q.gF, q.g + i * n, n, t + 1);
        mpfr_fma(exg, t, q.xi + i, exg, R);
        gn_mp_la_nrm2sq(t, q.g + i * n, n, t + 1);
        mpfr_mul(t, t, q.xi + i, R);
        mpfr_fma(m2, t, q.xi + i, m2, R);
    }
    mpfr_div_ui(exg, exg, (unsigned long)m, R);
    mpfr_div_ui(m2, m2, (unsigned long)m, R);
    mpfr_div(cw, exg, gF2, R);
    mpfr_div(MGw, m2, gF2, R);
    /* Prop B.3's constants */
    mpfr_sub_ui(sr, rho, 1, R);
    if (mpfr_sgn(sr) < 0)
        mpfr_set_zero(sr, 1);
    mpfr_sqrt(sr, sr, R);
    mpfr_sub(cb, q.xmax, q.xmin, R);
    mpfr_mul(cb, cb, sr, R);
    mpfr_div_2ui(cb, cb, 1, R);
    mpfr_sub(cb, q.xmin, cb, R);
    mpfr_set_d(t, d.lambda, R);
    mpfr_sqr(t, t, R);
    mpfr_div(MGb, rho, t, R);
    /* alpha */
    if (mpfr_sgn(cw) > 0) {
        mpfr_mul(al, L, MGw, R);
        mpfr_div(al, cw, al, R);
        if (!ws->adversarial)
            mpfr_mul_d(al, al, pf_claim_uniform(ws, 0.1, 1.5), R);
    } else
        mpfr_set_d(al, pf_claim_logu(ws, -4, 0, 0), R);
    pf_claim_desc(ws, " alpha=%a", mpfr_get_d(al, R));
    /* E F(w+) */
    for (size_t k = 0; k < n; k++)
        mpfr_set_d(wv + k, d.w[k], R);
    mpfr_set_zero(EF, 1);
    for (size_t i = 0; i < m; i++) {
        mpfr_mul(t, al, q.xi + i, R);
        for (size_t k = 0; k < n; k++) {
            mpfr_mul(wp + k, t, q.g + i * n + k, R);
            mpfr_sub(wp + k, wv + k, wp + k, R);
        }
        Fval(lhs, &d, wp, xv, pf_claim_get(ws, 2));
        mpfr_add(EF, EF, lhs, R);
    }
    mpfr_div_ui(EF, EF, (unsigned long)m, R);
    for (int set = 0; set < 2; set++) {
        mpfr_srcptr c = set ? cb : cw, MG = set ? MGb : MGw;
        /* (1); mutant 1 drops the curvature term */
        mpfr_mul(alc, al, c, R);
        mpfr_mul(rhs, alc, gF2, R);
        mpfr_sub(rhs, q.F, rhs, R);
        mpfr_sqr(t, al, R);
        mpfr_mul(t, t, L, R);
        mpfr_mul(t, t, MG, R);
        mpfr_mul(t, t, gF2, R);
        mpfr_div_2ui(t, t, 1, R);
        mpfr_abs(sc, alc, R);
        mpfr_mul(sc, sc, gF2, R);
        mpfr_add(sc, sc, t, R);
        mpfr_add(sc, sc, q.F, R);
        mpfr_add(sc, sc, EF, R);
        if (ws->mutant != 1)
            mpfr_add(rhs, rhs, t, R);
        pf_claim_le(ws, set ? "(1) with Prop B.3's constants" : "(1) with the exact constants",
                    EF, rhs, sc, kc);
        /* (2) when c > 0 and alpha <= c/(L M_G); mutant 2: alpha c in place of alpha c / 2 */
        mpfr_mul(t, L, MG, R);
        mpfr_mul(t, t, al, R);
        if (mpfr_sgn(c) > 0 && mpfr_cmp(t, c) <= 0) {
            mpfr_mul(rhs, alc, gF2, R);
            if (ws->mutant != 2)
                mpfr_div_2ui(rhs, rhs, 1, R);
            mpfr_sub(rhs, q.F, rhs, R);
            pf_claim_le(ws, set ? "(2) with Prop B.3's constants" : "(2) with the exact constants",
                        EF, rhs, sc, kc);
        }
    }
    return 0;
}

const pf_claim pf_claim_lemma_b1 = {
    .id = "lemma-b1",
    .statement = "Lemma B.1 (least squares, exact E): E F(w+) <= F - alpha c|grad F|^2 + "
                 "(L alpha^2/2)(M + M_G|grad F|^2); <= F - (alpha c/2)|grad F|^2 for alpha <= c/(L M_G)",
    .lhs = "E[F(w - alpha xi g)] as an exact finite sum in MPFR",
    .rhs = "the two bounds, with the exact constants at w and with Prop B.3's",
    .uses = "prop-b3 (4.12) (4.14) (4.15)",
    .mutants = {"the curvature term (L alpha^2/2) M_G |grad F|^2 dropped",
                "alpha c in place of alpha c/2 in the second form", NULL},
    .nadv = 3,
    .eval = eval,
};
