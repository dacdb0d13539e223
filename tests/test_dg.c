/* test_dg.c: the Duncan-Guttman direction (gn_dg.h), its references and the DG validate
 * section, with the negative controls. */
#include "gn_test.h"

#include "gn.h"
#include "gn_ref_dg.h"
#include "gn_mp_dg.h"
#include "val_dg.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define U_ (DBL_EPSILON / 2.0)

/* a random batch with diagonal Q > 0 (or softmax when c > 1) */
typedef struct {
    size_t b, c, d;
    double J[96 * 40], r[96], q[96]; /* room beyond the workspaces' bcmax of 64 */
} tb;

static gn_dg_batch mk(tb *t, size_t b, size_t c, size_t d, uint64_t stream, double lambda,
                      double mu)
{
    gn_rng g;
    gn_rng_seed(&g, gn_test_seed(), stream);
    t->b = b;
    t->c = c;
    t->d = d;
    size_t n = b * c;
    for (size_t i = 0; i < n * d; i++)
        t->J[i] = gn_rng_normal(&g);
    for (size_t i = 0; i < n; i++)
        t->r[i] = gn_rng_normal(&g);
    if (c == 1)
        for (size_t i = 0; i < n; i++)
            t->q[i] = 0.1 + gn_rng_uniform(&g);
    else
        for (size_t s = 0; s < b; s++) {
            double sum = 0.0;
            for (size_t a = 0; a < c; a++)
                sum += (t->q[s * c + a] = exp(gn_rng_normal(&g)));
            for (size_t a = 0; a < c; a++)
                t->q[s * c + a] /= sum;
        }
    gn_dg_batch B = {b, c, d, t->J, t->r, c == 1 ? GN_Q_DIAG : GN_Q_SOFTMAX, t->q, mu, lambda};
    return B;
}

/* dir must keep its sentinel bits after a failing call */
static void expect_untouched(const double *dir, size_t d, const char *what)
{
    for (size_t k = 0; k < d; k++)
        if (memcmp(&dir[k], &(double){-7.25}, sizeof(double)) != 0)
            fail_msg("%s: dir[%zu] = %a was written (seed %llu)", what, k, dir[k],
                     (unsigned long long)gn_test_seed());
}

static void check_bad(gn_dg_batch B, gn_dg_ws *w, gn_dg_route route, gn_status want,
                      const char *what)
{
    double dir[40];
    for (size_t k = 0; k < 40; k++)
        dir[k] = -7.25;
    gn_status st = gn_dg_dir(dir, w, &B, route);
    if (st != want)
        fail_msg("%s: status %s, expected %s (seed %llu)", what, gn_strerror(st),
                 gn_strerror(want), (unsigned long long)gn_test_seed());
    expect_untouched(dir, 40, what);
}

