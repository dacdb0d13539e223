/* nb_overparam.c: notebook 6, Gauss-Newton in the over-parameterised regime (MATH.md §10,
 * seeds/gn-overparameterized-summary.txt): a two-layer SiLU network with more parameters
 * than samples, GN through the Duncan-Guttman solve against GD, for several initial scales.
 * GN:  w+ = w - h Phi^T (Phi Phi^T + eps(w) I)^-1 r,  eps(w) = max(eps0, sigma_min(Phi Phi^T))
 * GD:  w+ = w - h Phi^T r / N. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "nb.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB "overparam"

/* Constants the summary does not give, or that are scaled down from its M = 5000 so that
 * the notebook runs in seconds (MATH.md §12): the toolkit's choices. */
#define OP_D 3            /* input dimension */
#define OP_M 200          /* hidden SiLU units (P = (D + 2) M + 1 parameters) */
#define OP_N 40           /* training samples */
#define OP_NTEST NB_OP_NTEST /* test grid */
#define OP_NOISE 0.05     /* label noise std. dev. */
#define OP_EPS0 1e-6      /* GN damping floor eps0 */
#define OP_H_GN 0.2       /* GN step */
#define OP_H_GD_CAP 1.0   /* GD step: min(cap, 1 / lambda_max(Phi^T Phi / N) at w0) */
#define OP_SCALES {0.25, 1.0, 4.0} /* initial weight scales tau0 */
#define OP_NREC NB_OP_NREC /* recorded points per run (log-spaced iterations) */

/* teacher f*(x) = sin(2 u.x) + 0.3 v.x with fixed unit directions u, v */
static const double op_u[OP_D] = {0.6, 0.8, 0.0}, op_v[OP_D] = {0.0, 0.6, -0.8};
static double teacher(const double *x)
{
    double a = 0, b = 0;
    for (int k = 0; k < OP_D; k++) {
        a += op_u[k] * x[k];
        b += op_v[k] * x[k];
    }
    return sin(2.0 * a) + 0.3 * b;
}

typedef struct {
    gn_mlp *m;
    size_t N, P;
    const double *x, *y;     /* training inputs and labels */
    const double *xt, *yt;   /* test grid and teacher values */
    double *Phi, *r, *K, *dir, *q;
    gn_dg_ws *ws;
    gsl_matrix *Km;
    gsl_vector *ev;
    gsl_eigen_symm_workspace *ew;
} op_state;

/* Phi (N x P) and r = f - y at w; returns the training loss mean (f-y)^2/2 or NAN */
static double jacobian(op_state *s, const double *w)
{
    double L = 0;
    for (size_t i = 0; i < s->N; i++) {
        double f;
        if (gn_mlp_eval(s->m, &f, s->Phi + i * s->P, w, s->x + i * OP_D) != GN_OK)
            return NAN;
        s->r[i] = f - s->y[i];
        L += 0.5 * s->r[i] * s->r[i];
    }
    return L / (double)s->N;
}

/* extreme eigenvalues of K = Phi Phi^T (symmetric PSD, so its singular values) */
static int kernel_extremes(op_state *s, double *smin, double *smax)
{
    for (size_t i = 0; i < s->N; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = gn_dot(s->Phi + i * s->P, s->Phi + j * s->P, s->P);
            gsl_matrix_set(s->Km, i, j, v);
            gsl_matrix_set(s->Km, j, i, v);
        }
    if (gsl_eigen_symm(s->Km, s->ev, s->ew) != 0)
        return -1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->N; i++) {
        lo = fmin(lo, gsl_vector_get(s->ev, i));
        hi = fmax(hi, gsl_vector_get(s->ev, i));
    }
    *smin = fmax(lo, 0.0); /* rounding can leave a tiny negative eigenvalue */
    *smax = hi;
    return 0;
}

static double test_loss(op_state *s, const double *w)
{
    double L = 0;
    for (size_t i = 0; i < OP_NTEST; i++) {
        double f;
        if (gn_mlp_eval(s->m, &f, NULL, w, s->xt + i * OP_D) != GN_OK)
            return NAN;
        L += 0.5 * (f - s->yt[i]) * (f - s->yt[i]);
    }
    return L / OP_NTEST;
}

typedef nb_overparam_trace op_run;

