/* fit.c: Levenberg-Marquardt on a model expression, on the normal equations or by QR of
 * the scaled augmented Jacobian (gn_fit.h). The damping rule is gn_lm.h's. */
#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *gn_fit_stop_name(gn_fit_stop s)
{
    static const char *const names[GN_FIT_NSTOP] = {"xtol",   "gtol",      "stall",
                                                    "zero",   "maxiter",   "maxfev",
                                                    "nonfinite", "stuck"};
    return (unsigned)s < GN_FIT_NSTOP ? names[s] : "?";
}

int gn_fit_stop_converged(gn_fit_stop s) { return s <= GN_FIT_STOP_ZERO; }

const char *gn_fit_solver_name(gn_fit_solver s)
{
    return s == GN_FIT_NORMAL ? "lm" : s == GN_FIT_QR ? "qr" : s == GN_FIT_AUTO ? "auto" : "?";
}

gn_fit_params gn_fit_params_default(void)
{
    gn_fit_params p;
    p.solver = GN_FIT_NORMAL;
    p.max_iter = 2000;
    p.max_fev = 6000;
    p.xtol = 0x1p-51;
    p.gtol = 0.0;
    p.tau = 1e-3;
    p.polish = 1;
    p.accel = 1;
    return p;
}

typedef struct {
    const gn_fit_problem *p;
    size_t n, k;
    double *gy;   /* g(y_i) (0 in residual mode)                */
    double *sw;   /* sqrt(w_i), NULL when unweighted            */
    double *xv;   /* one observation's predictors              */
    double *grow; /* one observation's gradient                */
} evaluator;

/* r_i = sqrt(w_i) (g(y_i) - f(x_i; b)), or e_i(b) in residual mode; when J != NULL also J
 * (column-major n x k) = d r / d b */
static gn_status residuals(evaluator *ev, double *r, double *J, const double *b)
{
    const gn_fit_problem *p = ev->p;
    const int list = p->model->list;
    gn_status st = GN_OK;
    for (size_t i = 0; i < ev->n; i++) {
        double f, *gr = J ? ev->grow : NULL;
        gn_status s;
        if (list)
            s = gn_expr_eval_root(p->model, i, &f, gr, b, NULL);
        else {
            for (size_t c = 0; c < p->nx; c++)
                ev->xv[c] = p->x[c * ev->n + i];
            s = gn_expr_eval(p->model, &f, gr, b, ev->xv);
        }
        if (s != GN_OK)
            st = s;
        /* r = e: J = grad; r = s (g - f): J = -s grad */
        double sc = list ? 1.0 : ev->sw ? -ev->sw[i] : -1.0;
        r[i] = list ? f : ev->sw ? ev->sw[i] * (ev->gy[i] - f) : ev->gy[i] - f;
        if (J)
            for (size_t q = 0; q < ev->k; q++)
                J[q * ev->n + i] = sc * ev->grow[q];
    }
    return st;
}

static int setup(evaluator *ev, const gn_fit_problem *p)
{
    ev->p = p;
    ev->n = p->n;
    ev->k = p->model->nparams;
    ev->gy = calloc(p->n, sizeof(double));
    ev->sw = p->w && !p->model->list ? malloc(p->n * sizeof(double)) : NULL;
    ev->xv = malloc((p->nx + 1) * sizeof(double));
    ev->grow = malloc((ev->k + 1) * sizeof(double));
    if (!ev->gy || !ev->xv || !ev->grow || (p->w && !p->model->list && !ev->sw))
        return -1;
    for (size_t i = 0; i < p->n && !p->model->list; i++) {
        if (p->resp) {
            double yv = p->y[i], g;
            gn_expr_eval(p->resp, &g, NULL, NULL, &yv);
            ev->gy[i] = g;
        } else
            ev->gy[i] = p->y[i];
        if (ev->sw)
            ev->sw[i] = sqrt(p->w[i]);
    }
    return 0;
}

static void teardown(evaluator *ev)
{
    GN_FREE_ALL(ev->gy, ev->sw, ev->xv, ev->grow);
}

/* Cholesky of the k x k SPD matrix M (row-major, overwritten by L in the lower part) after
 * symmetric scaling to unit diagonal; solves M h = rhs. rcond gets min(L_pp)^2 (the
 * scaled matrix has unit diagonal, so max pivot <= 1): a cheap reciprocal-condition
 * indicator. Returns -1 when a pivot is not positive. */