static void test_bad_input(void **state)
{
    (void)state;
    static tb t;
    gn_dg_ws *w = gn_dg_ws_alloc(64, 40, GN_DG_AUTO);
    gn_dg_ws *wpush = gn_dg_ws_alloc(8, 40, GN_DG_PUSH);
    assert_non_null(w);
    assert_non_null(wpush);
    for (int route = GN_DG_AUTO; route < GN_DG_NROUTE; route++) {
        gn_dg_ws *ws = gn_dg_ws_alloc(64, 40, (gn_dg_route)route);
        assert_non_null(ws);
        size_t bs[2] = {4, 50}; /* push side and primal side of d = 30 */
        for (int side = 0; side < 2; side++) {
            gn_dg_batch B = mk(&t, bs[side], 1, 30, 1, 0.5, 0.0);
            gn_dg_route rt = (gn_dg_route)route;
            t.J[37] = NAN;
            check_bad(B, ws, rt, GN_ENONFINITE, "NaN in J");
            t.J[37] = INFINITY;
            check_bad(B, ws, rt, GN_ENONFINITE, "inf in J");
            t.J[37] = -INFINITY;
            check_bad(B, ws, rt, GN_ENONFINITE, "-inf in J");
            t.J[37] = 1e200; /* |J_1|^2 overflows: not representable */
            check_bad(B, ws, rt, GN_ERANGE, "overflowing row norm");
            t.J[37] = 0.5;
            t.r[2] = NAN;
            check_bad(B, ws, rt, GN_ENONFINITE, "NaN in r");
            t.r[2] = 1.0;
            t.q[3] = INFINITY;
            check_bad(B, ws, rt, GN_ENONFINITE, "inf in q");
            t.q[3] = -1e-300;
            check_bad(B, ws, rt, GN_ENOTPSD, "negative diagonal Q");
            t.q[3] = 0.5;
            B.lambda = 0.0;
            check_bad(B, ws, rt, GN_EDOM, "lambda = 0");
            B.lambda = -1.0;
            check_bad(B, ws, rt, GN_EDOM, "lambda < 0");
            B.lambda = NAN;
            check_bad(B, ws, rt, GN_EDOM, "lambda NaN");
            B.lambda = 0.5;
            B.mu = -1e-3;
            check_bad(B, ws, rt, GN_EDOM, "mu < 0");
            B.mu = 0.0;
            B.b = 0;
            check_bad(B, ws, rt, GN_ESIZE, "b = 0");
            B.b = bs[side];
            B.d = 0;
            check_bad(B, ws, rt, GN_ESIZE, "d = 0");
            B.d = 41;
            check_bad(B, ws, rt, GN_ESIZE, "d above the workspace's");
            B.d = 30;
            B.c = 0;
            check_bad(B, ws, rt, GN_ESIZE, "c = 0");
            B.c = 1;
            B.J = NULL;
            check_bad(B, ws, rt, GN_ESIZE, "J NULL");
            B.J = t.J;
            B.b = 65;
            check_bad(B, ws, rt, GN_ESIZE, "bc above the workspace's bcmax");
        }
        gn_dg_ws_free(ws);
    }
    /* softmax blocks that are not PSD: a negative probability, a sum above 1 */
    gn_dg_batch S = mk(&t, 5, 3, 20, 2, 0.5, 0.0);
    t.q[4] = -1e-12;
    check_bad(S, w, GN_DG_AUTO, GN_ENOTPSD, "softmax p < 0");
    t.q[3] = 0.5;
    t.q[4] = 0.5;
    t.q[5] = 0.1;
    check_bad(S, w, GN_DG_AUTO, GN_ENOTPSD, "softmax sum p = 1.1");
    /* the route's buffers missing */
    gn_dg_batch P = mk(&t, 4, 1, 30, 3, 0.5, 0.0);
    check_bad(P, wpush, GN_DG_PRIMAL, GN_ESIZE, "primal on a push-only workspace");
    /* positive control for the sentinel checks: a good call writes dir */
    double dir[40];
    for (size_t k = 0; k < 40; k++)
        dir[k] = -7.25;
    assert_int_equal(gn_dg_dir(dir, w, &P, GN_DG_AUTO), GN_OK);
    int written = 0;
    for (size_t k = 0; k < 30; k++)
        written |= dir[k] != -7.25;
    assert_true(written);
    gn_dg_ws_free(w);
    gn_dg_ws_free(wpush);
    gn_dg_ws_free(NULL);
    assert_null(gn_dg_ws_alloc(0, 10, GN_DG_AUTO));
    assert_null(gn_dg_ws_alloc(10, 0, GN_DG_AUTO));
    assert_null(gn_dg_ws_alloc(10, 10, GN_DG_NROUTE));
}

/* Cross-identity (MATH.md §9): b = c = 1, Q = l'' + mu gives IGND's d_lambda,mu (3.12).
 * Error analysis, per component, both against the exact d_i = -l' j_i / ((l''+mu)|j|^2 +
 * lambda): gn_dir_damped is within k + 4 units of |d_i| (its contract, w = 0 so the
 * mixed measure is relative to |d_i|), k = gn_sum_bound_k(n). The push route: K = |j|^2
 * (dsyrk, gamma_n), B = K + lambda/q (2 roundings), h = r/q (1), z = h/B (1, Cholesky of a
 * 1 x 1 matrix is a sqrt and the solve two divisions: 3), dir = -z j / b (2): relative
 * error <= gamma_(n+9). The primal route (d = 1): the same count with n = 1. So
 *   |dg_i - ignd_i| <= (gamma_(n+9) + (k+4) u) |ignd_i| (1 + (k+4) u). */
