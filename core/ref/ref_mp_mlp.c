/* ref_mp_mlp.c: the MLP of gn.h in MPFR: forward pass and back-propagation of j = grad_w f
 * (gn_mp_mlp_eval), the magnitude network (gn_mp_mlp_eval_abs) and a first-order running
 * error bound for the double evaluation (gn_mp_mlp_errbound). Same parameter layout as the
 * core: layer l's W_l (widths[l] x widths[l-1], row-major) then b_l, at m->offset[l-1]. */
#include "gn_mp.h"

#include <stdlib.h>

enum { MODE_EXACT, MODE_ABS, MODE_BOUND };

void gn_mp_act_eval(mpfr_ptr h, gn_act k, mpfr_srcptr a, mpfr_ptr dh, mpfr_ptr s)
{
    switch (k) {
    case GN_ACT_RELU:
        if (mpfr_sgn(a) > 0) {
            mpfr_set(h, a, MPFR_RNDN);
            mpfr_set_ui(dh, 1, MPFR_RNDN);
        } else {
            mpfr_set_zero(h, 1);
            mpfr_set_zero(dh, 1);
        }
        break;
    case GN_ACT_TANH:
        mpfr_tanh(h, a, MPFR_RNDN);
        mpfr_sqr(dh, h, MPFR_RNDN);
        mpfr_ui_sub(dh, 1, dh, MPFR_RNDN);
        break;
    case GN_ACT_SILU:
        /* s = 1/(1 + exp(-a)); silu = a s; silu' = s (1 + a (1 - s)) */
        mpfr_neg(s, a, MPFR_RNDN);
        mpfr_exp(s, s, MPFR_RNDN);
        mpfr_add_ui(s, s, 1, MPFR_RNDN);
        mpfr_ui_div(s, 1, s, MPFR_RNDN);
        mpfr_mul(h, a, s, MPFR_RNDN);
        mpfr_ui_sub(dh, 1, s, MPFR_RNDN);
        mpfr_mul(dh, dh, a, MPFR_RNDN);
        mpfr_add_ui(dh, dh, 1, MPFR_RNDN);
        mpfr_mul(dh, dh, s, MPFR_RNDN);
        break;
    default:
        mpfr_set(h, a, MPFR_RNDN);
        mpfr_set_ui(dh, 1, MPFR_RNDN);
        break;
    }
}

static double act_lip(gn_act k)
{
    double l1, l2;
    gn_act_bounds(k, &l1, &l2);
    return l1;
}

static double act_lip2(gn_act k)
{
    double l1, l2;
    gn_act_bounds(k, &l1, &l2);
    return l2;
}