/* w0: He-normal from the core scaled by tau0, first-layer biases N(0, tau0^2) */
static int init_weights(op_state *s, double *w, double tau, uint64_t seed)
{
    if (gn_mlp_init(s->m, w, seed) != GN_OK)
        return -1;
    for (size_t i = 0; i < s->P; i++)
        w[i] *= tau;
    gn_rng g;
    gn_rng_seed(&g, seed, 3);
    size_t M = s->m->widths[1];
    for (size_t j = 0; j < M; j++)
        w[s->m->offset[0] + M * OP_D + j] = tau * gn_rng_normal(&g); /* b1 after W1 (M x D) */
    return 0;
}

static int run(op_state *s, op_run *out, int gn, double tau, size_t T, uint64_t seed,
               double *wfinal)
{
    double *w = wfinal, *w0 = malloc(s->P * sizeof *w0);
    if (!w0 || init_weights(s, w, tau, seed) != 0) {
        free(w0);
        return -1;
    }
    memcpy(w0, w, s->P * sizeof *w0);
    double n0 = sqrt(gn_dot(w0, w0, s->P));
    out->nrec = 0;
    out->diverged = 0;
    out->dg_check = 0;
    double smin, smax;
    if (isnan(jacobian(s, w)) || kernel_extremes(s, &smin, &smax) != 0) {
        free(w0);
        return -1;
    }
    out->h = gn ? OP_H_GN : fmin(OP_H_GD_CAP, (double)s->N / smax);
    size_t next = 0;
    for (size_t t = 0; t <= T; t++) {
        double L = jacobian(s, w);
        int record = 0;
        if (out->nrec < OP_NREC) {
            double target = out->nrec == 0 ? 0
                                           : pow((double)T, (double)out->nrec / (OP_NREC - 1));
            record = (double)t >= target && t >= next;
        }
        if (t == T && out->nrec < OP_NREC)
            record = 1;
        if (!isfinite(L)) {
            out->diverged = 1;
            break;
        }
        if (gn || record)
            if (kernel_extremes(s, &smin, &smax) != 0) {
                out->diverged = 1;
                break;
            }
        if (record) {
            size_t k = out->nrec++;
            out->iter[k] = t;
            out->train[k] = L;
            out->test[k] = test_loss(s, w);
            out->smin[k] = smin;
            double d2 = 0;
            for (size_t i = 0; i < s->P; i++)
                d2 += (w[i] - w0[i]) * (w[i] - w0[i]);
            out->move[k] = sqrt(d2) / n0;
            next = t + 1;
        }
        if (t == T)
            break;
        if (gn) {
            double eps = fmax(OP_EPS0, smin);
            /* gn_dg_dir: dir = -(1/b) Phi^T (lambda I + Q K / b)^-1 r with b = N, Q = I,
             * lambda = eps / N, i.e. -Phi^T (eps I + K)^-1 r */
            gn_dg_batch B = {s->N, 1, s->P, s->Phi, s->r, GN_Q_DIAG, s->q, 0.0,
                             eps / (double)s->N};
            if (gn_dg_dir(s->dir, s->ws, &B, GN_DG_PUSH) != GN_OK) {
                out->diverged = 1;
                break;
            }
            if (t == 0) {
                /* the same direction by the explicit P x P solve; both are SPD solves with
                 * kappa <= 1 + |Phi|_F^2 / eps: they agree within 8 (N + P) u kappa */
                double *d2 = malloc(s->P * sizeof *d2);
                gn_dg_ws *wp = gn_dg_ws_alloc(s->N, s->P, GN_DG_PRIMAL);
                if (d2 && wp && gn_dg_dir(d2, wp, &B, GN_DG_PRIMAL) == GN_OK) {
                    double num = 0, den = 0, f2 = gn_dot(s->Phi, s->Phi, s->N * s->P);
                    for (size_t i = 0; i < s->P; i++) {
                        num += (s->dir[i] - d2[i]) * (s->dir[i] - d2[i]);
                        den += d2[i] * d2[i];
                    }
                    double bound = 8.0 * (double)(s->N + s->P) * 0x1p-53 * (1 + f2 / eps);
                    out->dg_check = sqrt(num / den) / bound;
                } else {
                    out->dg_check = INFINITY;
                }
                free(d2);
                gn_dg_ws_free(wp);
            }
            for (size_t i = 0; i < s->P; i++)
                w[i] += out->h * s->dir[i];
        } else {
            for (size_t i = 0; i < s->P; i++) {
                double g = 0;
                for (size_t n = 0; n < s->N; n++)
                    g += s->Phi[n * s->P + i] * s->r[n];
                w[i] -= out->h * g / (double)s->N;
            }
        }
    }
    free(w0);
    return 0;
}

