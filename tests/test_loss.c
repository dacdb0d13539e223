/* test_loss.c: the core's losses against their definitions evaluated in MPFR.
 *
 * Reference: sigma = 1/(1+exp(-f)), l = -y log sigma - (1-y) log(1-sigma), l' = sigma - y,
 * l'' = sigma (1 - sigma), literally, at 1200 bits: 1 - sigma(f) >= 2^-1075 for |f| <= 745,
 * so the subtraction keeps > 100 correct bits. The core uses the stable rewrites of MATH.md
 * §7, so this is not a copy of the same formula.
 *
 * Bounds (u = 2^-53; ulps are of the exact value, and a relative error r is at most
 * 2 r / u ulps):
 *  - BCE l'' = sp * sm with e = exp(-|f|) (glibc: < 1 ulp, i.e. <= 2u relative), 1 + e (u),
 *    inv = 1/(1+e) (u), sm = e * inv (u), the product (u): sp <= 2u + u(e/(1+e) <= 1/2 of e's),
 *    sm <= 2u + 3u; total relative <= 8u, so <= 16 ulps.
 *  - BCE l' for y in {0, 1} is sp or -sm: <= 5u relative, so <= 10 ulps.
 *  - BCE l for y in {0, 1}: every term non-negative (see loss.c); log1p (<= 2u) of a value
 *    with relative error <= 2u, two additions: <= 6u relative, so <= 12 ulps.
 *  - squared: l' = f - y one rounding (<= 1 ulp); l = (r*r)/2: 2u + 2u(from r) -> <= 8 ulps.
 */
#include "gn_test.h"

#include "gn.h"

#include <float.h>
#include <math.h>
#include <mpfr.h>

#define PREC 1200

