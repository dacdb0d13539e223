/* test_assume.c: the convergence-assumption checkers (proofs/assume.c, assume_mp.c) and
 * `gnlab assume` (cli/cmd_assume.c). GN_BIN names the program (default build/gnlab). */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "gn.h"
#include "pf_assume.h"
#include "gn_test.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------- helpers */

typedef struct {
    double *X, *y;
    size_t n, m;
} data;

/* the shipped problem regenerated in memory (pf_assume_generate), parsed by gn_io_csv_read */
static data gen_data(pf_assume_gen kind, size_t n, size_t m, uint64_t seed)
{
    char path[] = "/tmp/gn_test_assume_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(pf_assume_generate(f, kind, n, m, seed), GN_OK);
    fclose(f);
    gn_io_table t;
    char err[256];
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_OK);
    unlink(path);
    data d = {malloc(n * m * sizeof(double)), malloc(n * sizeof(double)), n, m};
    assert_non_null(d.X);
    assert_non_null(d.y);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < m; k++)
            d.X[i * m + k] = t.cols[k * n + i];
        d.y[i] = t.cols[m * n + i];
    }
    gn_io_table_free(&t);
    return d;
}

static void free_data(data *d)
{
    free(d->X);
    free(d->y);
}

static pf_assume_schedule example_schedule(void)
{
    pf_assume_schedule s = {4.0, 4.0, 0.75};
    return s;
}

static pf_assume_opts example_opts(void)
{
    pf_assume_opts o = pf_assume_opts_default();
    o.steps = 20000;
    o.npoints = 40;
    o.seed = gn_test_seed();
    return o;
}

static void run_linear(pf_assume_report *rep, const data *d, pf_assume_inject inj,
                       double lambda)
{
    pf_assume_problem pb;
    gn_damping dmp = {lambda, 0.0};
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, d->X, d->y,
                                            d->n, d->m, NULL, dmp),
                     GN_OK);
    pb.inject = inj;
    double w0[64] = {0};
    pf_assume_schedule s = example_schedule();
    pf_assume_opts o = example_opts();
    assert_int_equal(pf_assume_run(rep, &pb, w0, NULL, 0, &s, &o), GN_OK);
}

/* ------------------------------------------------------- shipped data */

/* the committed CSVs are exactly what the generator writes (no drift, no copied data) */
static void test_shipped_files_regenerate(void **state)
{
    (void)state;
    const char *names[2] = {"proofs/data/interp.csv", "proofs/data/noisy.csv"};
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(names[k], "r");
        if (!f) {
            print_message("# %s not found (run from the source root)\n", names[k]);
            fail();
        }
        char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        FILE *ma = open_memstream(&a, &al);
        assert_int_equal(pf_assume_generate(ma, (pf_assume_gen)k, 200, 4, 20261122u), GN_OK);
        fclose(ma);
        FILE *mb = open_memstream(&b, &bl);
        int c;
        while ((c = fgetc(f)) != EOF)
            fputc(c, mb);
        fclose(mb);
        fclose(f);
        assert_int_equal(al, bl);
        assert_memory_equal(a, b, al);
        free(a);
        free(b);
    }
}

/* ------------------------------------------------------------ verdicts */

static void test_interp_strong_growth_holds(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_INTERP, 200, 4, 20261122u);
    pf_assume_report r;
    run_linear(&r, &d, PF_ASSUME_INJECT_NONE, 10.0);
    if (r.v_align != PF_ASSUME_HOLDS || !(r.c_min > 0) || r.v_b2 != PF_ASSUME_HOLDS ||
        !r.have_floor || !r.mp_pass || !r.b3.remark_holds)
        print_message("# seed %llu: c_min %.17g rho_max %.17g rel_res %.17g tol %.17g mp %d\n",
                      (unsigned long long)gn_test_seed(), r.c_min, r.rho_max, r.rel_res,
                      r.floor_tol, r.mp_pass);
    assert_int_equal(r.v_align, PF_ASSUME_HOLDS);
    assert_true(r.c_min > 0);
    assert_int_equal(r.v_b2, PF_ASSUME_HOLDS);
    assert_true(r.have_floor);
    assert_true(r.rel_res <= r.floor_tol);
    assert_true(r.mp_pass);
    assert_true(r.n_mp == 3);
    /* Remark B.1 holds at lambda = 10, and B.3's c is then a true lower bound of c */
    assert_true(r.b3.remark_holds);
    assert_true(r.b3.c_B3 > 0);
    assert_true(r.ratio_c_b3 >= 1.0);
    assert_true(r.b3_margin_min >= 0);
    assert_int_equal(r.L_kind, PF_ASSUME_L_EXACT);
    assert_true(r.L > 0);
    pf_assume_report_free(&r);
    free_data(&d);
}