nb_overparam_opts nb_overparam_opts_default(int quick)
{
    nb_overparam_opts o = {quick ? 60 : OP_M, quick ? 20 : OP_N, quick ? 60 : 1500,
                           quick ? 2 : 2, OP_SCALES, 3};
    return o;
}

/* the workspace of the N-sample, P-parameter problem (s->m already allocated); 0 or -1 */
static int state_alloc(op_state *s, size_t N)
{
    s->N = N;
    s->P = s->m->nparams;
    s->Phi = malloc(N * s->P * sizeof *s->Phi);
    s->r = malloc(N * sizeof *s->r);
    s->q = malloc(N * sizeof *s->q);
    s->dir = malloc(s->P * sizeof *s->dir);
    s->ws = gn_dg_ws_alloc(N, s->P, GN_DG_PUSH);
    s->Km = gsl_matrix_alloc(N, N);
    s->ev = gsl_vector_alloc(N);
    s->ew = gsl_eigen_symm_alloc(N);
    if (!(s->Phi && s->r && s->q && s->dir && s->ws && s->Km && s->ev && s->ew))
        return -1;
    for (size_t i = 0; i < N; i++)
        s->q[i] = 1.0;
    return 0;
}

/* frees the workspace, not the network s->m */
static void state_free(op_state *s)
{
    free(s->Phi);
    free(s->r);
    free(s->q);
    free(s->dir);
    gn_dg_ws_free(s->ws);
    if (s->Km)
        gsl_matrix_free(s->Km);
    if (s->ev)
        gsl_vector_free(s->ev);
    if (s->ew)
        gsl_eigen_symm_free(s->ew);
}

/* from one stream: training set (x, y with label noise), test set (xt, yt noise-free) and
 * the slice xs = t u for the picture */
static void draw_data(double *x, double *y, size_t N, double *xt, double *yt, double *xs,
                      uint64_t seed)
{
    gn_rng g;
    gn_rng_seed(&g, seed, 61);
    for (size_t i = 0; i < N; i++) {
        for (int k = 0; k < OP_D; k++)
            x[i * OP_D + k] = -1.5 + 3.0 * gn_rng_uniform(&g);
        y[i] = teacher(x + i * OP_D) + OP_NOISE * gn_rng_normal(&g);
    }
    /* test points drawn like the training inputs; the slice for the picture is x = t u */
    for (size_t i = 0; i < OP_NTEST; i++) {
        for (int k = 0; k < OP_D; k++)
            xt[i * OP_D + k] = -1.5 + 3.0 * gn_rng_uniform(&g);
        yt[i] = teacher(xt + i * OP_D);
        double t = -1.5 + 3.0 * (double)i / (OP_NTEST - 1);
        for (int k = 0; k < OP_D; k++)
            xs[i * OP_D + k] = t * op_u[k];
    }
}

void nb_overparam_result_free(nb_overparam_result *r)
{
    if (!r)
        return;
    free(r->runs);
    free(r->wfin);
    free(r->x);
    free(r->y);
    free(r->xs);
    gn_mlp_free(r->m);
    memset(r, 0, sizeof *r);
}

