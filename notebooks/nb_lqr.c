/* nb_lqr.c: notebook 4, LQR policy iteration with QL and IGNDQ policy evaluation
 * (MATH.md §11, the paper's §5.4, Appendix C and Figure 3). */
#include "gn_expm.h"
#include "gn_io.h"
#include "gn_io_matrix.h"
#include "gn_jsonl.h"
#include "nb.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB "lqr"

/* Constants the paper does not preserve (MATH.md §12): the toolkit's choices. */
#define LQ_H 0.1            /* sampling period (s) of the built-in plants */
#define LQ_GAMMA 0.9        /* discount of the Bellman target */
#define LQ_ALPHA_QL 2e-3    /* QL rate */
#define LQ_ALPHA_IGNDQ 0.2  /* IGNDQ rate (undamped, Appendix C) */
#define LQ_EXPLORE 1.0      /* std. dev. of the exploration added to u = K x */
#define LQ_NOISE 0.1        /* process-noise std. dev. of the stochastic runs */
#define LQ_SPRING 1.0       /* two-cart plant: spring constant (N/m), masses 1 kg */
#define LQ_DAMP 0.1         /* two-cart plant: damping of each cart (N s/m) */
/* stochastic runs: within each evaluation the rate decays as alpha tau / (tau + t), with
 * tau = steps / LQ_DECAY, so the noise in the targets averages out (Robbins-Monro, §8) */
#define LQ_DECAY 20.0
/* the page prints A, B and K* of plants with at most this many states */
#define LQ_SHOWN 6

enum { NMAX = NB_LQ_NMAX, MMAX = NB_LQ_MMAX, ZMAX = NMAX + MMAX, NEXACT = NB_LQ_NEXACT };

typedef nb_lqr_plant plant;

/* ----------------------------------------------------------- small dense helpers */

/* C = A (r x k) * B (k x c) */
static void mm(double *C, const double *A, const double *B, size_t r, size_t k, size_t c)
{
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double s = 0;
            for (size_t l = 0; l < k; l++)
                s += A[i * k + l] * B[l * c + j];
            C[i * c + j] = s;
        }
}

static void tr(double *T, const double *A, size_t r, size_t c)
{
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++)
            T[j * r + i] = A[i * c + j];
}

static double fro(const double *A, size_t len)
{
    double s = 0;
    for (size_t i = 0; i < len; i++)
        s += A[i] * A[i];
    return sqrt(s);
}

/* solve M X = R for X (m x c), M m x m (gn_lu_solve on copies); -1 when a pivot is not
 * above 1e-14 ||M||_F (singular to working precision) */
static int solve(double *X, const double *M, const double *R, size_t m, size_t c)
{
    double a[MMAX * MMAX];
    if (m > MMAX || c > NMAX + 1)
        return -1;
    memcpy(a, M, m * m * sizeof *a);
    memcpy(X, R, m * c * sizeof *X);
    return gn_lu_solve(X, a, m, c, 1e-14 * fro(a, m * m)) == GN_OK ? 0 : -1;
}

/* 1 when the symmetric m x m matrix S is negative definite (Cholesky of -S succeeds) */
static int neg_definite(const double *S, size_t m)
{
    double L[MMAX * MMAX] = {0};
    for (size_t j = 0; j < m; j++) {
        double d = -S[j * m + j];
        for (size_t k = 0; k < j; k++)
            d -= L[j * m + k] * L[j * m + k];
        if (!(d > 0))
            return 0;
        L[j * m + j] = sqrt(d);
        for (size_t i = j + 1; i < m; i++) {
            double s = -S[i * m + j];
            for (size_t k = 0; k < j; k++)
                s -= L[i * m + k] * L[j * m + k];
            L[i * m + j] = s / L[j * m + j];
        }
    }
    return 1;
}

/* zero-order-hold discretisation: exp([[Ac, Bc], [0, 0]] h) = [[A, B], [0, I]] (gn_expm:
 * scaling and squaring with Padé, checked against MPFR in tests/test_expm.c); the gn_status
 * of gn_expm (GN_ERANGE when h ||Ac|| is so large that the exponential overflows) */
static gn_status zoh(plant *p, const double *Ac, const double *Bc, double h)
{
    size_t n = p->n, m = p->m, k = n + m;
    double M[ZMAX * ZMAX] = {0}, E[ZMAX * ZMAX], work[9 * ZMAX * ZMAX + ZMAX];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            M[i * k + j] = Ac[i * n + j] * h;
        for (size_t j = 0; j < m; j++)
            M[i * k + n + j] = Bc[i * m + j] * h;
    }
    gn_status st = gn_expm(E, M, k, work);
    if (st != GN_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            p->A[i * n + j] = E[i * k + j];
        for (size_t j = 0; j < m; j++)
            p->B[i * m + j] = E[i * k + n + j];
    }
    p->h = h;
    return GN_OK;
}

/* the spectral radius of the n x n row-major A (GSL's Francis QR on the Hessenberg form,
 * backward stable: the eigenvalues of A + E, |E| ~ u |A|); NaN when the QR iteration fails */
static double spectral_radius(const double *A, size_t n)
{
    gsl_matrix *M = gsl_matrix_alloc(n, n);
    gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
    gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(n);
    double rho = NAN;
    if (M && ev && w) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                gsl_matrix_set(M, i, j, A[i * n + j]);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        if (gsl_eigen_nonsymm(M, ev, w) == GSL_SUCCESS) {
            rho = 0;
            for (size_t i = 0; i < n; i++) {
                gsl_complex z = gsl_vector_complex_get(ev, i);
                rho = fmax(rho, hypot(GSL_REAL(z), GSL_IMAG(z)));
            }
        }
        gsl_set_error_handler(old);
    }
    if (w)
        gsl_eigen_nonsymm_free(w);
    if (ev)
        gsl_vector_complex_free(ev);
    if (M)
        gsl_matrix_free(M);
    return rho;
}

