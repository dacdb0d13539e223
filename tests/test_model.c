/* test_model.c: the scalar-output models and their sensitivity j.
 *
 * MLP: j from the core's back-propagation is compared with a derivative that shares none
 * of its code: an MPFR forward pass at 400 bits differenced centrally with h = 2^-120
 * (truncation error O(h^2) ~ 2^-240 times third derivatives; with Gaussian random weights
 * and inputs the chance that a ReLU kink lies within h of a pre-activation is about 2^-118).
 *
 * Bound for j_k: j_k = delta_l[o] h_{l-1}[i]; each factor comes out of chains of dot
 * products (gn_dot in the forward pass, plain loops backward) and activation evaluations.
 * Running the same recursions on absolute values (|W|, |h|, |act'|) gives a magnitude
 * jabs_k with |j_k - exact_k| <= gamma_K jabs_k, where K adds, along the longest path, the
 * dot lengths (width + 1 for the bias) and 4 roundings per activation and derivative
 * (tanh, exp of glibc are < 1 ulp; silu's quotient and derivative add 3); we take
 * K = sum_l (widths[l-1] + 1 + 8) + 4, which dominates that count. */
#include "gn_test.h"

#include "gn.h"

#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <string.h>

#define MPREC 400

/* MPFR forward pass of the same network (same parameter layout as gn_mlp) */
static void mp_forward(mpfr_ptr f, const gn_mlp *m, mpfr_t *w, const double *x)
{
    size_t L = m->nlayers, maxw = 0;
    for (size_t l = 0; l <= L; l++)
        if (m->widths[l] > maxw)
            maxw = m->widths[l];
    mpfr_t *h = malloc(maxw * sizeof(mpfr_t)), *a = malloc(maxw * sizeof(mpfr_t)), t;
    for (size_t i = 0; i < maxw; i++) {
        mpfr_init2(h[i], MPREC);
        mpfr_init2(a[i], MPREC);
    }
    mpfr_init2(t, MPREC);
    for (size_t i = 0; i < m->widths[0]; i++)
        mpfr_set_d(h[i], x[i], MPFR_RNDN);
    for (size_t l = 1; l <= L; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l], off = m->offset[l - 1];
        for (size_t o = 0; o < out; o++) {
            mpfr_set(a[o], w[off + in * out + o], MPFR_RNDN);
            for (size_t i = 0; i < in; i++) {
                mpfr_mul(t, w[off + o * in + i], h[i], MPFR_RNDN);
                mpfr_add(a[o], a[o], t, MPFR_RNDN);
            }
        }
        for (size_t o = 0; o < out; o++) {
            if (l == L || m->act == GN_ACT_IDENTITY) {
                mpfr_set(h[o], a[o], MPFR_RNDN);
            } else if (m->act == GN_ACT_RELU) {
                if (mpfr_sgn(a[o]) > 0)
                    mpfr_set(h[o], a[o], MPFR_RNDN);
                else
                    mpfr_set_zero(h[o], 1);
            } else if (m->act == GN_ACT_TANH) {
                mpfr_tanh(h[o], a[o], MPFR_RNDN);
            } else { /* silu: a / (1 + exp(-a)) */
                mpfr_neg(t, a[o], MPFR_RNDN);
                mpfr_exp(t, t, MPFR_RNDN);
                mpfr_add_ui(t, t, 1, MPFR_RNDN);
                mpfr_div(h[o], a[o], t, MPFR_RNDN);
            }
        }
    }
    mpfr_set(f, h[0], MPFR_RNDN);
    for (size_t i = 0; i < maxw; i++) {
        mpfr_clear(h[i]);
        mpfr_clear(a[i]);
    }
    mpfr_clear(t);
    free(h);
    free(a);
}

/* magnitudes for the bound: forward with |W|,|b|,|x|, |act| <= |a| bounds and |act'| */
static void abs_jac(double *jabs, gn_mlp *m, const double *w, const double *x)
{
    size_t np = m->nparams;
    double *wa = calloc(np, sizeof(double)), xa[64] = {0}, f;
    assert_non_null(wa);
    for (size_t k = 0; k < np; k++)
        wa[k] = fabs(w[k]);
    for (size_t i = 0; i < m->widths[0]; i++)
        xa[i] = fabs(x[i]);
    /* with |W| and |x| every pre-activation magnitude bounds the true one; identity-like
     * activations (|act(a)| <= |a|, |act'| <= 1.1 for silu) keep it a bound */
    gn_act keep = m->act;
    m->act = GN_ACT_IDENTITY;
    (void)gn_mlp_eval(m, &f, jabs, wa, xa);
    m->act = keep;
    for (size_t k = 0; k < np; k++)
        jabs[k] *= pow(1.1, (double)m->nlayers);
    free(wa);
}