int nb_overparam_compute(nb_overparam_result *res, const nb_ctx *ctx,
                         const nb_overparam_opts *o)
{
    const size_t M = o->width, N = o->samples, T = o->iters, seeds = o->seeds;
    size_t widths[3] = {OP_D, M, 1};
    memset(res, 0, sizeof *res);
    op_state s = {0};
    s.m = res->m = gn_mlp_alloc(widths, 3, GN_ACT_SILU);
    res->x = malloc(N * OP_D * sizeof *res->x);
    res->y = malloc(N * sizeof *res->y);
    res->xs = malloc(OP_NTEST * OP_D * sizeof *res->xs);
    double *xt = malloc(OP_NTEST * OP_D * sizeof *xt), *yt = malloc(OP_NTEST * sizeof *yt);
    int ok = s.m && res->x && res->y && res->xs && xt && yt && state_alloc(&s, N) == 0;
    res->P = s.P;
    res->nrun = (size_t)o->nscales * 2 * seeds;
    res->runs = ok ? calloc(res->nrun, sizeof *res->runs) : NULL;
    res->wfin = ok ? malloc(res->nrun * s.P * sizeof *res->wfin) : NULL;
    ok = res->runs && res->wfin;
    if (ok) {
        draw_data(res->x, res->y, N, xt, yt, res->xs, ctx->seed);
        s.x = res->x;
        s.y = res->y;
        s.xt = xt;
        s.yt = yt;
        size_t k = 0;
        for (int sc = 0; sc < o->nscales; sc++)
            for (int gn = 0; gn < 2; gn++)
                for (size_t r = 0; r < seeds; r++, k++) {
                    if (!ctx->quiet)
                        gn_io_progress("notebook overparam: runs", k + 1, res->nrun);
                    if (run(&s, &res->runs[k], gn, o->scales[sc], T, ctx->seed + r,
                            res->wfin + k * s.P) != 0)
                        res->runs[k].diverged = 1;
                }
        if (!ctx->quiet)
            gn_io_progress_done();
    }
    free(xt);
    free(yt);
    state_free(&s);
    if (!ok)
        nb_overparam_result_free(res);
    return ok ? 0 : -1;
}

static void page_intro(nb_page *p, const nb_overparam_result *r, const nb_overparam_opts *o)
{
    nb_para(p, "A two-layer network `f(x) = Σ_j a_j SiLU(w_jᵀx + c_j) + b` on x ∈ R³ with M = %zu hidden "
               "units has P = %zu parameters, more than the N = %zu training samples, so "
               "the N × P Jacobian Φ has full row rank at a generic point and the kernel "
               "`K = ΦΦᵀ` (the neural tangent kernel's Gram matrix) is invertible, though, as "
               "σ_min below shows, it can be very close to singular. Gauss-Newton "
               "then interpolates the data at a linear rate: "
               "`w⁺ = w - h Φᵀ(ΦΦᵀ + ε(w) I)⁻¹ r` with `ε(w) = max(ε₀, σ_min(ΦΦᵀ))` "
               "(MATH.md §10), computed here by the Duncan-Guttman solve `gn_dg_dir` "
               "(an N × N system instead of P × P). Gradient descent, `w⁺ = w - h Φᵀ r / N`, "
               "converges at a rate set by σ_min(K), which can be tiny.",
            o->width, r->P, o->samples);
    nb_para(p, "The initial scale τ₀ multiplies every initial weight (the core's He-normal "
               "draw; first-layer biases N(0, τ₀²)). A large τ₀ puts training in the kernel "
               "(lazy) regime: the weights barely move relative to their size and the model "
               "behaves like its linearisation. A small τ₀ puts it in the feature-learning "
               "regime, where the hidden units move. The movement ‖w_t - w_0‖/‖w_0‖ below "
               "shows which regime a run is in.");
    nb_para(p, "The toolkit's choices (the summary's M = 5000 and N up to 2000 are scaled down "
               "so that the page builds in seconds; MATH.md §12): teacher "
               "`sin(2uᵀx) + 0.3vᵀx` on [-1.5, 1.5]³, N = %zu noisy samples (σ = %g), test loss "
               "on %d fresh points against the noise-free teacher, ε₀ = %g, GN step h = %g, GD step "
               "h = min(%g, N/λ_max(K₀)) (stable at the start), %zu iterations each, %zu "
               "seed(s), τ₀ from the list below. Flags: `gnlab notebook overparam --help`.",
            o->samples, OP_NOISE, OP_NTEST, OP_EPS0, OP_H_GN, OP_H_GD_CAP, o->iters, o->seeds);
}

/* curves.dat (means over seeds) and the table; fin_test and fin_move get the final test
 * loss and movement per (scale, GD/GN) */
