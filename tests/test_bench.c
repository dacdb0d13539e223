/* test_bench.c: the benchmark's machinery (validate/bench.c) and a smoke run of
 * `gnlab bench --quick --json`. No timing is asserted here (speed targets are measured by
 * `make bench`, never by tests): these tests check that the statistics are right, that the
 * kernels do the work they claim and keep their state bounded, that a verdict can fail,
 * and that the command prints well-formed rows and exits 0, 1 or 2 as documented. */
#include "gn_test.h"

#include "bench.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_median(void **state)
{
    (void)state;
    double odd[5] = {5.0, 1.0, 4.0, 2.0, 3.0};
    assert_true(val_bench_median(odd, 5) == 3.0);
    double even[4] = {10.0, -2.0, 4.0, 1.0};
    assert_true(val_bench_median(even, 4) == 2.5); /* (1 + 4) / 2 */
    double one[1] = {7.0};
    assert_true(val_bench_median(one, 1) == 7.0);
    assert_true(isnan(val_bench_median(one, 0)));
}

static void test_ratio_median(void **state)
{
    (void)state;
    /* paired: rep 2 is slow for both kernels, the ratio is 1.1 in every repetition */
    double a[3] = {1.1, 11.0, 2.2}, b[3] = {1.0, 10.0, 2.0}, s[4], lo, hi;
    double r = val_bench_ratio_median(a, b, 3, 1, s, &lo, &hi);
    assert_true(fabs(r - 1.1) < 1e-15 && fabs(lo - 1.1) < 1e-15 && fabs(hi - 1.1) < 1e-15);
    /* a mismatched pairing is visible in the spread */
    double c[3] = {11.0, 1.1, 2.2};
    r = val_bench_ratio_median(c, b, 3, 1, s, &lo, &hi);
    assert_true(fabs(r - 1.1) < 1e-15 && lo < 0.2 && hi > 10.0);
    /* rounds of 2 cancel an order effect: whoever runs first pays 0.2 */
    double ig[4] = {1.2, 1.0, 1.2, 1.0}, sg[4] = {1.0, 1.2, 1.0, 1.2};
    r = val_bench_ratio_median(ig, sg, 4, 2, s, &lo, &hi);
    assert_true(r == 1.0 && lo == 1.0 && hi == 1.0);
    r = val_bench_ratio_median(ig, sg, 4, 1, s, &lo, &hi); /* per repetition: biased spread */
    assert_true(lo < 0.9 && hi > 1.1);
    /* fewer repetitions than a round: one round of all; none: NaN */
    r = val_bench_ratio_median(ig, sg, 1, 2, s, NULL, NULL);
    assert_true(fabs(r - 1.2) < 1e-15);
    assert_true(isnan(val_bench_ratio_median(ig, sg, 0, 2, s, &lo, &hi)) && isnan(lo));
}

/* verdicts: a measured value that misses must MISS, and a missing one (NaN) never passes */
static void test_verdicts(void **state)
{
    (void)state;
    assert_true(val_bench_le(1.05, 1.05));
    assert_true(val_bench_le(0.98, 1.05));
    assert_false(val_bench_le(1.0500001, 1.05));
    assert_false(val_bench_le(NAN, 1.05));
    assert_true(val_bench_ge(0.70, 0.70));
    assert_false(val_bench_ge(0.6999, 0.70));
    assert_false(val_bench_ge(NAN, 50.0));
}

static void test_triad(void **state)
{
    (void)state;
    val_bench_triad t;
    assert_int_equal(val_bench_triad_init(&t, 1003, gn_test_seed()), GN_OK);
    assert_int_equal(val_bench_triad_run(&t, 3), GN_OK);
    for (size_t i = 0; i < t.n; i++)
        if (t.a[i] != t.b[i] + t.s * t.c[i])
            fail_msg("triad entry %zu: %a != %a + %a * %a (seed %llu)", i, t.a[i], t.b[i], t.s,
                     t.c[i], (unsigned long long)gn_test_seed());
    assert_true(val_bench_triad_bytes(t.n) == 24.0 * 1003);
    /* negative control: a sweep whose result is not the triad's fails the check */
    t.s = NAN;
    assert_int_equal(val_bench_triad_run(&t, 1), GN_EINPUT);
    val_bench_triad_free(&t);
    val_bench_triad_free(&t); /* idempotent */
    assert_int_equal(val_bench_triad_init(&t, 0, 1), GN_ESIZE);
}

/* f = w.x must stay in the hull of f0 = 0 and the targets: f+ = (1 - a) f + a y_k with
 * a = 0.1 |x|^2 / (|x|^2 + 1e-3) (IGND) or 0.1 |x|^2 (SGD), and a in (0, 1) because |x|^2
 * is near 1 (a chi-square(d)/d draw; checked below). Rounding moves f by at most a few
 * units of (k + 7) u (|w| |x| + ...) per step (rank1.c's bound), far below tol = 1e-6
 * after the steps taken here: |w| |x| stays O(1). */