static int cross_check(const double *dg, const double *ig, size_t n, double *worst)
{
    double tol = gn_sum_bound_k(n) + 4.0;
    double bound = (((double)n + 9.0) * U_ / (1.0 - ((double)n + 9.0) * U_) + tol * U_) *
                   (1.0 + tol * U_);
    int ok = 1;
    *worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(dg[i] - ig[i]);
        double lim = bound * fabs(ig[i]);
        if (lim > 0.0)
            *worst = fmax(*worst, e / lim);
        if (!(e <= lim))
            ok = 0;
    }
    return ok;
}

static void test_cross_identity(void **state)
{
    (void)state;
    static tb t;
    gn_dg_ws *w = gn_dg_ws_alloc(1, 40, GN_DG_AUTO);
    assert_non_null(w);
    size_t iters = gn_test_iters(200);
    int wrong_caught = 0;
    for (size_t it = 0; it < iters; it++) {
        size_t d = 1 + it % 40;
        double lambda = pow(10.0, -3.0 + 4.0 * (double)(it % 7) / 6.0);
        double mu = (it % 3) ? 0.25 : 0.0;
        gn_dg_batch B = mk(&t, 1, 1, d, 100 + it, lambda, mu);
        double dg[40], ig[40], ig2[40], wrong[40], worst;
        gn_damping dmp = {lambda, mu};
        assert_int_equal(gn_dg_dir(dg, w, &B, GN_DG_AUTO), GN_OK);
        assert_int_equal(gn_dir_damped(ig, t.J, d, t.r[0], t.q[0], dmp), GN_OK);
        if (!cross_check(dg, ig, d, &worst))
            fail_msg("DG (b=c=1) != IGND (3.12): worst %.3g of the bound; d=%zu lambda=%a "
                     "mu=%a lp=%a lpp=%a seed %llu",
                     worst, d, lambda, mu, t.r[0], t.q[0], (unsigned long long)gn_test_seed());
        /* q = l'' + mu folded, mu = 0: the same direction */
        double qf = t.q[0] + mu;
        gn_dg_batch B2 = B;
        B2.q = &qf;
        B2.mu = 0.0;
        assert_int_equal(gn_dg_dir(ig2, w, &B2, GN_DG_AUTO), GN_OK);
        assert_true(cross_check(ig2, ig, d, &worst));
        /* the batched IGND with b = 1 is the same direction */
        assert_int_equal(gn_dg_ignd(ig2, w, &B), GN_OK);
        assert_true(cross_check(ig2, ig, d, &worst));
        /* negative control: the same check on a wrong identity (mu dropped) must fail */
        if (mu > 0.0) {
            gn_damping nomu = {lambda, 0.0};
            assert_int_equal(gn_dir_damped(wrong, t.J, d, t.r[0], t.q[0], nomu), GN_OK);
            wrong_caught += !cross_check(dg, wrong, d, &worst);
        }
    }
    size_t with_mu = 0;
    for (size_t it = 0; it < iters; it++)
        with_mu += (it % 3) != 0;
    if ((size_t)wrong_caught != with_mu)
        fail_msg("the cross-identity check missed a dropped mu in %zu of %zu cases",
                 with_mu - (size_t)wrong_caught, with_mu);
    gn_dg_ws_free(w);
}

