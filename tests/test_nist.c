/* test_nist.c: the NIST StRD certification library (validate/val_nist.c) on the committed
 * files: both routes reach their targets, a wrong certified value is caught (negative
 * control), a file written with Fortran D exponents certifies exactly like the original
 * (both routes read numbers through one tokenizer), and the suite's counts and verdicts. */
#include "gn_test.h"
#include "val_nist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NISTDIR "validate/data/nist"

static void test_files(void **state)
{
    (void)state;
    char **files, err[256] = "";
    size_t nf;
    assert_int_equal(val_nist_files(&files, &nf, NISTDIR, err, sizeof err), GN_OK);
    assert_int_equal(nf, 27); /* all of NIST StRD's nonlinear regression problems */
    for (size_t f = 1; f < nf; f++)
        assert_true(strcmp(files[f - 1], files[f]) < 0);
    assert_non_null(strstr(files[0], NISTDIR "/"));
    val_nist_files_free(files, nf);
    assert_int_equal(val_nist_files(&files, &nf, "/nonexistent", err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "cannot open directory /nonexistent"));
    assert_null(files);
    assert_int_equal(val_nist_files(&files, &nf, "core", err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "no *.dat files in core"));
}

/* every start of path: double (qr) and MPFR at 256 bits; their min LREs into dl, ml */
static void certify(const char *path, double *dl, double *ml, int *pass)
{
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, path, stderr, "test_nist"), GN_OK);
    *dl = *ml = INFINITY;
    *pass = 1;
    for (size_t st = 0; st < p.nstart; st++) {
        val_nist_double d;
        val_nist_mp m;
        assert_int_equal(val_nist_run_double(&d, &p, &s, st, GN_FIT_QR), GN_OK);
        assert_int_equal(val_nist_run_mp(&m, &p, &s, st, 256), GN_OK);
        *dl = fmin(*dl, d.lre_min);
        *ml = fmin(*ml, m.lre_min);
        *pass &= val_nist_pass_double(&d) && val_nist_pass_mp(&m);
        assert_true(val_nist_agree(d.b, &m, p.k) >= 6.0);
        val_nist_double_free(&d);
        val_nist_mp_free(&m, p.k);
    }
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
}

static void test_problem(void **state)
{
    (void)state;
    double dl, ml;
    int pass;
    certify(NISTDIR "/Misra1a.dat", &dl, &ml, &pass);
    if (!pass || dl < VAL_NIST_TARGET_DOUBLE || ml < VAL_NIST_TARGET_MP)
        fail_msg("Misra1a: double LRE %.17g, MPFR LRE %.17g", dl, ml);
}

/* negative control: the same check with a certified value off in its 4th digit must MISS */
static void test_wrong_certificate(void **state)
{
    (void)state;
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, NISTDIR "/Misra1a.dat", stderr, "t"), GN_OK);
    p.cert[0] *= 1.001;
    char *c = p.cert_str[0];
    c[4] = c[4] == '9' ? '8' : (char)(c[4] + 1);
    val_nist_double d;
    val_nist_mp m;
    assert_int_equal(val_nist_run_double(&d, &p, &s, 0, GN_FIT_QR), GN_OK);
    assert_int_equal(val_nist_run_mp(&m, &p, &s, 0, 256), GN_OK);
    assert_false(val_nist_pass_double(&d));
    assert_false(val_nist_pass_mp(&m));
    assert_true(d.lre_min < 5.0 && m.lre_min < 5.0);
    val_nist_double_free(&d);
    val_nist_mp_free(&m, p.k);
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
}

/* copy src to dst with every exponent letter E written as D (as Fortran prints) */
static void write_dexp(const char *src, const char *dst)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    assert_non_null(in);
    assert_non_null(out);
    int c, prev = 0;
    while ((c = fgetc(in)) != EOF) {
        int next = fgetc(in);
        int digit_next = next >= '0' && next <= '9';
        if (c == 'E' && prev >= '0' && prev <= '9' && (next == '+' || next == '-' || digit_next))
            c = 'D';
        fputc(c, out);
        if (next != EOF)
            ungetc(next, in);
        prev = c;
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Misra1a rewritten by rewrite() into a temporary file must certify like the original: the
 * same double LRE to the last bit, the MPFR LRE within mp_tol digits, the same verdicts.
 * data_mark (and cert_mark unless NULL) must occur in the copy's first data value (first
 * certified value), so the rewrite really took place. */