static int f_in_hull(const val_bench_linear *b, double tol)
{
    double lo = 0.0, hi = 0.0;
    for (size_t k = 0; k < 1024; k++) {
        lo = fmin(lo, b->y[k]);
        hi = fmax(hi, b->y[k]);
    }
    double f = gn_dot(b->w, b->x, b->d);
    return f >= lo - tol && f <= hi + tol;
}

static void test_linear_kernels(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t steps = gn_test_iters(3000);
    for (int rule = 0; rule < 2; rule++) {
        val_bench_linear b;
        assert_int_equal(val_bench_linear_init(&b, 1000, seed), GN_OK);
        double xx = gn_dot(b.x, b.x, b.d);
        if (!(xx > 0.5 && xx < 1.5))
            fail_msg("|x|^2 = %a far from 1 (seed %llu)", xx, (unsigned long long)seed);
        gn_status st = rule ? val_bench_linear_ignd(&b, steps) : val_bench_linear_sgd(&b, steps);
        assert_int_equal(st, GN_OK);
        assert_true(isfinite(b.sink) && b.sink > 0.0);
        assert_true(gn_allfinite(b.w, b.d));
        if (!f_in_hull(&b, 1e-6))
            fail_msg("rule %d: f = %a left the targets' hull (seed %llu)", rule,
                     gn_dot(b.w, b.x, b.d), (unsigned long long)seed);
        /* the work was done: w moved away from 0 along x */
        assert_true(fabs(gn_dot(b.w, b.x, b.d)) > 0.0);
        /* negative control for the hull check: push f far outside */
        for (size_t i = 0; i < b.d; i++)
            b.w[i] += 100.0 * b.x[i] / xx;
        assert_false(f_in_hull(&b, 1e-6));
        val_bench_linear_free(&b);
    }
    val_bench_linear b;
    assert_int_equal(val_bench_linear_init(&b, 0, seed), GN_ESIZE);
    assert_true(val_bench_linear_bytes(10) == 400.0);
}

static void test_mlp_kernels(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    for (int ignd = 0; ignd < 2; ignd++) {
        val_bench_mlp b;
        assert_int_equal(val_bench_mlp_init(&b, ignd, seed), GN_OK);
        assert_int_equal((int)b.m->nparams, 3201);
        double w0 = b.w[0];
        assert_int_equal(val_bench_mlp_run(&b, gn_test_iters(2000)), GN_OK);
        assert_true(isfinite(b.sink) && b.sink > 0.0);
        assert_true(gn_allfinite(b.w, b.m->nparams));
        assert_true(b.w[0] != w0 || b.w[1] != 0.0); /* the steps changed the weights */
        val_bench_mlp_free(&b);
        val_bench_mlp_free(&b);
    }
}

/* ----------------------------------------------------------- the command */

static const char *gn_bin(void)
{
    const char *b = getenv("GN_BIN");
    return b && *b ? b : "build/gnlab";
}

