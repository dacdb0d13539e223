/* cmd_fit.c: gnlab fit, nonlinear least squares on a model expression, certified
 * against the NIST StRD nonlinear regression problems. */
#include "cli.h"
#include "gn.h"
#include "gn_mp_fit.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAME "fit"

/* The targets of the issue: every certified parameter to >= 6 digits by the double solver
 * and >= 10 by the MPFR reference, from every start; the double solver's average LRE at
 * least Ceres Solver's reported 9.4 (dense QR, its NIST example's summary). */
#define TARGET_DOUBLE 6.0
#define TARGET_MP 10.0
#define TARGET_CERES_AVG 9.4

typedef struct {
    gn_fit_solver solver;
    mpfr_prec_t prec;
    int json, mp;
    const char *plot;
} opts;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void help(void)
{
    printf("usage: gnlab fit --model EXPR --data FILE.csv --start v1,v2,... [options]\n"
           "       gnlab fit --nist FILE.dat [options]\n"
           "       gnlab fit --nist-all DIR [options]\n\n"
           "Levenberg-Marquardt (gain-ratio damping of gn_lm.h) on a model expression with exact\n"
           "derivatives, in double and as an MPFR reference.\n\n"
           "  --model EXPR     model in the NIST notation: + - * / ** ^, unary minus, ( ) [ ],\n"
           "                   exp log sin cos tan atan arctan sqrt pi, parameters b1..bk,\n"
           "                   variables named by the CSV columns other than the response\n"
           "  --data FILE.csv  columns with a header line; the response is the column 'y'\n"
           "  --y NAME         the response column (default y)\n"
           "  --start LIST     starting values b1,b2,... (as many as the model's parameters)\n"
           "  --nist FILE.dat  a NIST StRD file: fit from each of its starts, report the LRE\n"
           "                   (correct significant digits, capped at the certified digits)\n"
           "  --nist-all DIR   every *.dat file in DIR: the LRE table with PASS/MISS per target\n"
           "                   (double >= %.0f digits, MPFR >= %.0f, double average >= %.1f)\n"
           "  --solver S       lm (normal equations), qr (QR of [J; sqrt(lambda) D], J^T J never\n"
           "                   formed) or auto (lm while well conditioned); default qr\n"
           "  --prec BITS      MPFR precision of the reference (default 256)\n"
           "  --no-mp          skip the MPFR reference (--nist, --nist-all)\n"
           "  --mp             run the MPFR reference on CSV data too (on the doubles as read)\n"
           "  --plot FILE.svg  data, fitted curve and residuals (gnuplot; one predictor)\n"
           "  --json           JSON Lines\n\n"
           "exit 0 when every fit converges and every target is met, 1 otherwise, 2 on bad input\n",
           TARGET_DOUBLE, TARGET_MP, TARGET_CERES_AVG);
}

/* ---------------------------------------------------------------- plotting */

static int plot_fit(const char *out, const gn_fit_problem *p, const double *b, const char *title)
{
    if (p->nx != 1) {
        fprintf(stderr, "gnlab fit: --plot needs exactly one predictor (this model has %zu)\n",
                p->nx);
        return -2;
    }
    char dpath[] = "/tmp/gnlab-fit-XXXXXX";
    int fd = mkstemp(dpath);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(dpath);
        return -1;
    }
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < p->n; i++) {
        double x = p->x[i], fx, g = p->y[i];
        if (p->resp)
            gn_expr_eval(p->resp, &g, NULL, NULL, &p->y[i]);
        gn_expr_eval(p->model, &fx, NULL, b, &x);
        fprintf(f, "%.17g %.17g %.17g\n", x, g, g - fx);
        xmin = x < xmin ? x : xmin;
        xmax = x > xmax ? x : xmax;
    }
    fprintf(f, "\n\n");
    for (int i = 0; i <= 400; i++) {
        double x = xmin + (xmax - xmin) * i / 400.0, fx;
        if (gn_expr_eval(p->model, &fx, NULL, b, &x) == GN_OK)
            fprintf(f, "%.17g %.17g\n", x, fx);
    }
    fclose(f);
    FILE *gp = popen("gnuplot", "w");
    if (!gp) {
        unlink(dpath);
        return -1;
    }
    fprintf(gp,
            "set terminal svg size 800,700\nset output '%s'\nset multiplot layout 2,1 title '%s'\n"
            "set ylabel 'response'\nplot '%s' index 0 using 1:2 with points pt 7 ps 0.5 title "
            "'data', '' index 1 using 1:2 with lines lw 2 title 'fit'\n"
            "set ylabel 'residual'\nset xlabel 'x'\nplot '%s' index 0 using 1:3 with impulses "
            "title 'residuals', 0 notitle\nunset multiplot\n",
            out, title, dpath, dpath);
    int rc = pclose(gp);
    unlink(dpath);
    return rc == 0 ? 0 : -1;
}

