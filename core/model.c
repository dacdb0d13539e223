/* model.c: scalar-output models and their sensitivity j = grad_w f (MATH.md (3.3), §5, §11). */
#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int finite1(double x) { return x - x == 0.0; }

/* ---------------------------------------------------------------- linear */

gn_status gn_linear_eval(double *f, double *j, const double *w, const double *x, size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    double v = gn_dot(w, x, n);
    if (!finite1(v))
        return GN_ENONFINITE;
    *f = v;
    if (j)
        memcpy(j, x, n * sizeof(double));
    return GN_OK;
}

/* f = w.x and |x|^2 in one pass. *xx gets the pass's |x|^2 when it is trustworthy
 * (gn_internal_norm2sq_sd's fast case, the scaled S is then gn_sd_from(*xx)); otherwise
 * *xx = -1 and *S the slow route's value. */
static gn_status linear_forward(double *f, double *xx, gn_sd *S, const double *w,
                                const double *x, size_t n)
{
    double wx;
    gn_internal_dot2(&wx, xx, w, x, n);
    if (!finite1(wx)) {
        if (!gn_allfinite(w, n) || !gn_allfinite(x, n))
            return GN_ENONFINITE;
        return GN_ERANGE; /* the model's output itself overflows */
    }
    if (!(*xx >= 0x1p-960 && *xx <= DBL_MAX)) {
        *xx = -1.0;
        gn_status st = gn_internal_norm2sq_sd(S, x, n);
        if (st != GN_OK)
            return st;
    }
    *f = wx;
    return GN_OK;
}

gn_status gn_linear_step_ignd(double *w, gn_lossval *out, const double *x, size_t n, double y,
                              gn_loss_kind loss, double alpha, gn_damping dmp)
{
    if (n == 0)
        return GN_ESIZE;
    double f, xx, cd;
    gn_sd S, c;
    gn_lossval lv;
    gn_status st = linear_forward(&f, &xx, &S, w, x, n);
    if (st != GN_OK)
        return st;
    if ((st = gn_loss_eval(&lv, loss, f, y)) != GN_OK)
        return st;
    if (xx > 0.0) { /* the coefficient in doubles where that is bitwise the scaled one */
        if ((st = gn_damping_check(lv.lpp, dmp)) != GN_OK ||
            (st = gn_internal_check_rate(lv.lp, alpha)) != GN_OK)
            return st;
        if (gn_internal_ignd_coef_fast(&cd, xx, lv.lp, lv.lpp, alpha, dmp)) {
            if (out)
                *out = lv;
            return gn_internal_apply_d(w, x, n, cd);
        }
        S = gn_sd_from(xx);
    }
    if ((st = gn_internal_ignd_coef(&c, S, lv.lp, lv.lpp, alpha, dmp)) != GN_OK)
        return st;
    if (out)
        *out = lv;
    return gn_internal_apply(w, x, n, c);
}

gn_status gn_linear_step_sgd(double *w, gn_lossval *out, const double *x, size_t n, double y,
                             gn_loss_kind loss, double alpha)
{
    if (n == 0)
        return GN_ESIZE;
    if (!finite1(alpha))
        return GN_ENONFINITE;
    if (!(alpha > 0.0))
        return GN_EDOM;
    double f = gn_dot(w, x, n);
    if (!finite1(f)) {
        if (!gn_allfinite(w, n) || !gn_allfinite(x, n))
            return GN_ENONFINITE;
        return GN_ERANGE;
    }
    gn_lossval lv;
    gn_status st = gn_loss_eval(&lv, loss, f, y);
    if (st != GN_OK)
        return st;
    if (out)
        *out = lv;
    gn_sd c = gn_sd_mul(gn_sd_from(-lv.lp), gn_sd_from(alpha));
    return gn_internal_apply(w, x, n, c);
}

/* --------------------------------------------------------------- one-hot */

gn_status gn_onehot_eval(double *f, const double *w, size_t n, size_t k, double s)
{
    if (n == 0 || k >= n)
        return GN_ESIZE;
    if (!finite1(s) || !finite1(w[k]))
        return GN_ENONFINITE;
    double v = s * w[k];
    if (!finite1(v))
        return GN_ERANGE;
    *f = v;
    return GN_OK;
}

