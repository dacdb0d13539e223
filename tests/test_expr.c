/* test_expr.c: model expressions: grammar, error positions, exact derivatives (against MPFR
 * and by a Taylor-remainder test), each check with its negative control. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "gn_test.h"

#include "gn.h"
#include "gn_mp_fit.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NISTDIR "validate/data/nist"

static const char *const XV[] = {"x"};

static double ev(const char *src, const double *b, double x)
{
    gn_expr *e;
    gn_expr_error err;
    gn_status s = gn_expr_compile(&e, src, XV, 1, NULL, NULL, 0, &err);
    if (s != GN_OK)
        fail_msg("'%s' did not compile: column %zu: %s", src, err.pos + 1, err.msg);
    double f;
    gn_expr_eval(e, &f, NULL, b, &x);
    gn_expr_free(e);
    return f;
}

/* precedence and associativity: each value is computed by hand in C; every operation here
 * is exact in double (small integers, powers of two), so equality is the right test */
static void test_grammar(void **state)
{
    (void)state;
    const double b[3] = {2.0, 3.0, 4.0};
    const struct {
        const char *src;
        double want;
    } c[] = {
        {"-x**2", -9.0},          {"-x^2", -9.0},          {"2**-1", 0.5},
        {"2^3^2", 512.0},         {"2**3**2", 512.0},      {"8/4/2", 1.0},
        {"10-2-3", 5.0},          {"2*3+4*5", 26.0},       {"[1+2]*(3)", 9.0},
        {"b1*x - b2/b3", 5.25},   {"-b1*-x", 6.0},         {"1.5D1 + .5 + 1E0", 16.5},
        {"+x - -x", 6.0},         {"(b1+b2)**2", 25.0},    {"exp[0]*sqrt(16)", 4.0},
        {"b3/(x-b1)**2", 4.0},    {"x**b1", 9.0},          {"-(x-b2)**2 / b1**2", 0.0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double f = ev(c[i].src, b, 3.0);
        if (f != c[i].want)
            fail_msg("'%s' with b = (2,3,4), x = 3: got %.17g, want %.17g", c[i].src, f,
                     c[i].want);
    }
    /* functions: against libm directly (the same correctly-rounded-or-not call) */
    const double x = 0.625;
    assert_true(ev("sin(x)+cos(x)", b, x) == sin(x) + cos(x));
    assert_true(ev("tan[x]*atan(x)", b, x) == tan(x) * atan(x));
    assert_true(ev("arctan(x) - atan(x)", b, x) == 0.0);
    assert_true(ev("log(x)", b, x) == log(x));
    assert_true(ev("pi", b, x) == 3.141592653589793);
    /* a caller's named constant replaces pi (the NIST files define it) */
    {
        const char *cn[] = {"pi"}, *cv[] = {"3"};
        gn_expr *e;
        gn_expr_error err;
        assert_int_equal(gn_expr_compile(&e, "2*pi", XV, 1, cn, cv, 1, &err), GN_OK);
        double f, xx = 0.0;
        gn_expr_eval(e, &f, NULL, b, &xx);
        assert_true(f == 6.0);
        gn_expr_free(e);
    }
}

/* syntax errors: the position must be the offending token's column */
static void test_errors(void **state)
{
    (void)state;
    const struct {
        const char *src;
        size_t pos;
        const char *words;
    } c[] = {
        {"b1*(x+1", 7, "missing ')'"},
        {"b1**", 4, "unexpected end"},
        {"b1 x", 3, "expected an operator"},
        {"foo(x)", 0, "unknown function 'foo'"},
        {"b1*z", 3, "unknown name 'z'"},
        {"b0*x", 0, "numbered"},
        {"b1*x)", 4, "unmatched ')'"},
        {"b1*[x+1)", 7, "expected ']'"},
        {"1.2.3*b1", 3, "after the number"},
        {"   ", 3, "empty"},
        {"exp x", 4, "needs an argument"},
        {"b1*x + * 2", 7, "unexpected '*'"},
        {"b1 * 1e999", 5, "overflows"},
        {"b1*x + b1001", 7, "at most b1000"},
        {"b99999999*x", 0, "at most b1000"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        gn_expr *e = (gn_expr *)1;
        gn_expr_error err;
        gn_status s = gn_expr_compile(&e, c[i].src, XV, 1, NULL, NULL, 0, &err);
        if (s != GN_EINPUT || e != NULL)
            fail_msg("'%s' compiled (status %d)", c[i].src, (int)s);
        if (err.pos != c[i].pos || !strstr(err.msg, c[i].words))
            fail_msg("'%s': error at column %zu '%s', want column %zu with '%s'", c[i].src,
                     err.pos + 1, err.msg, c[i].pos + 1, c[i].words);
    }
    /* a variable named like a parameter is refused, not silently shadowing b1 */
    {
        const char *vv[] = {"x", "b1"};
        gn_expr *e;
        gn_expr_error err;
        assert_int_equal(gn_expr_compile(&e, "b1*x", vv, 2, NULL, NULL, 0, &err), GN_EINPUT);
        assert_non_null(strstr(err.msg, "clashes"));
    }
    /* the caret line */
    char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    gn_expr_error err = {5, "oops"};
    gn_expr_print_error(f, "b1 + ?x", &err);
    fclose(f);
    assert_non_null(strstr(buf, "  b1 + ?x\n       ^ column 6: oops"));
}

/* With small integers for b and x and only + - * and integer powers (and division by a
 * power of two), every intermediate value and every derivative is an integer or dyadic
 * below 2^53: double arithmetic is exact, so the double gradient must EQUAL the MPFR one
 * (zero tolerance). Negative control: a wrong derivative rule (gn_expr_inject) in the
 * double evaluation only must make them differ. */
static const char *const exact_models[] = {
    "b1*x**3 - b2*b3*x + (b1-b3)*(b2+x)^2 - -b2",
    "(b1*x + b2)/(4) - b3*b3*b3 + b1*(x - b2)**2",
    "-(x-b2)**2*b1 + b3**3 - b1*b2*b3*x",
};

static int exact_mismatch(const char *src, int inject_double)
{
    gn_expr *e;
    gn_expr_error err;
    assert_int_equal(gn_expr_compile(&e, src, XV, 1, NULL, NULL, 0, &err), GN_OK);
    gn_mp_expr *m = gn_mp_expr_alloc(e, 128);
    assert_non_null(m);
    size_t k = e->nparams;
    mpfr_ptr mb = malloc(3 * sizeof *mb), mg = malloc(3 * sizeof *mg);
    mpfr_t mf, mx;
    for (size_t q = 0; q < 3; q++) {
        mpfr_init2(mb + q, 128);
        mpfr_init2(mg + q, 128);
    }
    mpfr_init2(mf, 128);
    mpfr_init2(mx, 128);
    int mism = 0;
    for (int b1 = -3; b1 <= 3; b1++)
        for (int b2 = -2; b2 <= 2; b2++)
            for (int x = -3; x <= 3; x++) {
                double b[3] = {b1, b2, 5 - b1}, g[3], f, xv = x;
                gn_expr_inject = inject_double;
                gn_expr_eval(e, &f, g, b, &xv);
                gn_expr_inject = -1;
                for (size_t q = 0; q < k; q++)
                    mpfr_set_d(mb + q, b[q], MPFR_RNDN);
                mpfr_set_d(mx, xv, MPFR_RNDN);
                gn_mp_expr_eval(m, mf, mg, mb, mx, MPFR_RNDN);
                for (size_t q = 0; q < k; q++)
                    if (mpfr_cmp_d(mg + q, g[q]) != 0) {
                        if (!inject_double || inject_double < 0)
                            fail_msg("%s: d/db%zu at b = (%d,%d,%d), x = %d: double %.17g, "
                                     "MPFR %.17g",
                                     src, q + 1, b1, b2, 5 - b1, x, g[q],
                                     mpfr_get_d(mg + q, MPFR_RNDN));
                        mism++;
                    }
            }
    for (size_t q = 0; q < 3; q++) {
        mpfr_clear(mb + q);
        mpfr_clear(mg + q);
    }
    free(mb);
    free(mg);
    mpfr_clear(mf);
    mpfr_clear(mx);
    gn_mp_expr_free(m);
    gn_expr_free(e);
    return mism;
}

static void test_exact_gradient(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof exact_models / sizeof exact_models[0]; i++)
        assert_int_equal(exact_mismatch(exact_models[i], -1), 0);
    /* negative controls: each rule these models use, mutated, is caught */
    const gn_xop ops[] = {GN_XOP_NEG, GN_XOP_ADD, GN_XOP_SUB, GN_XOP_MUL, GN_XOP_DIV,
                          GN_XOP_POW};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        int caught = 0;
        for (size_t i = 0; i < sizeof exact_models / sizeof exact_models[0]; i++)
            caught += exact_mismatch(exact_models[i], (int)ops[o]);
        if (!caught)
            fail_msg("a wrong derivative rule for op %d went unnoticed", (int)ops[o]);
    }
}

