/* nb_lqr.c: notebook 4, LQR policy iteration with QL and IGNDQ policy evaluation
 * (MATH.md §11, the paper's §5.4, Appendix C and Figure 3). */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "nb.h"

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

/* solve M X = R for X (m x c), M m x m, Gaussian elimination with partial pivoting;
 * -1 when M is singular to working precision */
static int solve(double *X, const double *M, const double *R, size_t m, size_t c)
{
    double a[MMAX * MMAX], b[MMAX * (NMAX + 1)];
    if (m > MMAX || c > NMAX + 1)
        return -1;
    memcpy(a, M, m * m * sizeof *a);
    memcpy(b, R, m * c * sizeof *b);
    double scale = fro(a, m * m);
    for (size_t k = 0; k < m; k++) {
        size_t piv = k;
        for (size_t i = k + 1; i < m; i++)
            if (fabs(a[i * m + k]) > fabs(a[piv * m + k]))
                piv = i;
        if (!(fabs(a[piv * m + k]) > 1e-14 * scale))
            return -1;
        for (size_t j = 0; j < m; j++) {
            double t = a[k * m + j];
            a[k * m + j] = a[piv * m + j];
            a[piv * m + j] = t;
        }
        for (size_t j = 0; j < c; j++) {
            double t = b[k * c + j];
            b[k * c + j] = b[piv * c + j];
            b[piv * c + j] = t;
        }
        for (size_t i = k + 1; i < m; i++) {
            double f = a[i * m + k] / a[k * m + k];
            for (size_t j = k; j < m; j++)
                a[i * m + j] -= f * a[k * m + j];
            for (size_t j = 0; j < c; j++)
                b[i * c + j] -= f * b[k * c + j];
        }
    }
    for (size_t k = m; k-- > 0;)
        for (size_t j = 0; j < c; j++) {
            double s = b[k * c + j];
            for (size_t l = k + 1; l < m; l++)
                s -= a[k * m + l] * X[l * c + j];
            X[k * c + j] = s / a[k * m + k];
        }
    return 0;
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

/* exp(M) for a small square matrix by scaling and squaring of a 20-term Taylor series */
static void expm(double *E, const double *M, size_t k)
{
    double S[ZMAX * ZMAX], T[ZMAX * ZMAX], U[ZMAX * ZMAX];
    double nrm = fro(M, k * k);
    int sq = 0;
    while (nrm > 0.25) {
        nrm /= 2;
        sq++;
    }
    double f = ldexp(1.0, -sq);
    for (size_t i = 0; i < k * k; i++)
        S[i] = M[i] * f;
    for (size_t i = 0; i < k * k; i++)
        E[i] = T[i] = (i % (k + 1) == 0);
    for (int t = 1; t <= 20; t++) {
        mm(U, T, S, k, k, k);
        for (size_t i = 0; i < k * k; i++) {
            T[i] = U[i] / t;
            E[i] += T[i];
        }
    }
    for (int s = 0; s < sq; s++) {
        mm(U, E, E, k, k, k);
        memcpy(E, U, k * k * sizeof *E);
    }
}

/* zero-order-hold discretisation: exp([[Ac, Bc], [0, 0]] h) = [[A, B], [0, I]] */
static void zoh(plant *p, const double *Ac, const double *Bc, double h)
{
    size_t n = p->n, m = p->m, k = n + m;
    double M[ZMAX * ZMAX] = {0}, E[ZMAX * ZMAX];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            M[i * k + j] = Ac[i * n + j] * h;
        for (size_t j = 0; j < m; j++)
            M[i * k + n + j] = Bc[i * m + j] * h;
    }
    expm(E, M, k);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            p->A[i * n + j] = E[i * k + j];
        for (size_t j = 0; j < m; j++)
            p->B[i * m + j] = E[i * k + n + j];
    }
}

