/* test_expm.c: gn_expm (scaling and squaring with Padé, core/expm.c) against gn_mp_expm
 * (Taylor series with scaling and squaring at 256+ bits, core/ref/mp_expm.c) on matrices
 * that take every Padé degree, the scaling branch, and the zero-order-hold augmented matrix
 * of the LQR notebook up to its 30-state, 10-input limit; plus exact cases, the error
 * returns and negative controls (a truncated series and a perturbed result must fail).
 *
 * Error measure (MATH.md §13's mixed measure, for a matrix): max_ij |E_ij - X_ij| in units
 * of u (||X||_max + |X_ij|), X the MPFR value from the same double A (gn_mp_mixed with
 * w_ij = ||X||_max, s = X).
 * Tolerance, from the error analysis of the method (Higham 2005, §3; Higham, Accuracy and
 * Stability, §3.5): the Padé truncation is a backward error <= u for ||A/2^s||_1 <= theta_m;
 * forming p_m and q_m takes at most 6 products and 7-term sums, each with error <= gamma_n
 * times the product of the norms (all powers have ||.|| <= theta_13^k and the coefficients
 * make the sums well scaled: ||p||, ||q|| <= e^(theta/2) ~ 15); the solve with q_m adds
 * gamma_n kappa(q_m) with kappa(q_m) < 4 (Higham 2005, Lemma 4.1 bound at theta_13); each
 * of the s squarings adds gamma_n ||X_k||^2 / ||X_k^2||, which is about gamma_n for the
 * matrices here (their eigenvalues dominate their norms: no hump). So, in units of u,
 *     err <= n (6 * 15 / 15 + 4 + 2 s) + 1  ~  n (10 + 2 s) + 1,
 * and the test uses TOL(n, s) = n (10 + 2 s) + 10 units, s as gn_expm chooses it. */
#include "gn_expm.h"
#include "gn_mp.h"
#include "gn_mp_expm.h"
#include "gn_test.h"

#include <math.h>

enum { PREC = 256 };

static double norm1(const double *A, size_t n)
{
    double a1 = 0;
    for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += fabs(A[i * n + j]);
        a1 = fmax(a1, s);
    }
    return a1;
}

static double tol_units(size_t n, const double *A)
{
    double a1 = norm1(A, n);
    int s = a1 > 5.371920351148152 ? (int)ceil(log2(a1 / 5.371920351148152)) : 0;
    return (double)n * (10.0 + 2.0 * s) + 10.0;
}

/* the measure of E against the MPFR exp of A (n x n) */
static double measure(const double *E, const double *A, size_t n)
{
    size_t nn = n * n;
    mpfr_ptr a = gn_mp_vec_alloc(nn, PREC), x = gn_mp_vec_alloc(nn, PREC);
    assert_non_null(a);
    assert_non_null(x);
    gn_mp_vec_set_d(a, A, nn);
    assert_int_equal(gn_mp_expm(x, a, n), GN_OK);
    double *w = malloc(nn * sizeof *w), mx = 0;
    assert_non_null(w);
    for (size_t i = 0; i < nn; i++)
        mx = fmax(mx, fabs(mpfr_get_d(x + i, MPFR_RNDN)));
    for (size_t i = 0; i < nn; i++)
        w[i] = mx;
    double r = gn_mp_mixed(E, x, w, x, nn, NULL);
    free(w);
    gn_mp_vec_free(a, nn);
    gn_mp_vec_free(x, nn);
    return r;
}

static double *expm_alloc(const double *A, size_t n)
{
    double *E = malloc(n * n * sizeof *E), *work = malloc(gn_expm_worksize(n) * sizeof *work);
    assert_non_null(E);
    assert_non_null(work);
    assert_int_equal(gn_expm(E, A, n, work), GN_OK);
    free(work);
    return E;
}

static double worst;

static void check(const double *A, size_t n, const char *what)
{
    double *E = expm_alloc(A, n);
    double m = measure(E, A, n), tol = tol_units(n, A);
    worst = fmax(worst, m);
    print_message("# %s (n = %zu): error %.3g units (tolerance %.0f)\n", what, n, m, tol);
    if (!(m <= tol))
        fail_msg("%s: error %.3g units above %.0f", what, m, tol);
    free(E);
}

static uint64_t rs = 88172645463325252u;
static double urand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) * 0x1p-53 * 2 - 1;
}

/* a random n x n matrix scaled to ||A||_1 = norm, shifted by shift I */
static void random_matrix(double *A, size_t n, double norm, double shift)
{
    for (size_t i = 0; i < n * n; i++)
        A[i] = urand();
    double a1 = norm1(A, n);
    for (size_t i = 0; i < n * n; i++)
        A[i] *= norm / a1;
    for (size_t i = 0; i < n; i++)
        A[i * n + i] += shift;
}

