/* cmd_fit.c: gnlab fit, nonlinear least squares on a model expression, certified
 * against the NIST StRD nonlinear regression problems. The certification itself (both
 * routes, LREs, verdicts) is validate/val_nist.c; this file parses argv and prints. */
#include "cli.h"
#include "gn.h"
#include "gn_io.h"
#include "gn_mp_fit.h"
#include "gn_ref_fit.h"
#include "val_mgh.h"
#include "val_nist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME "fit"

typedef struct {
    gn_fit_solver solver;
    mpfr_prec_t prec;
    int json, mp;
    const char *plot;
    const char *wcol; /* --weights / --sigma column */
    int sigma;
    /* issue 14: the iteration controls of a CSV fit (0: not given, the defaults) and the
     * fitted values' CSV */
    size_t max_iter;
    int set_xtol, set_gtol;
    double xtol, gtol;
    const char *out;
} opts;

static void help(void)
{
    printf("Usage: gnlab fit --model EXPR --data FILE.csv --start LIST [options]\n"
           "  or:  gnlab fit --residuals 'e1; e2; ...' | @FILE --start LIST [options]\n"
           "  or:  gnlab fit --nist FILE.dat | --nist-all DIR [options]\n"
           "  or:  gnlab fit --mgh FILE.mgh | --mgh-all DIR [options]\n"
           "  or:  gnlab fit --bench DIR (gnlab beside GSL's gsl_multifit_nlinear)\n\n"
           "Levenberg-Marquardt (gain-ratio damping of gn_lm.h) on a model expression with exact\n"
           "derivatives, in double and as an MPFR reference.\n\n"
           "  --model EXPR     model: + - * / ** ^, unary minus, ( ) [ ], pi, the functions\n"
           "                   exp log log10 sqrt sin cos tan atan arctan atan2 tanh erf abs pow;\n"
           "                   variables: the CSV columns other than the response (and weights);\n"
           "                   every other name is a parameter (b1..bk, a, k, x_0, ...)\n"
           "  --data FILE.csv  columns with a header line; the response is the column 'y'\n"
           "  --y NAME         the response column (default y)\n"
           "  --weights COL    weighted least squares: minimise sum w_i (y_i - f_i)^2\n"
           "  --sigma COL      the same with w_i = 1/sigma_i^2 (standard deviations)\n"
           "  --start LIST     starting values: by name (a=1,k=0.5) or in parameter order\n"
           "                   (1,0.5; order of first appearance, b1..bk / x1..xn by number)\n"
           "  --residuals R    residual mode: minimise sum e_i^2 over 'e1; e2; ...' (no data),\n"
           "                   or @FILE with one residual per line ('#' comments)\n"
           "  --nist FILE.dat  a NIST StRD file: fit from each of its starts, report the LRE\n"
           "                   (correct significant digits, capped at the certified digits)\n"
           "  --nist-all DIR   every *.dat file in DIR: the LRE table with PASS/MISS per target\n"
           "                   (double >= %.0f digits, MPFR >= %.0f, double average >= %.1f)\n"
           "  --mgh FILE.mgh   a More-Garbow-Hillstrom problem (validate/data/mgh): is its\n"
           "                   published minimum reached from its standard start?\n"
           "  --mgh-all DIR    every *.mgh file in DIR\n"
           "  --solver S       lm (normal equations), qr (QR of [J; sqrt(lambda) D], J^T J never\n"
           "                   formed) or auto (lm while well conditioned); default qr\n"
           "  --prec BITS      MPFR precision of the reference (default 256)\n"
           "  --no-mp          skip the MPFR reference (--nist, --nist-all, --mgh, --mgh-all)\n"
           "  --mp             run the MPFR reference on CSV data and residuals too\n"
           "  --plot FILE.svg  data and fit, residuals against fitted values (gnuplot)\n"
           "  --json           JSON Lines\n"
           "  --max-iter N     CSV fits: trial steps allowed (default 2000; evaluations 3N)\n"
           "  --xtol X         CSV fits: a step changing no parameter by more than X relative\n"
           "                   ends the fit (0 <= X < 1, default 2^-51)\n"
           "  --gtol X         CSV fits: a scaled gradient max |J_p^T r| / (|J_p| |r|) <= X\n"
           "                   ends the fit (0 <= X < 1, default 0: off)\n"
           "  --out FILE.csv   CSV fits: the rows with fitted value and residual\n\n"
           "A CSV fit reports standard errors, 95%% confidence intervals (Student t), the\n"
           "correlation matrix and the residual SD, or 'undetermined' where J is rank\n"
           "deficient or n <= k, and classifies the end point: minimum,\n"
           "stationary-rank-deficient (naming the combination of parameters J cannot see),\n"
           "stuck or iteration-limit.\n\n"
           "exit 0 when every fit ends at a minimum and every target is met, 1 otherwise, 2 on\n"
           "bad input or output\n",
           VAL_NIST_TARGET_DOUBLE, VAL_NIST_TARGET_MP, VAL_NIST_TARGET_CERES_AVG);
}

/* ---------------------------------------------------------------- plotting */

/* the data for gnuplot: index 0 one row per observation "fitted response residual [x]"
 * (residual = sqrt(w_i) (g(y_i) - f_i), the weighted residual the fit minimises; x only with
 * one predictor), index 1 the fitted curve over x (one predictor only) */
static int plot_data(const char *path, const gn_fit_problem *p, const double *b)
{
    FILE *f = fopen(path, "w");
    double *xv = malloc((p->nx + 1) * sizeof(double));
    if (!f || !xv) {
        free(xv);
        if (f)
            fclose(f);
        return -1;
    }
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t c = 0; c < p->nx; c++)
            xv[c] = p->x[c * p->n + i];
        double fx, g = p->y[i], sw = p->w ? sqrt(p->w[i]) : 1.0;
        if (p->resp)
            gn_expr_eval(p->resp, &g, NULL, NULL, &p->y[i]);
        gn_expr_eval(p->model, &fx, NULL, b, xv);
        fprintf(f, "%.17g %.17g %.17g", fx, g, sw * (g - fx));
        if (p->nx == 1) {
            fprintf(f, " %.17g", xv[0]);
            xmin = xv[0] < xmin ? xv[0] : xmin;
            xmax = xv[0] > xmax ? xv[0] : xmax;
        }
        fputc('\n', f);
    }
    fprintf(f, "\n\n");
    for (int i = 0; p->nx == 1 && i <= 400; i++) {
        double x = xmin + (xmax - xmin) * i / 400.0, fx;
        if (gn_expr_eval(p->model, &fx, NULL, b, &x) == GN_OK)
            fprintf(f, "%.17g %.17g\n", x, fx);
    }
    free(xv);
    return gn_io_close_checked(f, "fit", path) == 0 ? 0 : -1;
}

/* the gnuplot script; every user string (output path, title, data path, column name) enters
 * it through gn_io_gnuplot_str, so none can end a literal or start a command. Top panel:
 * data and fitted curve against x (one predictor) or response against fitted value (any
 * number); bottom panel: residual against fitted value. */
static int plot_script(const char *path, const char *out, const char *title, const char *dpath,
                       const char *xname, int weighted)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("set terminal svg size 800,700\nset output ", f);
    gn_io_gnuplot_str(f, out);
    fputs("\nset multiplot layout 2,1 title ", f);
    gn_io_gnuplot_str(f, title);
    fputs("\nset ylabel 'response'\nset xlabel ", f);
    if (xname) {
        gn_io_gnuplot_str(f, xname);
        fputs("\nplot ", f);
        gn_io_gnuplot_str(f, dpath);
        fputs(" index 0 using 4:2 with points pt 7 ps 0.5 title 'data', '' index 1 using 1:2 "
              "with lines lw 2 title 'fit'\n", f);
    } else {
        fputs("'fitted value'\nplot ", f);
        gn_io_gnuplot_str(f, dpath);
        fputs(" index 0 using 1:2 with points pt 7 ps 0.5 title 'data', x with lines "
              "title 'response = fitted'\n", f);
    }
    fprintf(f, "set ylabel '%s'\nset xlabel 'fitted value'\nplot ",
            weighted ? "weighted residual" : "residual");
    gn_io_gnuplot_str(f, dpath);
    fputs(" index 0 using 1:3 with points pt 7 ps 0.5 title 'residuals', 0 notitle\n"
          "unset multiplot\n", f);
    return gn_io_close_checked(f, "fit", path) == 0 ? 0 : -1;
}

/* data, fit and residuals against the fitted values into out (SVG) by gnuplot, run without
 * a shell on a script in a private temporary directory; xname is the one predictor's name
 * (NULL: several). -2 in residual mode (no data: message printed), -1 when the plot could
 * not be made */