static void page_table(nb_page *p, const nb_overparam_result *res, const nb_overparam_opts *o,
                       double fin_test[][2], double fin_move[][2])
{
    const size_t seeds = o->seeds;
    double worst_dg = 0;
    FILE *fc = nb_data_open(p, "curves.dat");
    if (fc) {
        fprintf(fc, "# one block per (tau0, method), separated by two blank lines, in the order "
                    "of the table; columns: iteration, train loss, test loss, sigma_min(K), "
                    "movement (means over seeds)\n");
    }
    nb_table_begin(p, "τ₀|method|step h|final train loss|final test loss|σ_min(K) start → end|"
                      "movement ‖w_T - w_0‖/‖w_0‖|diverged");
    for (int sc = 0; sc < o->nscales; sc++)
        for (int gn = 0; gn < 2; gn++) {
            const op_run *R = &res->runs[((size_t)sc * 2 + (size_t)gn) * seeds];
            int ndiv = 0;
            size_t nrec = OP_NREC;
            for (size_t r = 0; r < seeds; r++) {
                ndiv += R[r].diverged;
                if (R[r].nrec < nrec)
                    nrec = R[r].nrec;
                if (gn && R[r].dg_check > worst_dg)
                    worst_dg = R[r].dg_check;
            }
            /* a run that diverged before its first record has none (nrec = 0): its
             * final numbers are NaN, never a neighbour's memory */
            double mt = 0, ms = 0, ma = 0, s0 = 0, s1 = 0, mv = 0;
            for (size_t r = 0; r < seeds; r++) {
                mt += (nrec ? R[r].train[nrec - 1] : NAN) / (double)seeds;
                ms += (nrec ? R[r].test[nrec - 1] : NAN) / (double)seeds;
                s0 += (nrec ? R[r].smin[0] : NAN) / (double)seeds;
                s1 += (nrec ? R[r].smin[nrec - 1] : NAN) / (double)seeds;
                mv += (nrec ? R[r].move[nrec - 1] : NAN) / (double)seeds;
                ma += R[r].h / (double)seeds;
            }
            fin_test[sc][gn] = ms;
            fin_move[sc][gn] = mv;
            nb_table_row(p, "%g|%s|%.3g|%.3g|%.3g|%.3g → %.3g|%.3g|%d of %zu", o->scales[sc],
                         gn ? "GN" : "GD", ma, mt, ms, s0, s1, mv, ndiv, seeds);
            if (fc) {
                fprintf(fc, "# tau0 = %g, %s\n", o->scales[sc], gn ? "GN" : "GD");
                for (size_t k = 0; k < nrec; k++) {
                    double a = 0, b = 0, c = 0, d = 0;
                    for (size_t r = 0; r < seeds; r++) {
                        a += R[r].train[k] / (double)seeds;
                        b += R[r].test[k] / (double)seeds;
                        c += R[r].smin[k] / (double)seeds;
                        d += R[r].move[k] / (double)seeds;
                    }
                    fprintf(fc, "%zu %.6g %.6g %.6g %.6g\n", R[0].iter[k], a, b, c, d);
                }
                fprintf(fc, "\n\n");
            }
        }
    nb_table_end(p);
    if (fc)
        nb_data_close(p, fc);
    /* learning (nb_check_learned): at each scale GD or GN brings the training loss down from
     * its start in every run; a diverged run, or one without records, does not count */
    for (int sc = 0; sc < o->nscales; sc++) {
        static const char *const meth[2] = {"GD", "GN"};
        double ratio[2] = {0, 0};
        for (int gn = 0; gn < 2; gn++)
            for (size_t r = 0; r < seeds; r++) {
                const op_run *R = &res->runs[((size_t)sc * 2 + (size_t)gn) * seeds + r];
                double q = R->diverged || R->nrec == 0
                               ? INFINITY
                               : nb_learn_ratio(R->train[0], R->train[R->nrec - 1]);
                ratio[gn] = fmax(ratio[gn], q);
            }
        char task[96];
        snprintf(task, sizeof task, "τ₀ = %g, training loss", o->scales[sc]);
        nb_check_learned(p, task, meth, ratio, 2);
    }
    nb_check(p, worst_dg <= 1.0,
             "at the first GN step of every run the push-through direction equals the explicit "
             "P × P solve within 8(N+P)uκ, κ ≤ 1 + ‖Φ‖_F²/ε (worst at %.2g of its bound).",
             worst_dg);
}

