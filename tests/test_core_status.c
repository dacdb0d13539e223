/* test_core_status.c: every bad input of the double core gets its named status and leaves
 * the outputs untouched; special values behave as the contracts in gn.h say. */
#include "gn_test.h"

#include "gn.h"

#include <float.h>
#include <math.h>
#include <string.h>

static const gn_damping D1 = {1.0, 0.0};

/* a sentinel pattern that no core routine would write */
static void fill(double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = 12345.0 + (double)i;
}
static int untouched(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != 12345.0 + (double)i)
            return 0;
    return 1;
}

static void test_domain_errors(void **state)
{
    (void)state;
    double j[3] = {1, 2, 3}, w[3], d[3], x;
    gn_damping bad_l = {0.0, 0.0}, neg_l = {-1.0, 0.0}, neg_mu = {1.0, -1e-300};
    fill(w, 3);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, bad_l), GN_EDOM);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, neg_l), GN_EDOM);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, neg_mu), GN_EDOM);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, -1e-300, 1.0, D1), GN_ENEGCURV);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 0.0, D1), GN_EDOM);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, -1.0, D1), GN_EDOM);
    assert_int_equal(gn_step_ignd(w, j, 0, 1.0, 1.0, 1.0, D1), GN_ESIZE);
    assert_true(untouched(w, 3));
    fill(d, 3);
    assert_int_equal(gn_dir_damped(d, j, 3, 1.0, -2.0, D1), GN_ENEGCURV);
    assert_int_equal(gn_dir_damped(d, j, 3, 1.0, 1.0, bad_l), GN_EDOM);
    assert_int_equal(gn_dir_pinv(d, j, 3, 1.0, -1.0), GN_ENEGCURV);
    assert_true(untouched(d, 3));
    x = 7.0;
    assert_int_equal(gn_xi(&x, j, 3, -1.0, D1), GN_ENEGCURV);
    assert_int_equal(gn_xi(&x, j, 3, 1.0, neg_mu), GN_EDOM);
    assert_int_equal(gn_delta_damped(&x, j, 3, 1.0, 1.0, 0.0, D1), GN_EDOM);
    assert_true(x == 7.0);
}

static void test_nonfinite(void **state)
{
    (void)state;
    double w[3], d[3], x = 7.0;
    double jn[3] = {1, NAN, 3}, ji[3] = {1, INFINITY, 3}, j[3] = {1, 2, 3};
    gn_damping dn = {NAN, 0.0}, dmi = {1.0, INFINITY};
    fill(w, 3);
    assert_int_equal(gn_step_ignd(w, jn, 3, 1.0, 1.0, 1.0, D1), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, ji, 3, 1.0, 1.0, 1.0, D1), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, j, 3, NAN, 1.0, 1.0, D1), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, INFINITY, 1.0, D1), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, NAN, D1), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, dn), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, dmi), GN_ENONFINITE);
    assert_int_equal(gn_step_sgd(w, jn, 3, 1.0, 1.0), GN_ENONFINITE);
    assert_int_equal(gn_step_normgrad(w, ji, 3, 1.0, 1.0), GN_ENONFINITE);
    assert_int_equal(gn_step_nlms(w, jn, 3, 1.0, 1.0, 1.0), GN_ENONFINITE);
    assert_int_equal(gn_step_sps(w, j, 3, 1.0, 0.0, 1.0, 1.0, NAN), GN_ENONFINITE);
    assert_int_equal(gn_step_ignd_undamped(w, ji, 3, 1.0, 1.0, 1.0), GN_ENONFINITE);
    assert_true(untouched(w, 3));
    fill(d, 3);
    assert_int_equal(gn_dir_damped(d, jn, 3, 1.0, 1.0, D1), GN_ENONFINITE);
    assert_int_equal(gn_dir_pinv(d, ji, 3, 1.0, 1.0), GN_ENONFINITE);
    assert_true(untouched(d, 3));
    assert_int_equal(gn_norm2sq(&x, jn, 3), GN_ENONFINITE);
    assert_int_equal(gn_xi(&x, ji, 3, 1.0, D1), GN_ENONFINITE);
    assert_true(x == 7.0);
    gn_lossval lv = {7, 7, 7};
    assert_int_equal(gn_loss_squared(&lv, NAN, 1.0), GN_ENONFINITE);
    assert_int_equal(gn_loss_bce(&lv, INFINITY, 1.0), GN_ENONFINITE);
    assert_int_equal(gn_bellman(&lv, 1.0, NAN, 0.5, 1.0), GN_ENONFINITE);
    assert_true(lv.l == 7 && lv.lp == 7 && lv.lpp == 7);
}