static int plot_fit(const char *out, const gn_fit_problem *p, const double *b, const char *title,
                    const char *xname)
{
    if (p->model->list) {
        fprintf(stderr, "gnlab fit: --plot needs data (--data): residual mode has no fitted "
                        "values\n");
        return -2;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096], dpath[4200], spath[4200];
    snprintf(dir, sizeof dir, "%s/gnlab-fit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    snprintf(dpath, sizeof dpath, "%s/data.txt", dir);
    snprintf(spath, sizeof spath, "%s/plot.gp", dir);
    int rc = -1;
    if (plot_data(dpath, p, b) == 0 &&
        plot_script(spath, out, title, dpath, p->nx == 1 ? xname : NULL, p->w != NULL) == 0) {
        const char *argv[] = {"gnuplot", spath, NULL};
        rc = gn_io_run(NULL, argv, NULL) == 0 ? 0 : -1;
    }
    unlink(dpath);
    unlink(spath);
    rmdir(dir);
    return rc;
}

static void print_report(FILE *f, const char *who, const gn_fit_report *r, double secs)
{
    fprintf(f,
            "  %-6s iterations %zu (accepted %zu, lm %zu, qr %zu, refinement %zu), evaluations "
            "%zu + %zu Jacobians, |J^T r| %.3e, GN correction %.1e, stop: %s%s, %.3f s\n",
            who, r->iters, r->accepted, r->steps_normal, r->steps_qr, r->polish, r->nfev, r->njev,
            r->gnorm, r->gn_rel, gn_fit_stop_name(r->stop),
            gn_fit_stop_converged(r->stop) ? "" : " (NOT CONVERGED)", secs);
}

static void json_report(gn_io_jl *j, const char *pfx, const gn_fit_report *r, double secs)
{
    char k[64];
#define K(s) (snprintf(k, sizeof k, "%s_%s", pfx, s), k)
    gn_io_jl_int(j, K("iterations"), (long long)r->iters);
    gn_io_jl_int(j, K("accepted"), (long long)r->accepted);
    gn_io_jl_int(j, K("fev"), (long long)r->nfev);
    gn_io_jl_int(j, K("jev"), (long long)r->njev);
    gn_io_jl_int(j, K("steps_lm"), (long long)r->steps_normal);
    gn_io_jl_int(j, K("steps_qr"), (long long)r->steps_qr);
    gn_io_jl_int(j, K("refinement"), (long long)r->polish);
    gn_io_jl_num(j, K("gnorm"), r->gnorm);
    gn_io_jl_num(j, K("gn_rel"), r->gn_rel);
    gn_io_jl_num(j, K("rss"), r->rss);
    gn_io_jl_str(j, K("stop"), gn_fit_stop_name(r->stop));
    gn_io_jl_bool(j, K("converged"), gn_fit_stop_converged(r->stop));
    gn_io_jl_num(j, K("seconds"), secs);
#undef K
}

/* -------------------------------------------------------- one NIST problem */

static void nist_one_json(const gn_io_nist *p, size_t st, const val_nist_double *d,
                          const val_nist_mp *m, const opts *o, int pass)
{
    for (size_t q = 0; q < p->k; q++) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "problem", p->name);
        gn_io_jl_int(&j, "start", (long long)st + 1);
        char pn[32];
        snprintf(pn, sizeof pn, "b%zu", q + 1);
        gn_io_jl_str(&j, "param", pn);
        gn_io_jl_str(&j, "certified", p->cert_str[q]);
        gn_io_jl_int(&j, "digits", p->cert_digits[q]);
        gn_io_jl_num(&j, "double", d->b[q]);
        gn_io_jl_num(&j, "lre_double", d->lre[q]);
        gn_io_jl_str(&j, "sd_certified", p->cert_sd_str[q]);
        gn_io_jl_num(&j, "se_double", d->se[q]);
        gn_io_jl_num(&j, "lre_se_double", d->se_lre[q]);
        if (o->mp) {
            gn_io_jl_str(&j, "mpfr", m->str[q]);
            gn_io_jl_num(&j, "lre_mpfr", m->lre[q]);
            gn_io_jl_num(&j, "se_mpfr", m->se[q]);
            gn_io_jl_num(&j, "lre_se_mpfr", m->se_lre[q]);
        }
        gn_io_jl_end(&j);
    }
    gn_io_jl j;
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "problem", p->name);
    gn_io_jl_int(&j, "start", (long long)st + 1);
    gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
    gn_io_jl_str(&j, "rss_certified", p->rss_str);
    gn_io_jl_num(&j, "lre_min_double", d->lre_min);
    gn_io_jl_num(&j, "lre_rss_double", d->lre_rss);
    gn_io_jl_str(&j, "rsd_certified", p->rsd_str ? p->rsd_str : "");
    gn_io_jl_num(&j, "rsd_double", d->stats.sigma);
    gn_io_jl_num(&j, "lre_rsd_double", d->rsd_lre);
    gn_io_jl_num(&j, "cond_J", d->stats.cond);
    gn_io_jl_num(&j, "sd_rounding_bound", d->stats.sigma_err);
    gn_io_jl_str(&j, "end_point", gn_fit_end_name(gn_fit_classify(&d->rep, d->ok ? &d->stats : NULL)));
    json_report(&j, "double", &d->rep, d->secs);
    if (o->mp) {
        gn_io_jl_int(&j, "prec", (long long)o->prec);
        gn_io_jl_num(&j, "lre_min_mpfr", m->lre_min);
        gn_io_jl_num(&j, "lre_rss_mpfr", m->lre_rss);
        gn_io_jl_num(&j, "rsd_mpfr", m->stats.sigma);
        gn_io_jl_num(&j, "lre_rsd_mpfr", m->rsd_lre);
        json_report(&j, "mpfr", &m->rep, m->secs);
    }
    gn_io_jl_bool(&j, "pass", pass);
    gn_io_jl_end(&j);
}

/* a standard error or "undetermined" */
static void print_se(const char *fmt, double v)
{
    if (isfinite(v))
        printf(fmt, v);
    else
        printf(fmt[2] == '2' ? "  %-28s" : " %-24s", "undetermined");
}

/* the certified standard deviations against the estimated ones (issue 14) */
static void nist_sd_rows(const gn_io_nist *p, const val_nist_double *d, const val_nist_mp *m,
                         const opts *o)
{
    for (size_t q = 0; q < p->k; q++) {
        char nm[32];
        snprintf(nm, sizeof nm, "sd%zu", q + 1);
        printf("  %-4s %-20s", nm, p->cert_sd_str[q]);
        print_se(" %-24.17g", d->se[q]);
        printf(" %5.1f", d->se_lre[q]);
        if (o->mp) {
            print_se("  %-28.17g", m->se[q]);
            printf(" %5.1f", m->se_lre[q]);
        }
        printf("\n");
    }
    printf("  %-4s %-20s", "s", p->rsd_str ? p->rsd_str : "-");
    print_se(" %-24.17g", d->stats.sigma);
    printf(" %5.1f", d->rsd_lre);
    if (o->mp) {
        print_se("  %-28.17g", m->stats.sigma);
        printf(" %5.1f", m->rsd_lre);
    }
    printf("   (residual SD, %zu degrees of freedom; cond(J) %.3g; rounding bound %.1g)\n",
           d->stats.dof, d->stats.cond, d->stats.sigma_err);
}

static void nist_one_table(const gn_io_nist *p, size_t st, const val_nist_double *d,
                           const val_nist_mp *m, const opts *o, int dpass, int mpass)
{
    printf("\n start %zu: (", st + 1);
    for (size_t q = 0; q < p->k; q++)
        printf("%s%.17g", q ? ", " : "", p->start[st * p->k + q]);
    printf(")\n  %-4s %-20s %-24s %5s", "", "certified", "double", "LRE");
    if (o->mp)
        printf("  %-28s %5s", "MPFR", "LRE");
    printf("\n");
    for (size_t q = 0; q < p->k; q++) {
        printf("  b%-3zu %-20s %-24.17g %5.1f", q + 1, p->cert_str[q], d->b[q], d->lre[q]);
        if (o->mp)
            printf("  %-28s %5.1f", m->str[q], m->lre[q]);
        printf("\n");
    }
    printf("  %-4s %-20s %-24.17g %5.1f", "RSS", p->rss_str, d->rep.rss, d->lre_rss);
    if (o->mp)
        printf("  %-28.17g %5.1f", m->rep.rss, m->lre_rss);
    printf("\n");
    nist_sd_rows(p, d, m, o);
    print_report(stdout, gn_fit_solver_name(o->solver), &d->rep, d->secs);
    if (o->mp)
        print_report(stdout, "mpfr", &m->rep, m->secs);
    printf("  targets: double min LRE %.1f >= %.0f, SD %.1f >= %.0f %s", d->lre_min,
           VAL_NIST_TARGET_DOUBLE, fmin(d->se_lre_min, d->rsd_lre), VAL_NIST_TARGET_SD_DOUBLE,
           dpass ? "PASS" : "MISS");
    if (o->mp)
        printf("; MPFR min LRE %.1f >= %.0f, SD %.1f >= %.0f %s", m->lre_min,
               VAL_NIST_TARGET_MP, fmin(m->se_lre_min, m->rsd_lre), VAL_NIST_TARGET_SD_MP,
               mpass ? "PASS" : "MISS");
    if (!dpass || (o->mp && !mpass))
        printf(" (cond(J) %.3g, residual rounding bound on s %.1g)", d->stats.cond,
               d->stats.sigma_err);
    printf("\n");
}

/* ------------------------------------------------------- a start that cannot be used */

/* Why a fit cannot start from b0: the first data row at which the model or its derivative
 * is not finite (bad = 1, value = f), or at which the running sum of squared residuals
 * overflows though every term is finite (bad = 2, value = the residual). 0 when neither. */
typedef struct {
    int bad;
    size_t row;
    double value;
} start_diag;

static int start_check(start_diag *d, const gn_fit_problem *fp, const double *b0)
{
    const size_t n = fp->n, nx = fp->nx, k = fp->model->nparams;
    const int list = fp->model->list;
    double *xv = malloc((nx + 1) * sizeof(double)), *g = malloc((k ? k : 1) * sizeof(double));
    double S = 0.0;
    memset(d, 0, sizeof *d);
    for (size_t i = 0; xv && g && i < n && !d->bad; i++) {
        for (size_t col = 0; col < nx; col++)
            xv[col] = fp->x[col * n + i];
        double f, y = list ? 0.0 : fp->y[i];
        gn_status ms = list ? gn_expr_eval_root(fp->model, i, &f, g, b0, NULL)
                            : gn_expr_eval(fp->model, &f, g, b0, xv);
        if (ms != GN_OK ||
            (fp->resp && gn_expr_eval(fp->resp, &y, NULL, NULL, &fp->y[i]) != GN_OK)) {
            *d = (start_diag){ms != GN_OK ? 1 : 3, i, f};
            break;
        }
        double r = (list ? f : y - f) * (fp->w ? sqrt(fp->w[i]) : 1.0);
        S += r * r;
        if (!isfinite(S))
            *d = (start_diag){2, i, r};
    }
    free(xv);
    free(g);
    return d->bad;
}