static void test_noisy_strong_growth_fails(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_NOISY, 200, 4, 20261122u);
    pf_assume_report r;
    run_linear(&r, &d, PF_ASSUME_INJECT_NONE, 10.0);
    if (r.v_b2 != PF_ASSUME_FAILS)
        print_message("# seed %llu: rho_max %.17g floor %.17g rel_res %.17g tol %.17g\n",
                      (unsigned long long)gn_test_seed(), r.rho_max, r.floor, r.rel_res,
                      r.floor_tol);
    assert_int_equal(r.v_b2, PF_ASSUME_FAILS);
    assert_true(r.floor > 0);
    /* rho grows as the iterates approach w*: the last point's rho exceeds the first's by
     * over two orders of magnitude along this trajectory (|grad F|^2 falls by > 10^3) */
    assert_true(r.pts[r.K - 1].rho > 100 * r.pts[0].rho);
    assert_true(r.rho_slope < -0.5);
    assert_false(r.b3.remark_holds); /* B.3 certifies nothing here */
    assert_true(r.mp_pass);
    pf_assume_report_free(&r);
    free_data(&d);
}

/* negative controls: wrong alignment formulas are caught by the MPFR recomputation */
static void test_wrong_alignment_is_caught(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_NOISY, 200, 4, 20261122u);
    pf_assume_inject inj[2] = {PF_ASSUME_INJECT_XI_MEAN, PF_ASSUME_INJECT_NORM};
    for (int k = 0; k < 2; k++) {
        pf_assume_report r;
        run_linear(&r, &d, inj[k], 10.0);
        int caught = 0;
        for (size_t q = 0; q < r.n_mp; q++)
            if (!(r.mp[q].rel[PF_ASSUME_Q_C] <= r.mp[q].bound[PF_ASSUME_Q_C]))
                caught = 1;
        if (!caught || r.mp_pass)
            print_message("# inject %d seed %llu: c rel %.17g bound %.17g\n", (int)inj[k],
                          (unsigned long long)gn_test_seed(), r.mp[0].rel[PF_ASSUME_Q_C],
                          r.mp[0].bound[PF_ASSUME_Q_C]);
        assert_true(caught);
        assert_false(r.mp_pass);
        /* the other quantities are untouched by the mutant and still agree */
        for (size_t q = 0; q < r.n_mp; q++)
            assert_true(r.mp[q].rel[PF_ASSUME_Q_G2] <= r.mp[q].bound[PF_ASSUME_Q_G2]);
        pf_assume_report_free(&r);
    }
    free_data(&d);
}

/* ------------------------------------------------------------- the MLP */

/* the BLAS-3 row-block path and the row-by-row path through gn_mlp_eval both agree with
 * MPFR within the derived bound, and with each other within the sum of their bounds */