gn_status gn_onehot_step_ignd(double *w, size_t n, size_t k, double s, double lp, double lpp,
                              double alpha, gn_damping dmp)
{
    if (n == 0 || k >= n)
        return GN_ESIZE;
    if (!finite1(s) || !finite1(w[k]))
        return GN_ENONFINITE;
    /* j = s e_k: the rank-one step restricted to coordinate k */
    gn_sd S = gn_sd_mul(gn_sd_from(s), gn_sd_from(s)), c;
    gn_status st = gn_internal_ignd_coef(&c, S, lp, lpp, alpha, dmp);
    if (st != GN_OK)
        return st;
    return gn_internal_apply(w + k, &s, 1, c);
}

/* ------------------------------------------------------------- quadratic */

size_t gn_quad_nfeatures(size_t m, int bias) { return m * (m + 1) / 2 + (bias != 0); }

gn_status gn_quad_features(double *phi, const double *z, size_t m, int bias)
{
    if (m == 0)
        return GN_ESIZE;
    if (!gn_allfinite(z, m))
        return GN_ENONFINITE;
    size_t q = 0;
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++)
            phi[q++] = z[a] * z[b];
    if (bias)
        phi[q++] = 1.0;
    if (!gn_allfinite(phi, q))
        return GN_ERANGE;
    return GN_OK;
}

gn_status gn_quad_eval(double *f, double *j, const double *w, const double *z, size_t m,
                       int bias)
{
    if (m == 0)
        return GN_ESIZE;
    size_t p = gn_quad_nfeatures(m, bias);
    double stackbuf[256];
    double *phi = j ? j : (p <= 256 ? stackbuf : NULL);
    if (!phi)
        return GN_ESIZE; /* without j, m(m+1)/2 + 1 must fit 256 */
    gn_status st = gn_quad_features(phi, z, m, bias);
    if (st != GN_OK)
        return st;
    double v = gn_dot(w, phi, p);
    if (!finite1(v))
        return gn_allfinite(w, p) ? GN_ERANGE : GN_ENONFINITE;
    *f = v;
    return GN_OK;
}

/* ------------------------------------------------------------------- MLP */

const char *gn_act_name(gn_act a)
{
    switch (a) {
    case GN_ACT_RELU: return "relu";
    case GN_ACT_TANH: return "tanh";
    case GN_ACT_SILU: return "silu";
    case GN_ACT_IDENTITY: return "identity";
    default: return "unknown";
    }
}

gn_status gn_act_parse(gn_act *a, const char *name)
{
    for (int k = 0; k < GN_NACT; k++)
        if (name && !strcmp(name, gn_act_name((gn_act)k))) {
            *a = (gn_act)k;
            return GN_OK;
        }
    return GN_EINPUT;
}

void gn_mlp_free(gn_mlp *m)
{
    if (!m)
        return;
    GN_FREE_ALL(m->widths, m->offset, m->a, m->h, m->delta, m->jbuf, m);
}

/* n doubles starting on a 64-byte boundary (a cache line), freed by free(); NULL on no
 * memory or overflow. With malloc's 16-byte alignment every other 32-byte store of the
 * back-propagation's rows into jbuf, and every other load of |j|^2's pass, straddled two
 * cache lines. */
static double *mlp_vec_alloc(size_t n)
{
    if (n > (SIZE_MAX - 63) / sizeof(double))
        return NULL;
    size_t bytes = (n * sizeof(double) + 63) & ~(size_t)63; /* aligned_alloc: a multiple */
    return aligned_alloc(64, bytes);
}