/* the predictors of row d->row ("x = 1.5, t = 2") after what */
static void print_row(FILE *f, const gn_fit_problem *fp, const char *const *xn, size_t row)
{
    for (size_t col = 0; col < fp->nx; col++)
        fprintf(f, "%s%s = %.15g", col ? ", " : "", xn[col], fp->x[col * fp->n + row]);
}

/* the start b0 as "(a = 1, k = 100)" with the model's parameter names */
static void print_start(FILE *f, const double *b0, const gn_expr *e)
{
    fputc('(', f);
    for (size_t q = 0; q < e->nparams; q++)
        fprintf(f, "%s%s = %.17g", q ? ", " : "", e->pname[q], b0[q]);
    fputc(')', f);
}

/* the message for a start that cannot be used: where names the start ("FILE: start 2" or
 * "--start"), data the data file (or "the residuals"); the sub-expression that is not
 * finite is shown with a caret (gn_expr_diagnose) */
static void start_message(const start_diag *d, const gn_fit_problem *fp, const char *const *xn,
                          const double *b0, const char *where, const char *data)
{
    const gn_expr *e = d->bad == 3 ? fp->resp : fp->model;
    if (d->bad == 1 || d->bad == 3) {
        fprintf(stderr, "gnlab fit: %s: the %s is not finite at the starting values ", where,
                d->bad == 3 ? "response transform" : "model or its derivative");
        print_start(stderr, b0, fp->model);
        if (fp->model->list)
            fprintf(stderr, " in residual %zu", d->row + 1);
        else {
            fprintf(stderr, " for data row %zu (", d->row + 1);
            print_row(stderr, fp, xn, d->row);
            fprintf(stderr, "; value %.17g) of %s", d->value, data);
        }
        gn_expr_error ee;
        if (gn_expr_diagnose(e, &ee) == GN_OK) {
            fprintf(stderr, ": %s\n", ee.msg);
            gn_expr_print_error(stderr, e->src, &ee);
        } else
            fprintf(stderr, " (a division by zero, a log or sqrt of a negative number, or an "
                            "overflow)\n");
    } else {
        fprintf(stderr, "gnlab fit: %s ", where);
        print_start(stderr, b0, fp->model);
        fprintf(stderr, ": the sum of squared residuals overflows at %s %zu of %s (",
                fp->model->list ? "residual" : "data row", d->row + 1, data);
        print_row(stderr, fp, xn, d->row);
        fprintf(stderr, "; residual %.17g): give starting values nearer the data\n", d->value);
    }
}

static int nist_one(const char *path, const opts *o)
{
    gn_io_nist p;
    gn_io_nist_setup s;
    if (val_nist_load(&p, &s, path, stderr, "gnlab fit") != GN_OK)
        return GN_EXIT_USAGE;
    int fail = 0, rc = 0;
    if (!o->json)
        printf("%s (%s): %zu parameters, %zu observations, %zu starts\n  %s = %s\n"
               "  double solver: %s; MPFR reference: %s\n",
               p.name, path, p.k, p.n, p.nstart, p.response, p.model,
               gn_fit_solver_name(o->solver), o->mp ? "on" : "off (--no-mp)");
    for (size_t st = 0; st < p.nstart && !rc; st++) {
        val_nist_double d;
        val_nist_mp m = {0};
        if (val_nist_run_double(&d, &p, &s, st, o->solver) != GN_OK ||
            (o->mp && val_nist_run_mp(&m, &p, &s, st, o->prec) != GN_OK)) {
            fprintf(stderr, "gnlab fit: out of memory\n");
            val_nist_double_free(&d);
            rc = GN_EXIT_USAGE;
            break;
        }
        start_diag sd;
        if (!d.ok && start_check(&sd, &s.fp, p.start + st * p.k)) {
            char where[4200];
            snprintf(where, sizeof where, "%s: start %zu", path, st + 1);
            start_message(&sd, &s.fp, s.xnames, p.start + st * p.k, where, path);
            rc = GN_EXIT_USAGE;
        } else if (!d.ok) {
            fprintf(stderr, "gnlab fit: %s: start %zu: the fit could not run\n", path, st + 1);
            rc = GN_EXIT_USAGE;
        }
        int dpass = val_nist_pass_double(&d), mpass = !o->mp || val_nist_pass_mp(&m);
        fail |= !dpass || !mpass;
        if (o->json)
            nist_one_json(&p, st, &d, &m, o, dpass && mpass);
        else
            nist_one_table(&p, st, &d, &m, o, dpass, mpass);
        if (o->plot && st == p.nstart - 1) {
            char title[128];
            snprintf(title, sizeof title, "%s, start %zu", p.name, st + 1);
            if (plot_fit(o->plot, &s.fp, d.b, title, s.fp.nx == 1 ? s.xnames[0] : NULL) == -1) {
                fprintf(stderr, "gnlab fit: could not write the plot %s (is gnuplot "
                                "installed?)\n", o->plot);
                rc = GN_EXIT_USAGE;
            }
        }
        val_nist_double_free(&d);
        val_nist_mp_free(&m, p.k);
    }
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
    if (rc)
        return rc;
    return fail ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* ------------------------------------------------------------- the suite */

static void suite_row_json(void *ctx, const val_nist_row *r)
{
    const opts *o = ctx;
    gn_io_jl j;
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "problem", r->p->name);
    gn_io_jl_int(&j, "start", (long long)r->st + 1);
    gn_io_jl_int(&j, "k", (long long)r->p->k);
    for (int v = 0; v < VAL_NIST_NSOLV; v++) {
        const char *sn = gn_fit_solver_name(val_nist_solvers[v]);
        char key[32];
        snprintf(key, sizeof key, "lre_min_%s", sn);
        gn_io_jl_num(&j, key, r->d[v].lre_min);
        snprintf(key, sizeof key, "lre_rss_%s", sn);
        gn_io_jl_num(&j, key, r->d[v].lre_rss);
        snprintf(key, sizeof key, "lre_sd_min_%s", sn);
        gn_io_jl_num(&j, key, r->d[v].se_lre_min);
        snprintf(key, sizeof key, "lre_rsd_%s", sn);
        gn_io_jl_num(&j, key, r->d[v].rsd_lre);
        json_report(&j, sn, &r->d[v].rep, r->d[v].secs);
    }
    gn_io_jl_num(&j, "cond_J", r->d[r->sel].stats.cond);
    gn_io_jl_str(&j, "end_point",
                 gn_fit_end_name(gn_fit_classify(&r->d[r->sel].rep, r->d[r->sel].ok
                                                                        ? &r->d[r->sel].stats
                                                                        : NULL)));
    if (o->mp) {
        gn_io_jl_num(&j, "lre_min_mpfr", r->m.lre_min);
        gn_io_jl_num(&j, "lre_rss_mpfr", r->m.lre_rss);
        gn_io_jl_num(&j, "lre_sd_min_mpfr", r->m.se_lre_min);
        gn_io_jl_num(&j, "lre_rsd_mpfr", r->m.rsd_lre);
        gn_io_jl_num(&j, "agree_digits", r->agree);
        json_report(&j, "mpfr", &r->m.rep, r->m.secs);
    }
    gn_io_jl_bool(&j, "pass_double", r->dpass);
    gn_io_jl_bool(&j, "pass_mpfr", r->mpass);
    gn_io_jl_end(&j);
}

static void suite_row_table(void *ctx, const val_nist_row *r)
{
    const opts *o = ctx;
    const val_nist_double *d = r->d;
    printf("%-9s %2zu %2zu | %5.1f %5.1f %5.1f ", r->p->name, r->st + 1, r->p->k, d[0].lre_min,
           d[1].lre_min, d[2].lre_min);
    if (o->mp)
        printf("%5.1f | %5.1f", r->m.lre_min, r->agree);
    else
        printf("%5s | %5s", "-", "-");
    printf(" | %5.1f ", fmin(d[r->sel].se_lre_min, d[r->sel].rsd_lre));
    if (o->mp)
        printf("%5.1f", fmin(r->m.se_lre_min, r->m.rsd_lre));
    else
        printf("%5s", "-");
    printf(" %8.2g", d[r->sel].stats.cond);
    printf(" | %4zu %4zu ", d[0].rep.iters, d[1].rep.iters);
    if (o->mp)
        printf("%4zu | %5.1f %4.1f %5.2f", r->m.rep.iters, d[r->sel].lre_rss, r->m.lre_rss,
               r->m.secs);
    else
        printf("%4s | %5.1f %4s %5s", "-", d[r->sel].lre_rss, "-", "-");
    printf(" | %s/%s/%s/%s %s%s\n", gn_fit_stop_name(d[0].rep.stop),
           gn_fit_stop_name(d[1].rep.stop), gn_fit_stop_name(d[2].rep.stop),
           o->mp ? gn_fit_stop_name(r->m.rep.stop) : "-", r->dpass ? "" : "MISS(double) ",
           r->mpass ? "" : "MISS(mpfr)");
}

static void suite_summary_json(const val_nist_summary *sm, const char *dir, const opts *o)
{
    gn_io_jl j;
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, "summary", dir);
    gn_io_jl_int(&j, "runs", (long long)sm->runs);
    gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
    gn_io_jl_num(&j, "avg_lre_lm", sm->avg[0]);
    gn_io_jl_num(&j, "avg_lre_qr", sm->avg[1]);
    gn_io_jl_num(&j, "avg_lre_auto", sm->avg[2]);
    gn_io_jl_num(&j, "min_lre_sd_lm", sm->sd_min[0]);
    gn_io_jl_num(&j, "min_lre_sd_qr", sm->sd_min[1]);
    gn_io_jl_num(&j, "min_lre_sd_auto", sm->sd_min[2]);
    if (o->mp) {
        gn_io_jl_num(&j, "avg_lre_mpfr", sm->avg_mp);
        gn_io_jl_num(&j, "min_lre_sd_mpfr", sm->sd_min_mp);
    }
    gn_io_jl_int(&j, "miss_double", (long long)sm->miss_double);
    gn_io_jl_int(&j, "miss_mpfr", (long long)sm->miss_mp);
    gn_io_jl_num(&j, "seconds_lm", sm->secs[0]);
    gn_io_jl_num(&j, "seconds_qr", sm->secs[1]);
    gn_io_jl_num(&j, "seconds_auto", sm->secs[2]);
    gn_io_jl_num(&j, "seconds_mpfr", sm->secs_mp);
    gn_io_jl_num(&j, "seconds_total", sm->secs_total);
    gn_io_jl_bool(&j, "pass", sm->pass);
    gn_io_jl_end(&j);
}