static void test_mlp_block_path(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_NOISY, 300, 4, 5u);
    gn_act acts[3] = {GN_ACT_TANH, GN_ACT_SILU, GN_ACT_RELU};
    for (int a = 0; a < 3; a++) {
        size_t widths[4] = {4, 7, 5, 1};
        gn_mlp *mlp = gn_mlp_alloc(widths, 4, acts[a]);
        assert_non_null(mlp);
        double *w = malloc(mlp->nparams * sizeof(double));
        assert_int_equal(gn_mlp_init(mlp, w, gn_test_seed() + (uint64_t)a), GN_OK);
        for (size_t k = 0; k < mlp->nparams; k++) /* nonzero biases too */
            if (w[k] == 0.0)
                w[k] = 0.1 * (double)((k % 7) + 1) - 0.35;
        pf_assume_problem pb;
        gn_damping dmp = {0.5, 0.25};
        assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_MLP, GN_LOSS_SQUARED, d.X, d.y,
                                                d.n, d.m, mlp, dmp),
                         GN_OK);
        pf_assume_point pblk, prow;
        assert_int_equal(pf_assume_eval(&pblk, NULL, NULL, &pb, w), GN_OK);
        pb.rowwise = 1;
        assert_int_equal(pf_assume_eval(&prow, NULL, NULL, &pb, w), GN_OK);
        pf_assume_mpcheck cb, cr;
        assert_int_equal(pf_assume_mp_check(&cb, &pblk, &pb, w, 128), GN_OK);
        assert_int_equal(pf_assume_mp_check(&cr, &prow, &pb, w, 128), GN_OK);
        for (int q = 0; q < PF_ASSUME_NQ; q++) {
            if (!(cb.rel[q] <= cb.bound[q]) || !(cr.rel[q] <= cr.bound[q]))
                print_message("# act %d q %s: block %a row %a mp %a bound %.3g\n", a,
                              pf_assume_q_name(q), cb.dbl[q], cr.dbl[q], cb.mp[q], cb.bound[q]);
            assert_true(cb.rel[q] <= cb.bound[q]);
            assert_true(cr.rel[q] <= cr.bound[q]);
            assert_true(fabs(cb.dbl[q] - cr.dbl[q]) <= 2 * cb.bound[q] * fabs(cb.mp[q]));
        }
        assert_true(cb.pass && cr.pass);
        /* S and H agree too (maxima of the same per-row values) */
        assert_true(fabs(pblk.S - prow.S) <= 1e-12 * prow.S);
        assert_true(pblk.H == prow.H);
        /* BCE with targets in {0, 1} */
        double *yb = malloc(d.n * sizeof(double));
        for (size_t i = 0; i < d.n; i++)
            yb[i] = d.y[i] > 0 ? 1.0 : 0.0;
        assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_MLP, GN_LOSS_BCE, d.X, yb, d.n,
                                                d.m, mlp, dmp),
                         GN_OK);
        assert_int_equal(pf_assume_eval(&pblk, NULL, NULL, &pb, w), GN_OK);
        assert_int_equal(pf_assume_mp_check(&cb, &pblk, &pb, w, 128), GN_OK);
        assert_true(cb.pass);
        assert_true(pblk.H <= 0.25);
        free(yb);
        free(w);
        gn_mlp_free(mlp);
    }
    free_data(&d);
}

/* the mutant is caught on the MLP too (the envelope bound is looser there) */
static void test_mlp_mutant_caught(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_NOISY, 200, 4, 9u);
    size_t widths[3] = {4, 6, 1};
    gn_mlp *mlp = gn_mlp_alloc(widths, 3, GN_ACT_TANH);
    double *w = malloc(mlp->nparams * sizeof(double));
    gn_mlp_init(mlp, w, gn_test_seed());
    pf_assume_problem pb;
    gn_damping dmp = {0.1, 0.0};
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_MLP, GN_LOSS_SQUARED, d.X, d.y, d.n,
                                            d.m, mlp, dmp),
                     GN_OK);
    pb.inject = PF_ASSUME_INJECT_XI_MEAN;
    pf_assume_point p;
    pf_assume_mpcheck c;
    assert_int_equal(pf_assume_eval(&p, NULL, NULL, &pb, w), GN_OK);
    assert_int_equal(pf_assume_mp_check(&c, &p, &pb, w, 128), GN_OK);
    if (c.pass)
        print_message("# c %a mp %a rel %.3g bound %.3g\n", c.dbl[PF_ASSUME_Q_C],
                      c.mp[PF_ASSUME_Q_C], c.rel[PF_ASSUME_Q_C], c.bound[PF_ASSUME_Q_C]);
    assert_false(c.pass);
    free(w);
    gn_mlp_free(mlp);
    free_data(&d);
}