static void plant_dint(plant *p)
{
    snprintf(p->name, sizeof p->name, "double integrator");
    snprintf(p->what, sizeof p->what,
             "a unit mass pushed by a force: x = (position, velocity), ẋ = (v, u)");
    p->n = 2;
    p->m = 1;
    double Ac[4] = {0, 1, 0, 0}, Bc[2] = {0, 1};
    (void)zoh(p, Ac, Bc, LQ_H); /* ||M h||_1 = 0.1: cannot overflow */
    p->rho = spectral_radius(p->A, p->n);
}

static void plant_carts(plant *p)
{
    snprintf(p->name, sizeof p->name, "two carts");
    snprintf(p->what, sizeof p->what,
             "two 1 kg carts joined by a spring (k = %g N/m), each with damping %g N s/m, the "
             "force on the first: x = (p1, p2, v1, v2)",
             LQ_SPRING, LQ_DAMP);
    p->n = 4;
    p->m = 1;
    double k = LQ_SPRING, c = LQ_DAMP;
    double Ac[16] = {0, 0, 1, 0, 0, 0, 0, 1, -k, k, -c, 0, k, -k, 0, -c};
    double Bc[4] = {0, 0, 1, 0};
    (void)zoh(p, Ac, Bc, LQ_H); /* ||M h||_1 < 1: cannot overflow */
    p->rho = spectral_radius(p->A, p->n);
}

/* ------------------------------------------------------- Riccati and policy values */

/* the discounted problem is the undiscounted one for (sqrt(g) A, sqrt(g) B) */
static int dare(double *P, double *K, const plant *p, double gamma, size_t *iters,
                double *resid)
{
    size_t n = p->n, m = p->m;
    double sg = sqrt(gamma), A[NMAX * NMAX], B[NMAX * MMAX], At[NMAX * NMAX], Bt[MMAX * NMAX];
    for (size_t i = 0; i < n * n; i++)
        A[i] = sg * p->A[i];
    for (size_t i = 0; i < n * m; i++)
        B[i] = sg * p->B[i];
    tr(At, A, n, n);
    tr(Bt, B, n, m);
    double Pn[NMAX * NMAX], PA[NMAX * NMAX], PB[NMAX * MMAX], S[MMAX * MMAX],
        BPA[MMAX * NMAX], X[MMAX * NMAX];
    memset(P, 0, n * n * sizeof *P);
    for (size_t i = 0; i < n; i++)
        P[i * n + i] = 1.0;
    /* one Riccati map: Pn = Q + A'PA - A'PB (R + B'PB)^-1 B'PA; K = -(R + B'PB)^-1 B'PA */
    size_t it;
    for (it = 1; it <= 200000; it++) {
        mm(PA, P, A, n, n, n);
        mm(PB, P, B, n, n, m);
        mm(S, Bt, PB, m, n, m);
        for (size_t i = 0; i < m; i++)
            S[i * m + i] += 1.0;
        mm(BPA, Bt, PA, m, n, n);
        if (solve(X, S, BPA, m, n) != 0)
            return -1;
        mm(Pn, At, PA, n, n, n);
        double AtPB[NMAX * MMAX], corr[NMAX * NMAX];
        mm(AtPB, At, PB, n, n, m);
        mm(corr, AtPB, X, n, m, n);
        double d = 0, s = 0;
        for (size_t i = 0; i < n * n; i++) {
            Pn[i] += (i % (n + 1) == 0 ? 1.0 : 0.0) - corr[i];
            d += (Pn[i] - P[i]) * (Pn[i] - P[i]);
            s += Pn[i] * Pn[i];
        }
        memcpy(P, Pn, n * n * sizeof *P);
        for (size_t i = 0; i < m * n; i++)
            K[i] = -X[i];
        if (!isfinite(s))
            return -1;
        if (sqrt(d) <= 1e-15 * sqrt(s))
            break;
    }
    *iters = it;
    /* residual of the Riccati equation at the final P */
    mm(PA, P, A, n, n, n);
    mm(PB, P, B, n, n, m);
    mm(S, Bt, PB, m, n, m);
    for (size_t i = 0; i < m; i++)
        S[i * m + i] += 1.0;
    mm(BPA, Bt, PA, m, n, n);
    if (solve(X, S, BPA, m, n) != 0)
        return -1;
    double AtPB[NMAX * MMAX], corr[NMAX * NMAX];
    mm(Pn, At, PA, n, n, n);
    mm(AtPB, At, PB, n, n, m);
    mm(corr, AtPB, X, n, m, n);
    double r = 0;
    for (size_t i = 0; i < n * n; i++) {
        double v = (i % (n + 1) == 0 ? 1.0 : 0.0) + Pn[i] - corr[i] - P[i];
        r += v * v;
    }
    *resid = sqrt(r) / fro(P, n * n);
    return it > 200000 ? -1 : 0;
}

/* exact policy evaluation: P_K = Q + K'RK + g (A+BK)' P_K (A+BK) by fixed-point iteration
 * (converges when sqrt(g) (A+BK) is stable); then the cost-convention H blocks and the
 * improved policy K+ = -(R + g B'PB)^-1 g B'PA (Hewer's exact policy iteration). */
