/* bench_fit.c: gnlab fit beside GSL's gsl_multifit_nlinear on the NIST StRD suite
 * (val_nist.h, val_bench_fit). Both solvers get their residuals and exact Jacobians from the
 * same compiled expression (gn_expr_eval), so the comparison is of the iterations alone. */
#include "val_nist.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the problem as GSL's callbacks see it: r_i = f(x_i; b) - g(y_i), J = d r / d b */
typedef struct {
    const gn_fit_problem *p;
    double *gy, *xv, *grad;
} gsl_ctx;

static int ctx_eval(gsl_ctx *c, const gsl_vector *b, gsl_vector *f, gsl_matrix *J)
{
    const gn_fit_problem *p = c->p;
    const size_t k = p->model->nparams;
    double bb[64];
    for (size_t q = 0; q < k; q++)
        bb[q] = gsl_vector_get(b, q);
    for (size_t i = 0; i < p->n; i++) {
        for (size_t col = 0; col < p->nx; col++)
            c->xv[col] = p->x[col * p->n + i];
        double fv;
        if (gn_expr_eval(p->model, &fv, J ? c->grad : NULL, bb, c->xv) != GN_OK)
            return GSL_EDOM;
        if (f)
            gsl_vector_set(f, i, fv - c->gy[i]);
        if (J)
            for (size_t q = 0; q < k; q++)
                gsl_matrix_set(J, i, q, c->grad[q]);
    }
    return GSL_SUCCESS;
}

static int gsl_f(const gsl_vector *b, void *params, gsl_vector *f)
{
    return ctx_eval(params, b, f, NULL);
}

static int gsl_df(const gsl_vector *b, void *params, gsl_matrix *J)
{
    return ctx_eval(params, b, NULL, J);
}

/* GSL's trust-region LM with the QR solver (and its default More scaling) from b0, at most
 * max_iter iterations, xtol = gtol = ftol = 1e-15 (tighter than GSL's suggested 1e-8, so
 * that GSL is not stopped short of its digits); b gets the position; 0 when the driver
 * reported success */
static int gsl_fit(double *b, const gn_fit_problem *p, const double *b0, size_t max_iter,
                   size_t *iters)
{
    const size_t n = p->n, k = p->model->nparams;
    gsl_ctx c = {p, malloc(n * sizeof(double)), malloc((p->nx + 1) * sizeof(double)),
                 malloc(k * sizeof(double))};
    int rc = -1;
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    par.trs = gsl_multifit_nlinear_trs_lm;
    par.solver = gsl_multifit_nlinear_solver_qr;
    gsl_multifit_nlinear_workspace *w =
        c.gy && c.xv && c.grad && k <= 64
            ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, k)
            : NULL;
    gsl_vector_const_view x0 = gsl_vector_const_view_array(b0, k);
    gsl_multifit_nlinear_fdf fdf = {gsl_f, gsl_df, NULL, n, k, &c, 0, 0, 0};
    *iters = 0;
    memcpy(b, b0, k * sizeof(double));
    if (w) {
        for (size_t i = 0; i < n; i++) {
            double yv = p->y[i];
            c.gy[i] = yv;
            if (p->resp)
                gn_expr_eval(p->resp, &c.gy[i], NULL, NULL, &yv);
        }
        int info = 0;
        if (gsl_multifit_nlinear_init(&x0.vector, &fdf, w) == GSL_SUCCESS) {
            int st = gsl_multifit_nlinear_driver(max_iter, 1e-15, 1e-15, 1e-15, NULL, NULL,
                                                 &info, w);
            gsl_vector *x = gsl_multifit_nlinear_position(w);
            for (size_t q = 0; q < k; q++)
                b[q] = gsl_vector_get(x, q);
            *iters = gsl_multifit_nlinear_niter(w);
            rc = st == GSL_SUCCESS ? 0 : -1;
        }
        gsl_multifit_nlinear_free(w);
    }
    free(c.gy);
    free(c.xv);
    free(c.grad);
    return rc;
}

/* min over the parameters of the LRE against the certificate */
static double min_lre(const double *b, const gn_io_nist *p)
{
    double m = INFINITY;
    for (size_t q = 0; q < p->k; q++)
        m = fmin(m, gn_io_lre(b[q], p->cert[q], p->cert_digits[q]));
    return m;
}

/* seconds per fit: the fit repeated until 0.02 s have passed (at least once) */
static double time_gnlab(double *b, gn_fit_report *rep, const gn_fit_problem *fp,
                         const double *b0, const gn_fit_params *par)
{
    size_t reps = 0;
    double t0 = gn_io_now(), t;
    do {
        gn_fit_run(b, rep, fp, b0, par);
        reps++;
    } while ((t = gn_io_now() - t0) < 0.02);
    return t / (double)reps;
}