static int chol_solve(double *h, double *M, const double *rhs, size_t k, double *s, double *rcond)
{
    for (size_t i = 0; i < k; i++) {
        if (!(M[i * k + i] > 0.0))
            return -1;
        s[i] = 1.0 / sqrt(M[i * k + i]);
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            M[i * k + j] *= s[i] * s[j];
    double minp = INFINITY;
    for (size_t j = 0; j < k; j++) {
        double d = M[j * k + j];
        for (size_t q = 0; q < j; q++)
            d -= M[j * k + q] * M[j * k + q];
        if (!(d > 0.0))
            return -1;
        if (d < minp)
            minp = d;
        double l = sqrt(d);
        M[j * k + j] = l;
        for (size_t i = j + 1; i < k; i++) {
            double t = M[i * k + j];
            for (size_t q = 0; q < j; q++)
                t -= M[i * k + q] * M[j * k + q];
            M[i * k + j] = t / l;
        }
    }
    *rcond = minp;
    for (size_t i = 0; i < k; i++) {
        double t = rhs[i] * s[i];
        for (size_t q = 0; q < i; q++)
            t -= M[i * k + q] * h[q];
        h[i] = t / M[i * k + i];
    }
    for (size_t i = k; i-- > 0;) {
        double t = h[i];
        for (size_t q = i + 1; q < k; q++)
            t -= M[q * k + i] * h[q];
        h[i] = t / M[i * k + i];
    }
    for (size_t i = 0; i < k; i++)
        h[i] *= s[i];
    return 0;
}

/* x[j..m) -= beta (v^T x) v for the Householder vector v = a[j..m) */
static void reflect(double *x, const double *a, double beta, size_t j, size_t m)
{
    double t = 0.0;
    for (size_t i = j; i < m; i++)
        t += a[i] * x[i];
    t *= beta;
    for (size_t i = j; i < m; i++)
        x[i] -= t * a[i];
}

/* Householder QR least squares: min |A h - c| for A (m x k, column-major, overwritten) of
 * full column rank; c (m) overwritten by Q^T c. Returns -1 on a zero column (rank loss). */
static int qr_solve(double *h, double *A, double *c, size_t m, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double *a = A + j * m;
        /* scaled norm of a[j..m) */
        double amax = 0.0;
        for (size_t i = j; i < m; i++)
            if (fabs(a[i]) > amax)
                amax = fabs(a[i]);
        if (amax == 0.0 || !isfinite(amax))
            return -1;
        double ss = 0.0;
        for (size_t i = j; i < m; i++) {
            double t = a[i] / amax;
            ss += t * t;
        }
        double alpha = amax * sqrt(ss);
        if (a[j] > 0.0)
            alpha = -alpha;
        /* v = a[j..m) - alpha e1, stored in place; beta = 1 / (v^T v / 2) = -1/(alpha v1) */
        double v1 = a[j] - alpha;
        a[j] = v1;
        double beta = -1.0 / (alpha * v1);
        for (size_t q = j + 1; q < k; q++)
            reflect(A + q * m, a, beta, j, m);
        reflect(c, a, beta, j, m);
        a[j] = alpha; /* R_jj; the rest of v is no longer needed */
    }
    for (size_t i = k; i-- > 0;) {
        double t = c[i];
        for (size_t q = i + 1; q < k; q++)
            t -= A[q * m + i] * h[q];
        h[i] = t / A[i * m + i];
    }
    return 0;
}

/* the undamped Gauss-Newton correction h = -J^+ r by Householder QR (the zero rows below J
 * leave the least-squares problem unchanged); returns max_p |h_p| / |b_p|, NAN when J is
 * rank deficient */
static double gn_correction(double *h, const double *J, const double *r, const double *b,
                            double *Aug, double *c, size_t n, size_t k)
{
    const size_t m = n + k;
    for (size_t q = 0; q < k; q++) {
        memcpy(Aug + q * m, J + q * n, n * sizeof(double));
        for (size_t i = n; i < m; i++)
            Aug[q * m + i] = 0.0;
    }
    for (size_t i = 0; i < n; i++)
        c[i] = -r[i];
    for (size_t i = n; i < m; i++)
        c[i] = 0.0;
    if (qr_solve(h, Aug, c, m, k) != 0 || !gn_allfinite(h, k))
        return NAN;
    double mx = 0.0;
    for (size_t q = 0; q < k; q++) {
        double t = b[q] != 0.0 ? fabs(h[q]) / fabs(b[q]) : (h[q] != 0.0 ? INFINITY : 0.0);
        if (t > mx)
            mx = t;
    }
    return mx;
}

/* ------------------------------------------------- the double backend of gn_fit_drive */

typedef struct {
    evaluator ev;
    const gn_fit_params *P;
    int p_list;     /* residual mode                                                */
    size_t n, k, m; /* m = n + k rows of the augmented system [J; sqrt(lambda) D] */
    double S, St;   /* S(b) and S(bt)                                              */
    double *b, *bt, *r, *rt, *J, *Jh, *A, *M, *g, *h, *d, *s, *Aug, *c, *ng, *Jp;
    double *v, *a, *ga; /* the velocity (solve's h), the acceleration and J^T r_vv  */
    double *blk;    /* the one allocation the arrays above live in                 */
} fit_ws;

