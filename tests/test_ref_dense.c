/* test_ref_dense.c: the dense GSL reference (gn_ref.h) against MPFR, with tolerances scaled
 * by the conditioning (as GSL's own linear-algebra tests do), its failure statuses, and a
 * negative control (the mu-after-outer system is detected).
 *
 * Tolerances (u = 2^-53, normwise relative errors):
 *  - Cholesky solve of M x = b: the computed x solves (M + E) x = b with |E| <= gamma_(3n+1)
 *    |R^T||R| (Higham, ASNA 2nd ed., Thm 10.4), and |R^T||R| <= n |M|_2 entrywise-normwise,
 *    so |x - x*| / |x*| <= cond(M) n gamma_(3n+1) / (1 - ...). Forming M adds one rounding
 *    per entry (u |M|), b one rounding (u |b|): tol = 2 cond n (3n + 3) u.
 *    cond(M) = ((lpp + mu)|j|^2 + lambda) / lambda exactly (eigenvalues lambda and that).
 *  - xi from the same solve: the same bound on x, then two dot products (n u each):
 *    tol = 2 cond n (3n + 3) u + 2 n u.
 *  - G^+ by one-sided Jacobi SVD (gsl_linalg_SV_decomp): backward stable with |E| <=
 *    p(n) u |G|_2; the nonzero singular value is separated from the zeros by |G|_2 itself
 *    (relative gap 1), so the rank-one part of G^+ has relative error O(p(n) u). With the
 *    Jacobi sweeps' p(n) = n (one rotation per pair per sweep, a few sweeps) and the
 *    rounding of G's entries, tol = 20 n u for d_MP = -G^+ g (a generous constant for the
 *    sweeps, stated here rather than tuned: observed errors are below n u). */
#include "gn_test.h"

#include "gn_mp.h"
#include "gn_ref.h"

#include <math.h>
#include <string.h>

#define PREC 256

/* normwise relative error |got - ex|_2 / |ex|_2 */
static double nrel(const double *got, mpfr_srcptr ex, size_t n)
{
    mpfr_t a, b, t;
    mpfr_inits2(PREC, a, b, t, (mpfr_ptr)0);
    mpfr_set_zero(a, 1);
    mpfr_set_zero(b, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(t, got[i], MPFR_RNDN);
        mpfr_sub(t, t, ex + i, MPFR_RNDN);
        mpfr_fma(a, t, t, a, MPFR_RNDN);
        mpfr_fma(b, ex + i, ex + i, b, MPFR_RNDN);
    }
    mpfr_div(a, a, b, MPFR_RNDN);
    mpfr_sqrt(a, a, MPFR_RNDN);
    double r = mpfr_get_d(a, MPFR_RNDU);
    mpfr_clears(a, b, t, (mpfr_ptr)0);
    return r;
}

