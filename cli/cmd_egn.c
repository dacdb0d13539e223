/* cmd_egn.c: `gnlab egn`, the EGN optimizer on a CSV (or the project's example data), the
 * DG validate section on its own (--validate), the DG benchmark (--bench) and the EGN
 * decrease check over all enhancement switches (--check). */
#include "cli.h"
#include "gn.h"
#include "gn_ref_dg.h"
#include "val_dg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#define CMD "egn"
#define EXAMPLE_ROWS 512
#define EXAMPLE_SEED 7u
/* The documented maxima (--help, docs/egn.md), checked before anything is allocated: the
 * solver holds a batch x c x parameters Jacobian (and the DG workspace of that size). */
#define MAX_WIDTH 4096              /* each --hidden width                   */
#define MAX_PARAMS 1000000          /* the model's parameters                */
#define MAX_JACOBIAN 16777216       /* batch x c x parameters (2^24, 128 MB) */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: gnlab egn [--data FILE.csv --target COL] [options]\n"
            "  or:  gnlab egn --validate [--inject NAME] [--prec BITS] [--scale S]\n"
            "  or:  gnlab egn --bench [--quick]\n"
            "  or:  gnlab egn --check\n"
            "  or:  gnlab egn --write-example FILE.csv\n\n"
            "Mini-batch Gauss-Newton (EGN, MATH.md §9) with directions from the Duncan-Guttman\n"
            "push-through solve. Prints the mean loss over the data per epoch.\n\n"
            "  --data FILE      numeric CSV with a header line (default: the project's example,\n"
            "                   %d rows: x1..x4 and targets t_reg, t_bin, t_cls; see --write-example)\n"
            "  --target COL     target column (example default: t_reg / t_bin / t_cls by --loss)\n"
            "  --features LIST  comma-separated feature columns (default: all but the target;\n"
            "                   for the example x1,x2,x3,x4)\n"
            "  --loss L         squared (default) | bce (targets in [0,1]) | softmax (targets are\n"
            "                   class indices 0..c-1, c = 1 + the largest)\n"
            "  --model M        linear (default; a constant-1 feature is appended for the bias;\n"
            "                   with softmax the c-output linear model) | mlp (c = 1 only)\n"
            "  --hidden LIST    mlp hidden widths (default 16; at most 8, each at most 4096)\n"
            "  --act A          relu|tanh|silu (tanh)\n"
            "  --batch B        mini-batch size (default 32, at most 4096)  --epochs N (default 20)\n"
            "                   limits: at most 1000000 parameters, and batch x outputs x\n"
            "                   parameters at most 2^24 = 16777216 (the Jacobian held)\n"
            "  --seed S         shuffling and initialisation seed (default 1; GN_SEED overrides)\n"
            "  --lambda L       initial damping (default 0.1)    --mu M  curvature floor (0)\n"
            "  --no-linesearch  --no-adaptive  --no-momentum   switch an enhancement off\n"
            "  --json           JSON Lines instead of a table\n"
            "  --validate       run the DG section of gnlab validate (exit 1 if a row fails)\n"
            "  --inject NAME    with --validate: swap in a known-wrong variant (dg_qside,\n"
            "                   dg_nob, dg_lamq); the section must then fail\n"
            "  --bench          time the DG direction against its BLAS/LAPACK floor, the\n"
            "                   explicit d x d solve and the other route (--quick: fewer sizes)\n"
            "  --check          train the example with each of the 8 enhancement settings, for\n"
            "                   each loss; exit 1 unless every run lowers the loss\n"
            "Exit status: 0 pass (training: final loss below the initial one), 1 fail, 2 bad\n"
            "usage, input or output.\n",
            EXAMPLE_ROWS);
}

/* ------------------------------------------------------------- data */

typedef struct {
    size_t nrows, nin; /* nin includes the bias column for linear models */
    double *X, *y;
    size_t c;
} dataset;

static void dataset_free(dataset *D)
{
    free(D->X);
    free(D->y);
    memset(D, 0, sizeof *D);
}

/* the example data (gn_egn_example, EXAMPLE_ROWS rows, EXAMPLE_SEED) as a table with the
 * columns x1..x4, t_reg, t_bin, t_cls; 0, or -1 on no memory (T zeroed) */
static int example_table(gn_io_table *T)
{
    static const char *const names[7] = {"x1", "x2", "x3", "x4", "t_reg", "t_bin", "t_cls"};
    size_t n = EXAMPLE_ROWS;
    double *X = malloc(n * 4 * sizeof(double));
    memset(T, 0, sizeof *T);
    T->cols = malloc(7 * n * sizeof(double));
    T->names = calloc(7, sizeof(char *));
    if (!X || !T->cols || !T->names) {
        free(X);
        gn_io_table_free(T);
        return -1;
    }
    double *t = T->cols + 4 * n;
    gn_egn_example(X, t, t + n, t + 2 * n, n, EXAMPLE_SEED);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            T->cols[k * n + i] = X[4 * i + k];
    free(X);
    T->nrows = n;
    T->ncols = 7; /* the names are NULL until set: gn_io_table_free frees what is set */
    for (int k = 0; k < 7; k++)
        if (!(T->names[k] = strdup(names[k]))) {
            gn_io_table_free(T);
            return -1;
        }
    return 0;
}

