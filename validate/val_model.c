/* val_model.c: the models of core/model.c against MPFR (section "model").
 *
 * Bounds (u = 2^-53, k(n) = gn_sum_bound_k(n), first order):
 *  - linear_f = gn_dot(w, x): |err| <= gamma_k(n) sum |w_i x_i| (rank1.c): "cond" measure
 *    |err| / (u sum |w_i x_i| + 2^-1074), bound k(n) (gamma_k ~ k u).
 *  - quad_phi: each feature is one product z_a z_b: 0.5 ulp.
 *  - quad_f: the features' rounding (1) then gn_dot (k(p)): cond bound k(p) + 1.
 *  - onehot_step_ignd: S = s s (1 rounding, the k of a length-1 sum is replaced by 1), then
 *    the damped step's count (val_rank1.c): 1 + 7 = 8 units of the mixed measure.
 *  - linear_step_ignd (squared loss, fused): f by the fused pass (|f^ - f| <= k u sum|w x|),
 *    l' = f^ - y (one more rounding of l'), |x|^2 (k), then the damped step (k + 7 with l'
 *    exact; + 1 for l''s rounding): per component
 *      |err_i| <= (k + 8) u (|w_i| + |s_i|) + alpha xi k u sum|w x| |x_i|,
 *    xi exact; reported as the ratio to this bound ("frac", bound 1; 1% allowance for the
 *    omitted second-order terms).
 *  - linear_step_sgd (squared loss): w - alpha l' x with l' = f^ - y: c = -alpha l' (1 + 1
 *    for l'), product (1), sum (1): |err_i| <= 4u (|w_i| + |s_i|) + alpha k u sum|w x| |x_i|
 *    ("frac", bound 1, 1% allowance).
 *  - mlp_f, mlp_j: the running error bound of gn_mp_mlp_errbound (gn_mp.h: each pre-
 *    activation by gn_dot plus bias, activation roundings 4u for tanh and SiLU, propagation
 *    through the Lipschitz constants of the activation and its derivative, backward sums of
 *    `out` products, one rounding per entry of j). Reported as the largest ratio of error to
 *    the per-component bound ("frac"), bound 1.01 (first-order bound; 1% for the omitted
 *    second-order terms). */
#include "val_common.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_LIN_F, M_LIN_STEP, M_LIN_SGD, M_ONEHOT, M_QUAD_PHI, M_QUAD_F, M_MLP_F, M_MLP_J, NM };

/* |got - ex| / (u scale + 2^-1074) with the scale an MPFR value */
static double cond_err_mp(double got, mpfr_srcptr ex, mpfr_srcptr scale)
{
    if (!isfinite(got))
        return INFINITY;
    mpfr_t d, s;
    mpfr_inits2(mpfr_get_prec(ex) + 64, d, s, (mpfr_ptr)0);
    mpfr_set_d(d, got, MPFR_RNDN);
    mpfr_sub(d, d, ex, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_mul_2si(s, scale, -53, MPFR_RNDN);
    mpfr_add_d(s, s, 0x1p-1074, MPFR_RNDN);
    mpfr_div(d, d, s, MPFR_RNDU);
    double e = mpfr_get_d(d, MPFR_RNDU);
    mpfr_clears(d, s, (mpfr_ptr)0);
    return e;
}

/* exact dot and sum of |terms| */
static void dot_abs(mpfr_ptr dot, mpfr_ptr sabs, const double *a, const double *b, size_t n)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(dot));
    mpfr_set_zero(dot, 1);
    mpfr_set_zero(sabs, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(t, a[i], MPFR_RNDN);
        mpfr_mul_d(t, t, b[i], MPFR_RNDN);
        mpfr_add(dot, dot, t, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(sabs, sabs, t, MPFR_RNDN);
    }
    mpfr_clear(t);
}

/* the largest per-component ratio |w1_q - R_q| / B_q of a fused linear step, with
 * B_q = 1.01 (ucoef u (|w_q| + |s_q|) + fterm |x_q|) + 2^-1074 and s = R - w exact (the
 * bounds of the header comment; 1% for the omitted second-order terms) */
