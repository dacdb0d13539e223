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

/* one evaluation: the network, the mode and its vectors (a, act'(a), h incl. inputs, delta
 * per unit at wp; the error envelopes Ea, Eh, Ed at 64 bits in bound mode) */
typedef struct {
    const gn_mlp *m;
    int mode;
    mpfr_prec_t wp;
    mpfr_ptr a, da, h, dl, Ea, Eh, Ed;
    mpfr_t t, s, sa, e1, e2;
} mlprun;

static const double U = 0x1p-53;

/* one term of a dot product: s += W v (|W v| in abs mode); in bound mode also
 * sa += |W v| and e1 += |W| Ev */
static void acc_term(mlprun *c, mpfr_srcptr W, mpfr_srcptr v, mpfr_srcptr Ev)
{
    mpfr_ptr t = c->t;
    mpfr_mul(t, W, v, MPFR_RNDN);
    if (c->mode == MODE_ABS)
        mpfr_abs(t, t, MPFR_RNDN);
    mpfr_add(c->s, c->s, t, MPFR_RNDN);
    if (c->mode == MODE_BOUND) {
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(c->sa, c->sa, t, MPFR_RNDU);
        mpfr_mul(c->e2, W, Ev, MPFR_RNDU);
        mpfr_abs(c->e2, c->e2, MPFR_RNDU);
        mpfr_add(c->e1, c->e1, c->e2, MPFR_RNDU);
    }
}

/* Eh of one activation: Eh = Lloc Ea + c u |h|: Lloc <= min(Lmax, |act'| + Lip2 Ea); relu
 * is exact away from the kink (h = 0 on both sides when a < -Ea); c = 4 for tanh (glibc:
 * <= 2 ulp = 4u) and SiLU (exp 1 ulp, +1, /: 2u + u + u). */
static void act_bound(mlprun *c, mpfr_ptr E, mpfr_srcptr Ean, mpfr_srcptr ao, mpfr_srcptr dao,
                      mpfr_srcptr ho)
{
    const gn_mlp *m = c->m;
    mpfr_ptr e1 = c->e1, e2 = c->e2;
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
        mpfr_abs(e2, dao, MPFR_RNDU);
        mpfr_add(e1, e1, e2, MPFR_RNDU);
        if (mpfr_cmp_d(e1, act_lip(m->act)) > 0)
            mpfr_set_d(e1, act_lip(m->act), MPFR_RNDU);
        mpfr_mul(E, e1, Ean, MPFR_RNDU);
        mpfr_abs(e2, ho, MPFR_RNDU);
        mpfr_mul_d(e2, e2, 4 * U, MPFR_RNDU);
        mpfr_add(E, E, e2, MPFR_RNDU);
    }
}

/* unit o of layer l: a = W h + b, h = act(a), and their envelopes */
static void fwd_unit(mlprun *c, mpfr_srcptr w, size_t l, size_t o, size_t hoff, size_t aoff)
{
    const gn_mlp *m = c->m;
    int mode = c->mode;
    mpfr_ptr t = c->t, s = c->s, sa = c->sa, e1 = c->e1, e2 = c->e2;
    mpfr_ptr a = c->a, da = c->da, h = c->h, Ea = c->Ea, Eh = c->Eh;
    size_t L = m->nlayers, in = m->widths[l - 1], out = m->widths[l];
    mpfr_srcptr W = w + m->offset[l - 1], b = W + in * out;
    int kdot = gn_sum_bound_k(in);
    mpfr_ptr ao = a + aoff + o;
    mpfr_set_zero(s, 1);  /* sum W h */
    mpfr_set_zero(sa, 1); /* sum |W h| (bound mode) */
    if (mode == MODE_BOUND)
        mpfr_set_zero(e1, 1); /* sum |W| Eh */
    for (size_t i = 0; i < in; i++)
        acc_term(c, W + o * in + i, h + hoff + i, Eh ? Eh + hoff + i : NULL);
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
        mpfr_mul_d(e2, t, (kdot + 1) * U * (1 + 256 * U), MPFR_RNDU);
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
        if (mode == MODE_BOUND)
            act_bound(c, Eh + hoff + in + o, Ea + aoff + o, ao, da + aoff + o, ho);
    }
}

/* the error of act'(a^) in double: ed = Lip2 Ea + its rounding:
 *   relu: 0, or 1 when |a| <= Ea (the kink may flip);
 *   tanh: 1 - t^2 with t 4u-accurate: 9u t^2 + u |act'|;
 *   silu: s (1 + a (1 - s)), s 4u-accurate:
 *         u (s |a| (4 s + 2 |1 - s|) + 6 s |1 + a (1 - s)|). */