/* error of got in ulps of the exact value x (ulp of a subnormal or zero is 2^-1074) */
static double ulps(double got, mpfr_srcptr x)
{
    mpfr_t d;
    mpfr_init2(d, PREC);
    mpfr_sub_d(d, x, got, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    double ex = mpfr_get_d(x, MPFR_RNDN);
    double ulp = 0x1p-1074;
    if (ex != 0.0 && fabs(ex) >= DBL_MIN) {
        int e;
        (void)frexp(ex, &e);
        ulp = ldexp(1.0, e - 53);
    }
    mpfr_div_d(d, d, ulp, MPFR_RNDN);
    double r = mpfr_get_d(d, MPFR_RNDN);
    mpfr_clear(d);
    return r;
}

typedef struct {
    mpfr_t l, lp, lpp;
} mp_loss;

static void mp_bce(mp_loss *o, double f, double y)
{
    mpfr_t s, one_s, t;
    mpfr_inits2(PREC, s, one_s, t, (mpfr_ptr)0);
    mpfr_set_d(t, -f, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(s, 1, t, MPFR_RNDN);     /* sigma */
    mpfr_ui_sub(one_s, 1, s, MPFR_RNDN); /* 1 - sigma */
    /* l = -y log s - (1-y) log(1-s) */
    mpfr_log(t, s, MPFR_RNDN);
    mpfr_mul_d(o->l, t, -y, MPFR_RNDN);
    mpfr_log(t, one_s, MPFR_RNDN);
    mpfr_mul_d(t, t, -(1.0 - y), MPFR_RNDN);
    mpfr_add(o->l, o->l, t, MPFR_RNDN);
    mpfr_sub_d(o->lp, s, y, MPFR_RNDN);
    mpfr_mul(o->lpp, s, one_s, MPFR_RNDN);
    mpfr_clears(s, one_s, t, (mpfr_ptr)0);
}

static void mp_init(mp_loss *o) { mpfr_inits2(PREC, o->l, o->lp, o->lpp, (mpfr_ptr)0); }
static void mp_clear(mp_loss *o) { mpfr_clears(o->l, o->lp, o->lpp, (mpfr_ptr)0); }

/* a double l'' written the naive way, for the negative control */
static double naive_lpp(double f)
{
    double s = 1.0 / (1.0 + exp(-f));
    return s * (1.0 - s);
}

static void test_bce_vs_definition(void **state)
{
    (void)state;
    gn_rng r;
    uint64_t seed = gn_test_seed();
    gn_rng_seed(&r, seed, 1);
    size_t n = gn_test_iters(4000);
    mp_loss m;
    mp_init(&m);
    double worst_l = 0, worst_lp = 0, worst_lpp = 0, worst_naive = 0;
    for (size_t i = 0; i < n; i++) {
        /* f spread over [-700, 700] with many small values: sign * 10^(u*5.5 - 3) */
        double mag = pow(10.0, gn_rng_uniform(&r) * 5.84 - 3.0);
        double f = (gn_rng_uniform(&r) < 0.5 ? -1.0 : 1.0) * (mag > 700 ? 700 : mag);
        double y = gn_rng_uniform(&r) < 0.5 ? 0.0 : 1.0;
        gn_lossval lv;
        assert_int_equal(gn_loss_bce(&lv, f, y), GN_OK);
        mp_bce(&m, f, y);
        double el = ulps(lv.l, m.l), elp = ulps(lv.lp, m.lp), elpp = ulps(lv.lpp, m.lpp);
        if (el > 12 || elp > 10 || elpp > 16)
            fail_msg("seed %llu i %zu f=%a y=%a: l %.3g ulp, l' %.3g ulp, l'' %.3g ulp",
                     (unsigned long long)seed, i, f, y, el, elp, elpp);
        worst_l = fmax(worst_l, el);
        worst_lp = fmax(worst_lp, elp);
        worst_lpp = fmax(worst_lpp, elpp);
        if (fabs(f) > 40)
            worst_naive = fmax(worst_naive, ulps(naive_lpp(f), m.lpp));
    }
    printf("# bce max errors: l %.2f ulp, l' %.2f ulp, l'' %.2f ulp; naive l'' %.3g ulp\n",
           worst_l, worst_lp, worst_lpp, worst_naive);
    /* negative control: the same check rejects sigma (1 - sigma) for |f| > 40 */
    assert_true(worst_naive > 16);
    mp_clear(&m);
}

static void test_bce_soft_and_extreme(void **state)
{
    (void)state;
    mp_loss m;
    mp_init(&m);
    gn_lossval lv;
    /* l'' underflows gracefully: at f = 745 the true value is about 2^-1075 */
    assert_int_equal(gn_loss_bce(&lv, 745.0, 1.0), GN_OK);
    mp_bce(&m, 745.0, 1.0);
    assert_true(lv.lpp >= 0.0 && ulps(lv.lpp, m.lpp) <= 1.0);
    /* a confident wrong prediction: l' = 1 - tiny, l = f + log1p(e^-f) */
    assert_int_equal(gn_loss_bce(&lv, 300.0, 0.0), GN_OK);
    mp_bce(&m, 300.0, 0.0);
    assert_true(ulps(lv.l, m.l) <= 12 && ulps(lv.lp, m.lp) <= 10);
    /* soft label y = 0.3: l' = 0.7 sp - 0.3 sm has no cancellation for f far from
     * logit(0.3); check a mixed bound 8u (|0.7 sp| + |0.3 sm|) */
    for (double f = -30; f <= 30; f += 0.37) {
        assert_int_equal(gn_loss_bce(&lv, f, 0.3), GN_OK);
        mp_bce(&m, f, 0.3);
        double sp = 1.0 / (1.0 + exp(-f));
        double scale = 0.7 * sp + 0.3 * (1.0 - sp);
        double ex = mpfr_get_d(m.lp, MPFR_RNDN);
        if (!(fabs(lv.lp - ex) <= 8 * 0x1p-53 * scale))
            fail_msg("soft label f=%a: l' %.17g exact %.17g", f, lv.lp, ex);
    }
    mp_clear(&m);
}

static void test_squared(void **state)
{
    (void)state;
    gn_rng r;
    uint64_t seed = gn_test_seed();
    gn_rng_seed(&r, seed, 2);
    mpfr_t e, t;
    mpfr_inits2(PREC, e, t, (mpfr_ptr)0);
    for (size_t i = 0; i < gn_test_iters(2000); i++) {
        double f = ldexp(gn_rng_normal(&r), (int)(gn_rng_uniform(&r) * 200) - 100);
        double y = ldexp(gn_rng_normal(&r), (int)(gn_rng_uniform(&r) * 200) - 100);
        gn_lossval lv;
        assert_int_equal(gn_loss_squared(&lv, f, y), GN_OK);
        mpfr_set_d(e, f, MPFR_RNDN);
        mpfr_sub_d(e, e, y, MPFR_RNDN); /* exact at 1200 bits */
        double elp = ulps(lv.lp, e);
        mpfr_sqr(t, e, MPFR_RNDN);
        mpfr_div_ui(t, t, 2, MPFR_RNDN);
        double el = ulps(lv.l, t);
        if (elp > 1.0 || el > 8.0)
            fail_msg("seed %llu f=%a y=%a: l' %.3g ulp l %.3g ulp", (unsigned long long)seed, f,
                     y, elp, el);
        assert_true(lv.lpp == 1.0);
    }
    gn_lossval lv;
    assert_int_equal(gn_loss_squared(&lv, 1e308, -1e308), GN_ERANGE);
    mpfr_clears(e, t, (mpfr_ptr)0);
}

/* (4.11): the IGNDQ update w += alpha dTD grad Q / ((1+mu)|grad Q|^2 + lambda) is the IGND
 * step with l' = -dTD, l'' = 1. Check the sign: a step with gn_bellman's l' moves Q toward T. */
static void test_bellman_sign(void **state)
{
    (void)state;
    double w[2] = {0.5, -0.25}, phi[2] = {1.0, 2.0};
    double q = w[0] * phi[0] + w[1] * phi[1]; /* 0 */
    gn_lossval lv;
    assert_int_equal(gn_bellman(&lv, q, 1.0, 0.9, 2.0), GN_OK); /* T = 2.8 */
    assert_true(lv.lp == -(1.0 + 0.9 * 2.0 - q) && lv.lpp == 1.0);
    gn_damping dmp = {1e-3, 0.0};
    assert_int_equal(gn_step_ignd(w, phi, 2, lv.lp, lv.lpp, 1.0, dmp), GN_OK);
    double q2 = w[0] * phi[0] + w[1] * phi[1];
    /* undamped with alpha = 1 would land on T exactly; lambda = 1e-3 stops just short */
    assert_true(q2 > q && q2 < 2.8 && 2.8 - q2 < 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bce_vs_definition),
        cmocka_unit_test(test_bce_soft_and_extreme),
        cmocka_unit_test(test_squared),
        cmocka_unit_test(test_bellman_sign),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
