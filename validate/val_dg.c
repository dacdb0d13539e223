/* val_dg.c: the DG section of `gnlab validate` (val_dg.h).
 *
 * For every instance (J, r, Q, mu, lambda, b, c) the exact direction x of the double
 * inputs is the MPFR solve of the primal system (ref_dg.c, 256 bits by default). Three
 * double routes are compared with it, each in the normwise relative 2-norm error
 *   err = |xhat - x|_2 / |x|_2,
 * and each against its own bound, derived below. A row's verdict is max err / bound <= 1.
 *
 * Notation: u = 2^-53, gamma_k = k u / (1 - k u), n = bc, D = Q + mu I (block-diagonal),
 * A = lambda I + J^T D J / b, g = J^T r / b, x = -A^-1 g. Each bound uses the computed
 * solution (xhat, zhat) on the right, so it needs no 1/(1 - ...) factor:
 * if (A + E) xhat = -(g + e) then A (xhat - x) = -e - E xhat, |xhat - x| <= |A^-1| (|e| +
 * |E| |xhat|), and |A^-1|_2 <= 1/lambda exactly because J^T D J is PSD.
 *
 * Primal (core) and explicit (ref) routes. Forming A: every entry is a sum over the n rows
 * of products of at most c + 3 roundings deep (D's block entry, the sqrt scaling or the
 * block product, the /b, the sum), so |dA| <= gamma_(n+c+4) |J|^T |D| |J| / b + u lambda I
 * elementwise, and | |J|^T |D| |J| |_F <= T := (1/b) sum_s sum_(a,a') |D|~_aa' |J_a| |J_a'|
 * (triangle inequality over the rank-one terms), where |D|~ takes q_a + mu (+ p_a^2 for
 * softmax, which covers the primal route's split diag(p + mu) - p p^T) on the diagonal and
 * p_a p_a' off it. Cholesky of the recursive (level-3) kind: (A + dA2) = R^T R with
 * |dA2| <= c_n u (|A| + |R^T||R|) (Higham, ASNA 2nd ed., Thm 10.4 and §13.2); with
 * |R^T||R| bounded by |R|_F^2 = trace(A + dA2) and |A|_F <= trace A we take
 * |dA2|_2 <= 2 gamma_(3d+2) trace A, trace A <= d lambda + T. The right-hand side
 * |e| <= gamma_(n+2) | |J|^T |r| |_2 / b. Hence
 *   |xhat - x| <= (1/lambda) (E_g + E_A |xhat|),
 *   E_A = gamma_(n+c+4) T + u lambda + 2 gamma_(3d+2) (d lambda + T),  E_g as above.
 *
 * Push-through route, Cholesky form (Q diagonal, D > 0): B = lambda D^-1 + K/b,
 * h = D^-1 r, z = B^-1 h, x = -J^T z / b. Forming B: |dB1| <= gamma_(d+2) (|J||J|^T/b +
 * lambda D^-1), so |dB1|_2 <= gamma_(d+2) (|J|_F^2/b + lambda/Dmin); Cholesky as above
 * with trace(B) read from the factor (|R|_F^2); |dh| <= u |h|; |B^-1|_2 <= Dmax/lambda.
 * zhat - z = B^-1 (e - E zhat), and the error reaches x only through J^T B^-1: with
 * G = D^(1/2) J, J^T B^-1 = G^T (lambda I + G G^T / b)^-1 D^(1/2), whose 2-norm is at most
 * max_sigma sigma / (lambda + sigma^2 / b) sqrt(Dmax) = sqrt(b Dmax / lambda) / 2. With
 * xhat = fl(-(1/b) J^T zhat) (gemv: gamma_(n+1) | |J|^T |zhat| |, and 2u |xhat| for the
 * rounded -1/b and the product):
 *   |xhat - x| <= sqrt(Dmax / (b lambda)) / 2 (u |h| + E_B |zhat|)
 *                 + gamma_(n+1) | |J|^T |zhat| | / b + 2u |xhat|.
 *
 * Push-through route, LU form (zeros in D, or softmax blocks): M = lambda I + D K / b.
 * Forming M: |dM1|_2 <= gamma_(d+c+3)(Dinf |J|_F^2 / b + lambda), Dinf = max row sum of
 * |D| (>= |D|_2). LU with partial pivoting, recursive: |dM2| <= c_n u (|M| + |L||U|),
 * taken as 2 gamma_(3n) (|M|_F + |L|_F |U|_F) with |M|_F <= lambda sqrt(n) +
 * Dinf |J|_F^2/b and |L|_F |U|_F read from the factors. zhat - z = -M^-1 E zhat, and by the
 * Woodbury form M^-1 = (1/lambda)(I - D J A^-1 J^T / b) one finds J^T M^-1 = A^-1 J^T (the
 * identity itself), of 2-norm <= |J|_F / lambda. So
 *   |xhat - x| <= |J|_F E_M |zhat| / (b lambda) + gamma_(n+1) | |J|^T |zhat| | / b
 *                 + 2u |xhat|.
 *
 * All bound arithmetic is in double; its own rounding (relative n u) is far inside the
 * slack of the gamma constants. Each bound is u times a factor linear in n and d times
 * the normwise condition number of the system solved: kappa_2(A) <= 1 + T/lambda for the
 * primal and explicit routes; for the push route the condition of B (or M) seen through
 * J^T B^-1, i.e. about (|K|/b + lambda/Dmin) sqrt(Dmax/(b lambda)) |z| / |x|. Rows also
 * report the push route's cancellation factor |J|_F |z| / (b |x|) and how many instances
 * had a bound of 1 or more (a vacuous bound: no claim for that instance). */
