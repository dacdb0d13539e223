/* test_fit_user.c: gnlab fit on a user's own data (issue 14, user half): weighted least
 * squares in both routes against the closed-form weighted solution, and the command line:
 * named parameters, --weights / --sigma, residual mode, refusals. Each check has its
 * negative control. */
#include "gn_test.h"

#include "gn.h"
#include "gn_io.h"
#include "gn_mp_fit.h"

#include <math.h>
#include <unistd.h>

static const char *const XV[] = {"x"};

/* the weighted line y ~ a x + c over 8 points whose weights span 1..1000 and whose
 * residuals alternate in sign, so that weighting moves the answer in the 2nd digit */
#define NW 8
static const double WX[NW] = {1, 2, 3, 4, 5, 6, 7, 8};
static const double WY[NW] = {3.1, 4.8, 7.3, 8.7, 11.4, 12.6, 15.5, 16.4};
static const double WW[NW] = {1, 1000, 2, 500, 4, 250, 8, 125};

/* the closed form at 256 bits: the normal equations of min sum w (y - a x - c)^2,
 * a = (Sw Swxy - Swx Swy) / D, c = (Swxx Swy - Swx Swxy) / D, D = Sw Swxx - Swx^2 */
static void closed_form(double *a, double *c, const double *w)
{
    mpfr_t s[5], t, u, D;
    for (int i = 0; i < 5; i++)
        mpfr_init2(s[i], 256), mpfr_set_zero(s[i], 1);
    mpfr_inits2(256, t, u, D, (mpfr_ptr)0);
    for (int i = 0; i < NW; i++) {
        mpfr_set_d(t, w[i], MPFR_RNDN);
        mpfr_add(s[0], s[0], t, MPFR_RNDN); /* Sw */
        mpfr_mul_d(u, t, WX[i], MPFR_RNDN);
        mpfr_add(s[1], s[1], u, MPFR_RNDN); /* Swx */
        mpfr_mul_d(u, u, WX[i], MPFR_RNDN);
        mpfr_add(s[2], s[2], u, MPFR_RNDN); /* Swxx */
        mpfr_mul_d(u, t, WY[i], MPFR_RNDN);
        mpfr_add(s[3], s[3], u, MPFR_RNDN); /* Swy */
        mpfr_mul_d(u, u, WX[i], MPFR_RNDN);
        mpfr_add(s[4], s[4], u, MPFR_RNDN); /* Swxy */
    }
    mpfr_mul(D, s[0], s[2], MPFR_RNDN);
    mpfr_sqr(t, s[1], MPFR_RNDN);
    mpfr_sub(D, D, t, MPFR_RNDN);
    mpfr_mul(t, s[0], s[4], MPFR_RNDN);
    mpfr_mul(u, s[1], s[3], MPFR_RNDN);
    mpfr_sub(t, t, u, MPFR_RNDN);
    mpfr_div(t, t, D, MPFR_RNDN);
    *a = mpfr_get_d(t, MPFR_RNDN);
    mpfr_mul(t, s[2], s[3], MPFR_RNDN);
    mpfr_mul(u, s[1], s[4], MPFR_RNDN);
    mpfr_sub(t, t, u, MPFR_RNDN);
    mpfr_div(t, t, D, MPFR_RNDN);
    *c = mpfr_get_d(t, MPFR_RNDN);
    for (int i = 0; i < 5; i++)
        mpfr_clear(s[i]);
    mpfr_clears(t, u, D, (mpfr_ptr)0);
}

