/* test_io.c: the number tokenizer of core/io (gn_io_num_*): which tokens are numbers, their
 * canonical text, and the two conversions (strtod, mpfr_set_str) agreeing on every token in
 * double's range; overflow reported; the readers that use it (JSON Lines hex fields). */
#include "gn_io.h"
#include "gn_io_trace.h"
#include "gn_jsonl.h"
#include "gn_test.h"

#include "gn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALL (GN_IO_NUM_DEXP | GN_IO_NUM_HEX | GN_IO_NUM_WORDS)

static gn_status scan(gn_io_num *t, const char *s, unsigned flags)
{
    return gn_io_num_scan(t, s, strlen(s), flags);
}

static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *tok;
        unsigned flags;
        const char *canon;
        double val;
    } good[] = {
        {"1", 0, "1", 1.0},
        {"-1.5", 0, "-1.5", -1.5},
        {"+.5", 0, "+.5", 0.5},
        {"5.", 0, "5.", 5.0},
        {"1e5", 0, "1e5", 1e5},
        {"1E-5", 0, "1E-5", 1e-5},
        {"007.25", 0, "007.25", 7.25},
        {"1.5D+02", GN_IO_NUM_DEXP, "1.5e+02", 150.0},
        {"-2.5d-1", GN_IO_NUM_DEXP, "-2.5e-1", -0.25},
        {"0x1.8p1", GN_IO_NUM_HEX, "0x1.8p1", 3.0},
        {"-0X.8P-1", GN_IO_NUM_HEX, "-0X.8P-1", -0.25},
        {"0x1d", ALL, "0x1d", 29.0}, /* a hex digit, not an exponent */
        {"0x10", GN_IO_NUM_HEX, "0x10", 16.0},
        {"1e-400", 0, "1e-400", 0.0}, /* underflow rounds to zero: not an error */
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        gn_io_num t;
        double v = NAN;
        if (scan(&t, good[i].tok, good[i].flags) != GN_OK)
            fail_msg("'%s' (flags %u) not recognised", good[i].tok, good[i].flags);
        assert_string_equal(t.text, good[i].canon);
        assert_int_equal(gn_io_num_double(&v, &t), GN_OK);
        if (v != good[i].val)
            fail_msg("'%s' read as %a, want %a", good[i].tok, v, good[i].val);
    }
    /* words */
    gn_io_num t;
    double v;
    assert_int_equal(scan(&t, "inf", 0), GN_ENONFINITE);
    assert_int_equal(scan(&t, "-NaN", GN_IO_NUM_HEX), GN_ENONFINITE);
    assert_int_equal(scan(&t, "-Infinity", GN_IO_NUM_WORDS), GN_OK);
    assert_string_equal(t.text, "-inf");
    assert_int_equal(gn_io_num_double(&v, &t), GN_OK);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(scan(&t, "+NAN", GN_IO_NUM_WORDS), GN_OK);
    assert_string_equal(t.text, "nan");
    assert_int_equal(gn_io_num_double(&v, &t), GN_OK);
    assert_true(isnan(v));
    /* the token is s[0 .. len), not up to a NUL */
    assert_int_equal(gn_io_num_read(&v, "12345", 3, 0), GN_OK);
    assert_true(v == 123.0);
}

static void test_not_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *tok;
        unsigned flags;
    } bad[] = {
        {"", ALL},       {"+", ALL},       {"-", ALL},      {".", ALL},       {"-.", ALL},
        {"e5", ALL},     {"1e", ALL},      {"1e+", ALL},    {"1.2.3", ALL},   {" 1", ALL},
        {"1 ", ALL},     {"1x", ALL},      {"0x", ALL},     {"0xg", ALL},     {"0x1p", ALL},
        {"--1", ALL},    {"nan(1)", ALL},  {"1d5", 0},      {"1D5", GN_IO_NUM_HEX},
        {"0x1p3", 0},    {"1p3", ALL},     {"0x1e3p", ALL}, {"1,5", ALL},     {"1e5.0", ALL},
        {"0x1.8g1", GN_IO_NUM_HEX | GN_IO_NUM_DEXP},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gn_io_num t;
        gn_status st = scan(&t, bad[i].tok, bad[i].flags);
        if (st != GN_EINPUT)
            fail_msg("'%s' (flags %u): status %d, want GN_EINPUT", bad[i].tok, bad[i].flags,
                     (int)st);
    }
    /* in hex, e and d are digits, not exponents */
    gn_io_num t;
    assert_int_equal(scan(&t, "0x1.8e1", ALL), GN_OK);
    assert_string_equal(t.text, "0x1.8e1");
    /* a token too long for the canonical buffer */
    char longtok[GN_IO_NUM_MAX + 8];
    memset(longtok, '1', sizeof longtok - 1);
    longtok[sizeof longtok - 1] = 0;
    assert_int_equal(scan(&t, longtok, 0), GN_EINPUT);
    longtok[GN_IO_NUM_MAX - 1] = 0; /* the longest that fits */
    assert_int_equal(scan(&t, longtok, 0), GN_OK);
}

