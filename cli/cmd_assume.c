/* cmd_assume.c: gnlab assume, the convergence assumptions of Theorem 4.1 measured on a
 * problem (MATH.md §8). The measuring is in assume.c / assume_mp.c; this file reads the
 * inputs, prints the table or JSON Lines, writes the plot files. */
#include "cli.h"
#include "gn.h"
#include "pf_assume.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *CMD = "assume";

/* The documented maxima (--help, docs/assume.md), checked before anything is allocated:
 * the MLP's per-layer workspace grows with the square of its widest layer, the kept points
 * with npoints x d, the run's time with --steps. */
#define MAX_WIDTH 4096           /* each --hidden width                          */
#define MAX_PARAMS 1000000       /* d, the model's parameters                    */
#define MAX_POINT_VALUES 16777216 /* npoints x d doubles kept (2^24, 128 MB)      */
#define MAX_STEPS 100000000      /* --steps                                      */
#define MAX_BENCH_ROWS 1000000   /* --rows with --bench (rows x 10 inputs held)  */

/* OpenBLAS's own threads spin on a machine shared by many jobs and made the benchmark
 * slower (9.1 s against 6.5 s single-threaded, measured): the program asks for one thread
 * when it is linked against OpenBLAS (a weak reference: absent elsewhere). */
#if defined(__GNUC__)
extern void openblas_set_num_threads(int) __attribute__((weak));
static void blas_one_thread(void)
{
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
}
#else
static void blas_one_thread(void) {}
#endif

static void usage(FILE *f)
{
    fprintf(f,
"Usage: gnlab assume --data FILE.csv [options]\n"
"  or:  gnlab assume --gen interp|noisy [--rows N] [--features M] [--seed S] > FILE.csv\n"
"  or:  gnlab assume --bench [--rows N (at most 1e6)] [--hidden H1,H2] [--npoints K]\n"
"\n"
"Measures the assumptions of Theorem 4.1 (MATH.md §8) along an IGND trajectory (or at\n"
"given points): alignment c(w) (4.14), the moment bound (4.15) with the smallest M, M_G,\n"
"S and H (B.1), strong growth rho(w) (B.2), Lemma B.2, Prop B.3's c_B3, Remark B.1, L,\n"
"F_inf and Robbins-Monro (4.16); recomputes a few points in MPFR and reports agreement.\n"
"\n"
"problem:\n"
"  --data FILE       CSV, header line, numeric fields; the target column and the features\n"
"  --target NAME     target column (default y); every other column is a feature\n"
"  --model KIND      linear (f = w.x), quad (quadratic features + 1), mlp (default linear)\n"
"  --hidden LIST     MLP hidden widths, e.g. 16,16 (default 16; at most 8 layers, each\n"
"                    width at most 4096, at most 1000000 parameters in all)\n"
"  --act NAME        MLP activation: tanh relu silu identity (default tanh)\n"
"  --loss NAME       squared or bce (default squared)\n"
"  --lambda X        damping lambda > 0 (default 1)\n"
"  --mu X            curvature floor mu >= 0 (default 0)\n"
"schedule alpha_t = alpha0/(t + t0)^p:\n"
"  --alpha0 X        (default 1)   --t0 X  (default 1)   --p X  (default 0.75; 1/2 < p <= 1)\n"
"points:\n"
"  --steps T         IGND steps (default 2000, at most 1e8)\n"
"  --npoints K       points kept (default 50; K x parameters at most 2^24 = 16777216)\n"
"  --points FILE     CSV of parameter vectors (one per row, d columns) instead of a run\n"
"  --seed S          sampling and MLP init seed (default 20261122, or GN_SEED)\n"
"checks:\n"
"  --mp-points Q     points recomputed in MPFR (default 3, at most 16; 0 to skip)\n"
"  --prec BITS       MPFR precision (default 128)\n"
"  --power-iters N   MLP: power iterations for L (default 20)\n"
"  --l-points Q      MLP: points where L is estimated (default 2: first and last)\n"
"  --inject NAME     negative control: xi_mean or norm (a wrong alignment formula)\n"
"output:\n"
"  --out DIR         write DIR/assume.dat, DIR/assume.gp and (with gnuplot) DIR/assume.svg\n"
"  --json            JSON Lines instead of the table\n"
"\n"
"exit: 0 every assumption holds and the MPFR agreement passes; 1 an assumption fails (or is\n"
"suspect) or the agreement fails; 2 bad usage or input; 3 undetermined: none fails, but a\n"
"verdict cannot be decided (degenerate data: constant, zero or duplicate feature columns,\n"
"features too ill-conditioned for the noise-floor tolerance, grad F = 0 at every point, L\n"
"not estimated); the table says which and why.\n");
}

/* ---------------------------------------------------------------- data */

typedef struct {
    gn_io_table tab;
    double *X, *y;
    size_t n, m;
} dataset;