/* min LRE of the double fit (weights w, or none) against (a, c); MPFR's in *lmp */
static double fit_lre(const double *w, double a, double c, double *lmp)
{
    gn_expr *e;
    gn_expr_error err;
    gn_expr_opts o = {0};
    o.vars = XV;
    o.nvars = 1;
    o.named = 1;
    assert_int_equal(gn_expr_compile_opts(&e, "a*x + c", &o, &err), GN_OK);
    gn_fit_problem fp = {e, NULL, NW, 1, WX, WY, w};
    gn_fit_params par = gn_fit_params_default();
    par.solver = GN_FIT_QR;
    double b0[2] = {1, 0}, b[2];
    gn_fit_report rep;
    assert_int_equal(gn_fit_run(b, &rep, &fp, b0, &par), GN_OK);
    assert_true(gn_fit_stop_converged(rep.stop));
    double l = fmin(gn_io_lre(b[0], a, 17), gn_io_lre(b[1], c, 17));
    /* the MPFR route on the same doubles */
    mpfr_ptr v = malloc((3 * NW + 4) * sizeof *v), mx = v, my = v + NW, mw = v + 2 * NW,
             mb = v + 3 * NW, mb0 = mb + 2;
    for (int i = 0; i < 3 * NW + 4; i++)
        mpfr_init2(v + i, 256);
    for (int i = 0; i < NW; i++) {
        mpfr_set_d(mx + i, WX[i], MPFR_RNDN);
        mpfr_set_d(my + i, WY[i], MPFR_RNDN);
        mpfr_set_d(mw + i, w ? w[i] : 1.0, MPFR_RNDN);
    }
    mpfr_set_d(mb0, 1, MPFR_RNDN);
    mpfr_set_d(mb0 + 1, 0, MPFR_RNDN);
    gn_mp_fit_problem mp = {e, NULL, NW, 1, mx, my, w ? mw : NULL};
    assert_int_equal(gn_mp_fit_run(mb, &rep, &mp, mb0, NULL, 256), GN_OK);
    *lmp = fmin(gn_io_lre(mpfr_get_d(mb, MPFR_RNDN), a, 17),
                gn_io_lre(mpfr_get_d(mb + 1, MPFR_RNDN), c, 17));
    for (int i = 0; i < 3 * NW + 4; i++)
        mpfr_clear(v + i);
    free(v);
    gn_expr_free(e);
    return l;
}

/* Bound: the weighted line has kappa(sqrt(W) J) < 100 here, so QR gives ~ kappa u = 1e-14
 * relative (before the refinement): >= 12 digits; MPFR rounded to double: >= 15.5 (the
 * closed form rounded to double agrees to half an ulp). Negative controls: the unweighted
 * fit, and weights applied twice (w^2: a wrong residual scaling), miss by more than 2
 * digits of agreement (measured 1-2 digits: the weights move the answer). */
static void test_weighted(void **state)
{
    (void)state;
    double a, c, lmp;
    closed_form(&a, &c, WW);
    double l = fit_lre(WW, a, c, &lmp);
    print_message("# weighted line: double LRE %.1f, MPFR LRE %.1f (a = %.17g, c = %.17g)\n", l,
                  lmp, a, c);
    assert_true(l >= 12.0);
    assert_true(lmp >= 15.5);
    double l0 = fit_lre(NULL, a, c, &lmp);
    if (!(l0 < 3.0 && lmp < 3.0))
        fail_msg("the unweighted fit agrees with the weighted solution (%.1f, %.1f digits)", l0,
                 lmp);
    double w2[NW];
    for (int i = 0; i < NW; i++)
        w2[i] = WW[i] * WW[i];
    double l2 = fit_lre(w2, a, c, &lmp);
    if (!(l2 < 3.0 && lmp < 3.0))
        fail_msg("weights applied twice agree with the weighted solution (%.1f, %.1f digits)",
                 l2, lmp);
}

/* ------------------------------------------------------------ the command line */

static int run(const char *args, char *out, size_t outlen)
{
    const char *bin = getenv("GN_BIN");
    if (!bin || !*bin)
        bin = "build/gnlab";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s fit %s 2>&1", bin, args);
    return gn_test_capture(cmd, out, outlen);
}

#define EXPECT(args, code, words)                                                            \
    do {                                                                                     \
        int rc_ = run(args, out, sizeof out);                                                \
        if (rc_ != (code) || !strstr(out, words))                                            \
            fail_msg("fit %s: exit %d (want %d), output:\n%s\n(wanted '%s')", args, rc_, code, \
                     out, words);                                                            \
    } while (0)

