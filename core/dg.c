/* dg.c: the mini-batch LM direction through the Duncan-Guttman identity (gn_dg.h,
 * MATH.md §9), its primal twin, and the batched IGND direction. */
#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

/* rows of Q^(1/2) J scaled per dsyrk call in the primal route: large enough that the
 * rank-k update runs at level-3 speed, small enough that the copy stays in cache */
#define GN_DG_CHUNK 128

struct gn_dg_ws {
    size_t bcmax, d;
    size_t pmax;      /* push capacity: systems up to pmax x pmax          */
    int has_primal;
    double *K;        /* pmax^2: K, then the factor                        */
    double *z;        /* pmax: right-hand side, then the solution          */
    double *t;        /* pmax: softmax row combinations                    */
    double *rn;       /* pmax: row norms |J_i|_2                           */
    int ovf_safe;     /* the last push result is known finite              */
    size_t *perm;     /* pmax: LU pivots                                   */
    double *A;        /* d^2 (primal)                                      */
    double *S;        /* GN_DG_CHUNK x d (primal)                          */
    double *g;        /* d                                                 */
    double *acc;      /* d (batched IGND)                                  */
    size_t bytes;
    gn_dg_route last_route;
    gn_dg_fact last_fact;
    size_t last_n;
};

static void *xcalloc(size_t n, size_t sz, size_t *bytes)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sz)
        return NULL;
    *bytes += n * sz;
    return calloc(n, sz);
}

void gn_dg_ws_free(gn_dg_ws *w)
{
    if (!w)
        return;
    GN_FREE_ALL(w->K, w->z, w->t, w->rn, w->perm, w->A, w->S, w->g, w->acc, w);
}

gn_dg_ws *gn_dg_ws_alloc(size_t bcmax, size_t d, gn_dg_route route)
{
    if (bcmax == 0 || d == 0 || (unsigned)route >= GN_DG_NROUTE)
        return NULL;
    gn_dg_ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->bytes = sizeof *w;
    w->bcmax = bcmax;
    w->d = d;
    if (route == GN_DG_PUSH)
        w->pmax = bcmax;
    else if (route == GN_DG_AUTO)
        w->pmax = bcmax < d ? bcmax : d;
    else
        w->pmax = 0;
    w->has_primal = route == GN_DG_PRIMAL || (route == GN_DG_AUTO && bcmax > d);
    int ok = 1;
    if (w->pmax) {
        if (w->pmax > SIZE_MAX / w->pmax)
            ok = 0;
        else {
            ok &= (w->K = xcalloc(w->pmax * w->pmax, sizeof(double), &w->bytes)) != NULL;
            ok &= (w->z = xcalloc(w->pmax, sizeof(double), &w->bytes)) != NULL;
            ok &= (w->t = xcalloc(w->pmax, sizeof(double), &w->bytes)) != NULL;
            ok &= (w->rn = xcalloc(w->pmax, sizeof(double), &w->bytes)) != NULL;
            ok &= (w->perm = xcalloc(w->pmax, sizeof(size_t), &w->bytes)) != NULL;
        }
    }
    if (ok && w->has_primal) {
        if (d > SIZE_MAX / d / sizeof(double) || d > SIZE_MAX / GN_DG_CHUNK / sizeof(double))
            ok = 0;
        else {
            ok &= (w->A = xcalloc(d * d, sizeof(double), &w->bytes)) != NULL;
            ok &= (w->S = xcalloc((size_t)GN_DG_CHUNK * d, sizeof(double), &w->bytes)) != NULL;
        }
    }
    if (ok) {
        ok &= (w->g = xcalloc(d, sizeof(double), &w->bytes)) != NULL;
        ok &= (w->acc = xcalloc(d, sizeof(double), &w->bytes)) != NULL;
    }
    if (!ok) {
        gn_dg_ws_free(w);
        return NULL;
    }
    return w;
}

size_t gn_dg_ws_bytes(const gn_dg_ws *w) { return w ? w->bytes : 0; }
gn_dg_route gn_dg_ws_last_route(const gn_dg_ws *w) { return w->last_route; }
gn_dg_fact gn_dg_ws_last_fact(const gn_dg_ws *w) { return w->last_fact; }

const double *gn_dg_ws_last_z(const gn_dg_ws *w)
{
    return w->last_route == GN_DG_PUSH && w->last_fact != GN_DG_FACT_NONE ? w->z : NULL;
}