static int load_data(dataset *ds, const char *path, const char *target)
{
    char err[512];
    memset(ds, 0, sizeof *ds);
    if (gn_io_csv_read(&ds->tab, path, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab %s: %s\n", CMD, err);
        return -1;
    }
    long tc = gn_io_table_col(&ds->tab, target);
    if (tc < 0) {
        fprintf(stderr, "gnlab %s: %s:1: no column '%s' in the header (columns:", CMD, path,
                target);
        for (size_t c = 0; c < ds->tab.ncols; c++)
            fprintf(stderr, " %s", ds->tab.names[c]);
        fprintf(stderr, ")\n");
        return -1;
    }
    if (ds->tab.ncols < 2) {
        fprintf(stderr, "gnlab %s: %s:1: only the target column '%s': no feature columns\n",
                CMD, path, target);
        return -1;
    }
    ds->n = ds->tab.nrows;
    ds->m = ds->tab.ncols - 1;
    ds->X = malloc(ds->n * ds->m * sizeof(double));
    ds->y = malloc(ds->n * sizeof(double));
    if (!ds->X || !ds->y) {
        fprintf(stderr, "gnlab %s: out of memory\n", CMD);
        return -1;
    }
    for (size_t i = 0; i < ds->n; i++) {
        size_t q = 0;
        for (size_t c = 0; c < ds->tab.ncols; c++) {
            double v = ds->tab.cols[c * ds->n + i];
            if ((long)c == tc)
                ds->y[i] = v;
            else
                ds->X[i * ds->m + q++] = v;
        }
    }
    return 0;
}

static void free_data(dataset *ds)
{
    gn_io_table_free(&ds->tab);
    free(ds->X);
    free(ds->y);
}

/* ---------------------------------------------------------------- output */

static const char *lkind_name(pf_assume_lkind k)
{
    switch (k) {
    case PF_ASSUME_L_EXACT: return "exact";
    case PF_ASSUME_L_UPPER: return "upper bound";
    default: return "local estimate";
    }
}

static int write_plot(const char *dir, const pf_assume_report *r, int json)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gnlab %s: --out %s: %s\n", CMD, dir, strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/assume.dat", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gnlab %s: %s: %s\n", CMD, path, strerror(errno));
        return -1;
    }
    fprintf(f, "# gnlab assume: one line per measured point\n"
               "# t F grad2 c rho xig2 c_B3_local S H\n");
    for (size_t k = 0; k < r->K; k++) {
        const pf_assume_point *p = &r->pts[k];
        double cb = p->xi_lo - 0.5 * (p->xi_hi - p->xi_lo) * sqrt(fmax(p->rho - 1.0, 0.0));
        fprintf(f, "%zu %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", r->t[k], p->F,
                p->grad2, p->c, p->rho, p->xig2, cb, p->S, p->H);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/assume.gp", dir);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gnlab %s: %s: %s\n", CMD, path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# gnlab assume: c(w_t), rho(w_t) and |grad F(w_t)|^2 along the trajectory\n"
            "# run in this directory: gnuplot assume.gp  (writes assume.svg)\n"
            "set terminal svg size 720,900 dynamic background rgb 'white'\n"
            "set output 'assume.svg'\n"
            "set multiplot layout 3,1 title 'gnlab assume (MATH.md 4.14, B.2)'\n"
            "set xlabel 't'\nset key top right\nset grid\n"
            "set ylabel 'c(w_t)'\n"
            "plot 'assume.dat' using 1:4 with linespoints title 'c(w) (4.14)', \\\n"
            "     'assume.dat' using 1:7 with lines dashtype 2 title 'c_{B3}(w), local', \\\n"
            "     %.17g with lines dashtype 3 title 'c_{B3}, global'\n"
            "set logscale y\n"
            "set format y '%%g'\n"
            "set ylabel 'rho(w_t)'\n"
            "plot 'assume.dat' using 1:5 with linespoints title 'rho(w) = E|g|^2/|grad F|^2'\n"
            "set ylabel '|grad F(w_t)|^2'\n"
            "plot 'assume.dat' using 1:3 with linespoints title '|grad F|^2'\n"
            "unset multiplot\n",
            r->b3.c_B3);
    fclose(f);
    if (gn_io_have("gnuplot")) {
        const char *argv[] = {"gnuplot", "assume.gp", NULL};
        if (gn_io_run(dir, argv, NULL) != 0)
            fprintf(stderr, "gnlab %s: gnuplot failed on %s/assume.gp\n", CMD, dir);
    } else if (!json) {
        fprintf(stderr, "gnlab %s: gnuplot not installed: %s/assume.gp not rendered\n", CMD,
                dir);
    }
    return 0;
}