gn_mlp *gn_mlp_alloc(const size_t *widths, size_t nwidths, gn_act act)
{
    if (!widths || nwidths < 2 || widths[nwidths - 1] != 1 || (int)act < 0 || act >= GN_NACT)
        return NULL;
    for (size_t l = 0; l < nwidths; l++)
        if (widths[l] == 0)
            return NULL;
    gn_mlp *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nlayers = nwidths - 1;
    m->act = act;
    m->widths = malloc(nwidths * sizeof(size_t));
    m->offset = malloc(nwidths * sizeof(size_t));
    size_t units = 0, all = 0, np = 0;
    if (m->widths && m->offset) {
        memcpy(m->widths, widths, nwidths * sizeof(size_t));
        for (size_t l = 1; l < nwidths; l++) {
            m->offset[l - 1] = np;
            np += widths[l] * widths[l - 1] + widths[l];
            units += widths[l];
        }
        m->offset[nwidths - 1] = np;
        all = units + widths[0];
        m->nparams = np;
        m->a = mlp_vec_alloc(units);
        m->h = mlp_vec_alloc(all);
        m->delta = mlp_vec_alloc(units);
        m->jbuf = mlp_vec_alloc(np);
    }
    if (!m->widths || !m->offset || !m->a || !m->h || !m->delta || !m->jbuf) {
        gn_mlp_free(m);
        return NULL;
    }
    return m;
}

gn_status gn_mlp_init(const gn_mlp *m, double *w, uint64_t seed)
{
    if (!m)
        return GN_ESIZE;
    gn_rng r;
    gn_rng_seed(&r, seed, 0);
    for (size_t l = 1; l <= m->nlayers; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        double *W = w + m->offset[l - 1];
        int he = m->act == GN_ACT_RELU || m->act == GN_ACT_SILU;
        double sd = he ? sqrt(2.0 / (double)in) : sqrt(2.0 / (double)(in + out));
        for (size_t q = 0; q < in * out; q++)
            W[q] = sd * gn_rng_normal(&r);
        memset(W + in * out, 0, out * sizeof(double));
    }
    return GN_OK;
}

void gn_act_bounds(gn_act a, double *lip1, double *lip2)
{
    /* tanh'' = -2 t (1 - t^2), max 4/(3 sqrt 3) = 0.7698; silu' <= 1.0998 and
     * silu'' = s (1 - s) (2 + x (1 - 2 s)), max 0.5 at x = 0 */
    *lip1 = a == GN_ACT_SILU ? 1.1 : 1.0;
    *lip2 = a == GN_ACT_TANH ? 0.77 : a == GN_ACT_SILU ? 0.5 : 0.0;
}

double gn_act_eval(gn_act a, double x, double *dx)
{
    switch (a) {
    case GN_ACT_RELU:
        if (dx)
            *dx = x > 0.0 ? 1.0 : 0.0; /* ReLU'(0) = 0 by convention */
        return x > 0.0 ? x : 0.0;
    case GN_ACT_TANH: {
        double t = tanh(x);
        if (dx)
            *dx = 1.0 - t * t;
        return t;
    }
    case GN_ACT_SILU: {
        double e = 1.0 + exp(-x);
        if (dx) {
            double s = 1.0 / e;
            *dx = s * (1.0 + x * (1.0 - s));
        }
        return x / e;
    }
    default:
        if (dx)
            *dx = 1.0;
        return x;
    }
}