/* runs "GN_BIN args" with stdout captured into out (cap bytes); returns the exit status */
static int run(char *out, size_t cap, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s", gn_bin(), args);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("popen failed: %s", cmd);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int ws = pclose(p);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static int count(const char *s, const char *needle)
{
    int k = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

/* the FMA probe does its work and the FLOP count is the one derived in bench.h */
static void test_fma_probe(void **state)
{
    (void)state;
    val_bench_fma f;
    val_bench_fma_init(&f);
    assert_true(f.lanes == 1 || f.lanes == 4 || f.lanes == 8);
    assert_true(val_bench_fma_per_step(&f) == 12.0 * 1024.0 * f.lanes);
    assert_int_equal(val_bench_fma_run(&f, 3), GN_OK);
    assert_true(f.sink > 0.0);
    assert_true(val_bench_mlp_flops(val_bench_mlp_widths, 5) == 27445.0);
    /* 2-1: forward 2*2 + 1, outer 2, no hidden layer, then 4 * 3 parameters */
    static const size_t tiny[2] = {2, 1};
    assert_true(val_bench_mlp_flops(tiny, 2) == 5.0 + 2.0 + 12.0);
}

static void test_command_quick_json(void **state)
{
    (void)state;
    static char out[1 << 16];
    /* an interpreter that does not exist: the PyTorch comparison must be skipped, not failed */
    setenv("GN_PYTHON", "/nonexistent/python3", 1);
    int rc = run(out, sizeof out, "bench --quick --json 2>/dev/null");
    unsetenv("GN_PYTHON");
    if (rc != 0 && rc != 1)
        fail_msg("gnlab bench --quick --json exited %d; output:\n%s", rc, out);
    /* every line is one JSON object */
    int lines = 0;
    for (char *l = out; *l;) {
        char *e = strchr(l, '\n');
        if (!e)
            fail_msg("unterminated line: %s", l);
        if (l[0] != '{' || e[-1] != '}' || !strstr(l, "\"kind\":"))
            fail_msg("not a JSON Lines row: %.*s", (int)(e - l), l);
        lines++;
        l = e + 1;
    }
    static const char *rows[] = {"\"kind\":\"linear\",\"d\":100,", "\"kind\":\"linear\",\"d\":1000,",
                                 "\"kind\":\"linear\",\"d\":10000,",
                                 "\"kind\":\"linear\",\"d\":1000000,",
                                 "\"kind\":\"linear\",\"d\":10000000,", "\"kind\":\"probe\"",
                                 "\"kind\":\"mlp\"", "\"kind\":\"summary\""};
    for (size_t q = 0; q < sizeof rows / sizeof rows[0]; q++)
        if (count(out, rows[q]) != 1)
            fail_msg("expected one row with %s in:\n%s", rows[q], out);
    assert_int_equal(count(out, "\"kind\":\"target\""), 10);
    assert_int_equal(count(out, "\"over_floor\":null"), 0);
    assert_int_equal(count(out, "\"kind\":\"torch\""), 2);
    assert_int_equal(count(out, "\"state\":\"skipped\""), 2);
    assert_int_equal(count(out, "\"verdict\":\"SKIP\""), 2);
    /* timings are numbers (null would mean NaN or inf) and the exit status matches */
    assert_int_equal(count(out, "\"ignd_us\":null"), 0);
    assert_int_equal(count(out, "\"ratio\":null"), 0);
    int missed = count(out, "\"verdict\":\"MISS\"");
    assert_int_equal(rc, missed ? 1 : 0);
    assert_int_equal(count(out, "\"pass\":true"), missed ? 0 : 1);
    assert_true(lines >= 15);
}

/* make bench's form: --require-torch turns an absent PyTorch into two MISS rows (exit 1),
 * and --report writes the page with the machine, the date and every target's verdict */
static void test_command_report(void **state)
{
    (void)state;
    static char out[1 << 16];
    char page[256];
    snprintf(page, sizeof page, "%s/gn_test_bench_report_%ld.md",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    char args[512];
    snprintf(args, sizeof args, "bench --quick --kernel base --require-torch --report %s 2>/dev/null",
             page);
    setenv("GN_PYTHON", "/nonexistent/python3", 1);
    int rc = run(out, sizeof out, args);
    unsetenv("GN_PYTHON");
    assert_int_equal(rc, 1); /* the PyTorch rows are MISS */
    assert_non_null(strstr(out, "PyTorch comparison MISSING (--require-torch)"));
    assert_non_null(strstr(out, "vector kernels: base in use"));
    char *txt = gn_test_slurp(page);
    remove(page);
    assert_non_null(strstr(txt, "# gnlab bench report"));
    assert_non_null(strstr(txt, "| date | "));
    assert_non_null(strstr(txt, "| CPU | "));
    assert_non_null(strstr(txt, "FMA floor:"));
    assert_int_equal(count(txt, "PyTorch float64 SGD step / core IGND step"), 1);
    assert_true(count(txt, " MISS\n") >= 2);
    assert_int_equal(count(txt, " PASS\n") + count(txt, " MISS\n"), 10);
    free(txt);
    /* an unwritable page: exit 2 */
    assert_int_equal(run(out, sizeof out,
                         "bench --quick --no-torch --reps 1 --report /nonexistent/dir/r.md "
                         "2>/dev/null"),
                     2);
}

static void test_command_usage(void **state)
{
    (void)state;
    static char out[1 << 14];
    assert_int_equal(run(out, sizeof out, "bench --reps 0 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --reps 2x 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --min-time -1 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --min-time 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --frobnicate 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --torch-script 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --kernel no-such 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --no-torch --require-torch 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --report 2>/dev/null"), 2);
    assert_int_equal(run(out, sizeof out, "bench --help"), 0);
    assert_non_null(strstr(out, "Usage: gnlab bench"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_median),         cmocka_unit_test(test_ratio_median),
    cmocka_unit_test(test_verdicts),       cmocka_unit_test(test_triad),
    cmocka_unit_test(test_linear_kernels), cmocka_unit_test(test_mlp_kernels),
    cmocka_unit_test(test_command_quick_json), cmocka_unit_test(test_command_report),
    cmocka_unit_test(test_command_usage),       cmocka_unit_test(test_fma_probe),
};

GN_TEST_MAIN(tests)