/* ---------------------------------------------------- the small pieces */

static void test_robbins_monro(void **state)
{
    (void)state;
    struct {
        double p;
        int ok;
    } cases[] = {{0.5, 0}, {0.5000001, 1}, {0.75, 1}, {1.0, 1}, {1.0000001, 0}, {2.0, 0},
                 {0.25, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pf_assume_schedule s = {1.0, 1.0, cases[k].p};
        const char *why = NULL;
        assert_int_equal(pf_assume_robbins_monro(&s, &why), cases[k].ok);
        assert_non_null(why);
        char err[160];
        assert_int_equal(pf_assume_schedule_check(&s, err, sizeof err),
                         cases[k].ok ? GN_OK : GN_EDOM);
    }
    pf_assume_schedule bad[3] = {{0.0, 1.0, 0.75}, {1.0, 0.0, 0.75}, {1.0, 1.0, NAN}};
    for (int k = 0; k < 3; k++)
        assert_int_equal(pf_assume_schedule_check(&bad[k], NULL, 0), GN_EDOM);
}

static void test_fit_moment(void **state)
{
    (void)state;
    /* worked by hand: (G, m) = (1, 2), (2, 3); Gbar = 1.5. With M = 0: MG = 2; with MG = 0:
     * M = 3; the LP min M + 1.5 MG has candidates MG = 0 (3), 1 (M = 1: 2.5), 1.5 (2.75),
     * 2 (3): optimum MG = 1, M = 1. */
    double G[2] = {1, 2}, m[2] = {2, 3};
    pf_assume_moment_fit f;
    assert_int_equal(pf_assume_fit_moment(&f, m, G, 2), GN_OK);
    assert_true(f.M0_MG == 2.0);
    assert_true(f.MG0_M == 3.0);
    assert_true(f.M == 1.0 && f.MG == 1.0);
    /* random points: the fit is feasible, and no grid point does better */
    gn_rng r;
    gn_rng_seed(&r, gn_test_seed(), 3);
    for (size_t it = 0; it < gn_test_iters(50); it++) {
        double GG[20], mm[20], Gbar = 0;
        for (int k = 0; k < 20; k++) {
            GG[k] = gn_rng_uniform(&r);
            mm[k] = gn_rng_uniform(&r) + GG[k] * gn_rng_uniform(&r);
            Gbar += GG[k] / 20;
        }
        assert_int_equal(pf_assume_fit_moment(&f, mm, GG, 20), GN_OK);
        double obj = f.M + f.MG * Gbar;
        for (int k = 0; k < 20; k++)
            assert_true(mm[k] <= f.M + f.MG * GG[k] + 1e-15 * mm[k]);
        for (int q = 0; q <= 400; q++) {
            double MG = f.M0_MG * q / 400.0, M = 0;
            for (int k = 0; k < 20; k++)
                M = fmax(M, mm[k] - MG * GG[k]);
            if (M + MG * Gbar < obj * (1 - 1e-14))
                print_message("# seed %llu it %zu: grid %.17g beats %.17g\n",
                              (unsigned long long)gn_test_seed(), it, M + MG * Gbar, obj);
            assert_true(M + MG * Gbar >= obj * (1 - 1e-14));
        }
    }
    /* a point with grad F = 0 and m > 0 forces M > 0: no M = 0 fit exists */
    double G0[2] = {0, 1}, m0[2] = {1, 1};
    assert_int_equal(pf_assume_fit_moment(&f, m0, G0, 2), GN_OK);
    assert_true(isinf(f.M0_MG));
    assert_true(f.M >= 1.0);
    double bad[1] = {NAN};
    assert_int_equal(pf_assume_fit_moment(&f, bad, G, 1), GN_ENONFINITE);
    assert_int_equal(pf_assume_fit_moment(&f, m, G, 0), GN_ESIZE);
}

static void test_b3_constants(void **state)
{
    (void)state;
    pf_assume_b3_consts b;
    gn_damping dmp = {2.0, 0.5};
    /* (H + mu) S^2 = (1.5)(4) = 6: xi_min = 1/8, xi_max = 1/2; rho = 5: sqrt(rho-1) = 2;
     * c_B3 = 1/8 - ((1/2 - 1/8)/2)(2) = -1/4; Remark: 2 < 2*2/6? no. */
    assert_int_equal(pf_assume_b3(&b, 2.0, 1.0, 5.0, dmp), GN_OK);
    assert_true(b.xi_min == 0.125 && b.xi_max == 0.5);
    assert_true(b.c_B3 == -0.25);
    assert_false(b.remark_holds);
    assert_true(b.MG_B3 == 5.0 / 4.0);
    /* rho = 1: c_B3 = xi_min > 0 and the Remark holds */
    assert_int_equal(pf_assume_b3(&b, 2.0, 1.0, 1.0, dmp), GN_OK);
    assert_true(b.c_B3 == 0.125 && b.remark_holds);
    /* (H + mu) S^2 = 0: xi = 1/lambda exactly, c = 1/lambda */
    gn_damping d0 = {2.0, 0.0};
    assert_int_equal(pf_assume_b3(&b, 0.0, 1.0, 9.0, d0), GN_OK);
    assert_true(b.c_B3 == 0.5 && b.remark_holds && isinf(b.remark_rhs));
    /* rho < 1 is impossible (E|g|^2 >= |E g|^2) */
    assert_int_equal(pf_assume_b3(&b, 1.0, 1.0, 0.5, dmp), GN_EDOM);
}

/* L for a linear least-squares problem: exact (GSL eigen) against power iteration on
 * finite-difference Hessian-vector products. The Hessian is constant, so the difference
 * quotient has no truncation error, only roundoff ~ u |grad F| / h ~ 1e-10 relative
 * (h = u^(1/3)); 300 iterations shrink the power method's error (lambda2/lambda1)^600
 * below that whenever lambda2/lambda1 < 0.96 (printed on failure). */
static void test_L_exact_vs_power(void **state)
{
    (void)state;
    data d = gen_data(PF_ASSUME_GEN_NOISY, 200, 4, 20261122u);
    pf_assume_problem pb;
    gn_damping dmp = {1.0, 0.0};
    pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, d.X, d.y, d.n, d.m, NULL,
                           dmp);
    double Le, Lp, w[4] = {0.3, -0.2, 0.1, 0.5};
    assert_int_equal(pf_assume_L_exact(&Le, &pb), GN_OK);
    assert_int_equal(pf_assume_L_power(&Lp, &pb, w, 300, gn_test_seed()), GN_OK);
    if (!(fabs(Lp - Le) <= 1e-8 * Le))
        print_message("# seed %llu: exact %.17g power %.17g\n",
                      (unsigned long long)gn_test_seed(), Le, Lp);
    assert_true(fabs(Lp - Le) <= 1e-8 * Le);
    /* the quadratic-feature model: 4*5/2 + 1 = 11 parameters, L exact as well */
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_QUAD, GN_LOSS_SQUARED, d.X, d.y,
                                            d.n, d.m, NULL, dmp),
                     GN_OK);
    assert_int_equal(pb.d, 11);
    assert_int_equal(pf_assume_L_exact(&Le, &pb), GN_OK);
    double wq[11] = {0};
    assert_int_equal(pf_assume_L_power(&Lp, &pb, wq, 300, gn_test_seed()), GN_OK);
    assert_true(Lp <= Le * (1 + 1e-8));
    /* the quadratic model's measurements agree with MPFR */
    pf_assume_point p;
    pf_assume_mpcheck c;
    for (int k = 0; k < 11; k++)
        wq[k] = 0.05 * (k - 5);
    assert_int_equal(pf_assume_eval(&p, NULL, NULL, &pb, wq), GN_OK);
    assert_int_equal(pf_assume_mp_check(&c, &p, &pb, wq, 128), GN_OK);
    assert_true(c.pass);
    free_data(&d);
}