double gn_dg_ws_factor_fnorm(const gn_dg_ws *w)
{
    size_t n = w->last_n;
    if (w->last_route != GN_DG_PUSH || w->last_fact == GN_DG_FACT_NONE)
        return NAN;
    double l = 0.0, u = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = w->K[i * n + j];
            if (w->last_fact == GN_DG_FACT_CHOL) {
                if (j <= i)
                    l += x * x;
            } else if (j < i)
                l += x * x;
            else
                u += x * x;
        }
    if (w->last_fact == GN_DG_FACT_CHOL)
        return l; /* ||R||_F^2 = trace of the factored matrix */
    return sqrt(l + (double)n) * sqrt(u); /* unit diagonal of L counted */
}

/* ------------------------------------------------------------- checks */

gn_status gn_dg_check(const gn_dg_batch *B)
{
    if (!B || !B->J || !B->r || !B->q || B->b == 0 || B->c == 0 || B->d == 0)
        return GN_ESIZE;
    if (B->b > SIZE_MAX / B->c)
        return GN_ESIZE;
    size_t bc = B->b * B->c;
    if (bc > SIZE_MAX / sizeof(double) / B->d)
        return GN_ESIZE;
    if ((unsigned)B->qkind >= GN_NQ)
        return GN_EDOM;
    if (gn_damping_check(0.0, (gn_damping){B->lambda, B->mu}) != GN_OK)
        return GN_EDOM;
    if (!gn_allfinite(B->r, bc) || !gn_allfinite(B->q, bc))
        return GN_ENONFINITE;
    if (B->qkind == GN_Q_DIAG) {
        for (size_t i = 0; i < bc; i++)
            if (B->q[i] < 0.0)
                return GN_ENOTPSD;
    } else {
        /* diag(p) - p p^T is PSD iff p >= 0 and sum p <= 1 (Cauchy-Schwarz; x = 1 shows
         * necessity). A probability vector computed in double sums to 1 within c u. */
        double tol = 1.0 + 4.0 * (double)B->c * DBL_EPSILON / 2.0;
        for (size_t s = 0; s < B->b; s++) {
            double sum = 0.0;
            for (size_t k = 0; k < B->c; k++) {
                double p = B->q[s * B->c + k];
                if (p < 0.0)
                    return GN_ENOTPSD;
                sum += p;
            }
            if (sum > tol)
                return GN_ENOTPSD;
        }
    }
    return GN_OK;
}

/* J non-finite or |J_i|^2 overflowed: tell which */
static gn_status jstatus(const double *J, size_t n)
{
    return gn_allfinite(J, n) ? GN_ERANGE : GN_ENONFINITE;
}

/* finite check that vectorises: x * 0 is 0 for finite x and NaN otherwise */
static int finite_fast(const double *x, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * 0.0;
        s1 += x[i + 1] * 0.0;
        s2 += x[i + 2] * 0.0;
        s3 += x[i + 3] * 0.0;
    }
    for (; i < n; i++)
        s0 += x[i] * 0.0;
    return (s0 + s1 + s2 + s3) == 0.0;
}

static double qdiag(const gn_dg_batch *B, size_t i)
{
    return B->q[i] + B->mu;
}

/* ------------------------------------------------------------- routes */