static double lin_step_frac(mpfr_srcptr R, const double *w, const double *w1, const double *x,
                            size_t n, mpfr_prec_t prec, double ucoef, double fterm)
{
    const double u = 0x1p-53;
    double worst = 0.0;
    mpfr_t d;
    mpfr_init2(d, prec + 64);
    for (size_t q = 0; q < n; q++) {
        mpfr_sub_d(d, R + q, w[q], MPFR_RNDN);
        double s = fabs(mpfr_get_d(d, MPFR_RNDN));
        double B = 1.01 * (ucoef * u * (fabs(w[q]) + s) + fterm * fabs(x[q])) + 0x1p-1074;
        mpfr_set_d(d, w1[q], MPFR_RNDN);
        mpfr_sub(d, d, R + q, MPFR_RNDN);
        double e = fabs(mpfr_get_d(d, MPFR_RNDU)) / B;
        if (!(e <= worst))
            worst = e;
    }
    mpfr_clear(d);
    return worst;
}

/* one squared-loss sample (x, y) for the fused linear steps */
typedef struct {
    const double *w, *x;
    size_t n;
    double y, alpha;
    gn_damping dmp;
} lin_sample;

/* the fused IGND and SGD steps of the linear model on one sample; f = w.x exact and sa =
 * sum |w_i x_i| (the rounding of the fused f enters through it) */
static void check_linear_steps(val_acc *A, const val_opts *o, size_t i, const lin_sample *L,
                               double *w1, mpfr_srcptr f, mpfr_srcptr sa)
{
    size_t n = L->n;
    int k = gn_sum_bound_k(n);
    const double u = 0x1p-53;
    char buf[400];
    memcpy(w1, L->w, n * sizeof *w1);
    gn_status sc = gn_linear_step_ignd(w1, NULL, L->x, n, L->y, GN_LOSS_SQUARED, L->alpha,
                                       L->dmp);
    /* exact: w + alpha * (-(f - y) x / ((1 + mu)|x|^2 + lambda)) */
    mpfr_ptr X = gn_mp_vec_alloc(n, 53), R = gn_mp_vec_alloc(n, o->prec);
    mpfr_t lp, lpp, al, xi;
    mpfr_inits2(o->prec, lp, lpp, al, xi, (mpfr_ptr)0);
    gn_mp_vec_set_d(X, L->x, n);
    mpfr_sub_d(lp, f, L->y, MPFR_RNDN);
    mpfr_set_ui(lpp, 1, MPFR_RNDN);
    mpfr_set_d(al, L->alpha, MPFR_RNDN);
    gn_mp_damping D;
    gn_mp_damping_init_set(&D, L->dmp, o->prec);
    for (size_t q = 0; q < n; q++)
        mpfr_set_d(R + q, L->w[q], MPFR_RNDN);
    gn_status sr = gn_mp_step_ignd(R, X, n, lp, lpp, al, &D, MPFR_RNDN);
    /* the fused step evaluates the loss value too: GN_ERANGE when l = (f - y)^2 / 2 exceeds
     * DBL_MAX (gn_loss_squared's contract), even though the step itself is finite */
    if (sr == GN_OK && !mpfr_zero_p(lp) && 2 * (long)mpfr_get_exp(lp) - 1 > 1024)
        sr = GN_ERANGE;
    gn_mp_xi_closed(xi, X, n, lpp, &D, MPFR_RNDN);
    snprintf(buf, sizeof buf, "seed=%llu stream=%zu n=%zu y=%a alpha=%a lambda=%a mu=%a",
             (unsigned long long)o->seed, i, n, L->y, L->alpha, L->dmp.lambda, L->dmp.mu);
    if (sc != sr) {
        val_acc_status(&A[M_LIN_STEP], sc, sr, "%s", buf);
    } else if (sc == GN_OK) {
        double fterm =
            L->alpha * mpfr_get_d(xi, MPFR_RNDU) * k * u * mpfr_get_d(sa, MPFR_RNDU);
        val_acc_add(&A[M_LIN_STEP], lin_step_frac(R, L->w, w1, L->x, n, o->prec, k + 8, fterm),
                    1.0, "%s", buf);
    }
    /* fused SGD step on the same sample */
    memcpy(w1, L->w, n * sizeof *w1);
    sc = gn_linear_step_sgd(w1, NULL, L->x, n, L->y, GN_LOSS_SQUARED, L->alpha);
    for (size_t q = 0; q < n; q++)
        mpfr_set_d(R + q, L->w[q], MPFR_RNDN);
    sr = gn_mp_step_sgd(R, X, n, lp, al, MPFR_RNDN);
    if (sr == GN_OK && !mpfr_zero_p(lp) && 2 * (long)mpfr_get_exp(lp) - 1 > 1024)
        sr = GN_ERANGE;
    if (sc != sr) {
        val_acc_status(&A[M_LIN_SGD], sc, sr, "%s", buf);
    } else if (sc == GN_OK) {
        double fterm = L->alpha * k * u * mpfr_get_d(sa, MPFR_RNDU);
        val_acc_add(&A[M_LIN_SGD], lin_step_frac(R, L->w, w1, L->x, n, o->prec, 4, fterm), 1.0,
                    "%s", buf);
    }
    gn_mp_damping_clear(&D);
    mpfr_clears(lp, lpp, al, xi, (mpfr_ptr)0);
    gn_mp_vec_free(X, n);
    gn_mp_vec_free(R, n);
}