/* -------------------------------------------------------- one NIST problem */

typedef struct {
    int ok;                /* the double fit ran (not an input error) */
    gn_fit_report rep;
    double *b;
    double *lre;
    double lre_min, lre_rss, secs;
} dres;

typedef struct {
    int ok;
    gn_fit_report rep;
    char **str; /* the estimates, 20 significant digits */
    double *val; /* the estimates rounded to double */
    double *lre;
    double lre_min, lre_rss, secs;
} mres;

static void dres_free(dres *r)
{
    free(r->b);
    free(r->lre);
}

static void mres_free(mres *r, size_t k)
{
    if (r->str)
        for (size_t q = 0; q < k; q++)
            free(r->str[q]);
    free(r->str);
    free(r->lre);
    free(r->val);
}

static int run_double(dres *r, const gn_io_nist *p, const gn_io_nist_setup *s, size_t st,
                      gn_fit_solver solver)
{
    const size_t k = p->k;
    memset(r, 0, sizeof *r);
    r->b = calloc(k, sizeof(double));
    r->lre = calloc(k, sizeof(double));
    if (!r->b || !r->lre)
        return -1;
    gn_fit_params par = gn_fit_params_default();
    par.solver = solver;
    double t0 = now();
    gn_status e = gn_fit_run(r->b, &r->rep, &s->fp, p->start + st * k, &par);
    r->secs = now() - t0;
    r->ok = e == GN_OK;
    r->lre_min = INFINITY;
    for (size_t q = 0; q < k; q++) {
        r->lre[q] = r->ok ? gn_io_lre(r->b[q], p->cert[q], p->cert_digits[q]) : 0.0;
        if (r->lre[q] < r->lre_min)
            r->lre_min = r->lre[q];
    }
    r->lre_rss = r->ok ? gn_io_lre(r->rep.rss, p->rss, p->rss_digits) : 0.0;
    return 0;
}

static int run_mp(mres *r, const gn_io_nist *p, const gn_io_nist_setup *s, size_t st, mpfr_prec_t prec)
{
    const size_t k = p->k, n = p->n, nx = s->fp.nx;
    memset(r, 0, sizeof *r);
    r->str = calloc(k, sizeof(char *));
    r->lre = calloc(k, sizeof(double));
    r->val = calloc(k, sizeof(double));
    mpfr_ptr x = malloc((nx ? nx : 1) * n * sizeof(*x)), y = malloc(n * sizeof(*y));
    mpfr_ptr b = malloc(k * sizeof(*b)), b0 = malloc(k * sizeof(*b0));
    if (!r->str || !r->lre || !r->val || !x || !y || !b || !b0) {
        free(x);
        free(y);
        free(b);
        free(b0);
        return -1;
    }
    for (size_t c = 0, j = 0; c < p->ncols; c++) {
        for (size_t i = 0; i < n; i++) {
            mpfr_ptr t = c == p->ycol ? y + i : x + j * n + i;
            mpfr_init2(t, prec);
            mpfr_set_str(t, p->data_str[c * n + i], 10, MPFR_RNDN);
        }
        if (c != p->ycol)
            j++;
    }
    for (size_t q = 0; q < k; q++) {
        mpfr_init2(b + q, prec);
        mpfr_init2(b0 + q, prec);
        mpfr_set_d(b0 + q, p->start[st * k + q], MPFR_RNDN); /* starts are short decimals:
                                                                exact enough to start from */
    }
    gn_mp_fit_problem mp = {s->model, s->resp, n, nx, x, y};
    gn_mp_fit_params par = gn_mp_fit_params_default();
    double t0 = now();
    gn_status e = gn_mp_fit_run(b, &r->rep, &mp, b0, &par, prec);
    r->secs = now() - t0;
    r->ok = e == GN_OK;
    r->lre_min = INFINITY;
    for (size_t q = 0; q < k; q++) {
        r->lre[q] = r->ok ? gn_mp_lre(b + q, p->cert_str[q], p->cert_digits[q], prec) : 0.0;
        if (r->lre[q] < r->lre_min)
            r->lre_min = r->lre[q];
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.20Re", b + q);
        r->str[q] = strdup(buf);
        r->val[q] = mpfr_get_d(b + q, MPFR_RNDN);
    }
    /* the RSS is reported in double: its LRE is capped at 11 digits, far below double's 16 */
    r->lre_rss = r->ok ? gn_io_lre(r->rep.rss, p->rss, p->rss_digits) : 0.0;
    for (size_t c = 0; c < nx * n; c++)
        mpfr_clear(x + c);
    for (size_t i = 0; i < n; i++)
        mpfr_clear(y + i);
    for (size_t q = 0; q < k; q++) {
        mpfr_clear(b + q);
        mpfr_clear(b0 + q);
    }
    free(x);
    free(y);
    free(b);
    free(b0);
    return 0;
}