static void print_table(const pf_assume_report *r, const pf_assume_problem *pb,
                        const pf_assume_schedule *s, const char *src)
{
    printf("gnlab assume: %s, model %s (d = %zu), loss %s, n = %zu rows, lambda = %.6g, "
           "mu = %.6g\n",
           src, pb->model == PF_ASSUME_LINEAR ? "linear" : pb->model == PF_ASSUME_QUAD ? "quad"
                                                                                     : "mlp",
           pb->d, gn_loss_name(pb->loss), pb->n, pb->dmp.lambda, pb->dmp.mu);
    printf("schedule alpha_t = %.6g/(t + %.6g)^%.6g; %zu points\n\n", s->alpha0, s->t0, s->p,
           r->K);
    printf("%8s %12s %12s %12s %12s %12s\n", "t", "F", "|gradF|^2", "c(w)", "rho(w)",
           "E|xi g|^2");
    size_t step = r->K > 12 ? (r->K + 11) / 12 : 1;
    for (size_t k = 0; k < r->K; k += step) {
        const pf_assume_point *p = &r->pts[k];
        printf("%8zu %12.5g %12.5g %12.5g %12.5g %12.5g\n", r->t[k], p->F, p->grad2, p->c,
               p->rho, p->xig2);
        if (k + step >= r->K && k != r->K - 1)
            k = r->K - 1 - step; /* always show the last point */
    }
    printf("\n%-26s %-8s %s\n", "assumption", "verdict", "detail");
    printf("%-26s %-8s F >= F_inf = %g (the loss is >= 0); min F = %.6g; L = %.6g (%s)\n",
           "4.1 F_inf, L, lambda, mu", pf_assume_verdict_name(r->v_a41), r->F_inf_lb, r->F_min,
           r->L, lkind_name(r->L_kind));
    if (r->why_a41)
        printf("%-26s %-8s %s\n", "", "", r->why_a41);
    if (r->v_align == PF_ASSUME_UNDETERMINED)
        printf("%-26s %s %s\n", "4.2 alignment (4.14)", "undetermined", r->why_align);
    else if (r->v_align == PF_ASSUME_HOLDS)
        printf("%-26s %-8s c >= %.6g at all %zu points with grad F != 0 (min at t = %zu)\n",
               "4.2 alignment (4.14)", "holds", r->c_min, r->n_defined, r->t[r->c_argmin]);
    else {
        printf("%-26s %-8s c <= 0 at %zu points: t =", "4.2 alignment (4.14)", "fails",
               r->n_c_fail);
        for (size_t k = 0; k < r->n_c_fail && k < 8; k++)
            printf(" %zu", r->t[r->c_fail[k]]);
        printf("%s (min c = %.6g)\n", r->n_c_fail > 8 ? " ..." : "", r->c_min);
    }
    printf("%-26s %-8s LP fit M = %.6g, M_G = %.6g; with M = 0: M_G = %.6g; with M_G = 0: "
           "M = %.6g\n",
           "4.2 moment (4.15)", "holds", r->fit.M, r->fit.MG, r->fit.M0_MG, r->fit.MG0_M);
    printf("%-26s %-8s %s\n", "4.3 Robbins-Monro (4.16)", pf_assume_verdict_name(r->v_rm),
           r->rm_why);
    printf("%-26s %-8s S = max|j| = %.6g, H = max l'' = %.6g\n", "B.1 bounded j, l''",
           pf_assume_verdict_name(r->v_b1), r->S, r->H);
    if (r->have_floor)
        printf("%-26s %-8s max rho = %.6g (t = %zu); at the minimiser E|g(w*)|^2 = %.6g, "
               "relative residual %.3g %s %.3g (rounding, kappa = %.3g)\n",
               "B.2 strong growth", pf_assume_verdict_name(r->v_b2), r->rho_max,
               r->t[r->rho_argmax], r->floor, r->rel_res, r->v_b2 == PF_ASSUME_UNDETERMINED ? "vs" : r->rel_res > r->floor_tol ? ">" : "<=",
               r->floor_tol, r->kappa);
    else
        printf("%-26s %-8s max rho = %.6g (t = %zu); slope of log rho on log |grad F|^2 = "
               "%.3g over %.2g decades\n",
               "B.2 strong growth", pf_assume_verdict_name(r->v_b2), r->rho_max,
               r->t[r->rho_argmax], r->rho_slope, r->grad2_decades);
    if (r->why_b2)
        printf("%-26s %-8s %s\n", "", "", r->why_b2);
    printf("\nLemma B.2: xi_min = %.6g, xi_max = %.6g\n", r->b3.xi_min, r->b3.xi_max);
    printf("Prop B.3:  c_B3 = %.6g, M = 0, M_G = rho/lambda^2 = %.6g\n", r->b3.c_B3,
           r->b3.MG_B3);
    printf("Remark B.1: sqrt(rho - 1) = %.6g %s 2 lambda/((H + mu) S^2) = %.6g: %s\n",
           r->b3.remark_lhs, r->b3.remark_holds ? "<" : ">=", r->b3.remark_rhs,
           r->b3.remark_holds ? "c_B3 > 0, B.3 certifies (4.14)" : "B.3 certifies nothing");
    if (isfinite(r->ratio_c_b3))
        printf("min c / c_B3 = %.6g (how conservative B.3 is here)\n", r->ratio_c_b3);
    else
        printf("min c / c_B3: undefined (c_B3 <= 0)\n");
    printf("Prop B.3 at each point (local xi range): min (c - c_B3(w)) / xi_max(w) = %.6g\n",
           r->b3_margin_min);
    if (r->n_mp) {
        printf("\nMPFR recomputation (exact finite sums, %ld-deep rounding bound):\n",
               r->mp[0].K);
        printf("%8s %6s %12s %12s %12s %s\n", "t", "qty", "double", "rel err", "bound", "");
        for (size_t k = 0; k < r->n_mp; k++)
            for (int q = 0; q < PF_ASSUME_NQ; q++) {
                const pf_assume_mpcheck *c = &r->mp[k];
                if (c->undef[q])
                    printf("%8zu %6s %12s %12s %12s undefined (grad F = 0)\n",
                           r->t[r->mp_idx[k]], pf_assume_q_name(q), "-", "-", "-");
                else
                    printf("%8zu %6s %12.5g %12.3g %12.3g %s\n", r->t[r->mp_idx[k]],
                           pf_assume_q_name(q), c->dbl[q], c->rel[q], c->bound[q],
                           c->rel[q] <= c->bound[q] ? "ok" : "FAIL");
            }
        printf("MPFR agreement: %s\n", r->mp_pass ? "pass" : "FAIL");
    }
}