static void certify_copy(void (*rewrite)(const char *, const char *), const char *data_mark,
                         const char *cert_mark, double mp_tol)
{
    char dir[] = "/tmp/gn_test_nist_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/Misra1aCopy.dat", dir);
    rewrite(NISTDIR "/Misra1a.dat", path);
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, path, stderr, "t"), GN_OK);
    assert_non_null(strstr(p.data_str[0], data_mark));
    if (cert_mark)
        assert_non_null(strstr(p.cert_str[0], cert_mark));
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
    double dl0, ml0, dl1, ml1;
    int pass0, pass1;
    certify(NISTDIR "/Misra1a.dat", &dl0, &ml0, &pass0);
    certify(path, &dl1, &ml1, &pass1);
    if (dl0 != dl1 || fabs(ml0 - ml1) > mp_tol || pass0 != pass1 || !pass1)
        fail_msg("%s copy: double LRE %.17g vs %.17g, MPFR LRE %.17g vs %.17g, pass %d",
                 data_mark, dl1, dl0, ml1, ml0, pass1);
    unlink(path);
    rmdir(dir);
}

static void test_fortran_exponents(void **state)
{
    (void)state;
    certify_copy(write_dexp, "D", "D", 0.0);
}

/* copy src to dst with every data value (the rows after the data header) written in C99 hex
 * (%a of the double the decimal rounds to) */
static void write_hexdata(const char *src, const char *dst)
{
    gn_io_nist p;
    char err[512];
    assert_int_equal(gn_io_nist_read(&p, src, err, sizeof err), GN_OK);
    char *text = gn_test_slurp(src), *hdr = strstr(text, "\nData:   y");
    assert_non_null(hdr);
    char *rows = strchr(hdr + 1, '\n') + 1;
    FILE *out = fopen(dst, "wb");
    assert_non_null(out);
    fwrite(text, 1, (size_t)(rows - text), out);
    for (size_t i = 0; i < p.n; i++) {
        for (size_t c = 0; c < p.ncols; c++)
            fprintf(out, "  %a", p.data[c * p.n + i]);
        fputs("\r\n", out);
    }
    assert_int_equal(fclose(out), 0);
    gn_io_nist_free(&p);
    free(text);
}

/* issue 13 finding 7: data written in hex are read as the same doubles by the double route
 * and as the same exact values by the MPFR route (one tokenizer, base 16 for both): the
 * double LRE is the original's to the last bit, the MPFR LRE within 0.1 digit of it (the
 * data moved by at most half an ulp of double), and both targets still met */
static void test_hex_values(void **state)
{
    (void)state;
    certify_copy(write_hexdata, "0x", NULL, 0.1);
}

/* issue 13 finding 14: fewer observations than parameters is refused at the observations
 * line with both counts (no unsigned wrap), with or without a degrees-of-freedom line */
static void test_too_few_observations(void **state)
{
    (void)state;
    const char *tmp = "/tmp/gn_test_nist_few.dat";
    char *orig = gn_test_slurp(NISTDIR "/Misra1a.dat"), err[512];
    char *a = gn_test_replace(orig, "Number of Observations:                            14",
                      "Number of Observations:                            1");
    gn_test_spit(tmp, a);
    gn_io_nist p;
    assert_int_equal(gn_io_nist_read(&p, tmp, err, sizeof err), GN_EINPUT);
    if (!strstr(err, "few.dat:47: 1 observations, but the model has 2 parameters") ||
        strstr(err, "18446744073709551615"))
        fail_msg("n < k with a DF line: '%s'", err);
    char *b = gn_test_replace(a, "Degrees of Freedom:                                12", "");
    gn_test_spit(tmp, b);
    assert_int_equal(gn_io_nist_read(&p, tmp, err, sizeof err), GN_EINPUT);
    if (!strstr(err, "few.dat:47: 1 observations, but the model has 2 parameters"))
        fail_msg("n < k without a DF line: '%s'", err);
    unlink(tmp);
    free(orig);
    free(a);
    free(b);
}