/* load and compile; prints the error (with the caret) and returns GN_EXIT_USAGE on bad input */
static int load(gn_io_nist *p, gn_io_nist_setup *s, const char *path)
{
    char err[512];
    if (gn_io_nist_read(p, path, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: %s\n", err);
        return GN_EXIT_USAGE;
    }
    gn_expr_error ee;
    int inresp = 0;
    if (gn_io_nist_problem(s, p, &ee, &inresp) != GN_OK) {
        fprintf(stderr, "gnlab fit: %s:%zu: the model's %s: %s\n", path, p->model_line,
                inresp ? "left-hand side" : "right-hand side", ee.msg);
        gn_expr_print_error(stderr, inresp ? p->response : p->model, &ee);
        gn_io_nist_free(p);
        return GN_EXIT_USAGE;
    }
    return 0;
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

static int nist_one(const char *path, const opts *o)
{
    gn_io_nist p;
    gn_io_nist_setup s;
    int rc = load(&p, &s, path);
    if (rc)
        return rc;
    int fail = 0;
    if (!o->json)
        printf("%s (%s): %zu parameters, %zu observations, %zu starts\n  %s = %s\n"
               "  double solver: %s; MPFR reference: %s\n",
               p.name, path, p.k, p.n, p.nstart, p.response, p.model,
               gn_fit_solver_name(o->solver),
               o->mp ? "on" : "off (--no-mp)");
    for (size_t st = 0; st < p.nstart; st++) {
        dres d;
        mres m = {0};
        if (run_double(&d, &p, &s, st, o->solver) || (o->mp && run_mp(&m, &p, &s, st, o->prec))) {
            fprintf(stderr, "gnlab fit: out of memory\n");
            dres_free(&d);
            mres_free(&m, p.k);
            rc = GN_EXIT_USAGE;
            break;
        }
        if (!d.ok) {
            fprintf(stderr,
                    "gnlab fit: %s: start %zu: the model or its derivative is not finite at the "
                    "starting values (a division by zero, a log or sqrt of a negative number, or "
                    "an overflow for some observation)\n",
                    path, st + 1);
            rc = GN_EXIT_USAGE;
        }
        int dconv = d.ok && gn_fit_stop_converged(d.rep.stop);
        int mconv = !o->mp || (m.ok && gn_fit_stop_converged(m.rep.stop));
        int dpass = dconv && d.lre_min >= TARGET_DOUBLE;
        int mpass = !o->mp || (mconv && m.lre_min >= TARGET_MP);
        fail |= !dpass || !mpass;
        if (o->json) {
            for (size_t q = 0; q < p.k; q++) {
                gn_io_jl j;
                gn_io_jl_begin(&j, stdout);
                gn_io_jl_str(&j, "problem", p.name);
                gn_io_jl_int(&j, "start", (long long)st + 1);
                char pn[32];
                snprintf(pn, sizeof pn, "b%zu", q + 1);
                gn_io_jl_str(&j, "param", pn);
                gn_io_jl_str(&j, "certified", p.cert_str[q]);
                gn_io_jl_int(&j, "digits", p.cert_digits[q]);
                gn_io_jl_num(&j, "double", d.b[q]);
                gn_io_jl_num(&j, "lre_double", d.lre[q]);
                if (o->mp) {
                    gn_io_jl_str(&j, "mpfr", m.str[q]);
                    gn_io_jl_num(&j, "lre_mpfr", m.lre[q]);
                }
                gn_io_jl_end(&j);
            }
            gn_io_jl j;
            gn_io_jl_begin(&j, stdout);
            gn_io_jl_str(&j, "problem", p.name);
            gn_io_jl_int(&j, "start", (long long)st + 1);
            gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
            gn_io_jl_str(&j, "rss_certified", p.rss_str);
            gn_io_jl_num(&j, "lre_min_double", d.lre_min);
            gn_io_jl_num(&j, "lre_rss_double", d.lre_rss);
            json_report(&j, "double", &d.rep, d.secs);
            if (o->mp) {
                gn_io_jl_int(&j, "prec", (long long)o->prec);
                gn_io_jl_num(&j, "lre_min_mpfr", m.lre_min);
                gn_io_jl_num(&j, "lre_rss_mpfr", m.lre_rss);
                json_report(&j, "mpfr", &m.rep, m.secs);
            }
            gn_io_jl_bool(&j, "pass", dpass && mpass);
            gn_io_jl_end(&j);
        } else {
            printf("\n start %zu: (", st + 1);
            for (size_t q = 0; q < p.k; q++)
                printf("%s%.17g", q ? ", " : "", p.start[st * p.k + q]);
            printf(")\n  %-4s %-20s %-24s %5s", "", "certified", "double", "LRE");
            if (o->mp)
                printf("  %-28s %5s", "MPFR", "LRE");
            printf("\n");
            for (size_t q = 0; q < p.k; q++) {
                printf("  b%-3zu %-20s %-24.17g %5.1f", q + 1, p.cert_str[q], d.b[q], d.lre[q]);
                if (o->mp)
                    printf("  %-28s %5.1f", m.str[q], m.lre[q]);
                printf("\n");
            }
            printf("  %-4s %-20s %-24.17g %5.1f", "RSS", p.rss_str, d.rep.rss, d.lre_rss);
            if (o->mp)
                printf("  %-28.17g %5.1f", m.rep.rss, m.lre_rss);
            printf("\n");
            print_report(stdout, gn_fit_solver_name(o->solver), &d.rep, d.secs);
            if (o->mp)
                print_report(stdout, "mpfr", &m.rep, m.secs);
            printf("  targets: double min LRE %.1f >= %.0f %s", d.lre_min, TARGET_DOUBLE,
                   dpass ? "PASS" : "MISS");
            if (o->mp)
                printf("; MPFR min LRE %.1f >= %.0f %s", m.lre_min, TARGET_MP,
                       mpass ? "PASS" : "MISS");
            printf("\n");
        }
        if (o->plot && st == p.nstart - 1) {
            char title[128];
            snprintf(title, sizeof title, "%s, start %zu", p.name, st + 1);
            if (plot_fit(o->plot, &s.fp, d.b, title) == -1)
                fprintf(stderr, "gnlab fit: could not write the plot %s (is gnuplot "
                                "installed?)\n", o->plot);
        }
        dres_free(&d);
        mres_free(&m, p.k);
        if (rc)
            break;
    }
    gn_io_nist_problem_free(&s);
    gn_io_nist_free(&p);
    if (rc)
        return rc;
    return fail ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* ------------------------------------------------------------- the suite */

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int nist_all(const char *dir, const opts *o)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "gnlab fit: --nist-all: cannot open directory %s\n", dir);
        return GN_EXIT_USAGE;
    }
    char **files = NULL;
    size_t nf = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".dat")) {
            char **nfl = realloc(files, (nf + 1) * sizeof *nfl);
            if (!nfl)
                break;
            files = nfl;
            size_t pl = strlen(dir) + l + 2;
            files[nf] = malloc(pl);
            if (!files[nf])
                break;
            snprintf(files[nf], pl, "%s/%s", dir, de->d_name);
            nf++;
        }
    }
    closedir(dp);
    if (!nf) {
        fprintf(stderr, "gnlab fit: --nist-all: no *.dat files in %s\n", dir);
        free(files);
        return GN_EXIT_USAGE;
    }
    qsort(files, nf, sizeof *files, cmpstr);
    static const gn_fit_solver solv[3] = {GN_FIT_NORMAL, GN_FIT_QR, GN_FIT_AUTO};
    double sum[3] = {0}, summp = 0.0, tsolv[3] = {0}, tmp = 0.0;
    size_t cnt = 0, cntmp = 0, nmiss_d = 0, nmiss_m = 0, nruns = 0;
    int bad = 0;
    double t0 = now();
    if (!o->json)
        printf("NIST StRD suite in %s: LRE = correct significant digits (capped at the "
               "certified digits)\n"
               "min over the parameters; lm = normal equations, qr = QR of [J; sqrt(lambda) D], "
               "auto = lm until ill-conditioned; mpfr at %ld bits from the same start\n\n"
               "agree = digits shared by the %s solution and the MPFR one (uncapped, at most 17)\n\n"
               "%-9s %2s %2s | %5s %5s %5s %5s | %5s | %4s %4s %4s | %5s %4s %5s | %s\n",
               dir, (long)o->prec, gn_fit_solver_name(o->solver), "problem", "st", "k", "lm",
               "qr", "auto", "mpfr", "agree", "it.lm", "it.qr", "it.mp", "rss", "rsmp", "t.mp",
               "stop (lm/qr/auto/mp)");
    for (size_t f = 0; f < nf; f++) {
        gn_io_nist p;
        gn_io_nist_setup s;
        if (load(&p, &s, files[f])) {
            bad = 1;
            continue;
        }
        for (size_t st = 0; st < p.nstart; st++) {
            dres d[3];
            mres m = {0};
            int oom = 0;
            for (int v = 0; v < 3; v++)
                oom |= run_double(&d[v], &p, &s, st, solv[v]);
            if (o->mp)
                oom |= run_mp(&m, &p, &s, st, o->prec);
            if (oom) {
                fprintf(stderr, "gnlab fit: out of memory\n");
                return GN_EXIT_USAGE;
            }
            nruns++;
            int sel = o->solver == GN_FIT_NORMAL ? 0 : o->solver == GN_FIT_QR ? 1 : 2;
            for (int v = 0; v < 3; v++) {
                for (size_t q = 0; q < p.k; q++)
                    sum[v] += d[v].lre[q];
                tsolv[v] += d[v].secs;
            }
            cnt += p.k;
            int dpass = d[sel].ok && gn_fit_stop_converged(d[sel].rep.stop) &&
                        d[sel].lre_min >= TARGET_DOUBLE;
            nmiss_d += !dpass;
            int mpass = 1;
            double agree = INFINITY;
            if (o->mp)
                for (size_t q = 0; q < p.k; q++) {
                    double a = gn_io_lre(d[sel].b[q], m.val[q], 17);
                    agree = a < agree ? a : agree;
                }
            if (o->mp) {
                for (size_t q = 0; q < p.k; q++)
                    summp += m.lre[q];
                cntmp += p.k;
                tmp += m.secs;
                mpass = m.ok && gn_fit_stop_converged(m.rep.stop) && m.lre_min >= TARGET_MP;
                nmiss_m += !mpass;
            }
            if (o->json) {
                gn_io_jl j;
                gn_io_jl_begin(&j, stdout);
                gn_io_jl_str(&j, "problem", p.name);
                gn_io_jl_int(&j, "start", (long long)st + 1);
                gn_io_jl_int(&j, "k", (long long)p.k);
                for (int v = 0; v < 3; v++) {
                    char key[32];
                    snprintf(key, sizeof key, "lre_min_%s", gn_fit_solver_name(solv[v]));
                    gn_io_jl_num(&j, key, d[v].lre_min);
                    snprintf(key, sizeof key, "lre_rss_%s", gn_fit_solver_name(solv[v]));
                    gn_io_jl_num(&j, key, d[v].lre_rss);
                    json_report(&j, gn_fit_solver_name(solv[v]), &d[v].rep, d[v].secs);
                }
                if (o->mp) {
                    gn_io_jl_num(&j, "lre_min_mpfr", m.lre_min);
                    gn_io_jl_num(&j, "lre_rss_mpfr", m.lre_rss);
                    gn_io_jl_num(&j, "agree_digits", agree);
                    json_report(&j, "mpfr", &m.rep, m.secs);
                }
                gn_io_jl_bool(&j, "pass_double", dpass);
                gn_io_jl_bool(&j, "pass_mpfr", mpass);
                gn_io_jl_end(&j);
            } else {
                printf("%-9s %2zu %2zu | %5.1f %5.1f %5.1f ", p.name, st + 1, p.k,
                       d[0].lre_min, d[1].lre_min, d[2].lre_min);
                if (o->mp)
                    printf("%5.1f | %5.1f", m.lre_min, agree);
                else
                    printf("%5s | %5s", "-", "-");
                printf(" | %4zu %4zu ", d[0].rep.iters, d[1].rep.iters);
                if (o->mp)
                    printf("%4zu | %5.1f %4.1f %5.2f", m.rep.iters, d[sel].lre_rss, m.lre_rss,
                           m.secs);
                else
                    printf("%4s | %5.1f %4s %5s", "-", d[sel].lre_rss, "-", "-");
                printf(" | %s/%s/%s/%s %s%s\n", gn_fit_stop_name(d[0].rep.stop),
                       gn_fit_stop_name(d[1].rep.stop), gn_fit_stop_name(d[2].rep.stop),
                       o->mp ? gn_fit_stop_name(m.rep.stop) : "-", dpass ? "" : "MISS(double) ",
                       mpass ? "" : "MISS(mpfr)");
            }
            for (int v = 0; v < 3; v++)
                dres_free(&d[v]);
            mres_free(&m, p.k);
        }
        gn_io_nist_problem_free(&s);
        gn_io_nist_free(&p);
    }
    for (size_t f = 0; f < nf; f++)
        free(files[f]);
    free(files);
    double total = now() - t0;
    int sel = o->solver == GN_FIT_NORMAL ? 0 : o->solver == GN_FIT_QR ? 1 : 2;
    double avg[3];
    for (int v = 0; v < 3; v++)
        avg[v] = cnt ? sum[v] / (double)cnt : 0.0;
    int avgpass = avg[sel] >= TARGET_CERES_AVG;
    int pass = !bad && nmiss_d == 0 && nmiss_m == 0 && avgpass;
    if (o->json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "summary", dir);
        gn_io_jl_int(&j, "runs", (long long)nruns);
        gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
        gn_io_jl_num(&j, "avg_lre_lm", avg[0]);
        gn_io_jl_num(&j, "avg_lre_qr", avg[1]);
        gn_io_jl_num(&j, "avg_lre_auto", avg[2]);
        if (o->mp)
            gn_io_jl_num(&j, "avg_lre_mpfr", cntmp ? summp / (double)cntmp : 0.0);
        gn_io_jl_int(&j, "miss_double", (long long)nmiss_d);
        gn_io_jl_int(&j, "miss_mpfr", (long long)nmiss_m);
        gn_io_jl_num(&j, "seconds_lm", tsolv[0]);
        gn_io_jl_num(&j, "seconds_qr", tsolv[1]);
        gn_io_jl_num(&j, "seconds_auto", tsolv[2]);
        gn_io_jl_num(&j, "seconds_mpfr", tmp);
        gn_io_jl_num(&j, "seconds_total", total);
        gn_io_jl_bool(&j, "pass", pass);
        gn_io_jl_end(&j);
    } else {
        printf("\naverage LRE over %zu parameter estimates: lm %.2f, qr %.2f, auto %.2f", cnt,
               avg[0], avg[1], avg[2]);
        if (o->mp)
            printf(", mpfr %.2f", cntmp ? summp / (double)cntmp : 0.0);
        printf("\ntime: lm %.3f s, qr %.3f s, auto %.3f s, mpfr %.2f s, total %.2f s\n",
               tsolv[0], tsolv[1], tsolv[2], tmp, total);
        printf("target: %s solver LRE >= %.0f on every parameter, every start: %s (%zu of %zu "
               "runs miss)\n",
               gn_fit_solver_name(o->solver), TARGET_DOUBLE, nmiss_d ? "MISS" : "PASS", nmiss_d,
               nruns);
        printf("target: %s solver average LRE %.2f >= Ceres's %.1f: %s\n",
               gn_fit_solver_name(o->solver), avg[sel], TARGET_CERES_AVG,
               avgpass ? "PASS" : "MISS");
        if (o->mp)
            printf("target: MPFR (%ld bits) LRE >= %.0f on every parameter, every start: %s "
                   "(%zu of %zu runs miss)\n",
                   (long)o->prec, TARGET_MP, nmiss_m ? "MISS" : "PASS", nmiss_m, nruns);
        else
            printf("target: MPFR reference not run (--no-mp)\n");
        if (bad)
            printf("some files could not be read (see above): MISS\n");
    }
    return pass ? GN_EXIT_PASS : GN_EXIT_FAIL;
}

