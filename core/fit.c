/* fit.c: Levenberg-Marquardt on a model expression, on the normal equations or by QR of
 * the scaled augmented Jacobian (gn_fit.h). The damping rule is gn_lm.h's. */
#include "gn.h"

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
    p.max_fev = 4000;
    p.xtol = 0x1p-51;
    p.gtol = 0.0;
    p.tau = 1e-3;
    p.polish = 1;
    return p;
}

typedef struct {
    const gn_fit_problem *p;
    size_t n, k;
    double *gy;   /* g(y_i)                                    */
    double *xv;   /* one observation's predictors              */
    double *grow; /* one observation's gradient                */
} evaluator;

/* r_i = g(y_i) - f(x_i; b); when J != NULL also J (column-major n x k) = d r / d b */
static gn_status residuals(evaluator *ev, double *r, double *J, const double *b)
{
    const gn_fit_problem *p = ev->p;
    gn_status st = GN_OK;
    for (size_t i = 0; i < ev->n; i++) {
        for (size_t c = 0; c < p->nx; c++)
            ev->xv[c] = p->x[c * ev->n + i];
        double f;
        gn_status s = gn_expr_eval(p->model, &f, J ? ev->grow : NULL, b, ev->xv);
        if (s != GN_OK)
            st = s;
        r[i] = ev->gy[i] - f;
        if (J)
            for (size_t q = 0; q < ev->k; q++)
                J[q * ev->n + i] = -ev->grow[q];
    }
    return st;
}

static int setup(evaluator *ev, const gn_fit_problem *p)
{
    ev->p = p;
    ev->n = p->n;
    ev->k = p->model->nparams;
    ev->gy = malloc(p->n * sizeof(double));
    ev->xv = malloc((p->nx + 1) * sizeof(double));
    ev->grow = malloc((ev->k + 1) * sizeof(double));
    if (!ev->gy || !ev->xv || !ev->grow)
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        if (p->resp) {
            double yv = p->y[i], g;
            gn_expr_eval(p->resp, &g, NULL, NULL, &yv);
            ev->gy[i] = g;
        } else
            ev->gy[i] = p->y[i];
    }
    return 0;
}

static void teardown(evaluator *ev)
{
    free(ev->gy);
    free(ev->xv);
    free(ev->grow);
}