/* fits.dat (the first seed's functions on the slice) and train.dat (the samples on it) */
static void page_fit_data(nb_page *p, const nb_overparam_result *res, const nb_overparam_opts *o)
{
    FILE *ff = nb_data_open(p, "fits.dat");
    FILE *ft = nb_data_open(p, "train.dat");
    if (ft) {
        fprintf(ft, "# u.x y: the training samples projected on the slice direction u\n");
        for (size_t i = 0; i < o->samples; i++) {
            double a = 0;
            for (int k = 0; k < OP_D; k++)
                a += op_u[k] * res->x[i * OP_D + k];
            fprintf(ft, "%.6g %.6g\n", a, res->y[i]);
        }
        nb_data_close(p, ft);
    }
    if (ff) {
        fprintf(ff, "# t, teacher at x = t u, then f_GD and f_GN for each tau0 in order (first "
                    "seed)\n");
        for (size_t i = 0; i < OP_NTEST; i += 2) {
            fprintf(ff, "%.6g %.6g", -1.5 + 3.0 * (double)i / (OP_NTEST - 1),
                    teacher(res->xs + i * OP_D));
            for (int sc = 0; sc < o->nscales; sc++)
                for (int gn = 0; gn < 2; gn++) {
                    double f = NAN;
                    size_t k = ((size_t)sc * 2 + (size_t)gn) * o->seeds;
                    if (!res->runs[k].diverged)
                        gn_mlp_eval(res->m, &f, NULL, res->wfin + k * res->P,
                                    res->xs + i * OP_D);
                    fprintf(ff, " %.6g", f);
                }
            fprintf(ff, "\n");
        }
        nb_data_close(p, ff);
    }
}

/* the y range of panel q (0 train, 1 test, 2 sigma_min) over every run's records */
static void panel_range(char *out, size_t cap, const nb_overparam_result *res, int q)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nrun; i++)
        n += res->runs[i].nrec;
    double *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; v && i < res->nrun; i++)
        for (size_t k = 0; k < res->runs[i].nrec; k++) {
            const nb_overparam_trace *R = &res->runs[i];
            v[m++] = q == 0 ? R->train[k] : q == 1 ? R->test[k] : R->smin[k];
        }
    /* at most 16 decades below the largest value: a loss at rounding level would
     * otherwise squash every other curve into the top of the panel */
    nb_axis_range(out, cap, "y", v, m, 16);
    free(v);
}

static void page_plots(nb_page *p, const nb_overparam_result *res, const nb_overparam_opts *o)
{
    const int nsc = o->nscales;
    const double *scales = o->scales;
    char body[8192];
    size_t k = 0;
    /* one key, below the first panel; every panel keeps the same bottom margin so the
     * three plot areas line up */
    k += (size_t)snprintf(body + k, sizeof body - k,
                          "set multiplot layout 1,3 title 'Training over iterations "
                          "(means over seeds)'\nset format y '10^{%%T}'\n"
                          "set logscale x\nset xrange [1:%zu]\nset bmargin 7\n"
                          "set xlabel 'iteration + 1'\n"
                          "set key below left Left reverse maxrows 2 samplen 2 width -1\n",
                          o->iters + 1);
    const char *what[3] = {"train loss", "test loss", "kernel σ_{min}"};
    const char *ylab[3] = {"mean (f - y)^2/2 on the samples", "mean (f - y)^2/2, noise-free",
                           "σ_{min}(ΦΦ^T)"};
    const char *colr[4] = {"#1b4f9c", "#1b9e77", "#d95f02", "#7570b3"};
    for (int panel = 0; panel < 3; panel++) {
        char yr[160];
        panel_range(yr, sizeof yr, res, panel);
        k += (size_t)snprintf(body + k, sizeof body - k, "set title '%s'\nset ylabel '%s'\n%s%s"
                              "plot ", what[panel], ylab[panel], yr,
                              panel ? "unset key\n" : "");
        for (int sc = 0; sc < nsc && sc < 4; sc++)
            for (int gn = 0; gn < 2; gn++)
                k += (size_t)snprintf(
                    body + k, sizeof body - k,
                    "%s'curves.dat' index %d using ($1+1):%d with lines lw 2.5 dt %d lc rgb "
                    "'%s' title '%s τ_0=%g'",
                    (sc || gn) ? ", \\\n  " : "", sc * 2 + gn, panel + 2, gn ? 1 : 2,
                    colr[sc], gn ? "GN" : "GD", scales[sc]);
        k += (size_t)snprintf(body + k, sizeof body - k, "\n");
    }
    snprintf(body + k, sizeof body - k, "unset multiplot\n");
    nb_plot_sized(p, "curves",
                  "Train loss, test loss and σ_min of the kernel against iterations, GN "
                  "(solid) and GD (dashed), one colour per initial scale τ₀ (log-log; the "
                  "x axis ends at the last iteration).",
                  "curves.dat", 1200, 520, body);
    k = 0;
    k += (size_t)snprintf(body + k, sizeof body - k,
                          "set multiplot layout 1,%d title 'Fitted functions after "
                          "training (first seed)'\nset bmargin 6\n"
                          "set key below left Left reverse maxrows 2 samplen 2\n"
                          "set xlabel 't (x = t u)'\nset ylabel 'f(x), label units'\n"
                          "set xrange [-1.5:1.5]\n",
                          nsc);
    for (int sc = 0; sc < nsc; sc++)
        k += (size_t)snprintf(body + k, sizeof body - k,
                              "set title 'τ_0 = %g'\n%splot 'fits.dat' using 1:2 with lines "
                              "lw 1.5 lc rgb '#999999' title 'teacher', '' using 1:%d with "
                              "lines lw 2.5 dt 2 lc rgb '#d95f02' title 'GD', '' using 1:%d "
                              "with lines lw 2.5 lc rgb '#1b4f9c' title 'GN', 'train.dat' "
                              "using 1:2 with points pt 7 ps 0.6 lc rgb 'black' title "
                              "'samples'\n",
                              scales[sc], sc ? "unset key\n" : "", 3 + 2 * sc, 4 + 2 * sc);
    snprintf(body + k, sizeof body - k, "unset multiplot\n");
    nb_plot_sized(p, "fits",
                  "The functions GD and GN end at along the line x = t u through the "
                  "input cube, for each initial scale, with the teacher on that line and "
                  "the training samples projected onto it (so they scatter around it).",
                  "fits.dat,train.dat", 1200, 480, body);
}

