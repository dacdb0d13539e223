/* dataset.c: finite datasets for the Appendix B claims (see dataset.h). */
#include "dataset.h"

#define R MPFR_RNDN

void pf_claim_ds_desc(pf_claim_ws *ws, const pf_claim_ds *d)
{
    pf_claim_desc(ws, "%s m=%zu n=%zu lambda=%a mu=%a w=[", d->bce ? "bce" : "squared", d->m,
                  d->n, d->lambda, d->mu);
    for (size_t k = 0; k < d->n; k++)
        pf_claim_desc(ws, "%s%a", k ? "," : "", d->w[k]);
    pf_claim_desc(ws, "] (x_i; y_i)=");
    for (size_t i = 0; i < d->m && i < 4; i++) {
        pf_claim_desc(ws, "(");
        for (size_t k = 0; k < d->n; k++)
            pf_claim_desc(ws, "%s%a", k ? "," : "", d->x[i][k]);
        pf_claim_desc(ws, ";%a)", d->y[i]);
    }
}

void pf_claim_ds_random(pf_claim_ws *ws, pf_claim_ds *d)
{
    d->m = pf_claim_range(ws, 2, PF_DS_M);
    d->n = pf_claim_range(ws, 1, PF_DS_N);
    d->bce = (int)(ws->index & 1);
    for (size_t i = 0; i < d->m; i++) {
        double s = pf_claim_logu(ws, -3, 2, 0);
        for (size_t k = 0; k < d->n; k++)
            d->x[i][k] = s * pf_claim_normal(ws);
        d->y[i] = d->bce ? (double)(gn_rng_u64(&ws->rng) & 1) : pf_claim_normal(ws);
    }
    for (size_t k = 0; k < d->n; k++)
        d->w[k] = 0.5 * pf_claim_normal(ws);
    d->lambda = pf_claim_logu(ws, -4, 2, 0);
    d->mu = pf_claim_uniform(ws, 0, 1) < 0.3 ? 0.0 : pf_claim_logu(ws, -6, 0, 0);
}

void pf_claim_ds_eval(pf_claim_ws *ws, pf_claim_dsmp *q, const pf_claim_ds *d)
{
    size_t m = d->m, n = d->n;
    q->g = pf_claim_get(ws, m * n);
    q->xi = pf_claim_get(ws, m);
    q->lpp = pf_claim_get(ws, m);
    q->xx = pf_claim_get(ws, m);
    q->gF = pf_claim_get(ws, n);
    mpfr_ptr s = pf_claim_get(ws, 12);
    q->Eg2 = s;
    q->F = s + 1;
    q->xmin = s + 2;
    q->xmax = s + 3;
    mpfr_ptr f = s + 4, lp = s + 5, t = s + 6, S2 = s + 7, H = s + 8, lam = s + 9, mu = s + 10,
             l = s + 11;
    mpfr_ptr xv = pf_claim_get(ws, n), wv = pf_claim_get(ws, n);
    mpfr_set_d(lam, d->lambda, R);
    mpfr_set_d(mu, d->mu, R);
    for (size_t k = 0; k < n; k++) {
        mpfr_set_d(wv + k, d->w[k], R);
        mpfr_set_zero(q->gF + k, 1);
    }
    mpfr_set_zero(q->F, 1);
    mpfr_set_zero(q->Eg2, 1);
    mpfr_set_zero(S2, 1);
    mpfr_set_zero(H, 1);
    for (size_t i = 0; i < m; i++) {
        for (size_t k = 0; k < n; k++)
            mpfr_set_d(xv + k, d->x[i][k], R);
        gn_mp_la_dot(f, wv, xv, n, t);
        gn_mp_la_nrm2sq(q->xx + i, xv, n, t);
        if (d->bce) {
            mpfr_ptr y = t;
            mpfr_set_d(y, d->y[i], R);
            pf_claim_bce_def(ws, l, lp, f, y); /* lp holds p */
            /* 1 - p = sigma(-f) = 1/(1 + exp(f)), without cancellation */
            mpfr_exp(q->lpp + i, f, R);
            mpfr_add_ui(q->lpp + i, q->lpp + i, 1, R);
            mpfr_ui_div(q->lpp + i, 1, q->lpp + i, R);
            mpfr_mul(q->lpp + i, q->lpp + i, lp, R);
            mpfr_sub_d(lp, lp, d->y[i], R);
        } else {
            mpfr_sub_d(lp, f, d->y[i], R);
            mpfr_sqr(l, lp, R);
            mpfr_div_2ui(l, l, 1, R);
            mpfr_set_ui(q->lpp + i, 1, R);
        }
        mpfr_add(q->F, q->F, l, R);
        for (size_t k = 0; k < n; k++) {
            mpfr_mul(q->g + i * n + k, lp, xv + k, R);
            mpfr_add(q->gF + k, q->gF + k, q->g + i * n + k, R);
            mpfr_fma(q->Eg2, q->g + i * n + k, q->g + i * n + k, q->Eg2, R);
        }
        /* (3.13) */
        mpfr_add(t, q->lpp + i, mu, R);
        mpfr_mul(t, t, q->xx + i, R);
        mpfr_add(t, t, lam, R);
        mpfr_ui_div(q->xi + i, 1, t, R);
        if (mpfr_cmp(q->xx + i, S2) > 0)
            mpfr_set(S2, q->xx + i, R);
        if (mpfr_cmp(q->lpp + i, H) > 0)
            mpfr_set(H, q->lpp + i, R);
    }
    for (size_t k = 0; k < n; k++)
        mpfr_div_ui(q->gF + k, q->gF + k, (unsigned long)m, R);
    mpfr_div_ui(q->F, q->F, (unsigned long)m, R);
    mpfr_div_ui(q->Eg2, q->Eg2, (unsigned long)m, R);
    /* Lemma B.2 with the tightest B.1 constants of this data */
    mpfr_add(t, H, mu, R);
    mpfr_mul(t, t, S2, R);
    mpfr_add(t, t, lam, R);
    mpfr_ui_div(q->xmin, 1, t, R);
    mpfr_ui_div(q->xmax, 1, lam, R);
}