/* ------------------------------------------------------------ CSV models */

static int csv_fit(const char *model, const char *data, const char *startl, const char *yname,
                   const opts *o)
{
    char err[512];
    gn_io_table t;
    if (gn_io_csv_read(&t, data, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab fit: %s\n", err);
        return GN_EXIT_USAGE;
    }
    long yc = gn_io_table_col(&t, yname);
    if (yc < 0) {
        fprintf(stderr, "gnlab fit: %s has no column '%s' (the response; see --y)\n", data,
                yname);
        gn_io_table_free(&t);
        return GN_EXIT_USAGE;
    }
    size_t n = t.nrows, nx = t.ncols - 1;
    const char **xn = malloc((nx ? nx : 1) * sizeof(char *));
    double *x = malloc((nx ? nx : 1) * n * sizeof(double));
    if (!xn || !x) {
        free(xn);
        free(x);
        gn_io_table_free(&t);
        return GN_EXIT_USAGE;
    }
    for (size_t c = 0, j = 0; c < t.ncols; c++)
        if ((long)c != yc) {
            xn[j] = t.names[c];
            memcpy(x + j * n, t.cols + c * n, n * sizeof(double));
            j++;
        }
    gn_expr *e = NULL;
    gn_expr_error ee;
    int rc = GN_EXIT_PASS;
    double *b0 = NULL, *b = NULL;
    if (gn_expr_compile(&e, model, xn, nx, NULL, NULL, 0, &ee) != GN_OK) {
        fprintf(stderr, "gnlab fit: --model: %s\n", ee.msg);
        gn_expr_print_error(stderr, model, &ee);
        rc = GN_EXIT_USAGE;
        goto out;
    }
    if (e->nparams == 0) {
        fprintf(stderr, "gnlab fit: --model has no parameters b1, b2, ...\n");
        rc = GN_EXIT_USAGE;
        goto out;
    }
    for (size_t q = 0; q < e->nparams; q++)
        if (!gn_expr_uses(e, q)) {
            fprintf(stderr, "gnlab fit: --model uses b%zu but not b%zu: parameters must be "
                            "b1..bk without gaps\n", e->nparams, q + 1);
            rc = GN_EXIT_USAGE;
            goto out;
        }
    /* the start: exactly k numbers */
    size_t k = e->nparams, cnt = 0;
    b0 = malloc(k * sizeof(double));
    b = malloc(k * sizeof(double));
    if (!b0 || !b) {
        rc = GN_EXIT_USAGE;
        goto out;
    }
    {
        const char *s = startl;
        for (;;) {
            char buf[64];
            size_t len = strcspn(s, ",");
            if (len >= sizeof buf) {
                rc = cli_usage(NAME, "--start: value %zu is too long", cnt + 1);
                goto out;
            }
            memcpy(buf, s, len);
            buf[len] = 0;
            double v;
            if (cnt < k) {
                if (cli_double(&v, NAME, "--start", buf, -INFINITY, INFINITY)) {
                    rc = GN_EXIT_USAGE;
                    goto out;
                }
                b0[cnt] = v;
            }
            cnt++;
            s += len;
            if (!*s)
                break;
            s++;
        }
    }
    if (cnt != k) {
        rc = cli_usage(NAME, "--start has %zu values but the model has %zu parameters "
                          "(b1..b%zu)", cnt, k, k);
        goto out;
    }
    if (n < k) {
        fprintf(stderr, "gnlab fit: %s has %zu data rows but the model has %zu parameters: a "
                        "least-squares fit needs at least as many rows as parameters\n",
                data, n, k);
        rc = GN_EXIT_USAGE;
        goto out;
    }
    gn_fit_problem fp = {e, NULL, n, nx, x, t.cols + (size_t)yc * n};
    /* a model that is not finite at the start is bad input, named by its row */
    {
        double *xv = malloc((nx + 1) * sizeof(double)), f;
        if (!xv) {
            rc = GN_EXIT_USAGE;
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            for (size_t c = 0; c < nx; c++)
                xv[c] = x[c * n + i];
            double *g = malloc(k * sizeof(double));
            gn_status es = g ? gn_expr_eval(e, &f, g, b0, xv) : GN_ENOMEM;
            free(g);
            if (es != GN_OK) {
                fprintf(stderr,
                        "gnlab fit: the model or its derivative is not finite at the start "
                        "point for data row %zu of %s (value %.17g)",
                        i + 1, data, f);
                for (size_t c = 0; c < nx; c++)
                    fprintf(stderr, ", %s = %.17g", xn[c], xv[c]);
                fprintf(stderr, " (a division by zero, a log or sqrt of a negative number, or "
                                "an overflow)\n");
                free(xv);
                rc = GN_EXIT_USAGE;
                goto out;
            }
        }
        free(xv);
    }
    gn_fit_report rep;
    gn_fit_params par = gn_fit_params_default();
    par.solver = o->solver;
    double t0 = now();
    gn_status st = gn_fit_run(b, &rep, &fp, b0, &par);
    double secs = now() - t0;
    if (st != GN_OK) {
        fprintf(stderr, "gnlab fit: the fit failed: %s\n", gn_strerror(st));
        rc = st == GN_ESIZE ? GN_EXIT_USAGE : GN_EXIT_FAIL;
        goto out;
    }
    int conv = gn_fit_stop_converged(rep.stop);
    if (!conv)
        rc = GN_EXIT_FAIL;
    /* optional MPFR reference on the doubles as read */
    char **mstr = NULL;
    gn_fit_report mrep;
    double msecs = 0.0;
    double *agree = NULL;
    if (o->mp) {
        mpfr_ptr mx = malloc((nx ? nx : 1) * n * sizeof(*mx)), my = malloc(n * sizeof(*my));
        mpfr_ptr mb = malloc(k * sizeof(*mb)), mb0 = malloc(k * sizeof(*mb0));
        mstr = calloc(k, sizeof(char *));
        agree = calloc(k, sizeof(double));
        if (mx && my && mb && mb0 && mstr && agree) {
            for (size_t i = 0; i < nx * n; i++) {
                mpfr_init2(mx + i, o->prec);
                mpfr_set_d(mx + i, x[i], MPFR_RNDN);
            }
            for (size_t i = 0; i < n; i++) {
                mpfr_init2(my + i, o->prec);
                mpfr_set_d(my + i, fp.y[i], MPFR_RNDN);
            }
            for (size_t q = 0; q < k; q++) {
                mpfr_init2(mb + q, o->prec);
                mpfr_init2(mb0 + q, o->prec);
                mpfr_set_d(mb0 + q, b0[q], MPFR_RNDN);
            }
            gn_mp_fit_problem mp = {e, NULL, n, nx, mx, my};
            double t1 = now();
            gn_status ms = gn_mp_fit_run(mb, &mrep, &mp, mb0, NULL, o->prec);
            msecs = now() - t1;
            if (ms != GN_OK || !gn_fit_stop_converged(mrep.stop))
                rc = GN_EXIT_FAIL;
            for (size_t q = 0; q < k; q++) {
                char buf[64];
                mpfr_snprintf(buf, sizeof buf, "%.20Re", mb + q);
                mstr[q] = strdup(buf);
                agree[q] = gn_io_lre(b[q], mpfr_get_d(mb + q, MPFR_RNDN), 16);
            }
            for (size_t i = 0; i < nx * n; i++)
                mpfr_clear(mx + i);
            for (size_t i = 0; i < n; i++)
                mpfr_clear(my + i);
            for (size_t q = 0; q < k; q++) {
                mpfr_clear(mb + q);
                mpfr_clear(mb0 + q);
            }
        } else
            rc = GN_EXIT_USAGE;
        free(mx);
        free(my);
        free(mb);
        free(mb0);
    }
    if (o->json) {
        for (size_t q = 0; q < k; q++) {
            gn_io_jl j;
            gn_io_jl_begin(&j, stdout);
            char pn[32];
            snprintf(pn, sizeof pn, "b%zu", q + 1);
            gn_io_jl_str(&j, "param", pn);
            gn_io_jl_num(&j, "start", b0[q]);
            gn_io_jl_num(&j, "double", b[q]);
            if (mstr) {
                gn_io_jl_str(&j, "mpfr", mstr[q]);
                gn_io_jl_num(&j, "agree_digits", agree[q]);
            }
            gn_io_jl_end(&j);
        }
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "model", model);
        gn_io_jl_str(&j, "data", data);
        gn_io_jl_int(&j, "n", (long long)n);
        gn_io_jl_str(&j, "solver", gn_fit_solver_name(o->solver));
        json_report(&j, "double", &rep, secs);
        if (mstr)
            json_report(&j, "mpfr", &mrep, msecs);
        gn_io_jl_bool(&j, "pass", rc == GN_EXIT_PASS);
        gn_io_jl_end(&j);
    } else {
        printf("model: %s\ndata: %s (%zu rows; response %s)\n", model, data, n, yname);
        printf("  %-4s %-24s %-24s", "", "start", "estimate");
        if (mstr)
            printf(" %-28s %s", "MPFR", "agree");
        printf("\n");
        for (size_t q = 0; q < k; q++) {
            printf("  b%-3zu %-24.17g %-24.17g", q + 1, b0[q], b[q]);
            if (mstr)
                printf(" %-28s %5.1f", mstr[q], agree[q]);
            printf("\n");
        }
        printf("  RSS %.17g\n", rep.rss);
        print_report(stdout, gn_fit_solver_name(o->solver), &rep, secs);
        if (mstr)
            print_report(stdout, "mpfr", &mrep, msecs);
        if (!conv)
            printf("  the fit did NOT converge (stop: %s): the estimate is the best point "
                   "found, not a minimum\n",
                   gn_fit_stop_name(rep.stop));
    }
    if (o->plot && plot_fit(o->plot, &fp, b, model) == -1)
        fprintf(stderr, "gnlab fit: could not write the plot %s (is gnuplot installed?)\n",
                o->plot);
    if (mstr)
        for (size_t q = 0; q < k; q++)
            free(mstr[q]);
    free(mstr);
    free(agree);
out:
    gn_expr_free(e);
    free(b0);
    free(b);
    free(xn);
    free(x);
    gn_io_table_free(&t);
    return rc;
}