/* every Padé degree (norms below theta_3 .. theta_9), theta_13 and the scaling branch */
static void test_random(void **state)
{
    (void)state;
    static const double norms[] = {0.01, 0.2, 0.9, 2.0, 5.0, 20.0, 300.0};
    double A[12 * 12];
    for (size_t k = 0; k < sizeof norms / sizeof *norms; k++) {
        char what[64];
        random_matrix(A, 12, norms[k], 0);
        snprintf(what, sizeof what, "random, ||A||_1 = %g", norms[k]);
        check(A, 12, what);
        random_matrix(A, 12, norms[k], -norms[k] / 2);
        snprintf(what, sizeof what, "random stable, ||A||_1 ~ %g", norms[k]);
        check(A, 12, what);
    }
}

/* a chain of n/2 unit masses joined by springs (k_i) with dampers, inputs on the first
 * ninput masses: the continuous plant of the LQR notebook's 11-state test, augmented */
static void zoh_matrix(double *M, size_t n, size_t m, double h)
{
    size_t k = n + m, p = n / 2;
    memset(M, 0, k * k * sizeof *M);
    for (size_t i = 0; i < p; i++) {
        M[i * k + p + i] = h; /* dq = v */
        double ks = 1.0 + 0.1 * (double)i;
        M[(p + i) * k + i] = -2 * ks * h;
        if (i > 0)
            M[(p + i) * k + i - 1] = ks * h;
        if (i + 1 < p)
            M[(p + i) * k + i + 1] = ks * h;
        M[(p + i) * k + p + i] = -0.2 * h;
    }
    if (n % 2)
        M[(n - 1) * k + n - 1] = -0.5 * h; /* an odd state: a first-order lag */
    for (size_t j = 0; j < m && j < p; j++)
        M[(p + j) * k + n + j] = h;
}

static void test_zoh(void **state)
{
    (void)state;
    static double M[40 * 40];
    zoh_matrix(M, 11, 2, 0.1);
    check(M, 13, "mass-spring chain, 11 states, 2 inputs, h = 0.1");
    zoh_matrix(M, 11, 2, 2.0);
    check(M, 13, "mass-spring chain, 11 states, 2 inputs, h = 2");
    zoh_matrix(M, 30, 10, 0.05);
    check(M, 40, "mass-spring chain, 30 states, 10 inputs, h = 0.05");
    random_matrix(M, 40, 8.0, -3.0);
    check(M, 40, "random stable 40 x 40");
    print_message("# worst error over all matrices: %.3g units\n", worst);
}

/* exact cases: exp(0) = I, exp of a nilpotent Jordan block, a diagonal */
static void test_exact(void **state)
{
    (void)state;
    double work[9 * 9 + 3], E[9];
    double Z[9] = {0}, N[4] = {0, 1, 0, 0}, D[4] = {1, 0, 0, -2};
    assert_int_equal(gn_expm(E, Z, 3, work), GN_OK);
    for (size_t i = 0; i < 9; i++)
        assert_true(E[i] == (i % 4 == 0));
    assert_int_equal(gn_expm(E, N, 2, work), GN_OK);
    assert_true(E[0] == 1 && E[2] == 0 && E[3] == 1 && fabs(E[1] - 1) <= 0x1p-52);
    assert_int_equal(gn_expm(E, D, 2, work), GN_OK);
    assert_true(fabs(E[0] - exp(1.0)) <= 4 * 0x1p-52 * exp(1.0));
    assert_true(fabs(E[3] - exp(-2.0)) <= 4 * 0x1p-52 * exp(-2.0));
    assert_true(E[1] == 0 && E[2] == 0);
}

/* the error returns: empty, too large, NaN, overflow */
static void test_errors(void **state)
{
    (void)state;
    double work[9 * 4 + 2], E[4] = {7, 7, 7, 7};
    double A[4] = {0, 1, 0, NAN}, B[4] = {800, 0, 0, 1};
    assert_int_equal(gn_expm(E, A, 0, work), GN_ESIZE);
    assert_int_equal(gn_expm_worksize(0), 0);
    assert_int_equal(gn_expm_worksize(GN_EXPM_NMAX + 1), 0);
    assert_int_equal(gn_expm(E, A, GN_EXPM_NMAX + 1, work), GN_ESIZE);
    assert_int_equal(gn_expm(E, A, 2, work), GN_ENONFINITE);
    A[3] = INFINITY;
    assert_int_equal(gn_expm(E, A, 2, work), GN_ENONFINITE);
    assert_int_equal(gn_expm(E, B, 2, work), GN_ERANGE); /* e^800 > DBL_MAX */
    assert_true(E[0] == 7 && E[3] == 7);                 /* untouched on error */
    mpfr_ptr a = gn_mp_vec_alloc(4, PREC), x = gn_mp_vec_alloc(4, PREC);
    gn_mp_vec_set_d(a, A, 4);
    assert_int_equal(gn_mp_expm(x, a, 0), GN_ESIZE);
    assert_int_equal(gn_mp_expm(x, a, 2), GN_ENONFINITE);
    gn_mp_vec_free(a, 4);
    gn_mp_vec_free(x, 4);
}