static void suite_summary_table(const val_nist_summary *sm, const opts *o)
{
    const char *sn = gn_fit_solver_name(o->solver);
    int sel = o->solver == GN_FIT_NORMAL ? 0 : o->solver == GN_FIT_QR ? 1 : 2;
    printf("\naverage LRE over %zu parameter estimates: lm %.2f, qr %.2f, auto %.2f", sm->cnt,
           sm->avg[0], sm->avg[1], sm->avg[2]);
    if (o->mp)
        printf(", mpfr %.2f", sm->avg_mp);
    printf("\ntime: lm %.3f s, qr %.3f s, auto %.3f s, mpfr %.2f s, total %.2f s\n", sm->secs[0],
           sm->secs[1], sm->secs[2], sm->secs_mp, sm->secs_total);
    printf("target: %s solver LRE >= %.0f on every parameter, every start: %s (%zu of %zu runs "
           "miss)\n",
           sn, VAL_NIST_TARGET_DOUBLE, sm->miss_param_double ? "MISS" : "PASS",
           sm->miss_param_double, sm->runs);
    printf("target: %s solver LRE >= %.0f on every standard error and residual SD, every "
           "start: %s (%zu of %zu runs miss; min %.1f)\n",
           sn, VAL_NIST_TARGET_SD_DOUBLE, sm->miss_sd_double ? "MISS" : "PASS",
           sm->miss_sd_double, sm->runs, sm->sd_min[sel]);
    if (sm->miss_sd_double)
        printf("  (a missed SD is printed above with cond(J) and the rounding bound of its "
               "residuals: where S sits at the residuals' rounding floor, double cannot give "
               "the SD's digits)\n");
    printf("target: %s solver average LRE %.2f >= Ceres's %.1f: %s\n", sn, sm->avg[sel],
           VAL_NIST_TARGET_CERES_AVG, sm->avgpass ? "PASS" : "MISS");
    if (o->mp)
        printf("target: MPFR (%ld bits) LRE >= %.0f on every parameter and SD >= %.0f (min SD "
               "LRE %.1f), every start: %s (%zu of %zu runs miss)\n",
               (long)o->prec, VAL_NIST_TARGET_MP, VAL_NIST_TARGET_SD_MP, sm->sd_min_mp,
               sm->miss_mp ? "MISS" : "PASS", sm->miss_mp, sm->runs);
    else
        printf("target: MPFR reference not run (--no-mp)\n");
    if (sm->bad)
        printf("some files could not be read (see above): MISS\n");
}

static int nist_all(const char *dir, const opts *o)
{
    char **files, err[512];
    size_t nf;
    if (val_nist_files(&files, &nf, dir, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: --nist-all: %s\n", err);
        return GN_EXIT_USAGE;
    }
    if (!o->json)
        printf("NIST StRD suite in %s: LRE = correct significant digits (capped at the "
               "certified digits)\n"
               "min over the parameters; lm = normal equations, qr = QR of [J; sqrt(lambda) D], "
               "auto = lm until ill-conditioned; mpfr at %ld bits from the same start\n\n"
               "agree = digits shared by the %s solution and the MPFR one (uncapped, at most 17)\n"
               "sd = min LRE of the standard errors and the residual SD against the certified "
               "standard deviations (%s solver, MPFR); cond = cond(J), unit columns\n\n"
               "%-9s %2s %2s | %5s %5s %5s %5s | %5s | %5s %5s %8s | %4s %4s %4s | %5s %4s %5s | %s\n",
               dir, (long)o->prec, gn_fit_solver_name(o->solver), gn_fit_solver_name(o->solver),
               "problem", "st", "k", "lm", "qr", "auto", "mpfr", "agree", "sd", "sd.mp", "cond",
               "it.lm", "it.qr", "it.mp", "rss", "rsmp", "t.mp", "stop (lm/qr/auto/mp)");
    val_nist_summary sm;
    gn_status st = val_nist_suite(&sm, files, nf, o->solver, o->mp, o->prec, stderr, "gnlab fit",
                                  o->json ? suite_row_json : suite_row_table, (void *)o);
    val_nist_files_free(files, nf);
    if (st != GN_OK) {
        fprintf(stderr, "gnlab fit: out of memory\n");
        return GN_EXIT_USAGE;
    }
    if (o->json)
        suite_summary_json(&sm, dir, o);
    else
        suite_summary_table(&sm, o);
    return sm.pass ? GN_EXIT_PASS : GN_EXIT_FAIL;
}

/* issue 14: every start of DIR by gnlab and by GSL's trust-region LM, side by side */
static int fit_bench(const char *dir)
{
    char **files, err[512];
    size_t nf;
    if (val_nist_files(&files, &nf, dir, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: --bench: %s\n", err);
        return GN_EXIT_USAGE;
    }
    val_bench_fit_summary sm;
    gn_status st = val_bench_fit(&sm, stdout, files, nf, stderr);
    val_nist_files_free(files, nf);
    if (st != GN_OK) {
        fprintf(stderr, "gnlab fit: out of memory\n");
        return GN_EXIT_USAGE;
    }
    if (gn_io_close_checked(stdout, "fit", "stdout") != 0)
        return GN_EXIT_USAGE;
    return sm.pass ? GN_EXIT_PASS : GN_EXIT_FAIL;
}

/* ------------------------------------------------------------ CSV models */

/* the table, its response column, the weights and the predictors (the other columns, in
 * file order) */
typedef struct {
    gn_io_table t;
    long yc, wc;    /* response and weight columns (wc -1: unweighted)         */
    size_t n, nx;
    const char **xn;
    double *x;
    double *w;      /* n weights (1/sigma^2 from --sigma), NULL when unweighted */
} csv_data;

static void csv_data_free(csv_data *c)
{
    free(c->xn);
    free(c->x);
    free(c->w);
    gn_io_table_free(&c->t);
}

/* the file line of data row `row` (0-based): the reader skips blank and '#' lines and reads
 * the header first (gn_io_csv_read), so count what it counts; 0 when unknown */
static size_t csv_row_line(const char *path, size_t row)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, lineno = 0, seen = 0, found = 0;
    while (!found && getline(&line, &cap, f) >= 0) {
        lineno++;
        const char *s = line + (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3) ? 3 : 0);
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == 0 || *s == '\n' || *s == '\r' || *s == '#')
            continue;
        if (seen++ == row + 1)
            found = lineno;
    }
    free(line);
    fclose(f);
    return found;
}

/* --weights COL (w_i) or --sigma COL (w_i = 1/sigma_i^2): every weight finite and > 0 (every
 * sigma finite and > 0), else exit 2 at FILE:LINE:COLUMN */
static int csv_weights(csv_data *c, const char *data, const char *wname, int sigma)
{
    c->wc = gn_io_table_col(&c->t, wname);
    if (c->wc < 0 || c->wc == c->yc) {
        fprintf(stderr, "gnlab fit: %s has no column '%s' for %s%s\n", data, wname,
                sigma ? "--sigma" : "--weights", c->wc == c->yc ? " other than the response" : "");
        return GN_EXIT_USAGE;
    }
    c->w = malloc(c->n * sizeof(double));
    if (!c->w)
        return GN_EXIT_USAGE;
    for (size_t i = 0; i < c->n; i++) {
        double v = c->t.cols[(size_t)c->wc * c->n + i];
        c->w[i] = sigma ? 1.0 / (v * v) : v;
        if (!(v > 0.0) || !isfinite(c->w[i]) || !(c->w[i] > 0.0)) {
            fprintf(stderr, "gnlab fit: %s:%zu:%ld (%s): %s %.17g is not %s\n", data,
                    csv_row_line(data, i), c->wc + 1, wname, sigma ? "sigma" : "weight", v,
                    sigma ? "finite and > 0 (with 1/sigma^2 finite and > 0)"
                          : "finite and > 0 (a weight 0 would drop the row: delete it instead)");
            return GN_EXIT_USAGE;
        }
    }
    return 0;
}