static void check_mlp(const size_t *widths, size_t nw, gn_act act, uint64_t seed, int mutate)
{
    gn_mlp *m = gn_mlp_alloc(widths, nw, act);
    assert_non_null(m);
    size_t np = m->nparams, d0 = widths[0];
    double *w = malloc(np * sizeof(double)), *j = malloc(np * sizeof(double));
    double *jabs = malloc(np * sizeof(double)), x[64], f;
    assert_int_equal(gn_mlp_init(m, w, seed), GN_OK);
    gn_rng r;
    gn_rng_seed(&r, seed, 7);
    for (size_t k = 0; k < np; k++)
        w[k] += 0.1 * gn_rng_normal(&r); /* non-zero biases too */
    for (size_t i = 0; i < d0; i++)
        x[i] = gn_rng_normal(&r);
    assert_int_equal(gn_mlp_eval(m, &f, j, w, x), GN_OK);
    if (mutate) /* negative control: a back-propagation that forgets one act' factor */
        j[0] *= 1.0 + 0x1p-20;
    abs_jac(jabs, m, w, x);
    int K = 4;
    for (size_t l = 1; l < nw; l++)
        K += (int)widths[l - 1] + 1 + 8;
    double gam = K * 0x1p-53 / (1 - K * 0x1p-53);

    mpfr_t *wm = malloc(np * sizeof(mpfr_t)), fp, fm, dd, fexact;
    for (size_t k = 0; k < np; k++) {
        mpfr_init2(wm[k], MPREC);
        mpfr_set_d(wm[k], w[k], MPFR_RNDN);
    }
    mpfr_inits2(MPREC, fp, fm, dd, fexact, (mpfr_ptr)0);
    mp_forward(fexact, m, wm, x);
    /* the forward value itself: |f - exact| <= gamma_K |f|_abs */
    double fabs_bound = 0;
    {
        double *wa = malloc(np * sizeof(double)), xa[64], fa;
        for (size_t k = 0; k < np; k++)
            wa[k] = fabs(w[k]);
        for (size_t i = 0; i < d0; i++)
            xa[i] = fabs(x[i]);
        gn_act keep = m->act;
        m->act = GN_ACT_IDENTITY;
        (void)gn_mlp_eval(m, &fa, NULL, wa, xa);
        m->act = keep;
        fabs_bound = gam * fa * pow(1.1, (double)m->nlayers);
        free(wa);
    }
    assert_true(fabs(f - mpfr_get_d(fexact, MPFR_RNDN)) <= fabs_bound);
    size_t bad = 0;
    double worst = 0;
    for (size_t k = 0; k < np; k++) {
        mpfr_t save;
        mpfr_init2(save, MPREC);
        mpfr_set(save, wm[k], MPFR_RNDN);
        mpfr_add_d(wm[k], save, 0x1p-120, MPFR_RNDN);
        mp_forward(fp, m, wm, x);
        mpfr_sub_d(wm[k], save, 0x1p-120, MPFR_RNDN);
        mp_forward(fm, m, wm, x);
        mpfr_set(wm[k], save, MPFR_RNDN);
        mpfr_clear(save);
        mpfr_sub(dd, fp, fm, MPFR_RNDN);
        mpfr_mul_2si(dd, dd, 119, MPFR_RNDN); /* / (2h) */
        double ex = mpfr_get_d(dd, MPFR_RNDN);
        double err = fabs(j[k] - ex);
        double bnd = gam * jabs[k] + 0x1p-1000;
        if (err > bnd)
            bad++;
        if (bnd > 0 && err / bnd > worst)
            worst = err / bnd;
    }
    if (!mutate && bad)
        fail_msg("seed %llu act %s: %zu of %zu j components beyond gamma_%d jabs (worst %.3g x)",
                 (unsigned long long)seed, gn_act_name(act), bad, np, K, worst);
    if (mutate)
        assert_true(bad >= 1); /* the check sees a 2^-20 relative error in one entry */
    for (size_t k = 0; k < np; k++)
        mpfr_clear(wm[k]);
    mpfr_clears(fp, fm, dd, fexact, (mpfr_ptr)0);
    free(wm);
    free(w);
    free(j);
    free(jabs);
    gn_mlp_free(m);
}