/* gn_mlp_eval without its last check (that every entry of j is finite) */
static gn_status mlp_eval_core(gn_mlp *m, double *f, double *j, const double *w,
                               const double *x)
{
    if (!m)
        return GN_ESIZE;
    size_t L = m->nlayers;
    if (!gn_allfinite(x, m->widths[0]))
        return GN_ENONFINITE;
    /* forward: h_0 = x; a_l = W_l h_{l-1} + b_l; h_l = act(a_l) (affine at l = L) */
    memcpy(m->h, x, m->widths[0] * sizeof(double));
    size_t hoff = 0, aoff = 0;
    for (size_t l = 1; l <= L; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        const double *W = w + m->offset[l - 1], *b = W + in * out;
        const double *hin = m->h + hoff;
        double *a = m->a + aoff, *hout = m->h + hoff + in;
        /* a[o] = gn_dot(W row o, hin) + b[o], four rows at a time (kern.c, bitwise the same) */
        gn_internal_kern()->gemv(a, W, out, in, hin, b);
        if (l == L)
            memcpy(hout, a, out * sizeof(double));
        else if (m->act == GN_ACT_RELU)
            gn_internal_kern()->relu(hout, a, out); /* gn_act_eval's ReLU, branch-free */
        else
            for (size_t o = 0; o < out; o++)
                hout[o] = gn_act_eval(m->act, a[o], NULL);
        hoff += in;
        aoff += out;
    }
    double fv = m->h[hoff];
    if (!finite1(fv))
        return gn_allfinite(w, m->nparams) ? GN_ERANGE : GN_ENONFINITE;
    *f = fv;
    if (!j)
        return GN_OK;
    /* backward: delta_L = 1 (df/da_L); dW_l = delta_l h_{l-1}^T; db_l = delta_l;
     * delta_{l-1} = (W_l^T delta_l) .* act'(a_{l-1}) */
    size_t dl_off = aoff - 1; /* start of delta_L = a_L's offset */
    m->delta[dl_off] = 1.0;
    size_t h_in_off = hoff - m->widths[L - 1];
    for (size_t l = L; l >= 1; l--) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        const double *W = w + m->offset[l - 1];
        double *jW = j + m->offset[l - 1], *jb = jW + in * out;
        const double *hin = m->h + h_in_off;
        const double *dl = m->delta + dl_off;
        /* jW = dl hin^T, jb = dl; then delta_{l-1} = (W^T dl) .* act'(a_{l-1}), the sum
         * over o in increasing order for each i (gn_internal_gemtv: row by row, so it
         * vectorizes over i with the column loop's operations and order) */
        gn_internal_outer(jW, dl, out, hin, in);
        memcpy(jb, dl, out * sizeof(double));
        if (l > 1) {
            size_t prev_off = dl_off - in;
            double *dp = m->delta + prev_off;
            const double *ap = m->a + prev_off;
            gn_internal_gemtv(dp, W, out, in, dl);
            if (m->act == GN_ACT_RELU) {
                gn_internal_kern()->relu_bwd(dp, ap, in); /* times ReLU' as gn_act_eval */
            } else {
                for (size_t i = 0; i < in; i++) {
                    double da;
                    gn_act_eval(m->act, ap[i], &da);
                    dp[i] = dp[i] * da;
                }
            }
            dl_off = prev_off;
            h_in_off -= m->widths[l - 2];
        }
    }
    return GN_OK;
}

gn_status gn_mlp_eval(gn_mlp *m, double *f, double *j, const double *w, const double *x)
{
    gn_status st = mlp_eval_core(m, f, j, w, x);
    if (st == GN_OK && j && !gn_allfinite(j, m->nparams))
        return GN_ERANGE;
    return st;
}

static gn_status mlp_step(gn_mlp *m, double *w, gn_lossval *out, const double *x, double y,
                          gn_loss_kind loss, double alpha, const gn_damping *dmp)
{
    if (!m)
        return GN_ESIZE;
    double f, s = 0.0;
    gn_lossval lv;
    size_t n = m->nparams;
    const double *j = m->jbuf;
    gn_status st = mlp_eval_core(m, &f, m->jbuf, w, x);
    if (st != GN_OK)
        return st;
    /* gn_mlp_eval's GN_ERANGE for a non-finite j, from the pass the step needs anyway:
     * |j|^2 is finite only if every j_i is (IGND); SGD's own check is this one */
    if (dmp) {
        s = gn_dot(j, j, n);
        if (!(s <= DBL_MAX) && !gn_allfinite(j, n))
            return GN_ERANGE;
    } else if (!gn_allfinite(j, n)) {
        return GN_ERANGE;
    }
    if ((st = gn_loss_eval(&lv, loss, f, y)) != GN_OK)
        return st;
    if (out)
        *out = lv;
    if (dmp)
        return gn_internal_step_ignd_s(w, j, n, s, lv.lp, lv.lpp, alpha, *dmp);
    return gn_internal_step_sgd_finite(w, j, n, lv.lp, alpha);
}

gn_status gn_mlp_step_ignd(gn_mlp *m, double *w, gn_lossval *out, const double *x, double y,
                           gn_loss_kind loss, double alpha, gn_damping dmp)
{
    return mlp_step(m, w, out, x, y, loss, alpha, &dmp);
}