static int write_example(const char *path)
{
    gn_io_table T;
    if (example_table(&T) < 0)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        gn_io_table_free(&T);
        return -1;
    }
    size_t n = T.nrows;
    const double *c = T.cols;
    fprintf(f, "# gnlab egn example data: gn_egn_example(n = %zu, seed = %u), see gn_dg.h\n",
            n, EXAMPLE_SEED);
    fprintf(f, "x1,x2,x3,x4,t_reg,t_bin,t_cls\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%g,%g\n", c[i], c[n + i], c[2 * n + i],
                c[3 * n + i], c[4 * n + i], c[5 * n + i], c[6 * n + i]);
    gn_io_table_free(&T);
    return fclose(f) ? -1 : 0;
}

/* the feature columns: the comma-separated names in features, or (NULL) every column but
 * the target ty; 0 or the usage status */
static int feature_cols(long *fc, size_t *nf, const gn_io_table *T, long ty,
                        const char *features, const char *src)
{
    *nf = 0;
    for (const char *p = features; p && *p;) {
        char name[128];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof name || *nf == 256)
            return cli_usage(CMD, "--features: bad list '%s'", features);
        memcpy(name, p, len);
        name[len] = 0;
        long k = gn_io_table_col(T, name);
        if (k < 0 || k == ty)
            return cli_usage(CMD, "--features: %s has no feature column '%s'", src, name);
        fc[(*nf)++] = k;
        p += len;
        if (*p == ',')
            p++;
    }
    for (size_t k = 0; !features && k < T->ncols && *nf < 256; k++)
        if ((long)k != ty)
            fc[(*nf)++] = (long)k;
    if (*nf == 0)
        return cli_usage(CMD, "%s: no feature columns besides the target", src);
    return 0;
}

/* D from the table's feature columns fc and target column ty, checking the targets against
 * the loss: 0 or the usage status (D freed) */
static int fill_data(dataset *D, const gn_io_table *T, const long *fc, size_t nf, long ty,
                     gn_egn_loss loss, int bias, const char *src, const char *target)
{
    size_t n = T->nrows;
    D->nrows = n;
    D->nin = nf + (bias ? 1 : 0);
    D->X = malloc(n * D->nin * sizeof(double));
    D->y = malloc(n * sizeof(double));
    if (!D->X || !D->y) {
        dataset_free(D);
        fprintf(stderr, "gnlab egn: out of memory\n");
        return GN_EXIT_USAGE;
    }
    double ymax = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < nf; k++)
            D->X[i * D->nin + k] = T->cols[(size_t)fc[k] * n + i];
        if (bias)
            D->X[i * D->nin + nf] = 1.0;
        double y = T->cols[(size_t)ty * n + i];
        D->y[i] = y;
        const char *bad = NULL;
        if (loss == GN_EGN_BCE && !(y >= 0.0 && y <= 1.0))
            bad = "is outside [0, 1] (bce targets)";
        else if (loss == GN_EGN_SOFTMAX && !(y >= 0.0 && y == floor(y) && y < 1e6))
            bad = "is not a class index 0, 1, 2, ...";
        if (bad) {
            fprintf(stderr, "gnlab egn: %s: data row %zu, column '%s': %.17g %s\n", src, i + 1,
                    target, y, bad);
            dataset_free(D);
            return GN_EXIT_USAGE;
        }
        ymax = fmax(ymax, y);
    }
    D->c = loss == GN_EGN_SOFTMAX ? (size_t)ymax + 1 : 1;
    if (loss == GN_EGN_SOFTMAX && D->c < 2) {
        dataset_free(D);
        return cli_usage(CMD, "softmax needs at least two classes in '%s'", target);
    }
    return 0;
}

/* builds X (rows of features, plus a trailing 1 when bias) and y from the CSV file at path
 * (gn_io_csv_read), or from the example data when path is NULL */
static int load_data(dataset *D, const char *path, const char *target, const char *features,
                     gn_egn_loss loss, int bias)
{
    gn_io_table T;
    if (!path) {
        if (example_table(&T) < 0) {
            fprintf(stderr, "gnlab egn: out of memory\n");
            return GN_EXIT_USAGE;
        }
        if (!target)
            target = loss == GN_EGN_SQUARED ? "t_reg" : loss == GN_EGN_BCE ? "t_bin" : "t_cls";
        if (!features)
            features = "x1,x2,x3,x4";
    } else {
        char err[512];
        if (gn_io_csv_read(&T, path, err, sizeof err) != GN_OK) {
            fprintf(stderr, "gnlab egn: %s\n", err);
            return GN_EXIT_USAGE;
        }
        if (!target) {
            gn_io_table_free(&T);
            return cli_usage(CMD, "--target is required with --data");
        }
    }
    const char *src = path ? path : "example data";
    long ty = gn_io_table_col(&T, target), fc[256];
    size_t nf = 0;
    int rc = ty < 0 ? cli_usage(CMD, "%s has no column '%s'", src, target)
                    : feature_cols(fc, &nf, &T, ty, features, src);
    if (rc == 0)
        rc = fill_data(D, &T, fc, nf, ty, loss, bias, src, target);
    gn_io_table_free(&T);
    return rc;
}

