/* test_kernels.c: every version of the vector kernels (core/kern.c) on the same inputs,
 * compared bit for bit with a scalar transcription of their portable definition (kern.c's
 * header comment) written here, and so with each other. A version this CPU cannot run is
 * reported as skipped in a TAP comment. Inputs: lengths around every block and lane
 * boundary, random values spread over 2^-60..2^60 with cancellation, and special values
 * (+-0, subnormals, DBL_MAX, +-inf, NaN). NaN results are compared as NaN (the payload a
 * NaN carries is not part of any contract); every other result by its bits, -0 included.
 * Negative control: a kernel that sums in another order (one sequential chain) is caught by
 * the same comparison. */
#include "gn_test.h"

#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------ the definition, scalar */

static double ref_block(const double *a, const double *b, size_t m)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
        for (int k = 0; k < 4; k++)
            s[k] = s[k] + a[i + k] * b[i + k];
    for (; i < m; i++)
        s[0] = s[0] + a[i] * b[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static double ref_dot(const double *a, const double *b, size_t n)
{
    if (n <= 64)
        return ref_block(a, b, n);
    size_t nb = (n + 63) / 64, h = ((nb + 1) / 2) * 64;
    return ref_dot(a, b, h) + ref_dot(a + h, b + h, n - h);
}

/* the negative control: one sequential chain */
static double seq_dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s = s + a[i] * b[i];
    return s;
}

static int same(double x, double y)
{
    if (x != x || y != y)
        return x != x && y != y;
    uint64_t bx, by;
    memcpy(&bx, &x, 8);
    memcpy(&by, &y, 8);
    return bx == by;
}

/* ------------------------------------------------------------ inputs */

static uint64_t rng_state;
static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
/* a signed value 2^e m with m in [1, 2) and e in [-60, 60]: wide range, much cancellation */
static double rnd_val(void)
{
    uint64_t r = rnd64();
    double m = 1.0 + (double)(r >> 11) * 0x1p-53;
    int e = (int)(rnd64() % 121) - 60;
    return (r & 1) ? -ldexp(m, e) : ldexp(m, e);
}

static const double specials[] = {0.0, -0.0, 0x1p-1074, -0x1p-1060, DBL_MIN, DBL_MAX, -DBL_MAX,
                                  INFINITY, -INFINITY, NAN, 1e300, -1e-300};
#define NSPEC (sizeof specials / sizeof specials[0])

static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 63, 64, 65, 67, 68, 100,
                              127, 128, 129, 130, 131, 132, 133, 191, 192, 193, 194, 195, 196,
                              197, 200, 255, 256, 257, 320, 383, 384, 385, 448, 449, 511, 512,
                              513, 1000, 3201, 4097, 10007,
                              /* both sides of the switch to one stream (dot_far) */
                              GN_KERN_FAR_MIN - 1, GN_KERN_FAR_MIN, GN_KERN_FAR_MIN + 1,
                              GN_KERN_FAR_MIN + 197, 2 * GN_KERN_FAR_MIN + 129};
#define NLEN (sizeof lens / sizeof lens[0])
#define NMAX (2 * GN_KERN_FAR_MIN + 129)

/* fill: mode 0 random, 1 random with a few specials planted, 2 all small (subnormal
 * products), 3 all huge (overflowing products) */
static void fill(double *v, size_t n, int mode)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = rnd_val();
        if (mode == 2)
            v[i] = ldexp(v[i], -560);
        if (mode == 3)
            v[i] = ldexp(v[i], 560);
    }
    if (mode == 1 && n > 0)
        for (int k = 0; k < 3; k++)
            v[rnd64() % n] = specials[rnd64() % NSPEC];
}

static const gn_kern *kern_list(size_t *n) { return gn_internal_kern_list(n); }