static void test_problem_init_rejects(void **state)
{
    (void)state;
    double X[4] = {1, 2, 3, 4}, y[2] = {0.5, 2.0}, ynan[2] = {0, NAN};
    pf_assume_problem pb;
    gn_damping ok = {1, 0}, badl = {0, 0}, badm = {1, -1};
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, X, y, 2, 2,
                                            NULL, badl),
                     GN_EDOM);
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, X, y, 2, 2,
                                            NULL, badm),
                     GN_EDOM);
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_BCE, X, y, 2, 2,
                                            NULL, ok),
                     GN_EDOM); /* y = 2 outside [0, 1] */
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, X, ynan, 2,
                                            2, NULL, ok),
                     GN_ENONFINITE);
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_LINEAR, GN_LOSS_SQUARED, X, y, 0, 2,
                                            NULL, ok),
                     GN_ESIZE);
    assert_int_equal(pf_assume_problem_init(&pb, PF_ASSUME_MLP, GN_LOSS_SQUARED, X, y, 2, 2,
                                            NULL, ok),
                     GN_ESIZE);
}

/* --------------------------------------------------------------- the CLI */

static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return (b && *b) ? b : "build/gnlab";
}

/* run `gnlab assume ARGS`, return the exit status; stdout and stderr captured */
static int run(const char *args, char *out, size_t outlen, char *err, size_t errlen)
{
    char cmd[2048], fo[64], fe[64];
    snprintf(fo, sizeof fo, "/tmp/gn_test_assume.%ld.out", (long)getpid());
    snprintf(fe, sizeof fe, "/tmp/gn_test_assume.%ld.err", (long)getpid());
    snprintf(cmd, sizeof cmd, "%s assume %s >%s 2>%s", bin(), args, fo, fe);
    int rc = system(cmd);
    const char *files[2] = {fo, fe};
    char *bufs[2] = {out, err};
    size_t lens[2] = {outlen, errlen};
    for (int k = 0; k < 2; k++) {
        if (!bufs[k])
            continue;
        FILE *f = fopen(files[k], "r");
        size_t got = f ? fread(bufs[k], 1, lens[k] - 1, f) : 0;
        bufs[k][got] = 0;
        if (f)
            fclose(f);
    }
    unlink(fo);
    unlink(fe);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect_usage(const char *args, const char *needle)
{
    char err[4096];
    int rc = run(args, NULL, 0, err, sizeof err);
    if (rc != 2 || !strstr(err, needle))
        print_message("# args '%s': rc %d, stderr '%s' (wanted '%s')\n", args, rc, err, needle);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, needle));
}