/* one-hot: j = s e_k, n = 5, the other components must stay untouched */
static void check_onehot(val_acc *A, const val_opts *o, size_t i, gn_rng *r, double alpha)
{
    char buf[400];
    double wo[5], s = (gn_rng_uniform(r) < 0.5 ? -1 : 1) * val_logu(r, -150, 150);
    for (int q = 0; q < 5; q++)
        wo[q] = gn_rng_normal(r);
    size_t kk = (size_t)(gn_rng_uniform(r) * 5) % 5;
    double lpv = gn_rng_normal(r), lppv = val_logu(r, -3, 3);
    gn_damping dm = {val_logu(r, -5, 5) * lppv * s * s, 0.0};
    if (!(dm.lambda > 1e-300 && dm.lambda < 1e300))
        dm.lambda = 1.0;
    double wk0 = wo[kk] * (val_logu(r, -300, 0));
    wo[kk] = wk0;
    double ws[5];
    memcpy(ws, wo, sizeof ws);
    gn_status sc = gn_onehot_step_ignd(ws, 5, kk, s, lpv, lppv, alpha, dm);
    mpfr_ptr J = gn_mp_vec_alloc(1, 53), W = gn_mp_vec_alloc(1, o->prec),
             S = gn_mp_vec_alloc(1, o->prec);
    mpfr_t a1, a2, a3;
    mpfr_inits2(64, a1, a2, a3, (mpfr_ptr)0);
    mpfr_set_d(J, s, MPFR_RNDN);
    mpfr_set_d(W, wk0, MPFR_RNDN);
    mpfr_set_d(a1, lpv, MPFR_RNDN);
    mpfr_set_d(a2, lppv, MPFR_RNDN);
    mpfr_set_d(a3, alpha, MPFR_RNDN);
    gn_mp_damping D1;
    gn_mp_damping_init_set(&D1, dm, o->prec);
    gn_status sr = gn_mp_step_ignd(W, J, 1, a1, a2, a3, &D1, MPFR_RNDN);
    mpfr_sub_d(S, W, wk0, MPFR_RNDN);
    snprintf(buf, sizeof buf, "seed=%llu stream=%zu s=%a w_k=%a lp=%a lpp=%a lambda=%a",
             (unsigned long long)o->seed, i, s, wk0, lpv, lppv, dm.lambda);
    int others = 1;
    for (int q = 0; q < 5; q++)
        if ((size_t)q != kk && ws[q] != wo[q])
            others = 0;
    if (sc != sr || !others)
        val_acc_status(&A[M_ONEHOT], sc, sr, "%s%s", buf, others ? "" : " (w_j, j!=k, changed)");
    else if (sc == GN_OK)
        val_acc_add(&A[M_ONEHOT], gn_mp_mixed(ws + kk, W, &wk0, S, 1, NULL), 8.0, "%s", buf);
    gn_mp_damping_clear(&D1);
    mpfr_clears(a1, a2, a3, (mpfr_ptr)0);
    gn_mp_vec_free(J, 1);
    gn_mp_vec_free(W, 1);
    gn_mp_vec_free(S, 1);
}