#include "val_dg.h"
#include "gn_io_shard.h"

#include "gn.h"
#include "gn_ref_dg.h"
#include "gn_mp_dg.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

const char *const val_dg_mutants[] = {"dg_qside", "dg_nob", "dg_lamq", NULL};

#define U_ (DBL_EPSILON / 2.0)
static double gam(double k) { return k * U_ / (1.0 - k * U_); }

#define DMAX 32
#define NMAX 48

enum { FAM_RANDOM, FAM_ZEROQ, FAM_SOFTMAX, FAM_PARALLEL, FAM_SCALED, FAM_TINYLAM, NFAM };
static const char *const fam_name[NFAM] = {"random", "zero-q", "softmax",
                                           "parallel", "scaled", "tiny-lambda"};
enum { R_PUSH, R_PRIMAL, R_EXPLICIT, NR };
static const char *const route_name[NR] = {"push", "primal", "explicit"};

typedef struct {
    size_t b, c, d;
    double J[NMAX * DMAX], r[NMAX], q[NMAX];
    double mu, lambda;
} inst;

static size_t upto(gn_rng *g, size_t lo, size_t hi)
{
    return lo + (size_t)(gn_rng_uniform(g) * (double)(hi - lo + 1));
}

static void make_inst(inst *I, int fam, gn_rng *g)
{
    I->c = fam == FAM_SOFTMAX ? 3 : 1;
    I->d = upto(g, 6, DMAX);
    I->b = upto(g, 1, NMAX / I->c);
    I->mu = fam == FAM_ZEROQ ? 0.0 : (gn_rng_uniform(g) < 0.5 ? 0.0 : 0.01);
    size_t n = I->b * I->c, d = I->d;
    double v[DMAX];
    for (size_t k = 0; k < d; k++)
        v[k] = gn_rng_normal(g);
    for (size_t i = 0; i < n; i++) {
        double s = 1.0;
        if (fam == FAM_SCALED)
            s = pow(10.0, 6.0 * gn_rng_uniform(g) - 3.0);
        for (size_t k = 0; k < d; k++) {
            double x = gn_rng_normal(g);
            if (fam == FAM_PARALLEL) /* rows within 1e-6 of one direction */
                x = v[k] * (1.0 + 0.1 * (double)i) + 1e-6 * x;
            I->J[i * d + k] = s * x;
        }
        I->r[i] = gn_rng_normal(g);
    }
    if (fam == FAM_SOFTMAX) {
        for (size_t s = 0; s < I->b; s++) {
            double f[3], m = -INFINITY, sum = 0.0;
            for (int a = 0; a < 3; a++) {
                f[a] = 2.0 * gn_rng_normal(g);
                m = fmax(m, f[a]);
            }
            for (int a = 0; a < 3; a++)
                sum += (f[a] = exp(f[a] - m));
            for (int a = 0; a < 3; a++)
                I->q[s * 3 + a] = f[a] / sum;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            I->q[i] = 0.05 + 1.95 * gn_rng_uniform(g);
            if (fam == FAM_ZEROQ && gn_rng_uniform(g) < 0.3)
                I->q[i] = 0.0;
        }
    }
    double lo = -3.0, hi = 0.0;
    if (fam == FAM_PARALLEL)
        lo = -3.0, hi = -1.0;
    if (fam == FAM_TINYLAM)
        lo = -9.0, hi = -7.0;
    I->lambda = pow(10.0, lo + (hi - lo) * gn_rng_uniform(g));
}