/* the verdict rows of --json: one object per assumption with its numbers */
static void json_verdicts(const pf_assume_report *r)
{
    gn_io_jl j;
    struct {
        const char *name;
        pf_assume_verdict v;
    } vs[] = {{"4.1", r->v_a41},        {"4.2-alignment", r->v_align},
              {"4.2-moment", r->v_moment}, {"4.3", r->v_rm},
              {"B.1", r->v_b1},          {"B.2", r->v_b2}};
    for (size_t q = 0; q < sizeof vs / sizeof vs[0]; q++) {
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", "verdict");
        gn_io_jl_str(&j, "assumption", vs[q].name);
        gn_io_jl_str(&j, "verdict", pf_assume_verdict_name(vs[q].v));
        const char *why[] = {r->why_a41, r->why_align, NULL, NULL, r->why_b1, r->why_b2};
        if (why[q])
            gn_io_jl_str(&j, "why", why[q]);
        switch (q) {
        case 0:
            gn_io_jl_num(&j, "F_inf_lb", r->F_inf_lb);
            gn_io_jl_num(&j, "F_min", r->F_min);
            gn_io_jl_num(&j, "L", r->L);
            gn_io_jl_str(&j, "L_kind", lkind_name(r->L_kind));
            break;
        case 1:
            gn_io_jl_num(&j, "c_min", r->c_min);
            gn_io_jl_int(&j, "t_c_min", (long long)r->t[r->c_argmin]);
            gn_io_jl_int(&j, "n_fail", (long long)r->n_c_fail);
            gn_io_jl_int(&j, "n_defined", (long long)r->n_defined);
            break;
        case 2:
            gn_io_jl_num(&j, "M", r->fit.M);
            gn_io_jl_num(&j, "MG", r->fit.MG);
            gn_io_jl_num(&j, "MG_with_M0", r->fit.M0_MG);
            gn_io_jl_num(&j, "M_with_MG0", r->fit.MG0_M);
            break;
        case 3: gn_io_jl_str(&j, "why", r->rm_why); break;
        case 4:
            gn_io_jl_num(&j, "S", r->S);
            gn_io_jl_num(&j, "H", r->H);
            break;
        default:
            gn_io_jl_num(&j, "rho_max", r->rho_max);
            gn_io_jl_int(&j, "t_rho_max", (long long)r->t[r->rho_argmax]);
            gn_io_jl_num(&j, "rho_slope", r->rho_slope);
            gn_io_jl_num(&j, "grad2_decades", r->grad2_decades);
            if (r->have_floor) {
                gn_io_jl_num(&j, "floor", r->floor);
                gn_io_jl_num(&j, "rel_res", r->rel_res);
                gn_io_jl_num(&j, "floor_tol", r->floor_tol);
            }
            break;
        }
        gn_io_jl_end(&j);
    }
}

static void print_json(const pf_assume_report *r, const pf_assume_problem *pb,
                       const pf_assume_schedule *s)
{
    gn_io_jl j;
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "kind", "problem");
    gn_io_jl_str(&j, "model", pb->model == PF_ASSUME_LINEAR ? "linear"
                           : pb->model == PF_ASSUME_QUAD ? "quad" : "mlp");
    gn_io_jl_int(&j, "d", (long long)pb->d);
    gn_io_jl_int(&j, "n", (long long)pb->n);
    gn_io_jl_str(&j, "loss", gn_loss_name(pb->loss));
    gn_io_jl_num(&j, "lambda", pb->dmp.lambda);
    gn_io_jl_num(&j, "mu", pb->dmp.mu);
    gn_io_jl_num(&j, "alpha0", s->alpha0);
    gn_io_jl_num(&j, "t0", s->t0);
    gn_io_jl_num(&j, "p", s->p);
    gn_io_jl_end(&j);
    for (size_t k = 0; k < r->K; k++) {
        const pf_assume_point *p = &r->pts[k];
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", "point");
        gn_io_jl_int(&j, "t", (long long)r->t[k]);
        gn_io_jl_num(&j, "F", p->F);
        gn_io_jl_num(&j, "grad2", p->grad2);
        gn_io_jl_num(&j, "c", p->c);
        gn_io_jl_num(&j, "rho", p->rho);
        gn_io_jl_num(&j, "xig2", p->xig2);
        gn_io_jl_num(&j, "g2", p->g2);
        gn_io_jl_num(&j, "S", p->S);
        gn_io_jl_num(&j, "H", p->H);
        gn_io_jl_num(&j, "xi_lo", p->xi_lo);
        gn_io_jl_num(&j, "xi_hi", p->xi_hi);
        gn_io_jl_end(&j);
    }
    json_verdicts(r);
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "kind", "b3");
    gn_io_jl_num(&j, "xi_min", r->b3.xi_min);
    gn_io_jl_num(&j, "xi_max", r->b3.xi_max);
    gn_io_jl_num(&j, "c_B3", r->b3.c_B3);
    gn_io_jl_num(&j, "MG_B3", r->b3.MG_B3);
    gn_io_jl_bool(&j, "remark_holds", r->b3.remark_holds);
    gn_io_jl_num(&j, "remark_lhs", r->b3.remark_lhs);
    gn_io_jl_num(&j, "remark_rhs", r->b3.remark_rhs);
    gn_io_jl_num(&j, "c_over_c_B3", r->ratio_c_b3);
    gn_io_jl_num(&j, "b3_margin_min", r->b3_margin_min);
    gn_io_jl_end(&j);
    for (size_t k = 0; k < r->n_mp; k++)
        for (int q = 0; q < PF_ASSUME_NQ; q++) {
            gn_io_jl_begin(&j, stdout);
            gn_io_jl_str(&j, "kind", "mpfr");
            gn_io_jl_int(&j, "t", (long long)r->t[r->mp_idx[k]]);
            gn_io_jl_str(&j, "quantity", pf_assume_q_name(q));
            gn_io_jl_num(&j, "double", r->mp[k].dbl[q]);
            gn_io_jl_num(&j, "mpfr", r->mp[k].mp[q]);
            gn_io_jl_num(&j, "rel_err", r->mp[k].rel[q]);
            gn_io_jl_num(&j, "bound", r->mp[k].bound[q]);
            if (r->mp[k].undef[q])
                gn_io_jl_bool(&j, "undefined", 1);
            else
                gn_io_jl_bool(&j, "pass", r->mp[k].rel[q] <= r->mp[k].bound[q]);
            gn_io_jl_end(&j);
        }
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "kind", "summary");
    gn_io_jl_str(&j, "verdict", pf_assume_verdict_name(pf_assume_overall(r)));
    gn_io_jl_bool(&j, "mp_pass", r->mp_pass);
    gn_io_jl_int(&j, "mp_points", (long long)r->n_mp);
    gn_io_jl_end(&j);
}