/* the batched IGND for c > 1 with b = 1 equals the DG direction (same system) */
static void test_ignd_softmax(void **state)
{
    (void)state;
    static tb t;
    gn_dg_ws *w = gn_dg_ws_alloc(30, 20, GN_DG_AUTO);
    assert_non_null(w);
    gn_dg_batch B = mk(&t, 1, 3, 20, 7, 0.3, 0.01);
    double a[20], b[20], ang, rat;
    assert_int_equal(gn_dg_dir(a, w, &B, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ignd(b, w, &B), GN_OK);
    assert_int_equal(gn_dg_compare(&ang, &rat, a, b, 20), GN_OK);
    /* the same push solve on the same data: bitwise equal up to the 1/b average (b = 1) */
    assert_true(ang == 0.0 || ang < 1e-14);
    assert_true(fabs(rat - 1.0) < 1e-14);
    /* b > 1: a different direction by design; measured, and at least not identical */
    gn_dg_batch B5 = mk(&t, 5, 3, 20, 8, 0.3, 0.01);
    assert_int_equal(gn_dg_dir(a, w, &B5, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ignd(b, w, &B5), GN_OK);
    assert_int_equal(gn_dg_compare(&ang, &rat, a, b, 20), GN_OK);
    assert_true(ang > 1e-6);
    gn_dg_ws_free(w);
}

static void test_compare(void **state)
{
    (void)state;
    double u[3] = {1, 2, 3}, v[3] = {2, 4, 6}, m[3] = {-1, -2, -3}, o[3] = {2, -1, 0};
    double z[3] = {0, 0, 0}, ang, rat;
    assert_int_equal(gn_dg_compare(&ang, &rat, u, v, 3), GN_OK);
    assert_true(ang <= 4 * U_);
    assert_true(fabs(rat - 0.5) <= 4 * U_);
    assert_int_equal(gn_dg_compare(&ang, &rat, u, m, 3), GN_OK);
    assert_true(fabs(ang - acos(-1.0)) <= 8 * U_);
    assert_int_equal(gn_dg_compare(&ang, &rat, u, o, 3), GN_OK);
    assert_true(fabs(ang - acos(0.0)) <= 8 * U_);
    /* tiny angle, where acos of the cosine would lose it: (1, 1e-10) vs (1, 0) */
    double s1[2] = {1, 1e-10}, s2[2] = {1, 0};
    assert_int_equal(gn_dg_compare(&ang, &rat, s1, s2, 2), GN_OK);
    assert_true(fabs(ang - 1e-10) <= 1e-10 * 8 * U_);
    /* no overflow for huge vectors */
    double h1[2] = {1e300, 1e300}, h2[2] = {1e300, 0};
    assert_int_equal(gn_dg_compare(&ang, &rat, h1, h2, 2), GN_OK);
    assert_true(fabs(ang - acos(-1.0) / 4) <= 8 * U_);
    assert_true(fabs(rat - sqrt(2.0)) <= 8 * U_);
    assert_int_equal(gn_dg_compare(&ang, &rat, u, z, 3), GN_EZERO);
    assert_int_equal(gn_dg_compare(&ang, &rat, u, v, 0), GN_ESIZE);
    v[1] = NAN;
    assert_int_equal(gn_dg_compare(&ang, &rat, u, v, 3), GN_ENONFINITE);
}

/* the DG validate section passes on the real routes... */
static void test_section_passes(void **state)
{
    (void)state;
    val_row rows[64];
    val_opts o = {gn_test_seed(), 0.34 * (double)gn_test_iters(1), 256, NULL, 1, NULL, 0};
    size_t n = val_dg(rows, 64, &o);
    assert_true(n >= 18);
    size_t verdicts = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].informational)
            continue;
        verdicts++;
        if (!rows[i].pass)
            fail_msg("row %s: %.3g > %.3g: %s", rows[i].quantity, rows[i].max_err,
                     rows[i].bound, rows[i].worst);
        assert_true(rows[i].instances > 0);
    }
    assert_true(verdicts >= 18);
}

/* ...and fails on each known-wrong variant (the negative controls) */
static void test_section_mutants(void **state)
{
    (void)state;
    val_row rows[64];
    for (const char *const *m = val_dg_mutants; *m; m++) {
        val_opts o = {gn_test_seed(), 0.2, 256, *m, 1, NULL, 0};
        size_t n = val_dg(rows, 64, &o), failed = 0;
        for (size_t i = 0; i < n; i++)
            failed += !rows[i].informational && !rows[i].pass;
        if (failed == 0)
            fail_msg("mutant %s passed the DG section (seed %llu)", *m,
                     (unsigned long long)gn_test_seed());
    }
    val_opts bad = {gn_test_seed(), 0.2, 256, "no-such-variant", 1, NULL, 0};
    size_t n = val_dg(rows, 64, &bad);
    assert_true(n == 1 && !rows[0].pass);
}

/* the explicit reference agrees with MPFR within the bound the section derives; here a
 * direct spot check of the two references on one well-conditioned batch: kappa_2(A) <=
 * 1 + T/lambda ~ 1e2, so the explicit route's error is below 1e2 * 2 (3d+2 + n+c+4) u */