static int exact_improve(double *Knew, const double *K, const plant *p, double gamma)
{
    size_t n = p->n, m = p->m;
    double Acl[NMAX * NMAX], Aclt[NMAX * NMAX], Qk[NMAX * NMAX], P[NMAX * NMAX] = {0},
        T[NMAX * NMAX], Pn[NMAX * NMAX], Kt[NMAX * MMAX];
    mm(Acl, p->B, K, n, m, n);
    for (size_t i = 0; i < n * n; i++)
        Acl[i] += p->A[i];
    tr(Aclt, Acl, n, n);
    tr(Kt, K, m, n);
    mm(Qk, Kt, K, n, m, n);
    for (size_t i = 0; i < n; i++)
        Qk[i * n + i] += 1.0;
    for (size_t it = 0; it < 100000; it++) {
        mm(T, P, Acl, n, n, n);
        mm(Pn, Aclt, T, n, n, n);
        double d = 0, s = 0;
        for (size_t i = 0; i < n * n; i++) {
            Pn[i] = Qk[i] + gamma * Pn[i];
            d += (Pn[i] - P[i]) * (Pn[i] - P[i]);
            s += Pn[i] * Pn[i];
        }
        memcpy(P, Pn, sizeof Pn);
        if (!isfinite(s))
            return -1;
        if (sqrt(d) <= 1e-15 * sqrt(s))
            break;
    }
    double Bt[MMAX * NMAX], PB[NMAX * MMAX], PA[NMAX * NMAX], S[MMAX * MMAX], BPA[MMAX * NMAX];
    tr(Bt, p->B, n, m);
    mm(PB, P, p->B, n, n, m);
    mm(S, Bt, PB, m, n, m);
    mm(PA, P, p->A, n, n, n);
    mm(BPA, Bt, PA, m, n, n);
    for (size_t i = 0; i < m * m; i++)
        S[i] = gamma * S[i] + (i % (m + 1) == 0 ? 1.0 : 0.0);
    for (size_t i = 0; i < m * n; i++)
        BPA[i] *= gamma;
    if (solve(Knew, S, BPA, m, n) != 0)
        return -1;
    for (size_t i = 0; i < m * n; i++)
        Knew[i] = -Knew[i];
    return 0;
}

/* ------------------------------------------------------------- learned policy iteration */

typedef struct {
    double alpha, gamma, noise;
    int ignd, stochastic;
    size_t iters, steps;
} pi_setup;

/* greedy improvement from the learned weights: H_ab = w_ab (a == b), w_ab / 2 (a < b);
 * K = -H_uu^-1 H_ux. Returns 0, or -1 when H_uu is not negative definite. */
static int improve(double *K, const double *w, size_t n, size_t m)
{
    size_t z = n + m, idx = 0;
    double H[ZMAX * ZMAX];
    for (size_t a = 0; a < z; a++)
        for (size_t b = a; b < z; b++) {
            double v = w[idx++];
            H[a * z + b] = H[b * z + a] = (a == b) ? v : v / 2;
        }
    double Huu[MMAX * MMAX], Hux[MMAX * NMAX];
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++)
            Huu[i * m + j] = H[(n + i) * z + n + j];
        for (size_t j = 0; j < n; j++)
            Hux[i * n + j] = H[(n + i) * z + j];
    }
    if (!neg_definite(Huu, m))
        return -1;
    double X[MMAX * NMAX];
    if (solve(X, Huu, Hux, m, n) != 0)
        return -1;
    for (size_t i = 0; i < m * n; i++)
        K[i] = -X[i];
    return 0;
}

/* One learned policy-iteration run from K = 0; err[k] = |K_k - K*|_F for k = 0..iters
 * (NaN after a failure). Returns the number of improvements skipped (H_uu not < 0), or
 * -1 when the evaluation diverged. */
static int pi_run(double *err, const plant *p, const double *Kstar, const pi_setup *s,
                  uint64_t seed, uint64_t stream)
{
    size_t n = p->n, m = p->m, zd = n + m;
    int bias = s->stochastic;
    size_t nf = gn_quad_nfeatures(zd, bias);
    /* phin: the next state's features, given to gn_quad_eval so that it needs no stack
     * buffer of its own (it has 256 entries; z of 40 entries has 821 features) */
    double w[ZMAX * (ZMAX + 1) / 2 + 1] = {0}, phi[ZMAX * (ZMAX + 1) / 2 + 1],
           phin[ZMAX * (ZMAX + 1) / 2 + 1];
    double K[MMAX * NMAX] = {0}, diff[MMAX * NMAX];
    gn_rng rng;
    gn_rng_seed(&rng, seed, stream);
    int skipped = 0;
    for (size_t i = 0; i < m * n; i++)
        diff[i] = K[i] - Kstar[i];
    err[0] = fro(diff, m * n);
    for (size_t k = 1; k <= s->iters; k++) {
        for (size_t t = 0; t < s->steps; t++) {
            double z[ZMAX], z2[ZMAX], x2[NMAX];
            for (size_t i = 0; i < n; i++)
                z[i] = gn_rng_normal(&rng);
            for (size_t i = 0; i < m; i++) {
                double u = 0;
                for (size_t j = 0; j < n; j++)
                    u += K[i * n + j] * z[j];
                z[n + i] = u + LQ_EXPLORE * gn_rng_normal(&rng);
            }
            double r = 0;
            for (size_t i = 0; i < zd; i++)
                r -= z[i] * z[i]; /* Q = I, R = I */
            for (size_t i = 0; i < n; i++) {
                double v = 0;
                for (size_t j = 0; j < n; j++)
                    v += p->A[i * n + j] * z[j];
                for (size_t j = 0; j < m; j++)
                    v += p->B[i * m + j] * z[n + j];
                x2[i] = v + (s->stochastic ? s->noise * gn_rng_normal(&rng) : 0.0);
            }
            for (size_t i = 0; i < n; i++)
                z2[i] = x2[i];
            for (size_t i = 0; i < m; i++) {
                double u = 0;
                for (size_t j = 0; j < n; j++)
                    u += K[i * n + j] * x2[j];
                z2[n + i] = u;
            }
            double q, qn;
            gn_lossval lv;
            gn_status st = gn_quad_eval(&qn, phin, w, z2, zd, bias);
            if (st == GN_OK)
                st = gn_quad_eval(&q, phi, w, z, zd, bias);
            if (st == GN_OK)
                st = gn_bellman(&lv, q, r, s->gamma, qn);
            if (st == GN_OK) {
                double tau = (double)s->steps / LQ_DECAY;
                double a = s->stochastic ? s->alpha * tau / (tau + (double)t) : s->alpha;
                st = s->ignd ? gn_step_ignd_undamped(w, phi, nf, lv.lp, lv.lpp, a)
                             : gn_step_sgd(w, phi, nf, lv.lp, a);
            }
            if (st != GN_OK || !gn_allfinite(w, nf)) {
                for (size_t kk = k; kk <= s->iters; kk++)
                    err[kk] = NAN;
                return -1;
            }
        }
        if (improve(K, w, n, m) != 0)
            skipped++;
        for (size_t i = 0; i < m * n; i++)
            diff[i] = K[i] - Kstar[i];
        err[k] = fro(diff, m * n);
    }
    return skipped;
}