/* ------------------------------------------------ the NIST models, in MPFR */

typedef struct {
    gn_io_nist p;
    gn_io_nist_setup s;
} loaded;

static size_t load_all(loaded **out)
{
    char **f;
    size_t n = gn_test_list(NISTDIR, ".dat", &f);
    loaded *L = calloc(n ? n : 1, sizeof *L);
    assert_non_null(L);
    for (size_t i = 0; i < n; i++) {
        char err[512];
        if (gn_io_nist_read(&L[i].p, f[i], err, sizeof err) != GN_OK)
            fail_msg("%s", err);
        gn_expr_error ee;
        int inr;
        if (gn_io_nist_problem(&L[i].s, &L[i].p, &ee, &inr) != GN_OK)
            fail_msg("%s: %s", f[i], ee.msg);
    }
    gn_test_list_free(f, n);
    *out = L;
    return n;
}

static void free_all(loaded *L, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gn_io_nist_problem_free(&L[i].s);
        gn_io_nist_free(&L[i].p);
    }
    free(L);
}

/* Taylor remainder at 256 bits: R(t) = f(b + t v) - f(b) - t grad.v = t^2 v'Hv/2 + O(t^3),
 * so R(t) / R(t/2) = 4 (1 + O(t |v|)). With v_p = b_p (relative directions) and t = 2^-40
 * the O(t) term is below 1e-6 for any model whose third derivatives are not 1e6 times its
 * second ones on this scale; rounding in R is 2^-256 |f| against |R| ~ 2^-80 |f|. A wrong
 * gradient component delta makes R(t) ~ t delta, a ratio of 2: checked by |ratio - 4| <=
 * 0.05. A direction in which f is linear has R = 0 exactly up to rounding: |R| <= 2^-200
 * (|f| + 1) at both t is accepted as that case (a wrong gradient then gives |R| ~ t |delta|,
 * far above). Returns the number of failed (problem, observation, parameter) checks. */