/* ----------------------------------------------------------- training */

typedef struct {
    gn_egn_loss loss;
    int mlp;
    size_t hidden[8], nhidden;
    gn_act act;
    size_t batch, epochs;
    uint64_t seed;
    gn_egn_params par;
} train_opts;

typedef struct {
    double L0, Lend;
    int status;
} train_result;

/* the maxima of the model's size (the data's shape fixes the input width and c): 0, or the
 * exit status after a message naming the option */
static int check_sizes(const dataset *D, const train_opts *to)
{
    size_t d = 0, prev = D->nin;
    if (to->mlp) { /* each width <= MAX_WIDTH: no overflow */
        for (size_t q = 0; q < to->nhidden; q++) {
            d += (prev + 1) * to->hidden[q];
            prev = to->hidden[q];
        }
        d += prev + 1;
    } else
        d = D->c > 1 ? D->c * D->nin : D->nin;
    const char *opt = to->mlp ? "--hidden" : "--features";
    if (d > MAX_PARAMS)
        return cli_usage(CMD, "%s: the model would have %zu parameters, above the maximum %d",
                         opt, d, MAX_PARAMS);
    size_t b = to->batch < D->nrows ? to->batch : D->nrows, c = D->c > 1 ? D->c : 1;
    if (b * c > MAX_JACOBIAN / d)
        return cli_usage(CMD, "--batch: %zu rows x %zu outputs x %zu parameters is above the "
                              "maximum %d Jacobian entries: use --batch %zu or less", b, c, d,
                         MAX_JACOBIAN, (size_t)MAX_JACOBIAN / d / c);
    return 0;
}

/* trains and (when out != NULL) prints one row per epoch; returns 0 or an exit code */
static int train(train_result *res, const dataset *D, const train_opts *to, FILE *out, int json)
{
    gn_mlp *mlp = NULL;
    gn_egn_model model;
    int rc = check_sizes(D, to);
    if (rc != 0)
        return rc;
    if (to->mlp) {
        size_t widths[10];
        widths[0] = D->nin;
        for (size_t k = 0; k < to->nhidden; k++)
            widths[k + 1] = to->hidden[k];
        widths[to->nhidden + 1] = 1;
        mlp = gn_mlp_alloc(widths, to->nhidden + 2, to->act);
        if (!mlp)
            return cli_usage(CMD, "cannot build the MLP (bad widths or no memory)");
        model = gn_egn_model_mlp(mlp);
    } else if (D->c > 1)
        model = gn_egn_model_multi(D->c, D->nin);
    else
        model = gn_egn_model_linear(D->nin);
    size_t b = to->batch < D->nrows ? to->batch : D->nrows;
    gn_egn *e = gn_egn_alloc(model, to->loss, b, &to->par);
    double *w = calloc(model.nparams, sizeof(double));
    size_t *perm = malloc(D->nrows * sizeof(size_t)), *all = malloc(D->nrows * sizeof(size_t));
    if (!e || !w || !perm || !all) {
        gn_egn_free(e);
        gn_mlp_free(mlp);
        free(w);
        free(perm);
        free(all);
        return cli_usage(CMD, "cannot set up EGN (model and loss do not fit, or no memory)");
    }
    if (mlp)
        gn_mlp_init(mlp, w, to->seed);
    for (size_t i = 0; i < D->nrows; i++)
        perm[i] = all[i] = i;
    gn_rng rng;
    gn_rng_seed(&rng, to->seed, 1);
    double L;
    gn_status st = gn_egn_loss_mean(&L, e, w, D->X, D->y, all, D->nrows);
    res->L0 = L;
    res->status = st;
    if (out && !json)
        fprintf(out, "%5s  %-22s  %-10s  %8s  %8s  %10s\n", "epoch", "mean loss", "lambda",
                "steps", "rejected", "backtracks");
    for (size_t ep = 0; st == GN_OK && ep <= to->epochs; ep++) {
        if (ep > 0) {
            st = gn_egn_epoch(e, w, D->X, D->y, D->nrows, perm, b, &rng);
            if (st == GN_OK)
                st = gn_egn_loss_mean(&L, e, w, D->X, D->y, all, D->nrows);
        }
        if (st != GN_OK)
            break;
        if (out && json) {
            gn_io_jl j;
            gn_io_jl_begin(&j, out);
            gn_io_jl_str(&j, "kind", "epoch");
            gn_io_jl_int(&j, "epoch", (long long)ep);
            gn_io_jl_num(&j, "loss", L);
            gn_io_jl_num(&j, "lambda", e->lm.lambda);
            gn_io_jl_int(&j, "steps", (long long)e->steps);
            gn_io_jl_int(&j, "rejected", (long long)e->rejected);
            gn_io_jl_int(&j, "backtracks", (long long)e->backtracks);
            gn_io_jl_end(&j);
        } else if (out)
            fprintf(out, "%5zu  %-22.17g  %-10.3g  %8llu  %8llu  %10llu\n", ep, L,
                    e->lm.lambda, (unsigned long long)e->steps,
                    (unsigned long long)e->rejected, (unsigned long long)e->backtracks);
    }
    res->Lend = L;
    res->status = st;
    gn_egn_free(e);
    gn_mlp_free(mlp);
    free(w);
    free(perm);
    free(all);
    return 0;
}