static int csv_load(csv_data *c, const char *data, const char *yname, const char *wname,
                    int sigma)
{
    char err[512];
    memset(c, 0, sizeof *c);
    c->wc = -1;
    if (gn_io_csv_read(&c->t, data, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: %s\n", err);
        return GN_EXIT_USAGE;
    }
    c->n = c->t.nrows;
    c->yc = gn_io_table_col(&c->t, yname);
    if (c->yc < 0) {
        fprintf(stderr, "gnlab fit: %s has no column '%s' (the response; see --y)\n", data,
                yname);
        csv_data_free(c);
        return GN_EXIT_USAGE;
    }
    if (wname) {
        int rc = csv_weights(c, data, wname, sigma);
        if (rc) {
            csv_data_free(c);
            return rc;
        }
    }
    c->nx = c->t.ncols - 1 - (c->wc >= 0);
    c->xn = malloc((c->nx + 2) * sizeof(char *));
    c->x = malloc((c->nx ? c->nx : 1) * c->n * sizeof(double));
    if (!c->xn || !c->x) {
        csv_data_free(c);
        return GN_EXIT_USAGE;
    }
    for (size_t col = 0, j = 0; col < c->t.ncols; col++)
        if ((long)col != c->yc && (long)col != c->wc) {
            c->xn[j] = c->t.names[col];
            memcpy(c->x + j * c->n, c->t.cols + col * c->n, c->n * sizeof(double));
            j++;
        }
    /* the response and weight names follow the predictors: known to the compiler, so the
     * model cannot read them as parameters, and refused below if it uses them */
    c->xn[c->nx] = c->t.names[c->yc];
    c->xn[c->nx + 1] = c->wc >= 0 ? c->t.names[c->wc] : NULL;
    return 0;
}

/* compile the model in the named notation over the predictors (gn_expr_opts.named: every
 * other identifier is a parameter) */
static int csv_model(gn_expr **e, const char *model, const csv_data *c)
{
    gn_expr_error ee;
    gn_expr_opts eo = {0};
    eo.vars = c->xn;
    eo.nvars = c->nx + 1 + (c->wc >= 0);
    eo.named = 1;
    if (gn_expr_compile_opts(e, model, &eo, &ee) != GN_OK) {
        fprintf(stderr, "gnlab fit: --model: %s\n", ee.msg);
        gn_expr_print_error(stderr, model, &ee);
        return GN_EXIT_USAGE;
    }
    for (size_t v = c->nx; v < eo.nvars; v++)
        if (gn_expr_uses_var(*e, v)) {
            fprintf(stderr, "gnlab fit: --model uses the %s column '%s': the model may use "
                            "the predictors only (%zu: ", v == c->nx ? "response" : "weight",
                    c->xn[v], c->nx);
            for (size_t j = 0; j < c->nx; j++)
                fprintf(stderr, "%s%s", j ? ", " : "", c->xn[j]);
            fprintf(stderr, ")\n");
            return GN_EXIT_USAGE;
        }
    if ((*e)->nparams == 0) {
        fprintf(stderr, "gnlab fit: --model has no parameters (every name in it is a data "
                        "column, a constant or a function)\n");
        return GN_EXIT_USAGE;
    }
    return 0;
}

/* --start into b0 (gn_expr_start): exit 2 on a malformed list, 1 when it names a parameter
 * the model does not have (it never enters the model: unidentifiable). With a positional
 * list whose length is the count of b1, b2, ... names, another name is reported as unknown
 * (a typo in a column name, not a parameter). */
static int csv_start(double *b0, const gn_expr *e, const char *startl, const char *model,
                     const char *const *xn, size_t nx)
{
    gn_expr_error ee;
    gn_status st = gn_expr_start(b0, e, startl, &ee);
    if (st == GN_OK)
        return 0;
    size_t cnt = 1;
    for (const char *s = startl; *s; s++)
        cnt += *s == ',';
    size_t nb = 0, other = e->nparams;
    for (size_t q = 0; q < e->nparams; q++) {
        const char *nm = e->pname[q];
        if (nm[0] == 'b' && nm[1] && strspn(nm + 1, "0123456789") == strlen(nm + 1))
            nb++;
        else if (other == e->nparams)
            other = q;
    }
    if (st == GN_EINPUT && !strchr(startl, '=') && other < e->nparams && nb &&
        strspn(startl, "0123456789.eE+-, ") == strlen(startl)) {
        if (cnt == nb) {
            gn_expr_error ue = {0, ""};
            for (size_t i = 0; i < e->nnodes; i++)
                if (e->node[i].op == GN_XOP_PARAM && e->node[i].idx == other) {
                    ue.pos = e->node[i].pos;
                    break;
                }
            snprintf(ue.msg, sizeof ue.msg, "unknown name '%.60s' (not a data column; the "
                     "%zu starting values are for b1..b%zu)", e->pname[other], nb, nb);
            fprintf(stderr, "gnlab fit: --model: %s; data columns: ", ue.msg);
            for (size_t j = 0; j < nx; j++)
                fprintf(stderr, "%s%s", j ? ", " : "", xn[j]);
            fputc('\n', stderr);
            gn_expr_print_error(stderr, model, &ue);
            return GN_EXIT_USAGE;
        }
    }
    if (st == GN_EINPUT && !strchr(startl, '=') && cnt != e->nparams) {
        fprintf(stderr, "gnlab fit: --start has %zu values but the model has %zu parameters (",
                cnt, e->nparams);
        for (size_t q = 0; q < e->nparams; q++)
            fprintf(stderr, "%s%s", q ? ", " : "", e->pname[q]);
        fprintf(stderr, ")\n");
        return GN_EXIT_USAGE;
    }
    fprintf(stderr, "gnlab fit: --start: %s\n", ee.msg);
    if (st != GN_ENOMEM)
        gn_expr_print_error(stderr, startl, &ee);
    return st == GN_EZERO ? GN_EXIT_FAIL : GN_EXIT_USAGE;
}

/* the optional MPFR reference on the doubles as read */
typedef struct {
    char **str;    /* k estimates, "%.20Re" */
    double *agree; /* digits shared with the double estimates (gn_io_lre, capped at 16) */
    gn_fit_report rep;
    double secs;
    int ok;        /* ran and converged */
} csv_mp_res;

static void csv_mp_free(csv_mp_res *r, size_t k)
{
    if (r->str)
        for (size_t q = 0; q < k; q++)
            free(r->str[q]);
    free(r->str);
    free(r->agree);
}

/* 0, or GN_EXIT_USAGE on no memory */
static int csv_mp(csv_mp_res *r, const gn_fit_problem *fp, const double *b0, const double *b,
                  mpfr_prec_t prec)
{
    const size_t n = fp->n, nx = fp->nx, k = fp->model->nparams, nv = nx * n + 2 * n + 2 * k;
    memset(r, 0, sizeof *r);
    /* one block: predictors (nx x n), response (n), estimate (k), start (k), weights (n) */
    mpfr_ptr v = malloc(nv * sizeof *v);
    r->str = calloc(k, sizeof(char *));
    r->agree = calloc(k, sizeof(double));
    if (!v || !r->str || !r->agree) {
        free(v);
        csv_mp_free(r, k);
        memset(r, 0, sizeof *r);
        return GN_EXIT_USAGE;
    }
    mpfr_ptr mx = v, my = mx + nx * n, mb = my + n, mb0 = mb + k, mw = mb0 + k;
    for (size_t i = 0; i < nv; i++)
        mpfr_init2(v + i, prec);
    for (size_t i = 0; i < nx * n; i++)
        mpfr_set_d(mx + i, fp->x[i], MPFR_RNDN);
    for (size_t i = 0; i < n && fp->y; i++)
        mpfr_set_d(my + i, fp->y[i], MPFR_RNDN);
    for (size_t i = 0; i < n && fp->w; i++)
        mpfr_set_d(mw + i, fp->w[i], MPFR_RNDN);
    for (size_t q = 0; q < k; q++)
        mpfr_set_d(mb0 + q, b0[q], MPFR_RNDN);
    gn_mp_fit_problem mp = {fp->model, NULL, n, nx, mx, my, fp->w ? mw : NULL};
    double t1 = gn_io_now();
    gn_status ms = gn_mp_fit_run(mb, &r->rep, &mp, mb0, NULL, prec);
    r->secs = gn_io_now() - t1;
    r->ok = ms == GN_OK && gn_fit_stop_converged(r->rep.stop);
    for (size_t q = 0; q < k; q++) {
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.20Re", mb + q);
        r->str[q] = strdup(buf);
        r->agree[q] = gn_io_lre(b[q], mpfr_get_d(mb + q, MPFR_RNDN), 16);
    }
    for (size_t i = 0; i < nv; i++)
        mpfr_clear(v + i);
    free(v);
    return 0;
}

/* ------------------------------------------- statistics of a CSV fit (issue 14) */

typedef struct {
    gn_fit_stats st;
    int ok;                                  /* gn_fit_covar returned GN_OK            */
    double *se, *cov, *corr, *null, *lo, *hi; /* k, k x k, k x k, k, k, k             */
    double t;                                /* the Student t quantile of the intervals */
    gn_fit_end end;
} csv_stats;

#define CSV_CI_LEVEL 0.95

static void csv_stats_free(csv_stats *cs)
{
    free(cs->se); /* one block */
    memset(cs, 0, sizeof *cs);
}

/* the statistics and the end point's class at b; -1 on no memory */
static int csv_stats_run(csv_stats *cs, const gn_fit_problem *fp, const double *b,
                         const gn_fit_report *rep)
{
    const size_t k = fp->model->nparams;
    memset(cs, 0, sizeof *cs);
    cs->se = malloc((5 * k + 2 * k * k) * sizeof(double));
    if (!cs->se)
        return -1;
    cs->cov = cs->se + k;
    cs->corr = cs->cov + k * k;
    cs->null = cs->corr + k * k;
    cs->lo = cs->null + k;
    cs->hi = cs->lo + k;
    gn_status e = gn_fit_covar(&cs->st, cs->se, cs->cov, cs->corr, cs->null, fp, b);
    if (e == GN_ENOMEM)
        return -1;
    cs->ok = e == GN_OK;
    gn_ref_fit_ci(cs->lo, cs->hi, &cs->t, b, cs->se, k, cs->st.dof, CSV_CI_LEVEL);
    cs->end = gn_fit_classify(rep, cs->ok ? &cs->st : NULL);
    return 0;
}

/* a number or "undetermined" in a field of width w */
static void print_num(double v, int w)
{
    if (isfinite(v))
        printf(" %-*.10g", w, v);
    else
        printf(" %-*s", w, "undetermined");
}

/* the null vector as "b1 - 0.5 b2" (the combination J cannot see) */
static void print_null(FILE *f, const double *null, size_t k, char *const *pname)
{
    int first = 1;
    for (size_t q = 0; q < k; q++) {
        if (!(fabs(null[q]) > 1e-8))
            continue;
        double a = fabs(null[q]);
        fprintf(f, "%s", first ? (null[q] < 0 ? "-" : "") : (null[q] < 0 ? " - " : " + "));
        if (fabs(a - 1.0) > 5e-7) /* a coefficient that prints as 1 is not printed */
            fprintf(f, "%.6g ", a);
        fprintf(f, "%s", pname[q]);
        first = 0;
    }
}

static void csv_stats_table(const csv_stats *cs, size_t k, const double *b, char *const *pname)
{
    printf("  statistics (J at the estimate, QR of the unit-column J; %zu degrees of "
           "freedom):\n  %-4s %-17s %-17s %-17s %-17s\n", cs->st.dof, "", "estimate",
           "std. error", "95% CI low", "95% CI high");
    for (size_t q = 0; q < k; q++) {
        printf("  %-4s %-17.10g", pname[q], b[q]);
        print_num(cs->se[q], 17);
        print_num(cs->lo[q], 17);
        print_num(cs->hi[q], 17);
        printf("\n");
    }
    printf("  correlation:\n");
    for (size_t p = 0; p < k; p++) {
        printf("  %-4s", pname[p]);
        for (size_t q = 0; q <= p; q++)
            isfinite(cs->corr[p * k + q]) ? printf(" %7.4f", cs->corr[p * k + q])
                                          : printf(" %7s", "undet.");
        printf("\n");
    }
    printf("  residual SD");
    print_num(cs->st.sigma, 0);
    printf(" (t quantile %.6g; cond(J) %.3g; rank %zu of %zu; rounding bound on SD %.1g)\n",
           cs->t, cs->st.cond, cs->st.rank, k, cs->st.sigma_err);
    if (!cs->st.determined)
        printf("  the statistics are undetermined: %s\n",
               !cs->ok ? "J could not be evaluated at the estimate"
               : cs->st.dof == 0 ? "no degrees of freedom (n <= k)"
               : cs->st.rank < k ? "J is rank deficient"
                                 : "the residuals are at their rounding floor");
    printf("  end point: %s", gn_fit_end_name(cs->end));
    if (cs->end == GN_FIT_END_RANKDEF && cs->ok) {
        printf(" (unidentifiable combination: ");
        print_null(stdout, cs->null, k, pname);
        printf(", J's null vector: moving b along it leaves the model unchanged to first order)");
    }
    printf("\n");
}

static void csv_stats_json_param(gn_io_jl *j, const csv_stats *cs, size_t q, size_t k,
                                 char *const *pname)
{
    gn_io_jl_num(j, "se", cs->se[q]);
    gn_io_jl_num(j, "ci_low", cs->lo[q]);
    gn_io_jl_num(j, "ci_high", cs->hi[q]);
    for (size_t p = 0; p < k; p++) {
        char key[40];
        snprintf(key, sizeof key, "corr_%.32s", pname[p]);
        gn_io_jl_num(j, key, cs->corr[q * k + p]);
    }
    if (cs->end == GN_FIT_END_RANKDEF)
        gn_io_jl_num(j, "null_vector", cs->null[q]);
}

static void csv_stats_json(gn_io_jl *j, const csv_stats *cs)
{
    gn_io_jl_str(j, "statistics", cs->st.determined ? "determined" : "undetermined");
    gn_io_jl_num(j, "residual_sd", cs->st.sigma);
    gn_io_jl_int(j, "dof", (long long)cs->st.dof);
    gn_io_jl_num(j, "ci_level", CSV_CI_LEVEL);
    gn_io_jl_num(j, "t_quantile", cs->t);
    gn_io_jl_num(j, "cond_J", cs->st.cond);
    gn_io_jl_int(j, "rank_J", (long long)cs->st.rank);
    gn_io_jl_num(j, "sd_rounding_bound", cs->st.sigma_err);
    gn_io_jl_str(j, "end_point", gn_fit_end_name(cs->end));
}

/* f(x_i; b) of row i into *f (the predictors through xv, nx + 1 entries) */
static gn_status fitted_at(double *f, const gn_fit_problem *fp, const double *b, size_t i,
                           double *xv)
{
    if (fp->model->list) /* residual mode: residual i itself */
        return gn_expr_eval_root(fp->model, i, f, NULL, b, NULL);
    for (size_t c = 0; c < fp->nx; c++)
        xv[c] = fp->x[c * fp->n + i];
    return gn_expr_eval(fp->model, f, NULL, b, xv);
}

/* the fitted values and residuals: one JSON line per row (residual mode: per residual;
 * weighted: the weight and the weighted residual sqrt(w) (y - f) too) */
static int csv_fitted_json(const gn_fit_problem *fp, const double *b)
{
    double *xv = malloc((fp->nx + 1) * sizeof(double));
    if (!xv)
        return -1;
    for (size_t i = 0; i < fp->n; i++) {
        double f;
        fitted_at(&f, fp, b, i, xv);
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        if (fp->model->list) {
            gn_io_jl_int(&j, "residual_index", (long long)i + 1);
            gn_io_jl_num(&j, "residual", f);
        } else {
            gn_io_jl_int(&j, "row", (long long)i + 1);
            gn_io_jl_num(&j, "y", fp->y[i]);
            gn_io_jl_num(&j, "fitted", f);
            gn_io_jl_num(&j, "residual", fp->y[i] - f);
            if (fp->w) {
                gn_io_jl_num(&j, "weight", fp->w[i]);
                gn_io_jl_num(&j, "weighted_residual", sqrt(fp->w[i]) * (fp->y[i] - f));
            }
        }
        gn_io_jl_end(&j);
    }
    free(xv);
    return 0;
}

/* --out: the predictors, the response, the fitted value and the residual of every row (with
 * weights: the weight and the weighted residual; residual mode: index and residual); 0, or
 * -1 after a message naming the path (every write checked) */
static int csv_write_out(const char *path, const gn_fit_problem *fp, const double *b,
                         const char *const *xn, const char *yname)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gnlab fit: cannot write %s\n", path);
        return -1;
    }
    const int list = fp->model->list;
    double *xv = malloc((fp->nx + 1) * sizeof(double));
    int bad = !xv;
    for (size_t c = 0; c < fp->nx && !bad && !list; c++)
        bad = fprintf(f, "%s,", xn[c]) < 0;
    if (list)
        bad = bad || fprintf(f, "index,residual\n") < 0;
    else
        bad = bad || fprintf(f, "%s,fitted,residual%s\n", yname,
                             fp->w ? ",weight,weighted_residual" : "") < 0;
    for (size_t i = 0; i < fp->n && !bad; i++) {
        double fv;
        fitted_at(&fv, fp, b, i, xv);
        if (list) {
            bad = fprintf(f, "%zu,%.17g\n", i + 1, fv) < 0;
            continue;
        }
        for (size_t c = 0; c < fp->nx && !bad; c++)
            bad = fprintf(f, "%.17g,", xv[c]) < 0;
        bad = bad || fprintf(f, "%.17g,%.17g,%.17g", fp->y[i], fv, fp->y[i] - fv) < 0;
        if (fp->w)
            bad = bad || fprintf(f, ",%.17g,%.17g", fp->w[i], sqrt(fp->w[i]) * (fp->y[i] - fv)) < 0;
        bad = bad || fputc('\n', f) == EOF;
    }
    free(xv);
    if (bad) {
        fclose(f);
        fprintf(stderr, "gnlab fit: could not write %s\n", path);
        return -1;
    }
    return gn_io_close_checked(f, "fit", path) == 0 ? 0 : -1;
}