gn_status gn_fit_rss(double *rss, const gn_fit_problem *p, const double *b)
{
    evaluator ev;
    if (!p->model || p->n == 0)
        return GN_ESIZE;
    double *r = malloc(p->n * sizeof(double));
    if (!r || setup(&ev, p)) {
        free(r);
        teardown(&ev);
        return GN_ENOMEM;
    }
    residuals(&ev, r, NULL, b);
    *rss = gn_dot(r, r, p->n);
    teardown(&ev);
    free(r);
    return isfinite(*rss) ? GN_OK : GN_ENONFINITE;
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
        for (size_t q = j + 1; q < k; q++) {
            double *b = A + q * m;
            double t = 0.0;
            for (size_t i = j; i < m; i++)
                t += a[i] * b[i];
            t *= beta;
            for (size_t i = j; i < m; i++)
                b[i] -= t * a[i];
        }
        {
            double t = 0.0;
            for (size_t i = j; i < m; i++)
                t += a[i] * c[i];
            t *= beta;
            for (size_t i = j; i < m; i++)
                c[i] -= t * a[i];
        }
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

gn_status gn_fit_run(double *bout, gn_fit_report *rep, const gn_fit_problem *p,
                     const double *b0, const gn_fit_params *par)
{
    memset(rep, 0, sizeof *rep);
    rep->stop = GN_FIT_STOP_NONFINITE;
    if (!p || !p->model)
        return GN_ESIZE;
    const size_t n = p->n, k = p->model->nparams;
    if (k == 0 || n < k)
        return GN_ESIZE;
    for (size_t q = 0; q < k; q++)
        if (!gn_expr_uses(p->model, q))
            return GN_EINPUT;
    gn_fit_params P = par ? *par : gn_fit_params_default();
    evaluator ev = {0};
    const size_t m = n + k;
    double *b = malloc(k * sizeof(double)), *bt = malloc(k * sizeof(double));
    double *r = malloc(n * sizeof(double)), *rt = malloc(n * sizeof(double));
    double *J = malloc(n * k * sizeof(double)), *Jh = malloc(n * sizeof(double));
    double *A = malloc(k * k * sizeof(double)), *M = malloc(k * k * sizeof(double));
    double *g = malloc(k * sizeof(double)), *h = malloc(k * sizeof(double));
    double *d = calloc(k, sizeof(double)), *s = malloc(k * sizeof(double));
    double *Aug = malloc(m * k * sizeof(double)), *c = malloc(m * sizeof(double));
    double *ng = malloc(k * sizeof(double)), *Jp = malloc(n * k * sizeof(double));
    gn_status st = GN_OK;
    if (!b || !bt || !r || !rt || !J || !Jh || !A || !M || !g || !h || !d || !s || !Aug || !c ||
        !ng || !Jp || setup(&ev, p)) {
        st = GN_ENOMEM;
        goto done;
    }
    memcpy(b, b0, k * sizeof(double));
    memcpy(bout, b0, k * sizeof(double));
    if (!gn_allfinite(b, k)) {
        st = GN_ENONFINITE;
        goto done;
    }
    if (residuals(&ev, r, J, b) != GN_OK) {
        rep->nfev = rep->njev = 1;
        st = GN_ENONFINITE;
        goto done;
    }
    rep->nfev = rep->njev = 1;
    double S = gn_dot(r, r, n);
    if (!isfinite(S)) {
        st = GN_ENONFINITE;
        goto done;
    }
    gn_lm_damping dm = {P.tau, 2.0};
    double lambda_acc = dm.lambda;
    int fresh = 1; /* J, A, g, d are stale after an accepted step */
    rep->stop = GN_FIT_STOP_MAXITER;
    for (;;) {
        if (fresh) {
            fresh = 0;
            double rn = sqrt(S);
            double gmax = 0.0;
            int gzero = 1;
            for (size_t q = 0; q < k; q++) {
                const double *Jq = J + q * n;
                g[q] = gn_dot(Jq, r, n);
                ng[q] = sqrt(gn_dot(Jq, Jq, n));
                if (ng[q] > d[q])
                    d[q] = ng[q];
                if (d[q] == 0.0)
                    d[q] = 1.0;
                if (g[q] != 0.0)
                    gzero = 0;
                double cs = ng[q] > 0.0 && rn > 0.0 ? fabs(g[q]) / (ng[q] * rn) : 0.0;
                if (cs > gmax)
                    gmax = cs;
            }
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j <= i; j++)
                    A[i * k + j] = A[j * k + i] = gn_dot(J + i * n, J + j * n, n);
            if (S == 0.0) {
                rep->stop = GN_FIT_STOP_ZERO;
                break;
            }
            if (gzero || (P.gtol > 0.0 && gmax <= P.gtol)) {
                rep->stop = GN_FIT_STOP_GTOL;
                break;
            }
        }
        if (rep->iters >= P.max_iter) {
            rep->stop = GN_FIT_STOP_MAXITER;
            break;
        }
        if (rep->nfev >= P.max_fev) {
            rep->stop = GN_FIT_STOP_MAXFEV;
            break;
        }
        rep->iters++;
        /* the trial step */
        double lam = dm.lambda;
        int use_qr = P.solver == GN_FIT_QR, solved = 0;
        if (!use_qr) {
            double rcond = 0.0;
            for (size_t i = 0; i < k * k; i++)
                M[i] = A[i];
            for (size_t q = 0; q < k; q++) {
                M[q * k + q] += lam * d[q] * d[q];
                ng[q] = -g[q];
            }
            solved = chol_solve(h, M, ng, k, s, &rcond) == 0;
            if (P.solver == GN_FIT_AUTO && (!solved || rcond < GN_FIT_AUTO_RCOND))
                use_qr = 1;
            else
                rep->steps_normal++;
        }
        if (use_qr) {
            double sl = sqrt(lam);
            for (size_t q = 0; q < k; q++) {
                memcpy(Aug + q * m, J + q * n, n * sizeof(double));
                for (size_t i = 0; i < k; i++)
                    Aug[q * m + n + i] = i == q ? sl * d[q] : 0.0;
            }
            for (size_t i = 0; i < n; i++)
                c[i] = -r[i];
            for (size_t i = n; i < m; i++)
                c[i] = 0.0;
            solved = qr_solve(h, Aug, c, m, k) == 0;
            rep->steps_qr++;
        }
        double rho = -INFINITY;
        if (solved && gn_allfinite(h, k)) {
            for (size_t q = 0; q < k; q++)
                bt[q] = b[q] + h[q];
            /* pred = |Jh|^2/2 + lambda |Dh|^2: (J^T J + lambda D^2) h = -g gives
             * -g^T h = |Jh|^2 + lambda |Dh|^2, so F(0) - L(h) is a sum of two positive
             * terms, free of the cancellation in |r|^2 - |r + Jh|^2. */
            for (size_t i = 0; i < n; i++) {
                double t = 0.0;
                for (size_t q = 0; q < k; q++)
                    t += J[q * n + i] * h[q];
                Jh[i] = t;
            }
            double dh = 0.0;
            for (size_t q = 0; q < k; q++)
                dh += (d[q] * h[q]) * (d[q] * h[q]);
            double pred = 0.5 * gn_dot(Jh, Jh, n) + lam * dh;
            gn_status es = residuals(&ev, rt, NULL, bt);
            rep->nfev++;
            double St = gn_dot(rt, rt, n);
            if (es == GN_OK && isfinite(St))
                rho = gn_lm_gain(0.5 * (S - St), pred);
            if (gn_lm_update(&dm, rho)) {
                int small = 1;
                for (size_t q = 0; q < k; q++)
                    if (!(fabs(h[q]) <= P.xtol * fabs(bt[q])))
                        small = 0;
                memcpy(b, bt, k * sizeof(double));
                S = St;
                residuals(&ev, r, J, b);
                rep->njev++;
                rep->accepted++;
                lambda_acc = dm.lambda;
                fresh = 1;
                if (small) {
                    /* refresh g for the report, then stop */
                    rep->stop = GN_FIT_STOP_XTOL;
                    break;
                }
                continue;
            }
        } else
            gn_lm_update(&dm, -INFINITY);
        if (dm.lambda >= 1e16 * lambda_acc || dm.lambda >= GN_LM_LAMBDA_MAX) {
            rep->stop = GN_FIT_STOP_STALL;
            break;
        }
    }
    memcpy(bout, b, k * sizeof(double));
    for (size_t q = 0; q < k; q++)
        g[q] = gn_dot(J + q * n, r, n);
    rep->gn_rel = gn_correction(h, J, r, b, Aug, c, n, k);
    /* Refinement at the rounding floor. When the gain ratio can no longer see a decrease
     * (S changes below its own rounding noise), the Gauss-Newton correction h = -J^+ r by
     * QR still points at the minimiser. Take GN steps while S stays within its noise level
     * above the best point's S, 4u sum |r_i| (|g(y_i)| + |f_i|) + n u S (the rounding of
     * the residuals and of the sum), and keep the point with the smallest correction
     * max |h_p / b_p|; stop after 3 steps without a new smallest correction (the measure is
     * a max over components, so it need not fall at every step) or 50 steps in all. */
    if (P.polish && gn_fit_stop_converged(rep->stop) && rep->stop != GN_FIT_STOP_ZERO) {
        double best = rep->gn_rel, Sbest = S;
        double *bb = malloc(k * sizeof(double)), *rb = malloc(n * sizeof(double));
        double *Jb = malloc(n * k * sizeof(double)), *hb = malloc(k * sizeof(double));
        if (bb && rb && Jb && hb) {
            memcpy(bb, b, k * sizeof(double));
            memcpy(rb, r, n * sizeof(double));
            memcpy(Jb, J, n * k * sizeof(double));
            memcpy(hb, h, k * sizeof(double));
            double noise = 0.0;
            for (size_t i = 0; i < n; i++)
                noise += fabs(r[i]) * (fabs(ev.gy[i]) + fabs(ev.gy[i] - r[i]));
            noise = 4.0 * 0x1p-53 * noise + (double)n * 0x1p-53 * S;
            int fails = 0;
            double rel = best;
            for (int it = 0; it < 50 && fails < 3 && isfinite(rel) && rel > 0.0; it++) {
                for (size_t q = 0; q < k; q++)
                    bt[q] = b[q] + h[q];
                if (residuals(&ev, rt, Jp, bt) != GN_OK)
                    break;
                rep->nfev++;
                rep->njev++;
                double St = gn_dot(rt, rt, n);
                if (!(St <= Sbest + noise))
                    break;
                rel = gn_correction(h, Jp, rt, bt, Aug, c, n, k);
                memcpy(b, bt, k * sizeof(double));
                memcpy(J, Jp, n * k * sizeof(double));
                memcpy(r, rt, n * sizeof(double));
                S = St;
                rep->polish++;
                if (rel < best) {
                    best = rel;
                    Sbest = St;
                    fails = 0;
                    memcpy(bb, b, k * sizeof(double));
                    memcpy(rb, r, n * sizeof(double));
                    memcpy(Jb, J, n * k * sizeof(double));
                    memcpy(hb, h, k * sizeof(double));
                } else
                    fails++;
            }
            memcpy(b, bb, k * sizeof(double));
            memcpy(r, rb, n * sizeof(double));
            memcpy(J, Jb, n * k * sizeof(double));
            memcpy(h, hb, k * sizeof(double));
            S = Sbest;
            rep->gn_rel = best;
        }
        free(bb);
        free(rb);
        free(Jb);
        free(hb);
        memcpy(bout, b, k * sizeof(double));
        for (size_t q = 0; q < k; q++)
            g[q] = gn_dot(J + q * n, r, n);
    }
    if (rep->stop == GN_FIT_STOP_STALL && !(rep->gn_rel <= GN_FIT_STALL_REL))
        rep->stop = GN_FIT_STOP_STUCK;
    rep->gnorm = sqrt(gn_dot(g, g, k));
    rep->rss = S;
    rep->lambda = dm.lambda;
done:
    teardown(&ev);
    free(b);
    free(bt);
    free(r);
    free(rt);
    free(J);
    free(Jh);
    free(A);
    free(M);
    free(g);
    free(h);
    free(d);
    free(s);
    free(Aug);
    free(c);
    free(ng);
    free(Jp);
    return st;
}