static size_t taylor_failures(loaded *L, size_t n, int verbose)
{
    const mpfr_prec_t P = 256;
    size_t bad = 0;
    mpfr_t f0, f1, f2, t, R1, R2, dot;
    mpfr_inits2(P, f0, f1, f2, t, R1, R2, dot, (mpfr_ptr)0);
    for (size_t i = 0; i < n; i++) {
        gn_io_nist *p = &L[i].p;
        gn_expr *e = L[i].s.model;
        size_t k = e->nparams, nx = L[i].s.fp.nx;
        gn_mp_expr *m = gn_mp_expr_alloc(e, P);
        mpfr_ptr b = malloc(k * sizeof *b), bt = malloc(k * sizeof *bt), g = malloc(k * sizeof *g),
                 xv = malloc((nx + 1) * sizeof *xv);
        for (size_t q = 0; q < k; q++) {
            mpfr_init2(b + q, P);
            mpfr_init2(bt + q, P);
            mpfr_init2(g + q, P);
            mpfr_set_str(b + q, p->cert_str[q], 10, MPFR_RNDN);
        }
        for (size_t c = 0; c < nx + 1; c++)
            mpfr_init2(xv + c, P);
        /* three observations spread over the data */
        for (size_t obs = 0; obs < 3; obs++) {
            size_t row = obs * (p->n - 1) / 2;
            for (size_t c = 0; c < nx; c++)
                mpfr_set_d(xv + c, L[i].s.fp.x[c * p->n + row], MPFR_RNDN);
            gn_mp_expr_eval(m, f0, g, b, xv, MPFR_RNDN);
            for (size_t q = 0; q < k; q++) {
                int lin = 1;
                for (int h = 0; h < 2; h++) {
                    /* bt = b + t v, v = b_q e_q */
                    mpfr_set_ui_2exp(t, 1, h ? -41 : -40, MPFR_RNDN);
                    for (size_t r = 0; r < k; r++)
                        mpfr_set(bt + r, b + r, MPFR_RNDN);
                    mpfr_mul(dot, t, b + q, MPFR_RNDN);
                    mpfr_add(bt + q, b + q, dot, MPFR_RNDN);
                    gn_mp_expr_eval(m, f1, NULL, bt, xv, MPFR_RNDN);
                    mpfr_sub(R1, f1, f0, MPFR_RNDN);
                    mpfr_mul(dot, dot, g + q, MPFR_RNDN);
                    mpfr_sub(R1, R1, dot, MPFR_RNDN);
                    if (h)
                        mpfr_set(R2, R1, MPFR_RNDN);
                    else
                        mpfr_set(f2, R1, MPFR_RNDN);
                    mpfr_abs(dot, f0, MPFR_RNDN);
                    mpfr_add_ui(dot, dot, 1, MPFR_RNDN);
                    mpfr_mul_2si(dot, dot, -200, MPFR_RNDN);
                    if (mpfr_cmpabs(R1, dot) > 0)
                        lin = 0;
                }
                if (lin)
                    continue;
                mpfr_div(R1, f2, R2, MPFR_RNDN);
                double ratio = mpfr_get_d(R1, MPFR_RNDN);
                if (!(fabs(ratio - 4.0) <= 0.05)) {
                    bad++;
                    if (verbose)
                        print_message("# %s row %zu d/db%zu: R(t)/R(t/2) = %.17g\n", p->name,
                                      row + 1, q + 1, ratio);
                }
            }
        }
        for (size_t q = 0; q < k; q++) {
            mpfr_clear(b + q);
            mpfr_clear(bt + q);
            mpfr_clear(g + q);
        }
        for (size_t c = 0; c < nx + 1; c++)
            mpfr_clear(xv + c);
        free(b);
        free(bt);
        free(g);
        free(xv);
        gn_mp_expr_free(m);
    }
    mpfr_clears(f0, f1, f2, t, R1, R2, dot, (mpfr_ptr)0);
    return bad;
}

static void test_taylor(void **state)
{
    (void)state;
    loaded *L;
    size_t n = load_all(&L);
    assert_true(n >= 1);
    assert_int_equal(taylor_failures(L, n, 1), 0);
    /* negative controls: every operation that occurs in the models, with a wrong rule,
     * is caught on some model */
    for (int op = GN_XOP_NEG; op < GN_NXOP; op++) {
        int present = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < L[i].s.model->nnodes; j++)
                if ((int)L[i].s.model->node[j].op == op && !L[i].s.model->node[j].pconst)
                    present = 1;
        if (!present)
            continue;
        gn_expr_inject = op;
        size_t bad = taylor_failures(L, n, 0);
        gn_expr_inject = -1;
        if (!bad)
            fail_msg("a wrong derivative rule for op %d passed the Taylor test", op);
    }
    free_all(L, n);
}

/* The double gradient against the MPFR gradient of the same program at the same double
 * inputs, on every observation of every shipped model at the certified point, in the
 * column-scaled measure that LM sees: |g_d - g_mp| <= 2^-30 max_i |g_mp,i| per parameter.
 * Why 2^-30: each node's derivative takes at most 3 roundings from its operands, at most
 * 120 nodes, so a cancellation-free evaluation is within 360 u = 2^-44.5 relative; the
 * remaining 2^14 of headroom covers the condition numbers of the elementary functions
 * (|A| for exp(A), at most ~1e3 here) and moderate cancellation. A wrong rule is an O(1)
 * relative change: the negative control (a mutated rule) must exceed the bound. */