/* what a CSV or residual-mode fit prints */
typedef struct {
    const char *model, *data, *yname, *wname; /* data NULL: residual mode */
    int sigma;
    const gn_expr *e;
    size_t n, k;
    const double *b0, *b;
    const gn_fit_report *rep;
    double secs;
    const csv_mp_res *m; /* NULL without --mp */
    int rc;
    const csv_stats *cs; /* issue 14: statistics and end point */
    const gn_fit_problem *fp;
} csv_out;

static void csv_print_json(const csv_out *c, const opts *o)
{
    for (size_t q = 0; q < c->k; q++) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "param", c->e->pname[q]);
        gn_io_jl_num(&j, "start", c->b0[q]);
        gn_io_jl_num(&j, "double", c->b[q]);
        if (c->m) {
            gn_io_jl_str(&j, "mpfr", c->m->str[q]);
            gn_io_jl_num(&j, "agree_digits", c->m->agree[q]);
        }
        csv_stats_json_param(&j, c->cs, q, c->k, c->e->pname);
        gn_io_jl_end(&j);
    }
    gn_io_jl j;
    gn_io_jl_begin(&j, stdout);
    gn_io_jl_str(&j, c->data ? "model" : "residuals", c->model);
    if (c->data) {
        gn_io_jl_str(&j, "data", c->data);
        if (c->wname)
            gn_io_jl_str(&j, c->sigma ? "sigma" : "weights", c->wname);
    }
    gn_io_jl_int(&j, c->data ? "n" : "m", (long long)c->n);
    gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
    json_report(&j, "double", c->rep, c->secs);
    if (c->m)
        json_report(&j, "mpfr", &c->m->rep, c->m->secs);
    csv_stats_json(&j, c->cs);
    gn_io_jl_bool(&j, "pass", c->rc == GN_EXIT_PASS);
    gn_io_jl_end(&j);
}

static void csv_print_table(const csv_out *c, const opts *o)
{
    if (c->data) {
        printf("model: %s\ndata: %s (%zu rows; response %s", c->model, c->data, c->n, c->yname);
        if (c->wname)
            printf("; %s %s", c->sigma ? "weights 1/sigma^2, sigma" : "weights", c->wname);
        printf(")\n");
    } else
        printf("residuals (%zu): %s\n", c->n, c->model);
    size_t w = 4;
    for (size_t q = 0; q < c->k; q++)
        w = strlen(c->e->pname[q]) > w ? strlen(c->e->pname[q]) : w;
    printf("  %-*s %-24s %-24s", (int)w, "", "start", "estimate");
    if (c->m)
        printf(" %-28s %s", "MPFR", "agree");
    printf("\n");
    for (size_t q = 0; q < c->k; q++) {
        printf("  %-*s %-24.17g %-24.17g", (int)w, c->e->pname[q], c->b0[q], c->b[q]);
        if (c->m)
            printf(" %-28s %5.1f", c->m->str[q], c->m->agree[q]);
        printf("\n");
    }
    printf("  %s %.17g\n", c->wname ? "weighted RSS" : "RSS", c->rep->rss);
    print_report(stdout, gn_fit_solver_name(o->solver), c->rep, c->secs);
    if (c->m)
        print_report(stdout, "mpfr", &c->m->rep, c->m->secs);
    if (!gn_fit_stop_converged(c->rep->stop))
        printf("  the fit did NOT converge (stop: %s): the estimate is the best point "
               "found, not a minimum\n",
               gn_fit_stop_name(c->rep->stop));
    csv_stats_table(c->cs, c->k, c->b, c->e->pname);
}