static gn_dg_batch batch_of(const inst *I)
{
    gn_dg_batch B = {I->b, I->c, I->d, I->J, I->r, I->c > 1 ? GN_Q_SOFTMAX : GN_Q_DIAG,
                     I->q, I->mu, I->lambda};
    return B;
}

static double nrm2(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s);
}

/* the (a, a') entry of block s of D = Q + mu I */
static double dentry(const inst *I, size_t s, size_t a, size_t a2)
{
    const double *q = I->q + s * I->c;
    if (I->c == 1)
        return q[0] + I->mu;
    return (a == a2 ? q[a] + I->mu : 0.0) - q[a] * q[a2];
}

/* |J|^T |z| in 2-norm */
static double absJtz(const inst *I, const double *z)
{
    double t[DMAX] = {0};
    size_t n = I->b * I->c;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < I->d; k++)
            t[k] += fabs(I->J[i * I->d + k]) * fabs(z[i]);
    return nrm2(t, I->d);
}

/* bound on |xhat - x|_2 for the primal and explicit routes (see the head comment) */
static double bound_primal(const inst *I, const double *xhat)
{
    size_t n = I->b * I->c, c = I->c, d = I->d;
    double rn[NMAX], T = 0.0;
    for (size_t i = 0; i < n; i++)
        rn[i] = nrm2(I->J + i * d, d);
    for (size_t s = 0; s < I->b; s++)
        for (size_t a = 0; a < c; a++)
            for (size_t a2 = 0; a2 < c; a2++) {
                double p = I->q[s * c + a], p2 = I->q[s * c + a2];
                double e = c == 1 ? p + I->mu : (a == a2 ? p + I->mu + p * p : p * p2);
                T += e * rn[s * c + a] * rn[s * c + a2];
            }
    T /= (double)I->b;
    double EA = gam((double)(n + c + 4)) * T + U_ * I->lambda +
                2.0 * gam((double)(3 * d + 2)) * ((double)d * I->lambda + T);
    double Eg = gam((double)(n + 2)) * absJtz(I, I->r) / (double)I->b;
    return (Eg + EA * nrm2(xhat, d)) / I->lambda;
}

/* bound on |xhat - x|_2 for the push route from its factorisation and zhat */
static double bound_push(const inst *I, const double *xhat, const double *zhat,
                         gn_dg_fact fact, double fnorm, double *amplif)
{
    size_t n = I->b * I->c, c = I->c, d = I->d;
    double b = (double)I->b;
    double nJ2 = 0.0;
    for (size_t i = 0; i < n * d; i++)
        nJ2 += I->J[i] * I->J[i];
    double zn = nrm2(zhat, n), dz;
    if (fact == GN_DG_FACT_CHOL) {
        double Dmin = INFINITY, Dmax = 0.0, h2 = 0.0;
        for (size_t i = 0; i < n; i++) {
            double D = I->q[i] + I->mu;
            Dmin = fmin(Dmin, D);
            Dmax = fmax(Dmax, D);
            h2 += (I->r[i] / D) * (I->r[i] / D);
        }
        double EB = gam((double)(d + 2)) * (nJ2 / b + I->lambda / Dmin) +
                    2.0 * gam((double)(3 * n + 2)) * fnorm;
        dz = 0.5 * sqrt(Dmax * b / I->lambda) * (U_ * sqrt(h2) + EB * zn);
    } else {
        double Dinf = 0.0;
        for (size_t s = 0; s < I->b; s++)
            for (size_t a = 0; a < c; a++) {
                double row = 0.0;
                for (size_t a2 = 0; a2 < c; a2++)
                    row += fabs(dentry(I, s, a, a2));
                Dinf = fmax(Dinf, row);
            }
        double Mf = I->lambda * sqrt((double)n) + Dinf * nJ2 / b;
        double EM = gam((double)(d + c + 3)) * (Dinf * nJ2 / b + I->lambda) +
                    2.0 * gam((double)(3 * n)) * (Mf + fnorm);
        dz = sqrt(nJ2) / I->lambda * EM * zn;
    }
    /* dz here bounds |J^T (zhat - z)| */
    double xn = nrm2(xhat, d);
    *amplif = sqrt(nJ2) * zn / (b * xn);
    return (dz + gam((double)(n + 1)) * absJtz(I, zhat)) / b + 2.0 * U_ * xn;
}

