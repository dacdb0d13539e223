/* test_ref_mp.c: the MPFR reference agrees with itself across routes (defining system vs
 * closed form, back-propagation vs finite differences), its error measures mean what their
 * contracts say, and a wrong closed form is detected (negative control).
 *
 * Tolerance. At 256 bits with 64 guard bits, both routes are accurate to about 2^-300
 * relative per component (the systems are solved at a precision raised by log2 cond); the
 * outputs are rounded to 256 bits, so two correct routes differ by at most 2 * 2^-256
 * relative: we require 2^-240, a margin of 2^15 for the sums over n <= 2000 terms. A formula
 * error changes a result at relative size about the perturbation (2^-20 or more here). */
#include "gn_test.h"

#include "gn_mp.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define PREC 256

/* log-uniform magnitude in [2^lo, 2^hi], random sign */
static double logu(gn_rng *r, double lo, double hi)
{
    double e = lo + (hi - lo) * gn_rng_uniform(r);
    double v = exp2(e);
    return gn_rng_uniform(r) < 0.5 ? -v : v;
}

/* max_i |a_i - b_i| / |b_i| (|a_i - b_i| when b_i = 0) as a double */
static double vrel(mpfr_srcptr a, mpfr_srcptr b, size_t n)
{
    mpfr_t d;
    mpfr_init2(d, PREC + 64);
    double mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        mpfr_sub(d, a + i, b + i, MPFR_RNDN);
        if (!mpfr_zero_p(b + i))
            mpfr_div(d, d, b + i, MPFR_RNDN);
        double v = fabs(mpfr_get_d(d, MPFR_RNDU));
        if (v > mx)
            mx = v;
    }
    mpfr_clear(d);
    return mx;
}

static double srel(mpfr_srcptr a, mpfr_srcptr b) { return vrel(a, b, 1); }

typedef struct {
    size_t n;
    double *j;
    double lp, lpp, alpha;
    gn_damping dmp;
} inst;

static void draw(inst *I, gn_rng *r, size_t n)
{
    I->n = n;
    I->j = malloc(n * sizeof(double));
    double sc = gn_rng_uniform(r) * 300.0 - 150.0; /* entry scale 2^sc */
    for (size_t i = 0; i < n; i++)
        I->j[i] = logu(r, sc - 4, sc + 4);
    I->lp = logu(r, -30, 30);
    I->lpp = fabs(logu(r, -30, 30));
    I->alpha = fabs(logu(r, -5, 1));
    /* lambda from tiny to huge relative to (lpp + mu)|j|^2, so cond spans 1 .. 2^400 */
    I->dmp.lambda = fabs(logu(r, 2 * sc - 300, 2 * sc + 100));
    I->dmp.mu = gn_rng_uniform(r) < 0.3 ? 0.0 : fabs(logu(r, -30, 30));
}