/* fit from b0, the MPFR reference if asked, print; the exit status. out carries what to
 * print (names, files); its b0, b, rep, secs, m and rc are filled here. */
static int csv_run(const gn_fit_problem *fp, const double *b0, double *b, csv_out *out,
                   const char *xname, const char *const *xn, const opts *o)
{
    gn_fit_report rep;
    gn_fit_params par = gn_fit_params_default();
    par.solver = o->solver;
    if (o->max_iter) {
        par.max_iter = o->max_iter;
        par.max_fev = 3 * o->max_iter;
    }
    if (o->set_xtol)
        par.xtol = o->xtol;
    if (o->set_gtol)
        par.gtol = o->gtol;
    double t0 = gn_io_now();
    gn_status st = gn_fit_run(b, &rep, fp, b0, &par);
    double secs = gn_io_now() - t0;
    if (st == GN_EZERO && rep.unident) {
        fprintf(stderr,
                "gnlab fit: parameter %s does not enter the model (its Jacobian column is "
                "zero at the start and where the fit stopped): unidentifiable; remove it or "
                "reparametrise\n",
                fp->model->pname[rep.unident - 1]);
        return GN_EXIT_FAIL;
    }
    if (st != GN_OK) {
        fprintf(stderr, "gnlab fit: the fit failed: %s\n", gn_strerror(st));
        return st == GN_ESIZE ? GN_EXIT_USAGE : GN_EXIT_FAIL;
    }
    const size_t k = fp->model->nparams;
    csv_stats cs;
    if (csv_stats_run(&cs, fp, b, &rep) != 0) {
        csv_stats_free(&cs);
        fprintf(stderr, "gnlab fit: out of memory\n");
        return GN_EXIT_USAGE;
    }
    /* exit 0 only for a minimum (issue 14 item 4) */
    int rc = cs.end == GN_FIT_END_MINIMUM ? GN_EXIT_PASS : GN_EXIT_FAIL;
    csv_mp_res m = {0};
    if (o->mp) {
        int mrc = csv_mp(&m, fp, b0, b, o->prec);
        if (mrc)
            rc = mrc;
        else if (!m.ok)
            rc = GN_EXIT_FAIL;
        if (!mrc && m.rep.unident)
            fprintf(stderr, "gnlab fit: MPFR reference: parameter b%zu does not enter the "
                            "model (its Jacobian column is zero at the start and where the "
                            "fit stopped): unidentifiable; remove it or reparametrise\n",
                    m.rep.unident);
    }
    out->e = fp->model;
    out->n = fp->n;
    out->k = k;
    out->b0 = b0;
    out->b = b;
    out->rep = &rep;
    out->secs = secs;
    out->m = m.str ? &m : NULL;
    out->rc = rc;
    out->cs = &cs;
    out->fp = fp;
    if (o->json) {
        csv_print_json(out, o);
        if (csv_fitted_json(fp, b) != 0)
            rc = GN_EXIT_USAGE;
    } else
        csv_print_table(out, o);
    if (o->out && csv_write_out(o->out, fp, b, xn, out->yname) != 0)
        rc = GN_EXIT_USAGE;
    if (o->plot && plot_fit(o->plot, fp, b, out->model, xname) == -1) {
        fprintf(stderr, "gnlab fit: could not write the plot %s (is gnuplot installed?)\n",
                o->plot);
        rc = GN_EXIT_USAGE;
    }
    csv_mp_free(&m, k);
    csv_stats_free(&cs);
    return rc;
}

/* the start, its check, the fit: shared by the CSV and the residual mode */
static int fit_from(const gn_fit_problem *fp, const char *startl, csv_out *out,
                    const char *const *xn, const opts *o)
{
    gn_expr *e = fp->model;
    size_t k = e->nparams;
    double *b0 = malloc(k * sizeof(double)), *b = malloc(k * sizeof(double));
    int rc = !b0 || !b ? GN_EXIT_USAGE : csv_start(b0, e, startl, out->model, xn, fp->nx);
    if (!rc && fp->n < k) {
        fprintf(stderr, "gnlab fit: %s has %zu %s but the model has %zu parameters: a "
                        "least-squares fit needs at least as many as parameters\n",
                out->data ? out->data : "--residuals", fp->n, out->data ? "data rows" :
                "residuals", k);
        rc = GN_EXIT_USAGE;
    }
    start_diag sd;
    if (!rc && start_check(&sd, fp, b0)) {
        start_message(&sd, fp, xn, b0, "--start", out->data ? out->data : "the residuals");
        rc = GN_EXIT_USAGE;
    } else if (!rc)
        rc = csv_run(fp, b0, b, out, fp->nx == 1 ? xn[0] : NULL, xn, o);
    free(b0);
    free(b);
    return rc;
}

static int csv_fit(const char *model, const char *data, const char *startl, const char *yname,
                   const opts *o)
{
    csv_data c;
    int rc = csv_load(&c, data, yname, o->wcol, o->sigma);
    if (rc)
        return rc;
    gn_expr *e = NULL;
    rc = csv_model(&e, model, &c);
    if (!rc) {
        gn_fit_problem fp = {e, NULL, c.n, c.nx, c.x, c.t.cols + (size_t)c.yc * c.n, c.w};
        csv_out out = {model, data, yname, o->wcol, o->sigma, e, 0, 0, NULL, NULL, NULL, 0,
                       NULL, 0, NULL, NULL};
        rc = fit_from(&fp, startl, &out, c.xn, o);
    }
    gn_expr_free(e);
    csv_data_free(&c);
    return rc;
}

/* ------------------------------------------------------------ residual mode */

/* --residuals TEXT or @FILE: the list text ('e1; e2; ...'; a file has one residual per
 * non-empty line, '#' starts a comment), malloc'd; NULL with the message printed */
static char *residual_text(const char *arg)
{
    if (arg[0] != '@')
        return strdup(arg);
    char err[512];
    FILE *f = gn_io_open_input(arg + 1, "a file of residuals", err, sizeof err);
    if (!f) {
        fprintf(stderr, "gnlab fit: --residuals: %s\n", err);
        return NULL;
    }
    char *txt = NULL, *line = NULL;
    size_t cap = 0, len = 0;
    int ok = 1;
    while (ok && getline(&line, &cap, f) >= 0) {
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        size_t l = strcspn(line, "\r\n");
        line[l] = 0;
        if (strspn(line, " \t") == l)
            continue;
        char *nt = realloc(txt, len + l + 3);
        if (!nt) {
            ok = 0;
            break;
        }
        txt = nt;
        len += (size_t)sprintf(txt + len, "%s%s", len ? "; " : "", line);
    }
    free(line);
    fclose(f);
    if (!ok || !txt) {
        fprintf(stderr, "gnlab fit: --residuals: %s\n", ok ? "the file has no residuals"
                                                            : "out of memory");
        free(txt);
        return NULL;
    }
    return txt;
}

static int residual_fit(const char *arg, const char *startl, const opts *o)
{
    char *txt = residual_text(arg);
    if (!txt)
        return GN_EXIT_USAGE;
    gn_expr *e = NULL;
    gn_expr_error ee;
    gn_expr_opts eo = {0};
    eo.named = eo.list = 1;
    int rc = 0;
    if (gn_expr_compile_opts(&e, txt, &eo, &ee) != GN_OK) {
        fprintf(stderr, "gnlab fit: --residuals: %s\n", ee.msg);
        gn_expr_print_error(stderr, txt, &ee);
        rc = GN_EXIT_USAGE;
    } else if (e->nparams == 0) {
        fprintf(stderr, "gnlab fit: --residuals have no parameters\n");
        rc = GN_EXIT_USAGE;
    } else {
        gn_fit_problem fp = {e, NULL, e->nroots, 0, NULL, NULL, NULL};
        csv_out out = {txt, NULL, NULL, NULL, 0, e, 0, 0, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL};
        rc = fit_from(&fp, startl, &out, NULL, o);
    }
    gn_expr_free(e);
    free(txt);
    return rc;
}

/* ------------------------------------------------------------ the MGH set */

static void mgh_row(const val_mgh *p, const val_mgh_result *r, const opts *o)
{
    if (o->json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "problem", p->name);
        gn_io_jl_str(&j, "file", p->path);
        gn_io_jl_int(&j, "m", (long long)p->m);
        gn_io_jl_int(&j, "k", (long long)p->k);
        gn_io_jl_str(&j, "start", p->start);
        gn_io_jl_str(&j, "minimum_published", p->fmin_str);
        gn_io_jl_num(&j, "S_double", r->S);
        gn_io_jl_num(&j, "tol", r->tol);
        gn_io_jl_num(&j, "lre_double", r->lre);
        gn_io_jl_bool(&j, "reached_double", r->reached);
        json_report(&j, "double", &r->rep, r->secs);
        gn_io_jl_str(&j, "end_point", gn_fit_end_name(r->end));
        gn_io_jl_num(&j, "cond_J", r->stats.cond);
        for (size_t q = 0; q < p->k; q++) {
            char key[160];
            snprintf(key, sizeof key, "double_%s", p->e->pname[q]);
            gn_io_jl_num(&j, key, r->b[q]);
        }
        if (r->mp) {
            gn_io_jl_num(&j, "S_mpfr", r->mS);
            gn_io_jl_bool(&j, "reached_mpfr", r->mreached);
            gn_io_jl_num(&j, "agree_S", r->agree);
            gn_io_jl_num(&j, "agree_params", r->agree_b);
            gn_io_jl_str(&j, "mpfr_stop", gn_fit_stop_name(r->mrep.stop));
        }
        gn_io_jl_end(&j);
        return;
    }
    printf("%-22s %2zu %2zu  %-24.17g %-11s %4.1f %8.1e %-7s %-7s %-25s %4zu", p->name, p->m,
           p->k, r->S, p->fmin_str, r->lre, r->tol, r->reached ? "reached" : "MISSED",
           gn_fit_stop_name(r->rep.stop), gn_fit_end_name(r->end), r->rep.iters);
    if (r->mp)
        printf("  %-24.17g %-7s %-7s %4.1f %4.1f", r->mS, r->mreached ? "reached" : "MISSED",
               gn_fit_stop_name(r->mrep.stop), r->agree, r->agree_b);
    printf("\n");
}

