/* mp_la.c: small dense MPFR linear algebra for proofs/ (see gn_mp_la.h). */
#include "gn_mp_la.h"

#include <math.h>


#define R MPFR_RNDN

void gn_mp_la_dot(mpfr_ptr out, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr tmp)
{
    mpfr_set_zero(tmp, 1);
    for (size_t k = 0; k < n; k++)
        mpfr_fma(tmp, a + k, b + k, tmp, R);
    mpfr_set(out, tmp, R);
}

void gn_mp_la_nrm2sq(mpfr_ptr out, mpfr_srcptr a, size_t n, mpfr_ptr tmp)
{
    gn_mp_la_dot(out, a, a, n, tmp);
}

void gn_mp_la_matvec(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr x, size_t n, size_t m,
                    mpfr_ptr tmp)
{
    for (size_t i = 0; i < n; i++)
        gn_mp_la_dot(y + i, a + i * m, x, m, tmp);
}

double gn_mp_la_maxabs(mpfr_srcptr a, size_t n)
{
    double mx = 0.0;
    for (size_t k = 0; k < n; k++) {
        double v = fabs(mpfr_get_d(a + k, MPFR_RNDA));
        if (v > mx)
            mx = v;
    }
    return mx;
}

/* out += |x| rounded up */
static void addabs_up(mpfr_ptr out, mpfr_srcptr x)
{
    if (mpfr_sgn(x) >= 0)
        mpfr_add(out, out, x, MPFR_RNDU);
    else
        mpfr_sub(out, out, x, MPFR_RNDU);
}

void gn_mp_la_norminf(mpfr_ptr out, mpfr_srcptr a, size_t n, size_t m, mpfr_ptr tmp)
{
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(tmp, 1);
        for (size_t k = 0; k < m; k++)
            addabs_up(tmp, a + i * m + k);
        if (mpfr_cmp(tmp, out) > 0)
            mpfr_set(out, tmp, MPFR_RNDU);
    }
}

int gn_mp_la_lu(mpfr_ptr a, size_t *piv, size_t n, double *growth, mpfr_ptr tmp)
{
    mpfr_ptr anorm = tmp + 1, t2 = tmp + 2;
    if (growth)
        gn_mp_la_norminf(anorm, a, n, n, tmp);
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        for (size_t i = k + 1; i < n; i++)
            if (mpfr_cmpabs(a + i * n + k, a + p * n + k) > 0)
                p = i;
        piv[k] = p;
        if (mpfr_zero_p(a + p * n + k))
            return -1;
        if (p != k)
            for (size_t c = 0; c < n; c++)
                mpfr_swap(a + k * n + c, a + p * n + c);
        for (size_t i = k + 1; i < n; i++) {
            mpfr_ptr lik = a + i * n + k;
            if (mpfr_zero_p(lik))
                continue;
            mpfr_div(lik, lik, a + k * n + k, R);
            for (size_t c = k + 1; c < n; c++) {
                mpfr_mul(tmp, lik, a + k * n + c, R);
                mpfr_sub(a + i * n + c, a + i * n + c, tmp, R);
            }
        }
    }
    if (growth) {
        /* || |L||U| ||_inf: row i of |L||U| is sum_{k<=i} |L_ik| |U_k,:|, L_ii = 1 */
        double mx = 0.0;
        for (size_t i = 0; i < n; i++) {
            mpfr_set_zero(t2, 1);
            for (size_t k = 0; k <= i; k++) {
                mpfr_set_zero(tmp, 1);
                for (size_t c = k; c < n; c++)
                    addabs_up(tmp, a + k * n + c);
                if (k < i) {
                    mpfr_mul(tmp, tmp, a + i * n + k, MPFR_RNDA);
                    mpfr_abs(tmp, tmp, R);
                }
                mpfr_add(t2, t2, tmp, MPFR_RNDU);
            }
            mpfr_div(t2, t2, anorm, MPFR_RNDU);
            double v = mpfr_get_d(t2, MPFR_RNDU);
            if (v > mx)
                mx = v;
        }
        *growth = mx;
    }
    return 0;
}

void gn_mp_la_lu_solve(mpfr_ptr x, mpfr_srcptr lu, const size_t *piv, size_t n, mpfr_ptr tmp)
{
    for (size_t k = 0; k < n; k++)
        if (piv[k] != k)
            mpfr_swap(x + k, x + piv[k]);
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < i; k++) {
            mpfr_mul(tmp, lu + i * n + k, x + k, R);
            mpfr_sub(x + i, x + i, tmp, R);
        }
    for (size_t ii = n; ii-- > 0;) {
        for (size_t k = ii + 1; k < n; k++) {
            mpfr_mul(tmp, lu + ii * n + k, x + k, R);
            mpfr_sub(x + ii, x + ii, tmp, R);
        }
        mpfr_div(x + ii, x + ii, lu + ii * n + ii, R);
    }
}

void gn_mp_la_lu_inv_norminf(mpfr_ptr out, mpfr_srcptr lu, const size_t *piv, size_t n,
                            mpfr_ptr col, mpfr_ptr rows, mpfr_ptr tmp)
{
    for (size_t i = 0; i < n; i++)
        mpfr_set_zero(rows + i, 1);
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < n; i++)
            mpfr_set_ui(col + i, i == c, R);
        gn_mp_la_lu_solve(col, lu, piv, n, tmp);
        for (size_t i = 0; i < n; i++)
            addabs_up(rows + i, col + i);
    }
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < n; i++)
        if (mpfr_cmp(rows + i, out) > 0)
            mpfr_set(out, rows + i, MPFR_RNDU);
}

int gn_mp_la_householder_perp(mpfr_ptr nmat, mpfr_srcptr j, size_t n, mpfr_ptr v,
                             mpfr_ptr tmp)
{
    mpfr_ptr nrm = tmp, vtv = tmp + 1;
    gn_mp_la_nrm2sq(nrm, j, n, vtv);
    if (mpfr_zero_p(nrm))
        return -1;
    mpfr_sqrt(nrm, nrm, R);
    for (size_t i = 0; i < n; i++)
        mpfr_set(v + i, j + i, R);
    /* v_1 = j_1 + sign(j_1)|j|: no cancellation */
    if (mpfr_sgn(j) >= 0)
        mpfr_add(v, v, nrm, R);
    else
        mpfr_sub(v, v, nrm, R);
    gn_mp_la_nrm2sq(vtv, v, n, nrm);
    /* H_ik = delta_ik - 2 v_i v_k / vtv; keep columns k = 1..n-1 */
    mpfr_ui_div(vtv, 2, vtv, R);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 1; k < n; k++) {
            mpfr_ptr e = nmat + i * (n - 1) + (k - 1);
            mpfr_mul(e, v + i, v + k, R);
            mpfr_mul(e, e, vtv, R);
            mpfr_ui_sub(e, i == k, e, R);
        }
    return 0;
}