static void test_cli_named_weights(void **state)
{
    (void)state;
    static char out[1 << 16];
    const char *M = "--model 'a*exp(-k*t) + c' --data tests/data/decay.csv --y counts";
    char args[1024];
    /* named and positional starts give the same fit; the report uses the names */
    snprintf(args, sizeof args, "%s --start k=0.5,c=0,a=100 --sigma sigma --json", M);
    EXPECT(args, 0, "\"param\":\"k\"");
    char named[sizeof out];
    strcpy(named, out);
    snprintf(args, sizeof args, "%s --start 100,0.5,0 --sigma sigma --json", M);
    EXPECT(args, 0, "\"param\":\"a\"");
    for (int q = 0; q < 3; q++) {
        /* each parameter's line (start and estimate) is the same either way */
        char key[32];
        snprintf(key, sizeof key, "\"param\":\"%s\"", q == 0 ? "a" : q == 1 ? "k" : "c");
        const char *x = strstr(named, key), *y = strstr(out, key);
        assert_non_null(x);
        assert_non_null(y);
        assert_true(strcspn(x, "\n") == strcspn(y, "\n") && !strncmp(x, y, strcspn(x, "\n")));
    }
    /* --sigma s equals --weights 1/s^2 (a column written out) */
    {
        char *csv = gn_test_slurp("tests/data/decay.csv");
        FILE *f = fopen("/tmp/gnlab-test-fit-user-w.csv", "w");
        assert_non_null(f);
        fprintf(f, "t,counts,w\n");
        const char *s = strstr(csv, "t,counts,sigma\n") + strlen("t,counts,sigma\n");
        double t, y, sg;
        int used;
        while (sscanf(s, "%lf,%lf,%lf\n%n", &t, &y, &sg, &used) == 3) {
            fprintf(f, "%.17g,%.17g,%.17g\n", t, y, 1.0 / (sg * sg));
            s += used;
        }
        fclose(f);
        free(csv);
        EXPECT("--model 'a*exp(-k*t) + c' --data /tmp/gnlab-test-fit-user-w.csv --y counts "
               "--start 100,0.5,0 --weights w",
               0, "weighted RSS 7.09771263614");
        EXPECT("--model 'a*exp(-k*t) + c' --data tests/data/decay.csv --y counts "
               "--start 100,0.5,0 --sigma sigma",
               0, "weighted RSS 7.09771263614");
        /* negative control: unweighted, the RSS is another number */
        EXPECT("--model 'a*exp(-k*t) + c' --data tests/data/decay.csv --y counts "
               "--start 100,0.5,0",
               0, "RSS 477.114");
        unlink("/tmp/gnlab-test-fit-user-w.csv");
    }
    /* refusals: a start name the model lacks (exit 1, named), a bad weight (exit 2 at
     * FILE:LINE:COLUMN, the line counted past a comment), the response in the model */
    snprintf(args, sizeof args, "%s --start a=100,k=0.5,c=0,d=1", M);
    EXPECT(args, 1, "'d' is not a parameter of the model: it never enters it");
    gn_test_spit("/tmp/gnlab-test-fit-user-bad.csv", "x,y,s\n1,2,1\n# a comment\n2,4,0\n3,6,1\n");
    EXPECT("--model 'a*x' --data /tmp/gnlab-test-fit-user-bad.csv --start 1 --sigma s", 2,
           "gnlab-test-fit-user-bad.csv:4:3 (s): sigma 0 is not finite and > 0");
    gn_test_spit("/tmp/gnlab-test-fit-user-bad.csv", "x,y,w\n1,2,1\n2,4,-1\n3,6,1\n");
    EXPECT("--model 'a*x' --data /tmp/gnlab-test-fit-user-bad.csv --start 1 --weights w", 2,
           "gnlab-test-fit-user-bad.csv:3:3 (w): weight -1 is not finite and > 0");
    /* negative control: the same file with a good weight fits */
    gn_test_spit("/tmp/gnlab-test-fit-user-bad.csv", "x,y,w\n1,2,1\n2,4,1\n3,6,1\n");
    EXPECT("--model 'a*x' --data /tmp/gnlab-test-fit-user-bad.csv --start 1 --weights w", 0,
           "weighted RSS 0");
    EXPECT("--model 'a*x + 0*y' --data /tmp/gnlab-test-fit-user-bad.csv --start 1", 2,
           "uses the response column 'y'");
    EXPECT("--model 'a*x + w' --data /tmp/gnlab-test-fit-user-bad.csv --start 1 --weights w", 2,
           "uses the weight column 'w'");
    /* a domain error at the start: the row and the sub-expression with a caret */
    EXPECT("--model 'a*log(x - 2)' --data /tmp/gnlab-test-fit-user-bad.csv --start 1", 2,
           "^ column 3: the value of log is not finite (argument -1): log of a negative number");
    unlink("/tmp/gnlab-test-fit-user-bad.csv");
}