static void test_cli_bad_input(void **state)
{
    (void)state;
    write_file("/tmp/gn_ta_text.csv", "x1,x2,y\n1,2,3\n4,abc,6\n");
    expect_usage("--data /tmp/gn_ta_text.csv", "/tmp/gn_ta_text.csv:3:2 (x2): 'abc' is not a number");
    write_file("/tmp/gn_ta_ragged.csv", "x1,x2,y\n1,2,3\n4,6\n");
    expect_usage("--data /tmp/gn_ta_ragged.csv", "/tmp/gn_ta_ragged.csv:3: 2 fields where the header has 3");
    write_file("/tmp/gn_ta_nocol.csv", "x1,x2,z\n1,2,3\n");
    expect_usage("--data /tmp/gn_ta_nocol.csv", "/tmp/gn_ta_nocol.csv:1: no column 'y'");
    write_file("/tmp/gn_ta_nan.csv", "x1,x2,y\n1,2,3\n4,5,nan\n");
    expect_usage("--data /tmp/gn_ta_nan.csv", "/tmp/gn_ta_nan.csv:3:3 (y): 'nan' is not finite");
    write_file("/tmp/gn_ta_empty.csv", "");
    expect_usage("--data /tmp/gn_ta_empty.csv", "/tmp/gn_ta_empty.csv: empty file");
    expect_usage("--data proofs/data/interp.csv --p 0.5", "p = 0.5: Robbins-Monro (4.16) needs 1/2 < p <= 1");
    expect_usage("--data proofs/data/interp.csv --p 1.5", "p = 1.5: Robbins-Monro");
    expect_usage("--data proofs/data/interp.csv --lambda 0", "--lambda");
    expect_usage("--data proofs/data/interp.csv --loss bce", "loss bce needs every 'y' in [0, 1]");
    expect_usage("--data proofs/data/interp.csv --model cubic", "--model");
    expect_usage("--data /tmp/does-not-exist.csv", "cannot open");
    write_file("/tmp/gn_ta_pts.csv", "a,b,c\n1,2,3\n");
    expect_usage("--data proofs/data/interp.csv --points /tmp/gn_ta_pts.csv",
                 "/tmp/gn_ta_pts.csv:1: 3 columns, but the model has d = 4 parameters");
    expect_usage("", "--data FILE is required");
    const char *files[] = {"/tmp/gn_ta_text.csv", "/tmp/gn_ta_ragged.csv", "/tmp/gn_ta_nocol.csv",
                           "/tmp/gn_ta_nan.csv",  "/tmp/gn_ta_empty.csv",  "/tmp/gn_ta_pts.csv"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
        unlink(files[k]);
}

static void test_cli_verdicts(void **state)
{
    (void)state;
    static char out[1 << 16];
    const char *common = "--lambda 10 --alpha0 4 --t0 4 --steps 20000";
    char args[512];
    snprintf(args, sizeof args, "--data proofs/data/interp.csv %s --out /tmp/gn_ta_plot", common);
    int rc = run(args, out, sizeof out, NULL, 0);
    if (rc != 0)
        print_message("# interp: rc %d\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "B.2 strong growth          holds"));
    assert_non_null(strstr(out, "MPFR agreement: pass"));
    assert_int_equal(access("/tmp/gn_ta_plot/assume.dat", R_OK), 0);
    assert_int_equal(access("/tmp/gn_ta_plot/assume.gp", R_OK), 0);
    snprintf(args, sizeof args, "--data proofs/data/noisy.csv %s --json", common);
    rc = run(args, out, sizeof out, NULL, 0);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "{\"kind\":\"verdict\",\"assumption\":\"B.2\",\"verdict\":\"fails\""));
    assert_non_null(strstr(out, "{\"kind\":\"verdict\",\"assumption\":\"4.2-alignment\",\"verdict\":\"holds\""));
    snprintf(args, sizeof args, "--data proofs/data/interp.csv %s --inject xi_mean", common);
    rc = run(args, out, sizeof out, NULL, 0);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "MPFR agreement: FAIL"));
    /* points from a file: the generator's w* gives F = 0 up to rounding, grad F ~ 0 */
    write_file("/tmp/gn_ta_w.csv", "w1,w2,w3,w4\n-0.5,1,-1.5,2\n0,0,0,0\n");
    rc = run("--data proofs/data/interp.csv --points /tmp/gn_ta_w.csv --json --mp-points 2", out,
             sizeof out, NULL, 0);
    assert_true(rc == 0 || rc == 1);
    assert_non_null(strstr(out, "{\"kind\":\"point\",\"t\":1,"));
    unlink("/tmp/gn_ta_w.csv");
}