static void dact_err(mlprun *c, mpfr_ptr ed, mpfr_srcptr ap, mpfr_srcptr dap, mpfr_srcptr Eap)
{
    const gn_mlp *m = c->m;
    mpfr_ptr e2 = c->e2;
    if (m->act == GN_ACT_RELU) {
        if (mpfr_cmpabs(ap, Eap) <= 0)
            mpfr_set_ui(ed, 1, MPFR_RNDU);
        else
            mpfr_set_zero(ed, 1);
    } else if (m->act == GN_ACT_IDENTITY) {
        mpfr_set_zero(ed, 1);
    } else if (m->act == GN_ACT_TANH) {
        mpfr_ui_sub(e2, 1, dap, MPFR_RNDU); /* t^2 */
        mpfr_mul_d(ed, e2, 9 * U, MPFR_RNDU);
        mpfr_abs(e2, dap, MPFR_RNDU);
        mpfr_mul_d(e2, e2, U, MPFR_RNDU);
        mpfr_add(ed, ed, e2, MPFR_RNDU);
    } else {
        mpfr_t sg, q;
        mpfr_inits2(c->wp, sg, q, (mpfr_ptr)0);
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
        mpfr_mul_d(ed, ed, U, MPFR_RNDU);
        mpfr_clears(sg, q, (mpfr_ptr)0);
    }
    mpfr_mul_d(e2, Eap, act_lip2(m->act), MPFR_RNDU);
    mpfr_add(ed, ed, e2, MPFR_RNDU);
}

/* Ed of delta_(l-1),i = s act'(a): s a sequential sum of `out` products, gamma_out sum
 * |W delta| (in c->sa), plus the propagated sum |W| Ed (in c->e1); the product:
 * Es |act'| + |s| E' + u |s act'|. */
static void delta_bound(mlprun *c, size_t out, size_t pi)
{
    mpfr_ptr s = c->s, sa = c->sa, e1 = c->e1, e2 = c->e2;
    mpfr_srcptr dap = c->da + pi;
    mpfr_t es, ed;
    mpfr_inits2(64, es, ed, (mpfr_ptr)0);
    mpfr_mul_d(es, sa, out * U * (1 + 256 * U), MPFR_RNDU);
    mpfr_add(es, es, e1, MPFR_RNDU);
    dact_err(c, ed, c->a + pi, dap, c->Ea + pi);
    mpfr_ptr E = c->Ed + pi;
    mpfr_abs(e2, dap, MPFR_RNDU);
    mpfr_mul(E, es, e2, MPFR_RNDU);
    mpfr_abs(e2, s, MPFR_RNDU);
    mpfr_mul(e2, e2, ed, MPFR_RNDU);
    mpfr_add(E, E, e2, MPFR_RNDU);
    mpfr_mul(e2, s, dap, MPFR_RNDU);
    mpfr_abs(e2, e2, MPFR_RNDU);
    mpfr_mul_d(e2, e2, U, MPFR_RNDU);
    mpfr_add(E, E, e2, MPFR_RNDU);
    mpfr_clears(es, ed, (mpfr_ptr)0);
}

/* layer l's block of j: dW_l = delta_l h_(l-1)^T, db_l = delta_l, and its envelope: one
 * rounding in the product: Ed |h| + |delta| Eh + u |delta h| */
static void bwd_jac(mlprun *c, mpfr_ptr j, mpfr_ptr je, size_t l, size_t dl_off,
                    size_t h_in_off, mpfr_rnd_t rnd)
{
    const gn_mlp *m = c->m;
    mpfr_ptr e1 = c->e1, e2 = c->e2, h = c->h, dl = c->dl, Eh = c->Eh, Ed = c->Ed;
    size_t in = m->widths[l - 1], out = m->widths[l];
    mpfr_ptr jW = j + m->offset[l - 1], jb = jW + in * out;
    for (size_t o = 0; o < out; o++) {
        mpfr_srcptr d = dl + dl_off + o;
        for (size_t i = 0; i < in; i++) {
            mpfr_srcptr hi = h + h_in_off + i;
            mpfr_mul(jW + o * in + i, d, hi, rnd);
            if (c->mode == MODE_BOUND) {
                mpfr_ptr E = je + m->offset[l - 1] + o * in + i;
                mpfr_mul(e1, Ed + dl_off + o, hi, MPFR_RNDU);
                mpfr_abs(e1, e1, MPFR_RNDU);
                mpfr_mul(e2, d, Eh + h_in_off + i, MPFR_RNDU);
                mpfr_abs(e2, e2, MPFR_RNDU);
                mpfr_add(E, e1, e2, MPFR_RNDU);
                mpfr_mul(e1, d, hi, MPFR_RNDU);
                mpfr_abs(e1, e1, MPFR_RNDU);
                mpfr_mul_d(e1, e1, U, MPFR_RNDU);
                mpfr_add(E, E, e1, MPFR_RNDU);
            }
        }
        mpfr_set(jb + o, d, rnd);
        if (c->mode == MODE_BOUND)
            mpfr_set(je + m->offset[l - 1] + in * out + o, Ed + dl_off + o, MPFR_RNDU);
    }
}