static gn_status run(const gn_mlp *m, int mode, mpfr_ptr f, mpfr_ptr j, mpfr_ptr fe, mpfr_ptr je,
                     mpfr_srcptr w, mpfr_srcptr x, mpfr_rnd_t rnd)
{
    if (!m || m->nlayers == 0)
        return GN_ESIZE;
    size_t L = m->nlayers, units = 0, all = m->widths[0], np = m->nparams;
    for (size_t l = 1; l <= L; l++)
        units += m->widths[l];
    all += units;
    for (size_t i = 0; i < np; i++)
        if (!mpfr_number_p(w + i))
            return GN_ENONFINITE;
    for (size_t i = 0; i < m->widths[0]; i++)
        if (!mpfr_number_p(x + i))
            return GN_ENONFINITE;
    mpfr_prec_t wp = mpfr_get_prec(f) + GN_MP_GUARD;
    const double u = 0x1p-53;
    /* a, dact per unit; h per unit incl. inputs; dl per unit; errors Ea, Eh, Ed */
    mpfr_ptr a = gn_mp_vec_alloc(units, wp), da = gn_mp_vec_alloc(units, wp);
    mpfr_ptr h = gn_mp_vec_alloc(all, wp), dl = gn_mp_vec_alloc(units, wp);
    mpfr_ptr Ea = NULL, Eh = NULL, Ed = NULL;
    if (mode == MODE_BOUND) {
        Ea = gn_mp_vec_alloc(units, 64);
        Eh = gn_mp_vec_alloc(all, 64);
        Ed = gn_mp_vec_alloc(units, 64);
    }
    gn_status st = GN_OK;
    if (!a || !da || !h || !dl || (mode == MODE_BOUND && (!Ea || !Eh || !Ed))) {
        st = GN_ENOMEM;
        goto out;
    }
    mpfr_t t, s, sa, e1, e2;
    mpfr_inits2(wp, t, s, sa, (mpfr_ptr)0);
    mpfr_inits2(64, e1, e2, (mpfr_ptr)0);
    for (size_t i = 0; i < m->widths[0]; i++) {
        if (mode == MODE_ABS)
            mpfr_abs(h + i, x + i, MPFR_RNDN);
        else
            mpfr_set(h + i, x + i, MPFR_RNDN);
    }
    /* forward */
    size_t hoff = 0, aoff = 0;
    for (size_t l = 1; l <= L; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        mpfr_srcptr W = w + m->offset[l - 1], b = W + in * out;
        int kdot = gn_sum_bound_k(in);
        for (size_t o = 0; o < out; o++) {
            mpfr_ptr ao = a + aoff + o;
            mpfr_set_zero(s, 1);  /* sum W h */
            mpfr_set_zero(sa, 1); /* sum |W h| (bound mode) */
            if (mode == MODE_BOUND)
                mpfr_set_zero(e1, 1); /* sum |W| Eh */
            for (size_t i = 0; i < in; i++) {
                mpfr_srcptr Wi = W + o * in + i;
                mpfr_mul(t, Wi, h + hoff + i, MPFR_RNDN);
                if (mode == MODE_ABS)
                    mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(s, s, t, MPFR_RNDN);
                if (mode == MODE_BOUND) {
                    mpfr_abs(t, t, MPFR_RNDN);
                    mpfr_add(sa, sa, t, MPFR_RNDU);
                    mpfr_mul(e2, Wi, Eh + hoff + i, MPFR_RNDU);
                    mpfr_abs(e2, e2, MPFR_RNDU);
                    mpfr_add(e1, e1, e2, MPFR_RNDU);
                }
            }
            if (mode == MODE_ABS) {
                mpfr_abs(t, b + o, MPFR_RNDN);
                mpfr_add(ao, s, t, MPFR_RNDN);
            } else {
                mpfr_add(ao, s, b + o, MPFR_RNDN);
            }
            if (mode == MODE_BOUND) {
                /* gn_dot: gamma_k sum |W h|; + b: u (sum |W h| + |b|) (Higham §3.1) */
                mpfr_abs(t, b + o, MPFR_RNDN);
                mpfr_add(t, t, sa, MPFR_RNDU);
                mpfr_mul_d(e2, t, (kdot + 1) * u * (1 + 256 * u), MPFR_RNDU);
                mpfr_add(Ea + aoff + o, e1, e2, MPFR_RNDU);
            }
            mpfr_ptr ho = h + hoff + in + o;
            if (l == L) {
                mpfr_set(ho, ao, MPFR_RNDN);
                mpfr_set_ui(da + aoff + o, 1, MPFR_RNDN);
                if (mode == MODE_BOUND)
                    mpfr_set(Eh + hoff + in + o, Ea + aoff + o, MPFR_RNDU);
            } else if (mode == MODE_ABS) {
                mpfr_mul_d(ho, ao, act_lip(m->act), MPFR_RNDU);
                mpfr_set_d(da + aoff + o, act_lip(m->act), MPFR_RNDU);
            } else {
                gn_mp_act_eval(ho, m->act, ao, da + aoff + o, t);
                if (mode == MODE_BOUND) {
                    /* Eh = Lloc Ea + c u |h|: Lloc <= min(Lmax, |act'| + Lip2 Ea); relu is
                     * exact away from the kink (h = 0 on both sides when a < -Ea);
                     * c = 4 for tanh (glibc: <= 2 ulp = 4u) and SiLU (exp 1 ulp, +1, /:
                     * 2u + u + u). */
                    mpfr_ptr E = Eh + hoff + in + o;
                    mpfr_srcptr Ean = Ea + aoff + o;
                    if (m->act == GN_ACT_RELU) {
                        mpfr_neg(e1, Ean, MPFR_RNDN);
                        if (mpfr_cmp(ao, e1) < 0)
                            mpfr_set_zero(E, 1);
                        else
                            mpfr_set(E, Ean, MPFR_RNDU);
                    } else if (m->act == GN_ACT_IDENTITY) {
                        mpfr_set(E, Ean, MPFR_RNDU);
                    } else {
                        mpfr_mul_d(e1, Ean, act_lip2(m->act), MPFR_RNDU);
                        mpfr_abs(e2, da + aoff + o, MPFR_RNDU);
                        mpfr_add(e1, e1, e2, MPFR_RNDU);
                        if (mpfr_cmp_d(e1, act_lip(m->act)) > 0)
                            mpfr_set_d(e1, act_lip(m->act), MPFR_RNDU);
                        mpfr_mul(E, e1, Ean, MPFR_RNDU);
                        mpfr_abs(e2, ho, MPFR_RNDU);
                        mpfr_mul_d(e2, e2, 4 * u, MPFR_RNDU);
                        mpfr_add(E, E, e2, MPFR_RNDU);
                    }
                }
            }
        }
        hoff += in;
        aoff += out;
    }
    mpfr_set(f, h + hoff, rnd);
    if (mode == MODE_BOUND)
        mpfr_set(fe, Eh + hoff, MPFR_RNDU);
    if (!j)
        goto done;
    /* backward: delta_L = 1; dW_l = delta_l h_{l-1}^T; db_l = delta_l;
     * delta_{l-1} = (W_l^T delta_l) .* act'(a_{l-1}) */
    size_t dl_off = aoff - 1;
    mpfr_set_ui(dl + dl_off, 1, MPFR_RNDN);
    if (mode == MODE_BOUND)
        mpfr_set_zero(Ed + dl_off, 1);
    size_t h_in_off = hoff - m->widths[L - 1];
    for (size_t l = L; l >= 1; l--) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        mpfr_srcptr W = w + m->offset[l - 1];
        mpfr_ptr jW = j + m->offset[l - 1], jb = jW + in * out;
        for (size_t o = 0; o < out; o++) {
            mpfr_srcptr d = dl + dl_off + o;
            for (size_t i = 0; i < in; i++) {
                mpfr_srcptr hi = h + h_in_off + i;
                mpfr_mul(jW + o * in + i, d, hi, rnd);
                if (mode == MODE_BOUND) {
                    /* one rounding in the product: Ed |h| + |delta| Eh + u |delta h| */
                    mpfr_ptr E = je + m->offset[l - 1] + o * in + i;
                    mpfr_mul(e1, Ed + dl_off + o, hi, MPFR_RNDU);
                    mpfr_abs(e1, e1, MPFR_RNDU);
                    mpfr_mul(e2, d, Eh + h_in_off + i, MPFR_RNDU);
                    mpfr_abs(e2, e2, MPFR_RNDU);
                    mpfr_add(E, e1, e2, MPFR_RNDU);
                    mpfr_mul(e1, d, hi, MPFR_RNDU);
                    mpfr_abs(e1, e1, MPFR_RNDU);
                    mpfr_mul_d(e1, e1, u, MPFR_RNDU);
                    mpfr_add(E, E, e1, MPFR_RNDU);
                }
            }
            mpfr_set(jb + o, d, rnd);
            if (mode == MODE_BOUND)
                mpfr_set(je + m->offset[l - 1] + in * out + o, Ed + dl_off + o, MPFR_RNDU);
        }
        if (l == 1)
            break;
        size_t prev = dl_off - in;
        for (size_t i = 0; i < in; i++) {
            mpfr_set_zero(s, 1);
            mpfr_set_zero(sa, 1);
            if (mode == MODE_BOUND)
                mpfr_set_zero(e1, 1);
            for (size_t o = 0; o < out; o++) {
                mpfr_mul(t, W + o * in + i, dl + dl_off + o, MPFR_RNDN);
                if (mode == MODE_ABS)
                    mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(s, s, t, MPFR_RNDN);
                if (mode == MODE_BOUND) {
                    mpfr_abs(t, t, MPFR_RNDN);
                    mpfr_add(sa, sa, t, MPFR_RNDU);
                    mpfr_mul(e2, W + o * in + i, Ed + dl_off + o, MPFR_RNDU);
                    mpfr_abs(e2, e2, MPFR_RNDU);
                    mpfr_add(e1, e1, e2, MPFR_RNDU);
                }
            }
            mpfr_mul(dl + prev + i, s, da + prev + i, MPFR_RNDN);
            if (mode == MODE_BOUND) {
                /* s: sequential sum of `out` products, gamma_out sum |W delta|, plus the
                 * propagated sum |W| Ed. act'(a^): E' = Lip2 Ea + rounding of act':
                 *   relu: 0, or 1 when |a| <= Ea (the kink may flip);
                 *   tanh: 1 - t^2 with t 4u-accurate: 9u t^2 + u |act'|;
                 *   silu: s (1 + a (1 - s)), s 4u-accurate:
                 *         u (s |a| (4 s + 2 |1 - s|) + 6 s |1 + a (1 - s)|).
                 * product: Es |act'| + |s| E' + u |s act'|. */
                mpfr_srcptr ap = a + prev + i, dap = da + prev + i;
                mpfr_t es, ed;
                mpfr_inits2(64, es, ed, (mpfr_ptr)0);
                mpfr_mul_d(es, sa, out * u * (1 + 256 * u), MPFR_RNDU);
                mpfr_add(es, es, e1, MPFR_RNDU);
                mpfr_srcptr Eap = Ea + prev + i;
                if (m->act == GN_ACT_RELU) {
                    if (mpfr_cmpabs(ap, Eap) <= 0)
                        mpfr_set_ui(ed, 1, MPFR_RNDU);
                    else
                        mpfr_set_zero(ed, 1);
                } else if (m->act == GN_ACT_IDENTITY) {
                    mpfr_set_zero(ed, 1);
                } else if (m->act == GN_ACT_TANH) {
                    mpfr_ui_sub(e2, 1, dap, MPFR_RNDU); /* t^2 */
                    mpfr_mul_d(ed, e2, 9 * u, MPFR_RNDU);
                    mpfr_abs(e2, dap, MPFR_RNDU);
                    mpfr_mul_d(e2, e2, u, MPFR_RNDU);
                    mpfr_add(ed, ed, e2, MPFR_RNDU);
                } else {
                    mpfr_t sg, q;
                    mpfr_inits2(wp, sg, q, (mpfr_ptr)0);
                    mpfr_neg(sg, ap, MPFR_RNDN);
                    mpfr_exp(sg, sg, MPFR_RNDN);
                    mpfr_add_ui(sg, sg, 1, MPFR_RNDN);
                    mpfr_ui_div(sg, 1, sg, MPFR_RNDN);   /* s */
                    mpfr_ui_sub(q, 1, sg, MPFR_RNDN);    /* 1 - s */
                    mpfr_mul_ui(ed, sg, 4, MPFR_RNDU);
                    mpfr_abs(e2, q, MPFR_RNDU);
                    mpfr_mul_ui(e2, e2, 2, MPFR_RNDU);
                    mpfr_add(ed, ed, e2, MPFR_RNDU);     /* 4 s + 2 |1 - s| */
                    mpfr_mul(ed, ed, sg, MPFR_RNDU);
                    mpfr_abs(e2, ap, MPFR_RNDU);
                    mpfr_mul(ed, ed, e2, MPFR_RNDU);
                    mpfr_abs(e2, dap, MPFR_RNDU);        /* s |1 + a (1 - s)| */
                    mpfr_mul_ui(e2, e2, 6, MPFR_RNDU);
                    mpfr_add(ed, ed, e2, MPFR_RNDU);
                    mpfr_mul_d(ed, ed, u, MPFR_RNDU);
                    mpfr_clears(sg, q, (mpfr_ptr)0);
                }
                mpfr_mul_d(e2, Eap, act_lip2(m->act), MPFR_RNDU);
                mpfr_add(ed, ed, e2, MPFR_RNDU);
                /* assemble */
                mpfr_ptr E = Ed + prev + i;
                mpfr_abs(e2, dap, MPFR_RNDU);
                mpfr_mul(E, es, e2, MPFR_RNDU);
                mpfr_abs(e2, s, MPFR_RNDU);
                mpfr_mul(e2, e2, ed, MPFR_RNDU);
                mpfr_add(E, E, e2, MPFR_RNDU);
                mpfr_mul(e2, s, dap, MPFR_RNDU);
                mpfr_abs(e2, e2, MPFR_RNDU);
                mpfr_mul_d(e2, e2, u, MPFR_RNDU);
                mpfr_add(E, E, e2, MPFR_RNDU);
                mpfr_clears(es, ed, (mpfr_ptr)0);
            }
        }
        dl_off = prev;
        h_in_off -= m->widths[l - 2];
    }
