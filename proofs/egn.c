/* egn.c: mini-batch instances and the matrices of the Duncan-Guttman claims (see egn.h). */
#include "egn.h"

#include <math.h>

#define R MPFR_RNDN

void pf_claim_egn_draw(pf_claim_ws *ws, pf_claim_batch *e, mpfr_prec_t q, int force_kind)
{
    static const size_t ab[GN_EGN_NADV] = {16, 16, 16, 1, 16, 4, 8};
    static const size_t ac[GN_EGN_NADV] = {3, 3, 3, 1, 3, 2, 2};
    static const size_t ad[GN_EGN_NADV] = {6, 6, 6, 1, 1, 3, 3};
    static const int ak[GN_EGN_NADV] = {0, 1, 2, 0, 2, 1, 1};
    static const double al[GN_EGN_NADV] = {1.0, 0.5, 0.25, 1.0, 1.0, 1.0, 0x1p-30};
    int zeroq = 0;
    if (ws->adversarial) {
        e->b = ab[ws->index];
        e->c = ac[ws->index];
        e->d = ad[ws->index];
        e->kind = ak[ws->index];
        e->lambda = al[ws->index];
        zeroq = ws->index == 5; /* Q = 0 entirely */
    } else {
        e->b = pf_claim_range(ws, 1, GN_EGN_BMAX);
        e->c = pf_claim_range(ws, 1, GN_EGN_CMAX);
        e->d = pf_claim_range(ws, 1, GN_EGN_DMAX);
        e->kind = (int)(ws->index % 3);
        e->lambda = pf_claim_logu(ws, -6, 2, 0);
    }
    if (force_kind >= 0)
        e->kind = force_kind;
    size_t b = e->b, c = e->c, d = e->d, bc = b * c;
    e->bc = bc;
    pf_claim_desc(ws, "b=%zu c=%zu d=%zu Q=%s lambda=%a", b, c, d,
                  zeroq ? "zero" : e->kind == 0 ? "diag>0" : e->kind == 1 ? "diag with zeros" : "softmax",
                  e->lambda);
    e->J = pf_claim_get_prec(ws, bc * d + bc * bc + bc + 1 + c + 1, q);
    e->Q = e->J + bc * d;
    e->r = e->Q + bc * bc;
    e->lam = e->r + bc;
    mpfr_ptr p = e->lam + 1, t = p + c;
    mpfr_set_d(e->lam, e->lambda, R);
    for (size_t i = 0; i < bc * d; i++)
        mpfr_set_d(e->J + i, pf_claim_normal(ws), R);
    for (size_t i = 0; i < bc * bc; i++)
        mpfr_set_zero(e->Q + i, 1);
    for (size_t s = 0; s < b; s++) {
        size_t o = s * c;
        if (zeroq) {
            for (size_t k = 0; k < c; k++)
                mpfr_set_d(e->r + o + k, pf_claim_normal(ws), R);
            continue;
        }
        if (e->kind == 2) {
            /* softmax of logits z ~ 2 N(0, 1); c = 1: the logistic */
            mpfr_set_zero(t, 1);
            for (size_t k = 0; k < c; k++) {
                mpfr_set_d(p + k, 2.0 * pf_claim_normal(ws), R);
                if (c == 1)
                    mpfr_neg(p + k, p + k, R);
                mpfr_exp(p + k, p + k, R);
                if (c == 1)
                    mpfr_add_ui(p + k, p + k, 1, R), mpfr_ui_div(p + k, 1, p + k, R);
                else
                    mpfr_add(t, t, p + k, R);
            }
            for (size_t k = 0; c > 1 && k < c; k++)
                mpfr_div(p + k, p + k, t, R);
            size_t hot = pf_claim_range(ws, 0, c - 1);
            for (size_t k = 0; k < c; k++) {
                for (size_t l = 0; l < c; l++) {
                    mpfr_ptr qq = e->Q + (o + k) * bc + o + l;
                    if (c == 1) { /* p(1 - p) */
                        mpfr_ui_sub(qq, 1, p + k, R);
                        mpfr_mul(qq, qq, p + k, R);
                    } else {
                        mpfr_mul(qq, p + k, p + l, R);
                        mpfr_neg(qq, qq, R);
                        if (k == l)
                            mpfr_add(qq, qq, p + k, R);
                    }
                }
                mpfr_sub_ui(e->r + o + k, p + k, k == hot, R);
            }
        } else {
            for (size_t k = 0; k < c; k++) {
                double qv = pf_claim_logu(ws, -4, 2, 0);
                if (e->kind == 1 && pf_claim_uniform(ws, 0, 1) < 0.4)
                    qv = 0.0;
                mpfr_set_d(e->Q + (o + k) * bc + o + k, qv, R);
                mpfr_set_d(e->r + o + k, pf_claim_normal(ws), R);
            }
        }
    }
}

/* |x| accumulate, rounded up */
static void addabs(mpfr_ptr acc, mpfr_srcptr x)
{
    if (mpfr_sgn(x) >= 0)
        mpfr_add(acc, acc, x, MPFR_RNDU);
    else
        mpfr_sub(acc, acc, x, MPFR_RNDU);
}

