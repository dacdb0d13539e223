/* mp_dg.c: the MPFR reference for the DG direction (gn_mp_dg.h): the primal LM system of
 * MATH.md §9 formed and solved in MPFR (gn_mp_la_solve). */
#include "gn_mp_dg.h"
#include "gn_internal.h"
#include "gn_mp.h"
#include "gn_mp_la.h"

#include <math.h>

gn_status gn_mp_dg_dir(mpfr_ptr dir, const gn_dg_batch *B, mpfr_prec_t prec, mpfr_rnd_t rnd)
{
    gn_status st = gn_internal_dg_check_finite(B);
    if (st != GN_OK)
        return st;
    size_t c = B->c, n = B->b * c, d = B->d;
    mpfr_ptr A = gn_mp_vec_alloc(d * d, prec), g = gn_mp_vec_alloc(d, prec);
    mpfr_ptr u = gn_mp_vec_alloc(B->b * d, prec);
    mpfr_t t;
    if (!A || !g || !u) {
        gn_mp_vec_free(A, d * d);
        gn_mp_vec_free(g, d);
        gn_mp_vec_free(u, B->b * d);
        return GN_ENOMEM;
    }
    mpfr_init2(t, prec);
    /* A = lambda I + (1/b) [sum_i (q_i + mu) J_i J_i^T  -  sum_s u_s u_s^T (softmax)],
     * u_s = J_s^T p_s; g = -(1/b) J^T r */
    for (size_t s0 = 0; s0 < B->b && B->qkind == GN_Q_SOFTMAX; s0++)
        for (size_t k = 0; k < d; k++) {
            mpfr_set_zero(u + s0 * d + k, 1);
            for (size_t a = 0; a < c; a++) {
                mpfr_set_d(t, B->q[s0 * c + a], MPFR_RNDN);
                mpfr_mul_d(t, t, B->J[(s0 * c + a) * d + k], MPFR_RNDN);
                mpfr_add(u + s0 * d + k, u + s0 * d + k, t, MPFR_RNDN);
            }
        }
    for (size_t k = 0; k < d; k++)
        for (size_t l = 0; l <= k; l++) {
            mpfr_ptr akl = A + k * d + l;
            mpfr_set_zero(akl, 1);
            for (size_t i = 0; i < n; i++) {
                mpfr_set_d(t, B->q[i], MPFR_RNDN);
                mpfr_add_d(t, t, B->mu, MPFR_RNDN);
                mpfr_mul_d(t, t, B->J[i * d + k], MPFR_RNDN);
                mpfr_mul_d(t, t, B->J[i * d + l], MPFR_RNDN);
                mpfr_add(akl, akl, t, MPFR_RNDN);
            }
            for (size_t s0 = 0; s0 < B->b && B->qkind == GN_Q_SOFTMAX; s0++) {
                mpfr_mul(t, u + s0 * d + k, u + s0 * d + l, MPFR_RNDN);
                mpfr_sub(akl, akl, t, MPFR_RNDN);
            }
            mpfr_div_ui(akl, akl, (unsigned long)B->b, MPFR_RNDN);
            if (k == l)
                mpfr_add_d(akl, akl, B->lambda, MPFR_RNDN);
            else
                mpfr_set(A + l * d + k, akl, MPFR_RNDN);
        }
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(g + k, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_set_d(t, B->J[i * d + k], MPFR_RNDN);
            mpfr_mul_d(t, t, B->r[i], MPFR_RNDN);
            mpfr_add(g + k, g + k, t, MPFR_RNDN);
        }
        mpfr_div_ui(g + k, g + k, (unsigned long)B->b, MPFR_RNDN);
        mpfr_neg(g + k, g + k, MPFR_RNDN);
    }
    /* Gaussian elimination with partial pivoting, then back substitution */
    int rc = gn_mp_la_solve(g, A, d, t);
    st = rc == 0 ? GN_OK : rc == -1 ? GN_ESINGULAR : GN_ENOMEM;
    if (st == GN_OK)
        for (size_t k = 0; k < d; k++)
            mpfr_set(dir + k, g + k, rnd);
    mpfr_clear(t);
    gn_mp_vec_free(A, d * d);
    gn_mp_vec_free(g, d);
    gn_mp_vec_free(u, B->b * d);
    return st;
}

double gn_mp_dg_fwderr(const double *x, mpfr_srcptr ref, size_t n)
{
    mpfr_prec_t prec = n ? mpfr_get_prec(ref) : 53;
    mpfr_t e, r, t;
    mpfr_inits2(prec, e, r, t, (mpfr_ptr)0);
    mpfr_set_zero(e, 1);
    mpfr_set_zero(r, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_sub_d(t, ref + i, x[i], MPFR_RNDN);
        mpfr_fma(e, t, t, e, MPFR_RNDU);
        mpfr_fma(r, ref + i, ref + i, r, MPFR_RNDD);
    }
    double out;
    if (mpfr_zero_p(r))
        out = mpfr_zero_p(e) ? 0.0 : INFINITY;
    else {
        mpfr_div(t, e, r, MPFR_RNDU);
        mpfr_sqrt(t, t, MPFR_RNDU);
        out = mpfr_get_d(t, MPFR_RNDU);
    }
    mpfr_clears(e, r, t, (mpfr_ptr)0);
    return out;
}