/* issue 13, finding 1: a verdict on degenerate data (constant, zero or duplicate feature
 * columns: the least-squares tolerance n d u kappa reaches the largest possible relative
 * residual, or c and rho are undefined at every point) or with an input that was never
 * measured (L with --l-points 0) is "undetermined", exit 3, never "holds" */
static void expect_undetermined(const char *args, const char *must_not)
{
    static char out[1 << 16];
    int rc = run(args, out, sizeof out, NULL, 0);
    if (rc != 3 || !strstr(out, "undetermined") || strstr(out, must_not))
        print_message("# args '%s': rc %d (wanted 3, no '%s')\n%s\n", args, rc, must_not, out);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "undetermined"));
    assert_null(strstr(out, must_not));
}

static void test_cli_degenerate_undetermined(void **state)
{
    (void)state;
    static char out[1 << 16];
    write_file("/tmp/gn_ta_const.csv", "x1,x2,y\n1,2,3\n1,2,4\n1,2,5\n1,2,1\n1,2,2\n");
    write_file("/tmp/gn_ta_zero.csv", "x1,x2,y\n0,0,3\n0,0,4\n0,0,5\n0,0,1\n");
    expect_undetermined("--data /tmp/gn_ta_const.csv --steps 200", "B.2 strong growth          holds");
    expect_undetermined("--data /tmp/gn_ta_zero.csv --steps 200", "B.2 strong growth          holds");
    expect_undetermined("--data /tmp/gn_ta_zero.csv --steps 200", "4.2 alignment (4.14)       holds");
    /* the MPFR table: c and rho undefined on both sides are not an "ok" comparison */
    expect_undetermined("--data /tmp/gn_ta_zero.csv --steps 200", "nan            0            0 ok");
    int rc = run("--data /tmp/gn_ta_zero.csv --steps 200", out, sizeof out, NULL, 0);
    assert_non_null(strstr(out, "     c            -            -            - undefined"));
    rc = run("--data /tmp/gn_ta_zero.csv --steps 200 --json", out, sizeof out, NULL, 0);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "{\"kind\":\"verdict\",\"assumption\":\"B.2\",\"verdict\":\"undetermined\""));
    expect_undetermined("--data proofs/data/interp.csv --model mlp --l-points 0 --steps 200",
                        "4.1 F_inf, L, lambda, mu   holds");
    /* negative control: the same tolerance on well-conditioned data still decides */
    rc = run("--data proofs/data/noisy.csv --lambda 10 --alpha0 4 --t0 4 --steps 2000", out,
             sizeof out, NULL, 0);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "B.2 strong growth          fails"));
    unlink("/tmp/gn_ta_const.csv");
    unlink("/tmp/gn_ta_zero.csv");
}