static void test_overflow(void **state)
{
    (void)state;
    gn_io_num t;
    double v = 7.0;
    const char *over[] = {"1e309", "-1.8e308", "1.7976931348623159e308", "0x1p1024",
                          "1D999"};
    for (size_t i = 0; i < sizeof over / sizeof *over; i++) {
        assert_int_equal(scan(&t, over[i], ALL), GN_OK);
        assert_int_equal(gn_io_num_double(&v, &t), GN_ERANGE);
        assert_true(v == 7.0); /* untouched */
        assert_int_equal(gn_io_num_read(&v, over[i], strlen(over[i]), ALL), GN_ERANGE);
    }
    /* DBL_MAX and the largest text that still rounds to it are not overflow */
    assert_int_equal(gn_io_num_read(&v, "1.7976931348623158e308", 22, 0), GN_OK);
    assert_true(v == DBL_MAX);
    /* MPFR's exponent range is far wider: 1e309 is finite there, 1e(2^70) is not */
    mpfr_t x;
    mpfr_init2(x, 128);
    mpfr_set_ui(x, 5, MPFR_RNDN);
    assert_int_equal(scan(&t, "1e309", 0), GN_OK);
    assert_int_equal(gn_io_num_mpfr(x, &t, MPFR_RNDN), GN_OK);
    assert_true(mpfr_number_p(x) && mpfr_cmp_d(x, DBL_MAX) > 0);
    mpfr_set_ui(x, 5, MPFR_RNDN);
    assert_int_equal(scan(&t, "1e1180591620717411303424", 0), GN_OK);
    assert_int_equal(gn_io_num_mpfr(x, &t, MPFR_RNDN), GN_ERANGE);
    assert_true(mpfr_cmp_ui(x, 5) == 0); /* untouched */
    assert_int_equal(scan(&t, "-inf", GN_IO_NUM_WORDS), GN_OK);
    assert_int_equal(gn_io_num_mpfr(x, &t, MPFR_RNDN), GN_OK);
    assert_true(mpfr_inf_p(x) && mpfr_sgn(x) < 0);
    mpfr_clear(x);
}

/* the MPFR value of a token rounded to double, against the double conversion */
typedef gn_status conv_fn(double *v, const gn_io_num *t);

static int agree(const char *tok, conv_fn *conv, char *why, size_t whylen)
{
    gn_io_num t;
    double d = NAN;
    mpfr_t x;
    mpfr_init2(x, 256);
    int ok = gn_io_num_scan(&t, tok, strlen(tok), ALL) == GN_OK && conv(&d, &t) == GN_OK &&
             gn_io_num_mpfr(x, &t, MPFR_RNDN) == GN_OK;
    double m = mpfr_get_d(x, MPFR_RNDN);
    if (ok && !(m == d || (isnan(m) && isnan(d))))
        ok = 0;
    if (!ok)
        snprintf(why, whylen, "'%s': double %a, MPFR to double %a", tok, d, m);
    mpfr_clear(x);
    return ok;
}

/* a deliberately wrong conversion: through float */
static gn_status via_float(double *v, const gn_io_num *t)
{
    *v = (double)strtof(t->text, NULL);
    return GN_OK;
}

