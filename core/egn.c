/* egn.c: EGN, mini-batch Gauss-Newton with Armijo backtracking, adaptive lambda from the
 * gain ratio (the shared rule of gn_lm.h) and momentum on the direction (gn_dg.h,
 * MATH.md §9). The directions come from gn_dg_dir. */
#include "gn.h"
#include "gn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* The toolkit's choices (MATH.md §12: the seeds give no constants).
 *  lambda0 = 0.1: a tenth of the squared loss's unit curvature, so the first step is
 *    close to Gauss-Newton on well-scaled features while a rank-deficient batch still
 *    gets a bounded step; adaptive lambda moves it from there.
 *  c1 = 1e-4: the customary sufficient-decrease constant (Nocedal and Wright, §3.1).
 *  backtrack 0.5, at most 30 halvings (eta >= 2^-30 ~ 1e-9): below that the direction
 *    is not a useful descent direction and the step is rejected.
 *  beta = 0.5: heavy-ball weight on the previous direction; GN directions already carry
 *    curvature, so the usual 0.9 of first-order methods overshoots.
 *  lambda_min = 5e-2: a floor under the adaptive lambda. The gain ratio is measured on
 *    the batch that made the step; on a model that is nearly quadratic in w (a linear
 *    model, squared loss) it is about 1 at every step, Nielsen's rule then shrinks lambda
 *    geometrically towards GN_LM_LAMBDA_MIN, and each step solves its batch exactly and
 *    fits the batch's noise (the loss over the data stalls or rises). The floor keeps a
 *    ridge on the batch system; it applies only when adaptive is on. The value is
 *    measured, not derived: on the example data (gnlab egn --check) floors of 1e-2 and
 *    3e-2 let BCE on the linear model without line search end above its initial loss
 *    or close to it; 5e-2 (half of lambda0) was the smallest of 1e-2, 3e-2, 5e-2, 1e-1
 *    with every run decreasing, and 1e-1 = lambda0 would switch the shrinking off. */
#define GN_EGN_LAMBDA0 0.1
#define GN_EGN_MU 0.0
#define GN_EGN_C1 1e-4
#define GN_EGN_BACKTRACK 0.5
#define GN_EGN_MAX_BACKTRACKS 30u
#define GN_EGN_BETA 0.5
#define GN_EGN_LAMBDA_MIN 5e-2

gn_egn_params gn_egn_params_default(void)
{
    gn_egn_params p;
    p.lambda0 = GN_EGN_LAMBDA0;
    p.lambda_min = GN_EGN_LAMBDA_MIN;
    p.mu = GN_EGN_MU;
    p.linesearch = 1;
    p.armijo_c1 = GN_EGN_C1;
    p.backtrack = GN_EGN_BACKTRACK;
    p.max_backtracks = GN_EGN_MAX_BACKTRACKS;
    p.adaptive = 1;
    p.momentum = 1;
    p.beta = GN_EGN_BETA;
    return p;
}

static const char *const loss_names[GN_EGN_NLOSS] = {"squared", "bce", "softmax"};

const char *gn_egn_loss_name(gn_egn_loss k)
{
    return (unsigned)k < GN_EGN_NLOSS ? loss_names[k] : "?";
}

gn_status gn_egn_loss_parse(gn_egn_loss *k, const char *name)
{
    for (unsigned i = 0; name && i < GN_EGN_NLOSS; i++)
        if (!strcmp(name, loss_names[i])) {
            *k = (gn_egn_loss)i;
            return GN_OK;
        }
    return GN_EINPUT;
}

/* ------------------------------------------------------------- models */

static gn_status eval_linear(const gn_egn_model *m, double *f, double *J, const double *w,
                             const double *x)
{
    return gn_linear_eval(f, J, w, x, m->nin);
}

static gn_status eval_mlp(const gn_egn_model *m, double *f, double *J, const double *w,
                          const double *x)
{
    return gn_mlp_eval((gn_mlp *)m->ctx, f, J, w, x);
}