static void test_damped_and_xi(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t iters = gn_test_iters(40);
    const double u = 0x1p-53;
    for (size_t it = 0; it < iters; it++) {
        gn_rng r;
        gn_rng_seed(&r, seed, it);
        size_t n = 1 + (size_t)(gn_rng_uniform(&r) * 60);
        double *j = malloc(n * sizeof *j), *d = malloc(n * sizeof *d);
        double s = exp2(gn_rng_uniform(&r) * 200 - 100);
        for (size_t i = 0; i < n; i++)
            j[i] = s * gn_rng_normal(&r);
        double lp = gn_rng_normal(&r), lpp = exp2(gn_rng_uniform(&r) * 10 - 5);
        gn_damping dmp = {0.0, it % 2 ? 0.0 : exp2(gn_rng_uniform(&r) * 6 - 3)};
        double jj = 0.0;
        for (size_t i = 0; i < n; i++)
            jj += j[i] * j[i];
        /* cond from 1 to 2^30 */
        dmp.lambda = (lpp + dmp.mu) * jj * exp2(-gn_rng_uniform(&r) * 30);
        double cond = ((lpp + dmp.mu) * jj + dmp.lambda) / dmp.lambda;
        mpfr_ptr J = gn_mp_vec_alloc(n, 53), D = gn_mp_vec_alloc(n, PREC);
        gn_mp_vec_set_d(J, j, n);
        mpfr_t LP, LPP, X;
        mpfr_inits2(PREC, LP, LPP, X, (mpfr_ptr)0);
        mpfr_set_d(LP, lp, MPFR_RNDN);
        mpfr_set_d(LPP, lpp, MPFR_RNDN);
        gn_mp_damping Dm;
        gn_mp_damping_init_set(&Dm, dmp, PREC);
        assert_int_equal(gn_mp_dir_damped(D, J, n, LP, LPP, &Dm, MPFR_RNDN), GN_OK);
        assert_int_equal(gn_ref_dir_damped(d, j, n, lp, lpp, dmp), GN_OK);
        double tol = 2.0 * cond * (double)n * (3.0 * (double)n + 3.0) * u;
        double e = nrel(d, D, n);
        if (!(e <= tol))
            fail_msg("dense dir: seed %llu it %zu n %zu err %a tol %a cond %a", (unsigned long long)seed,
                     it, n, e, tol, cond);
        double xg;
        assert_int_equal(gn_ref_xi(&xg, j, n, lpp, dmp), GN_OK);
        assert_int_equal(gn_mp_xi(X, J, n, LPP, &Dm, MPFR_RNDN), GN_OK);
        e = nrel(&xg, X, 1);
        if (!(e <= tol + 2.0 * (double)n * u))
            fail_msg("dense xi: seed %llu it %zu err %a", (unsigned long long)seed, it, e);
        /* negative control: the mu-after-outer system lpp j j^T + (mu + lambda) I */
        if (dmp.mu > 0.0 && fabs(jj - 1.0) > 0.5) {
            gn_damping wrong = {dmp.lambda + dmp.mu, 0.0};
            assert_int_equal(gn_ref_dir_damped(d, j, n, lp, lpp, wrong), GN_OK);
            e = nrel(d, D, n);
            /* the wrong direction differs by mu |1 - |j|^2| / (lpp|j|^2 + mu + lambda),
             * relative; require it to stand clear of the tolerance */
            double pred = dmp.mu * fabs(1.0 - jj) / (lpp * jj + dmp.mu + dmp.lambda);
            if (pred > 10 * tol && !(e > tol))
                fail_msg("negative control not detected: seed %llu it %zu", (unsigned long long)seed, it);
        }
        gn_mp_damping_clear(&Dm);
        mpfr_clears(LP, LPP, X, (mpfr_ptr)0);
        gn_mp_vec_free(J, n);
        gn_mp_vec_free(D, n);
        free(j);
        free(d);
    }
}