static void test_zero_cases(void **state)
{
    (void)state;
    double z[4] = {0, 0, 0, 0}, j[4] = {1, -2, 3, 0.5}, d[4], w[4];
    /* (3.12) degenerate cases: j = 0 or l' = 0 give d = 0 */
    fill(d, 4);
    assert_int_equal(gn_dir_damped(d, z, 4, 3.0, 1.0, D1), GN_OK);
    for (int i = 0; i < 4; i++)
        assert_true(d[i] == 0.0);
    assert_int_equal(gn_dir_damped(d, j, 4, 0.0, 1.0, D1), GN_OK);
    for (int i = 0; i < 4; i++)
        assert_true(d[i] == 0.0);
    /* l'' = 0 with j != 0: d = -l' j / (mu |j|^2 + lambda) = -j / 1 here (mu = 0) */
    assert_int_equal(gn_dir_damped(d, j, 4, 1.0, 0.0, D1), GN_OK);
    for (int i = 0; i < 4; i++)
        assert_true(d[i] == -j[i]);
    /* Moore-Penrose: undefined when G has rank 0 */
    fill(d, 4);
    assert_int_equal(gn_dir_pinv(d, z, 4, 1.0, 1.0), GN_EZERO);
    assert_int_equal(gn_dir_pinv(d, j, 4, 1.0, 0.0), GN_EZERO);
    assert_true(untouched(d, 4));
    /* undamped IGND, normalized gradient and SPS need j != 0 (and l' != 0) */
    fill(w, 4);
    assert_int_equal(gn_step_ignd_undamped(w, z, 4, 1.0, 1.0, 1.0), GN_EZERO);
    assert_int_equal(gn_step_normgrad(w, j, 4, 0.0, 1.0), GN_EZERO);
    assert_int_equal(gn_step_sps(w, j, 4, 1.0, 0.0, 0.0, 1.0, INFINITY), GN_EZERO);
    assert_int_equal(gn_step_sps(w, j, 4, 0.5, 1.0, 1.0, 1.0, INFINITY), GN_EDOM);
    assert_int_equal(gn_step_sps(w, j, 4, 1.0, 0.0, 1.0, 0.0, INFINITY), GN_EDOM);
    assert_true(untouched(w, 4));
    /* damped IGND with j = 0 is a no-op */
    assert_int_equal(gn_step_ignd(w, z, 4, 1.0, 1.0, 1.0, D1), GN_OK);
    assert_true(untouched(w, 4));
    double s;
    assert_int_equal(gn_norm2sq(&s, z, 4), GN_OK);
    assert_true(s == 0.0);
}

/* MATH.md §13's trap: j = 1e200 (1,1,1), l' = l'' = lambda = alpha = 1, mu = 0.
 * xi = 1/(3e400 + 1) underflows to 0, but the step 1e200 / 3e400 = 3.33e-201 is a normal
 * double and must come out right (to the k + 7 units of rank1.c). */
static void test_xi_trap(void **state)
{
    (void)state;
    double j[3] = {1e200, 1e200, 1e200}, w[3] = {0, 0, 0}, xi, d[3];
    assert_int_equal(gn_xi(&xi, j, 3, 1.0, D1), GN_OK);
    assert_true(xi == 0.0); /* the true xi is below the smallest subnormal */
    assert_int_equal(gn_step_ignd(w, j, 3, 1.0, 1.0, 1.0, D1), GN_OK);
    double want = -1.0 / 3e200; /* 1e200/(3e400) rounded: relative error <= 2u */
    int k = gn_sum_bound_k(3);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(w[i] - want) <= (k + 9) * 0x1p-53 * fabs(want));
    assert_int_equal(gn_dir_damped(d, j, 3, 1.0, 1.0, D1), GN_OK);
    assert_true(fabs(d[0] - want) <= (k + 9) * 0x1p-53 * fabs(want));
    /* negative control: forming xi first, as the trap warns, loses the step entirely */
    double naive = -1.0 * xi * j[0];
    assert_false(fabs(naive - want) <= (k + 9) * 0x1p-53 * fabs(want));
}

static void test_norm_extremes(void **state)
{
    (void)state;
    double s;
    double big[2] = {1e300, 1e300};
    assert_int_equal(gn_norm2sq(&s, big, 2), GN_ERANGE);
    assert_true(isinf(s));
    /* 3e-160 squared is 9e-320 (subnormal): the scaled route gives it to one rounding of
     * the final subnormal result */
    double tiny[1] = {3e-160};
    assert_int_equal(gn_norm2sq(&s, tiny, 1), GN_OK);
    assert_true(fabs(s - 9e-320) <= 0x1p-1074);
    /* two entries near DBL_MAX / 2: |j|^2 overflows, but the scaled sum is exact */
    gn_sumsq q;
    double h[2] = {0x1p1000, 0x1p1000};
    assert_int_equal(gn_sumsq_scaled(&q, h, 2), GN_OK);
    assert_true(ldexp(q.ssq, 2 * q.e - 2001) == 1.0); /* 2 * 2^2000 */
    /* k(n) grows only logarithmically */
    assert_true(gn_sum_bound_k(10000) <= 30);
    assert_true(gn_sum_bound_k(10000000) <= 40);
}