/* ---------------------------------------------------------------- bench */

static int run_bench(size_t rows, const size_t *hidden, int nh, size_t K, int json)
{
    size_t m = 10, widths[10];
    widths[0] = m;
    for (int q = 0; q < nh; q++)
        widths[q + 1] = hidden[q];
    widths[nh + 1] = 1;
    gn_mlp *mlp = gn_mlp_alloc(widths, (size_t)nh + 2, GN_ACT_TANH);
    double *X = malloc(rows * m * sizeof(double)), *y = malloc(rows * sizeof(double));
    double *w0 = mlp ? malloc(mlp->nparams * sizeof(double)) : NULL;
    if (!mlp || !X || !y || !w0) {
        fprintf(stderr, "gnlab %s: --bench: out of memory or bad --hidden\n", CMD);
        gn_mlp_free(mlp);
        free(X);
        free(y);
        free(w0);
        return GN_EXIT_USAGE;
    }
    /* synthetic regression: x ~ U[-1,1]^10, y = sin(x1) + x2 x3 + 0.1 N */
    gn_rng r;
    gn_rng_seed(&r, 7, 0);
    for (size_t i = 0; i < rows; i++) {
        for (size_t k = 0; k < m; k++)
            X[i * m + k] = 2 * gn_rng_uniform(&r) - 1;
        y[i] = sin(X[i * m]) + X[i * m + 1] * X[i * m + 2] + 0.1 * gn_rng_normal(&r);
    }
    gn_mlp_init(mlp, w0, 7);
    pf_assume_problem pb;
    gn_damping dmp = {1.0, 0.0};
    pf_assume_problem_init(&pb, PF_ASSUME_MLP, GN_LOSS_SQUARED, X, y, rows, m, mlp, dmp);
    pf_assume_schedule s = {0.5, 1.0, 0.75};
    pf_assume_opts o = pf_assume_opts_default();
    o.steps = rows;
    o.npoints = K;
    o.mp_points = 0;
    o.l_points = 0;
    pf_assume_report rep;
    double t0 = gn_io_now();
    gn_status st = pf_assume_run(&rep, &pb, w0, NULL, 0, &s, &o);
    double t1 = gn_io_now();
    double tl = NAN, L = NAN;
    if (st == GN_OK) {
        /* one L estimate (10 power iterations = 20 gradient passes) timed on its own */
        double t2 = gn_io_now();
        st = pf_assume_L_power(&L, &pb, rep.W + (K - 1) * pb.d, 10, 7);
        tl = gn_io_now() - t2;
    }
    int rc = GN_EXIT_PASS;
    if (st != GN_OK) {
        fprintf(stderr, "gnlab %s: --bench: %s\n", CMD, gn_strerror(st));
        rc = GN_EXIT_USAGE;
    } else {
        double secs = t1 - t0;
        rc = secs < 30.0 ? GN_EXIT_PASS : GN_EXIT_FAIL;
        if (json) {
            gn_io_jl j;
            gn_io_jl_begin(&j, stdout);
            gn_io_jl_str(&j, "kind", "bench");
            gn_io_jl_int(&j, "rows", (long long)rows);
            gn_io_jl_int(&j, "params", (long long)pb.d);
            gn_io_jl_int(&j, "points", (long long)K);
            gn_io_jl_int(&j, "steps", (long long)o.steps);
            gn_io_jl_num(&j, "seconds", secs);
            gn_io_jl_num(&j, "seconds_L_10_iters", tl);
            gn_io_jl_num(&j, "target_seconds", 30.0);
            gn_io_jl_bool(&j, "pass", rc == GN_EXIT_PASS);
            gn_io_jl_end(&j);
        } else {
            printf("gnlab assume --bench: MLP 10");
            for (int q = 0; q < nh; q++)
                printf("-%zu", hidden[q]);
            printf("-1 tanh (%zu parameters), %zu rows, %zu IGND steps, %zu points\n", pb.d,
                   rows, o.steps, K);
            printf("trajectory + all per-point measurements: %.2f s (%.1f ms per point, "
                   "%.2f us per row pass)  target < 30 s: %s\n",
                   secs, 1e3 * secs / (double)K, 1e6 * secs / ((double)K * (double)rows),
                   rc == GN_EXIT_PASS ? "met" : "NOT met");
            printf("one L estimate (10 power iterations, 20 gradient passes): %.2f s, L ~ %.4g\n",
                   tl, L);
        }
        pf_assume_report_free(&rep);
    }
    gn_mlp_free(mlp);
    free(X);
    free(y);
    free(w0);
    return rc;
}