/* the known-wrong push-through variants (val_dg.h), solved by LU in double */
static int mutant_dir(double *x, const inst *I, const char *which)
{
    size_t n = I->b * I->c, d = I->d, c = I->c;
    double b = (double)I->b;
    double *M = malloc(n * n * sizeof(double)), z[NMAX];
    size_t pdata[NMAX];
    if (!M)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double dk = 0.0;
            /* (D K)_ij = sum_a D_ia K_aj over i's block */
            size_t s = i / c;
            for (size_t a = 0; a < c; a++) {
                double kaj = 0.0;
                size_t ra = s * c + a;
                if (!strcmp(which, "dg_qside")) {
                    /* (K D)_ij = sum_a K_ia D_aj over j's block */
                    size_t sj = j / c;
                    ra = sj * c + a;
                    for (size_t l = 0; l < d; l++)
                        kaj += I->J[i * d + l] * I->J[ra * d + l];
                    dk += kaj * dentry(I, sj, a, j % c);
                } else {
                    for (size_t l = 0; l < d; l++)
                        kaj += I->J[ra * d + l] * I->J[j * d + l];
                    dk += dentry(I, s, i % c, a) * kaj;
                }
            }
            M[i * n + j] = (i == j ? I->lambda : 0.0) + (strcmp(which, "dg_nob") ? dk / b : dk);
        }
    if (!strcmp(which, "dg_lamq")) /* lambda Q + Q K / b = Q (lambda I + K / b) */
        for (size_t i = 0; i < n; i++)
            M[i * n + i] += I->lambda * (dentry(I, i / c, i % c, i % c) - 1.0);
    gsl_matrix_view Mv = gsl_matrix_view_array(M, n, n);
    gsl_permutation p = {n, pdata};
    gsl_vector_view zv = gsl_vector_view_array(z, n);
    int sg;
    memcpy(z, I->r, n * sizeof(double));
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_LU_decomp(&Mv.matrix, &p, &sg);
    if (rc == GSL_SUCCESS)
        rc = gsl_linalg_LU_svx(&Mv.matrix, &p, &zv.vector);
    gsl_set_error_handler(old);
    free(M);
    if (rc != GSL_SUCCESS)
        return -1;
    for (size_t k = 0; k < d; k++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += I->J[i * d + k] * z[i];
        x[k] = -s / b;
    }
    return 0;
}

/* the angle between DG and the batched IGND direction (c = 1): a difference by design */
typedef struct {
    double max, sum, lo, hi;
    size_t n;
} angle_acc;

/* what one family of instances accumulates, per route: the err/bound row, the relative
 * error row, the largest relative error and bound, and how many bounds were vacuous */
typedef struct {
    val_row rr[NR], ri[NR];
    double maxrel[NR], maxbnd[NR];
    size_t vac[NR];
} fam_rows;

/* the section's workspaces and the MPFR reference direction */
typedef struct {
    const val_opts *o;
    mpfr_prec_t prec;
    gn_dg_ws *ws, *wp;
    mpfr_ptr ref;
    inst *I;
    angle_acc ang;
} dg_run;

/* one instance's double routes: directions, bounds, success, the push amplification */
typedef struct {
    double x[NR][DMAX], bnd[NR], amp;
    int ok[NR];
} routes;

static void row_init(val_row *r, const char *q, const char *measure, int info)
{
    memset(r, 0, sizeof *r);
    snprintf(r->section, sizeof r->section, "dg");
    snprintf(r->quantity, sizeof r->quantity, "%s", q);
    snprintf(r->measure, sizeof r->measure, "%s", measure);
    r->informational = info;
    r->pass = 1;
    r->bound = 1.0;
}

static void fam_init(fam_rows *F, int fam)
{
    memset(F, 0, sizeof *F);
    for (int rt = 0; rt < NR; rt++) {
        char q[40];
        snprintf(q, sizeof q, "%s/%s", route_name[rt], fam_name[fam]);
        row_init(&F->rr[rt], q, "err/bound", 0);
        F->rr[rt].max_err = 0.0;
        snprintf(q, sizeof q, "%s/%s rel", route_name[rt], fam_name[fam]);
        row_init(&F->ri[rt], q, "rel", 1);
    }
}