static void test_references(void **state)
{
    (void)state;
    static tb t;
    gn_dg_batch B = mk(&t, 6, 1, 12, 9, 1.0, 0.0);
    double x[12];
    mpfr_ptr ref = malloc(12 * sizeof(__mpfr_struct));
    assert_non_null(ref);
    for (int k = 0; k < 12; k++)
        mpfr_init2(ref + k, 200);
    assert_int_equal(gn_mp_dg_dir(ref, &B, 200, MPFR_RNDN), GN_OK);
    assert_int_equal(gn_ref_dg_explicit(x, &B), GN_OK);
    double T = 0.0;
    for (size_t i = 0; i < 6; i++)
        T += t.q[i] * gn_dot(t.J + i * 12, t.J + i * 12, 12);
    T /= 6.0;
    double kappa = 1.0 + T / 1.0;
    double bound = kappa * 2.0 * (3 * 12 + 2 + 6 + 1 + 4) * U_ * 2.0;
    double e = gn_mp_dg_fwderr(x, ref, 12);
    if (!(e <= bound))
        fail_msg("explicit vs MPFR: %.3g > %.3g (kappa <= %.3g) seed %llu", e, bound, kappa,
                 (unsigned long long)gn_test_seed());
    /* negative control: the same measure sees a 1e-10 relative perturbation */
    x[3] *= 1.0 + 1e-6;
    assert_true(gn_mp_dg_fwderr(x, ref, 12) > bound);
    /* bad input to the references */
    t.J[0] = NAN;
    assert_int_equal(gn_ref_dg_explicit(x, &B), GN_ENONFINITE);
    assert_int_equal(gn_mp_dg_dir(ref, &B, 200, MPFR_RNDN), GN_ENONFINITE);
    for (int k = 0; k < 12; k++)
        mpfr_clear(ref + k);
    free(ref);
}