/* issue 13 finding 15: NIST's Rat43.dat states 9 degrees of freedom for 15 observations
 * and 4 parameters (11), and its certified residual SD is sqrt(RSS/11). The same kind of
 * file (Misra1a with "10" for its 12 degrees of freedom) loads with a warning naming the
 * line, both readings and the one the certified residual SD confirms, and still certifies;
 * the suite runs it. Negative controls: a residual SD of sqrt(RSS/10) confirms the stated
 * line instead, and one matching neither says so. */
static void test_dof_mismatch(void **state)
{
    (void)state;
    char dir[] = "/tmp/gn_test_nist_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/Rat43like.dat", dir);
    const char *dofl = "Degrees of Freedom:                                12";
    char *orig = gn_test_slurp(NISTDIR "/Misra1a.dat");
    char *a = gn_test_replace(orig, dofl, "Degrees of Freedom:                                10");
    gn_test_spit(path, a);
    gn_io_nist p;
    char err[512];
    assert_int_equal(gn_io_nist_read(&p, path, err, sizeof err), GN_OK);
    if (!strstr(p.warn, "Rat43like.dat:46: 10 degrees of freedom, but 14 observations minus 2 "
                        "parameters is 12") ||
        !strstr(p.warn, "confirms 12"))
        fail_msg("warning: '%s'", p.warn);
    gn_io_nist_free(&p);
    /* the suite runs it and passes, printing the warning */
    char *files[] = {path};
    val_nist_summary sm;
    char msg[1024] = "";
    FILE *mf = fmemopen(msg, sizeof msg, "w");
    assert_int_equal(val_nist_suite(&sm, files, 1, GN_FIT_QR, 1, 256, mf, "t", NULL, NULL),
                     GN_OK);
    fclose(mf);
    assert_true(sm.pass && !sm.bad && sm.runs == 2);
    if (!strstr(msg, "t: warning: ") || !strstr(msg, "Rat43like.dat:46:"))
        fail_msg("suite message: '%s'", msg);
    /* negative controls: the residual SD confirms the stated line, or neither reading */
    const char *sdl = "Residual Standard Deviation:                1.0187876330E-01";
    char *b = gn_test_replace(a, sdl, "Residual Standard Deviation:                1.1160259358E-01");
    gn_test_spit(path, b);
    assert_int_equal(gn_io_nist_read(&p, path, err, sizeof err), GN_OK);
    if (!strstr(p.warn, "confirms 10"))
        fail_msg("SD for the stated DF: '%s'", p.warn);
    gn_io_nist_free(&p);
    char *c = gn_test_replace(a, sdl, "Residual Standard Deviation:                5.0E-01");
    gn_test_spit(path, c);
    assert_int_equal(gn_io_nist_read(&p, path, err, sizeof err), GN_OK);
    if (!strstr(p.warn, "confirms neither"))
        fail_msg("SD for neither: '%s'", p.warn);
    gn_io_nist_free(&p);
    /* the original has no warning */
    assert_int_equal(gn_io_nist_read(&p, NISTDIR "/Misra1a.dat", err, sizeof err), GN_OK);
    assert_string_equal(p.warn, "");
    gn_io_nist_free(&p);
    unlink(path);
    rmdir(dir);
    free(orig);
    free(a);
    free(b);
    free(c);
}

typedef struct {
    size_t rows, dpass, mpass;
} rowcount;

static void count_row(void *ctx, const val_nist_row *r)
{
    rowcount *c = ctx;
    c->rows++;
    c->dpass += (size_t)r->dpass;
    c->mpass += (size_t)r->mpass;
    assert_int_equal(r->sel, 1); /* qr */
    assert_true(r->agree >= 6.0);
}