/* delta_(l-1) = (W_l^T delta_l) .* act'(a_(l-1)), at dl + prev */
static void bwd_delta(mlprun *c, mpfr_srcptr w, size_t l, size_t dl_off, size_t prev)
{
    const gn_mlp *m = c->m;
    int mode = c->mode;
    mpfr_ptr s = c->s, sa = c->sa, e1 = c->e1, dl = c->dl, Ed = c->Ed;
    size_t in = m->widths[l - 1], out = m->widths[l];
    mpfr_srcptr W = w + m->offset[l - 1];
    for (size_t i = 0; i < in; i++) {
        mpfr_set_zero(s, 1);
        mpfr_set_zero(sa, 1);
        if (mode == MODE_BOUND)
            mpfr_set_zero(e1, 1);
        for (size_t o = 0; o < out; o++)
            acc_term(c, W + o * in + i, dl + dl_off + o, Ed ? Ed + dl_off + o : NULL);
        mpfr_mul(dl + prev + i, s, c->da + prev + i, MPFR_RNDN);
        if (mode == MODE_BOUND)
            delta_bound(c, out, prev + i);
    }
}

/* forward over every layer; f (and fe) from the output unit; returns the output's offset
 * in h through *hoff and the units' count through *aoff */
static void forward(mlprun *c, mpfr_ptr f, mpfr_ptr fe, mpfr_srcptr w, mpfr_srcptr x,
                    size_t *hoff, size_t *aoff, mpfr_rnd_t rnd)
{
    const gn_mlp *m = c->m;
    for (size_t i = 0; i < m->widths[0]; i++) {
        if (c->mode == MODE_ABS)
            mpfr_abs(c->h + i, x + i, MPFR_RNDN);
        else
            mpfr_set(c->h + i, x + i, MPFR_RNDN);
    }
    *hoff = *aoff = 0;
    for (size_t l = 1; l <= m->nlayers; l++) {
        for (size_t o = 0; o < m->widths[l]; o++)
            fwd_unit(c, w, l, o, *hoff, *aoff);
        *hoff += m->widths[l - 1];
        *aoff += m->widths[l];
    }
    mpfr_set(f, c->h + *hoff, rnd);
    if (c->mode == MODE_BOUND)
        mpfr_set(fe, c->Eh + *hoff, MPFR_RNDU);
}

/* backward: delta_L = 1; then each layer's block of j and the deltas below it */
static void backward(mlprun *c, mpfr_ptr j, mpfr_ptr je, mpfr_srcptr w, size_t hoff,
                     size_t aoff, mpfr_rnd_t rnd)
{
    const gn_mlp *m = c->m;
    size_t L = m->nlayers, dl_off = aoff - 1;
    mpfr_set_ui(c->dl + dl_off, 1, MPFR_RNDN);
    if (c->mode == MODE_BOUND)
        mpfr_set_zero(c->Ed + dl_off, 1);
    size_t h_in_off = hoff - m->widths[L - 1];
    for (size_t l = L; l >= 1; l--) {
        bwd_jac(c, j, je, l, dl_off, h_in_off, rnd);
        if (l == 1)
            break;
        size_t prev = dl_off - m->widths[l - 1];
        bwd_delta(c, w, l, dl_off, prev);
        dl_off = prev;
        h_in_off -= m->widths[l - 2];
    }
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
    mlprun c = {.m = m, .mode = mode, .wp = mpfr_get_prec(f) + GN_MP_GUARD};
    c.a = gn_mp_vec_alloc(units, c.wp);
    c.da = gn_mp_vec_alloc(units, c.wp);
    c.h = gn_mp_vec_alloc(all, c.wp);
    c.dl = gn_mp_vec_alloc(units, c.wp);
    if (mode == MODE_BOUND) {
        c.Ea = gn_mp_vec_alloc(units, 64);
        c.Eh = gn_mp_vec_alloc(all, 64);
        c.Ed = gn_mp_vec_alloc(units, 64);
    }
    gn_status st = GN_OK;
    if (!c.a || !c.da || !c.h || !c.dl || (mode == MODE_BOUND && (!c.Ea || !c.Eh || !c.Ed))) {
        st = GN_ENOMEM;
    } else {
        mpfr_inits2(c.wp, c.t, c.s, c.sa, (mpfr_ptr)0);
        mpfr_inits2(64, c.e1, c.e2, (mpfr_ptr)0);
        size_t hoff, aoff;
        forward(&c, f, fe, w, x, &hoff, &aoff, rnd);
        if (j)
            backward(&c, j, je, w, hoff, aoff, rnd);
        mpfr_clears(c.t, c.s, c.sa, c.e1, c.e2, (mpfr_ptr)0);
    }
    gn_mp_vec_free(c.a, units);
    gn_mp_vec_free(c.da, units);
    gn_mp_vec_free(c.h, all);
    gn_mp_vec_free(c.dl, units);
    gn_mp_vec_free(c.Ea, units);
    gn_mp_vec_free(c.Eh, all);
    gn_mp_vec_free(c.Ed, units);
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