static void test_agree(void **state)
{
    (void)state;
    char why[256];
    static const char *fixed[] = {
        "0.1",   "-0.3",  "1e23",  "8.98846567431158e307", "2.2250738585072011e-308",
        "4.9406564584124654e-324", "2.4703282292062328e-324", "2.4703282292062327e-324",
        "1.7976931348623157e308",  "0x1.fffffffffffffp1023", "0x1p-1074", "9007199254740993",
        "2.1D-03", "2.38942129178861708329e+02", "-inf", "nan", "1e-400", "0.000000000e0",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (!agree(fixed[i], gn_io_num_double, why, sizeof why))
            fail_msg("%s", why);
    /* random decimals of up to 20 digits over double's whole range */
    uint64_t seed = gn_test_seed();
    gn_rng r;
    gn_rng_seed(&r, seed, 0);
    size_t n = gn_test_iters(2000);
    for (size_t i = 0; i < n; i++) {
        char tok[64];
        int nd = 1 + (int)(gn_rng_u64(&r) % 20), e = (int)(gn_rng_u64(&r) % 650) - 340;
        size_t k = 0;
        if (gn_rng_u64(&r) & 1)
            tok[k++] = '-';
        for (int j = 0; j < nd; j++) {
            tok[k++] = (char)('0' + gn_rng_u64(&r) % 10);
            if (j == 0)
                tok[k++] = '.';
        }
        snprintf(tok + k, sizeof tok - k, "%c%d", "eEdD"[gn_rng_u64(&r) % 4], e);
        double d;
        if (gn_io_num_read(&d, tok, strlen(tok), ALL) == GN_ERANGE)
            continue;
        if (!agree(tok, gn_io_num_double, why, sizeof why))
            fail_msg("%s (seed %llu, case %zu)", why, (unsigned long long)seed, i);
    }
    /* negative control: a conversion through float must be caught */
    assert_false(agree("0.1", via_float, why, sizeof why));
}

/* the trace readers' line limit: a line one byte over maxline is refused with its reason, one
 * at maxline is read (the negative control); the limit itself (256 MiB) fits a record of six
 * vectors at the dimension limit, which the bench's d = 10^6 Adam rows read */
static void test_line_limit(void **state)
{
    (void)state;
    static char text[] = "0123456789abcdef\n0123456789abcdefg\n";
    FILE *f = fmemopen(text, sizeof text - 1, "r");
    assert_non_null(f);
    gn_io_trace_line L = {0};
    assert_int_equal(gn_io_trace_getline(&L, f, 17), 1); /* 16 characters and the newline */
    assert_int_equal(L.len, 16);
    assert_int_equal(gn_io_trace_getline(&L, f, 17), -1); /* 17 and the newline */
    assert_non_null(strstr(L.why, "line longer than"));
    assert_int_equal(L.lineno, 2);
    free(L.line);
    fclose(f);
}

static void test_readers(void **state)
{
    (void)state;
    double v = 0.0;
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"0x1.8p-3\",\"b\":\"-inf\"}", "a"), 0);
    assert_true(v == 0.1875);
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"0x1.8p-3\",\"b\":\"-inf\"}", "b"), 0);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"nan\"}", "a"), 0);
    assert_true(isnan(v));
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"\"}", "a"), -1);
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"0x1p\"}", "a"), -1);
    assert_int_equal(gn_io_jfield_hex(&v, "{\"a\":\"1e999\"}", "a"), -1);
    /* round trip of every special value through gn_io_hexstr */
    const double w[] = {0.0, -0.0, 1.0 / 3.0, DBL_MIN / 3.0, DBL_MAX, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        char hx[64], line[128];
        gn_io_hexstr(hx, sizeof hx, w[i]);
        snprintf(line, sizeof line, "{\"v\":\"%s\"}", hx);
        assert_int_equal(gn_io_jfield_hex(&v, line, "v"), 0);
        if (memcmp(&v, &w[i], sizeof v))
            fail_msg("%a written as '%s' read back as %a", w[i], hx, v);
    }
    /* gn_io_errf: NULL-safe, truncates like snprintf */
    gn_io_errf(NULL, 10, "%s", "x");
    char e[8] = "unset";
    gn_io_errf(e, 0, "%s", "x");
    assert_string_equal(e, "unset");
    gn_io_errf(e, sizeof e, "%s:%d:%d: why", "file", 3, 4);
    assert_string_equal(e, "file:3:");
    assert_int_equal(gn_io_sigdigits("1.20196866396E-0"), 12);
    assert_int_equal(gn_io_sigdigits("-0.00120D+3"), 3);
}