/* the versions to test: skipped ones are reported once per test */
static int usable(const gn_kern *k)
{
    if (gn_internal_kern_supported(k))
        return 1;
    printf("# SKIP kernel version %s: this CPU lacks its instructions\n", k->name);
    return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_versions_listed(void **state)
{
    (void)state;
    size_t n;
    const gn_kern *k = kern_list(&n);
    assert_true(n >= 1);
    assert_string_equal(k[0].name, "base");
    assert_true(gn_internal_kern_supported(&k[0]));
    for (size_t i = 0; i < n; i++)
        printf("# kernel version %s: %s\n", k[i].name,
               gn_internal_kern_supported(&k[i]) ? "runs here" : "not supported by this CPU");
    printf("# in use: %s\n", gn_internal_kern()->name);
    assert_false(gn_internal_kern_use("no-such-version"));
}

static double A[NMAX], B[NMAX];

static void test_dot_bitwise(void **state)
{
    (void)state;
    rng_state = gn_test_seed();
    size_t nk;
    const gn_kern *K = kern_list(&nk);
    size_t checked = 0;
    for (size_t vi = 0; vi < nk; vi++) {
        if (!usable(&K[vi]))
            continue;
        for (int mode = 0; mode < 4; mode++)
            for (size_t li = 0; li < NLEN; li++)
                for (size_t rep = 0; rep < gn_test_iters(3); rep++) {
                    size_t n = lens[li];
                    fill(A, n, mode);
                    fill(B, n, mode == 1 ? 0 : mode);
                    double r = ref_dot(A, B, n), rb = ref_dot(B, B, n);
                    double v = K[vi].dot(A, B, n);
                    double vb = K[vi].dot(B, B, n); /* a == b: the |b|^2 copy of the leaves */
                    gn_pair2 p = K[vi].dot2(A, B, n);
                    if (!same(v, r) || !same(p.ab, r) || !same(p.bb, rb) || !same(vb, rb))
                        fail_msg("seed %llu version %s mode %d n %zu: dot %a dot(b, b) %a dot2 "
                                 "{%a, %a}, definition %a, %a",
                                 (unsigned long long)gn_test_seed(), K[vi].name, mode, n, v, vb,
                                 p.ab, p.bb, r, rb);
                    checked++;
                }
    }
    printf("# %zu (version, input) pairs bitwise equal to the definition\n", checked);
}

/* the public entry points through each version: gn_dot, gn_allfinite, gn_step_sgd */
static void test_dispatch(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 1;
    size_t nk;
    const gn_kern *K = kern_list(&nk);
    fill(A, 1000, 0);
    fill(B, 1000, 0);
    double r = ref_dot(A, B, 1000);
    for (size_t vi = 0; vi < nk; vi++) {
        if (!usable(&K[vi]))
            continue;
        assert_true(gn_internal_kern_use(K[vi].name));
        assert_string_equal(gn_internal_kern()->name, K[vi].name);
        assert_true(same(gn_dot(A, B, 1000), r));
    }
    assert_true(gn_internal_kern_use(NULL));
}

static void test_allfinite(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 2;
    size_t nk;
    const gn_kern *K = kern_list(&nk);
    for (size_t vi = 0; vi < nk; vi++) {
        if (!usable(&K[vi]))
            continue;
        for (size_t li = 0; li < NLEN; li++) {
            size_t n = lens[li];
            fill(A, n, 0);
            assert_true(K[vi].allfinite(A, n));
            for (size_t s = 0; s < NSPEC && n > 0; s++) {
                size_t at = rnd64() % n;
                double keep = A[at];
                A[at] = specials[s];
                int want = isfinite(specials[s]) != 0;
                if (K[vi].allfinite(A, n) != want)
                    fail_msg("version %s n %zu: %a at %zu judged %s", K[vi].name, n,
                             specials[s], at, want ? "not finite" : "finite");
                A[at] = keep;
            }
        }
    }
}

static _Alignas(32) double W0[NMAX + 4], W1[NMAX + 4], J0[NMAX + 4];

static void test_axpy(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 3;
    size_t nk;
    const gn_kern *K = kern_list(&nk);
    for (size_t vi = 0; vi < nk; vi++) {
        if (!usable(&K[vi]))
            continue;
        for (int mode = 0; mode < 4; mode++)
            for (size_t li = 0; li < NLEN; li++) {
                /* w starting 0..3 doubles past a 32-byte boundary: every path of the
                 * alignment peel; j at another offset than w */
                size_t off = li % 4, n = lens[li] > off ? lens[li] - off : 0;
                double *w1 = W1 + off;
                const double *j0 = J0 + (off + 1) % 4;
                fill(W0, n, mode);
                fill(J0, n + 4, mode);
                double c = mode == 3 ? 0x1p400 : rnd_val();
                memcpy(w1, W0, n * sizeof(double));
                int fin = 1;
                for (size_t i = 0; i < n; i++) {
                    W0[i] = W0[i] + c * j0[i];
                    fin &= isfinite(W0[i]) != 0;
                }
                int got = K[vi].axpy(w1, c, j0, n);
                for (size_t i = 0; i < n; i++)
                    if (!same(W0[i], w1[i]))
                        fail_msg("version %s mode %d n %zu offset %zu: w[%zu] %a, definition %a",
                                 K[vi].name, mode, n, off, i, w1[i], W0[i]);
                assert_int_equal(got, fin);
            }
    }
}

/* the MLP kernels on the shapes of the paper's MLP and odd ones */
static void test_mlp_kernels(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 4;
    static const size_t shapes[][2] = {{64, 8}, {32, 64}, {16, 32}, {1, 16}, {7, 5},
                                       {5, 67}, {3, 130}, {9, 1},  {4, 64}, {6, 3}};
    static double W[200 * 130], h[200], d[200], bias[200], y0[200], y1[200];
    static double J0m[200 * 130], J1m[200 * 130];
    size_t nk;
    const gn_kern *K = kern_list(&nk);
    for (size_t vi = 0; vi < nk; vi++) {
        if (!usable(&K[vi]))
            continue;
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
            for (int mode = 0; mode < 4; mode++) {
                size_t out = shapes[si][0], in = shapes[si][1];
                fill(W, out * in, mode);
                fill(h, in, mode);
                fill(d, out, mode);
                fill(bias, out, mode == 1 ? 0 : mode);
                /* forward: a_o = dot(W_o, h) + b_o */
                K[vi].gemv(y1, W, out, in, h, bias);
                for (size_t o = 0; o < out; o++)
                    if (!same(y1[o], ref_dot(W + o * in, h, in) + bias[o]))
                        fail_msg("version %s gemv %zux%zu mode %d row %zu", K[vi].name, out,
                                 in, mode, o);
                /* backward: y_i = sum_o W_oi d_o in increasing o from 0 */
                K[vi].gemtv(y1, W, out, in, d);
                for (size_t i = 0; i < in; i++) {
                    double s = 0.0;
                    for (size_t o = 0; o < out; o++)
                        s = s + W[o * in + i] * d[o];
                    y0[i] = s;
                    if (!same(y1[i], y0[i]))
                        fail_msg("version %s gemtv %zux%zu mode %d entry %zu", K[vi].name, out,
                                 in, mode, i);
                }
                K[vi].outer(J1m, d, out, h, in);
                for (size_t q = 0; q < out * in; q++) {
                    J0m[q] = d[q / in] * h[q % in];
                    if (!same(J0m[q], J1m[q]))
                        fail_msg("version %s outer %zux%zu mode %d entry %zu", K[vi].name, out,
                                 in, mode, q);
                }
            }
    }
}

/* Negative control: the comparison above rejects a kernel that sums in another order. */
static void test_negative_control(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 5;
    size_t caught = 0, tries = 50;
    for (size_t t = 0; t < tries; t++) {
        fill(A, 1000, 0);
        fill(B, 1000, 0);
        caught += !same(seq_dot(A, B, 1000), ref_dot(A, B, 1000));
    }
    printf("# sequential summation differs from the definition on %zu of %zu inputs\n",
           caught, tries);
    assert_true(caught >= tries / 2);
}


/* a value 2^e m for the guard test: exponents anywhere, often next to the guard's bounds */
static double guard_val(void)
{
    static const int edge[] = {-1074, -1060, -1023, -1022, -1021, -1020, -961, -960, -959,
                               -520, -500, -1, 0, 1, 498, 499, 500, 501, 998, 999, 1000,
                               1001, 1022, 1023};
    uint64_t r = rnd64();
    int e = (r & 1) ? edge[rnd64() % (sizeof edge / sizeof edge[0])] + (int)(rnd64() % 3) - 1
                    : (int)(rnd64() % 2098) - 1074;
    double m = 1.0 + (double)(rnd64() >> 11) * 0x1p-53;
    return ldexp(m, e); /* may round to a subnormal, 0 or inf: all are inputs too */
}

/* The fast IGND coefficient (rank1.c) against the scaled route it replaces: wherever the
 * guard vouches, the scaled route gives GN_OK and a plain coefficient with the same bits;
 * in the ordinary range it always vouches. Negative control: without the guard, the double
 * formula differs from the scaled route on some of the declined inputs. */
static void test_ignd_fast_guard(void **state)
{
    (void)state;
    rng_state = gn_test_seed() + 6;
    size_t vouched = 0, declined = 0, naive_wrong = 0, N = gn_test_iters(400000);
    for (size_t t = 0; t < N; t++) {
        int ordinary = t % 4 == 0;
        double s, lp, lpp, alpha, lam, mu;
        if (ordinary) { /* exponents within +-100: the fast path must take all */
            s = ldexp(1.0 + (double)(rnd64() >> 11) * 0x1p-53, (int)(rnd64() % 201) - 100);
            lp = rnd_val();
            lpp = fabs(rnd_val());
            alpha = fabs(rnd_val());
            lam = fabs(rnd_val());
            mu = (rnd64() & 1) ? 0.0 : fabs(rnd_val());
        } else {
            s = guard_val();
            lp = (rnd64() & 1) ? -guard_val() : guard_val();
            lpp = (rnd64() % 5 == 0) ? 0.0 : guard_val();
            alpha = guard_val();
            lam = guard_val();
            mu = (rnd64() & 1) ? 0.0 : guard_val();
            if (rnd64() % 50 == 0)
                lp = 0.0;
        }
        gn_damping dmp = {lam, mu};
        if (gn_damping_check(lpp, dmp) != GN_OK || gn_internal_check_rate(lp, alpha) != GN_OK ||
            !(s >= 0x1p-960 && s <= DBL_MAX))
            continue;
        double cd = NAN;
        gn_sd c;
        gn_status st = gn_internal_ignd_coef(&c, gn_sd_from(s), lp, lpp, alpha, dmp);
        if (gn_internal_ignd_coef_fast(&cd, s, lp, lpp, alpha, dmp)) {
            vouched++;
            double want = c.m == 0.0 ? 0.0 : ldexp(c.m, c.e);
            if (st != GN_OK || !(c.m == 0.0 || (c.e > -1021 && c.e < 1000)) || !same(cd, want))
                fail_msg("seed %llu: fast %a, scaled %a (status %d, e %d) for s %a lp %a "
                         "lpp %a alpha %a lambda %a mu %a",
                         (unsigned long long)gn_test_seed(), cd, want, (int)st, c.e, s, lp,
                         lpp, alpha, lam, mu);
        } else {
            declined++;
            if (ordinary)
                fail_msg("seed %llu: the fast path declined an ordinary input s %a lp %a "
                         "lpp %a alpha %a lambda %a mu %a",
                         (unsigned long long)gn_test_seed(), s, lp, lpp, alpha, lam, mu);
            double naive = -lp * alpha / ((lpp + mu) * s + lam);
            double want = (st != GN_OK || c.m == 0.0) ? NAN : ldexp(c.m, c.e);
            naive_wrong += st == GN_OK && !same(naive, want);
        }
    }
    printf("# fast coefficient: %zu vouched (bitwise the scaled one), %zu declined; the "
           "unguarded double formula is wrong on %zu declined inputs\n",
           vouched, declined, naive_wrong);
    assert_true(vouched > N / 8);
    assert_true(naive_wrong > 0); /* negative control: the guard is needed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions_listed), cmocka_unit_test(test_dot_bitwise),
        cmocka_unit_test(test_dispatch),        cmocka_unit_test(test_allfinite),
        cmocka_unit_test(test_axpy),            cmocka_unit_test(test_mlp_kernels),
        cmocka_unit_test(test_negative_control), cmocka_unit_test(test_ignd_fast_guard),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
