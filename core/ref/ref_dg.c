/* ref_dg.c: the dense GSL reference for the DG direction (gn_ref_dg.h): the explicit
 * d x d solve of the primal LM system of MATH.md §9. The MPFR one is in mp_dg.c. */
#include "gn_ref_dg.h"
#include "gn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* the (a, a') entry of the c x c block s of Q + mu I */
static double qentry(const gn_dg_batch *B, size_t s, size_t a, size_t a2)
{
    const double *q = B->q + s * B->c;
    if (B->qkind == GN_Q_DIAG)
        return a == a2 ? q[a] + B->mu : 0.0;
    return (a == a2 ? q[a] + B->mu : 0.0) - q[a] * q[a2];
}

gn_status gn_ref_dg_explicit(double *dir, const gn_dg_batch *B)
{
    gn_status st = gn_internal_dg_check_finite(B);
    if (st != GN_OK)
        return st;
    size_t c = B->c, n = B->b * c, d = B->d;
    double *W = malloc(n * d * sizeof(double));
    double *A = malloc(d * d * sizeof(double));
    double *g = malloc(d * sizeof(double));
    if (!W || !A || !g) {
        GN_FREE_ALL(W, A, g);
        return GN_ENOMEM;
    }
    /* W = (Q + mu I) J, block by block, each entry a c-term sum */
    for (size_t s = 0; s < B->b; s++)
        for (size_t a = 0; a < c; a++)
            for (size_t k = 0; k < d; k++) {
                double acc = 0.0;
                for (size_t a2 = 0; a2 < c; a2++)
                    acc += qentry(B, s, a, a2) * B->J[(s * c + a2) * d + k];
                W[(s * c + a) * d + k] = acc;
            }
    double invb = 1.0 / (double)B->b;
    gsl_matrix_const_view Jv = gsl_matrix_const_view_array(B->J, n, d);
    gsl_matrix_view Wv = gsl_matrix_view_array(W, n, d);
    gsl_matrix_view Av = gsl_matrix_view_array(A, d, d);
    gsl_vector_const_view rv = gsl_vector_const_view_array(B->r, n);
    gsl_vector_view gv = gsl_vector_view_array(g, d);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, invb, &Jv.matrix, &Wv.matrix, 0.0, &Av.matrix);
    for (size_t k = 0; k < d; k++)
        A[k * d + k] += B->lambda;
    gsl_blas_dgemv(CblasTrans, -invb, &Jv.matrix, &rv.vector, 0.0, &gv.vector);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(&Av.matrix);
    if (rc == GSL_SUCCESS)
        rc = gsl_linalg_cholesky_svx(&Av.matrix, &gv.vector);
    gsl_set_error_handler(old);
    st = GN_OK;
    if (rc != GSL_SUCCESS)
        st = GN_ESINGULAR;
    else if (!gn_allfinite(g, d))
        st = GN_ERANGE;
    else
        memcpy(dir, g, d * sizeof(double));
    GN_FREE_ALL(W, A, g);
    return st;
}