static int run_check(int json)
{
    static const struct {
        gn_egn_loss loss;
        int mlp;
    } cases[] = {{GN_EGN_SQUARED, 0}, {GN_EGN_SQUARED, 1}, {GN_EGN_BCE, 0},
                 {GN_EGN_BCE, 1},     {GN_EGN_SOFTMAX, 0}};
    int fails = 0;
    if (!json)
        printf("%-8s %-6s %-3s %-3s %-3s  %-12s %-12s %s\n", "loss", "model", "ls", "ad", "mo",
               "initial", "final", "verdict");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        dataset D = {0};
        if (load_data(&D, NULL, NULL, NULL, cases[k].loss, !cases[k].mlp) != 0)
            return GN_EXIT_USAGE;
        for (int m = 0; m < 8; m++) {
            train_opts to = {0};
            to.loss = cases[k].loss;
            to.mlp = cases[k].mlp;
            to.hidden[0] = 16;
            to.nhidden = 1;
            to.act = GN_ACT_TANH;
            to.batch = 32;
            to.epochs = 5;
            to.seed = 1;
            to.par = gn_egn_params_default();
            to.par.linesearch = (m >> 2) & 1;
            to.par.adaptive = (m >> 1) & 1;
            to.par.momentum = m & 1;
            train_result r;
            if (train(&r, &D, &to, NULL, 0) != 0) {
                dataset_free(&D);
                return GN_EXIT_USAGE;
            }
            int pass = r.status == GN_OK && r.Lend < r.L0;
            fails += !pass;
            if (json) {
                gn_io_jl j;
                gn_io_jl_begin(&j, stdout);
                gn_io_jl_str(&j, "kind", "check");
                gn_io_jl_str(&j, "loss", gn_egn_loss_name(to.loss));
                gn_io_jl_str(&j, "model", to.mlp ? "mlp" : "linear");
                gn_io_jl_bool(&j, "linesearch", to.par.linesearch);
                gn_io_jl_bool(&j, "adaptive", to.par.adaptive);
                gn_io_jl_bool(&j, "momentum", to.par.momentum);
                gn_io_jl_num(&j, "initial", r.L0);
                gn_io_jl_num(&j, "final", r.Lend);
                gn_io_jl_bool(&j, "pass", pass);
                gn_io_jl_end(&j);
            } else
                printf("%-8s %-6s %-3s %-3s %-3s  %-12.6g %-12.6g %s\n",
                       gn_egn_loss_name(to.loss), to.mlp ? "mlp" : "linear",
                       to.par.linesearch ? "on" : "off", to.par.adaptive ? "on" : "off",
                       to.par.momentum ? "on" : "off", r.L0, r.Lend,
                       pass ? "decreased" : "FAIL");
        }
        dataset_free(&D);
    }
    return fails ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* ---------------------------------------------------------- validate */

static int run_validate(const val_opts *o, int json)
{
    val_row rows[64];
    size_t n = val_dg(rows, 64, o);
    int fails = n == 0;
    if (!json)
        printf("%-30s %-10s %6s  %-10s %-10s %s\n", "quantity", "measure", "n", "max", "bound",
               "verdict");
    for (size_t i = 0; i < n; i++) {
        val_row *r = &rows[i];
        fails += !r->pass;
        if (json)
            val_row_json(stdout, r);
        else {
            printf("%-30s %-10s %6zu  %-10.3g %-10.3g %s\n", r->quantity, r->measure,
                   r->instances, r->max_err, r->bound, val_row_verdict(r));
            if (!r->pass || r->informational)
                printf("    %s\n", r->worst);
        }
    }
    return fails ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* ------------------------------------------------------------- bench */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
    const gn_dg_batch *B;
    gn_dg_ws *ws;
    double *dir;
    gn_dg_route route;
    double *K, *z;  /* floor buffers */
    size_t *perm;
} bctx;

typedef int (*bfn)(bctx *c);

static int k_dg(bctx *c) { return gn_dg_dir(c->dir, c->ws, c->B, c->route) != GN_OK; }

/* the BLAS/LAPACK calls the push route with Cholesky consists of, alone: dsyrk, the
 * diagonal update that makes the matrix SPD (O(n)), Cholesky, the triangular solves, gemv */
static int k_floor(bctx *c)
{
    const gn_dg_batch *B = c->B;
    size_t n = B->b * B->c, d = B->d;
    double invb = 1.0 / (double)B->b;
    gsl_matrix_view Kv = gsl_matrix_view_array(c->K, n, n);
    gsl_matrix_const_view Jv = gsl_matrix_const_view_array(B->J, n, d);
    gsl_vector_view zv = gsl_vector_view_array(c->z, n);
    gsl_vector_view dv = gsl_vector_view_array(c->dir, d);
    gsl_blas_dsyrk(CblasLower, CblasNoTrans, invb, &Jv.matrix, 0.0, &Kv.matrix);
    for (size_t i = 0; i < n; i++) {
        c->K[i * n + i] += B->lambda / B->q[i];
        c->z[i] = B->r[i] / B->q[i];
    }
    int st = gsl_linalg_cholesky_decomp1(&Kv.matrix);
    st |= gsl_linalg_cholesky_svx(&Kv.matrix, &zv.vector);
    gsl_blas_dgemv(CblasTrans, -invb, &Jv.matrix, &zv.vector, 0.0, &dv.vector);
    return st;
}

