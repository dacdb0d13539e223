/* mp_la.c: the MPFR linear algebra under every MPFR solve (see gn_mp_la.h). */
#include "gn_mp_la.h"
#include "gn_mp.h"

#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------- vectors */

void gn_mp_vec_free(mpfr_ptr v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(v + i);
    free(v);
}

mpfr_ptr gn_mp_vec_alloc(size_t n, mpfr_prec_t prec)
{
    if (n == 0)
        return NULL;
    mpfr_ptr v = malloc(n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        mpfr_init2(v + i, prec), mpfr_set_zero(v + i, 1);
    return v;
}

void gn_mp_vec_set_d(mpfr_ptr v, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(v + i, x[i], MPFR_RNDN);
}

void gn_mp_vec_get_d(double *x, mpfr_srcptr v, size_t n, mpfr_rnd_t rnd)
{
    for (size_t i = 0; i < n; i++)
        x[i] = mpfr_get_d(v + i, rnd);
}


#define R MPFR_RNDN

void gn_mp_la_dot(mpfr_ptr out, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr tmp)
{
    mpfr_ptr acc = tmp ? tmp : out;
    mpfr_set_zero(acc, 1);
    for (size_t k = 0; k < n; k++)
        mpfr_fma(acc, a + k, b + k, acc, R);
    if (tmp)
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

int gn_mp_la_solve(mpfr_ptr x, mpfr_ptr a, size_t n, mpfr_ptr tmp)
{
    size_t *piv = malloc((n ? n : 1) * sizeof *piv);
    if (!piv)
        return -2;
    int rc = gn_mp_la_lu(a, piv, n, NULL, tmp);
    if (rc == 0)
        gn_mp_la_lu_solve(x, a, piv, n, tmp);
    free(piv);
    return rc;
}

static void swap_idx(size_t *p, size_t i, size_t k)
{
    size_t s = p[i];
    p[i] = p[k];
    p[k] = s;
}

/* Complete-pivoting elimination of the n x n matrix a (with b) until the largest remaining
 * entry is <= tol; returns the rank r. rowp/colp record the permutations. */
static size_t rank_reveal(mpfr_ptr a, mpfr_ptr b, size_t *rowp, size_t *colp, size_t n,
                          mpfr_srcptr tol, mpfr_ptr t, mpfr_ptr f)
{
    size_t rank = 0;
    for (size_t k = 0; k < n; k++) {
        size_t pr = k, pc = k;
        for (size_t r = k; r < n; r++)
            for (size_t c = k; c < n; c++)
                if (mpfr_cmpabs(a + r * n + c, a + pr * n + pc) > 0)
                    pr = r, pc = c;
        if (mpfr_cmpabs(a + pr * n + pc, tol) <= 0)
            break;
        rank++;
        if (pr != k) {
            for (size_t c = 0; c < n; c++)
                mpfr_swap(a + k * n + c, a + pr * n + c);
            mpfr_swap(b + k, b + pr);
            swap_idx(rowp, k, pr);
        }
        if (pc != k) {
            for (size_t r = 0; r < n; r++)
                mpfr_swap(a + r * n + k, a + r * n + pc);
            swap_idx(colp, k, pc);
        }
        for (size_t r = k + 1; r < n; r++) {
            mpfr_div(f, a + r * n + k, a + k * n + k, R);
            for (size_t c = k; c < n; c++) {
                mpfr_mul(t, f, a + k * n + c, R);
                mpfr_sub(a + r * n + c, a + r * n + c, t, R);
            }
            mpfr_mul(t, f, b + k, R);
            mpfr_sub(b + r, b + r, t, R);
        }
    }
    return rank;
}

/* x = R^T c with (R R^T) c = R xp, R the rows rowp[0..r-1] of the n x n matrix g: the
 * projection of xp onto the row space. Returns 0, -1 (singular), -2 (no memory). */
static int project_rows(mpfr_ptr x, mpfr_srcptr g, const size_t *rowp, size_t r,
                        mpfr_srcptr xp, size_t n, mpfr_ptr t)
{
    mpfr_prec_t wp = mpfr_get_prec(t);
    mpfr_ptr rr = gn_mp_vec_alloc(r * r, wp), c = gn_mp_vec_alloc(r, wp);
    int rc = -2;
    if (rr && c) {
        for (size_t p = 0; p < r; p++) {
            mpfr_srcptr gp = g + rowp[p] * n;
            gn_mp_la_dot(c + p, gp, xp, n, NULL);
            for (size_t q = 0; q < r; q++)
                gn_mp_la_dot(rr + p * r + q, gp, g + rowp[q] * n, n, NULL);
        }
        rc = gn_mp_la_solve(c, rr, r, t);
        for (size_t i = 0; i < n && rc == 0; i++) {
            mpfr_set_zero(x + i, 1);
            for (size_t p = 0; p < r; p++)
                mpfr_fma(x + i, c + p, g + rowp[p] * n + i, x + i, R);
        }
    }
    gn_mp_vec_free(rr, r * r);
    gn_mp_vec_free(c, r);
    return rc;
}

long gn_mp_la_minnorm(mpfr_ptr x, mpfr_srcptr a, mpfr_srcptr b, size_t n)
{
    mpfr_prec_t wp = mpfr_get_prec(x);
    mpfr_ptr e = gn_mp_vec_alloc(n * n, wp), bb = gn_mp_vec_alloc(n, wp), xp = gn_mp_vec_alloc(n, wp);
    size_t *rowp = malloc((n ? n : 1) * sizeof *rowp), *colp = malloc((n ? n : 1) * sizeof *colp);
    long rc = -2;
    mpfr_t t, f, tol;
    mpfr_inits2(wp, t, f, tol, (mpfr_ptr)0);
    if (!e || !bb || !xp || !rowp || !colp)
        goto out;
    mpfr_set_zero(tol, 1);
    for (size_t q = 0; q < n * n; q++) {
        mpfr_set(e + q, a + q, R);
        if (mpfr_cmpabs(e + q, tol) > 0)
            mpfr_abs(tol, e + q, R);
    }
    for (size_t r = 0; r < n; r++) {
        mpfr_set(bb + r, b + r, R);
        rowp[r] = colp[r] = r;
    }
    /* rank tolerance: 2^-(wp/2) of the largest entry */
    mpfr_mul_2si(tol, tol, -(long)(wp / 2), R);
    size_t rank = rank_reveal(e, bb, rowp, colp, n, tol, t, f);
    rc = 0;
    if (rank == 0)
        goto out;
    /* back substitution on the leading rank x rank block, free variables 0 */
    for (size_t k = rank; k-- > 0;) {
        mpfr_set(f, bb + k, R);
        for (size_t c = k + 1; c < rank; c++) {
            mpfr_mul(t, e + k * n + c, xp + colp[c], R);
            mpfr_sub(f, f, t, R);
        }
        mpfr_div(xp + colp[k], f, e + k * n + k, R);
    }
    rc = project_rows(x, a, rowp, rank, xp, n, t);
    if (rc == 0)
        rc = (long)rank;
out:
    mpfr_clears(t, f, tol, (mpfr_ptr)0);
    gn_mp_vec_free(e, n * n);
    gn_mp_vec_free(bb, n);
    gn_mp_vec_free(xp, n);
    free(rowp);
    free(colp);
    return rc;
}

int gn_mp_la_cg(mpfr_ptr x, gn_mp_la_op *op, void *ctx, mpfr_srcptr b, size_t n, int maxit)
{
    mpfr_prec_t wp = mpfr_get_prec(x);
    mpfr_ptr r = gn_mp_vec_alloc(n, wp), p = gn_mp_vec_alloc(n, wp), q = gn_mp_vec_alloc(n, wp);
    mpfr_t rr, rr1, bb, al, t;
    mpfr_inits2(wp, rr, rr1, bb, al, t, (mpfr_ptr)0);
    int it = -2;
    if (!r || !p || !q)
        goto out;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(x + i, 1);
        mpfr_set(r + i, b + i, R);
        mpfr_set(p + i, b + i, R);
    }
    gn_mp_la_nrm2sq(rr, r, n, NULL);
    mpfr_mul_2si(bb, rr, -(2 * (long)wp - 16), R);
    for (it = 0; it < maxit && mpfr_cmp(rr, bb) > 0; it++) {
        op(q, p, n, ctx);
        gn_mp_la_dot(t, p, q, n, NULL);
        if (mpfr_zero_p(t))
            break;
        mpfr_div(al, rr, t, R);
        for (size_t i = 0; i < n; i++) {
            mpfr_fma(x + i, al, p + i, x + i, R);
            mpfr_mul(t, al, q + i, R);
            mpfr_sub(r + i, r + i, t, R);
        }
        gn_mp_la_nrm2sq(rr1, r, n, NULL);
        mpfr_div(al, rr1, rr, R);
        for (size_t i = 0; i < n; i++)
            mpfr_fma(p + i, al, p + i, r + i, R);
        mpfr_swap(rr, rr1);
    }
out:
    mpfr_clears(rr, rr1, bb, al, t, (mpfr_ptr)0);
    gn_mp_vec_free(r, n);
    gn_mp_vec_free(p, n);
    gn_mp_vec_free(q, n);
    return it;
}