static gn_status eval_multi(const gn_egn_model *m, double *f, double *J, const double *w,
                            const double *x)
{
    return gn_multi_linear_eval(f, J, w, x, m->c, m->nin);
}

gn_egn_model gn_egn_model_linear(size_t n)
{
    gn_egn_model m = {1, n, n, eval_linear, NULL};
    return m;
}

gn_egn_model gn_egn_model_mlp(gn_mlp *mlp)
{
    gn_egn_model m = {1, mlp ? mlp->nparams : 0, mlp ? mlp->widths[0] : 0, eval_mlp, mlp};
    return m;
}

gn_egn_model gn_egn_model_multi(size_t c, size_t n)
{
    gn_egn_model m = {c, c * n, n, eval_multi, NULL};
    return m;
}

/* -------------------------------------------------------------- state */

static int params_ok(const gn_egn_params *p)
{
    return p->lambda0 > 0.0 && isfinite(p->lambda0) && p->lambda_min >= 0.0 &&
           isfinite(p->lambda_min) && p->mu >= 0.0 && isfinite(p->mu) &&
           p->armijo_c1 > 0.0 && p->armijo_c1 < 1.0 && p->backtrack > 0.0 &&
           p->backtrack < 1.0 && p->beta >= 0.0 && p->beta < 1.0;
}

void gn_egn_free(gn_egn *e)
{
    if (!e)
        return;
    gn_dg_ws_free(e->ws);
    GN_FREE_ALL(e->J, e->r, e->q, e->v, e->f, e->dir, e->mom, e->wtry, e->grad, e);
}

gn_egn *gn_egn_alloc(gn_egn_model model, gn_egn_loss loss, size_t bmax,
                     const gn_egn_params *par)
{
    gn_egn_params p = par ? *par : gn_egn_params_default();
    size_t c = model.c, d = model.nparams;
    if (bmax == 0 || c == 0 || d == 0 || model.nin == 0 || !model.eval || !params_ok(&p) ||
        (unsigned)loss >= GN_EGN_NLOSS)
        return NULL;
    if ((loss == GN_EGN_SOFTMAX) != (c >= 2))
        return NULL;
    if (bmax > SIZE_MAX / c || bmax * c > SIZE_MAX / sizeof(double) / d)
        return NULL;
    gn_egn *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->model = model;
    e->loss = loss;
    e->par = p;
    e->bmax = bmax;
    e->c = c;
    e->d = d;
    e->lm.lambda = p.lambda0;
    e->lm.nu = 2.0;
    size_t n = bmax * c;
    e->ws = gn_dg_ws_alloc(n, d, GN_DG_AUTO);
    e->J = malloc(n * d * sizeof(double));
    e->r = malloc(n * sizeof(double));
    e->q = malloc(n * sizeof(double));
    e->v = malloc(n * sizeof(double));
    e->f = malloc(c * sizeof(double));
    e->dir = malloc(d * sizeof(double));
    e->mom = malloc(d * sizeof(double));
    e->wtry = malloc(d * sizeof(double));
    e->grad = malloc(d * sizeof(double));
    if (!e->ws || !e->J || !e->r || !e->q || !e->v || !e->f || !e->dir || !e->mom ||
        !e->wtry || !e->grad) {
        gn_egn_free(e);
        return NULL;
    }
    return e;
}

size_t gn_egn_bytes(const gn_egn *e)
{
    if (!e)
        return 0;
    size_t n = e->bmax * e->c;
    return sizeof *e + gn_dg_ws_bytes(e->ws) + (n * e->d + 3 * n + e->c + 4 * e->d) * sizeof(double);
}

/* --------------------------------------------------------------- loss */

/* the loss of one sample at output f (c entries); r and q (c entries each, nullable) get
 * the output derivative and curvature (softmax: q = p) */