static int k_explicit(bctx *c) { return gn_ref_dg_explicit(c->dir, c->B) != GN_OK; }

/* seconds per call of each kernel: calibrated to min_time per repetition, kernels
 * interleaved in rotating order over reps repetitions; medians, and the median of the
 * per-repetition ratios against kernel 0 in ratio[] */
static int time_kernels(double *sec, double *ratio, bfn *f, bctx *c, size_t nk, size_t reps,
                        double min_time)
{
    size_t calls[4];
    double t[4][16], rr[4][16];
    for (size_t k = 0; k < nk; k++) {
        size_t m = 1;
        for (;;) {
            double t0 = gn_io_now();
            for (size_t i = 0; i < m; i++)
                if (f[k](&c[k]))
                    return -1;
            double dt = gn_io_now() - t0;
            if (dt >= min_time || m >= ((size_t)1 << 30))
                break;
            m = dt > 0 ? (size_t)(m * fmin(100.0, 1.2 * min_time / dt)) + 1 : m * 10;
        }
        calls[k] = m;
    }
    for (size_t r = 0; r < reps; r++)
        for (size_t s = 0; s < nk; s++) {
            size_t k = (r + s) % nk;
            double t0 = gn_io_now();
            for (size_t i = 0; i < calls[k]; i++)
                if (f[k](&c[k]))
                    return -1;
            t[k][r] = (gn_io_now() - t0) / (double)calls[k];
        }
    for (size_t k = 0; k < nk; k++) {
        for (size_t r = 0; r < reps; r++)
            rr[k][r] = t[k][r] / t[0][r];
        ratio[k] = median(rr[k], reps);
        sec[k] = median(t[k], reps);
    }
    return 0;
}

static void fill_batch(double *J, double *r, double *q, size_t n, size_t d, uint64_t seed)
{
    gn_rng g;
    gn_rng_seed(&g, seed, 0);
    for (size_t i = 0; i < n * d; i++)
        J[i] = gn_rng_normal(&g);
    for (size_t i = 0; i < n; i++) {
        r[i] = gn_rng_normal(&g);
        q[i] = 0.1 + gn_rng_uniform(&g);
    }
}

static void bench_row(int json, const char *what, size_t d, size_t b, const char *k0,
                      double t0, const char *k1, double t1, double ratio, const char *target,
                      int pass)
{
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", what);
        gn_io_jl_int(&j, "d", (long long)d);
        gn_io_jl_int(&j, "b", (long long)b);
        gn_io_jl_str(&j, "a", k0);
        gn_io_jl_num(&j, "a_seconds", t0);
        gn_io_jl_str(&j, "b_kernel", k1);
        gn_io_jl_num(&j, "b_seconds", t1);
        gn_io_jl_num(&j, "ratio", ratio);
        gn_io_jl_str(&j, "target", target);
        gn_io_jl_bool(&j, "pass", pass);
        gn_io_jl_end(&j);
    } else
        printf("%-9s %7zu %4zu  %-9s %10.3e s  %-9s %10.3e s  %8.3f  %-8s %s\n", what, d, b, k0,
               t0, k1, t1, ratio, target, pass ? "pass" : "FAIL");
}

/* one bench batch: J (b x d), r, q filled from seed, the direction and the floor's buffers */
typedef struct {
    gn_dg_batch B;
    double *J, *r, *q, *dir, *K, *z;
} bbatch;

static void bbatch_free(bbatch *x)
{
    free(x->J);
    free(x->r);
    free(x->q);
    free(x->dir);
    free(x->K);
    free(x->z);
    memset(x, 0, sizeof *x);
}

/* 0, or -1 on no memory (x freed); floor: also the buffers of k_floor */
static int bbatch_alloc(bbatch *x, size_t b, size_t d, int floor_bufs, uint64_t seed)
{
    memset(x, 0, sizeof *x);
    x->J = malloc(b * d * sizeof(double));
    x->r = malloc(b * sizeof(double));
    x->q = malloc(b * sizeof(double));
    x->dir = malloc(d * sizeof(double));
    if (floor_bufs) {
        x->K = malloc(b * b * sizeof(double));
        x->z = malloc(b * sizeof(double));
    }
    if (!x->J || !x->r || !x->q || !x->dir || (floor_bufs && (!x->K || !x->z))) {
        bbatch_free(x);
        return -1;
    }
    fill_batch(x->J, x->r, x->q, b, d, seed);
    x->B = (gn_dg_batch){b, 1, d, x->J, x->r, GN_Q_DIAG, x->q, 0.0, 0.1};
    return 0;
}