/* ------------------------------------------------ the fast path (gn_io_num_fast) */

/* a uniformly random integer of nd decimal digits (nd <= 19), leading digit nonzero */
static uint64_t rand_digits(gn_rng *rng, int nd)
{
    uint64_t m = 1 + (uint64_t)(gn_rng_uniform(rng) * 9.0);
    for (int k = 1; k < nd; k++)
        m = 10 * m + (uint64_t)(gn_rng_uniform(rng) * 10.0);
    return m;
}

/* conv(text) must be strtod(text) whenever conv returns at all; 1 when it returned */
static int fast_checked(int (*conv)(double *, const char *, size_t), const char *txt, int *bad,
                        uint64_t seed)
{
    double got, want = strtod(txt, NULL);
    if (conv(&got, txt, strlen(txt)) != 0)
        return 0;
    if (memcmp(&got, &want, sizeof got)) {
        if (*bad == 0)
            print_message("# '%s': fast %a, strtod %a (seed %llu)\n", txt, got, want,
                          (unsigned long long)seed);
        ++*bad;
    }
    return 1;
}

/* negative control: M 10^q in double arithmetic, two roundings (wrong on hard inputs) */
static int naive_conv(double *out, const char *s, size_t len)
{
    (void)len;
    char *e;
    unsigned long long m = strtoull(s, &e, 10);
    if (*e != 'e')
        return -1;
    int q = atoi(e + 1);
    if (q < -22 || q > 22)
        return -1;
    *out = q < 0 ? (double)m / pow(10.0, -q) : (double)m * pow(10.0, q);
    return 0;
}

/* the inputs of test_num_fast: every power of ten of the table with 1 to 19 digits; near
 * halfway cases (a midpoint between doubles written with 17 to 19 digits and nudged by one
 * in the last digit); random doubles printed shortest-ish; each through conv */
static size_t fast_inputs(int (*conv)(double *, const char *, size_t), size_t *tried, int *bad,
                          uint64_t seed, size_t reps)
{
    gn_rng rng;
    gn_rng_seed(&rng, seed, 23);
    char txt[96];
    size_t fast = 0;
    *tried = 0;
    for (size_t r = 0; r < reps; r++) {
        for (int q = -70; q <= 60; q++)
            for (int nd = 1; nd <= 19; nd++) {
                uint64_t m = rand_digits(&rng, nd);
                snprintf(txt, sizeof txt, "%llue%d", (unsigned long long)m, q);
                fast += (size_t)fast_checked(conv, txt, bad, seed);
                ++*tried;
            }
        for (int k = 0; k < 400; k++) {
            double x = ldexp(1.0 + gn_rng_uniform(&rng), (int)(gn_rng_uniform(&rng) * 300.0) - 150);
            long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2.0L;
            for (int nd = 17; nd <= 19; nd++) {
                /* the midpoint's nd-digit decimal, then its last digit moved by -1, 0, +1 */
                char dig[64];
                int ex;
                snprintf(dig, sizeof dig, "%.*Le", nd - 1, mid);
                char *ep = strchr(dig, 'e');
                ex = atoi(ep + 1) - (nd - 1);
                unsigned long long m = 0;
                for (const char *p = dig; p < ep; p++)
                    if (*p >= '0' && *p <= '9')
                        m = 10 * m + (unsigned long long)(*p - '0');
                for (int dm = -1; dm <= 1; dm++) {
                    snprintf(txt, sizeof txt, "%llue%d", m + (unsigned long long)dm, ex);
                    fast += (size_t)fast_checked(conv, txt, bad, seed);
                    ++*tried;
                }
            }
            snprintf(txt, sizeof txt, "%.17g", x);
            fast += (size_t)fast_checked(conv, txt, bad, seed);
            snprintf(txt, sizeof txt, "%.19g", -x);
            fast += (size_t)fast_checked(conv, txt, bad, seed);
            *tried += 2;
        }
    }
    return fast;
}