/* the summary's claims (seeds/gn-overparameterized-summary.txt): GN trains faster than GD
 * (pairs: run k of GD and of GN start from the same draw, at every scale), and in the
 * feature-learning regime (the smallest tau0) GN's solutions generalise worse than GD's;
 * d in decades of the final loss */
static double fin_loss(const nb_overparam_result *res, size_t i, int test)
{
    const nb_overparam_trace *R = &res->runs[i];
    if (R->diverged || R->nrec == 0)
        return NAN;
    return log10(test ? R->test[R->nrec - 1] : R->train[R->nrec - 1]);
}

static void page_claims(nb_page *p, const nb_ctx *ctx, const nb_overparam_result *res,
                        const nb_overparam_opts *o)
{
    const size_t seeds = o->seeds, n = (size_t)o->nscales * seeds;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return;
    char qc[200];
    snprintf(qc, sizeof qc, "a --quick run (%zu units, %zu iterations, %zu seeds) is far from "
             "the regime of the claim; run without --quick", o->width, o->iters, seeds);
    const char *caveat = ctx->quick ? qc : NULL;
    char design[400];
    snprintf(design, sizeof design,
             "Run k of GD and of GN start from the same initial weights, so they pair up: "
             "%zu seeds at each of %d scales. d is in decades: log10 of GD's final training "
             "loss over GN's after the same %zu iterations (a diverged run has none and is "
             "left out).",
             seeds, o->nscales, o->iters);
    nb_claim_begin(p, "Gauss-Newton trains an over-parameterised network faster than gradient "
                      "descent, in the kernel and in the feature-learning regime (the "
                      "summary of the over-parameterised GN paper).",
                   design);
    size_t m = 0;
    for (int sc = 0; sc < o->nscales; sc++)
        for (size_t r = 0; r < seeds; r++) {
            size_t gd = ((size_t)sc * 2) * seeds + r, gn = ((size_t)sc * 2 + 1) * seeds + r;
            d[m++] = fin_loss(res, gd, 0) - fin_loss(res, gn, 0);
        }
    nb_claim_compare(p, "GN ends with a lower training loss than GD (all scales)", "decades",
                     d, m);
    nb_claim_end(p, caveat);
    int sc = 0;
    for (int i = 1; i < o->nscales; i++)
        if (o->scales[i] < o->scales[sc])
            sc = i;
    snprintf(design, sizeof design,
             "At the smallest initial scale τ₀ = %g (where the weights move most), run k of "
             "GN and of GD pair up: %zu pairs. d is log10 of GN's final test loss over GD's "
             "(positive: GN generalises worse, as claimed).",
             o->scales[sc], seeds);
    nb_claim_begin(p, "In the feature-learning regime the solutions GN finds generalise worse "
                      "than GD's (the same summary).",
                   design);
    for (size_t r = 0; r < seeds; r++)
        d[r] = fin_loss(res, ((size_t)sc * 2 + 1) * seeds + r, 1) -
               fin_loss(res, ((size_t)sc * 2) * seeds + r, 1);
    nb_claim_compare(p, "GN's test loss above GD's (smallest τ₀)", "decades", d, seeds);
    nb_claim_end(p, caveat);
    free(d);
}