/* the user's plant from the matrix files fa (A, n x n) and fb (B, n x m), discretised by
 * zero-order hold at step h when h > 0; 0, or -1 after a located message on stderr */
static int load_plant(plant *p, const char *fa, const char *fb, double h)
{
    gn_io_matrix ma = {0}, mb = {0};
    char err[512];
    int ok = 0;
    if (gn_io_matrix_read(&ma, fa, err, sizeof err) != GN_OK ||
        gn_io_matrix_read(&mb, fb, err, sizeof err) != GN_OK)
        fprintf(stderr, "gnlab notebook lqr: %s\n", err);
    else if (ma.rows != ma.cols)
        fprintf(stderr, "gnlab notebook lqr: %s: A is %zu x %zu: the state matrix must be "
                "square (n x n)\n", fa, ma.rows, ma.cols);
    else if (ma.rows > NMAX)
        fprintf(stderr, "gnlab notebook lqr: %s: %zu states, more than the %d this notebook "
                "learns (the Q-function of n states and m inputs has (n+m)(n+m+1)/2 weights; "
                "docs/notebook-data.md)\n", fa, ma.rows, NMAX);
    else if (mb.rows != ma.rows)
        fprintf(stderr, "gnlab notebook lqr: %s: B has %zu rows, but A (%s) has %zu states: B "
                "must be n x m\n", fb, mb.rows, fa, ma.rows);
    else if (mb.cols > MMAX)
        fprintf(stderr, "gnlab notebook lqr: %s: %zu inputs, more than the %d this notebook "
                "learns (docs/notebook-data.md)\n", fb, mb.cols, MMAX);
    else
        ok = 1;
    if (ok) {
        p->n = ma.rows;
        p->m = mb.cols;
        p->h = 0;
        if (h > 0) {
            gn_status st = zoh(p, ma.a, mb.a, h);
            if (st != GN_OK) {
                fprintf(stderr, "gnlab notebook lqr: %s, %s: the zero-order hold "
                        "exp([[A, B], [0, 0]] h) at h = %g failed (%s): give a smaller "
                        "--continuous step\n", fa, fb, h, gn_strerror(st));
                ok = 0;
            }
        } else {
            memcpy(p->A, ma.a, p->n * p->n * sizeof *p->A);
            memcpy(p->B, mb.a, p->n * p->m * sizeof *p->B);
        }
    }
    if (ok) {
        p->rho = spectral_radius(p->A, p->n);
        snprintf(p->name, sizeof p->name, "your plant (%zu states, %zu input%s)", p->n, p->m,
                 p->m == 1 ? "" : "s");
        if (h > 0)
            snprintf(p->what, sizeof p->what,
                     "A from %.300s (%zu x %zu) and B from %.300s (%zu x %zu), read as a "
                     "continuous-time plant ẋ = A x + B u and discretised by zero-order hold "
                     "with step h = %g s (exp([[A, B], [0, 0]] h) = [[A_d, B_d], [0, I]])",
                     fa, p->n, p->n, fb, p->n, p->m, h);
        else
            snprintf(p->what, sizeof p->what,
                     "A from %.300s (%zu x %zu) and B from %.300s (%zu x %zu), read as a "
                     "discrete-time plant x⁺ = A x + B u (no discretisation; give "
                     "--continuous H for a continuous-time one)",
                     fa, p->n, p->n, fb, p->n, p->m);
    }
    gn_io_matrix_free(&ma);
    gn_io_matrix_free(&mb);
    return ok ? 0 : -1;
}

static void matrix_text(char *buf, size_t cap, const double *M, size_t r, size_t c)
{
    size_t k = 0;
    k += (size_t)snprintf(buf + k, cap - k, "[");
    for (size_t i = 0; i < r && k < cap; i++) {
        k += (size_t)snprintf(buf + k, cap - k, "%s[", i ? ", " : "");
        for (size_t j = 0; j < c && k < cap; j++)
            k += (size_t)snprintf(buf + k, cap - k, "%s%.4g", j ? ", " : "", M[i * c + j]);
        if (k < cap)
            k += (size_t)snprintf(buf + k, cap - k, "]");
    }
    if (k < cap)
        snprintf(buf + k, cap - k, "]");
}

nb_lqr_opts nb_lqr_opts_default(int quick)
{
    nb_lqr_opts o = {NULL, NULL, quick ? 2 : 5, quick ? 8 : 25, quick ? 800 : 3000,
                     LQ_ALPHA_QL, LQ_ALPHA_IGNDQ, LQ_GAMMA, LQ_NOISE, 0};
    return o;
}