static const size_t sizes[] = {1, 2, 3, 5, 17, 64, 96, 97, 300, 2000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void test_damped_system_vs_closed(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t iters = gn_test_iters(3);
    for (size_t s = 0; s < NSIZES; s++) {
        for (size_t it = 0; it < iters; it++) {
            gn_rng r;
            gn_rng_seed(&r, seed, s * 1000 + it);
            inst I;
            size_t n = sizes[s];
            draw(&I, &r, n);
            mpfr_ptr j = gn_mp_vec_alloc(n, 53), d1 = gn_mp_vec_alloc(n, PREC),
                     d2 = gn_mp_vec_alloc(n, PREC);
            gn_mp_vec_set_d(j, I.j, n);
            mpfr_t lp, lpp, al, x1, x2;
            mpfr_inits2(PREC, lp, lpp, al, x1, x2, (mpfr_ptr)0);
            mpfr_set_d(lp, I.lp, MPFR_RNDN);
            mpfr_set_d(lpp, I.lpp, MPFR_RNDN);
            mpfr_set_d(al, I.alpha, MPFR_RNDN);
            gn_mp_damping D;
            gn_mp_damping_init_set(&D, I.dmp, PREC);
            assert_int_equal(gn_mp_dir_damped(d1, j, n, lp, lpp, &D, MPFR_RNDN), GN_OK);
            assert_int_equal(gn_mp_dir_damped_closed(d2, j, n, lp, lpp, &D, MPFR_RNDN), GN_OK);
            double e = vrel(d1, d2, n);
            if (!(e <= 0x1p-240))
                fail_msg("dir_damped: seed %llu n %zu rel %a (j0 %a lp %a lpp %a lam %a mu %a)",
                         (unsigned long long)seed, n, e, I.j[0], I.lp, I.lpp, I.dmp.lambda,
                         I.dmp.mu);
            assert_int_equal(gn_mp_xi(x1, j, n, lpp, &D, MPFR_RNDN), GN_OK);
            assert_int_equal(gn_mp_xi_closed(x2, j, n, lpp, &D, MPFR_RNDN), GN_OK);
            e = srel(x1, x2);
            if (!(e <= 0x1p-240))
                fail_msg("xi: seed %llu n %zu rel %a", (unsigned long long)seed, n, e);
            assert_int_equal(gn_mp_delta_damped(x1, j, n, lp, lpp, al, &D, MPFR_RNDN), GN_OK);
            assert_int_equal(gn_mp_delta_damped_closed(x2, j, n, lp, lpp, al, &D, MPFR_RNDN),
                             GN_OK);
            e = srel(x1, x2);
            if (!(e <= 0x1p-240))
                fail_msg("delta: seed %llu n %zu rel %a", (unsigned long long)seed, n, e);
            /* negative control: mu added after the outer product, 1/(lpp|j|^2 + mu + lambda),
             * in MPFR: must differ from the system's xi whenever mu|j|^2 differs from mu
             * by more than the tolerance (checked with mu > 0 and |j|^2 != 1) */
            if (I.dmp.mu > 0.0) {
                mpfr_t jj, wrong;
                mpfr_inits2(PREC, jj, wrong, (mpfr_ptr)0);
                gn_mp_xi(x1, j, n, lpp, &D, MPFR_RNDN);
                gn_mp_norm2sq(jj, j, n, MPFR_RNDN);
                mpfr_mul(wrong, jj, lpp, MPFR_RNDN);
                mpfr_add(wrong, wrong, D.mu, MPFR_RNDN);
                mpfr_add(wrong, wrong, D.lambda, MPFR_RNDN);
                mpfr_ui_div(wrong, 1, wrong, MPFR_RNDN);
                /* predicted relative difference: mu |1 - |j|^2| / den_wrong */
                mpfr_t pred;
                mpfr_init2(pred, PREC);
                mpfr_sub_ui(pred, jj, 1, MPFR_RNDN);
                mpfr_mul(pred, pred, D.mu, MPFR_RNDN);
                mpfr_mul(pred, pred, wrong, MPFR_RNDN);
                if (fabs(mpfr_get_d(pred, MPFR_RNDN)) > 0x1p-200) {
                    e = srel(wrong, x1);
                    if (!(e > 0x1p-240))
                        fail_msg("negative control not detected: seed %llu n %zu",
                                 (unsigned long long)seed, n);
                }
                mpfr_clears(jj, wrong, pred, (mpfr_ptr)0);
            }
            gn_mp_damping_clear(&D);
            mpfr_clears(lp, lpp, al, x1, x2, (mpfr_ptr)0);
            gn_mp_vec_free(j, n);
            gn_mp_vec_free(d1, n);
            gn_mp_vec_free(d2, n);
            free(I.j);
        }
    }
}

static void test_mp_minnorm_vs_closed(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t iters = gn_test_iters(3);
    for (size_t s = 0; s < NSIZES; s++) {
        for (size_t it = 0; it < iters; it++) {
            gn_rng r;
            gn_rng_seed(&r, seed, 50000 + s * 1000 + it);
            inst I;
            size_t n = sizes[s];
            draw(&I, &r, n);
            if (n > 3 && it == 0)
                I.j[1] = 0.0; /* a zero component: the pivoting must not care */
            mpfr_ptr j = gn_mp_vec_alloc(n, 53), d1 = gn_mp_vec_alloc(n, PREC),
                     d2 = gn_mp_vec_alloc(n, PREC);
            gn_mp_vec_set_d(j, I.j, n);
            mpfr_t lp, lpp;
            mpfr_inits2(PREC, lp, lpp, (mpfr_ptr)0);
            mpfr_set_d(lp, I.lp, MPFR_RNDN);
            mpfr_set_d(lpp, I.lpp, MPFR_RNDN);
            assert_int_equal(gn_mp_dir_pinv(d1, j, n, lp, lpp, MPFR_RNDN), GN_OK);
            assert_int_equal(gn_mp_dir_pinv_closed(d2, j, n, lp, lpp, MPFR_RNDN), GN_OK);
            double e = vrel(d1, d2, n);
            if (!(e <= 0x1p-240))
                fail_msg("dir_mp: seed %llu n %zu rel %a", (unsigned long long)seed, n, e);
            /* it solves (3.8): G d = -g, i.e. lpp (j.d) = -lp */
            mpfr_t jd;
            mpfr_init2(jd, PREC + 64);
            mpfr_set_zero(jd, 1);
            for (size_t i = 0; i < n; i++)
                mpfr_fma(jd, j + i, d1 + i, jd, MPFR_RNDN);
            mpfr_mul(jd, jd, lpp, MPFR_RNDN);
            mpfr_neg(jd, jd, MPFR_RNDN);
            e = srel(jd, lp);
            if (!(e <= 0x1p-240))
                fail_msg("dir_mp residual: seed %llu n %zu rel %a", (unsigned long long)seed, n,
                         e);
            /* negative control: a particular solution with a null-space component (d + v,
             * v orthogonal to j) solves (3.8) too but is not minimum-norm: the closed form
             * must differ from it */
            if (n >= 2 && I.j[0] != 0.0 && I.j[1] != 0.0) {
                mpfr_t v0, v1;
                mpfr_inits2(PREC, v0, v1, (mpfr_ptr)0);
                /* v = (j1, -j0, 0, ...) scaled to |d| */
                mpfr_mul(v0, j + 1, d1 + 0, MPFR_RNDN);
                mpfr_div(v0, v0, j + 0, MPFR_RNDN);
                mpfr_add(v0, d1 + 0, v0, MPFR_RNDN);
                mpfr_set(v1, d1 + 0, MPFR_RNDN);
                mpfr_sub(v1, d1 + 1, v1, MPFR_RNDN);
                mpfr_set(d1 + 0, v0, MPFR_RNDN);
                mpfr_set(d1 + 1, v1, MPFR_RNDN);
                e = vrel(d1, d2, n);
                if (!(e > 0x1p-240))
                    fail_msg("min-norm negative control not detected: seed %llu n %zu",
                             (unsigned long long)seed, n);
                mpfr_clears(v0, v1, (mpfr_ptr)0);
            }
            mpfr_clear(jd);
            mpfr_clears(lp, lpp, (mpfr_ptr)0);
            gn_mp_vec_free(j, n);
            gn_mp_vec_free(d1, n);
            gn_mp_vec_free(d2, n);
            free(I.j);
        }
    }
}

static void test_statuses(void **state)
{
    (void)state;
    size_t n = 4;
    mpfr_ptr j = gn_mp_vec_alloc(n, 53), d = gn_mp_vec_alloc(n, PREC);
    mpfr_t lp, lpp, x;
    mpfr_inits2(PREC, lp, lpp, x, (mpfr_ptr)0);
    mpfr_set_d(lp, 1.5, MPFR_RNDN);
    mpfr_set_d(lpp, 2.0, MPFR_RNDN);
    gn_damping dm = {1e-3, 0.5};
    gn_mp_damping D;
    gn_mp_damping_init_set(&D, dm, PREC);
    /* j = 0 */
    assert_int_equal(gn_mp_dir_pinv(d, j, n, lp, lpp, MPFR_RNDN), GN_EZERO);
    assert_int_equal(gn_mp_dir_pinv_closed(d, j, n, lp, lpp, MPFR_RNDN), GN_EZERO);
    assert_int_equal(gn_mp_dir_damped(d, j, n, lp, lpp, &D, MPFR_RNDN), GN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(mpfr_zero_p(d + i));
    assert_int_equal(gn_mp_xi(x, j, n, lpp, &D, MPFR_RNDN), GN_OK);
    assert_true(mpfr_cmp_d(x, 1e3) == 0 || fabs(mpfr_get_d(x, MPFR_RNDN) - 1e3) < 1e-9);
    mpfr_set_d(j + 2, 3.0, MPFR_RNDN);
    /* lpp = 0: MP undefined, damped fine */
    mpfr_set_zero(lpp, 1);
    assert_int_equal(gn_mp_dir_pinv(d, j, n, lp, lpp, MPFR_RNDN), GN_EZERO);
    assert_int_equal(gn_mp_dir_damped(d, j, n, lp, lpp, &D, MPFR_RNDN), GN_OK);
    /* lpp < 0 */
    mpfr_set_d(lpp, -1.0, MPFR_RNDN);
    assert_int_equal(gn_mp_dir_pinv(d, j, n, lp, lpp, MPFR_RNDN), GN_ENEGCURV);
    assert_int_equal(gn_mp_xi(x, j, n, lpp, &D, MPFR_RNDN), GN_ENEGCURV);
    mpfr_set_d(lpp, 1.0, MPFR_RNDN);
    /* lambda <= 0, mu < 0 */
    mpfr_set_zero(D.lambda, 1);
    assert_int_equal(gn_mp_dir_damped(d, j, n, lp, lpp, &D, MPFR_RNDN), GN_EDOM);
    mpfr_set_d(D.lambda, 1.0, MPFR_RNDN);
    mpfr_set_d(D.mu, -1.0, MPFR_RNDN);
    assert_int_equal(gn_mp_xi(x, j, n, lpp, &D, MPFR_RNDN), GN_EDOM);
    mpfr_set_d(D.mu, 0.0, MPFR_RNDN);
    /* NaN */
    mpfr_set_nan(lp);
    assert_int_equal(gn_mp_dir_damped(d, j, n, lp, lpp, &D, MPFR_RNDN), GN_ENONFINITE);
    mpfr_set_d(lp, 1.0, MPFR_RNDN);
    assert_int_equal(gn_mp_dir_damped(d, j, 0, lp, lpp, &D, MPFR_RNDN), GN_ESIZE);
    /* normgrad / sps with lp = 0 */
    mpfr_set_zero(lp, 1);
    mpfr_t a, c, inf;
    mpfr_inits2(PREC, a, c, inf, (mpfr_ptr)0);
    mpfr_set_d(a, 0.1, MPFR_RNDN);
    mpfr_set_ui(c, 1, MPFR_RNDN);
    mpfr_set_inf(inf, 1);
    assert_int_equal(gn_mp_step_normgrad(d, j, n, lp, a, MPFR_RNDN), GN_EZERO);
    assert_int_equal(gn_mp_step_sps(d, j, n, c, a, lp, c, inf, MPFR_RNDN), GN_EZERO);
    mpfr_clears(a, c, inf, (mpfr_ptr)0);
    gn_mp_damping_clear(&D);
    mpfr_clears(lp, lpp, x, (mpfr_ptr)0);
    gn_mp_vec_free(j, n);
    gn_mp_vec_free(d, n);
}

static void test_ulps_and_mixed(void **state)
{
    (void)state;
    mpfr_t x;
    mpfr_init2(x, PREC);
    mpfr_set_d(x, 1.0, MPFR_RNDN);
    assert_true(gn_mp_ulps(1.0, x) == 0.0);
    /* 1 + 2^-52 against 1: the ulp of 1 is 2^-52 */
    assert_true(gn_mp_ulps(1.0 + 0x1p-52, x) == 1.0);
    /* 1 - 2^-53 against 1: half the ulp of 1 */
    assert_true(gn_mp_ulps(1.0 - 0x1p-53, x) == 0.5);
    /* exact 2^-1100, got 0: 2^-26 subnormal spacings */
    mpfr_set_ui_2exp(x, 1, -1100, MPFR_RNDN);
    assert_true(gn_mp_ulps(0.0, x) == 0x1p-26);
    /* exact 0, got the smallest subnormal: 1 */
    mpfr_set_zero(x, 1);
    assert_true(gn_mp_ulps(0x1p-1074, x) == 1.0);
    /* exact 3 * 2^-1070 (subnormal), got 2^-1068: (4 - 3) 2^-1070 = 16 spacings */
    mpfr_set_ui_2exp(x, 3, -1070, MPFR_RNDN);
    assert_true(gn_mp_ulps(0x1p-1068, x) == 16.0);
    /* exact just above DBL_MAX, got inf */
    mpfr_set_d(x, DBL_MAX, MPFR_RNDN);
    mpfr_mul_ui(x, x, 2, MPFR_RNDN);
    assert_true(isinf(gn_mp_ulps(INFINITY, x)));
    assert_true(isinf(gn_mp_ulps(NAN, x)));
    /* mixed: w = 1, s = 1 exact, got = exact + 2u: |err| / (u (|w| + |s|)) = 1 */
    mpfr_ptr ex = gn_mp_vec_alloc(2, PREC), s = gn_mp_vec_alloc(2, PREC);
    double w[2] = {1.0, 0.0}, got[2];
    mpfr_set_d(ex + 0, 2.0, MPFR_RNDN);
    mpfr_set_d(s + 0, 1.0, MPFR_RNDN);
    got[0] = 2.0 + 0x1p-51; /* err 2^-51 = 4u; denominator 2u: 2 units */
    /* second component: w = s = 0, exact 0, got 2^-1074: the floor makes it 1 unit */
    mpfr_set_zero(ex + 1, 1);
    mpfr_set_zero(s + 1, 1);
    got[1] = 0x1p-1074;
    size_t at = 9;
    double m = gn_mp_mixed(got, ex, w, s, 2, &at);
    assert_true(m == 2.0);
    assert_int_equal(at, 0);
    got[0] = 2.0;
    m = gn_mp_mixed(got, ex, w, s, 2, &at);
    assert_true(m == 1.0);
    assert_int_equal(at, 1);
    got[1] = NAN;
    assert_true(isinf(gn_mp_mixed(got, ex, w, s, 2, NULL)));
    gn_mp_vec_free(ex, 2);
    gn_mp_vec_free(s, 2);
    mpfr_clear(x);
}

/* BCE from its definition against the stable form in MPFR, (4.9)-(4.10) */
static void test_bce_definition_vs_stable(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng r;
    gn_rng_seed(&r, seed, 77);
    gn_mp_lossval v;
    gn_mp_lossval_init(&v, PREC);
    mpfr_t f, y, l, sp, sm, t, lp, lpp;
    mpfr_inits2(PREC + 2000, f, y, l, sp, sm, t, lp, lpp, (mpfr_ptr)0);
    size_t iters = gn_test_iters(200);
    for (size_t it = 0; it < iters; it++) {
        double fd = (gn_rng_uniform(&r) * 2 - 1) * (it % 3 == 0 ? 800.0 : 30.0);
        double yd = it % 4 == 0 ? 0.0 : it % 4 == 1 ? 1.0 : gn_rng_uniform(&r);
        mpfr_set_d(f, fd, MPFR_RNDN);
        mpfr_set_d(y, yd, MPFR_RNDN);
        assert_int_equal(gn_mp_loss_bce(&v, f, y, MPFR_RNDN), GN_OK);
        /* stable: l = max(f,0) - y f + log1p(exp(-|f|)); sigma(+-f) without cancellation */
        mpfr_abs(t, f, MPFR_RNDN);
        mpfr_neg(t, t, MPFR_RNDN);
        mpfr_exp(t, t, MPFR_RNDN);
        mpfr_log1p(l, t, MPFR_RNDN);
        if (fd > 0)
            mpfr_add(l, l, f, MPFR_RNDN);
        mpfr_mul(sp, y, f, MPFR_RNDN);
        mpfr_sub(l, l, sp, MPFR_RNDN);
        mpfr_add_ui(sp, t, 1, MPFR_RNDN);
        mpfr_ui_div(sp, 1, sp, MPFR_RNDN); /* 1/(1 + e^-|f|) */
        mpfr_mul(sm, t, sp, MPFR_RNDN);    /* e^-|f|/(1 + e^-|f|) */
        if (fd < 0)
            mpfr_swap(sp, sm);
        mpfr_sub(lp, sp, y, MPFR_RNDN);
        mpfr_mul(lpp, sp, sm, MPFR_RNDN);
        double e1 = srel(v.l, l), e2 = srel(v.lp, lp), e3 = srel(v.lpp, lpp);
        if (!(e1 <= 0x1p-240 && e2 <= 0x1p-240 && e3 <= 0x1p-240))
            fail_msg("bce: seed %llu f %a y %a rel l %a lp %a lpp %a", (unsigned long long)seed,
                     fd, yd, e1, e2, e3);
    }
    /* negative control: l'' = p^2 (a wrong derivative) differs */
    mpfr_set_d(f, 0.7, MPFR_RNDN);
    mpfr_set_d(y, 1.0, MPFR_RNDN);
    gn_mp_loss_bce(&v, f, y, MPFR_RNDN);
    mpfr_neg(t, f, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(t, 1, t, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    assert_true(srel(v.lpp, t) > 0x1p-240);
    /* |f| above the declared limit: declined */
    mpfr_set_d(f, 5000.0, MPFR_RNDN);
    assert_int_equal(gn_mp_loss_bce(&v, f, y, MPFR_RNDN), GN_ERANGE);
    mpfr_set_d(y, 1.5, MPFR_RNDN);
    assert_int_equal(gn_mp_loss_bce(&v, f, y, MPFR_RNDN), GN_EDOM);
    mpfr_clears(f, y, l, sp, sm, t, lp, lpp, (mpfr_ptr)0);
    gn_mp_lossval_clear(&v);
}

/* MLP back-propagation in MPFR against central differences in MPFR: with step h = 2^-120
 * at 1024 bits the truncation error is O(h^2 f''') ~ 2^-240 and the cancellation loses
 * 120 of 1024 bits. ReLU networks are smooth except at kinks, which random inputs miss by
 * far more than h. */
static void test_mlp_backprop_vs_fd(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    const size_t shapes[3][4] = {{3, 5, 4, 1}, {2, 7, 1, 0}, {4, 1, 0, 0}};
    const size_t nw[3] = {4, 3, 2};
    const mpfr_prec_t P = 1024;
    for (int sh = 0; sh < 3; sh++) {
        for (int act = 0; act < GN_NACT; act++) {
            gn_mlp *m = gn_mlp_alloc(shapes[sh], nw[sh], (gn_act)act);
            assert_non_null(m);
            size_t np = m->nparams, nin = shapes[sh][0];
            double *w = malloc(np * sizeof(double)), x[8];
            gn_mlp_init(m, w, seed + (uint64_t)(sh * 10 + act));
            gn_rng r;
            gn_rng_seed(&r, seed, 900 + (uint64_t)(sh * 10 + act));
            for (size_t i = 0; i < np; i++)
                w[i] += 0.3 * gn_rng_normal(&r); /* non-zero biases too */
            for (size_t i = 0; i < nin; i++)
                x[i] = gn_rng_normal(&r);
            mpfr_ptr W = gn_mp_vec_alloc(np, P), X = gn_mp_vec_alloc(nin, P);
            mpfr_ptr J = gn_mp_vec_alloc(np, P);
            gn_mp_vec_set_d(W, w, np);
            gn_mp_vec_set_d(X, x, nin);
            mpfr_t f, fp, fm, fd;
            mpfr_inits2(P, f, fp, fm, fd, (mpfr_ptr)0);
            assert_int_equal(gn_mp_mlp_eval(m, f, J, W, X, MPFR_RNDN), GN_OK);
            /* the double core agrees to double accuracy (sanity; validate measures it) */
            double fdbl;
            double *jd = malloc(np * sizeof(double));
            assert_int_equal(gn_mlp_eval(m, &fdbl, jd, w, x), GN_OK);
            assert_true(fabs(fdbl - mpfr_get_d(f, MPFR_RNDN)) <= 1e-12 * (1 + fabs(fdbl)));
            double worst = 0.0;
            for (size_t i = 0; i < np; i++) {
                mpfr_t wi;
                mpfr_init2(wi, P);
                mpfr_set(wi, W + i, MPFR_RNDN);
                mpfr_add_d(W + i, wi, 0x1p-120, MPFR_RNDN);
                gn_mp_mlp_eval(m, fp, NULL, W, X, MPFR_RNDN);
                mpfr_sub_d(W + i, wi, 0x1p-120, MPFR_RNDN);
                gn_mp_mlp_eval(m, fm, NULL, W, X, MPFR_RNDN);
                mpfr_set(W + i, wi, MPFR_RNDN);
                mpfr_sub(fd, fp, fm, MPFR_RNDN);
                mpfr_mul_2si(fd, fd, 119, MPFR_RNDN);
                mpfr_sub(fd, fd, J + i, MPFR_RNDN);
                double e = fabs(mpfr_get_d(fd, MPFR_RNDN));
                if (e > worst)
                    worst = e;
                mpfr_clear(wi);
            }
            if (!(worst <= 0x1p-200))
                fail_msg("mlp j vs fd: seed %llu shape %d act %s err %a", (unsigned long long)seed,
                         sh, gn_act_name((gn_act)act), worst);
            /* negative control: a j with one entry off by 2^-100 relative is caught */
            mpfr_mul_d(J + 0, J + 0, 1.0 + 0x1p-30, MPFR_RNDN);
            mpfr_add_d(W + 0, W + 0, 0x1p-120, MPFR_RNDN);
            gn_mp_mlp_eval(m, fp, NULL, W, X, MPFR_RNDN);
            mpfr_sub_d(W + 0, W + 0, 0x1p-119, MPFR_RNDN);
            gn_mp_mlp_eval(m, fm, NULL, W, X, MPFR_RNDN);
            mpfr_sub(fd, fp, fm, MPFR_RNDN);
            mpfr_mul_2si(fd, fd, 119, MPFR_RNDN);
            mpfr_sub(fd, fd, J + 0, MPFR_RNDN);
            if (!mpfr_zero_p(J + 0))
                assert_true(fabs(mpfr_get_d(fd, MPFR_RNDN)) > 0x1p-200);
            mpfr_clears(f, fp, fm, fd, (mpfr_ptr)0);
            gn_mp_vec_free(W, np);
            gn_mp_vec_free(X, nin);
            gn_mp_vec_free(J, np);
            free(jd);
            free(w);
            gn_mlp_free(m);
        }
    }
}

/* The update rules against their definitions written out here in MPFR for one instance
 * each (a transcription check of the reference, and of the measures on a known answer). */
static void test_rules_known_answers(void **state)
{
    (void)state;
    /* j = (3, 4): |j| = 5. lp = 2, lpp = 1, alpha = 0.5, lambda = 5, mu = 1:
     * damped IGND: w += alpha (-lp j / ((lpp+mu)|j|^2 + lambda)) = -0.5*2 j / 55 = -j/55.
     * undamped: -alpha lp j / (lpp |j|^2) = -j/25. normgrad: -alpha j/5 = -j/10.
     * SPS (l = 3, l* = 1, c = 2): gamma = 2 / (2 * 4 * 25) = 0.01, step -0.01 * 2 j = -j/50.
     * NLMS (e = 2, eta = 0.5, eps = 5): +0.5 * 2 x / 30 = x/30. */
    const double jd[2] = {3.0, 4.0};
    mpfr_ptr j = gn_mp_vec_alloc(2, 53), w = gn_mp_vec_alloc(2, PREC);
    gn_mp_vec_set_d(j, jd, 2);
    mpfr_t lp, lpp, al, l, ls, c, gm, e, eta, eps, q;
    mpfr_inits2(PREC, lp, lpp, al, l, ls, c, gm, e, eta, eps, q, (mpfr_ptr)0);
    mpfr_set_d(lp, 2, MPFR_RNDN);
    mpfr_set_d(lpp, 1, MPFR_RNDN);
    mpfr_set_d(al, 0.5, MPFR_RNDN);
    gn_damping dm = {5.0, 1.0};
    gn_mp_damping D;
    gn_mp_damping_init_set(&D, dm, PREC);
    struct {
        const char *name;
        double div; /* w = j / div */
    } want[5] = {{"ignd", -55}, {"undamped", -25}, {"normgrad", -10}, {"sps", -50}, {"nlms", 30}};
    for (int k = 0; k < 5; k++) {
        mpfr_set_zero(w + 0, 1);
        mpfr_set_zero(w + 1, 1);
        gn_status st = GN_OK;
        switch (k) {
        case 0: st = gn_mp_step_ignd(w, j, 2, lp, lpp, al, &D, MPFR_RNDN); break;
        case 1: st = gn_mp_step_ignd_undamped(w, j, 2, lp, lpp, al, MPFR_RNDN); break;
        case 2: st = gn_mp_step_normgrad(w, j, 2, lp, al, MPFR_RNDN); break;
        case 3:
            mpfr_set_d(l, 3, MPFR_RNDN);
            mpfr_set_d(ls, 1, MPFR_RNDN);
            mpfr_set_d(c, 2, MPFR_RNDN);
            mpfr_set_inf(gm, 1);
            st = gn_mp_step_sps(w, j, 2, l, ls, lp, c, gm, MPFR_RNDN);
            break;
        default:
            mpfr_set_d(e, 2, MPFR_RNDN);
            mpfr_set_d(eta, 0.5, MPFR_RNDN);
            mpfr_set_d(eps, 5, MPFR_RNDN);
            st = gn_mp_step_nlms(w, j, 2, e, eta, eps, MPFR_RNDN);
            break;
        }
        assert_int_equal(st, GN_OK);
        for (int i = 0; i < 2; i++) {
            mpfr_set_d(q, jd[i], MPFR_RNDN);
            mpfr_div_d(q, q, want[k].div, MPFR_RNDN);
            if (!(srel(w + i, q) <= 0x1p-250))
                fail_msg("%s component %d: got %a want %a", want[k].name, i,
                         mpfr_get_d(w + i, MPFR_RNDN), mpfr_get_d(q, MPFR_RNDN));
        }
    }
    /* SPS cap: gamma_max = 0.001 < 0.01: step -0.001 * 2 j */
    mpfr_set_zero(w + 0, 1);
    mpfr_set_zero(w + 1, 1);
    mpfr_set_d(gm, 0.001, MPFR_RNDN);
    gn_mp_step_sps(w, j, 2, l, ls, lp, c, gm, MPFR_RNDN);
    mpfr_set_d(q, -0.006, MPFR_RNDN);
    assert_true(srel(w + 0, q) <= 0x1p-50);
    /* Adam, t = 1, b1 = b2 = 0.5: m = g/2, v = g^2/2, bias-corrected m^ = g, v^ = g^2:
     * w -= alpha g / (|g| + eps) */
    gn_mp_adam *A = gn_mp_adam_alloc(2, PREC);
    gn_adam_params p = {0.25, 0.5, 0.5, 1.0};
    mpfr_set_zero(w + 0, 1);
    mpfr_set_zero(w + 1, 1);
    mpfr_ptr g = gn_mp_vec_alloc(2, PREC);
    gn_mp_vec_set_d(g, jd, 2);
    assert_int_equal(gn_mp_step_adam(A, w, g, &p, MPFR_RNDN), GN_OK);
    mpfr_set_d(q, -0.25 * 3.0 / 4.0, MPFR_RNDN);
    assert_true(srel(w + 0, q) <= 0x1p-250);
    gn_mp_vec_free(g, 2);
    gn_mp_adam_free(A);
    gn_mp_damping_clear(&D);
    mpfr_clears(lp, lpp, al, l, ls, c, gm, e, eta, eps, q, (mpfr_ptr)0);
    gn_mp_vec_free(j, 2);
    gn_mp_vec_free(w, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damped_system_vs_closed),
        cmocka_unit_test(test_mp_minnorm_vs_closed),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_ulps_and_mixed),
        cmocka_unit_test(test_bce_definition_vs_stable),
        cmocka_unit_test(test_mlp_backprop_vs_fd),
        cmocka_unit_test(test_rules_known_answers),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