static double time_gsl(double *b, int *ok, size_t *iters, const gn_fit_problem *fp,
                       const double *b0, size_t max_iter)
{
    size_t reps = 0;
    double t0 = gn_io_now(), t;
    do {
        *ok = gsl_fit(b, fp, b0, max_iter, iters) == 0;
        reps++;
    } while ((t = gn_io_now() - t0) < 0.02);
    return t / (double)reps;
}

gn_status val_bench_fit(val_bench_fit_summary *sum, FILE *out, char *const *files, size_t nf,
                        FILE *msg)
{
    memset(sum, 0, sizeof *sum);
    sum->min_gn = sum->min_gsl = INFINITY;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    fprintf(out, "gnlab fit (LM + geodesic acceleration + GN refinement, QR) beside GSL "
                 "gsl_multifit_nlinear (trust-region LM, QR solver, More scaling), same "
                 "expressions and exact Jacobians, default settings, %d iterations at most\n\n"
                 "%-9s %2s | %6s %6s | %9s %9s | %5s %5s\n",
            2000, "problem", "st", "gnlab", "gsl", "gnlab ms", "gsl ms", "it.gn", "it.gs");
    gn_status e = GN_OK;
    for (size_t f = 0; f < nf && e == GN_OK; f++) {
        gn_io_nist p;
        gn_io_nist_setup s;
        if (val_nist_load(&p, &s, files[f], msg, "gnlab fit --bench") != GN_OK) {
            sum->bad = 1;
            continue;
        }
        double *b = malloc(2 * p.k * sizeof(double));
        if (!b)
            e = GN_ENOMEM;
        for (size_t st = 0; b && st < p.nstart; st++) {
            const double *b0 = p.start + st * p.k;
            gn_fit_params par = gn_fit_params_default();
            par.solver = GN_FIT_QR;
            gn_fit_report rep;
            int ok = 0;
            size_t it = 0;
            double tg = time_gnlab(b, &rep, &s.fp, b0, &par);
            double lg = gn_fit_stop_converged(rep.stop) ? min_lre(b, &p) : 0.0;
            double ts = time_gsl(b + p.k, &ok, &it, &s.fp, b0, par.max_iter);
            double ls = min_lre(b + p.k, &p);
            fprintf(out, "%-9s %2zu | %6.1f %6.1f | %9.3f %9.3f | %5zu %5zu%s\n", p.name,
                    st + 1, lg, ls, 1e3 * tg, 1e3 * ts, rep.iters, it,
                    ok ? "" : " (gsl: not converged)");
            sum->runs++;
            sum->fail_gn += lg < VAL_NIST_TARGET_DOUBLE;
            sum->fail_gsl += ls < VAL_NIST_TARGET_DOUBLE;
            sum->gn9_gsl0 += lg >= 9.0 && ls < 1.0;
            sum->min_gn = fmin(sum->min_gn, lg);
            sum->min_gsl = fmin(sum->min_gsl, ls);
            sum->avg_gn += lg;
            sum->avg_gsl += ls;
            sum->secs_gn += tg;
            sum->secs_gsl += ts;
        }
        free(b);
        gn_io_nist_problem_free(&s);
        gn_io_nist_free(&p);
    }
    gsl_set_error_handler(old);
    if (sum->runs) {
        sum->avg_gn /= (double)sum->runs;
        sum->avg_gsl /= (double)sum->runs;
    }
    sum->ratio = sum->secs_gsl > 0.0 ? sum->secs_gn / sum->secs_gsl : INFINITY;
    sum->pass = !sum->bad && sum->runs > 0 && sum->min_gn >= VAL_BENCH_FIT_MIN_LRE &&
                sum->ratio <= VAL_BENCH_FIT_MAX_RATIO;
    fprintf(out, "\n%zu fits: min LRE gnlab %.1f, GSL %.1f; mean min LRE gnlab %.2f, GSL %.2f\n"
                 "failures (min LRE < %.0f): gnlab %zu, GSL %zu; gnlab >= 9 where GSL < 1: %zu\n"
                 "time per fit: gnlab %.3f ms, GSL %.3f ms, ratio %.2f\n"
                 "target: gnlab min LRE >= %.0f on every fit and time ratio <= %.0f: %s\n",
            sum->runs, sum->min_gn, sum->min_gsl, sum->avg_gn, sum->avg_gsl,
            VAL_NIST_TARGET_DOUBLE, sum->fail_gn, sum->fail_gsl, sum->gn9_gsl0,
            sum->runs ? 1e3 * sum->secs_gn / (double)sum->runs : 0.0,
            sum->runs ? 1e3 * sum->secs_gsl / (double)sum->runs : 0.0, sum->ratio,
            VAL_BENCH_FIT_MIN_LRE, VAL_BENCH_FIT_MAX_RATIO, sum->pass ? "PASS" : "MISS");
    return e;
}