static void test_num_fast(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t tried, reps = gn_test_iters(100);
    int bad = 0;
    size_t fast = fast_inputs(gn_io_num_fast, &tried, &bad, seed, reps);
    print_message("# gn_io_num_fast: %zu of %zu inputs on the fast path, %d differ from strtod\n",
                  fast, tried, bad);
    assert_int_equal(bad, 0);
    assert_true(fast > tried / 2);
    /* negative control: the same comparison catches a doubly rounded conversion */
    int nbad = 0;
    fast_inputs(naive_conv, &tried, &nbad, seed, 1);
    print_message("# negative control (M 10^q in double): %d of its results differ\n", nbad);
    assert_true(nbad > 0);

    /* exact ties (<= 19 digits) go to strtod or round to even; 10^q at the table's ends */
    static const char *const edge[] = {
        "9007199254740993", "9007199254740995", "9007199254740992.5", "18014398509481986",
        "18014398509481990", "1e-64", "1e-65", "1e55", "1e56", "9999999999999999999e-64",
        "9999999999999999999e55", "1.7976931348623157e308", "2.2250738585072014e-308",
        "4.9e-324", "1e-320", "0.0000000000000000000000000000000000000000000000000000000000000001",
        "-0", "+0.0", "0e999999", "1e99999999999", "1.", ".5", "-.5e-3", "10000000000000000000",
        "1234567890123456789e-27"};
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++)
        fast_checked(gn_io_num_fast, edge[k], &bad, seed);
    assert_int_equal(bad, 0);
    double z = 1.0;
    assert_int_equal(gn_io_num_fast(&z, "-0", 2), 0);
    assert_true(z == 0.0 && signbit(z));
    /* declined: not the fast grammar (the caller's slower path decides) */
    static const char *const no[] = {"", "+", ".", "e5", "1e", "1e+", "--1", "1.2.3", "1x",
                                     "0x10", "inf", "nan", " 1", "1 ", "99999999999999999999"};
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
        if (gn_io_num_fast(&z, no[k], strlen(no[k])) == 0)
            fail_msg("gn_io_num_fast accepted '%s'", no[k]);
    /* the prefix form stops where the grammar does, and declines what gn_io_num_fast does */
    static const struct {
        const char *s;
        size_t len;
        double v;
    } pre[] = {{"1.5,2", 3, 1.5}, {"-2e3]", 4, -2000.0}, {"7", 1, 7.0}, {"12x", 2, 12.0},
               {"1.2.3", 3, 1.2}, {"1e,", 0, 0}, {"1e+]", 0, 0}, {",1", 0, 0}, {"", 0, 0},
               {"99999999999999999999,", 0, 0}};
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        double v = -1.0;
        size_t n = gn_io_num_fast_prefix(&v, pre[k].s, strlen(pre[k].s));
        if (n != pre[k].len || (n && v != pre[k].v))
            fail_msg("gn_io_num_fast_prefix('%s') = %zu, %g", pre[k].s, n, v);
    }
}

/* ------------------------------- the trace reader's w = previous w_after shortcut */

/* the w values of every record of text (CSV or JSON Lines) into w (nrec x 2); the status */
static gn_status read_w(double *w, size_t maxrec, size_t *nrec, const char *text, char *err,
                        size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    gn_io_trace_reader *r = gn_io_trace_reader_open(f, "t");
    assert_non_null(r);
    const gn_io_trace_rec *rec;
    gn_status st;
    *nrec = 0;
    while ((st = gn_io_trace_next(r, &rec, err, errlen)) == GN_OK && rec && *nrec < maxrec) {
        assert_int_equal(rec->n, 2);
        w[2 * *nrec] = rec->v[GN_IO_TRACE_V_W][0];
        w[2 * *nrec + 1] = rec->v[GN_IO_TRACE_V_W][1];
        ++*nrec;
    }
    gn_io_trace_reader_free(r);
    fclose(f);
    return st;
}