static void test_mlp_jacobian(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t s1[] = {3, 5, 1}, s2[] = {4, 6, 3, 1}, s3[] = {2, 1};
    for (int a = 0; a < GN_NACT; a++) {
        check_mlp(s1, 3, (gn_act)a, seed + (uint64_t)a, 0);
        check_mlp(s2, 4, (gn_act)a, seed + 10 + (uint64_t)a, 0);
    }
    check_mlp(s3, 2, GN_ACT_RELU, seed, 0);
    check_mlp(s2, 4, GN_ACT_TANH, seed, 1); /* negative control */
}

/* j of row i rebuilt from a batch: [D_l,i h_(l-1),i^T, D_l,i] layer by layer */
static void batch_jac(double *j, const gn_mlp_batch *bt, const gn_mlp *m, size_t i)
{
    for (size_t l = 1; l <= m->nlayers; l++) {
        size_t in = m->widths[l - 1], out = m->widths[l];
        const double *D = bt->D + bt->uoff[l] * bt->cap + i * out;
        const double *h = bt->H + bt->hoff[l - 1] * bt->cap + i * in;
        double *jW = j + m->offset[l - 1];
        for (size_t o = 0; o < out; o++) {
            for (size_t q = 0; q < in; q++)
                jW[o * in + q] = D[o] * h[q];
            jW[in * out + o] = D[o];
        }
    }
}

/* gn_mlp_batch_eval against gn_mlp_eval row by row: the same kernels (gn_dot forward,
 * gn_internal_gemtv backward) in the same order, so f and j agree bitwise */
static int batch_matches(const size_t *widths, size_t nw, gn_act act, uint64_t seed,
                         int mutate)
{
    enum { B = 5 };
    gn_mlp *m = gn_mlp_alloc(widths, nw, act);
    gn_mlp_batch *bt = gn_mlp_batch_alloc(m, 8);
    assert_non_null(bt);
    size_t np = m->nparams, d0 = widths[0];
    double *w = malloc(np * sizeof(double)), *j = malloc(np * sizeof(double));
    double *jb = malloc(np * sizeof(double)), X[B * 8], f;
    assert_int_equal(gn_mlp_init(m, w, seed), GN_OK);
    gn_rng r;
    gn_rng_seed(&r, seed, 9);
    for (size_t k = 0; k < np; k++)
        w[k] += 0.1 * gn_rng_normal(&r);
    for (size_t q = 0; q < B * d0; q++)
        X[q] = gn_rng_normal(&r);
    assert_int_equal(gn_mlp_batch_eval(bt, m, w, X, B), GN_OK);
    if (mutate) /* negative control: a backward pass off in one sensitivity */
        bt->D[0] *= 1.0 + 0x1p-20;
    int ok = 1;
    for (size_t i = 0; i < B; i++) {
        assert_int_equal(gn_mlp_eval(m, &f, j, w, X + i * d0), GN_OK);
        batch_jac(jb, bt, m, i);
        double fb = bt->H[bt->hoff[m->nlayers] * bt->cap + i];
        if (fb != f) {
            ok = 0;
            if (!mutate)
                print_message("# seed %llu row %zu f %a batch %a\n", (unsigned long long)seed, i,
                              f, fb);
        }
        for (size_t k = 0; k < np; k++)
            if (jb[k] != j[k]) {
                ok = 0;
                if (!mutate)
                    print_message("# seed %llu row %zu j[%zu] %a batch %a\n",
                                  (unsigned long long)seed, i, k, j[k], jb[k]);
            }
    }
    free(w);
    free(j);
    free(jb);
    gn_mlp_batch_free(bt);
    gn_mlp_free(m);
    return ok;
}