static void test_cli_residuals(void **state)
{
    (void)state;
    static char out[1 << 16];
    EXPECT("--residuals '10*(x2 - x1^2); 1 - x1' --start x1=-1.2,x2=1 --mp", 0, "stop: zero");
    assert_non_null(strstr(out, "x2   1                        1 "));
    gn_test_spit("/tmp/gnlab-test-fit-user-res.txt",
                 "# Beale\n1.5 - x1*(1 - x2)\n2.25 - x1*(1 - x2^2)\n\n2.625 - x1*(1 - x2^3)\n");
    EXPECT("--residuals @/tmp/gnlab-test-fit-user-res.txt --start 1,1 --json", 0,
           "\"residuals\":\"1.5 - x1*(1 - x2); 2.25");
    unlink("/tmp/gnlab-test-fit-user-res.txt");
    /* refusals: fewer residuals than parameters, an empty residual, a domain error */
    EXPECT("--residuals 'a + b' --start 1,1", 2, "1 residuals but the model has 2 parameters");
    EXPECT("--residuals 'a;;a-1' --start 1", 2, "empty residual");
    EXPECT("--residuals 'sqrt(a); a - 4' --start -1", 2, "square root of a negative number");
    EXPECT("--residuals 'a - 1; a - 2' --start 1 --plot /tmp/x.svg", 2, "--plot needs data");
    /* the MGH set from the command line: one problem, and the whole set */
    EXPECT("--mgh validate/data/mgh/01_rosenbrock.mgh", 0, "Rosenbrock");
    EXPECT("--mgh-all validate/data/mgh --no-mp --json", 0, "\"problem\":\"Osborne 1\"");
    /* an MGH start outside the domain: the residual and the sub-expression are named */
    gn_test_spit("/tmp/gnlab-test-fit-user.mgh",
                 "name bad\nstart x1 = -1\nminimum 0\nresiduals\nx1 - 1\nsqrt(x1)\n");
    EXPECT("--mgh /tmp/gnlab-test-fit-user.mgh", 2, "in residual 2: the value of sqrt is not "
                                                    "finite (argument -1)");
    unlink("/tmp/gnlab-test-fit-user.mgh");
}

/* the residual-against-fitted plot with two predictors (when gnuplot is installed): an SVG
 * with the fitted-value axis, and a hostile column name stays inside its string literal;
 * negative control: residual mode has no fitted values and is refused */
static void test_cli_plot(void **state)
{
    (void)state;
    static char out[1 << 16];
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        skip();
    gn_test_spit("/tmp/gnlab-test-fit-user-2x.csv",
                 "u,v,y\n1,2,5.1\n2,1,4.9\n3,3,9.2\n4,1,6.8\n5,2,9.1\n6,4,14.2\n");
    unlink("/tmp/gnlab-test-fit-user.svg");
    EXPECT("--model 'a*u + b*v' --data /tmp/gnlab-test-fit-user-2x.csv --start a=1,b=1 "
           "--plot /tmp/gnlab-test-fit-user.svg",
           0, "RSS");
    char *svg = gn_test_slurp("/tmp/gnlab-test-fit-user.svg");
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "fitted value"));
    free(svg);
    /* one predictor named to break out of a gnuplot string: still one literal */
    gn_test_spit("/tmp/gnlab-test-fit-user-2x.csv", "\"x';system('touch /tmp/gnlab-pwn')\",y\n"
                                                    "1,2\n2,4.1\n3,5.9\n");
    unlink("/tmp/gnlab-pwn");
    run("--model a --data /tmp/gnlab-test-fit-user-2x.csv --start 1 "
        "--plot /tmp/gnlab-test-fit-user.svg", out, sizeof out);
    assert_int_equal(access("/tmp/gnlab-pwn", F_OK), -1);
    unlink("/tmp/gnlab-test-fit-user.svg");
    unlink("/tmp/gnlab-test-fit-user-2x.csv");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted),
        cmocka_unit_test(test_cli_named_weights),
        cmocka_unit_test(test_cli_residuals),
        cmocka_unit_test(test_cli_plot),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