static void check_linear(val_acc *A, const val_opts *o, size_t i)
{
    gn_rng r;
    gn_rng_seed(&r, o->seed ^ 0x11ea5ull, i);
    size_t n = val_size(&r, 10000);
    double *w = malloc(n * sizeof *w), *x = malloc(n * sizeof *x), *w1 = malloc(n * sizeof *w1);
    if (!w || !x || !w1)
        goto out;
    double sw = val_logu(&r, -100, 100), sx = val_logu(&r, -100, 100);
    for (size_t q = 0; q < n; q++) {
        w[q] = sw * gn_rng_normal(&r);
        x[q] = sx * gn_rng_normal(&r);
    }
    char buf[400];
    snprintf(buf, sizeof buf, "seed=%llu stream=%zu n=%zu w0=%a x0=%a",
             (unsigned long long)o->seed, i, n, w[0], x[0]);
    mpfr_t f, sa;
    mpfr_inits2(o->prec, f, sa, (mpfr_ptr)0);
    dot_abs(f, sa, w, x, n);
    double fc;
    gn_status sc = gn_linear_eval(&fc, NULL, w, x, n);
    if (sc != GN_OK)
        val_acc_status(&A[M_LIN_F], sc, GN_OK, "%s", buf);
    else
        val_acc_add(&A[M_LIN_F], cond_err_mp(fc, f, sa), gn_sum_bound_k(n), "%s", buf);

    /* fused IGND step, squared loss: y near f half of the time (cancellation in l') */
    lin_sample L = {w, x, n, 0.0, 0.0, {0.0, 0.0}};
    double fd = mpfr_get_d(f, MPFR_RNDN);
    L.y = gn_rng_uniform(&r) < 0.5 ? fd * (1 + val_logu(&r, -12, -1))
                                   : fd + gn_rng_normal(&r) * (fabs(fd) + 1.0);
    L.alpha = val_logu(&r, -3, 0);
    L.dmp.lambda = val_logu(&r, -5, 5) * sx * sx * (double)n;
    L.dmp.mu = gn_rng_uniform(&r) < 0.5 ? 0.0 : val_logu(&r, -3, 3);
    if (!(L.dmp.lambda > 0.0 && isfinite(L.dmp.lambda)))
        L.dmp.lambda = 1.0;
    check_linear_steps(A, o, i, &L, w1, f, sa);
    mpfr_clears(f, sa, (mpfr_ptr)0);
    check_onehot(A, o, i, &r, L.alpha);
out:
    free(w);
    free(x);
    free(w1);
}