/* ---------------------------------------------------------------- arguments */

typedef struct {
    const char *data, *target, *model, *act, *loss, *points, *out, *inject, *gen;
    size_t hidden[8];
    int nh, json, bench;
    gn_damping dmp;
    pf_assume_schedule s;
    pf_assume_opts o;
    size_t rows, features, prec;
    int rows_set;
} args;

/* one option with a value: 0 taken, 1 a bad value (reported), 2 not an option */
static int parse_value(args *A, const char *opt, const char *v)
{
    int bad = 0;
    if (!strcmp(opt, "--data")) A->data = v;
    else if (!strcmp(opt, "--target")) A->target = v;
    else if (!strcmp(opt, "--model")) A->model = v;
    else if (!strcmp(opt, "--act")) A->act = v;
    else if (!strcmp(opt, "--loss")) A->loss = v;
    else if (!strcmp(opt, "--points")) A->points = v;
    else if (!strcmp(opt, "--out")) A->out = v;
    else if (!strcmp(opt, "--inject")) A->inject = v;
    else if (!strcmp(opt, "--gen")) A->gen = v;
    else if (!strcmp(opt, "--hidden")) {
        A->nh = cli_sizes(A->hidden, 8, CMD, opt, v);
        bad = A->nh < 0;
        for (int q = 0; q < A->nh && !bad; q++)
            if (A->hidden[q] > MAX_WIDTH) {
                cli_usage(CMD, "--hidden: %zu is above the maximum %d", A->hidden[q], MAX_WIDTH);
                bad = 1;
            }
    } else if (!strcmp(opt, "--lambda"))
        bad = cli_double(&A->dmp.lambda, CMD, opt, v, 0x1p-1022, 1e300) < 0;
    else if (!strcmp(opt, "--mu"))
        bad = cli_double(&A->dmp.mu, CMD, opt, v, 0, 1e300) < 0;
    else if (!strcmp(opt, "--alpha0"))
        bad = cli_double(&A->s.alpha0, CMD, opt, v, 0x1p-1022, 1e300) < 0;
    else if (!strcmp(opt, "--t0"))
        bad = cli_double(&A->s.t0, CMD, opt, v, 0x1p-1022, 1e300) < 0;
    else if (!strcmp(opt, "--p"))
        bad = cli_double(&A->s.p, CMD, opt, v, -1e300, 1e300) < 0;
    else if (!strcmp(opt, "--steps"))
        bad = cli_size(&A->o.steps, CMD, opt, v, 0, MAX_STEPS) < 0;
    else if (!strcmp(opt, "--npoints"))
        bad = cli_size(&A->o.npoints, CMD, opt, v, 1, 1000000) < 0;
    else if (!strcmp(opt, "--mp-points"))
        bad = cli_size(&A->o.mp_points, CMD, opt, v, 0, 16) < 0;
    else if (!strcmp(opt, "--prec"))
        bad = cli_size(&A->prec, CMD, opt, v, 64, 65536) < 0;
    else if (!strcmp(opt, "--power-iters"))
        bad = cli_size(&A->o.power_iters, CMD, opt, v, 1, 100000) < 0;
    else if (!strcmp(opt, "--l-points"))
        bad = cli_size(&A->o.l_points, CMD, opt, v, 0, 1000) < 0;
    else if (!strcmp(opt, "--seed"))
        bad = cli_u64(&A->o.seed, CMD, opt, v) < 0;
    else if (!strcmp(opt, "--rows")) {
        bad = cli_size(&A->rows, CMD, opt, v, 1, 100000000) < 0;
        A->rows_set = 1;
    } else if (!strcmp(opt, "--features"))
        bad = cli_size(&A->features, CMD, opt, v, 1, 64) < 0;
    else
        return 2;
    return bad;
}

#define ARGS_OK (-1)