static double worst_double_vs_mp(loaded *L, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        gn_expr *e = L[i].s.model;
        size_t k = e->nparams, nx = L[i].s.fp.nx, N = L[i].p.n;
        gn_mp_expr *m = gn_mp_expr_alloc(e, 200);
        mpfr_ptr b = malloc(k * sizeof *b), g = malloc(k * sizeof *g), xv = malloc((nx + 1) * sizeof *xv);
        mpfr_t f;
        mpfr_init2(f, 200);
        double *gd = malloc(N * k * sizeof(double)), *gm = malloc(N * k * sizeof(double));
        double *xd = malloc((nx + 1) * sizeof(double));
        for (size_t q = 0; q < k; q++) {
            mpfr_init2(b + q, 200);
            mpfr_init2(g + q, 200);
            mpfr_set_d(b + q, L[i].p.cert[q], MPFR_RNDN);
        }
        for (size_t c = 0; c < nx + 1; c++)
            mpfr_init2(xv + c, 200);
        for (size_t r = 0; r < N; r++) {
            for (size_t c = 0; c < nx; c++) {
                xd[c] = L[i].s.fp.x[c * N + r];
                mpfr_set_d(xv + c, xd[c], MPFR_RNDN);
            }
            double fd;
            gn_expr_eval(e, &fd, gd + r * k, L[i].p.cert, xd);
            int inj = gn_expr_inject;
            gn_expr_inject = -1;
            gn_mp_expr_eval(m, f, g, b, xv, MPFR_RNDN);
            gn_expr_inject = inj;
            for (size_t q = 0; q < k; q++)
                gm[r * k + q] = mpfr_get_d(g + q, MPFR_RNDN);
        }
        for (size_t q = 0; q < k; q++) {
            double sc = 0.0, er = 0.0;
            for (size_t r = 0; r < N; r++) {
                sc = fmax(sc, fabs(gm[r * k + q]));
                er = fmax(er, fabs(gd[r * k + q] - gm[r * k + q]));
            }
            double rel = sc > 0 ? er / sc : er;
            if (!(rel <= worst))
                worst = rel;
        }
        for (size_t q = 0; q < k; q++) {
            mpfr_clear(b + q);
            mpfr_clear(g + q);
        }
        for (size_t c = 0; c < nx + 1; c++)
            mpfr_clear(xv + c);
        mpfr_clear(f);
        free(b);
        free(g);
        free(xv);
        free(gd);
        free(gm);
        free(xd);
        gn_mp_expr_free(m);
    }
    return worst;
}

static void test_double_vs_mp(void **state)
{
    (void)state;
    loaded *L;
    size_t n = load_all(&L);
    double w = worst_double_vs_mp(L, n);
    print_message("# worst column-scaled double gradient error: %.3e (bound 2^-30 = %.3e)\n", w,
                  0x1p-30);
    assert_true(w <= 0x1p-30);
    /* negative control: one mutated rule (multiplication, present in every model) */
    gn_expr_inject = GN_XOP_MUL;
    double wb = worst_double_vs_mp(L, n);
    gn_expr_inject = -1;
    if (!(wb > 0x1p-30))
        fail_msg("a wrong product rule gave only %.3e", wb);
    free_all(L, n);
}

static void test_nonfinite(void **state)
{
    (void)state;
    gn_expr *e;
    gn_expr_error err;
    assert_int_equal(gn_expr_compile(&e, "b1/(x-1) + log(b2)", XV, 1, NULL, NULL, 0, &err),
                     GN_OK);
    double b[2] = {1.0, 2.0}, g[2], f, x = 1.0;
    assert_int_equal(gn_expr_eval(e, &f, g, b, &x), GN_ENONFINITE);
    x = 2.0;
    assert_int_equal(gn_expr_eval(e, &f, g, b, &x), GN_OK);
    b[1] = -1.0;
    assert_int_equal(gn_expr_eval(e, &f, g, b, &x), GN_ENONFINITE);
    assert_int_equal((int)e->nparams, 2);
    assert_true(gn_expr_uses(e, 0) && gn_expr_uses(e, 1) && !gn_expr_uses(e, 2));
    gn_expr_free(e);
    /* a negative base with a parameter-free integer exponent is fine */
    assert_int_equal(gn_expr_compile(&e, "b1*x**2", XV, 1, NULL, NULL, 0, &err), GN_OK);
    double b1 = 3.0, gg;
    x = -2.0;
    assert_int_equal(gn_expr_eval(e, &f, &gg, &b1, &x), GN_OK);
    assert_true(f == 12.0 && gg == 4.0);
    gn_expr_free(e);
}

/* issue 13 finding 9: a '^' chain, unary signs and brackets all count toward the nesting
 * limit: each deep form gets a located "nested too deeply" error, never a stack overflow
 * (run in a child, so a crash is reported as a failure of this test, not of the program) */