/* the three double routes on one batch, each with its bound; an injected variant replaces
 * the push route's direction (its bound stays the correct route's) */
static void solve_routes(routes *R, dg_run *D, const gn_dg_batch *B)
{
    const inst *I = D->I;
    const char *mut = D->o->inject;
    R->amp = 0.0;
    R->ok[R_PUSH] = gn_dg_dir(R->x[R_PUSH], D->ws, B, GN_DG_PUSH) == GN_OK;
    if (R->ok[R_PUSH]) {
        R->bnd[R_PUSH] = bound_push(I, R->x[R_PUSH], gn_dg_ws_last_z(D->ws),
                                    gn_dg_ws_last_fact(D->ws), gn_dg_ws_factor_fnorm(D->ws),
                                    &R->amp);
        if (mut && mutant_dir(R->x[R_PUSH], I, mut) != 0)
            R->ok[R_PUSH] = 0;
    }
    R->ok[R_PRIMAL] = gn_dg_dir(R->x[R_PRIMAL], D->wp, B, GN_DG_PRIMAL) == GN_OK;
    if (R->ok[R_PRIMAL])
        R->bnd[R_PRIMAL] = bound_primal(I, R->x[R_PRIMAL]);
    R->ok[R_EXPLICIT] = gn_ref_dg_explicit(R->x[R_EXPLICIT], B) == GN_OK;
    if (R->ok[R_EXPLICIT])
        R->bnd[R_EXPLICIT] = bound_primal(I, R->x[R_EXPLICIT]);
}

/* each route's error against the MPFR direction, into the family's rows */
static void record_routes(fam_rows *F, const routes *R, const dg_run *D, uint64_t stream,
                          size_t it)
{
    const inst *I = D->I;
    size_t d = I->d, n = I->b * I->c;
    double refn = 0.0; /* |x|_2 of the MPFR solution, for relative bounds */
    for (size_t k = 0; k < d; k++)
        refn += mpfr_get_d(D->ref + k, MPFR_RNDN) * mpfr_get_d(D->ref + k, MPFR_RNDN);
    refn = sqrt(refn);
    for (int rt = 0; rt < NR; rt++) {
        double err, rb, ratio;
        if (!R->ok[rt]) {
            err = INFINITY;
            rb = 0.0;
        } else {
            err = gn_mp_dg_fwderr(R->x[rt], D->ref, d);
            rb = R->bnd[rt] / refn;
        }
        ratio = R->ok[rt] ? err / rb : INFINITY;
        val_row *rr = &F->rr[rt], *ri = &F->ri[rt];
        if (it == 0 || !(ratio <= rr->max_err)) {
            rr->max_err = ratio;
            snprintf(rr->worst, sizeof rr->worst,
                     "seed %llu stream %llu: b=%zu c=%zu d=%zu n=%zu lambda=%a "
                     "mu=%a err=%.3g bound=%.3g%s",
                     (unsigned long long)D->o->seed, (unsigned long long)stream, I->b, I->c,
                     d, n, I->lambda, I->mu, err, rb, R->ok[rt] ? "" : " (solve failed)");
        }
        rr->instances++;
        ri->instances++;
        if (err > F->maxrel[rt]) {
            F->maxrel[rt] = err;
            snprintf(ri->worst, sizeof ri->worst,
                     "stream %llu: err=%.3g bound=%.3g push amplification "
                     "|J||z|/(b|x|)=%.3g",
                     (unsigned long long)stream, err, rb, R->amp);
        }
        F->maxbnd[rt] = fmax(F->maxbnd[rt], rb);
        F->vac[rt] += !(rb < 1.0);
    }
}