static void test_trace_reuse(void **state)
{
    (void)state;
    /* w_0 repeats the previous w_after_0 (taken without converting it again); w_1 starts
     * with the previous w_after_1's text but goes on ("2.45" after "2.4"), or writes the
     * same value differently ("1.30"): both must be converted; a blank and a comment line
     * between records; the last record's w_after is not the fast grammar ("inf" is refused
     * in w, allowed in w_after) */
    static const char csv[] =
        "method,dtype,alpha,lp,w_0,w_1,j_0,j_1,w_after_0,w_after_1\n"
        "sgd,float64,0.1,1,1.5,2.5,1,1,1.4,2.4\n"
        "\n"
        "sgd,float64,0.1,1,1.4,2.45,1,1,1.30,2.3\n"
        "# a comment\n"
        "sgd,float64,0.1,1,1.3,2.3,1,1,1.2,2.2e0\n"
        "sgd,float64,0.1,1,1.2,2.2,1,1,inf,0x1p1\n"
        "sgd,float64,0.1,1,1.0000000000000001,2,1,1,1,2\n";
    static const double want[] = {1.5, 2.5, 1.4, 2.45, 1.3, 2.3, 1.2, 2.2, 1.0000000000000001, 2};
    double w[12];
    size_t n;
    char err[256] = "";
    assert_int_equal(read_w(w, 6, &n, csv, err, sizeof err), GN_OK);
    assert_int_equal(n, 5);
    for (size_t k = 0; k < 10; k++)
        if (w[k] != want[k])
            fail_msg("CSV w[%zu] = %.17g, want %.17g", k, w[k], want[k]);
    static const char jl[] =
        "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":0.1,\"lp\":1,\"w\":[1.5,2.5],"
        "\"j\":[1,1],\"w_after\":[1.4,2.4]}\n"
        "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":0.1,\"lp\":1,\"w_after\":[1.30,2.3],"
        "\"w\":[1.4,2.45],\"j\":[1,1]}\n"
        "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":0.1,\"lp\":1,\"w\":[1.3 ,2.3],"
        "\"j\":[1,1],\"w_after\":[1.2,2.2e0]}\n"
        "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":0.1,\"lp\":1,\"w\":[1.2,2.2],"
        "\"j\":[1,1],\"w_after\":[1e999,2]}\n"
        "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":0.1,\"lp\":1,"
        "\"w\":[1.0000000000000001,2],\"j\":[1,1],\"w_after\":[1,2]}\n";
    assert_int_equal(read_w(w, 6, &n, jl, err, sizeof err), GN_OK);
    assert_int_equal(n, 5);
    for (size_t k = 0; k < 10; k++)
        if (w[k] != want[k])
            fail_msg("JSON w[%zu] = %.17g, want %.17g", k, w[k], want[k]);
    /* a w equal to the previous non-finite w_after is still refused, located */
    static const char bad[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\n"
                              "sgd,float64,0.1,1,1.5,1,inf\n"
                              "sgd,float64,0.1,1,inf,1,1\n";
    FILE *f = fmemopen((void *)bad, strlen(bad), "r");
    gn_io_trace_reader *r = gn_io_trace_reader_open(f, "t");
    const gn_io_trace_rec *rec;
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "t:3:5 (w_0)"));
    gn_io_trace_reader_free(r);
    fclose(f);
    /* a float32 trace: the reused token's value is the one read, then rounded to float32
     * like any w; a w_after that is no float32 is still found in the record that has it */
    static const char f32[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\n"
                              "sgd,float32,0.1,1,0.5,1,0.1\n"
                              "sgd,float32,0.1,1,0.1,1,0.10000000000000001\n";
    f = fmemopen((void *)f32, strlen(f32), "r");
    r = gn_io_trace_reader_open(f, "t");
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
    assert_true(rec->v[GN_IO_TRACE_V_WAFTER][0] == (double)0.1f);
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "t:3:7 (w_after_0)"));
    assert_non_null(strstr(err, "not a float32 value"));
    gn_io_trace_reader_free(r);
    fclose(f);
    static const char f32b[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\n"
                               "sgd,float32,0.1,1,0.5,1,0.1\n"
                               "sgd,float32,0.1,1,0.1,1,0.2\n";
    f = fmemopen((void *)f32b, strlen(f32b), "r");
    r = gn_io_trace_reader_open(f, "t");
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
    assert_true(rec->v[GN_IO_TRACE_V_W][0] == (double)0.1f);
    gn_io_trace_reader_free(r);
    fclose(f);
}