double pf_claim_egn_lm(pf_claim_ws *ws, mpfr_ptr a, const pf_claim_batch *e, int qright)
{
    (void)qright;
    size_t bc = e->bc, d = e->d, c = e->c;
    mpfr_prec_t q = mpfr_get_prec(e->J);
    mpfr_ptr qj = pf_claim_get_prec(ws, 2 * bc * d + d * d + 4, q);
    mpfr_ptr aqj = qj + bc * d, ab = aqj + bc * d, t = ab + d * d;
    /* QJ and |Q||J| (block diagonal: c-term sums) */
    for (size_t i = 0; i < bc; i++) {
        size_t o = (i / c) * c;
        for (size_t k = 0; k < d; k++) {
            mpfr_set_zero(qj + i * d + k, 1);
            mpfr_set_zero(aqj + i * d + k, 1);
            for (size_t l = o; l < o + c; l++) {
                mpfr_fma(qj + i * d + k, e->Q + i * bc + l, e->J + l * d + k, qj + i * d + k, R);
                mpfr_mul(t, e->Q + i * bc + l, e->J + l * d + k, MPFR_RNDA);
                addabs(aqj + i * d + k, t);
            }
        }
    }
    for (size_t k = 0; k < d; k++)
        for (size_t l = 0; l < d; l++) {
            mpfr_set_zero(a + k * d + l, 1);
            mpfr_set_zero(ab + k * d + l, 1);
            for (size_t i = 0; i < bc; i++) {
                mpfr_fma(a + k * d + l, e->J + i * d + k, qj + i * d + l, a + k * d + l, R);
                mpfr_mul(t, e->J + i * d + k, aqj + i * d + l, MPFR_RNDA);
                addabs(ab + k * d + l, t);
            }
            mpfr_div_ui(a + k * d + l, a + k * d + l, (unsigned long)e->b, R);
            mpfr_div_ui(ab + k * d + l, ab + k * d + l, (unsigned long)e->b, MPFR_RNDU);
            if (k == l) {
                mpfr_add(a + k * d + l, a + k * d + l, e->lam, R);
                mpfr_add(ab + k * d + l, ab + k * d + l, e->lam, MPFR_RNDU);
            }
        }
    gn_mp_la_norminf(t + 1, ab, d, d, t);
    gn_mp_la_norminf(t + 2, a, d, d, t);
    mpfr_div(t, t + 1, t + 2, MPFR_RNDU);
    return (double)(bc + 2 * c + 4) * mpfr_get_d(t, MPFR_RNDU);
}

double pf_claim_egn_dg(pf_claim_ws *ws, mpfr_ptr a, const pf_claim_batch *e, int qleft,
                       double kscale)
{
    size_t bc = e->bc, d = e->d, c = e->c;
    mpfr_prec_t q = mpfr_get_prec(e->J);
    mpfr_ptr K = pf_claim_get_prec(ws, 2 * bc * bc + bc * bc + 4, q);
    mpfr_ptr aK = K + bc * bc, ab = aK + bc * bc, t = ab + bc * bc;
    for (size_t i = 0; i < bc; i++)
        for (size_t k = 0; k < bc; k++) {
            gn_mp_la_dot(K + i * bc + k, e->J + i * d, e->J + k * d, d, t);
            mpfr_set_zero(aK + i * bc + k, 1);
            for (size_t l = 0; l < d; l++) {
                mpfr_mul(t, e->J + i * d + l, e->J + k * d + l, MPFR_RNDA);
                addabs(aK + i * bc + k, t);
            }
        }
    for (size_t i = 0; i < bc; i++) {
        size_t o = (i / c) * c;
        for (size_t k = 0; k < bc; k++) {
            mpfr_ptr x = a + i * bc + k, y = ab + i * bc + k;
            mpfr_set_zero(x, 1);
            mpfr_set_zero(y, 1);
            if (qleft) /* (Q K)_ik = sum_l Q_il K_lk over i's block */
                for (size_t l = o; l < o + c; l++) {
                    mpfr_fma(x, e->Q + i * bc + l, K + l * bc + k, x, R);
                    mpfr_mul(t, e->Q + i * bc + l, aK + l * bc + k, MPFR_RNDA);
                    addabs(y, t);
                }
            else { /* (K Q)_ik = sum_l K_il Q_lk over k's block */
                size_t ok = (k / c) * c;
                for (size_t l = ok; l < ok + c; l++) {
                    mpfr_fma(x, K + i * bc + l, e->Q + l * bc + k, x, R);
                    mpfr_mul(t, aK + i * bc + l, e->Q + l * bc + k, MPFR_RNDA);
                    addabs(y, t);
                }
            }
            mpfr_mul_d(x, x, kscale, R);
            mpfr_div_ui(x, x, (unsigned long)e->b, R);
            mpfr_mul_d(y, y, fabs(kscale), MPFR_RNDU);
            mpfr_div_ui(y, y, (unsigned long)e->b, MPFR_RNDU);
            if (i == k) {
                mpfr_add(x, x, e->lam, R);
                mpfr_add(y, y, e->lam, MPFR_RNDU);
            }
        }
    }
    gn_mp_la_norminf(t + 1, ab, bc, bc, t);
    gn_mp_la_norminf(t + 2, a, bc, bc, t);
    mpfr_div(t, t + 1, t + 2, MPFR_RNDU);
    return (double)(d + c + 4) * mpfr_get_d(t, MPFR_RNDU);
}