static gn_status push_solve(double *dir, gn_dg_ws *w, const gn_dg_batch *B)
{
    size_t n = B->b * B->c, d = B->d;
    double invb = 1.0 / (double)B->b;
    gsl_matrix_view Kv = gsl_matrix_view_array(w->K, n, n);
    gsl_matrix_const_view Jv = gsl_matrix_const_view_array(B->J, n, d);
    gsl_vector_view zv = gsl_vector_view_array(w->z, n);
    gsl_vector_const_view zc = gsl_vector_const_view_array(w->z, n);
    gsl_vector_view dv = gsl_vector_view_array(dir, d);
    double *K = w->K;

    /* K / b directly: the 1/b rides on the rank-k update's alpha */
    gsl_blas_dsyrk(CblasLower, CblasNoTrans, invb, &Jv.matrix, 0.0, &Kv.matrix);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(K[i * n + i]))
            return jstatus(B->J, n * d);
        w->rn[i] = sqrt(K[i * n + i] * (double)B->b);
    }

    int spd = B->qkind == GN_Q_DIAG;
    for (size_t i = 0; spd && i < n; i++)
        spd = qdiag(B, i) > 0.0;

    int st;
    if (spd) {
        /* (lambda Q^-1 + K/b) z = Q^-1 r, lower triangle only */
        for (size_t i = 0; i < n; i++) {
            double qi = qdiag(B, i);
            K[i * n + i] += B->lambda / qi;
            w->z[i] = B->r[i] / qi;
        }
        st = gsl_linalg_cholesky_decomp1(&Kv.matrix);
        if (st == GSL_SUCCESS)
            st = gsl_linalg_cholesky_svx(&Kv.matrix, &zv.vector);
        w->last_fact = GN_DG_FACT_CHOL;
    } else {
        /* (lambda I + Q K / b) z = r: full K first */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                K[i * n + j] = K[j * n + i];
        if (B->qkind == GN_Q_DIAG) {
            for (size_t i = 0; i < n; i++) {
                double qi = qdiag(B, i);
                for (size_t j = 0; j < n; j++)
                    K[i * n + j] *= qi;
            }
        } else {
            size_t c = B->c;
            for (size_t s = 0; s < B->b; s++) {
                const double *p = B->q + s * c;
                double *Ks = K + s * c * n;
                /* t = p^T K_block (the block's rows combined, K already / b), then row a
                 * becomes (p_a + mu) K_a - p_a t: (diag(p) - p p^T + mu I) K_block / b */
                for (size_t j = 0; j < n; j++) {
                    double acc = 0.0;
                    for (size_t a = 0; a < c; a++)
                        acc += p[a] * Ks[a * n + j];
                    w->t[j] = acc;
                }
                for (size_t a = 0; a < c; a++) {
                    double pa = p[a];
                    double qa = pa + B->mu;
                    for (size_t j = 0; j < n; j++)
                        Ks[a * n + j] = qa * Ks[a * n + j] - pa * w->t[j];
                }
            }
        }
        for (size_t i = 0; i < n; i++) {
            K[i * n + i] += B->lambda;
            w->z[i] = B->r[i];
        }
        gsl_permutation perm = {n, w->perm};
        int signum;
        st = gsl_linalg_LU_decomp(&Kv.matrix, &perm, &signum);
        for (size_t i = 0; st == GSL_SUCCESS && i < n; i++)
            if (!(fabs(K[i * n + i]) > 0.0) || !isfinite(K[i * n + i]))
                st = GSL_ESING;
        if (st == GSL_SUCCESS)
            st = gsl_linalg_LU_svx(&Kv.matrix, &perm, &zv.vector);
        w->last_fact = GN_DG_FACT_LU;
    }
    if (st != GSL_SUCCESS || !finite_fast(w->z, n)) {
        w->last_fact = GN_DG_FACT_NONE;
        return GN_ESINGULAR;
    }
    w->last_n = n;
    w->last_route = GN_DG_PUSH;
    /* No component of -(1/b) J^T z, nor any partial sum of it in any order, exceeds
     * (1/b) sum_i |J_i|_2 |z_i| (as |J_ik| <= |J_i|_2). When that sum, computed with
     * relative error below 1e-10, is under DBL_MAX / 4, dir is finite and gn_dg_dir
     * skips its O(d) scan of dir: this keeps the b = 1 solve at its BLAS floor. */
    double zb = 0.0;
    for (size_t i = 0; i < n; i++)
        zb += w->rn[i] * fabs(w->z[i]);
    w->ovf_safe = zb * invb < DBL_MAX / 4.0;
    gsl_blas_dgemv(CblasTrans, -invb, &Jv.matrix, &zc.vector, 0.0, &dv.vector);
    return GN_OK;
}

