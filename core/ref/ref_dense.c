/* ref_dense.c: the dense GSL reference (gn_ref.h): the matrices of MATH.md §1-§3 formed
 * explicitly and solved by GSL's Cholesky and SVD. */
#include "gn_ref.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static int finite1(double x) { return x - x == 0.0; }

static gn_status check_common(const double *j, size_t n, double lpp)
{
    if (n == 0)
        return GN_ESIZE;
    if (n > GN_REF_MAX)
        return GN_ESIZE;
    if (!finite1(lpp) || !gn_allfinite(j, n))
        return GN_ENONFINITE;
    if (lpp < 0.0)
        return GN_ENEGCURV;
    return GN_OK;
}

static int all_finite_mat(const double *A, size_t nn)
{
    for (size_t i = 0; i < nn; i++)
        if (!finite1(A[i]))
            return 0;
    return 1;
}

gn_status gn_ref_ggn(double *G, const double *j, size_t n, double lpp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK)
        return st;
    for (size_t r = 0; r < n; r++) {
        double a = lpp * j[r];
        for (size_t c = 0; c < n; c++)
            G[r * n + c] = a * j[c];
    }
    return all_finite_mat(G, n * n) ? GN_OK : GN_ERANGE;
}

/* M = a j j^T + lambda I into the gsl matrix view (full, both triangles) */
static void form_system(gsl_matrix *M, const double *j, size_t n, double a, double lambda)
{
    gsl_matrix_set_identity(M);
    gsl_matrix_scale(M, lambda);
    gsl_vector_const_view jv = gsl_vector_const_view_array(j, n);
    gsl_blas_dsyr(CblasLower, a, &jv.vector, M);
    for (size_t r = 0; r < n; r++)
        for (size_t c = r + 1; c < n; c++)
            gsl_matrix_set(M, r, c, gsl_matrix_get(M, c, r));
}

gn_status gn_ref_system(double *M, const double *j, size_t n, double lpp, gn_damping dmp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK || (st = gn_damping_check(lpp, dmp)) != GN_OK)
        return st;
    gsl_matrix_view mv = gsl_matrix_view_array(M, n, n);
    form_system(&mv.matrix, j, n, lpp + dmp.mu, dmp.lambda);
    return all_finite_mat(M, n * n) ? GN_OK : GN_ERANGE;
}

/* x solving M x = b by Cholesky; GN_ESINGULAR when GSL finds M not positive definite */
static gn_status chol_solve(double *x, const double *j, size_t n, double lpp, gn_damping dmp,
                            const double *b)
{
    gsl_matrix *M = gsl_matrix_alloc(n, n);
    gsl_vector *xv = gsl_vector_alloc(n);
    if (!M || !xv) {
        gsl_matrix_free(M);
        gsl_vector_free(xv);
        return GN_ENOMEM;
    }
    form_system(M, j, n, lpp + dmp.mu, dmp.lambda);
    gn_status st = GN_OK;
    if (!all_finite_mat(M->data, n * n)) {
        st = GN_ERANGE;
    } else {
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int e = gsl_linalg_cholesky_decomp1(M);
        if (e == GSL_SUCCESS) {
            gsl_vector_const_view bv = gsl_vector_const_view_array(b, n);
            e = gsl_linalg_cholesky_solve(M, &bv.vector, xv);
        }
        gsl_set_error_handler(old);
        if (e != GSL_SUCCESS)
            st = GN_ESINGULAR;
        else
            memcpy(x, xv->data, n * sizeof(double));
    }
    gsl_matrix_free(M);
    gsl_vector_free(xv);
    return st;
}

gn_status gn_ref_dir_damped(double *d, const double *j, size_t n, double lp, double lpp,
                            gn_damping dmp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK || (st = gn_damping_check(lpp, dmp)) != GN_OK)
        return st;
    if (!finite1(lp))
        return GN_ENONFINITE;
    double *b = malloc(n * sizeof *b);
    if (!b)
        return GN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        b[i] = -lp * j[i];
    st = chol_solve(d, j, n, lpp, dmp, b);
    free(b);
    return st;
}

gn_status gn_ref_xi(double *xi, const double *j, size_t n, double lpp, gn_damping dmp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK || (st = gn_damping_check(lpp, dmp)) != GN_OK)
        return st;
    double jj = 0.0;
    for (size_t i = 0; i < n; i++)
        jj += j[i] * j[i];
    if (jj == 0.0) {
        *xi = 1.0 / dmp.lambda;
        return GN_OK;
    }
    double *x = malloc(n * sizeof *x);
    if (!x)
        return GN_ENOMEM;
    st = chol_solve(x, j, n, lpp, dmp, j);
    if (st == GN_OK) {
        double jx = 0.0;
        for (size_t i = 0; i < n; i++)
            jx += j[i] * x[i];
        *xi = jx / jj;
    }
    free(x);
    return st;
}

gn_status gn_ref_pinv(double *Gp, size_t *rank, const double *j, size_t n, double lpp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK)
        return st;
    gsl_matrix *U = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
    gsl_vector *S = gsl_vector_alloc(n), *work = gsl_vector_alloc(n);
    if (!U || !V || !S || !work) {
        st = GN_ENOMEM;
        goto out;
    }
    if ((st = gn_ref_ggn(U->data, j, n, lpp)) != GN_OK)
        goto out;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int e = gsl_linalg_SV_decomp(U, V, S, work); /* U S V^T, U overwritten */
    gsl_set_error_handler(old);
    if (e != GSL_SUCCESS) {
        st = GN_ESINGULAR;
        goto out;
    }
    double smax = gsl_vector_get(S, 0), tol = (double)n * DBL_EPSILON * 0.5 * smax;
    size_t r = 0;
    memset(Gp, 0, n * n * sizeof(double));
    for (size_t k = 0; k < n; k++) {
        double s = gsl_vector_get(S, k);
        if (!(s > tol))
            continue;
        r++;
        for (size_t a = 0; a < n; a++) {
            double va = gsl_matrix_get(V, a, k) / s;
            for (size_t b = 0; b < n; b++)
                Gp[a * n + b] += va * gsl_matrix_get(U, b, k);
        }
    }
    if (rank)
        *rank = r;
out:
    gsl_matrix_free(U);
    gsl_matrix_free(V);
    gsl_vector_free(S);
    gsl_vector_free(work);
    return st;
}

gn_status gn_ref_dir_pinv(double *d, size_t *rank, const double *j, size_t n, double lp,
                        double lpp)
{
    gn_status st = check_common(j, n, lpp);
    if (st != GN_OK)
        return st;
    if (!finite1(lp))
        return GN_ENONFINITE;
    double *Gp = malloc(n * n * sizeof *Gp);
    if (!Gp)
        return GN_ENOMEM;
    size_t r = 0;
    st = gn_ref_pinv(Gp, &r, j, n, lpp);
    if (st == GN_OK && r == 0)
        st = GN_EZERO;
    if (st == GN_OK) {
        for (size_t a = 0; a < n; a++) {
            double s = 0.0;
            for (size_t b = 0; b < n; b++)
                s += Gp[a * n + b] * (lp * j[b]);
            d[a] = -s;
        }
    }
    if (rank)
        *rank = r;
    free(Gp);
    return st;
}