static void test_nesting(void **state)
{
    (void)state;
    const size_t N = 400000;
    const struct {
        const char *head, *rep, *tail;
    } c[] = {
        {"b1", "^1", ""},      {"b1", "**1", ""},     {"", "-", "b1"},
        {"b1*", "+", "x"},     {"", "(", "b1"},      {"", "exp(", "b1"},
        {"", "b1^-", "1"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        size_t hl = strlen(c[i].head), rl = strlen(c[i].rep), tl = strlen(c[i].tail);
        char *src = malloc(hl + N * rl + tl + 1);
        assert_non_null(src);
        memcpy(src, c[i].head, hl);
        for (size_t k = 0; k < N; k++)
            memcpy(src + hl + k * rl, c[i].rep, rl);
        memcpy(src + hl + N * rl, c[i].tail, tl + 1);
        fflush(stdout);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            gn_expr *e;
            gn_expr_error err;
            gn_status s = gn_expr_compile(&e, src, XV, 1, NULL, NULL, 0, &err);
            /* a located error: the column lies inside the text, past the limit's depth */
            int ok = s == GN_EINPUT && strstr(err.msg, "nested too deeply") &&
                     err.pos > 0 && err.pos < strlen(src);
            _exit(ok ? 0 : 3);
        }
        int ws;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            fail_msg("'%s%s...%s' x %zu: %s", c[i].head, c[i].rep, c[i].tail, N,
                     WIFSIGNALED(ws) ? "crashed" : "no located 'nested too deeply' error");
        free(src);
    }
    /* negative control: a chain of moderate length still compiles, right-associative */
    char buf[2 * 50 + 8] = "b1";
    for (int k = 0; k < 50; k++)
        strcat(buf, "^1");
    double b = 3.0;
    assert_true(ev(buf, &b, 0.0) == 3.0);
    assert_true(ev("2^3^2", &b, 0.0) == 512.0);
}

/* issue 13 finding 7: the MPFR evaluator converts each literal from its text; a text MPFR
 * does not read whole (here planted after compiling, since the compiler only makes
 * well-formed ones) must be refused, not evaluated as whatever mpfr_set_str left: the state
 * is not made, and the MPFR fit says GN_EINPUT (bad input), not GN_ENOMEM. Negative
 * control: the untouched literal converts to the value the double route has. */
static void test_mp_literal_checked(void **state)
{
    (void)state;
    gn_expr *e;
    gn_expr_error err;
    assert_int_equal(gn_expr_compile(&e, "b1*x + 2.5D0", XV, 1, NULL, NULL, 0, &err), GN_OK);
    size_t lit = e->nnodes;
    for (size_t i = 0; i < e->nnodes; i++)
        if (e->node[i].op == GN_XOP_CONST)
            lit = i;
    assert_true(lit < e->nnodes);
    gn_mp_expr *m = gn_mp_expr_alloc(e, 128);
    assert_non_null(m);
    assert_true(mpfr_cmp_d(m->val + lit, 2.5) == 0);
    gn_mp_expr_free(m);
    const char *bad[] = {"2.5x", "", "0x1p3", "2.5E", "nan"};
    const char *orig = e->node[lit].lit;
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        e->node[lit].lit = bad[t];
        m = gn_mp_expr_alloc(e, 128);
        if (m)
            fail_msg("literal '%s' was accepted", bad[t]);
    }
    /* the MPFR fit on such an expression: bad input. Data y = 2 x + 3 at x = 1, 2 */
    mpfr_ptr v = malloc(6 * sizeof *v), xv = v, yv = v + 2, b = v + 4, b0 = v + 5;
    assert_non_null(v);
    for (int i = 0; i < 6; i++)
        mpfr_init2(v + i, 128);
    for (int i = 0; i < 2; i++) {
        mpfr_set_si(xv + i, i + 1, MPFR_RNDN);
        mpfr_set_si(yv + i, 2 * i + 5, MPFR_RNDN);
    }
    mpfr_set_si(b0, 1, MPFR_RNDN);
    gn_mp_fit_problem mp = {e, NULL, 2, 1, xv, yv, NULL};
    gn_fit_report rep;
    assert_int_equal(gn_mp_fit_run(b, &rep, &mp, b0, NULL, 128), GN_EINPUT);
    e->node[lit].lit = orig;
    assert_int_equal(gn_mp_fit_run(b, &rep, &mp, b0, NULL, 128), GN_OK);
    for (int i = 0; i < 6; i++)
        mpfr_clear(v + i);
    free(v);
    gn_expr_free(e);
}

/* ------------------------------------------------ the function library */

/* One function at one point b (b1, and b2 for the binary ones): the double gradient of
 * "F(b1)" (or "F(b1, b2)") against MPFR's at 256 bits, and MPFR's against a central
 * difference at 256 bits. Bounds:
 *  - double vs MPFR, relative per component: the double rule is one libm call (glibc
 *    documents at most 2-4 ulp for exp, log, log10, sin, cos, tan, cosh, erf, atan, atan2)
 *    and at most 4 roundings, on an exact double argument (no cancellation upstream):
 *    within 10 ulp = 2^-49.7; 2^-40 leaves 2^9 for erf's exp(-a^2), whose argument's
 *    rounding is amplified by a^2 <= 16 on the grid. A wrong rule is an O(1) change.
 *  - MPFR vs central difference with h = 2^-64: truncation h^2 |F^(3)| / 6 <= 2^-128 * 2^22
 *    (|F^(3)| <= 2e6 for log at 0.01, far less elsewhere), rounding 2^-256 |F| / h: so
 *    |g - fd| <= 2^-100 (1 + |g|) holds with room; it checks the formula itself, which the
 *    double-vs-MPFR comparison cannot (both routes use the same rule).
 * inject mutates one rule (gn_expr_inject) in the double evaluation and in the MPFR one the
 * central difference is compared with. Returns the number of failed checks. */