static gn_status primal_solve(double *dir, gn_dg_ws *w, const gn_dg_batch *B)
{
    size_t n = B->b * B->c, d = B->d, c = B->c;
    double invb = 1.0 / (double)B->b;
    gsl_matrix_view Av = gsl_matrix_view_array(w->A, d, d);
    gsl_matrix_const_view Jv = gsl_matrix_const_view_array(B->J, n, d);
    gsl_vector_const_view rv = gsl_vector_const_view_array(B->r, n);
    gsl_vector_view gv = gsl_vector_view_array(w->g, d);
    double beta = 0.0;

    /* A = sum_i (q_i + mu)/b J_i J_i^T (softmax: q_i = p_i) over chunks of scaled rows */
    for (size_t i0 = 0; i0 < n; i0 += GN_DG_CHUNK) {
        size_t m = n - i0 < GN_DG_CHUNK ? n - i0 : GN_DG_CHUNK;
        for (size_t i = 0; i < m; i++) {
            double s = sqrt(qdiag(B, i0 + i) * invb);
            const double *Ji = B->J + (i0 + i) * d;
            double *Si = w->S + i * d;
            for (size_t k = 0; k < d; k++)
                Si[k] = s * Ji[k];
        }
        gsl_matrix_view Sv = gsl_matrix_view_array(w->S, m, d);
        gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &Sv.matrix, beta, &Av.matrix);
        beta = 1.0;
    }
    if (B->qkind == GN_Q_SOFTMAX) {
        /* minus sum_s v_s v_s^T / b, v_s = J_s^T p_s (the p p^T part of each block) */
        for (size_t s0 = 0; s0 < B->b; s0 += GN_DG_CHUNK) {
            size_t m = B->b - s0 < GN_DG_CHUNK ? B->b - s0 : GN_DG_CHUNK;
            double sb = sqrt(invb);
            for (size_t s = 0; s < m; s++) {
                double *Vs = w->S + s * d;
                const double *p = B->q + (s0 + s) * c;
                const double *Js = B->J + (s0 + s) * c * d;
                for (size_t k = 0; k < d; k++)
                    Vs[k] = 0.0;
                for (size_t a = 0; a < c; a++) {
                    double pa = p[a] * sb;
                    for (size_t k = 0; k < d; k++)
                        Vs[k] += pa * Js[a * d + k];
                }
            }
            gsl_matrix_view Sv = gsl_matrix_view_array(w->S, m, d);
            gsl_blas_dsyrk(CblasLower, CblasTrans, -1.0, &Sv.matrix, 1.0, &Av.matrix);
        }
    }
    for (size_t k = 0; k < d; k++) {
        double *akk = w->A + k * d + k;
        if (!isfinite(*akk))
            return jstatus(B->J, n * d);
        *akk += B->lambda;
    }
    gsl_blas_dgemv(CblasTrans, -invb, &Jv.matrix, &rv.vector, 0.0, &gv.vector);
    int st = gsl_linalg_cholesky_decomp1(&Av.matrix);
    if (st == GSL_SUCCESS)
        st = gsl_linalg_cholesky_svx(&Av.matrix, &gv.vector);
    if (st != GSL_SUCCESS || !finite_fast(w->g, d)) {
        w->last_fact = GN_DG_FACT_NONE;
        return gn_allfinite(w->g, d) ? GN_ESINGULAR : GN_ERANGE;
    }
    memcpy(dir, w->g, d * sizeof(double));
    w->last_fact = GN_DG_FACT_CHOL;
    w->last_route = GN_DG_PRIMAL;
    w->last_n = d;
    return GN_OK;
}

static gn_status dg_dir_checked(double *dir, gn_dg_ws *w, const gn_dg_batch *B,
                                gn_dg_route route)
{
    size_t n = B->b * B->c;
    if (!w || !dir || n > w->bcmax || B->d > w->d || (unsigned)route >= GN_DG_NROUTE)
        return GN_ESIZE;
    if (route == GN_DG_AUTO) {
        /* flops: PUSH n^2 d/2 + n^3/3, PRIMAL n d^2/2 + d^3/3, equal exactly at n = d;
         * the tie goes to PUSH, which reads J without the scaled copy (measured by
         * gnlab egn --bench at d = 200) and had the smaller errors in the DG section */
        route = n > B->d ? GN_DG_PRIMAL : GN_DG_PUSH;
        if (route == GN_DG_PRIMAL && !w->has_primal)
            route = GN_DG_PUSH;
        else if (route == GN_DG_PUSH && n > w->pmax && w->has_primal)
            route = GN_DG_PRIMAL;
    }
    if ((route == GN_DG_PUSH && n > w->pmax) || (route == GN_DG_PRIMAL && !w->has_primal))
        return GN_ESIZE;
    w->last_fact = GN_DG_FACT_NONE;
    w->ovf_safe = 0;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gn_status st = route == GN_DG_PUSH ? push_solve(dir, w, B) : primal_solve(dir, w, B);
    gsl_set_error_handler(old);
    if (st == GN_OK && !(route == GN_DG_PUSH && w->ovf_safe) && !finite_fast(dir, B->d)) {
        for (size_t k = 0; k < B->d; k++)
            dir[k] = NAN;
        return GN_ERANGE;
    }
    return st;
}