static void test_lambda_extremes(void **state)
{
    (void)state;
    double j[2] = {3.0, 4.0}, d[2];
    /* lambda = 1e300: d = -l' j / (25 + 1e300) = -j 1e-300 to the bound */
    gn_damping big = {1e300, 0.0}, small = {1e-300, 0.0};
    assert_int_equal(gn_dir_damped(d, j, 2, 1.0, 1.0, big), GN_OK);
    assert_true(fabs(d[0] + 3e-300) <= 8 * 0x1p-53 * 3e-300);
    /* lambda = 1e-300: d is the MP direction -j/25 to within the bound */
    assert_int_equal(gn_dir_damped(d, j, 2, 1.0, 1.0, small), GN_OK);
    assert_true(fabs(d[1] + 4.0 / 25.0) <= 8 * 0x1p-53 * 4.0 / 25.0);
}

static void test_adam_state(void **state)
{
    (void)state;
    gn_adam *a = gn_adam_alloc(3);
    assert_non_null(a);
    gn_adam_params p = gn_adam_params_default();
    double w[3] = {1, 2, 3}, g[3] = {1, 1, 1};
    gn_adam_params bad = p;
    bad.beta1 = 1.0;
    assert_int_equal(gn_step_adam(a, w, g, &bad), GN_EDOM);
    bad = p;
    bad.eps = 0.0;
    assert_int_equal(gn_step_adam(a, w, g, &bad), GN_EDOM);
    g[1] = NAN;
    assert_int_equal(gn_step_adam(a, w, g, &p), GN_ENONFINITE);
    assert_true(a->t == 0 && w[1] == 2.0);
    g[1] = 1.0;
    /* first step of Adam moves every coordinate by alpha / (1 + eps/|g|) towards -g */
    assert_int_equal(gn_step_adam(a, w, g, &p), GN_OK);
    assert_true(a->t == 1);
    assert_true(fabs((1.0 - w[0]) - p.alpha / (1.0 + p.eps)) <= 4 * 0x1p-53);
    assert_null(gn_adam_alloc(0));
    gn_adam_free(a);
    gn_adam_free(NULL);
}

static void test_models_bad(void **state)
{
    (void)state;
    size_t bad1[] = {3, 4, 2}, bad2[] = {3, 0, 1}, ok[] = {3, 4, 1};
    assert_null(gn_mlp_alloc(bad1, 3, GN_ACT_RELU));
    assert_null(gn_mlp_alloc(bad2, 3, GN_ACT_RELU));
    assert_null(gn_mlp_alloc(ok, 1, GN_ACT_RELU));
    assert_null(gn_mlp_alloc(ok, 3, (gn_act)99));
    gn_mlp *m = gn_mlp_alloc(ok, 3, GN_ACT_TANH);
    assert_non_null(m);
    assert_int_equal(m->nparams, 3 * 4 + 4 + 4 + 1);
    double w[21], x[3] = {1, NAN, 0}, f = 5.0;
    assert_int_equal(gn_mlp_init(m, w, 1), GN_OK);
    assert_int_equal(gn_mlp_eval(m, &f, NULL, w, x), GN_ENONFINITE);
    assert_true(f == 5.0);
    gn_mlp_free(m);
    gn_mlp_free(NULL);
    double ww[2] = {1, 2};
    assert_int_equal(gn_onehot_eval(&f, ww, 2, 2, 1.0), GN_ESIZE);
    assert_int_equal(gn_onehot_step_ignd(ww, 2, 5, 1.0, 1.0, 1.0, 1.0, D1), GN_ESIZE);
    assert_int_equal(gn_quad_features(ww, x, 0, 0), GN_ESIZE);
    gn_loss_kind k;
    assert_int_equal(gn_loss_parse(&k, "hinge"), GN_EINPUT);
    gn_act act;
    assert_int_equal(gn_act_parse(&act, "gelu"), GN_EINPUT);
    gn_lossval lv;
    assert_int_equal(gn_loss_bce(&lv, 0.0, 1.5), GN_EDOM);
    assert_int_equal(gn_bellman(&lv, 0.0, 1.0, 1.5, 0.0), GN_EDOM);
    for (int s = 0; s < GN_NSTATUS; s++)
        assert_non_null(gn_strerror((gn_status)s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domain_errors), cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_zero_cases),    cmocka_unit_test(test_xi_trap),
        cmocka_unit_test(test_norm_extremes), cmocka_unit_test(test_lambda_extremes),
        cmocka_unit_test(test_adam_state),    cmocka_unit_test(test_models_bad),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