/* repeated solves on one workspace give the same bits (no hidden state) */
static void test_workspace_reuse(void **state)
{
    (void)state;
    static tb t1, t2;
    gn_dg_ws *w = gn_dg_ws_alloc(40, 30, GN_DG_AUTO);
    assert_non_null(w);
    gn_dg_batch A = mk(&t1, 8, 1, 30, 11, 0.2, 0.0);
    gn_dg_batch S = mk(&t2, 4, 3, 30, 12, 0.2, 0.0);
    double a1[30], a2[30], s1[30];
    assert_int_equal(gn_dg_dir(a1, w, &A, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ws_last_route(w), GN_DG_PUSH);
    assert_int_equal(gn_dg_ws_last_fact(w), GN_DG_FACT_CHOL);
    assert_int_equal(gn_dg_dir(s1, w, &S, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ws_last_fact(w), GN_DG_FACT_LU);
    assert_int_equal(gn_dg_dir(a2, w, &A, GN_DG_AUTO), GN_OK);
    assert_memory_equal(a1, a2, sizeof a1);
    /* bc = d stays with push (a tie in flops), bc > d picks the primal route */
    gn_dg_batch E = mk(&t1, 30, 1, 30, 14, 0.2, 0.0);
    assert_int_equal(gn_dg_dir(a1, w, &E, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ws_last_route(w), GN_DG_PUSH);
    gn_dg_batch P = mk(&t1, 35, 1, 30, 13, 0.2, 0.0);
    assert_int_equal(gn_dg_dir(a1, w, &P, GN_DG_AUTO), GN_OK);
    assert_int_equal(gn_dg_ws_last_route(w), GN_DG_PRIMAL);
    assert_null(gn_dg_ws_last_z(w));
    assert_true(gn_dg_ws_bytes(w) > 30 * 30 * sizeof(double));
    gn_dg_ws_free(w);
}

/* softmax cross-entropy against MPFR. Error analysis: exp within 1 ulp each, the sum of c
 * terms gamma_c, log within 1 ulp plus the relative error of its argument as an absolute
 * error, the final add 1 rounding: |l - l_ref| <= (c + 4) u (1 + |l| + |max f - f_y|). */
static void test_softmax_ce(void **state)
{
    (void)state;
    gn_rng g;
    gn_rng_seed(&g, gn_test_seed(), 77);
    mpfr_t s, t, m;
    mpfr_inits2(200, s, t, m, (mpfr_ptr)0);
    size_t iters = gn_test_iters(300);
    for (size_t it = 0; it < iters; it++) {
        size_t c = 2 + it % 6, y = it % c;
        double f[8], p[8], r[8], l, scale = pow(10.0, (double)(it % 5) - 1.0);
        for (size_t k = 0; k < c; k++)
            f[k] = scale * gn_rng_normal(&g);
        assert_int_equal(gn_softmax_ce(&l, r, p, f, c, y), GN_OK);
        mpfr_set_zero(s, 1);
        double mx = f[0];
        for (size_t k = 0; k < c; k++) {
            mx = fmax(mx, f[k]);
            mpfr_set_d(t, f[k], MPFR_RNDN);
            mpfr_exp(t, t, MPFR_RNDN);
            mpfr_add(s, s, t, MPFR_RNDN);
        }
        mpfr_log(s, s, MPFR_RNDN);
        mpfr_sub_d(s, s, f[y], MPFR_RNDN);
        double lref = mpfr_get_d(s, MPFR_RNDN);
        double bound = ((double)c + 4.0) * U_ * (1.0 + fabs(l) + fabs(mx - f[y]));
        if (!(fabs(l - lref) <= bound))
            fail_msg("softmax l = %a, MPFR %a, bound %a; c=%zu y=%zu scale=%g seed %llu", l,
                     lref, bound, c, y, scale, (unsigned long long)gn_test_seed());
        /* negative control: the check sees l shifted by 16 times the bound */
        assert_false(fabs((l + 16.0 * bound) - lref) <= bound);
        double sp = 0.0, sr = 0.0;
        for (size_t k = 0; k < c; k++) {
            sp += p[k];
            sr += r[k];
            assert_true(p[k] >= 0.0 && p[k] <= 1.0);
        }
        assert_true(fabs(sp - 1.0) <= 2.0 * (double)c * U_);
        assert_true(fabs(sr) <= 2.0 * (double)c * U_);
        (void)m;
    }
    double f[3] = {1, 2, 3}, l;
    assert_int_equal(gn_softmax_ce(&l, NULL, NULL, f, 3, 3), GN_ESIZE);
    assert_int_equal(gn_softmax_ce(&l, NULL, NULL, f, 1, 0), GN_ESIZE);
    f[1] = NAN;
    assert_int_equal(gn_softmax_ce(&l, NULL, NULL, f, 3, 0), GN_ENONFINITE);
    /* huge logits: no overflow */
    double big[3] = {1000, -1000, 999};
    assert_int_equal(gn_softmax_ce(&l, NULL, NULL, big, 3, 0), GN_OK);
    assert_true(fabs(l - log1p(exp(-1.0))) <= 4 * U_);
    mpfr_clears(s, t, m, (mpfr_ptr)0);
}

static void test_multi_linear(void **state)
{
    (void)state;
    double w[6] = {1, 2, 3, -1, 0.5, 0.25}, x[3] = {1, -1, 2}, f[2], J[12];
    assert_int_equal(gn_multi_linear_eval(f, J, w, x, 2, 3), GN_OK);
    assert_true(f[0] == 5.0 && f[1] == -1.0);
    double want[12] = {1, -1, 2, 0, 0, 0, 0, 0, 0, 1, -1, 2};
    assert_memory_equal(J, want, sizeof want);
    x[1] = INFINITY;
    assert_int_equal(gn_multi_linear_eval(f, J, w, x, 2, 3), GN_ENONFINITE);
    assert_int_equal(gn_multi_linear_eval(f, J, w, x, 0, 3), GN_ESIZE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_cross_identity),
    cmocka_unit_test(test_ignd_softmax),   cmocka_unit_test(test_compare),
    cmocka_unit_test(test_section_passes), cmocka_unit_test(test_section_mutants),
    cmocka_unit_test(test_references),     cmocka_unit_test(test_workspace_reuse),
    cmocka_unit_test(test_softmax_ce),     cmocka_unit_test(test_multi_linear),
};

GN_TEST_MAIN(tests)