/* auto against the other route (push or primal) on x: 1 when auto is not slower by more
 * than 10% (paired ratios: robust to a shared machine), 0 when it is, -1 on no memory */
static int bench_auto_other(bbatch *x, gn_dg_ws *wa, gn_dg_route other, size_t reps,
                            double mt, int json)
{
    size_t b = x->B.b, d = x->B.d;
    gn_dg_ws *wo = gn_dg_ws_alloc(b, d, other);
    if (!wo)
        return -1;
    bctx c3[2] = {{&x->B, wa, x->dir, GN_DG_AUTO, x->K, x->z, NULL},
                  {&x->B, wo, x->dir, other, x->K, x->z, NULL}};
    bfn f3[2] = {k_dg, k_dg};
    double sec[2], ratio[2];
    int pass = 1;
    if (time_kernels(sec, ratio, f3, c3, 2, reps, mt) == 0) {
        pass = ratio[1] >= 1.0 / 1.1;
        bench_row(json, "auto/other", d, b, "auto", sec[0], other == GN_DG_PUSH ? "push" : "primal",
                  sec[1], ratio[1], ">=1/1.1", pass);
    }
    gn_dg_ws_free(wo);
    return pass;
}

/* the grid point (d, b): dg against the floor, and for d <= 4000 against the explicit solve
 * and the primal route. Returns the failures, or -1 with the status in *st */
static int bench_grid_point(size_t d, size_t b, uint64_t seed, int quick, size_t reps,
                            double mt, int json, int *st)
{
    bbatch x;
    gn_dg_ws *ws = gn_dg_ws_alloc(b, d, GN_DG_AUTO);
    if (!ws || bbatch_alloc(&x, b, d, 1, seed) < 0) {
        gn_dg_ws_free(ws);
        fprintf(stderr, "gnlab egn: bench: out of memory at d=%zu b=%zu\n", d, b);
        *st = GN_EXIT_USAGE;
        return -1;
    }
    bctx c[2] = {{&x.B, ws, x.dir, GN_DG_AUTO, x.K, x.z, NULL},
                 {&x.B, ws, x.dir, GN_DG_AUTO, x.K, x.z, NULL}};
    bfn f[2] = {k_floor, k_dg};
    double sec[2], ratio[2];
    int fails = 0;
    if (time_kernels(sec, ratio, f, c, 2, reps, mt) != 0) {
        fprintf(stderr, "gnlab egn: bench: a solve failed at d=%zu b=%zu\n", d, b);
        *st = GN_EXIT_FAIL;
        fails = -1;
    } else {
        int pass = ratio[1] <= 1.3;
        fails += !pass;
        bench_row(json, "dg/floor", d, b, "floor", sec[0], "dg", sec[1], ratio[1], "<=1.3", pass);
    }
    if (fails >= 0 && d <= 4000) {
        bfn f2[2] = {k_dg, k_explicit};
        if (time_kernels(sec, ratio, f2, c, 2, quick ? 3 : 5, mt) == 0)
            bench_row(json, "explicit", d, b, "dg", sec[0], "explicit", sec[1], ratio[1], "info", 1);
        fails += bench_auto_other(&x, ws, GN_DG_PRIMAL, quick ? 3 : 5, mt, json) == 0;
    }
    gn_dg_ws_free(ws);
    bbatch_free(&x);
    return fails;
}

/* the headline: d = 4000, b = 32 against the explicit d x d solve; failures or -1 */
static int bench_headline(double mt, int json)
{
    size_t d = 4000, b = 32;
    bbatch x;
    gn_dg_ws *ws = gn_dg_ws_alloc(b, d, GN_DG_AUTO);
    if (!ws || bbatch_alloc(&x, b, d, 0, 4000u) < 0) {
        gn_dg_ws_free(ws);
        return -1;
    }
    bctx c[2] = {{&x.B, ws, x.dir, GN_DG_AUTO, NULL, NULL, NULL},
                 {&x.B, ws, x.dir, GN_DG_AUTO, NULL, NULL, NULL}};
    bfn f[2] = {k_dg, k_explicit};
    double sec[2], ratio[2];
    int fails = 0;
    if (time_kernels(sec, ratio, f, c, 2, 3, mt) == 0) {
        int p = ratio[1] >= 100.0;
        fails += !p;
        bench_row(json, "explicit", d, b, "dg", sec[0], "explicit", sec[1], ratio[1], ">=100", p);
    }
    gn_dg_ws_free(ws);
    bbatch_free(&x);
    return fails;
}

/* memory of one EGN step against the Jacobian's b c d doubles (informational) */
static void bench_memory(int quick, int json)
{
    size_t nin = quick ? 10000 : 100000, b = 64;
    gn_egn *e = gn_egn_alloc(gn_egn_model_linear(nin), GN_EGN_SQUARED, b, NULL);
    if (!e)
        return;
    double jb = (double)(b * nin) * sizeof(double);
    double ratio = (double)gn_egn_bytes(e) / jb;
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", "egn_memory");
        gn_io_jl_int(&j, "d", (long long)nin);
        gn_io_jl_int(&j, "b", (long long)b);
        gn_io_jl_num(&j, "state_bytes", (double)gn_egn_bytes(e));
        gn_io_jl_num(&j, "jacobian_bytes", jb);
        gn_io_jl_num(&j, "ratio", ratio);
        gn_io_jl_end(&j);
    } else
        printf("egn memory: d=%zu b=%zu c=1: state %zu bytes = %.4f x the Jacobian's "
               "b c d doubles (a step allocates nothing more in libgnlab)\n",
               nin, b, gn_egn_bytes(e), ratio);
    gn_egn_free(e);
}