static gn_status sample_loss(const gn_egn *e, double *l, double *r, double *q, const double *f,
                             double y)
{
    gn_lossval lv;
    gn_status st;
    switch (e->loss) {
    case GN_EGN_SQUARED:
    case GN_EGN_BCE:
        st = e->loss == GN_EGN_SQUARED ? gn_loss_squared(&lv, f[0], y) : gn_loss_bce(&lv, f[0], y);
        if (st != GN_OK)
            return st;
        *l = lv.l;
        if (r)
            r[0] = lv.lp;
        if (q)
            q[0] = lv.lpp;
        return GN_OK;
    case GN_EGN_SOFTMAX:
        if (!(y >= 0.0) || y != floor(y) || y >= (double)e->c)
            return GN_EDOM;
        return gn_softmax_ce(l, r, q, f, e->c, (size_t)y);
    default:
        return GN_EDOM;
    }
}

gn_status gn_egn_loss_mean(double *L, gn_egn *e, const double *w, const double *X,
                           const double *y, const size_t *idx, size_t m)
{
    if (m == 0)
        return GN_ESIZE;
    double s = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double *x = X + idx[i] * e->model.nin;
        double l;
        gn_status st = e->model.eval(&e->model, e->f, NULL, w, x);
        if (st == GN_OK)
            st = sample_loss(e, &l, NULL, NULL, e->f, y[idx[i]]);
        if (st != GN_OK)
            return st;
        s += l;
    }
    *L = s / (double)m;
    return GN_OK;
}

/* the batch loss at a trial point; any failure (an overflowing output) counts as +inf so
 * the line search backs off instead of failing */
static double trial_loss(gn_egn *e, const double *w, const double *X, const double *y,
                         const size_t *idx, size_t b)
{
    double L;
    return gn_egn_loss_mean(&L, e, w, X, y, idx, b) == GN_OK && isfinite(L) ? L : INFINITY;
}

/* --------------------------------------------------------------- step */

gn_status gn_egn_step(gn_egn *e, double *w, double *Lbefore, double *Lafter, const double *X,
                      const double *y, const size_t *idx, size_t b)
{
    if (!e || b == 0 || b > e->bmax)
        return GN_ESIZE;
    size_t c = e->c, d = e->d, n = b * c;
    const gn_egn_params *p = &e->par;
    double L0 = 0.0;
    for (size_t i = 0; i < b; i++) {
        const double *x = X + idx[i] * e->model.nin;
        double l;
        gn_status st = e->model.eval(&e->model, e->f, e->J + i * c * d, w, x);
        if (st == GN_OK)
            st = sample_loss(e, &l, e->r + i * c, e->q + i * c, e->f, y[idx[i]]);
        if (st != GN_OK)
            return st;
        L0 += l;
    }
    L0 /= (double)b;

    gn_dg_batch B = {b, c, d, e->J, e->r, c == 1 ? GN_Q_DIAG : GN_Q_SOFTMAX, e->q, p->mu,
                     e->lm.lambda};
    gn_status st = gn_dg_dir(e->dir, e->ws, &B, GN_DG_AUTO);
    if (st != GN_OK)
        return st;

    gsl_matrix_const_view Jv = gsl_matrix_const_view_array(e->J, n, d);
    gsl_vector_const_view rv = gsl_vector_const_view_array(e->r, n);
    gsl_vector_view gv = gsl_vector_view_array(e->grad, d);
    gsl_blas_dgemv(CblasTrans, 1.0 / (double)b, &Jv.matrix, &rv.vector, 0.0, &gv.vector);

    if (p->momentum && e->have_mom) {
        for (size_t k = 0; k < d; k++)
            e->wtry[k] = p->beta * e->mom[k] + (1.0 - p->beta) * e->dir[k];
        /* keep the blend only when it is still a descent direction for this batch */
        if (gn_dot(e->grad, e->wtry, d) < 0.0)
            memcpy(e->dir, e->wtry, d * sizeof(double));
    }
    double gd = gn_dot(e->grad, e->dir, d);

    /* d^T (J^T Q J / b) d = (J d)^T Q (J d) / b, Q with its floor mu */
    gsl_vector_const_view dv = gsl_vector_const_view_array(e->dir, d);
    gsl_vector_view vv = gsl_vector_view_array(e->v, n);
    gsl_blas_dgemv(CblasNoTrans, 1.0, &Jv.matrix, &dv.vector, 0.0, &vv.vector);
    double quad = 0.0;
    for (size_t s = 0; s < b; s++) {
        const double *vs = e->v + s * c, *qs = e->q + s * c;
        double pv = 0.0;
        for (size_t k = 0; k < c; k++) {
            quad += (qs[k] + p->mu) * vs[k] * vs[k];
            pv += qs[k] * vs[k];
        }
        if (c > 1)
            quad -= pv * pv;
    }
    quad /= (double)b;

    double eta = 1.0, L1 = INFINITY;
    int ok = 0;
    for (unsigned t = 0;; t++) {
        for (size_t k = 0; k < d; k++)
            e->wtry[k] = w[k] + eta * e->dir[k];
        L1 = trial_loss(e, e->wtry, X, y, idx, b);
        if (!p->linesearch) {
            ok = isfinite(L1);
            break;
        }
        if (L1 <= L0 + p->armijo_c1 * eta * gd) {
            ok = 1;
            break;
        }
        if (t >= p->max_backtracks)
            break;
        eta *= p->backtrack;
        e->backtracks++;
    }
    if (p->adaptive) {
        double pred = -(eta * gd + 0.5 * eta * eta * quad);
        double rho = gn_lm_gain(ok ? L0 - L1 : -INFINITY, pred);
        ok &= gn_lm_update(&e->lm, rho);
        if (e->lm.lambda < p->lambda_min)
            e->lm.lambda = p->lambda_min;
    }
    e->steps++;
    if (ok) {
        memcpy(w, e->wtry, d * sizeof(double));
        memcpy(e->mom, e->dir, d * sizeof(double));
        e->have_mom = 1;
    } else {
        e->rejected++;
        e->have_mom = 0;
        L1 = L0;
    }
    if (Lbefore)
        *Lbefore = L0;
    if (Lafter)
        *Lafter = L1;
    return GN_OK;
}