done:
    mpfr_clears(t, s, sa, e1, e2, (mpfr_ptr)0);
out:
    gn_mp_vec_free(a, units);
    gn_mp_vec_free(da, units);
    gn_mp_vec_free(h, all);
    gn_mp_vec_free(dl, units);
    gn_mp_vec_free(Ea, units);
    gn_mp_vec_free(Eh, all);
    gn_mp_vec_free(Ed, units);
    return st;
}

gn_status gn_mp_mlp_eval(const gn_mlp *m, mpfr_ptr f, mpfr_ptr j, mpfr_srcptr w,
                         mpfr_srcptr x, mpfr_rnd_t rnd)
{
    return run(m, MODE_EXACT, f, j, NULL, NULL, w, x, rnd);
}

gn_status gn_mp_mlp_eval_abs(const gn_mlp *m, mpfr_ptr fa, mpfr_ptr ja, mpfr_srcptr w,
                             mpfr_srcptr x, mpfr_rnd_t rnd)
{
    return run(m, MODE_ABS, fa, ja, NULL, NULL, w, x, rnd);
}

gn_status gn_mp_mlp_errbound(const gn_mlp *m, mpfr_ptr f, mpfr_ptr j, mpfr_ptr fe, mpfr_ptr je,
                             mpfr_srcptr w, mpfr_srcptr x, mpfr_rnd_t rnd)
{
    if (!fe || (j && !je))
        return GN_ESIZE;
    return run(m, MODE_BOUND, f, j, fe, je, w, x, rnd);
}