/* the per instances of family fam, then its rows' verdicts and vacuous-bound counts */
static void run_family(fam_rows *F, dg_run *D, int fam, size_t per)
{
    inst *I = D->I;
    fam_init(F, fam);
    for (size_t it = 0; it < per; it++) {
        gn_rng g;
        uint64_t stream = (uint64_t)fam * 1000000u + it;
        gn_rng_seed(&g, D->o->seed, stream);
        make_inst(I, fam, &g);
        gn_dg_batch B = batch_of(I);
        if (gn_mp_dg_dir(D->ref, &B, D->prec, MPFR_RNDN) != GN_OK)
            continue;
        routes R;
        solve_routes(&R, D, &B);
        record_routes(F, &R, D, stream, it);
        /* DG against the batched IGND direction: a difference by design */
        if (I->c == 1 && R.ok[R_PRIMAL]) {
            double di[DMAX], ang, rat;
            if (gn_dg_ignd(di, D->ws, &B) == GN_OK &&
                gn_dg_compare(&ang, &rat, R.x[R_PRIMAL], di, I->d) == GN_OK) {
                D->ang.max = fmax(D->ang.max, ang);
                D->ang.sum += ang;
                D->ang.lo = fmin(D->ang.lo, rat);
                D->ang.hi = fmax(D->ang.hi, rat);
                D->ang.n++;
            }
        }
    }
    for (int rt = 0; rt < NR; rt++) {
        F->rr[rt].pass = F->rr[rt].max_err <= F->rr[rt].bound;
        F->ri[rt].max_err = F->maxrel[rt];
        F->ri[rt].bound = F->maxbnd[rt];
        size_t L = strlen(F->ri[rt].worst);
        snprintf(F->ri[rt].worst + L, sizeof F->ri[rt].worst - L,
                 "; vacuous bounds (>= 1): %zu of %zu", F->vac[rt], F->ri[rt].instances);
    }
}

/* an --inject name that is not a DG variant: one failing row (0 if there is no room) */
static size_t unknown_variant(val_row *rows, size_t cap, const char *mut)
{
    if (cap == 0)
        return 0;
    row_init(&rows[0], "inject", "name", 0);
    rows[0].pass = 0;
    rows[0].max_err = INFINITY;
    snprintf(rows[0].worst, sizeof rows[0].worst, "unknown variant '%s'", mut);
    return 1;
}

size_t val_dg(val_row *rows, size_t cap, const val_opts *o)
{
    size_t nrow = 0;
    const char *mut = o->inject;
    if (mut) {
        int known = 0;
        for (const char *const *m = val_dg_mutants; *m; m++)
            known |= !strcmp(*m, mut);
        if (!known)
            return unknown_variant(rows, cap, mut);
    }
    size_t per = (size_t)(30.0 * (o->scale > 0.0 ? o->scale : 1.0));
    if (per < 1)
        per = 1;
    /* the DG section is one indivisible unit of a sharded run (0.3 s of ~10 s at scale 1;
     * its angle row holds a mean, a float sum that would not merge exactly): it runs whole
     * in the shard that owns block 0, and every other shard lists its rows empty */
    if (o->shard && !gn_io_shard_mine(o->shard, 0, 1))
        per = 0;
    dg_run D = {o, o->prec >= 64 ? (mpfr_prec_t)o->prec : 256,
                gn_dg_ws_alloc(NMAX, DMAX, GN_DG_PUSH), gn_dg_ws_alloc(NMAX, DMAX, GN_DG_PRIMAL),
                malloc(DMAX * sizeof(__mpfr_struct)), malloc(sizeof(inst)),
                {0.0, 0.0, INFINITY, 0.0, 0}};
    if (!D.ws || !D.wp || !D.ref || !D.I) {
        gn_dg_ws_free(D.ws);
        gn_dg_ws_free(D.wp);
        free(D.ref);
        free(D.I);
        return 0;
    }
    for (size_t k = 0; k < DMAX; k++)
        mpfr_init2(D.ref + k, D.prec);
    for (int fam = 0; fam < NFAM; fam++) {
        fam_rows F;
        run_family(&F, &D, fam, per);
        for (int rt = 0; rt < NR; rt++) {
            if (nrow < cap)
                rows[nrow++] = F.rr[rt];
            if (nrow < cap)
                rows[nrow++] = F.ri[rt];
        }
    }
    if (nrow < cap) {
        row_init(&rows[nrow], "angle(dg, batched ignd)", "rad", 1);
        rows[nrow].instances = D.ang.n;
        rows[nrow].max_err = D.ang.max;
        rows[nrow].bound = acos(-1.0);
        snprintf(rows[nrow].worst, sizeof rows[nrow].worst,
                 "mean angle %.3g rad; norm ratio |dg|/|ignd| in [%.3g, %.3g]; differs by "
                 "design (MATH.md §9)",
                 D.ang.n ? D.ang.sum / (double)D.ang.n : 0.0, D.ang.lo, D.ang.hi);
        nrow++;
    }
    for (size_t k = 0; k < DMAX; k++)
        mpfr_clear(D.ref + k);
    free(D.ref);
    free(D.I);
    gn_dg_ws_free(D.ws);
    gn_dg_ws_free(D.wp);
    return nrow;
}