/* issue 13, finding 12: sizes beyond the documented maxima (--help) are refused, with the
 * option named, before anything is allocated or run (--steps 2^40 ran for days; a 10^9-wide
 * layer aborted under ASan) */
static void test_cli_size_limits(void **state)
{
    (void)state;
    expect_usage("--data proofs/data/interp.csv --model mlp --hidden 1000000000",
                 "--hidden: 1000000000 is above the maximum 4096");
    expect_usage("--data proofs/data/interp.csv --model mlp --hidden 4096,4096",
                 "--hidden: the MLP would have");
    expect_usage("--data /tmp/does-not-exist.csv --steps 1099511627776", "--steps");
    expect_usage("--data proofs/data/interp.csv --model mlp --hidden 1000 --npoints 1000000",
                 "--npoints");
    static char out[1 << 14];
    assert_int_equal(run("--help", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "at most 4096"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_files_regenerate),
        cmocka_unit_test(test_interp_strong_growth_holds),
        cmocka_unit_test(test_noisy_strong_growth_fails),
        cmocka_unit_test(test_wrong_alignment_is_caught),
        cmocka_unit_test(test_mlp_block_path),
        cmocka_unit_test(test_mlp_mutant_caught),
        cmocka_unit_test(test_robbins_monro),
        cmocka_unit_test(test_fit_moment),
        cmocka_unit_test(test_b3_constants),
        cmocka_unit_test(test_L_exact_vs_power),
        cmocka_unit_test(test_problem_init_rejects),
        cmocka_unit_test(test_cli_bad_input),
        cmocka_unit_test(test_cli_verdicts),
        cmocka_unit_test(test_cli_degenerate_undetermined),
        cmocka_unit_test(test_cli_size_limits),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