static void page_exercises(nb_page *p)
{
    static const nb_exercise ex[] = {
        {"Give the kernel regime more room: a large initial scale. Predict how far the "
         "weights move.",
         "gnlab notebook overparam --scales 8,16",
         "the relative movement |w - w_0|/|w_0| in the table falls as τ₀ grows (the kernel "
         "regime), and σ_min of the kernel stays near its start."},
        {"Take fewer parameters than samples: the kernel ΦΦ^T can no longer be invertible. "
         "Predict σ_min.",
         "gnlab notebook overparam --width 5 --samples 40",
         "σ_min(ΦΦ^T) is 0 to rounding (P = 26 < N = 40: the 40 × 40 kernel has rank at "
         "most 26), GN's damping ε(w) takes over, and neither method drives the training "
         "loss to zero (it stays above 1e-4, against about 1e-29 at the default width)."},
        {"More seeds tighten the claims' intervals.",
         "gnlab notebook overparam --seeds 6",
         "the same sign of d with a narrower interval when the effect is real; with 2 seeds "
         "the t quantile is 12.7, so only large effects are resolved."},
    };
    nb_exercises(p, ex, 3);
}

static void page_findings(nb_page *p, const nb_overparam_opts *o, double fin_test[][2],
                          double fin_move[][2])
{
    nb_h2(p, "What the runs show");
    for (int sc = 0; sc < o->nscales; sc++) {
        const double *mv = fin_move[sc], *te = fin_test[sc];
        if (!(isfinite(mv[0]) && isfinite(mv[1]) && isfinite(te[0]) && isfinite(te[1]))) {
            nb_para(p, "τ₀ = %g: a run diverged or has no finite numbers (movement GN %.3g, GD "
                       "%.3g; test loss GN %.3g, GD %.3g): nothing can be said about the "
                       "regime or about generalisation at this scale.",
                    o->scales[sc], mv[1], mv[0], te[1], te[0]);
            continue;
        }
        nb_para(p, "τ₀ = %g: GN moved the weights by %.3g times their initial norm and GD by %.3g "
                   "(%s regime); GN's test loss is %.3g against GD's %.3g, so GN generalises "
                   "%s here.",
                o->scales[sc], mv[1], mv[0], mv[1] < 0.1 ? "kernel" : "feature-learning", te[1],
                te[0], te[1] > te[0] ? "worse" : "as well or better");
    }
    nb_para(p, "The summary reports that GN is faster than GD in both regimes and that, in the "
               "feature-learning regime, the solutions GN finds generalise worse than GD's: "
               "compare the rows above with small τ₀. These are this run's numbers, at a far "
               "smaller width than the paper's.");
}

int nb_overparam_run(const nb_ctx *ctx, const nb_overparam_opts *o)
{
    nb_overparam_result res;
    if (nb_overparam_compute(&res, ctx, o) != 0)
        return GN_EXIT_FAIL;
    nb_page *p = nb_page_open(ctx, NB, "6. Gauss-Newton in the over-parameterised regime");
    if (!p) {
        nb_overparam_result_free(&res);
        return GN_EXIT_USAGE; /* the page cannot be written: named on stderr */
    }
    double fin_test[NB_OP_MAXSCALES][2], fin_move[NB_OP_MAXSCALES][2];
    nb_page_data(p, "built-in teacher on R³: %zu noisy training samples, %d test points; "
                    "%zu hidden units (P = %zu)",
                 o->samples, NB_OP_NTEST, o->width, res.P);
    page_intro(p, &res, o);
    page_table(p, &res, o, fin_test, fin_move);
    page_fit_data(p, &res, o);
    page_plots(p, &res, o);
    page_findings(p, o, fin_test, fin_move);
    page_claims(p, ctx, &res, o);
    page_exercises(p);
    nb_overparam_result_free(&res);
    return nb_page_finish(p, 0);
}