/* the Riccati K* and exact policy iteration from K = 0 (Hewer: Lyapunov evaluations), an
 * independent route that must reach the same K* (it converges quadratically; NEXACT - 1
 * steps are plenty) */
static void plant_reference(nb_lqr_plant_result *pr, double gamma, size_t iters)
{
    const plant *pl = &pr->plant;
    size_t n = pl->n, m = pl->m;
    double P[NMAX * NMAX];
    pr->riccati_ok = dare(P, pr->Kstar, pl, gamma, &pr->riccati_iters, &pr->riccati_resid) == 0;
    if (!pr->riccati_ok)
        return;
    double Kx[MMAX * NMAX] = {0}, d0[MMAX * NMAX];
    size_t nex = iters < 10000 ? iters : 10000;
    pr->exact_ok = 1;
    for (size_t k = 0; k < NEXACT; k++) {
        for (size_t i = 0; i < m * n; i++)
            d0[i] = Kx[i] - pr->Kstar[i];
        if (k <= nex)
            pr->exact[k] = fro(d0, m * n);
        if (k < NEXACT - 1 && exact_improve(Kx, Kx, pl, gamma) != 0) {
            pr->exact_ok = 0;
            break;
        }
    }
    for (size_t i = 0; i < m * n; i++)
        d0[i] = Kx[i] - pr->Kstar[i];
    pr->exact_fin = fro(d0, m * n);
}

/* the learned runs of one plant (index ip of np), both modes and methods */
static void plant_runs(nb_lqr_plant_result *pr, size_t ip, size_t np, const nb_ctx *ctx,
                       const nb_lqr_opts *o)
{
    const size_t seeds = o->seeds;
    pi_setup su = {0, o->gamma, o->noise, 0, 0, o->iters, o->eval_steps};
    for (int mode = 0; mode < 2; mode++) {
        su.stochastic = mode;
        for (int meth = 0; meth < 2; meth++) {
            su.ignd = meth;
            su.alpha = meth ? o->alpha_igndq : o->alpha_ql;
            for (size_t r = 0; r < seeds; r++) {
                if (!ctx->quiet)
                    gn_io_progress("notebook lqr: runs",
                                   ((ip * 2 + (size_t)mode) * 2 + (size_t)meth) * seeds + r + 1,
                                   np * 4 * seeds);
                int rr = pi_run(pr->err[mode] + ((size_t)meth * seeds + r) * (su.iters + 1),
                                &pr->plant, pr->Kstar, &su, ctx->seed, 1000 * ip + r);
                if (rr < 0)
                    pr->fails[mode][meth]++;
                else
                    pr->skips[mode][meth] += rr;
            }
        }
        if (!ctx->quiet)
            gn_io_progress_done();
    }
}

void nb_lqr_result_free(nb_lqr_result *r)
{
    if (!r)
        return;
    for (size_t ip = 0; ip < 2; ip++)
        for (int mode = 0; mode < 2; mode++) {
            free(r->plants[ip].err[mode]);
            r->plants[ip].err[mode] = NULL;
        }
    r->np = 0;
}

int nb_lqr_compute(nb_lqr_result *r, const nb_ctx *ctx, const nb_lqr_opts *o)
{
    memset(r, 0, sizeof *r);
    if (o->plant_a) {
        if (load_plant(&r->plants[0].plant, o->plant_a, o->plant_b, o->continuous) != 0)
            return -2;
        r->np = 1;
    } else {
        plant_dint(&r->plants[0].plant);
        plant_carts(&r->plants[1].plant);
        r->np = 2;
    }
    size_t len = 2 * o->seeds * (o->iters + 1);
    for (size_t ip = 0; ip < r->np; ip++)
        for (int mode = 0; mode < 2; mode++)
            if (!(r->plants[ip].err[mode] = malloc(len * sizeof(double)))) {
                nb_lqr_result_free(r);
                return -1;
            }
    for (size_t ip = 0; ip < r->np; ip++) {
        nb_lqr_plant_result *pr = &r->plants[ip];
        plant_reference(pr, o->gamma, o->iters);
        if (pr->riccati_ok)
            plant_runs(pr, ip, r->np, ctx, o);
    }
    return 0;
}

static void page_intro(nb_page *p, const nb_lqr_opts *o, const plant *user)
{
    nb_para(p, "A linear plant `x⁺ = A x + B u (+ noise)` pays the reward `-(xᵀx + uᵀu)` "
               "(Q = I, R = I). Policy iteration alternates policy evaluation, which learns the "
               "action value `Q_K(x,u) = zᵀHz` of the linear policy `u = Kx` (z = [x; u], "
               "features the upper-triangular entries of zzᵀ, plus a constant in the "
               "stochastic runs), with the greedy improvement `K ← -H_uu⁻¹ H_ux`, valid when "
               "`H_uu ≺ 0` (MATH.md §11). Evaluation takes semi-gradient steps on the Bellman "
               "loss with the target `T = r + γ Q(x', Kx')` held fixed: QL is the SGD step "
               "`w += α δ_TD φ`, IGNDQ the undamped normalised step `w += α δ_TD φ/‖φ‖²` "
               "(Appendix C).");
    nb_h2(p, "Setting (the toolkit's choices)");
    if (o->plant_a)
        nb_para(p, "The plant is yours: %s (plant 1 below). The paper's own plants (COMPleib's "
                   "UAV and distillation tower) were not preserved (MATH.md §12).",
                user->what);
    else
        nb_para(p, "The paper's plants (a UAV model and a distillation tower from COMPleib) "
                   "and sampling period were not preserved (MATH.md §12). The toolkit defines "
                   "two plants from first principles and discretises them exactly (zero-order "
                   "hold, matrix exponential) with period h = %g s; `--plant A.csv B.csv` "
                   "runs yours instead (docs/notebook-data.md).",
                LQ_H);
    nb_para(p, "The discount is γ = %g, so that the "
               "initial policy K = 0 has a finite value; states are drawn fresh for each "
               "update, x ~ N(0, I), with exploration u = Kx + %g·N(0, I); the stochastic runs "
               "add process noise of std. dev. %g, and there the rates decay as ατ/(τ + t) within "
               "each evaluation (τ = steps/%g) so that the noise in the targets averages out. "
               "QL's rate is α = %g and IGNDQ's α = %g; "
               "%zu evaluation updates per policy, %zu policy improvements, %zu seeds, "
               "weights carried over between evaluations. All are flags "
               "(`gnlab notebook lqr --help`).",
            o->gamma, LQ_EXPLORE, o->noise, LQ_DECAY, o->alpha_ql, o->alpha_igndq,
            o->eval_steps, o->iters, o->seeds);
}