static void check_quad(val_acc *A, const val_opts *o, size_t i)
{
    gn_rng r;
    gn_rng_seed(&r, o->seed ^ 0x9a4dull, i);
    size_t m = 1 + (size_t)(gn_rng_uniform(&r) * 12);
    int bias = gn_rng_uniform(&r) < 0.5;
    size_t p = gn_quad_nfeatures(m, bias);
    double z[16], w[128], phi[128], f;
    double sz = val_logu(&r, -100, 100);
    for (size_t q = 0; q < m; q++)
        z[q] = sz * gn_rng_normal(&r);
    for (size_t q = 0; q < p; q++)
        w[q] = gn_rng_normal(&r);
    char buf[300];
    snprintf(buf, sizeof buf, "seed=%llu stream=%zu m=%zu bias=%d z0=%a",
             (unsigned long long)o->seed, i, m, bias, z[0]);
    gn_status sc = gn_quad_eval(&f, phi, w, z, m, bias);
    if (sc != GN_OK) {
        val_acc_status(&A[M_QUAD_F], sc, GN_OK, "%s", buf);
        return;
    }
    mpfr_t t, sum, sa;
    mpfr_inits2(o->prec, t, sum, sa, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    mpfr_set_zero(sa, 1);
    size_t q = 0;
    double worst = 0.0;
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++, q++) {
            mpfr_set_d(t, z[a], MPFR_RNDN);
            mpfr_mul_d(t, t, z[b], MPFR_RNDN);
            worst = fmax(worst, gn_mp_ulps(phi[q], t));
            mpfr_mul_d(t, t, w[q], MPFR_RNDN);
            mpfr_add(sum, sum, t, MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            mpfr_add(sa, sa, t, MPFR_RNDN);
        }
    if (bias) {
        worst = fmax(worst, phi[q] == 1.0 ? 0.0 : INFINITY);
        mpfr_set_d(t, w[q], MPFR_RNDN);
        mpfr_add(sum, sum, t, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(sa, sa, t, MPFR_RNDN);
    }
    val_acc_add(&A[M_QUAD_PHI], worst, 0.5, "%s", buf);
    val_acc_add(&A[M_QUAD_F], cond_err_mp(f, sum, sa), gn_sum_bound_k(p) + 1, "%s", buf);
    mpfr_clears(t, sum, sa, (mpfr_ptr)0);
}

static const size_t shapes[][6] = {
    {3, 5, 1}, {8, 64, 32, 16, 1}, {4, 16, 16, 1}, {2, 3, 3, 3, 3, 1}, {10, 1}, {1, 8, 1},
};
static const size_t nshape[] = {3, 5, 4, 6, 2, 3};
#define NSHAPES (sizeof nshape / sizeof nshape[0])

static void check_mlp(val_acc *A, const val_opts *o, size_t i)
{
    gn_rng r;
    gn_rng_seed(&r, o->seed ^ 0x31f9ull, i);
    size_t sh = i % NSHAPES;
    gn_act act = (gn_act)((i / NSHAPES) % GN_NACT);
    gn_mlp *m = gn_mlp_alloc(shapes[sh], nshape[sh], act);
    if (!m)
        return;
    size_t np = m->nparams, nin = shapes[sh][0];
    double *w = malloc(np * sizeof *w), *j = malloc(np * sizeof *j), x[16], f;
    mpfr_ptr W = gn_mp_vec_alloc(np, 53), X = gn_mp_vec_alloc(nin, 53);
    mpfr_ptr J = gn_mp_vec_alloc(np, o->prec), JE = gn_mp_vec_alloc(np, 64);
    mpfr_t F, FE, d;
    mpfr_inits2(o->prec, F, d, (mpfr_ptr)0);
    mpfr_init2(FE, 64);
    if (!w || !j || !W || !X || !J || !JE)
        goto out;
    uint64_t wseed = o->seed + i;
    gn_mlp_init(m, w, wseed);
    double bsc = val_logu(&r, -2, 0);
    for (size_t q = 0; q < np; q++)
        w[q] += bsc * gn_rng_normal(&r); /* biases non-zero, weights perturbed */
    double xs = val_logu(&r, -3, 3);
    for (size_t q = 0; q < nin; q++)
        x[q] = xs * gn_rng_normal(&r);
    char buf[400];
    snprintf(buf, sizeof buf, "seed=%llu stream=%zu shape=%zu act=%s x0=%a (w: gn_mlp_init seed "
                              "%llu + %a N(0,1) from the stream)",
             (unsigned long long)o->seed, i, sh, gn_act_name(act), x[0],
             (unsigned long long)wseed, bsc);
    gn_status sc = gn_mlp_eval(m, &f, j, w, x);
    gn_mp_vec_set_d(W, w, np);
    gn_mp_vec_set_d(X, x, nin);
    gn_status sr = gn_mp_mlp_errbound(m, F, J, FE, JE, W, X, MPFR_RNDN);
    if (sc != sr) {
        val_acc_status(&A[M_MLP_F], sc, sr, "%s", buf);
        goto out;
    }
    if (sc != GN_OK)
        goto out;
    /* f */
    mpfr_set_d(d, f, MPFR_RNDN);
    mpfr_sub(d, d, F, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_add_d(FE, FE, 0x1p-1074, MPFR_RNDU);
    mpfr_div(d, d, FE, MPFR_RNDU);
    val_acc_add(&A[M_MLP_F], mpfr_get_d(d, MPFR_RNDU), 1.01, "%s", buf);
    double worst = 0.0;
    size_t at = 0;
    for (size_t q = 0; q < np; q++) {
        mpfr_set_d(d, j[q], MPFR_RNDN);
        mpfr_sub(d, d, J + q, MPFR_RNDN);
        mpfr_abs(d, d, MPFR_RNDN);
        mpfr_add_d(JE + q, JE + q, 0x1p-1074, MPFR_RNDU);
        mpfr_div(d, d, JE + q, MPFR_RNDU);
        double e = mpfr_get_d(d, MPFR_RNDU);
        if (!(e <= worst)) {
            worst = e;
            at = q;
        }
    }
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " param=%zu", at);
    val_acc_add(&A[M_MLP_J], worst, 1.01, "%s", buf);
out:
    mpfr_clears(F, d, FE, (mpfr_ptr)0);
    gn_mp_vec_free(W, np);
    gn_mp_vec_free(X, nin);
    gn_mp_vec_free(J, np);
    gn_mp_vec_free(JE, np);
    free(w);
    free(j);
    gn_mlp_free(m);
}

size_t val_model(val_row *rows, size_t cap, const val_opts *o)
{
    val_acc A[NM];
    val_acc_init(&A[M_LIN_F], "model", "linear_f", "cond", 0);
    val_acc_init(&A[M_LIN_STEP], "model", "linear_step_ignd", "frac", 0);
    val_acc_init(&A[M_LIN_SGD], "model", "linear_step_sgd", "frac", 0);
    val_acc_init(&A[M_ONEHOT], "model", "onehot_step_ignd", "mixed", 0);
    val_acc_init(&A[M_QUAD_PHI], "model", "quad_phi", "ulp", 0);
    val_acc_init(&A[M_QUAD_F], "model", "quad_f", "cond", 0);
    val_acc_init(&A[M_MLP_F], "model", "mlp_f", "frac", 0);
    val_acc_init(&A[M_MLP_J], "model", "mlp_j", "frac", 0);
    size_t nlin = val_count(150, o->scale), nq = val_count(300, o->scale);
    size_t nm = val_count(240, o->scale);
    if (nm < NSHAPES * GN_NACT)
        nm = NSHAPES * GN_NACT; /* every shape with every activation at least once */
    size_t tot = nlin + nq + nm, done = 0;
    for (size_t i = 0; i < nlin; i++, done++) {
        if (!o->quiet && done % 16 == 0)
            gn_io_progress("validate model", done, tot);
        if ((i = val_next(o, i, nlin)) < nlin)
            check_linear(A, o, i);
    }
    for (size_t i = 0; i < nq; i++, done++)
        if ((i = val_next(o, i, nq)) < nq)
            check_quad(A, o, i);
    for (size_t i = 0; i < nm; i++, done++) {
        if (!o->quiet && done % 16 == 0)
            gn_io_progress("validate model", done, tot);
        if ((i = val_next(o, i, nm)) < nm)
            check_mlp(A, o, i);
    }
    if (!o->quiet)
        gn_io_progress_done();
    return val_acc_emit(rows, cap, A, NM, o);
}