/* negative controls: the measure and tolerance reject a wrong method (the series cut after
 * A^2/2, no scaling) and a result perturbed by 100 n units in one entry */
static void test_negative_controls(void **state)
{
    (void)state;
    enum { N = 12 };
    double A[N * N], A2[N * N], T[N * N];
    random_matrix(A, N, 0.9, 0);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < N; k++)
                s += A[i * N + k] * A[k * N + j];
            A2[i * N + j] = s;
        }
    for (size_t i = 0; i < N * N; i++)
        T[i] = (i % (N + 1) == 0) + A[i] + A2[i] / 2;
    double m = measure(T, A, N);
    if (m <= tol_units(N, A))
        fail_msg("a truncated series passed: %.3g units", m);
    double *E = expm_alloc(A, N);
    double mx = 0;
    for (size_t i = 0; i < N * N; i++)
        mx = fmax(mx, fabs(E[i]));
    E[5] += 100.0 * N * 0x1p-53 * 2 * mx;
    m = measure(E, A, N);
    if (m <= tol_units(N, A))
        fail_msg("a perturbed result passed: %.3g units", m);
    free(E);
}

/* the reference itself: at 256 and at 512 bits gn_mp_expm agrees to far below the double's
 * u (its contract: a few units of 2^-256 relative to ||exp(A)||), on a matrix that needs
 * squarings */
static void test_mp_reference(void **state)
{
    (void)state;
    enum { N = 8 };
    double A[N * N];
    random_matrix(A, N, 40.0, -10.0);
    mpfr_ptr a = gn_mp_vec_alloc(N * N, 512), x = gn_mp_vec_alloc(N * N, 256),
             z = gn_mp_vec_alloc(N * N, 512);
    gn_mp_vec_set_d(a, A, N * N);
    assert_int_equal(gn_mp_expm(x, a, N), GN_OK);
    assert_int_equal(gn_mp_expm(z, a, N), GN_OK);
    mpfr_t d, mx;
    mpfr_inits2(512, d, mx, (mpfr_ptr)0);
    mpfr_set_ui(mx, 0, MPFR_RNDN);
    for (size_t i = 0; i < N * N; i++) {
        mpfr_abs(d, z + i, MPFR_RNDN);
        mpfr_max(mx, mx, d, MPFR_RNDN);
    }
    double worst = 0;
    for (size_t i = 0; i < N * N; i++) {
        mpfr_sub(d, x + i, z + i, MPFR_RNDN);
        mpfr_div(d, d, mx, MPFR_RNDN);
        worst = fmax(worst, fabs(mpfr_get_d(d, MPFR_RNDN)));
    }
    print_message("# gn_mp_expm at 256 against 512 bits: %.3g relative to max|exp(A)|\n", worst);
    if (!(worst <= 0x1p-240))
        fail_msg("the MPFR reference is not accurate: %.3g", worst);
    mpfr_clears(d, mx, (mpfr_ptr)0);
    gn_mp_vec_free(a, N * N);
    gn_mp_vec_free(x, N * N);
    gn_mp_vec_free(z, N * N);
}

/* gn_lu_solve (the solve under gn_expm and the LQR notebook): a system that needs pivoting
 * solved exactly (every step exact in binary), a singular one and a pivot at the caller's
 * threshold refused (the control: just above it, solved) */
static void test_lu_solve(void **state)
{
    (void)state;
    double A[9] = {0, 2, 1, 1, 1, 0, 2, 0, 1}, B[6] = {4, 3, 2, 3, 4, 5};
    double X[6] = {1, 1, 1, 2, 1, 1}, AB[6];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            AB[i * 2 + j] = A[i * 3] * X[j] + A[i * 3 + 1] * X[2 + j] + A[i * 3 + 2] * X[4 + j];
    memcpy(B, AB, sizeof B);
    assert_int_equal(gn_lu_solve(B, A, 3, 2, 0.0), GN_OK);
    for (int i = 0; i < 6; i++)
        if (B[i] != X[i])
            fail_msg("X[%d] = %a, want %a", i, B[i], X[i]);
    double S[4] = {1, 2, 2, 4}, b[2] = {1, 2};
    assert_int_equal(gn_lu_solve(b, S, 2, 1, 0.0), GN_ESINGULAR);
    double T[4] = {1, 0, 0, 1e-10}, t[2] = {1, 1};
    assert_int_equal(gn_lu_solve(t, T, 2, 1, 1e-10), GN_ESINGULAR);
    double T2[4] = {1, 0, 0, 1e-10}, t2[2] = {1, 1};
    assert_int_equal(gn_lu_solve(t2, T2, 2, 1, 0.9e-10), GN_OK);
    assert_int_equal(gn_lu_solve(t2, T2, 0, 1, 0.0), GN_ESIZE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mp_reference),
    cmocka_unit_test(test_lu_solve),
    cmocka_unit_test(test_random),
    cmocka_unit_test(test_zoh),
    cmocka_unit_test(test_exact),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_negative_controls),
};

GN_TEST_MAIN(tests)