static void test_pinv_and_mp(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t iters = gn_test_iters(25);
    const double u = 0x1p-53;
    for (size_t it = 0; it < iters; it++) {
        gn_rng r;
        gn_rng_seed(&r, seed, 1000 + it);
        size_t n = 1 + (size_t)(gn_rng_uniform(&r) * 40);
        double *j = malloc(n * sizeof *j), *d = malloc(n * sizeof *d);
        double *Gp = malloc(n * n * sizeof *Gp), *G = malloc(n * n * sizeof *G);
        double s = exp2(gn_rng_uniform(&r) * 200 - 100);
        for (size_t i = 0; i < n; i++)
            j[i] = s * gn_rng_normal(&r);
        double lp = gn_rng_normal(&r), lpp = exp2(gn_rng_uniform(&r) * 10 - 5);
        size_t rank = 99;
        assert_int_equal(gn_ref_pinv(Gp, &rank, j, n, lpp), GN_OK);
        assert_int_equal(rank, 1);
        /* Penrose condition G G^+ G = G, normwise */
        assert_int_equal(gn_ref_ggn(G, j, n, lpp), GN_OK);
        double num = 0.0, den = 0.0;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < n; b++) {
                /* (G G^+ G)_ab = sum_c sum_e G_ac Gp_ce G_eb */
                double v = 0.0;
                for (size_t c = 0; c < n; c++) {
                    double t = 0.0;
                    for (size_t e2 = 0; e2 < n; e2++)
                        t += Gp[c * n + e2] * G[e2 * n + b];
                    v += G[a * n + c] * t;
                }
                num += (v - G[a * n + b]) * (v - G[a * n + b]);
                den += G[a * n + b] * G[a * n + b];
            }
        if (!(sqrt(num / den) <= 20.0 * (double)n * (double)n * u))
            fail_msg("Penrose: seed %llu it %zu n %zu rel %a", (unsigned long long)seed, it, n,
                     sqrt(num / den));
        mpfr_ptr J = gn_mp_vec_alloc(n, 53), D = gn_mp_vec_alloc(n, PREC);
        gn_mp_vec_set_d(J, j, n);
        mpfr_t LP, LPP;
        mpfr_inits2(PREC, LP, LPP, (mpfr_ptr)0);
        mpfr_set_d(LP, lp, MPFR_RNDN);
        mpfr_set_d(LPP, lpp, MPFR_RNDN);
        assert_int_equal(gn_mp_dir_pinv(D, J, n, LP, LPP, MPFR_RNDN), GN_OK);
        assert_int_equal(gn_ref_dir_pinv(d, &rank, j, n, lp, lpp), GN_OK);
        double e = nrel(d, D, n);
        if (!(e <= 20.0 * (double)n * u))
            fail_msg("dense MP: seed %llu it %zu n %zu err %a", (unsigned long long)seed, it, n, e);
        /* negative control: a wrong curvature (2 lpp) gives a direction off by 1/2 */
        assert_int_equal(gn_ref_dir_pinv(d, &rank, j, n, lp, 2.0 * lpp), GN_OK);
        assert_true(nrel(d, D, n) > 0.4);
        mpfr_clears(LP, LPP, (mpfr_ptr)0);
        gn_mp_vec_free(J, n);
        gn_mp_vec_free(D, n);
        free(j);
        free(d);
        free(Gp);
        free(G);
    }
}

static void test_statuses(void **state)
{
    (void)state;
    double j[4] = {1.0, -2.0, 0.5, 3.0}, d[4], M[16], xi;
    gn_damping ok = {1.0, 0.0};
    size_t rank = 9;
    /* rank 0 */
    double z[4] = {0, 0, 0, 0};
    assert_int_equal(gn_ref_dir_pinv(d, &rank, z, 4, 1.0, 1.0), GN_EZERO);
    assert_int_equal(rank, 0);
    assert_int_equal(gn_ref_dir_pinv(d, &rank, j, 4, 1.0, 0.0), GN_EZERO);
    /* lambda drowned: j j^T + 1e-300 I is singular in double for d > 1 */
    gn_damping tiny = {1e-300, 0.0};
    assert_int_equal(gn_ref_dir_damped(d, j, 4, 1.0, 1.0, tiny), GN_ESINGULAR);
    /* j j^T overflows where the core does not */
    double big[3] = {1e200, 1e200, 1e200};
    assert_int_equal(gn_ref_dir_damped(d, big, 3, 1.0, 1.0, ok), GN_ERANGE);
    assert_int_equal(gn_dir_damped(d, big, 3, 1.0, 1.0, ok), GN_OK);
    /* domain */
    gn_damping bad = {0.0, 0.0};
    assert_int_equal(gn_ref_dir_damped(d, j, 4, 1.0, 1.0, bad), GN_EDOM);
    assert_int_equal(gn_ref_xi(&xi, j, 4, -1.0, ok), GN_ENEGCURV);
    assert_int_equal(gn_ref_system(M, j, 0, 1.0, ok), GN_ESIZE);
    assert_int_equal(gn_ref_ggn(M, j, GN_REF_MAX + 1, 1.0), GN_ESIZE);
    j[1] = NAN;
    assert_int_equal(gn_ref_ggn(M, j, 4, 1.0), GN_ENONFINITE);
    j[1] = -2.0;
    /* the formed system: lambda on the diagonal, symmetric */
    assert_int_equal(gn_ref_system(M, j, 4, 2.0, (gn_damping){0.5, 1.0}), GN_OK);
    assert_true(M[0] == 3.0 * 1.0 + 0.5);
    assert_true(M[1] == 3.0 * -2.0 && M[4] == M[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damped_and_xi),
        cmocka_unit_test(test_pinv_and_mp),
        cmocka_unit_test(test_statuses),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