/* the plant, its K* and the exact route's checks; 0, or -1 when the Riccati iteration
 * failed (a failed check, nothing more to show for the plant) */
static int page_plant(nb_page *p, const nb_lqr_plant_result *pr, size_t ip, double gamma)
{
    const plant *pl = &pr->plant;
    size_t n = pl->n, m = pl->m;
    char bufA[1024], bufB[512], bufK[512];
    nb_h2(p, "Plant %zu: %s", ip + 1, pl->name);
    nb_para(p, "%s.", pl->what);
    if (n <= LQ_SHOWN) {
        matrix_text(bufA, sizeof bufA, pl->A, n, n);
        matrix_text(bufB, sizeof bufB, pl->B, n, m);
        nb_para(p, "%s: A = %s, B = %s.", pl->h > 0 ? "Discretised" : "As given", bufA, bufB);
    }
    /* K = 0 has a finite discounted cost iff sqrt(g) rho(A) < 1 (the cost is the sum of
     * g^t |A^t x|^2) */
    nb_para(p, "Open-loop spectral radius ρ(A) = %.6g (the discrete A; %s). The first "
               "policy K = 0 has a finite discounted cost when √γ ρ(A) = %.4g < 1.",
            pl->rho,
            !isfinite(pl->rho) ? "the eigenvalue iteration failed"
            : pl->rho < 1      ? "stable: every mode decays"
                               : "unstable: some mode grows without control",
            sqrt(gamma) * pl->rho);
    if (!pr->riccati_ok) {
        nb_check(p, 0, "the discounted Riccati iteration did not converge for this plant");
        return -1;
    }
    if (n <= LQ_SHOWN)
        matrix_text(bufK, sizeof bufK, pr->Kstar, m, n);
    else
        snprintf(bufK, sizeof bufK, "a %zu x %zu matrix with ‖K*‖_F = %.4g", m, n,
                 fro(pr->Kstar, m * n));
    nb_para(p, "The optimal gain comes from the discrete algebraic Riccati equation of the "
               "discounted problem, which is the undiscounted one for (√γ A, √γ B): "
               "`P = I + AᵀPA - AᵀPB(I + BᵀPB)⁻¹BᵀPA` iterated from P = I until the update "
               "is below 1e-15 relative (%zu iterations), then `K* = -(I + BᵀPB)⁻¹BᵀPA` = "
               "%s.",
            pr->riccati_iters, bufK);
    /* converged fixed point: the residual is a few roundings of the map, O(n u |P|) */
    nb_check(p, pr->riccati_resid <= 1e-12,
             "Riccati residual ‖P - map(P)‖_F / ‖P‖_F = %.3g ≤ 1e-12.", pr->riccati_resid);
    nb_check(p, pr->exact_ok && pr->exact_fin <= 1e-9 * fro(pr->Kstar, m * n),
             "exact policy iteration (Lyapunov evaluation, no learning) reaches the Riccati "
             "K*: ‖K_60 - K*‖_F = %.3g.", pr->exact_fin);
    return 0;
}

/* the paired comparison of the final errors (QL and IGNDQ runs of one seed share the random
 * stream): which method ended closer to K* in how many seeds */
static void page_compare(nb_page *p, const char *task, const double *err, size_t seeds,
                         size_t iters)
{
    size_t ignd = 0, ql = 0;
    for (size_t r = 0; r < seeds; r++) {
        double eq = err[r * (iters + 1) + iters], ei = err[(seeds + r) * (iters + 1) + iters];
        /* a diverged run (NaN) loses against a finite one */
        if (isfinite(ei) && (!isfinite(eq) || ei < eq))
            ignd++;
        else if (isfinite(eq) && (!isfinite(ei) || eq < ei))
            ql++;
    }
    if (ignd == seeds)
        nb_para(p, "**Verdict (%s): IGNDQ ahead** — closer to K* than QL after the last "
                   "improvement in all %zu seeds (paired by seed).", task, seeds);
    else if (ql == seeds)
        nb_para(p, "**Verdict (%s): QL ahead** — closer to K* than IGNDQ after the last "
                   "improvement in all %zu seeds (paired by seed).", task, seeds);
    else
        nb_para(p, "**Verdict (%s): neither method wins clearly** — IGNDQ ended closer to K* "
                   "in %zu and QL in %zu of %zu seeds (paired by seed).",
                task, ignd, ql, seeds);
}

/* one (plant, mode): its data file (named into fname), its panel of the plot and its
 * paragraph */