/* the command line into A with its defaults; ARGS_OK, or the exit status to return */
static int parse_args(args *A, int argc, char **argv)
{
    *A = (args){.target = "y", .model = "linear", .act = "tanh", .loss = "squared",
                .hidden = {16}, .nh = 1, .dmp = {1.0, 0.0}, .s = {1.0, 1.0, 0.75},
                .o = pf_assume_opts_default(), .features = 4, .prec = 128};
    A->o.seed = cli_seed(A->o.seed);
    for (int a = 1; a < argc; a++) {
        const char *opt = argv[a];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage(stdout);
            return GN_EXIT_PASS;
        }
        if (!strcmp(opt, "--json")) {
            A->json = 1;
            continue;
        }
        if (!strcmp(opt, "--bench")) {
            A->bench = 1;
            continue;
        }
        if (a + 1 >= argc)
            return cli_usage(CMD, "unknown option or missing value: %s", opt);
        int r = parse_value(A, opt, argv[++a]);
        if (r == 2)
            return cli_usage(CMD, "unknown option %s", opt);
        if (r)
            return GN_EXIT_USAGE;
    }
    A->o.prec = (unsigned)A->prec;
    return ARGS_OK;
}

/* the problem's kinds from their names */
typedef struct {
    pf_assume_model mk;
    gn_loss_kind lk;
    gn_act ak;
    pf_assume_inject inj;
} kinds;

/* the checks before reading the data, in the order the user meets them; ARGS_OK or the
 * exit status */
static int parse_kinds(kinds *k, const args *A)
{
    if (!A->data)
        return cli_usage(CMD, "--data FILE is required");
    char err[256];
    if (pf_assume_schedule_check(&A->s, err, sizeof err) != GN_OK)
        return cli_usage(CMD, "schedule: %s", err);
    if (!strcmp(A->model, "linear")) k->mk = PF_ASSUME_LINEAR;
    else if (!strcmp(A->model, "quad")) k->mk = PF_ASSUME_QUAD;
    else if (!strcmp(A->model, "mlp")) k->mk = PF_ASSUME_MLP;
    else return cli_usage(CMD, "--model: '%s' is not linear, quad or mlp", A->model);
    if (gn_loss_parse(&k->lk, A->loss) != GN_OK)
        return cli_usage(CMD, "--loss: '%s' is not squared or bce", A->loss);
    if (gn_act_parse(&k->ak, A->act) != GN_OK)
        return cli_usage(CMD, "--act: '%s' is not tanh, relu, silu or identity", A->act);
    k->inj = PF_ASSUME_INJECT_NONE;
    if (A->inject) {
        if (!strcmp(A->inject, "xi_mean")) k->inj = PF_ASSUME_INJECT_XI_MEAN;
        else if (!strcmp(A->inject, "norm")) k->inj = PF_ASSUME_INJECT_NORM;
        else return cli_usage(CMD, "--inject: '%s' is not xi_mean or norm", A->inject);
    }
    return ARGS_OK;
}

/* --points FILE: K parameter vectors of d columns into *W (row k at W + k d); 0, or -1
 * after a message */