static void plant_dint(plant *p)
{
    snprintf(p->name, sizeof p->name, "double integrator");
    snprintf(p->what, sizeof p->what,
             "a unit mass pushed by a force: x = (position, velocity), ẋ = (v, u)");
    p->n = 2;
    p->m = 1;
    double Ac[4] = {0, 1, 0, 0}, Bc[2] = {0, 1};
    zoh(p, Ac, Bc, LQ_H);
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
    zoh(p, Ac, Bc, LQ_H);
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
    double w[ZMAX * (ZMAX + 1) / 2 + 1] = {0}, phi[ZMAX * (ZMAX + 1) / 2 + 1];
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
            gn_status st = gn_quad_eval(&qn, NULL, w, z2, zd, bias);
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

static int load_plant(plant *p, const char *fa, const char *fb)
{
    gn_io_table ta, tb;
    char err[512];
    if (gn_io_csv_read(&ta, fa, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab notebook lqr: %s\n", err);
        return -1;
    }
    if (gn_io_csv_read(&tb, fb, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab notebook lqr: %s\n", err);
        gn_io_table_free(&ta);
        return -1;
    }
    int ok = ta.nrows == ta.ncols && ta.nrows >= 1 && ta.nrows <= NMAX && tb.nrows == ta.nrows &&
             tb.ncols >= 1 && tb.ncols <= MMAX;
    if (!ok) {
        fprintf(stderr,
                "gnlab notebook lqr: A must be n x n and B n x m with n <= %d, m <= %d "
                "(got A %zu x %zu, B %zu x %zu)\n",
                NMAX, MMAX, ta.nrows, ta.ncols, tb.nrows, tb.ncols);
    } else {
        p->n = ta.nrows;
        p->m = tb.ncols;
        for (size_t i = 0; i < p->n; i++) {
            for (size_t j = 0; j < p->n; j++)
                p->A[i * p->n + j] = ta.cols[j * ta.nrows + i];
            for (size_t j = 0; j < p->m; j++)
                p->B[i * p->m + j] = tb.cols[j * tb.nrows + i];
        }
        snprintf(p->name, sizeof p->name, "plant from %s", fa);
        snprintf(p->what, sizeof p->what, "A from %s, B from %s (discrete time)", fa, fb);
    }
    gn_io_table_free(&ta);
    gn_io_table_free(&tb);
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
                     LQ_ALPHA_QL, LQ_ALPHA_IGNDQ, LQ_GAMMA, LQ_NOISE};
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
        if (load_plant(&r->plants[0].plant, o->plant_a, o->plant_b) != 0)
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

static void page_intro(nb_page *p, const nb_lqr_opts *o)
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
    nb_para(p, "The paper's plants (a UAV model and a distillation tower from COMPleib) and "
               "sampling period were not preserved (MATH.md §12). The toolkit defines two "
               "plants from first principles and discretises them exactly (zero-order hold, "
               "matrix exponential) with period h = %g s. The discount is γ = %g, so that the "
               "initial policy K = 0 has a finite value; states are drawn fresh for each "
               "update, x ~ N(0, I), with exploration u = Kx + %g·N(0, I); the stochastic runs "
               "add process noise of std. dev. %g, and there the rates decay as ατ/(τ + t) within "
               "each evaluation (τ = steps/%g) so that the noise in the targets averages out. "
               "QL's rate is α = %g and IGNDQ's α = %g; "
               "%zu evaluation updates per policy, %zu policy improvements, %zu seeds, "
               "weights carried over between evaluations. All are flags "
               "(`gnlab notebook lqr --help`).",
            LQ_H, o->gamma, LQ_EXPLORE, o->noise, LQ_DECAY, o->alpha_ql, o->alpha_igndq,
            o->eval_steps, o->iters, o->seeds);
}

/* the plant, its K* and the exact route's checks; 0, or -1 when the Riccati iteration
 * failed (a failed check, nothing more to show for the plant) */
static int page_plant(nb_page *p, const nb_lqr_plant_result *pr, size_t ip)
{
    const plant *pl = &pr->plant;
    size_t n = pl->n, m = pl->m;
    char bufA[1024], bufB[512], bufK[512];
    matrix_text(bufA, sizeof bufA, pl->A, n, n);
    matrix_text(bufB, sizeof bufB, pl->B, n, m);
    nb_h2(p, "Plant %zu: %s", ip + 1, pl->name);
    nb_para(p, "%s. Discretised: A = %s, B = %s.", pl->what, bufA, bufB);
    if (!pr->riccati_ok) {
        nb_check(p, 0, "the discounted Riccati iteration did not converge for this plant");
        return -1;
    }
    matrix_text(bufK, sizeof bufK, pr->Kstar, m, n);
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
    *pb += (size_t)snprintf(
        plotbody + *pb, pbcap - *pb,
        "set title %s\n"
        "plot '%s' using 1:(lo($2,$3)):($2+$3) with filledcurves lc rgb '#d95f02' "
        "notitle, '' using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#d95f02' "
        "title 'QL', \\\n"
        "  '' using 1:(lo($4,$5)):($4+$5) with filledcurves lc rgb '#1b4f9c' notitle, "
        "'' using 1:4 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1b4f9c' title 'IGNDQ', "
        "\\\n  '' using 1:($6 > 0 ? $6 : 1/0) with lines dt 2 lc rgb '#555555' "
        "title 'exact PI'\n",
        nb_gnuplot_str(lit, sizeof lit, ttl), fname);
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
    nb_check_learned(p, task, meths, ratio, 2);
    nb_para(p, "%s runs: after %zu improvements ‖K - K*‖_F is %.3g ± %.2g with QL and "
               "%.3g ± %.2g with IGNDQ (‖K*‖_F = %.3g). Diverged evaluations: QL %d, "
               "IGNDQ %d of %zu; improvements skipped because the learned H_uu was not "
               "negative definite: QL %d, IGNDQ %d.",
            modes[mode], iters, fm[0], fs[0], fm[1], fs[1], fro(pr->Kstar, pl->m * pl->n),
            pr->fails[mode][0], pr->fails[mode][1], seeds, pr->skips[mode][0],
            pr->skips[mode][1]);
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
    page_intro(p, o);
    char datafiles[1024] = "";
    char plotbody[8192];
    size_t pb = 0;
    pb += (size_t)snprintf(plotbody + pb, sizeof plotbody - pb,
                           "set multiplot layout %zu,2 title 'Policy error ‖K_k - K^*‖_F "
                           "(mean ± std over seeds)'\n"
                           "set logscale y\nset format y '10^{%%T}'\nset grid\n"
                           "set xlabel 'policy iteration k'\nset ylabel '‖K_k - K^*‖_F'\n"
                           "set key bottom left font ',9'\n"
                           "set style fill transparent solid 0.18 noborder\n"
                           "lo(m,s) = (m-s > m/100 ? m-s : m/100)\n",
                           res.np);
    int any_fail = 0;
    for (size_t ip = 0; ip < res.np; ip++) {
        if (page_plant(p, &res.plants[ip], ip) != 0) {
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
                  datafiles, 900, res.np > 1 ? 760 : 420, plotbody);
    nb_lqr_result_free(&res);
    nb_para(p, "The QL step changes the prediction by `α δ_TD ‖φ‖²`, and ‖φ‖² grows like "
               "‖z‖⁴: one rate cannot suit both small and large states, so QL's rate must be "
               "small enough for the largest samples and is then slow on the rest. IGNDQ "
               "changes the prediction by `α δ_TD` whatever ‖φ‖ is (§5), so a much larger rate "
               "is stable. The curves are this toolkit's runs, not the paper's: the plants and "
               "constants differ.");
    return nb_page_finish(p, any_fail);
}