gn_status gn_egn_epoch(gn_egn *e, double *w, const double *X, const double *y, size_t nrows,
                       size_t *perm, size_t b, gn_rng *rng)
{
    if (!e || nrows == 0 || b == 0 || b > e->bmax)
        return GN_ESIZE;
    for (size_t i = nrows - 1; i > 0; i--) {
        size_t j = (size_t)(gn_rng_uniform(rng) * (double)(i + 1));
        if (j > i)
            j = i;
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t s = 0; s < nrows; s += b) {
        size_t m = nrows - s < b ? nrows - s : b;
        gn_status st = gn_egn_step(e, w, NULL, NULL, X, y, perm + s, m);
        if (st != GN_OK)
            return st;
    }
    return GN_OK;
}

/* ------------------------------------------------------- example data */

gn_status gn_egn_example(double *X, double *t_reg, double *t_bin, double *t_cls, size_t n,
                         uint64_t seed)
{
    if (n == 0 || !X || !t_reg || !t_bin || !t_cls)
        return GN_ESIZE;
    static const double a[3][4] = {{1.0, 0.5, 0.0, -0.5}, {-0.5, 1.0, 0.5, 0.0},
                                   {0.0, -1.0, 1.0, 0.5}};
    gn_rng rng;
    gn_rng_seed(&rng, seed, 0);
    for (size_t i = 0; i < n; i++) {
        double *x = X + 4 * i;
        for (int k = 0; k < 4; k++)
            x[k] = gn_rng_normal(&rng);
        t_reg[i] = sin(x[0]) + 0.5 * x[1] * x[2] - 0.25 * x[3] + 0.1 * gn_rng_normal(&rng);
        t_bin[i] = x[0] + x[1] * x[1] - 1.0 + 0.3 * gn_rng_normal(&rng) > 0.0 ? 1.0 : 0.0;
        int best = 0;
        double bv = -INFINITY;
        for (int k = 0; k < 3; k++) {
            double s = 0.3 * gn_rng_normal(&rng);
            for (int j = 0; j < 4; j++)
                s += a[k][j] * x[j];
            if (s > bv) {
                bv = s;
                best = k;
            }
        }
        t_cls[i] = (double)best;
    }
    return GN_OK;
}
