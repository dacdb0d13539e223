/* mp_expm.c: the MPFR matrix exponential by Taylor series with scaling and squaring
 * (gn_mp_expm.h). */
#include "gn_mp_expm.h"
#include "gn_mp.h"

#include <math.h>

/* C = A B (n x n), t a scratch value */
static void mp_mul(mpfr_ptr C, mpfr_srcptr A, mpfr_srcptr B, size_t n, mpfr_ptr t)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            mpfr_set_ui(C + i * n + j, 0, MPFR_RNDN);
            for (size_t k = 0; k < n; k++) {
                mpfr_mul(t, A + i * n + k, B + k * n + j, MPFR_RNDN);
                mpfr_add(C + i * n + j, C + i * n + j, t, MPFR_RNDN);
            }
        }
}

/* ||A||_inf (max row sum) in double, entries rounded away from 0 */
static double mp_norminf(mpfr_srcptr A, size_t n)
{
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0;
        for (size_t j = 0; j < n; j++)
            r += fabs(mpfr_get_d(A + i * n + j, MPFR_RNDA));
        mx = r > mx ? r : mx;
    }
    return mx * (1 + 0x1p-40); /* the double sums' rounding, generously */
}

gn_status gn_mp_expm(mpfr_ptr E, mpfr_srcptr A, size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    size_t nn = n * n;
    for (size_t i = 0; i < nn; i++)
        if (!mpfr_number_p(A + i))
            return GN_ENONFINITE;
    mpfr_t t;
    mpfr_init2(t, 64);
    double a = mp_norminf(A, n);
    int s = 0;
    while (ldexp(a, -s) > 0.5)
        s++;
    int lg = 0;
    while ((size_t)1 << lg < n)
        lg++;
    mpfr_prec_t w = mpfr_get_prec(E) + s + 64 + 2 * lg;
    mpfr_set_prec(t, w);
    mpfr_ptr X = gn_mp_vec_alloc(nn, w), S = gn_mp_vec_alloc(nn, w),
             T = gn_mp_vec_alloc(nn, w), U = gn_mp_vec_alloc(nn, w);
    gn_status st = GN_OK;
    if (!X || !S || !T || !U) {
        st = GN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nn; i++) {
        mpfr_mul_2si(X + i, A + i, -s, MPFR_RNDN);
        mpfr_set_ui(S + i, i % (n + 1) == 0, MPFR_RNDN);
        mpfr_set(T + i, S + i, MPFR_RNDN);
    }
    /* T_k = T_{k-1} X / k; stop when ||T_k||_inf < 2^-(w+2) (relative to ||S|| >= 1/2) */
    for (unsigned long k = 1; k < 100000; k++) {
        mp_mul(U, T, X, n, t);
        for (size_t i = 0; i < nn; i++) {
            mpfr_div_ui(T + i, U + i, k, MPFR_RNDN);
            mpfr_add(S + i, S + i, T + i, MPFR_RNDN);
        }
        double tn = mp_norminf(T, n);
        if (tn == 0 || log2(tn) < -(double)w - 2)
            break;
    }
    for (int k = 0; k < s; k++) {
        mp_mul(U, S, S, n, t);
        for (size_t i = 0; i < nn; i++)
            mpfr_set(S + i, U + i, MPFR_RNDN);
    }
    for (size_t i = 0; i < nn; i++)
        mpfr_set(E + i, S + i, MPFR_RNDN);
out:
    gn_mp_vec_free(X, nn);
    gn_mp_vec_free(S, nn);
    gn_mp_vec_free(T, nn);
    gn_mp_vec_free(U, nn);
    mpfr_clear(t);
    return st;
}