static int run_bench(int quick, int json)
{
    size_t ds[3] = {1000, 10000, 100000}, bs[4] = {1, 8, 64, 256};
    size_t nd = quick ? 2 : 3;
    double mt = quick ? 0.01 : 0.05;
    size_t reps = quick ? 5 : 9;
    int fails = 0, st = GN_EXIT_PASS;
    if (!json)
        printf("DG bench (c = 1, diagonal Q > 0, lambda = 0.1, OPENBLAS_NUM_THREADS=%s): "
               "times are medians of %zu interleaved repetitions;\nb/a is the median of the "
               "per-repetition ratios. floor = dsyrk + Cholesky + solves + dgemv alone.\n"
               "%-9s %7s %4s  %-9s %12s  %-9s %12s  %8s  %-8s %s\n",
               getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "unset", reps,
               "what", "d", "b", "a", "time a", "b", "time b", "b/a", "target", "verdict");
    for (size_t id = 0; id < nd; id++)
        for (size_t ib = 0; ib < 4; ib++) {
            int f = bench_grid_point(ds[id], bs[ib], 11u + id * 7u + ib, quick, reps, mt, json,
                                     &st);
            if (f < 0)
                return st;
            fails += f;
        }
    /* around the crossover bc = d, where the two routes cost alike */
    size_t xd = 200, xb[5] = {100, 190, 200, 210, 400};
    for (size_t k = 0; k < 5; k++) {
        size_t d = xd, b = xb[k];
        bbatch x;
        gn_dg_ws *wa = gn_dg_ws_alloc(b, d, GN_DG_AUTO);
        if (!wa || bbatch_alloc(&x, b, d, 0, 101u + k) < 0) {
            gn_dg_ws_free(wa);
            return GN_EXIT_USAGE;
        }
        int p = bench_auto_other(&x, wa, b > d ? GN_DG_PUSH : GN_DG_PRIMAL, reps, mt, json);
        gn_dg_ws_free(wa);
        bbatch_free(&x);
        if (p < 0)
            return GN_EXIT_USAGE;
        fails += !p;
    }
    int h = bench_headline(mt, json);
    if (h < 0)
        return GN_EXIT_USAGE;
    fails += h;
    bench_memory(quick, json);
    return fails ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* --------------------------------------------------------------- main */

typedef struct {
    const char *data, *target, *features, *inject, *example_out;
    int json, do_validate, do_bench, do_check, quick;
    train_opts to;
    val_opts vo;
} args;

#define ARGS_OK (-1)

/* a switch without a value: 1 when a is one */
static int parse_flag(args *A, const char *a)
{
    if (!strcmp(a, "--json"))
        A->json = 1;
    else if (!strcmp(a, "--validate"))
        A->do_validate = 1;
    else if (!strcmp(a, "--bench"))
        A->do_bench = 1;
    else if (!strcmp(a, "--quick"))
        A->quick = 1;
    else if (!strcmp(a, "--check"))
        A->do_check = 1;
    else if (!strcmp(a, "--no-linesearch"))
        A->to.par.linesearch = 0;
    else if (!strcmp(a, "--no-adaptive"))
        A->to.par.adaptive = 0;
    else if (!strcmp(a, "--no-momentum"))
        A->to.par.momentum = 0;
    else
        return 0;
    return 1;
}

/* the options that take a value */
static const char *const value_opts[] = {
    "--data", "--write-example", "--target", "--features", "--inject", "--loss",
    "--model", "--act", "--hidden", "--batch", "--epochs", "--seed", "--lambda", "--mu",
    "--prec", "--scale", NULL};

static int is_value_opt(const char *a)
{
    for (const char *const *o = value_opts; *o; o++)
        if (!strcmp(a, *o))
            return 1;
    return 0;
}

/* an option with the value v (NULL when the command line ends): ARGS_OK, or the exit
 * status after a message */
static int parse_value(args *A, const char *a, const char *v)
{
    train_opts *to = &A->to;
    if (!is_value_opt(a))
        return cli_usage(CMD, "unknown option '%s'", a);
    if (!v)
        return cli_usage(CMD, "%s needs a value", a);
    if (!strcmp(a, "--data")) {
        A->data = v;
    } else if (!strcmp(a, "--write-example")) {
        A->example_out = v;
    } else if (!strcmp(a, "--target")) {
        A->target = v;
    } else if (!strcmp(a, "--features")) {
        A->features = v;
    } else if (!strcmp(a, "--inject")) {
        A->inject = v;
    } else if (!strcmp(a, "--loss")) {
        if (gn_egn_loss_parse(&to->loss, v) != GN_OK)
            return cli_usage(CMD, "--loss: unknown loss '%s' (squared, bce, softmax)", v);
    } else if (!strcmp(a, "--model")) {
        if (!strcmp(v, "linear"))
            to->mlp = 0;
        else if (!strcmp(v, "mlp"))
            to->mlp = 1;
        else
            return cli_usage(CMD, "--model: unknown model '%s' (linear, mlp)", v);
    } else if (!strcmp(a, "--act")) {
        if (gn_act_parse(&to->act, v) != GN_OK)
            return cli_usage(CMD, "--act: unknown activation '%s'", v);
    } else if (!strcmp(a, "--hidden")) {
        int k = cli_sizes(to->hidden, 8, CMD, "--hidden", v);
        if (k < 0)
            return GN_EXIT_USAGE;
        for (int q = 0; q < k; q++)
            if (to->hidden[q] > MAX_WIDTH)
                return cli_usage(CMD, "--hidden: %zu is above the maximum %d", to->hidden[q],
                                 MAX_WIDTH);
        to->nhidden = (size_t)k;
    } else if (!strcmp(a, "--batch")) {
        if (cli_size(&to->batch, CMD, a, v, 1, 4096) < 0)
            return GN_EXIT_USAGE;
    } else if (!strcmp(a, "--epochs")) {
        if (cli_size(&to->epochs, CMD, a, v, 0, 1000000) < 0)
            return GN_EXIT_USAGE;
    } else if (!strcmp(a, "--seed")) {
        if (cli_u64(&to->seed, CMD, a, v) < 0)
            return GN_EXIT_USAGE;
        A->vo.seed = to->seed;
    } else if (!strcmp(a, "--lambda")) {
        if (cli_double(&to->par.lambda0, CMD, a, v, 1e-300, 1e300) < 0)
            return GN_EXIT_USAGE;
    } else if (!strcmp(a, "--mu")) {
        if (cli_double(&to->par.mu, CMD, a, v, 0.0, 1e300) < 0)
            return GN_EXIT_USAGE;
    } else if (!strcmp(a, "--prec")) {
        size_t p;
        if (cli_size(&p, CMD, a, v, 64, 100000) < 0)
            return GN_EXIT_USAGE;
        A->vo.prec = (unsigned)p;
    } else if (!strcmp(a, "--scale")) {
        if (cli_double(&A->vo.scale, CMD, a, v, 0.001, 1e6) < 0)
            return GN_EXIT_USAGE;
    }
    return ARGS_OK;
}

/* the command line into A with its defaults; ARGS_OK, or the exit status to return */
static int parse_args(args *A, int argc, char **argv)
{
    memset(A, 0, sizeof *A);
    train_opts *to = &A->to;
    to->loss = GN_EGN_SQUARED;
    to->hidden[0] = 16;
    to->nhidden = 1;
    to->act = GN_ACT_TANH;
    to->batch = 32;
    to->epochs = 20;
    to->seed = cli_seed(1);
    to->par = gn_egn_params_default();
    A->vo = (val_opts){cli_seed(20261122u), cli_scale(), 256, NULL, 1, NULL, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return GN_EXIT_PASS;
        }
        if (parse_flag(A, a))
            continue;
        int rc = parse_value(A, a, i + 1 < argc ? argv[i + 1] : NULL);
        if (rc != ARGS_OK)
            return rc;
        i++;
    }
    return ARGS_OK;
}