static int ws_alloc(fit_ws *w, const gn_fit_problem *p, const gn_fit_params *P)
{
    memset(w, 0, sizeof *w);
    const size_t n = p->n, k = p->model->nparams, m = n + k;
    w->P = P;
    w->p_list = p->model->list;
    w->n = n;
    w->k = k;
    w->m = m;
    double **arr[] = {&w->b, &w->bt, &w->g,  &w->h, &w->d, &w->s, &w->ng, &w->v, &w->a,
                      &w->ga, &w->r, &w->rt, &w->Jh, &w->c, &w->A, &w->M, &w->J, &w->Jp,
                      &w->Aug};
    const size_t len[] = {k, k, k, k, k, k, k, k, k, k, n, n, n, m, k * k, k * k, n * k, n * k,
                          m * k};
    size_t total = 0;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++)
        total += len[i];
    w->blk = calloc(total, sizeof(double));
    if (!w->blk || setup(&w->ev, p))
        return -1;
    double *at = w->blk;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
        *arr[i] = at;
        at += len[i];
    }
    return 0;
}

static void ws_free(fit_ws *w)
{
    teardown(&w->ev);
    free(w->blk);
}

/* the start point: b = b0 evaluated (what gn_fit_drive assumes) */
static gn_status d_start(fit_ws *w, gn_fit_report *rep, const double *b0)
{
    memcpy(w->b, b0, w->k * sizeof(double));
    if (!gn_allfinite(w->b, w->k))
        return GN_ENONFINITE;
    gn_status es = residuals(&w->ev, w->r, w->J, w->b);
    rep->nfev = rep->njev = 1;
    if (es != GN_OK)
        return GN_ENONFINITE;
    w->S = gn_dot(w->r, w->r, w->n);
    return isfinite(w->S) ? GN_OK : GN_ENONFINITE;
}