static int fn_point(const char *src, const double *b, int inject, int verbose)
{
    gn_expr *e;
    gn_expr_error err;
    if (gn_expr_compile(&e, src, XV, 1, NULL, NULL, 0, &err) != GN_OK)
        fail_msg("'%s' did not compile: %s", src, err.msg);
    const size_t k = e->nparams;
    const mpfr_prec_t P = 256;
    gn_mp_expr *m = gn_mp_expr_alloc(e, P);
    assert_non_null(m);
    double gd[2] = {0, 0}, f0, x = 0.0;
    gn_expr_inject = inject;
    gn_expr_eval(e, &f0, gd, b, &x);
    gn_expr_inject = -1;
    mpfr_ptr v = malloc(6 * sizeof *v), vb = v, vg = v + 2, vgm = v + 4;
    mpfr_t f, fp, fm, mx, h;
    for (int q = 0; q < 6; q++)
        mpfr_init2(v + q, P);
    mpfr_inits2(P, f, fp, fm, mx, h, (mpfr_ptr)0);
    mpfr_set_zero(mx, 1);
    mpfr_set_ui_2exp(h, 1, -64, MPFR_RNDN);
    for (int q = 0; q < 2; q++)
        mpfr_set_d(vb + q, b[q], MPFR_RNDN);
    gn_mp_expr_eval(m, f, vg, vb, mx, MPFR_RNDN);
    gn_expr_inject = inject;
    gn_mp_expr_eval(m, f, vgm, vb, mx, MPFR_RNDN);
    gn_expr_inject = -1;
    int bad = 0;
    for (size_t q = 0; q < k; q++) {
        double gt = mpfr_get_d(vg + q, MPFR_RNDN), gm = mpfr_get_d(vgm + q, MPFR_RNDN);
        if (!(fabs(gd[q] - gt) <= 0x1p-40 * fabs(gt))) {
            bad++;
            if (verbose)
                print_message("# %s at (%a, %a) d/db%zu: double %.17g, MPFR %.17g\n", src, b[0],
                              b[1], q + 1, gd[q], gt);
        }
        /* (F(b + h e_q) - F(b - h e_q)) / (2h) */
        mpfr_set(fp, vb + q, MPFR_RNDN);
        mpfr_add(vb + q, fp, h, MPFR_RNDN);
        gn_mp_expr_eval(m, fm, NULL, vb, mx, MPFR_RNDN);
        mpfr_sub(vb + q, fp, h, MPFR_RNDN);
        gn_mp_expr_eval(m, f, NULL, vb, mx, MPFR_RNDN);
        mpfr_set(vb + q, fp, MPFR_RNDN);
        mpfr_sub(fm, fm, f, MPFR_RNDN);
        mpfr_mul_2si(fm, fm, 63, MPFR_RNDN);
        double fdv = mpfr_get_d(fm, MPFR_RNDN);
        mpfr_sub(fm, vgm + q, fm, MPFR_RNDN);
        if (!(fabs(mpfr_get_d(fm, MPFR_RNDN)) <= 0x1p-100 * (1.0 + fabs(gm)))) {
            bad++;
            if (verbose)
                print_message("# %s at (%a, %a) d/db%zu: MPFR %.17g, central difference %.17g\n",
                              src, b[0], b[1], q + 1, gm, fdv);
        }
    }
    for (int q = 0; q < 6; q++)
        mpfr_clear(v + q);
    free(v);
    mpfr_clears(f, fp, fm, mx, h, (mpfr_ptr)0);
    gn_mp_expr_free(m);
    gn_expr_free(e);
    return bad;
}

static const struct {
    const char *src;
    gn_xop op;
    double lo0, hi0, lo1, hi1; /* the grid of b1 (and b2) inside the domain */
} fn_cases[] = {
    {"exp(b1)", GN_XOP_EXP, -5, 5, 0, 0},       {"log(b1)", GN_XOP_LOG, 0.01, 100, 0, 0},
    {"log10(b1)", GN_XOP_LOG10, 0.01, 100, 0, 0}, {"sqrt(b1)", GN_XOP_SQRT, 0.01, 100, 0, 0},
    {"sin(b1)", GN_XOP_SIN, -5, 5, 0, 0},       {"cos(b1)", GN_XOP_COS, -5, 5, 0, 0},
    {"tan(b1)", GN_XOP_TAN, -1.4, 1.4, 0, 0},   {"atan(b1)", GN_XOP_ATAN, -5, 5, 0, 0},
    {"tanh(b1)", GN_XOP_TANH, -20, 20, 0, 0},   {"erf(b1)", GN_XOP_ERF, -4, 4, 0, 0},
    {"abs(b1)", GN_XOP_ABS, -3, 3, 0, 0},       {"atan2(b1, b2)", GN_XOP_ATAN2, -2, 2, -2, 2},
    {"pow(b1, b2)", GN_XOP_POW, 0.5, 3, -2, 2},
};

/* 9 (x 9 for two arguments) grid points of case c, skipping atan2's (0, 0) and its branch
 * cut (b1 = 0, b2 < 0: the angle jumps from pi to -pi, no derivative in b1 there) */