static void test_suite(void **state)
{
    (void)state;
    char *files[] = {NISTDIR "/Misra1a.dat", NISTDIR "/Misra1b.dat"};
    val_nist_summary sm;
    rowcount c = {0, 0, 0};
    assert_int_equal(val_nist_suite(&sm, files, 2, GN_FIT_QR, 1, 256, stderr, "t", count_row, &c),
                     GN_OK);
    assert_int_equal(c.rows, 4);
    assert_int_equal(sm.runs, 4);
    assert_int_equal(sm.cnt, 8);
    assert_int_equal(sm.miss_double + sm.miss_mp, 0);
    assert_true(sm.pass && sm.avgpass && !sm.bad);
    assert_true(sm.avg[1] >= VAL_NIST_TARGET_CERES_AVG && sm.avg_mp >= VAL_NIST_TARGET_MP);
    /* a file that does not load makes the suite fail, the others still run */
    FILE *devnull = fopen("/dev/null", "w");
    char *bad[] = {NISTDIR "/Misra1a.dat", "/nonexistent.dat"};
    assert_int_equal(val_nist_suite(&sm, bad, 2, GN_FIT_QR, 0, 256, devnull, "t", NULL, NULL),
                     GN_OK);
    fclose(devnull);
    assert_true(sm.bad && !sm.pass);
    assert_int_equal(sm.runs, 2);
}

/* ---------------------------------------------------------------- issue 14 */

/* one start of one problem by both routes with the default settings (val_nist_run_* take no
 * option but the solver: the NIST runs cannot be tuned per problem) */
static void hard_start(const char *path, size_t st)
{
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, path, stderr, "test_nist"), GN_OK);
    val_nist_double d;
    val_nist_mp m;
    assert_int_equal(val_nist_run_double(&d, &p, &s, st, GN_FIT_QR), GN_OK);
    assert_int_equal(val_nist_run_mp(&m, &p, &s, st, 256), GN_OK);
    if (!val_nist_pass_double(&d) || d.lre_min < 9.0 || !val_nist_pass_mp(&m))
        fail_msg("%s start %zu: double LRE %.1f SD %.1f stop %s; MPFR LRE %.1f SD %.1f stop %s",
                 path, st + 1, d.lre_min, d.se_lre_min, gn_fit_stop_name(d.rep.stop), m.lre_min,
                 m.se_lre_min, gn_fit_stop_name(m.rep.stop));
    assert_int_equal(gn_fit_classify(&d.rep, &d.stats), GN_FIT_END_MINIMUM);
    val_nist_double_free(&d);
    val_nist_mp_free(&m, p.k);
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
}

/* the two starts no plain LM of gnlab's reached (BoxBOD start 1 stuck at b2 = 114.8,
 * MGH10 start 1 at the iteration limit) converge with the defaults in both routes;
 * negative control: the same BoxBOD start without the geodesic acceleration ends stuck on
 * the plateau, not at a minimum, and misses the LRE target */
static void test_hard_starts(void **state)
{
    (void)state;
    hard_start(NISTDIR "/BoxBOD.dat", 0);
    hard_start(NISTDIR "/MGH10.dat", 0);
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, NISTDIR "/BoxBOD.dat", stderr, "t"), GN_OK);
    gn_fit_params par = gn_fit_params_default();
    par.solver = GN_FIT_QR;
    par.accel = 0;
    double b[2];
    gn_fit_report rep;
    gn_fit_stats st;
    assert_int_equal(gn_fit_run(b, &rep, &s.fp, p.start, &par), GN_OK);
    assert_int_equal(gn_fit_covar(&st, (double[2]){0}, NULL, NULL, NULL, &s.fp, b), GN_OK);
    assert_true(gn_io_lre(b[1], p.cert[1], p.cert_digits[1]) < 1.0);
    assert_true(gn_fit_classify(&rep, &st) != GN_FIT_END_MINIMUM);
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
}