/* training on --data (or the example): the exit status */
static int run_train(const args *A)
{
    const train_opts *to = &A->to;
    if (to->mlp && to->loss == GN_EGN_SOFTMAX)
        return cli_usage(CMD, "--model mlp has one output: use squared or bce with it");
    if (to->mlp && to->nhidden == 0)
        return cli_usage(CMD, "--hidden needs at least one width");
    dataset D = {0};
    int rc = load_data(&D, A->data, A->target, A->features, to->loss, !to->mlp);
    if (rc != 0)
        return rc;
    train_result res;
    rc = train(&res, &D, to, stdout, A->json);
    dataset_free(&D);
    if (rc != 0)
        return rc;
    if (res.status != GN_OK) {
        fprintf(stderr, "gnlab egn: training stopped: %s\n", gn_strerror((gn_status)res.status));
        return GN_EXIT_FAIL;
    }
    return res.Lend < res.L0 ? GN_EXIT_PASS : GN_EXIT_FAIL;
}

CLI_COMMAND(egn, "EGN mini-batch Gauss-Newton (DG solve): train, --validate, --bench, --check")
{
    args A;
    int rc = parse_args(&A, argc, argv);
    if (rc != ARGS_OK)
        return rc;
    if (A.example_out) {
        if (write_example(A.example_out) != 0) {
            fprintf(stderr, "gnlab egn: cannot write '%s'\n", A.example_out);
            return GN_EXIT_USAGE;
        }
        return GN_EXIT_PASS;
    }
    if (A.inject && !A.do_validate)
        return cli_usage(CMD, "--inject needs --validate");
    if (A.do_validate) {
        A.vo.inject = A.inject;
        return run_validate(&A.vo, A.json);
    }
    if (A.do_bench)
        return run_bench(A.quick, A.json);
    if (A.do_check)
        return run_check(A.json);
    return run_train(&A);
}