static void test_mlp_batch(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t s2[] = {4, 6, 3, 1}, s3[] = {2, 1};
    for (int a = 0; a < GN_NACT; a++)
        assert_true(batch_matches(s2, 4, (gn_act)a, seed + (uint64_t)a, 0));
    assert_true(batch_matches(s3, 2, GN_ACT_RELU, seed, 0));
    assert_false(batch_matches(s2, 4, GN_ACT_TANH, seed, 1)); /* negative control */
    gn_mlp *m = gn_mlp_alloc(s3, 2, GN_ACT_TANH);
    gn_mlp_batch *bt = gn_mlp_batch_alloc(m, 2);
    double w[3] = {1, 2, 3}, X[6] = {0, 0, NAN, 0, 0, 0};
    assert_int_equal(gn_mlp_batch_eval(bt, m, w, X, 3), GN_ESIZE);
    assert_int_equal(gn_mlp_batch_eval(bt, m, w, X, 0), GN_ESIZE);
    assert_int_equal(gn_mlp_batch_eval(bt, m, w, X, 2), GN_ENONFINITE);
    assert_null(gn_mlp_batch_alloc(m, 0));
    gn_mlp_batch_free(bt);
    gn_mlp_batch_free(NULL);
    gn_mlp_free(m);
}

/* the fused linear IGND step equals the generic one: same j = x, same loss, same k */
static void test_linear_fused(void **state)
{
    (void)state;
    gn_rng r;
    gn_rng_seed(&r, gn_test_seed(), 3);
    gn_damping dmp = {0.5, 0.1};
    for (size_t n = 1; n < 300; n += 37) {
        double *w1 = malloc(n * sizeof(double)), *w2 = malloc(n * sizeof(double));
        double *x = malloc(n * sizeof(double)), f;
        for (size_t i = 0; i < n; i++) {
            w1[i] = w2[i] = gn_rng_normal(&r);
            x[i] = gn_rng_normal(&r);
        }
        for (int lk = 0; lk < GN_NLOSS; lk++) {
            double y = lk == GN_LOSS_BCE ? 1.0 : 0.3;
            gn_lossval lv, lv2;
            assert_int_equal(gn_linear_eval(&f, NULL, w2, x, n), GN_OK);
            assert_int_equal(gn_loss_eval(&lv2, (gn_loss_kind)lk, f, y), GN_OK);
            assert_int_equal(gn_linear_step_ignd(w1, &lv, x, n, y, (gn_loss_kind)lk, 0.7, dmp),
                             GN_OK);
            assert_true(lv.lp == lv2.lp && lv.lpp == lv2.lpp);
            assert_int_equal(gn_step_ignd(w2, x, n, lv2.lp, lv2.lpp, 0.7, dmp), GN_OK);
            assert_memory_equal(w1, w2, n * sizeof(double));
        }
        free(w1);
        free(w2);
        free(x);
    }
}

/* the one-hot and quadratic models against their definitions (exact small cases) */
static void test_onehot_quad(void **state)
{
    (void)state;
    /* (§5) undamped squared-loss IGND on j = s e_k moves f by -alpha l', whatever s */
    const double scales[] = {-64, -3, -0.5, 0.5, 3, 64};
    for (size_t q = 0; q < sizeof scales / sizeof scales[0]; q++) {
        double s = scales[q];
        double w[4] = {0.25, 0.5, -1, 2}, f0, f1;
        assert_int_equal(gn_onehot_eval(&f0, w, 4, 2, s), GN_OK);
        gn_lossval lv;
        assert_int_equal(gn_loss_squared(&lv, f0, 3.0), GN_OK);
        gn_damping tiny = {0x1p-60, 0.0};
        assert_int_equal(gn_onehot_step_ignd(w, 4, 2, s, lv.lp, lv.lpp, 0.5, tiny), GN_OK);
        assert_int_equal(gn_onehot_eval(&f1, w, 4, 2, s), GN_OK);
        /* delta = -alpha l' s^2/(s^2 + lambda): relative distance 2^-60/s^2 + a few u */
        assert_true(fabs((f1 - f0) + 0.5 * lv.lp) <= 1e-14 * fabs(lv.lp));
        assert_true(w[0] == 0.25 && w[1] == 0.5 && w[3] == 2); /* only w_k moves */
    }
    double z[3] = {1, 2, 3}, phi[7];
    assert_int_equal(gn_quad_nfeatures(3, 1), 7);
    assert_int_equal(gn_quad_features(phi, z, 3, 1), GN_OK);
    double want[7] = {1, 2, 3, 4, 6, 9, 1};
    assert_memory_equal(phi, want, sizeof want);
    double w[7] = {1, 1, 1, 1, 1, 1, 1}, f, j[7];
    assert_int_equal(gn_quad_eval(&f, j, w, z, 3, 1), GN_OK);
    assert_true(f == 26.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_jacobian),
        cmocka_unit_test(test_mlp_batch),
        cmocka_unit_test(test_linear_fused),
        cmocka_unit_test(test_onehot_quad),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