static int read_points(double **W, size_t *K, gn_io_table *pts, const char *path, size_t d)
{
    char err[256];
    if (gn_io_csv_read(pts, path, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab %s: %s\n", CMD, err);
        return -1;
    }
    if (pts->ncols != d) {
        fprintf(stderr, "gnlab %s: %s:1: %zu columns, but the model has d = %zu parameters\n",
                CMD, path, pts->ncols, d);
        return -1;
    }
    *K = pts->nrows;
    *W = malloc(*K * d * sizeof(double));
    if (!*W) {
        fprintf(stderr, "gnlab %s: out of memory\n", CMD);
        return -1;
    }
    for (size_t k = 0; k < *K; k++)
        for (size_t c = 0; c < d; c++)
            (*W)[k * d + c] = pts->cols[c * *K + k];
    return 0;
}

/* runs the measurements on a ready problem from w0 (or at --points), prints them and
 * writes the plot; the exit status */
static int measure(const args *A, pf_assume_problem *pb, const double *w0)
{
    gn_io_table pts = {0, 0, NULL, NULL};
    double *Wp = NULL;
    size_t K = 0;
    int rc = GN_EXIT_USAGE;
    if (A->points && read_points(&Wp, &K, &pts, A->points, pb->d) < 0)
        goto done;
    pf_assume_report rep;
    gn_status st = pf_assume_run(&rep, pb, w0, Wp, K, &A->s, &A->o);
    if (st != GN_OK) {
        fprintf(stderr, "gnlab %s: %s: %s (a row or point made the model or loss %s)\n", CMD,
                A->data, gn_strerror(st), st == GN_ERANGE ? "overflow" : "fail");
        goto done;
    }
    if (A->json)
        print_json(&rep, pb, &A->s);
    else
        print_table(&rep, pb, &A->s, A->data);
    if (!(A->out && write_plot(A->out, &rep, A->json) < 0)) {
        pf_assume_verdict v = pf_assume_overall(&rep);
        rc = v == PF_ASSUME_HOLDS ? GN_EXIT_PASS
           : v == PF_ASSUME_UNDETERMINED ? GN_EXIT_UNDETERMINED : GN_EXIT_FAIL;
    }
    pf_assume_report_free(&rep);
done:
    free(Wp);
    gn_io_table_free(&pts);
    return rc;
}

/* d of an MLP in -> hidden -> 1 (each width <= MAX_WIDTH: no overflow) */
static size_t mlp_params(size_t in, const size_t *hidden, int nh)
{
    size_t d = 0, prev = in;
    for (int q = 0; q < nh; q++) {
        d += (prev + 1) * hidden[q];
        prev = hidden[q];
    }
    return d + prev + 1;
}

/* the maxima that need d (from --hidden for the MLP, from the data's columns otherwise):
 * ARGS_OK or the exit status after a message naming the option */
static int check_sizes(const args *A, pf_assume_model mk, size_t m)
{
    size_t d = mk == PF_ASSUME_MLP ? mlp_params(m, A->hidden, A->nh)
             : mk == PF_ASSUME_QUAD ? gn_quad_nfeatures(m, 1) : m;
    if (d > MAX_PARAMS && mk == PF_ASSUME_MLP)
        return cli_usage(CMD, "--hidden: the MLP would have %zu parameters, above the maximum "
                              "%d: use fewer or narrower layers", d, MAX_PARAMS);
    if (d > MAX_PARAMS)
        return cli_usage(CMD, "--model %s: %zu features give %zu parameters, above the maximum "
                              "%d", A->model, m, d, MAX_PARAMS);
    if (!A->points && A->o.npoints > MAX_POINT_VALUES / d)
        return cli_usage(CMD, "--npoints: %zu points x %zu parameters is above the maximum %d "
                              "values kept: use at most %zu points", A->o.npoints, d,
                              MAX_POINT_VALUES, (size_t)MAX_POINT_VALUES / d);
    return ARGS_OK;
}

/* --data: read the data, build the model and the problem, measure */
static int run_data(const args *A)
{
    kinds k;
    int rc = parse_kinds(&k, A);
    if (rc != ARGS_OK)
        return rc;
    dataset ds;
    if (load_data(&ds, A->data, A->target) < 0) {
        free_data(&ds);
        return GN_EXIT_USAGE;
    }
    gn_mlp *mlp = NULL;
    if ((rc = check_sizes(A, k.mk, ds.m)) != ARGS_OK) {
        free_data(&ds);
        return rc;
    }
    if (k.mk == PF_ASSUME_MLP) {
        size_t widths[10];
        widths[0] = ds.m;
        for (int q = 0; q < A->nh; q++)
            widths[q + 1] = A->hidden[q];
        widths[A->nh + 1] = 1;
        mlp = gn_mlp_alloc(widths, (size_t)A->nh + 2, k.ak);
        if (!mlp) {
            free_data(&ds);
            return cli_usage(CMD, "--hidden: cannot build this MLP");
        }
    }
    pf_assume_problem pb;
    gn_status st = pf_assume_problem_init(&pb, k.mk, k.lk, ds.X, ds.y, ds.n, ds.m, mlp, A->dmp);
    double *w0 = NULL;
    rc = GN_EXIT_USAGE;
    if (st != GN_OK) {
        if (st == GN_EDOM && k.lk == GN_LOSS_BCE)
            fprintf(stderr, "gnlab %s: %s: loss bce needs every '%s' in [0, 1]\n", CMD, A->data,
                    A->target);
        else
            fprintf(stderr, "gnlab %s: %s: %s\n", CMD, A->data, gn_strerror(st));
    } else if (!(w0 = calloc(pb.d, sizeof(double)))) {
        fprintf(stderr, "gnlab %s: out of memory\n", CMD);
    } else {
        pb.inject = k.inj;
        if (mlp)
            gn_mlp_init(mlp, w0, A->o.seed);
        rc = measure(A, &pb, w0);
    }
    free(w0);
    gn_mlp_free(mlp);
    free_data(&ds);
    return rc;
}

/* ---------------------------------------------------------------- main */

CLI_COMMAND(assume, "measure Theorem 4.1's assumptions (4.14-4.16, B.1, B.2, B.3) on a problem")
{
    args A;
    int rc = parse_args(&A, argc, argv);
    if (rc != ARGS_OK)
        return rc;
    blas_one_thread();
    if (A.gen) {
        pf_assume_gen kind;
        if (!strcmp(A.gen, "interp"))
            kind = PF_ASSUME_GEN_INTERP;
        else if (!strcmp(A.gen, "noisy"))
            kind = PF_ASSUME_GEN_NOISY;
        else
            return cli_usage(CMD, "--gen: '%s' is not interp or noisy", A.gen);
        gn_status st = pf_assume_generate(stdout, kind, A.rows_set ? A.rows : 200, A.features,
                                          A.o.seed);
        return st == GN_OK ? GN_EXIT_PASS : GN_EXIT_USAGE;
    }
    if (A.bench) {
        if (!A.rows_set)
            A.rows = 20000;
        if (A.nh == 1 && A.hidden[0] == 16) {
            A.hidden[0] = 50;
            A.hidden[1] = 50;
            A.nh = 2;
        }
        if (A.o.npoints == 50)
            A.o.npoints = 100;
        if (A.rows > MAX_BENCH_ROWS)
            return cli_usage(CMD, "--rows: %zu is above the maximum %d for --bench", A.rows,
                             MAX_BENCH_ROWS);
        if ((rc = check_sizes(&A, PF_ASSUME_MLP, 10)) != ARGS_OK)
            return rc;
        return run_bench(A.rows, A.hidden, A.nh, A.o.npoints, A.json);
    }
    return run_data(&A);
}