/* the first error of the trace text[0 .. len) (records read until one fails) */
static void trace_error(char *err, size_t errlen, const char *text, size_t len)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    gn_io_trace_reader *r = gn_io_trace_reader_open(f, "t");
    const gn_io_trace_rec *rec;
    err[0] = '\0';
    while (gn_io_trace_next(r, &rec, err, errlen) == GN_OK && rec)
        ;
    gn_io_trace_reader_free(r);
    fclose(f);
}

/* the reader's own line buffer: the messages of gn_io_trace_getline, CRLF, lines longer than
 * its 256 KiB blocks (a refill in the middle of a line, w reused across refills) */
static void test_trace_lines(void **state)
{
    (void)state;
    char err[256];
    static const char nul[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\n"
                              "sgd,float64,0.1,1,1,1,0.9\n"
                              "sgd,f\0oat64,0.1,1,1,1,0.9\n";
    trace_error(err, sizeof err, nul, sizeof nul - 1);
    assert_string_equal(err, "t:3:6: NUL byte in the line");
    static const char trunc[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\n"
                                "sgd,float64,0.1,1,1,1,0.9\n"
                                "sgd,float64,0.1,1,0.9,1,0.8";
    trace_error(err, sizeof err, trunc, sizeof trunc - 1);
    assert_non_null(strstr(err, "t:3:28: truncated line"));
    static const char crlf[] = "method,dtype,alpha,lp,w_0,j_0,w_after_0\r\n"
                               "sgd,float64,0.1,1,1,1,0.9\r\n"
                               "\r\n"
                               "sgd,float64,0.1,1,0.9,1,0.8\r\n"
                               "sgd,float64,0.1,1,0.8,1,x\r\n";
    trace_error(err, sizeof err, crlf, sizeof crlf - 1);
    assert_string_equal(err, "t:5:7 (w_after_0): 'x' is not a number");
    /* three JSON records of d = 30000 (about 430 KB a line), w_after_i = w_i - 1e-3 i
     * written as the next record's w */
    size_t d = 30000, cap = 3 * 3 * d * 24 + 1024, len = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    for (int k = 0; k < 3; k++) {
        len += (size_t)snprintf(t + len, cap - len,
                                "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,\"lp\":1");
        static const char *const key[] = {"w", "j", "w_after"};
        for (int v = 0; v < 3; v++) {
            len += (size_t)snprintf(t + len, cap - len, ",\"%s\":[", key[v]);
            for (size_t i = 0; i < d; i++) {
                double x = v == 1 ? 1e-3 * (double)i : 1.0 + (double)i - 1e-3 * (double)i * (k + v / 2);
                len += (size_t)snprintf(t + len, cap - len, "%s%.17g", i ? "," : "", x);
            }
            len += (size_t)snprintf(t + len, cap - len, "]");
        }
        len += (size_t)snprintf(t + len, cap - len, "}\n");
    }
    FILE *f = fmemopen(t, len, "r");
    gn_io_trace_reader *r = gn_io_trace_reader_open(f, "t");
    const gn_io_trace_rec *rec;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
        assert_non_null(rec);
        assert_int_equal(rec->line, (size_t)k + 1);
        for (size_t i = 0; i < d; i += 997) {
            char want[32];
            snprintf(want, sizeof want, "%.17g", 1.0 + (double)i - 1e-3 * (double)i * k);
            assert_true(rec->v[GN_IO_TRACE_V_W][i] == strtod(want, NULL));
        }
    }
    assert_int_equal(gn_io_trace_next(r, &rec, err, sizeof err), GN_OK);
    assert_null(rec);
    gn_io_trace_reader_free(r);
    fclose(f);
    free(t);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_numbers), cmocka_unit_test(test_not_numbers),
    cmocka_unit_test(test_overflow), cmocka_unit_test(test_agree),
    cmocka_unit_test(test_readers), cmocka_unit_test(test_line_limit),
    cmocka_unit_test(test_num_fast), cmocka_unit_test(test_trace_reuse),
    cmocka_unit_test(test_trace_lines),
};

GN_TEST_MAIN(tests)