/* sizes against the workspace, checked before any array of B is read: a batch larger
 * than the workspace is a size error, not an invitation to read past the caller's arrays */
static gn_status ws_fits(const gn_dg_ws *w, const gn_dg_batch *B, const double *dir)
{
    if (!w || !dir || !B)
        return GN_ESIZE;
    if (B->b > w->bcmax || B->c > w->bcmax || B->b * B->c > w->bcmax || B->d > w->d)
        return GN_ESIZE;
    return GN_OK;
}

/* the workspace fits the batch, then the batch's own checks (gn_dg_check) */
static gn_status dg_ready(const gn_dg_ws *w, const gn_dg_batch *B, const double *dir)
{
    gn_status st = ws_fits(w, B, dir);
    return st != GN_OK ? st : gn_dg_check(B);
}

gn_status gn_internal_dg_check_finite(const gn_dg_batch *B)
{
    gn_status st = gn_dg_check(B);
    if (st != GN_OK)
        return st;
    return gn_allfinite(B->J, B->b * B->c * B->d) ? GN_OK : GN_ENONFINITE;
}

gn_status gn_dg_dir(double *dir, gn_dg_ws *w, const gn_dg_batch *B, gn_dg_route route)
{
    gn_status st = dg_ready(w, B, dir);
    if (st != GN_OK)
        return st;
    return dg_dir_checked(dir, w, B, route);
}

/* ------------------------------------------------------ batched IGND */

gn_status gn_dg_ignd(double *dir, gn_dg_ws *w, const gn_dg_batch *B)
{
    gn_status st = dg_ready(w, B, dir);
    if (st != GN_OK)
        return st;
    if (!w || !dir || B->b * B->c > w->bcmax || B->d > w->d)
        return GN_ESIZE;
    size_t d = B->d, c = B->c;
    double *acc = w->acc, *tmp = w->g;
    for (size_t k = 0; k < d; k++)
        acc[k] = 0.0;
    for (size_t i = 0; i < B->b; i++) {
        const double *Ji = B->J + i * c * d;
        if (c == 1) {
            double lpp = B->qkind == GN_Q_DIAG ? B->q[i] : B->q[i] - B->q[i] * B->q[i];
            gn_damping dmp = {B->lambda, B->mu};
            /* gn_dir_damped may alias: compute into tmp, which the c = 1 path owns */
            st = gn_dir_damped(tmp, Ji, d, B->r[i], lpp, dmp);
        } else {
            gn_dg_batch one = *B;
            one.b = 1;
            one.J = Ji;
            one.r = B->r + i * c;
            one.q = B->q + i * c;
            /* the primal route would overwrite w->g; the push route leaves it alone */
            if (c > w->pmax)
                return GN_ESIZE;
            st = dg_dir_checked(tmp, w, &one, GN_DG_PUSH);
        }
        if (st != GN_OK)
            return st;
        for (size_t k = 0; k < d; k++)
            acc[k] += tmp[k];
    }
    double invb = 1.0 / (double)B->b;
    for (size_t k = 0; k < d; k++)
        acc[k] *= invb;
    if (!finite_fast(acc, d))
        return GN_ERANGE;
    memcpy(dir, acc, d * sizeof(double));
    return GN_OK;
}

gn_status gn_dg_compare(double *angle, double *ratio, const double *u, const double *v,
                        size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    if (!gn_allfinite(u, n) || !gn_allfinite(v, n))
        return GN_ENONFINITE;
    /* scale by the largest magnitude first so the norms neither overflow nor underflow */
    double mu = 0.0, mv = 0.0;
    for (size_t i = 0; i < n; i++) {
        mu = fmax(mu, fabs(u[i]));
        mv = fmax(mv, fabs(v[i]));
    }
    if (mu == 0.0 || mv == 0.0)
        return GN_EZERO;
    double su = 0.0, sv = 0.0;
    for (size_t i = 0; i < n; i++) {
        su += (u[i] / mu) * (u[i] / mu);
        sv += (v[i] / mv) * (v[i] / mv);
    }
    double nu = sqrt(su), nv = sqrt(sv);
    double dm = 0.0, dp = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = u[i] / mu / nu, b = v[i] / mv / nv;
        dm += (a - b) * (a - b);
        dp += (a + b) * (a + b);
    }
    *angle = 2.0 * atan2(sqrt(dm), sqrt(dp));
    *ratio = (mu / mv) * (nu / nv);
    return GN_OK;
}