static void page_mode(nb_page *p, const nb_lqr_plant_result *pr, size_t ip, int mode,
                      const nb_lqr_opts *o, char *fname, size_t fcap, char *plotbody,
                      size_t *pb, size_t pbcap)
{
    static const char *modes[2] = {"deterministic", "stochastic"};
    const plant *pl = &pr->plant;
    const size_t seeds = o->seeds, iters = o->iters, nex = iters < 10000 ? iters : 10000;
    const double *err = pr->err[mode];
    snprintf(fname, fcap, "lqr_%zu_%s.dat", ip + 1, modes[mode]);
    FILE *f = nb_data_open(p, fname);
    double fm[2] = {NAN, NAN}, fs[2] = {NAN, NAN};
    /* the panel's y axis starts a decade below the smallest learned mean: exact policy
     * iteration reaches rounding level (1e-16), which would squash the learned curves */
    double ylo = INFINITY;
    double *tmp = malloc(seeds * sizeof *tmp);
    if (f && tmp) {
        fprintf(f, "# %s, %s: k, QL mean, QL std, IGNDQ mean, IGNDQ std (over the "
                   "runs that did not diverge), exact policy iteration\n",
                pl->name, modes[mode]);
        for (size_t k = 0; k <= iters; k++) {
            fprintf(f, "%zu", k);
            for (int meth = 0; meth < 2; meth++) {
                size_t c = 0;
                for (size_t r = 0; r < seeds; r++) {
                    double v = err[((size_t)meth * seeds + r) * (iters + 1) + k];
                    if (isfinite(v))
                        tmp[c++] = v;
                }
                double mu = NAN, sd = NAN;
                if (c)
                    nb_mean_std(&mu, &sd, tmp, c);
                fprintf(f, " %.6g %.6g", mu, sd);
                if (mu > 0 && mu < ylo)
                    ylo = mu;
                if (k == iters) {
                    fm[meth] = mu;
                    fs[meth] = sd;
                }
            }
            fprintf(f, " %.6g\n", k <= nex && k < NEXACT ? pr->exact[k] : 0.0);
        }
    }
    if (f)
        nb_data_close(p, f);
    free(tmp);
    char ttl[300], lit[700];
    snprintf(ttl, sizeof ttl, "%.200s, %.20s", pl->name, modes[mode]);
    double yfloor = isfinite(ylo) ? ylo / 10 : 1e-16;
    *pb += (size_t)snprintf(
        plotbody + *pb, pbcap - *pb,
        "set title %s\nset yrange [%.3g:*]\n"
        "plot '%s' using 1:(lo($2,$3)):($2+$3) with filledcurves lc rgb '#d95f02' "
        "notitle, '' using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#d95f02' "
        "title 'QL', \\\n"
        "  '' using 1:(lo($4,$5)):($4+$5) with filledcurves lc rgb '#1b4f9c' notitle, "
        "'' using 1:4 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1b4f9c' title 'IGNDQ', "
        "\\\n  '' using 1:($6 >= %.3g ? $6 : 1/0) with lines dt 2 lc rgb '#555555' "
        "title 'exact PI'\n",
        nb_gnuplot_str(lit, sizeof lit, ttl), yfloor, fname, yfloor);
    double ratio[2];
    for (int meth = 0; meth < 2; meth++) {
        ratio[meth] = 0;
        for (size_t r = 0; r < seeds; r++) {
            const double *e = err + ((size_t)meth * seeds + r) * (iters + 1);
            ratio[meth] = fmax(ratio[meth], nb_learn_ratio(e[0], e[iters]));
        }
    }
    static const char *const meths[2] = {"QL", "IGNDQ"};
    char task[128];
    snprintf(task, sizeof task, "plant %zu, %s", ip + 1, modes[mode]);
    /* learning (nb_check_learned): per plant and mode, the better evaluation method brings
     * ||K - K*||_F down from its start ||K*||_F (K = 0) in every run */
    if (!nb_check_learned(p, task, meths, ratio, 2))
        nb_para(p, "**Verdict (%s): did not learn.** Neither QL nor IGNDQ brought ‖K - K*‖_F "
                   "down by the stated factor in every run, so this run says nothing about "
                   "which evaluation method is better; the notebook exits 1. Try smaller rates "
                   "(`--alpha-ql`, `--alpha-igndq`), more updates per evaluation "
                   "(`--eval-steps`) or a smaller discount (`--gamma`).",
                task);
    else
        page_compare(p, task, err, seeds, iters);
    nb_para(p, "%s runs: after %zu improvements ‖K - K*‖_F is %.3g ± %.2g with QL and "
               "%.3g ± %.2g with IGNDQ (‖K*‖_F = %.3g). Diverged evaluations: QL %d, "
               "IGNDQ %d of %zu; improvements skipped because the learned H_uu was not "
               "negative definite: QL %d, IGNDQ %d.",
            modes[mode], iters, fm[0], fs[0], fm[1], fs[1], fro(pr->Kstar, pl->m * pl->n),
            pr->fails[mode][0], pr->fails[mode][1], seeds, pr->skips[mode][0],
            pr->skips[mode][1]);
}

/* Appendix C (Figure 3): policy iteration with IGNDQ evaluation gets nearer the Riccati
 * gain than with QL evaluation. Run r of both methods shares its seed (stream 1000 ip + r),
 * so they pair up; d in decades of the final ||K - K*||_F (a diverged run: NaN, left out) */
static void page_claim(nb_page *p, const nb_ctx *ctx, const nb_lqr_result *res,
                       const nb_lqr_opts *o)
{
    static const char *modes[2] = {"deterministic", "stochastic"};
    const size_t seeds = o->seeds, iters = o->iters;
    double *d = malloc(seeds * sizeof *d);
    if (!d)
        return;
    nb_claim_begin(p, "Appendix C (Figure 3): policy iteration with IGNDQ policy evaluation "
                      "gets nearer the Riccati-optimal gain K* than with QL evaluation.",
                   "Run r of QL and of IGNDQ share their seed, so they pair up; d is log10 of "
                   "QL's final ‖K - K*‖_F over IGNDQ's, in decades.");
    for (size_t ip = 0; ip < res->np; ip++)
        for (int mode = 0; mode < 2; mode++) {
            const double *err = res->plants[ip].err[mode];
            for (size_t r = 0; r < seeds; r++)
                d[r] = log10(err[r * (iters + 1) + iters]) -
                       log10(err[(seeds + r) * (iters + 1) + iters]);
            char what[160];
            snprintf(what, sizeof what, "%.60s, %s: IGNDQ nearer K*",
                     res->plants[ip].plant.name, modes[mode]);
            nb_claim_compare(p, what, "decades", d, seeds);
        }
    free(d);
    nb_claim_end(p, ctx->quick ? "a --quick run is too small for the claim; run without "
                                 "--quick"
                               : NULL);
}

