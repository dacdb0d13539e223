/* test_nist.c: the NIST StRD certification library (validate/val_nist.c) on the committed
 * files: both routes reach their targets, a wrong certified value is caught (negative
 * control), a file written with Fortran D exponents certifies exactly like the original
 * (both routes read numbers through one tokenizer), and the suite's counts and verdicts. */
#include "gn_test.h"
#include "val_nist.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define NISTDIR "validate/data/nist"

static void test_files(void **state)
{
    (void)state;
    char **files, err[256] = "";
    size_t nf;
    assert_int_equal(val_nist_files(&files, &nf, NISTDIR, err, sizeof err), GN_OK);
    assert_true(nf >= 19);
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

static void test_fortran_exponents(void **state)
{
    (void)state;
    char dir[] = "/tmp/gn_test_nist_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/Misra1aD.dat", dir);
    write_dexp(NISTDIR "/Misra1a.dat", path);
    gn_io_nist p;
    gn_io_nist_setup s;
    assert_int_equal(val_nist_load(&p, &s, path, stderr, "t"), GN_OK);
    assert_non_null(strchr(p.cert_str[0], 'D')); /* the copy really uses D */
    assert_non_null(strchr(p.data_str[0], 'D'));
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
    double dl0, ml0, dl1, ml1;
    int pass0, pass1;
    certify(NISTDIR "/Misra1a.dat", &dl0, &ml0, &pass0);
    certify(path, &dl1, &ml1, &pass1);
    if (dl0 != dl1 || ml0 != ml1 || pass0 != pass1)
        fail_msg("D exponents: double LRE %.17g vs %.17g, MPFR LRE %.17g vs %.17g", dl1, dl0,
                 ml1, ml0);
    unlink(path);
    rmdir(dir);
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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_files),         cmocka_unit_test(test_problem),
    cmocka_unit_test(test_wrong_certificate), cmocka_unit_test(test_fortran_exponents),
    cmocka_unit_test(test_suite),
};

GN_TEST_MAIN(tests)