static void d_refresh(void *ws, gn_fit_point *pt)
{
    fit_ws *w = ws;
    const size_t n = w->n, k = w->k;
    double rn = sqrt(w->S), gmax = 0.0;
    int gzero = 1;
    for (size_t q = 0; q < k; q++) {
        const double *Jq = w->J + q * n;
        w->g[q] = gn_dot(Jq, w->r, n);
        w->ng[q] = sqrt(gn_dot(Jq, Jq, n));
        if (w->ng[q] > w->d[q])
            w->d[q] = w->ng[q];
        if (w->d[q] == 0.0)
            w->d[q] = 1.0;
        if (w->g[q] != 0.0)
            gzero = 0;
        double cs = w->ng[q] > 0.0 && rn > 0.0 ? fabs(w->g[q]) / (w->ng[q] * rn) : 0.0;
        if (cs > gmax)
            gmax = cs;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            w->A[i * k + j] = w->A[j * k + i] = gn_dot(w->J + i * n, w->J + j * n, n);
    pt->zero = w->S == 0.0;
    pt->gzero = gzero;
    pt->gscaled = gmax;
}

/* h from (J^T J + lambda D^2) h = -gv, gv = J^T rv. NORMAL: Cholesky (AUTO falls back to
 * QR when it is singular or its scaled pivot ratio is below GN_FIT_AUTO_RCOND); QR:
 * Householder on [J; sqrt(lambda) D] with the right-hand side [-rv; 0]. Counts the route
 * in rep. */
static int solve_rhs(fit_ws *w, double *h, const double *gv, const double *rv, double lam,
                     gn_fit_report *rep)
{
    const size_t n = w->n, k = w->k, m = w->m;
    int use_qr = w->P->solver == GN_FIT_QR, solved = 0;
    if (!use_qr) {
        double rcond = 0.0;
        memcpy(w->M, w->A, k * k * sizeof(double));
        for (size_t q = 0; q < k; q++) {
            w->M[q * k + q] += lam * w->d[q] * w->d[q];
            w->ng[q] = -gv[q];
        }
        solved = chol_solve(h, w->M, w->ng, k, w->s, &rcond) == 0;
        if (w->P->solver == GN_FIT_AUTO && (!solved || rcond < GN_FIT_AUTO_RCOND))
            use_qr = 1;
        else
            rep->steps_normal++;
    }
    if (use_qr) {
        double sl = sqrt(lam);
        for (size_t q = 0; q < k; q++) {
            memcpy(w->Aug + q * m, w->J + q * n, n * sizeof(double));
            for (size_t i = 0; i < k; i++)
                w->Aug[q * m + n + i] = i == q ? sl * w->d[q] : 0.0;
        }
        for (size_t i = 0; i < n; i++)
            w->c[i] = -rv[i];
        for (size_t i = n; i < m; i++)
            w->c[i] = 0.0;
        solved = qr_solve(h, w->Aug, w->c, m, k) == 0;
        rep->steps_qr++;
    }
    return solved && gn_allfinite(h, k) ? 0 : -1;
}

static int d_solve(void *ws, double lam, gn_fit_report *rep)
{
    fit_ws *w = ws;
    int rc = solve_rhs(w, w->h, w->g, w->r, lam, rep);
    memcpy(w->v, w->h, w->k * sizeof(double));
    return rc;
}

/* the geodesic acceleration of gn_fit_backend.accel, in double */
static double d_accel(void *ws, double lam, gn_fit_report *rep)
{
    fit_ws *w = ws;
    const size_t n = w->n, k = w->k;
    const double t = GN_FIT_ACCEL_T;
    int small = 1;
    for (size_t q = 0; q < k; q++)
        if (!(fabs(w->v[q]) <= GN_FIT_STALL_REL * fabs(w->b[q])))
            small = 0;
    if (small)
        return 0.0; /* h = v already */
    for (size_t q = 0; q < k; q++)
        w->bt[q] = w->b[q] + t * w->v[q];
    rep->nfev++;
    if (residuals(&w->ev, w->rt, NULL, w->bt) != GN_OK)
        return INFINITY;
    for (size_t i = 0; i < n; i++) {
        double jv = 0.0;
        for (size_t q = 0; q < k; q++)
            jv += w->J[q * n + i] * w->v[q];
        w->rt[i] = (2.0 / t) * ((w->rt[i] - w->r[i]) / t - jv);
    }
    for (size_t q = 0; q < k; q++)
        w->ga[q] = gn_dot(w->J + q * n, w->rt, n);
    gn_fit_report scratch = *rep; /* the acceleration's solve is not a step */
    if (solve_rhs(w, w->a, w->ga, w->rt, lam, &scratch) != 0)
        return INFINITY;
    double na = 0.0, nv = 0.0;
    for (size_t q = 0; q < k; q++) {
        na += (w->d[q] * w->a[q]) * (w->d[q] * w->a[q]);
        nv += (w->d[q] * w->v[q]) * (w->d[q] * w->v[q]);
        w->h[q] = w->v[q] + 0.5 * w->a[q];
    }
    double ratio = 2.0 * sqrt(na / nv);
    return isfinite(ratio) && gn_allfinite(w->h, k) ? ratio : INFINITY;
}

static double d_trial(void *ws, double lam)
{
    fit_ws *w = ws;
    const size_t n = w->n, k = w->k;
    for (size_t q = 0; q < k; q++)
        w->bt[q] = w->b[q] + w->h[q];
    /* pred = |Jv|^2/2 + lambda |Dv|^2 for the solve's step v: (J^T J + lambda D^2) v = -g
     * gives -g^T v = |Jv|^2 + lambda |Dv|^2, so F(0) - L(v) is a sum of two positive
     * terms, free of the cancellation in |r|^2 - |r + Jv|^2. With acceleration the step
     * h = v + a/2 is scored against v's prediction (GSL's lmaccel does the same). */
    for (size_t i = 0; i < n; i++) {
        double t = 0.0;
        for (size_t q = 0; q < k; q++)
            t += w->J[q * n + i] * w->v[q];
        w->Jh[i] = t;
    }
    double dh = 0.0;
    for (size_t q = 0; q < k; q++)
        dh += (w->d[q] * w->v[q]) * (w->d[q] * w->v[q]);
    double pred = 0.5 * gn_dot(w->Jh, w->Jh, n) + lam * dh;
    gn_status es = residuals(&w->ev, w->rt, NULL, w->bt);
    w->St = gn_dot(w->rt, w->rt, n);
    if (es != GN_OK || !isfinite(w->St))
        return -INFINITY;
    return gn_lm_gain(0.5 * (w->S - w->St), pred);
}

static int d_accept(void *ws)
{
    fit_ws *w = ws;
    int small = 1;
    for (size_t q = 0; q < w->k; q++)
        if (!(fabs(w->h[q]) <= w->P->xtol * fabs(w->bt[q])))
            small = 0;
    memcpy(w->b, w->bt, w->k * sizeof(double));
    w->S = w->St;
    residuals(&w->ev, w->r, w->J, w->b);
    return small;
}

/* one point of the refinement: b, r, J and the correction h there */
typedef struct {
    double *b, *r, *J, *h;
} fit_pt;

static void pt_copy(const fit_pt *to, const fit_pt *from, size_t n, size_t k)
{
    memcpy(to->b, from->b, k * sizeof(double));
    memcpy(to->r, from->r, n * sizeof(double));
    memcpy(to->J, from->J, n * k * sizeof(double));
    memcpy(to->h, from->h, k * sizeof(double));
}

/* Refinement at the rounding floor. When the gain ratio can no longer see a decrease
 * (S changes below its own rounding noise), the Gauss-Newton correction h = -J^+ r by
 * QR still points at the minimiser. Take GN steps while S stays within its noise level
 * above the best point's S, 2 (2 c u sum |r_i| (|g(y_i)| + |f_i|) + n u S) for a model
 * of c operations (the rounding of the residuals and of the sum, in each of the two
 * values compared), and keep the point with the smallest correction
 * max |h_p / b_p|; stop after 3 steps without a new smallest correction (the measure is
 * a max over components, so it need not fall at every step) or 50 steps in all. */
static void polish(fit_ws *w, gn_fit_report *rep)
{
    const size_t n = w->n, k = w->k;
    double best = rep->gn_rel, Sbest = w->S;
    fit_pt cur = {w->b, w->r, w->J, w->h};
    fit_pt keep = {malloc(k * sizeof(double)), malloc(n * sizeof(double)),
                   malloc(n * k * sizeof(double)), malloc(k * sizeof(double))};
    if (keep.b && keep.r && keep.J && keep.h) {
        pt_copy(&keep, &cur, n, k);
        double noise = 0.0;
        /* |g| + |f| scaled by sqrt(w_i) (weighted); in residual mode |r_i| itself, a lower
         * estimate (the terms of e_i are not seen): it only ends the refinement sooner */
        for (size_t i = 0; i < n; i++) {
            double s = w->ev.sw ? w->ev.sw[i] : 1.0, ri = fabs(w->r[i]);
            noise += w->p_list ? ri * ri
                               : ri * s * (fabs(w->ev.gy[i]) + fabs(w->ev.gy[i] - w->r[i] / s));
        }
        /* the first-order rounding bound of an evaluation of f with c operations is
         * c u |f| (each operation one rounding, the evaluation well conditioned), of r
         * c u (|g(y)| + |f|); S changes by at most 2 sum |r_i| |delta r_i| + n u S, and
         * two evaluations are compared, so twice that */
        double c = (double)w->ev.p->model->nnodes +
                   (w->ev.p->resp ? (double)w->ev.p->resp->nnodes : 0.0);
        noise = 2.0 * (2.0 * c * 0x1p-53 * noise + (double)n * 0x1p-53 * w->S);
        int fails = 0;
        double rel = best;
        for (int it = 0; it < 50 && fails < 3 && isfinite(rel) && rel > 0.0; it++) {
            for (size_t q = 0; q < k; q++)
                w->bt[q] = w->b[q] + w->h[q];
            if (residuals(&w->ev, w->rt, w->Jp, w->bt) != GN_OK)
                break;
            rep->nfev++;
            rep->njev++;
            double St = gn_dot(w->rt, w->rt, n);
            if (!(St <= Sbest + noise))
                break;
            rel = gn_correction(w->h, w->Jp, w->rt, w->bt, w->Aug, w->c, n, k);
            memcpy(w->b, w->bt, k * sizeof(double));
            memcpy(w->J, w->Jp, n * k * sizeof(double));
            memcpy(w->r, w->rt, n * sizeof(double));
            w->S = St;
            rep->polish++;
            if (rel < best) {
                best = rel;
                Sbest = St;
                fails = 0;
                pt_copy(&keep, &cur, n, k);
            } else
                fails++;
        }
        pt_copy(&cur, &keep, n, k);
        w->S = Sbest;
        rep->gn_rel = best;
    }
    GN_FREE_ALL(keep.b, keep.r, keep.J, keep.h);
}

static void d_finish(void *ws, gn_fit_report *rep)
{
    fit_ws *w = ws;
    const size_t n = w->n, k = w->k;
    rep->gn_rel = gn_correction(w->h, w->J, w->r, w->b, w->Aug, w->c, n, k);
    if (w->P->polish && gn_fit_stop_converged(rep->stop) && rep->stop != GN_FIT_STOP_ZERO)
        polish(w, rep);
    for (size_t q = 0; q < k; q++)
        w->g[q] = gn_dot(w->J + q * n, w->r, n);
    rep->gnorm = sqrt(gn_dot(w->g, w->g, k));
    rep->rss = w->S;
}

static const gn_fit_backend fit_double = {d_refresh, d_solve, d_trial, d_accept, d_finish,
                                          d_accel};

/* 1 when column q of the n x k column-major J is exactly zero: r does not depend on b_q
 * at any observation (to first order) */
static int column_zero(const double *J, size_t n, size_t q)
{
    for (size_t i = 0; i < n; i++)
        if (J[q * n + i] != 0.0)
            return 0;
    return 1;
}

/* Identifiability: a parameter whose Jacobian column is zero at the start and still zero
 * where LM stopped never entered the fit (its step component is 0 at every iteration, and
 * the Gauss-Newton correction is undefined: J is rank deficient), e.g. 0*b1 + x. The index
 * of the first such parameter, or k. A column zero only at the start (b2 in b1*exp(b2*x)
 * from b1 = 0) is not flagged once another parameter has moved it. */
static size_t unidentifiable(const unsigned char *zero0, const double *J, size_t n, size_t k)
{
    for (size_t q = 0; q < k; q++)
        if (zero0[q] && column_zero(J, n, q))
            return q;
    return k;
}

gn_status gn_fit_run(double *bout, gn_fit_report *rep, const gn_fit_problem *p,
                     const double *b0, const gn_fit_params *par)
{
    gn_status st = gn_fit_check(rep, p ? p->model : NULL, p ? p->n : 0);
    if (st != GN_OK)
        return st;
    if (p->model->list && p->n != p->model->nroots)
        return GN_ESIZE; /* residual mode: n is the number of residuals */
    gn_fit_params P = par ? *par : gn_fit_params_default();
    fit_ws w;
    if (ws_alloc(&w, p, &P) != 0) {
        ws_free(&w);
        return GN_ENOMEM;
    }
    memcpy(bout, b0, w.k * sizeof(double));
    st = d_start(&w, rep, b0);
    unsigned char *zero0 = st == GN_OK ? malloc(w.k) : NULL;
    if (st == GN_OK && !zero0)
        st = GN_ENOMEM;
    if (st == GN_OK) {
        for (size_t q = 0; q < w.k; q++)
            zero0[q] = (unsigned char)column_zero(w.J, w.n, q);
        const gn_fit_control ctl = {P.max_iter, P.max_fev, P.gtol, P.tau,
                                   P.accel ? GN_FIT_AVMAX : 0.0};
        gn_fit_drive(rep, &fit_double, &w, &ctl);
        memcpy(bout, w.b, w.k * sizeof(double));
        size_t q = unidentifiable(zero0, w.J, w.n, w.k);
        rep->unident = q < w.k ? q + 1 : 0;
        if (q < w.k)
            st = GN_EZERO;
    }
    free(zero0);
    ws_free(&w);
    return st;
}

/* ------------------------------------------------ statistics at the solution */

/* Householder QR of A (m x k column-major, overwritten): R in the upper triangle. A column
 * that is zero below the diagonal is left as is (R_jj = 0), so a rank-deficient A still
 * gives an R with the same singular values. */
static void house_r(double *A, size_t m, size_t k)
{
    for (size_t j = 0; j < k && j < m; j++) {
        double *a = A + j * m, amax = 0.0;
        for (size_t i = j; i < m; i++)
            amax = fmax(amax, fabs(a[i]));
        if (amax == 0.0)
            continue;
        double ss = 0.0;
        for (size_t i = j; i < m; i++)
            ss += (a[i] / amax) * (a[i] / amax);
        double alpha = a[j] > 0.0 ? -amax * sqrt(ss) : amax * sqrt(ss);
        double v1 = a[j] - alpha;
        a[j] = v1;
        double beta = -1.0 / (alpha * v1);
        for (size_t q = j + 1; q < k; q++)
            reflect(A + q * m, a, beta, j, m);
        a[j] = alpha;
        for (size_t i = j + 1; i < m; i++)
            a[i] = 0.0;
    }
}

/* singular values sv (k) and right singular vectors V (k x k column-major) of the k x k
 * column-major U (overwritten by U Sigma) by one-sided Jacobi rotations (Demmel-Veselic):
 * sweeps until every column pair is orthogonal to u relative to its norms (at most 60) */
static void jacobi_svd(double *sv, double *V, double *U, size_t k)
{
    for (size_t i = 0; i < k * k; i++)
        V[i] = 0.0;
    for (size_t i = 0; i < k; i++)
        V[i * k + i] = 1.0;
    for (int sweep = 0; sweep < 60; sweep++) {
        int rotated = 0;
        for (size_t p = 0; p + 1 < k; p++)
            for (size_t q = p + 1; q < k; q++) {
                double *up = U + p * k, *uq = U + q * k;
                double al = gn_dot(up, up, k), be = gn_dot(uq, uq, k), ga = gn_dot(up, uq, k);
                if (!(fabs(ga) > 0x1p-53 * sqrt(al * be)))
                    continue;
                rotated = 1;
                double zeta = (be - al) / (2.0 * ga);
                double t = (zeta >= 0.0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
                double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
                for (size_t i = 0; i < k; i++) {
                    double x = up[i], y = uq[i];
                    up[i] = c * x - s * y;
                    uq[i] = s * x + c * y;
                    x = V[p * k + i];
                    y = V[q * k + i];
                    V[p * k + i] = c * x - s * y;
                    V[q * k + i] = s * x + c * y;
                }
            }
        if (!rotated)
            break;
    }
    for (size_t i = 0; i < k; i++)
        sv[i] = sqrt(gn_dot(U + i * k, U + i * k, k));
}

/* (Js^T Js)^-1 = R^-1 R^-T into Cs (k x k row-major) from the upper triangle of the
 * column-major m x k array A; Ri (k x k) is scratch for R^-1 */
static void r_inverse_gram(double *Cs, double *Ri, const double *A, size_t m, size_t k)
{
    for (size_t i = 0; i < k * k; i++)
        Ri[i] = 0.0;
    for (size_t j = 0; j < k; j++) { /* column j of R^-1: R x = e_j, row-major Ri[i*k+j] */
        for (size_t i = j + 1; i-- > 0;) {
            double t = i == j ? 1.0 : 0.0;
            for (size_t q = i + 1; q <= j; q++)
                t -= A[q * m + i] * Ri[q * k + j];
            Ri[i * k + j] = t / A[i * m + i];
        }
    }
    for (size_t p = 0; p < k; p++)
        for (size_t q = 0; q < k; q++) {
            double t = 0.0;
            for (size_t j = p > q ? p : q; j < k; j++)
                t += Ri[p * k + j] * Ri[q * k + j];
            Cs[p * k + q] = t;
        }
}

static void fill_nan(double *x, size_t len)
{
    if (x)
        for (size_t i = 0; i < len; i++)
            x[i] = NAN;
}

/* the statistics from r and J (column-major n x k) at b; ws holds n*k + 4 k*k + 2 k */
static void covar_from(gn_fit_stats *st, double *se, double *cov, double *corr, double *null,
                       const double *J, double *ws)
{
    const size_t n = st->n, k = st->k;
    double *A = ws, *U = A + n * k, *V = U + k * k, *Cs = V + k * k, *Ri = Cs + k * k;
    double *cn = Ri + k * k, *sv = cn + k;
    for (size_t q = 0; q < k; q++) {
        cn[q] = sqrt(gn_dot(J + q * n, J + q * n, n));
        for (size_t i = 0; i < n; i++)
            A[q * n + i] = cn[q] > 0.0 ? J[q * n + i] / cn[q] : 0.0;
    }
    house_r(A, n, k);
    for (size_t q = 0; q < k; q++)
        for (size_t i = 0; i < k; i++)
            U[q * k + i] = i <= q && i < n ? A[q * n + i] : 0.0;
    jacobi_svd(sv, V, U, k);
    size_t imax = 0, imin = 0;
    for (size_t i = 1; i < k; i++) {
        imax = sv[i] > sv[imax] ? i : imax;
        imin = sv[i] < sv[imin] ? i : imin;
    }
    st->cond = sv[imin] > 0.0 ? sv[imax] / sv[imin] : INFINITY;
    st->rank = 0;
    for (size_t i = 0; i < k; i++)
        st->rank += sv[i] > GN_FIT_RANK_TOL(n) * sv[imax];
    if (null && st->rank < k) {
        double mx = 0.0;
        for (size_t q = 0; q < k; q++) { /* delta b = C^-1 z; a zero column is its own null */
            null[q] = cn[q] > 0.0 ? V[imin * k + q] / cn[q] : V[imin * k + q];
            mx = fmax(mx, fabs(null[q]));
        }
        for (size_t q = 0; q < k; q++)
            null[q] = mx > 0.0 ? null[q] / mx : 0.0;
    }
    st->determined = st->rank == k && st->dof > 0;
    if (!st->determined)
        return;
    r_inverse_gram(Cs, Ri, A, n, k);
    const double s2 = st->sigma * st->sigma;
    for (size_t p = 0; p < k; p++) {
        se[p] = st->sigma * sqrt(Cs[p * k + p]) / cn[p];
        for (size_t q = 0; q < k; q++) {
            if (cov)
                cov[p * k + q] = s2 * Cs[p * k + q] / (cn[p] * cn[q]);
            if (corr)
                corr[p * k + q] = Cs[p * k + q] / sqrt(Cs[p * k + p] * Cs[q * k + q]);
        }
    }
    st->determined = gn_allfinite(se, k) && isfinite(st->sigma);
}

gn_status gn_fit_covar(gn_fit_stats *st, double *se, double *cov, double *corr, double *null,
                       const gn_fit_problem *p, const double *b)
{
    memset(st, 0, sizeof *st);
    st->sigma = st->rss = st->cond = NAN;
    if (!p || !p->model || p->model->nparams == 0)
        return GN_ESIZE;
    const size_t n = p->n, k = p->model->nparams;
    st->n = n;
    st->k = k;
    st->dof = n > k ? n - k : 0;
    fill_nan(se, k);
    fill_nan(cov, k * k);
    fill_nan(corr, k * k);
    fill_nan(null, k);
    if (n == 0)
        return GN_ESIZE;
    evaluator ev;
    memset(&ev, 0, sizeof ev);
    double *r = malloc(n * sizeof(double)), *J = malloc(n * k * sizeof(double));
    double *ws = malloc((n * k + 4 * k * k + 2 * k) * sizeof(double));
    gn_status rc = GN_ENOMEM;
    if (r && J && ws && setup(&ev, p) == 0) {
        rc = residuals(&ev, r, J, b);
        if (rc == GN_OK && !gn_allfinite(J, n * k))
            rc = GN_ENONFINITE;
        if (rc == GN_OK) {
            st->rss = gn_dot(r, r, n);
            st->sigma = st->dof > 0 ? sqrt(st->rss / (double)st->dof) : NAN;
            const double c = (double)p->model->nnodes + (p->resp ? (double)p->resp->nnodes : 0.0);
            double dr = 0.0;
            for (size_t i = 0; i < n; i++) {
                /* |g| + |f| of row i, scaled by sqrt(w_i) when weighted; a residual list's
                 * own |e_i| (its terms are not seen: a lower estimate) */
                double sw = ev.sw ? ev.sw[i] : 1.0;
                double t = c * 0x1p-53 *
                           (p->model->list ? fabs(r[i])
                                           : sw * (fabs(ev.gy[i]) + fabs(ev.gy[i] - r[i] / sw)));
                dr += t * t;
            }
            st->sigma_err = st->rss > 0.0 ? sqrt(dr / st->rss) : INFINITY;
            st->gscaled = 0.0;
            for (size_t q = 0; q < k && st->rss > 0.0; q++) {
                double jn = sqrt(gn_dot(J + q * n, J + q * n, n));
                double g = fabs(gn_dot(J + q * n, r, n));
                if (jn > 0.0)
                    st->gscaled = fmax(st->gscaled, g / (jn * sqrt(st->rss)));
            }
            covar_from(st, se, cov, corr, null, J, ws);
            if (!(st->sigma_err < 1.0))
                st->determined = 0;
            if (!st->determined) {
                fill_nan(se, k);
                fill_nan(cov, k * k);
                fill_nan(corr, k * k);
            }
        } else
            rc = GN_ENONFINITE;
    }
    teardown(&ev);
    GN_FREE_ALL(r, J, ws);
    return rc;
}

gn_fit_end gn_fit_classify(const gn_fit_report *rep, const gn_fit_stats *st)
{
    if (rep->stop == GN_FIT_STOP_MAXITER || rep->stop == GN_FIT_STOP_MAXFEV)
        return GN_FIT_END_LIMIT;
    if (rep->stop == GN_FIT_STOP_NONFINITE || !st || st->k == 0)
        return GN_FIT_END_FAILED;
    int conv = gn_fit_stop_converged(rep->stop);
    if (st->rank < st->k && (conv || rep->stop == GN_FIT_STOP_STUCK))
        return GN_FIT_END_RANKDEF;
    /* stuck where J is nearly singular: S is flat to first order at a stationary point, so
     * b is known to about sqrt(u) relative, and J(b) differs from J at the stationary point
     * by that much; a singular value below GN_FIT_NEAR_RANK_TOL of the largest cannot be
     * told from 0 there (a singular J at a stationary point with r != 0: Freudenstein-Roth's
     * local minimum) */
    if (rep->stop == GN_FIT_STOP_STUCK && !(st->cond < 1.0 / GN_FIT_NEAR_RANK_TOL))
        return GN_FIT_END_RANKDEF;
    /* stuck where the gradient is within its own rounding: (J^T r)_p is computed with an
     * error up to gamma_n |J_p| |r| (Cauchy-Schwarz) plus |J_p| |delta r| from the rounding of
     * the residuals (sigma_err |r|); twice that (first order, two evaluations) bounds what a
     * stationary point's computed gradient can show: a minimum to working precision, J being
     * of full rank (Gaussian, Brown-Dennis at their published minima) */
    if (rep->stop == GN_FIT_STOP_STUCK &&
        st->gscaled <= 2.0 * ((double)st->n * 0x1p-53 + st->sigma_err))
        return GN_FIT_END_MINIMUM;
    if (rep->stop == GN_FIT_STOP_STUCK)
        return GN_FIT_END_STUCK;
    return conv ? GN_FIT_END_MINIMUM : GN_FIT_END_FAILED;
}

const char *gn_fit_end_name(gn_fit_end e)
{
    static const char *const names[GN_FIT_NEND] = {"minimum", "stationary-rank-deficient",
                                                   "stuck", "iteration-limit", "failed"};
    return (unsigned)e < GN_FIT_NEND ? names[e] : "?";
}