gn_status gn_mlp_step_sgd(gn_mlp *m, double *w, gn_lossval *out, const double *x, double y,
                          gn_loss_kind loss, double alpha)
{
    return mlp_step(m, w, out, x, y, loss, alpha, NULL);
}

/* ------------------------------------------------------ MLP, row blocks */

void gn_mlp_batch_free(gn_mlp_batch *bt)
{
    if (!bt)
        return;
    GN_FREE_ALL(bt->H, bt->P, bt->hoff, bt);
}

gn_mlp_batch *gn_mlp_batch_alloc(const gn_mlp *m, size_t cap)
{
    if (!m || cap == 0)
        return NULL;
    size_t L = m->nlayers, units = 0;
    for (size_t l = 1; l <= L; l++)
        units += m->widths[l];
    gn_mlp_batch *bt = calloc(1, sizeof *bt);
    if (!bt)
        return NULL;
    bt->cap = cap;
    bt->H = malloc(cap * (m->widths[0] + units) * sizeof(double));
    bt->P = malloc(2 * cap * units * sizeof(double));
    bt->D = bt->P ? bt->P + cap * units : NULL;
    bt->hoff = malloc(2 * (L + 1) * sizeof(size_t));
    bt->uoff = bt->hoff ? bt->hoff + L + 1 : NULL;
    if (!bt->H || !bt->P || !bt->hoff) {
        gn_mlp_batch_free(bt);
        return NULL;
    }
    bt->hoff[0] = bt->uoff[0] = 0;
    for (size_t l = 1; l <= L; l++) {
        bt->hoff[l] = bt->hoff[l - 1] + m->widths[l - 1];
        bt->uoff[l] = l == 1 ? 0 : bt->uoff[l - 1] + m->widths[l - 1];
    }
    return bt;
}

gn_status gn_mlp_batch_eval(gn_mlp_batch *bt, const gn_mlp *m, const double *w, const double *X,
                            size_t B)
{
    if (!bt || !m || B == 0 || B > bt->cap)
        return GN_ESIZE;
    size_t L = m->nlayers, cap = bt->cap;
    if (!gn_allfinite(X, B * m->widths[0]))
        return GN_ENONFINITE;
    memcpy(bt->H, X, B * m->widths[0] * sizeof(double));
    /* forward, row by row as gn_mlp_eval: a = W_l h + b_l by gn_dot, h = act(a) (affine
     * at l = L); P = act'(a) */
    for (size_t l = 1; l <= L; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        const double *W = w + m->offset[l - 1], *b = W + in * out;
        for (size_t i = 0; i < B; i++) {
            const double *hin = bt->H + bt->hoff[l - 1] * cap + i * in;
            double *hout = bt->H + bt->hoff[l] * cap + i * out;
            double *Pl = bt->P + bt->uoff[l] * cap + i * out;
            for (size_t o = 0; o < out; o++) {
                double a = gn_dot(W + o * in, hin, in) + b[o];
                if (l == L) {
                    hout[o] = a;
                    Pl[o] = 1.0;
                } else
                    hout[o] = gn_act_eval(m->act, a, &Pl[o]);
            }
        }
    }
    /* backward as gn_mlp_eval: D_L = 1; D_(l-1) = (W_l^T D_l) .* act'(A_(l-1)) */
    for (size_t i = 0; i < B; i++)
        bt->D[bt->uoff[L] * cap + i] = 1.0;
    for (size_t l = L; l >= 2; l--) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        const double *W = w + m->offset[l - 1];
        for (size_t i = 0; i < B; i++) {
            const double *Dl = bt->D + bt->uoff[l] * cap + i * out;
            double *Dp = bt->D + bt->uoff[l - 1] * cap + i * in;
            const double *Pp = bt->P + bt->uoff[l - 1] * cap + i * in;
            gn_internal_gemtv(Dp, W, out, in, Dl);
            for (size_t q = 0; q < in; q++)
                Dp[q] = Dp[q] * Pp[q];
        }
    }
    return GN_OK;
}