CLI_COMMAND(fit, "Gauss-Newton/LM fits of model expressions; NIST StRD certification")
{
    opts o = {GN_FIT_QR, 256, 0, 1, NULL};
    const char *model = NULL, *data = NULL, *start = NULL, *nist = NULL, *all = NULL,
               *yname = "y";
    int mp_csv = 0, no_mp = 0;
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
            o.json = 1;
        else if (!strcmp(a, "--no-mp"))
            no_mp = 1;
        else if (!strcmp(a, "--mp"))
            mp_csv = 1;
        else if (!strcmp(a, "--model")) {
            NEEDV;
            model = v;
        } else if (!strcmp(a, "--data")) {
            NEEDV;
            data = v;
        } else if (!strcmp(a, "--start")) {
            NEEDV;
            start = v;
        } else if (!strcmp(a, "--y")) {
            NEEDV;
            yname = v;
        } else if (!strcmp(a, "--nist")) {
            NEEDV;
            nist = v;
        } else if (!strcmp(a, "--nist-all")) {
            NEEDV;
            all = v;
        } else if (!strcmp(a, "--plot")) {
            NEEDV;
            o.plot = v;
        } else if (!strcmp(a, "--solver")) {
            NEEDV;
            if (!strcmp(v, "lm"))
                o.solver = GN_FIT_NORMAL;
            else if (!strcmp(v, "qr"))
                o.solver = GN_FIT_QR;
            else if (!strcmp(v, "auto"))
                o.solver = GN_FIT_AUTO;
            else
                return cli_usage(NAME, "--solver: '%s' is not lm, qr or auto", v);
        } else if (!strcmp(a, "--prec")) {
            NEEDV;
            size_t pr;
            if (cli_size(&pr, NAME, "--prec", v, 64, 65536))
                return GN_EXIT_USAGE;
            o.prec = (mpfr_prec_t)pr;
        } else
            return cli_usage(NAME, "unknown option '%s'", a);
#undef NEEDV
    }
    int modes = (model || data || start) + !!nist + !!all;
    if (modes != 1)
        return cli_usage(NAME, "give one of --model/--data/--start, --nist FILE or "
                                  "--nist-all DIR");
    if (nist || all) {
        o.mp = !no_mp;
        return nist ? nist_one(nist, &o) : nist_all(all, &o);
    }
    if (!model || !data || !start)
        return cli_usage(NAME, "a CSV fit needs --model, --data and --start");
    o.mp = mp_csv;
    return csv_fit(model, data, start, yname, &o);
}