/* one file or every *.mgh file of a directory; exit 0 when every minimum is reached */
static int mgh_run(const char *file, const char *dir, const opts *o)
{
    char **files = (char **)&file, err[512];
    size_t nf = 1;
    if (dir && val_mgh_files(&files, &nf, dir, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: --mgh-all: %s\n", err);
        return GN_EXIT_USAGE;
    }
    if (!o->json) {
        printf("More-Garbow-Hillstrom problems in residual mode from their standard starts: S "
               "= sum r_i^2 against the\npublished minimum f*; reached when |S - f*| <= tol "
               "(one unit in f*'s last published digit;\n2^-52 S(start) when f* = 0); LRE = "
               "digits of S; ag.S, ag.x = digits of S and of the worst parameter shared with "
               "the MPFR route (%ld bits)\n\n",
               (long)o->prec);
        printf("%-22s %2s %2s  %-24s %-11s %4s %8s %-7s %-7s %-25s %4s", "problem", "m", "k",
               "S double", "f*", "LRE", "tol", "", "stop", "end point", "it");
        if (o->mp)
            printf("  %-24s %-7s %-7s %4s %4s", "S mpfr", "", "stop", "ag.S", "ag.x");
        printf("\n");
    }
    int rc = GN_EXIT_PASS;
    for (size_t f = 0; f < nf && rc != GN_EXIT_USAGE; f++) {
        val_mgh p;
        val_mgh_result r;
        gn_fit_problem fp = {NULL, NULL, 0, 0, NULL, NULL, NULL};
        start_diag sd;
        if (val_mgh_load(&p, files[f], err, sizeof err) != GN_OK) {
            fprintf(stderr, "gnlab fit: %s\n", err);
            rc = GN_EXIT_USAGE;
        } else if (fp.model = p.e, fp.n = p.m, start_check(&sd, &fp, p.b0)) {
            /* the start is where the file says: its residual and sub-expression located */
            start_message(&sd, &fp, NULL, p.b0, files[f], "the residuals");
            rc = GN_EXIT_USAGE;
            val_mgh_free(&p);
        } else if (val_mgh_run(&r, &p, o->mp, o->prec) != GN_OK) {
            fprintf(stderr, "gnlab fit: out of memory\n");
            rc = GN_EXIT_USAGE;
            val_mgh_free(&p);
        } else {
            mgh_row(&p, &r, o);
            if (!r.reached || (r.mp && !r.mreached))
                rc = GN_EXIT_FAIL;
            val_mgh_result_free(&r);
            val_mgh_free(&p);
        }
    }
    if (dir)
        val_mgh_files_free(files, nf);
    return rc;
}

/* the command line of gnlab fit */
typedef struct {
    opts o;
    const char *model, *data, *start, *nist, *all, *yname, *res, *mgh, *mgh_all, *bench;
    int mp_csv, no_mp;
} fit_args;

/* the options into A: -1 to run, else the exit status (help, usage) */
static int parse_fit_args(fit_args *A, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV                                                                                \
    do {                                                                                     \
        if (!v)                                                                              \
            return cli_usage(NAME, "%s needs a value", a);                                \
        i++;                                                                                 \
    } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return GN_EXIT_PASS;
        } else if (!strcmp(a, "--json"))
            A->o.json = 1;
        else if (!strcmp(a, "--no-mp"))
            A->no_mp = 1;
        else if (!strcmp(a, "--mp"))
            A->mp_csv = 1;
        else if (!strcmp(a, "--model")) {
            NEEDV;
            A->model = v;
        } else if (!strcmp(a, "--data")) {
            NEEDV;
            A->data = v;
        } else if (!strcmp(a, "--start")) {
            NEEDV;
            A->start = v;
        } else if (!strcmp(a, "--y")) {
            NEEDV;
            A->yname = v;
        } else if (!strcmp(a, "--weights") || !strcmp(a, "--sigma")) {
            NEEDV;
            if (A->o.wcol)
                return cli_usage(NAME, "give one of --weights and --sigma, once");
            A->o.wcol = v;
            A->o.sigma = a[2] == 's';
        } else if (!strcmp(a, "--residuals")) {
            NEEDV;
            A->res = v;
        } else if (!strcmp(a, "--nist")) {
            NEEDV;
            A->nist = v;
        } else if (!strcmp(a, "--nist-all")) {
            NEEDV;
            A->all = v;
        } else if (!strcmp(a, "--bench")) {
            NEEDV;
            A->bench = v;
        } else if (!strcmp(a, "--mgh")) {
            NEEDV;
            A->mgh = v;
        } else if (!strcmp(a, "--mgh-all")) {
            NEEDV;
            A->mgh_all = v;
        } else if (!strcmp(a, "--plot")) {
            NEEDV;
            A->o.plot = v;
        } else if (!strcmp(a, "--max-iter")) {
            NEEDV;
            if (cli_size(&A->o.max_iter, NAME, "--max-iter", v, 1, 100000000))
                return GN_EXIT_USAGE;
        } else if (!strcmp(a, "--xtol") || !strcmp(a, "--gtol")) {
            NEEDV;
            int x = a[2] == 'x';
            double t;
            if (cli_double(&t, NAME, a, v, 0.0, 1.0))
                return GN_EXIT_USAGE;
            if (!(t < 1.0))
                return cli_usage(NAME, "%s must be below 1 (a relative tolerance)", a);
            *(x ? &A->o.xtol : &A->o.gtol) = t;
            *(x ? &A->o.set_xtol : &A->o.set_gtol) = 1;
        } else if (!strcmp(a, "--out")) {
            NEEDV;
            A->o.out = v;
        } else if (!strcmp(a, "--solver")) {
            NEEDV;
            if (!strcmp(v, "lm"))
                A->o.solver = GN_FIT_NORMAL;
            else if (!strcmp(v, "qr"))
                A->o.solver = GN_FIT_QR;
            else if (!strcmp(v, "auto"))
                A->o.solver = GN_FIT_AUTO;
            else
                return cli_usage(NAME, "--solver: '%s' is not lm, qr or auto", v);
        } else if (!strcmp(a, "--prec")) {
            NEEDV;
            size_t pr;
            if (cli_size(&pr, NAME, "--prec", v, 64, 65536))
                return GN_EXIT_USAGE;
            A->o.prec = (mpfr_prec_t)pr;
        } else
            return cli_usage(NAME, "unknown option '%s'", a);
#undef NEEDV
    }
    return -1;
}

CLI_COMMAND(fit, "Gauss-Newton/LM fits of expressions; NIST StRD and MGH sets")
{
    fit_args A = {{GN_FIT_QR, 256, 0, 1, NULL, NULL, 0, 0, 0, 0, 0.0, 0.0, NULL},
                  NULL, NULL, NULL, NULL, NULL, "y", NULL, NULL, NULL, NULL, 0, 0};
    int st = parse_fit_args(&A, argc, argv);
    if (st >= 0)
        return st;
    opts o = A.o;
    const char *model = A.model, *data = A.data, *start = A.start, *nist = A.nist, *all = A.all,
               *yname = A.yname, *res = A.res, *mgh = A.mgh, *mgh_all = A.mgh_all,
               *bench = A.bench;
    int mp_csv = A.mp_csv, no_mp = A.no_mp;
    int modes = (model || data) + !!res + !!nist + !!all + !!mgh + !!mgh_all + !!bench;
    if (modes != 1 || (start && (nist || all || mgh || mgh_all || bench)))
        return cli_usage(NAME, "give one of --model/--data/--start, --residuals/--start, "
                               "--nist FILE, --nist-all DIR, --mgh FILE, --mgh-all DIR or "
                               "--bench DIR");
    if (bench)
        return fit_bench(bench);
    if (o.wcol && !data)
        return cli_usage(NAME, "--weights and --sigma need --data");
    if ((mgh || mgh_all) && o.plot)
        return cli_usage(NAME, "--plot needs data (--data or --nist)");
    if (nist || all) {
        if (o.max_iter || o.set_xtol || o.set_gtol || o.out)
            return cli_usage(NAME, "--max-iter, --xtol, --gtol and --out are for CSV fits: "
                                   "the NIST certification runs the default settings on "
                                   "every problem");
        o.mp = !no_mp;
        return nist ? nist_one(nist, &o) : nist_all(all, &o);
    }
    if (mgh || mgh_all) {
        o.mp = !no_mp;
        return mgh_run(mgh, mgh_all, &o);
    }
    o.mp = mp_csv;
    if (res) {
        if (!start)
            return cli_usage(NAME, "--residuals needs --start");
        if (o.plot)
            return cli_usage(NAME, "--plot needs data (--data): residual mode has no fitted "
                                   "values");
        return residual_fit(res, start, &o);
    }
    if (!model || !data || !start)
        return cli_usage(NAME, "a CSV fit needs --model, --data and --start");
    return csv_fit(model, data, start, yname, &o);
}