static int fn_case(size_t c, int inject, int verbose)
{
    int bad = 0, two = fn_cases[c].hi1 > fn_cases[c].lo1;
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < (two ? 9 : 1); j++) {
            double b[2] = {fn_cases[c].lo0 + (fn_cases[c].hi0 - fn_cases[c].lo0) * i / 8.0,
                           two ? fn_cases[c].lo1 + (fn_cases[c].hi1 - fn_cases[c].lo1) * j / 8.0
                               : 0.0};
            if (fn_cases[c].op == GN_XOP_ATAN2 && b[0] == 0.0 && b[1] <= 0.0)
                continue;
            bad += fn_point(fn_cases[c].src, b, inject, verbose);
        }
    return bad;
}

static void test_functions(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof fn_cases / sizeof fn_cases[0]; c++) {
        int bad = fn_case(c, -1, 1);
        if (bad)
            fail_msg("%s: %d derivative checks failed", fn_cases[c].src, bad);
        /* negative control: the rule of this very function, mutated, is caught */
        if (!fn_case(c, (int)fn_cases[c].op, 0))
            fail_msg("%s: a wrong derivative rule went unnoticed", fn_cases[c].src);
    }
    /* values against libm / the definitions */
    const double b[2] = {0.75, -0.5};
    assert_true(ev("abs(b2) + log10(100) + tanh(b1) - tanh(b1)", b, 0) == 2.5);
    assert_true(ev("atan2(b2, b1)", b, 0) == atan2(-0.5, 0.75));
    assert_true(ev("pow(x, 3)", b, 2.0) == 8.0);
    assert_true(ev("erf(b1)", b, 0) == erf(0.75));
    /* arity errors are located */
    const struct {
        const char *src;
        size_t pos;
        const char *words;
    } c[] = {{"atan2(x)", 7, "takes 2 arguments"}, {"exp(x, 1)", 5, "takes 1 argument"},
             {"pow(x 2)", 6, "separated by ','"},  {"erf", 3, "needs an argument"}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        gn_expr *e;
        gn_expr_error err;
        if (gn_expr_compile(&e, c[i].src, XV, 1, NULL, NULL, 0, &err) != GN_EINPUT)
            fail_msg("'%s' compiled", c[i].src);
        if (err.pos != c[i].pos || !strstr(err.msg, c[i].words))
            fail_msg("'%s': column %zu '%s', want column %zu '%s'", c[i].src, err.pos + 1,
                     err.msg, c[i].pos + 1, c[i].words);
    }
}