static void page_exercises(nb_page *p)
{
    static const nb_exercise ex[] = {
        {"Take the noise away. Predict the stochastic panels.",
         "gnlab notebook lqr --noise 0",
         "the stochastic runs (with their bias feature) now evaluate noise-free rollouts: "
         "IGNDQ's error falls like in the deterministic panels and the stochastic rows of the "
         "claim are reproduced too (about +6 and +2 decades in one measured run)."},
        {"Give QL ten times its rate. Predict what happens to its evaluations.",
         "gnlab notebook lqr --alpha-ql 2e-2",
         "QL's deterministic evaluations diverge (the page counts them: 5 of 5 runs on each "
         "plant) while IGNDQ at its own rate is unaffected; the claim's deterministic rows "
         "become undetermined: a diverged run gives no finite difference, and the verdict "
         "fails closed instead of counting it as a win."},
        {"More seeds for the noisy comparison.",
         "gnlab notebook lqr --seeds 20",
         "the stochastic rows' intervals narrow by about 2×: whether either method is nearer "
         "K* with noise becomes resolvable, or the interval stays around 0 (no difference at "
         "this size)."},
    };
    nb_exercises(p, ex, 3);
}

int nb_lqr_run(const nb_ctx *ctx, const nb_lqr_opts *o)
{
    nb_lqr_result res;
    int rc = nb_lqr_compute(&res, ctx, o);
    if (rc != 0)
        return rc == -2 ? GN_EXIT_USAGE : GN_EXIT_FAIL;
    nb_page *p = nb_page_open(ctx, NB, "4. LQR policy iteration: QL against IGNDQ");
    if (!p) {
        nb_lqr_result_free(&res);
        return GN_EXIT_USAGE; /* the page cannot be written: named on stderr */
    }
    page_intro(p, o, &res.plants[0].plant);
    {
        /* the index's "ran on": the plants as given (a user's files, sizes, step, rho) */
        char ran[600];
        size_t k = 0;
        for (size_t ip = 0; ip < res.np && k < sizeof ran; ip++) {
            const nb_lqr_plant *pl = &res.plants[ip].plant;
            k += (size_t)snprintf(ran + k, sizeof ran - k, "%s%.60s (%zu states, %zu inputs%s)",
                                  ip ? "; " : "", pl->name, pl->n, pl->m,
                                  pl->h > 0 ? ", discretised" : "");
        }
        nb_page_data(p, "%s", ran);
    }
    char datafiles[1024] = "";
    char plotbody[8192];
    size_t pb = 0;
    pb += (size_t)snprintf(plotbody + pb, sizeof plotbody - pb,
                           "set multiplot layout %zu,2 margins 0.1,0.97,0.14,0.88 spacing "
                           "0.1,0.17 title 'Policy error ‖K_k - K^*‖_F (mean ± std over "
                           "seeds)'\n"
                           "set logscale y\nset format y '10^{%%T}'\nset grid\n"
                           "set xlabel 'policy iteration k'\nset ylabel '‖K_k - K^*‖_F'\n"
                           "set key at screen 0.5,0.005 center bottom horizontal maxrows 1\n"
                           "set style fill transparent solid 0.18 noborder\n"
                           "lo(m,s) = (m-s > m/100 ? m-s : m/100)\n",
                           res.np);
    int any_fail = 0;
    for (size_t ip = 0; ip < res.np; ip++) {
        if (page_plant(p, &res.plants[ip], ip, o->gamma) != 0) {
            any_fail = 1;
            continue;
        }
        for (int mode = 0; mode < 2; mode++) {
            char fname[64];
            page_mode(p, &res.plants[ip], ip, mode, o, fname, sizeof fname, plotbody, &pb,
                      sizeof plotbody);
            if (*datafiles)
                strncat(datafiles, ",", sizeof datafiles - strlen(datafiles) - 1);
            strncat(datafiles, fname, sizeof datafiles - strlen(datafiles) - 1);
        }
    }
    snprintf(plotbody + pb, sizeof plotbody - pb, "unset multiplot\n");
    nb_h2(p, "Policy error per iteration");
    nb_plot_sized(p, "policy_error",
                  "‖K_k - K*‖_F per policy-improvement iteration, QL against IGNDQ policy "
                  "evaluation (mean ± std over seeds; the dashed line is exact policy iteration, "
                  "where it is above 0).",
                  datafiles, 900, res.np > 1 ? 860 : 500, plotbody);
    page_claim(p, ctx, &res, o);
    nb_lqr_result_free(&res);
    nb_para(p, "The QL step changes the prediction by `α δ_TD ‖φ‖²`, and ‖φ‖² grows like "
               "‖z‖⁴: one rate cannot suit both small and large states, so QL's rate must be "
               "small enough for the largest samples and is then slow on the rest. IGNDQ "
               "changes the prediction by `α δ_TD` whatever ‖φ‖ is (§5), so a much larger rate "
               "is stable. The curves are this toolkit's runs, not the paper's: the plants and "
               "constants differ.");
    page_exercises(p);
    return nb_page_finish(p, any_fail);
}