/* all 54 double fits with the defaults: every parameter to >= 9 digits; every standard
 * deviation to >= 6 digits unless the rounding bound of the residuals (sigma_err) says double
 * cannot give 6 (Lanczos1: RSS 1.4e-25), and then the bound holds: the SD's error is within
 * it */
static void test_all_defaults(void **state)
{
    (void)state;
    char **files, err[256] = "";
    size_t nf, runs = 0, below = 0;
    assert_int_equal(val_nist_files(&files, &nf, NISTDIR, err, sizeof err), GN_OK);
    FILE *devnull = fopen("/dev/null", "w");
    for (size_t f = 0; f < nf; f++) {
        gn_io_nist p;
        gn_io_nist_setup s;
        assert_int_equal(val_nist_load(&p, &s, files[f], devnull, "t"), GN_OK);
        for (size_t st = 0; st < p.nstart; st++, runs++) {
            val_nist_double d;
            assert_int_equal(val_nist_run_double(&d, &p, &s, st, GN_FIT_QR), GN_OK);
            double sd = fmin(d.se_lre_min, d.rsd_lre);
            if (!d.ok || !gn_fit_stop_converged(d.rep.stop) || d.lre_min < 9.0)
                fail_msg("%s start %zu: LRE %.1f, stop %s", files[f], st + 1, d.lre_min,
                         gn_fit_stop_name(d.rep.stop));
            if (sd < VAL_NIST_TARGET_SD_DOUBLE) {
                below++;
                if (!(d.stats.sigma_err > 1e-6) || sd < -log10(d.stats.sigma_err))
                    fail_msg("%s start %zu: SD LRE %.1f, rounding bound %.2g", files[f],
                             st + 1, sd, d.stats.sigma_err);
            }
            val_nist_double_free(&d);
        }
        gn_io_nist_problem_free(&s);
        gn_io_nist_free(&p);
    }
    fclose(devnull);
    val_nist_files_free(files, nf);
    assert_int_equal(runs, 54);
    assert_true(below <= 2); /* Lanczos1's two starts */
}

/* negative control of the SD check: a certified standard deviation off in its 4th digit (and
 * a certified residual SD off likewise) must MISS in both routes */
static void test_wrong_sd(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        gn_io_nist p;
        gn_io_nist_setup s;
        assert_int_equal(val_nist_load(&p, &s, NISTDIR "/Misra1a.dat", stderr, "t"), GN_OK);
        char *c = which ? p.rsd_str : p.cert_sd_str[0];
        c[4] = c[4] == '9' ? '8' : (char)(c[4] + 1);
        if (which)
            p.rsd *= 1.001;
        else
            p.cert_sd[0] *= 1.001;
        val_nist_double d;
        val_nist_mp m;
        assert_int_equal(val_nist_run_double(&d, &p, &s, 0, GN_FIT_QR), GN_OK);
        assert_int_equal(val_nist_run_mp(&m, &p, &s, 0, 256), GN_OK);
        assert_true(d.lre_min >= 9.0 && m.lre_min >= 10.0); /* the parameters still pass */
        assert_false(val_nist_pass_double(&d));
        assert_false(val_nist_pass_mp(&m));
        assert_true(fmin(d.se_lre_min, d.rsd_lre) < 5.0 && fmin(m.se_lre_min, m.rsd_lre) < 5.0);
        val_nist_double_free(&d);
        val_nist_mp_free(&m, p.k);
        gn_io_nist_problem_free(&s);
        gn_io_nist_free(&p);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_files),         cmocka_unit_test(test_problem),
    cmocka_unit_test(test_wrong_certificate), cmocka_unit_test(test_fortran_exponents),
    cmocka_unit_test(test_suite),         cmocka_unit_test(test_hex_values),
    cmocka_unit_test(test_too_few_observations), cmocka_unit_test(test_dof_mismatch),
    cmocka_unit_test(test_hard_starts),   cmocka_unit_test(test_all_defaults),
    cmocka_unit_test(test_wrong_sd),
};

GN_TEST_MAIN(tests)