/* gn_expr_diagnose names the first sub-expression that is not finite and why */
static void test_diagnose(void **state)
{
    (void)state;
    const struct {
        const char *src;
        double b1, x;
        size_t pos;
        const char *words;
    } c[] = {
        {"b1*x + log(x - 2)", 1, 1, 7, "log of a negative number"},
        {"b1 + 1/(x - 1)", 1, 1, 6, "division by zero"},
        {"sqrt(b1) + x", 0, 1, 0, "derivative of sqrt is infinite at 0"},
        {"exp(b1*x)", 1000, 1, 0, "exp overflows"},
        {"atan2(b1, x)", 0, 0, 0, "atan2(0, 0)"},
        {"b1 + (x - 3)^0.5", 1, 1, 12, "non-integer power"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        gn_expr *e;
        gn_expr_error err;
        assert_int_equal(gn_expr_compile(&e, c[i].src, XV, 1, NULL, NULL, 0, &err), GN_OK);
        double f, g[1], b1 = c[i].b1, x = c[i].x;
        assert_int_equal(gn_expr_eval(e, &f, g, &b1, &x), GN_ENONFINITE);
        assert_int_equal(gn_expr_diagnose(e, &err), GN_OK);
        if (err.pos != c[i].pos || !strstr(err.msg, c[i].words))
            fail_msg("'%s': column %zu '%s', want column %zu '%s'", c[i].src, err.pos + 1,
                     err.msg, c[i].pos + 1, c[i].words);
        /* negative control: at a good point there is nothing to locate */
        b1 = 1.0;
        x = 5.0;
        assert_int_equal(gn_expr_eval(e, &f, g, &b1, &x), GN_OK);
        assert_int_equal(gn_expr_diagnose(e, &err), GN_EINPUT);
        gn_expr_free(e);
    }
}

/* the named notation, residual lists and starting values */
static gn_expr *named(const char *src, int list)
{
    gn_expr *e;
    gn_expr_error err;
    gn_expr_opts o = {0};
    o.vars = XV;
    o.nvars = 1;
    o.named = 1;
    o.list = list;
    if (gn_expr_compile_opts(&e, src, &o, &err) != GN_OK)
        fail_msg("'%s': column %zu: %s", src, err.pos + 1, err.msg);
    return e;
}

static void test_named_start(void)
{
    gn_expr *e = named("amp*exp(-k*x) + c + 0*pi", 0);
    double b0[3];
    gn_expr_error err;
    assert_int_equal(gn_expr_start(b0, e, "c=3, amp = 1,k=0.5", &err), GN_OK);
    assert_true(b0[0] == 1.0 && b0[1] == 0.5 && b0[2] == 3.0);
    assert_int_equal(gn_expr_start(b0, e, "2,0.25,4", &err), GN_OK);
    assert_true(b0[0] == 2.0 && b0[1] == 0.25 && b0[2] == 4.0);
    /* bad starts: each refused with its reason; a name the model lacks is GN_EZERO */
    const struct {
        const char *txt;
        gn_status st;
        const char *words;
    } c[] = {{"1,2", GN_EINPUT, "2 starting values for 3 parameters (amp, k, c)"},
             {"amp=1,2,3", GN_EINPUT, "not a mix"},
             {"amp=1,k=2,amp=3", GN_EINPUT, "given twice"},
             {"amp=1,k=2", GN_EINPUT, "no starting value for parameter 'c'"},
             {"amp=1,k=2,c=3,d=4", GN_EZERO, "'d' is not a parameter"},
             {"1,x,3", GN_EINPUT, "not a finite number"},
             {"1,inf,3", GN_EINPUT, "not a finite number"},
             {"1,,3", GN_EINPUT, "missing"},
             {"amp=1,k=2,=3", GN_EINPUT, "a name is missing"}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        gn_status st = gn_expr_start(b0, e, c[i].txt, &err);
        if (st != c[i].st || !strstr(err.msg, c[i].words))
            fail_msg("start '%s': status %d '%s', want %d '%s'", c[i].txt, (int)st, err.msg,
                     (int)c[i].st, c[i].words);
    }
    gn_expr_free(e);
}

static void test_named_list(void)
{
    /* a residual list shares its parameters; each root evaluates alone */
    gn_expr *e = named("10*(x2 - x1^2); 1 - x1;", 1);
    assert_int_equal((int)e->nroots, 2);
    assert_int_equal((int)e->nparams, 2);
    double b[2] = {-1.2, 1.0}, f, g[2];
    assert_int_equal(gn_expr_eval_root(e, 0, &f, g, b, NULL), GN_OK);
    assert_true(f == 10 * (1.0 - (-1.2) * (-1.2)) && g[0] == -10 * 2 * -1.2 && g[1] == 10.0);
    assert_int_equal(gn_expr_eval_root(e, 1, &f, g, b, NULL), GN_OK);
    assert_true(f == 1.0 + 1.2 && g[0] == -1.0 && g[1] == 0.0);
    assert_int_equal(gn_expr_eval_root(e, 2, &f, g, b, NULL), GN_EINPUT);
    gn_expr_free(e);
    gn_expr_opts o = {0};
    o.named = o.list = 1;
    gn_expr_error err;
    const struct {
        const char *src;
        size_t pos;
        const char *words;
    } le[] = {{"a; ; b", 3, "empty residual"}, {"; a", 0, "empty residual"},
              {"a b", 2, "separated by ';'"}, {"a;", 0, ""}};
    for (size_t i = 0; i < sizeof le / sizeof le[0]; i++) {
        gn_status st = gn_expr_compile_opts(&e, le[i].src, &o, &err);
        if (!le[i].words[0]) {
            assert_int_equal(st, GN_OK); /* a trailing ';' is allowed */
            gn_expr_free(e);
            continue;
        }
        if (st != GN_EINPUT || err.pos != le[i].pos || !strstr(err.msg, le[i].words))
            fail_msg("'%s': column %zu '%s', want column %zu '%s'", le[i].src, err.pos + 1,
                     err.msg, le[i].pos + 1, le[i].words);
    }
    /* in the named notation a variable may be called b1; a function name still clashes */
    const char *vv[] = {"b1"}, *vf[] = {"erf"};
    o.list = 0;
    o.vars = vv;
    o.nvars = 1;
    assert_int_equal(gn_expr_compile_opts(&e, "a*b1", &o, &err), GN_OK);
    assert_int_equal((int)e->nparams, 1);
    assert_true(gn_expr_uses_var(e, 0));
    gn_expr_free(e);
    o.vars = vf;
    assert_int_equal(gn_expr_compile_opts(&e, "a*x", &o, &err), GN_EINPUT);
    assert_non_null(strstr(err.msg, "clashes"));
}

static void test_named(void **state)
{
    (void)state;
    /* order of first appearance; x is the variable, pi a constant, exp a function */
    gn_expr *e = named("amp*exp(-k*x) + c + 0*pi", 0);
    assert_int_equal((int)e->nparams, 3);
    assert_string_equal(e->pname[0], "amp");
    assert_string_equal(e->pname[1], "k");
    assert_string_equal(e->pname[2], "c");
    assert_int_equal((int)gn_expr_param_index(e, "c"), 2);
    assert_int_equal((int)gn_expr_param_index(e, "x"), -1);
    gn_expr_free(e);
    /* one prefix with numbers: ordered by the number, whatever the order of appearance */
    e = named("b3*x + b1 - b2", 0);
    assert_string_equal(e->pname[0], "b1");
    assert_string_equal(e->pname[2], "b3");
    gn_expr_free(e);
    e = named("x10*x + x2 + x1", 0);
    assert_string_equal(e->pname[0], "x1");
    assert_string_equal(e->pname[1], "x2");
    assert_string_equal(e->pname[2], "x10");
    gn_expr_free(e);
    /* negative control: mixed prefixes keep the order of appearance */
    e = named("b2*x + a1", 0);
    assert_string_equal(e->pname[0], "b2");
    gn_expr_free(e);
    test_named_start();
    test_named_list();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_exact_gradient), cmocka_unit_test(test_taylor),
        cmocka_unit_test(test_double_vs_mp),   cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_nesting),        cmocka_unit_test(test_mp_literal_checked),
        cmocka_unit_test(test_functions),      cmocka_unit_test(test_diagnose),
        cmocka_unit_test(test_named),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
