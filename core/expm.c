/* expm.c: the matrix exponential by scaling and squaring with Padé approximants
 * (gn_expm.h). */
#include "gn_expm.h"

#include <math.h>
#include <string.h>

/* theta_m of Higham (2005), Table 2.3: the largest ||A||_1 for which r_m's backward error
 * is at most u = 2^-53 */
static const int pade_m[5] = {3, 5, 7, 9, 13};
static const double pade_theta[5] = {1.495585217958292e-2, 2.539398330063230e-1,
                                     9.504178996162932e-1, 2.097847961257068e0,
                                     5.371920351148152e0};

size_t gn_expm_worksize(size_t n)
{
    if (n == 0 || n > GN_EXPM_NMAX)
        return 0;
    return 9 * n * n;
}

/* C = A B, n x n (C aliases neither) */
static void mul(double *C, const double *A, const double *B, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double *c = C + i * n;
        for (size_t j = 0; j < n; j++)
            c[j] = 0;
        for (size_t k = 0; k < n; k++) {
            double a = A[i * n + k];
            const double *b = B + k * n;
            for (size_t j = 0; j < n; j++)
                c[j] += a * b[j];
        }
    }
}

static double norm1(const double *A, size_t n)
{
    double mx = 0;
    for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += fabs(A[i * n + j]);
        mx = s > mx ? s : mx;
    }
    return mx;
}

/* the Padé coefficients c_0..c_m of r_m (c_0 = 1) */
static void pade_coef(double *c, int m)
{
    c[0] = 1;
    for (int j = 1; j <= m; j++)
        c[j] = c[j - 1] * (double)(m - j + 1) / ((double)j * (double)(2 * m - j + 1));
}

gn_status gn_lu_solve(double *B, double *A, size_t n, size_t c, double tiny)
{
    if (n == 0)
        return GN_ESIZE;
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        for (size_t i = k + 1; i < n; i++)
            if (fabs(A[i * n + k]) > fabs(A[p * n + k]))
                p = i;
        if (!(fabs(A[p * n + k]) > tiny))
            return GN_ESINGULAR;
        if (p != k) {
            for (size_t j = 0; j < n; j++) {
                double t = A[k * n + j];
                A[k * n + j] = A[p * n + j];
                A[p * n + j] = t;
            }
            for (size_t j = 0; j < c; j++) {
                double t = B[k * c + j];
                B[k * c + j] = B[p * c + j];
                B[p * c + j] = t;
            }
        }
        for (size_t i = k + 1; i < n; i++) {
            double f = A[i * n + k] / A[k * n + k];
            A[i * n + k] = f;
            for (size_t j = k + 1; j < n; j++)
                A[i * n + j] -= f * A[k * n + j];
            for (size_t j = 0; j < c; j++)
                B[i * c + j] -= f * B[k * c + j];
        }
    }
    for (size_t k = n; k-- > 0;)
        for (size_t j = 0; j < c; j++) {
            double t = B[k * c + j];
            for (size_t l = k + 1; l < n; l++)
                t -= A[k * n + l] * B[l * c + j];
            B[k * c + j] = t / A[k * n + k];
        }
    return GN_OK;
}

/* U = A * (odd part), V = even part of p_m at the (scaled) A; w: A2, A4, A6, T */
static void pade_uv(double *U, double *V, const double *A, size_t n, int m, double *A2,
                    double *A4, double *A6, double *T)
{
    double c[14];
    pade_coef(c, m);
    size_t nn = n * n;
    mul(A2, A, A, n);
    if (m >= 5)
        mul(A4, A2, A2, n);
    if (m >= 7)
        mul(A6, A4, A2, n);
    if (m == 13) {
        /* U = A [A6 (c13 A6 + c11 A4 + c9 A2) + c7 A6 + c5 A4 + c3 A2 + c1 I]
         * V =    A6 (c12 A6 + c10 A4 + c8 A2) + c6 A6 + c4 A4 + c2 A2 + c0 I */
        for (size_t i = 0; i < nn; i++)
            T[i] = c[13] * A6[i] + c[11] * A4[i] + c[9] * A2[i];
        mul(V, A6, T, n);
        for (size_t i = 0; i < nn; i++)
            V[i] += c[7] * A6[i] + c[5] * A4[i] + c[3] * A2[i] + (i % (n + 1) == 0 ? c[1] : 0);
        mul(U, A, V, n);
        for (size_t i = 0; i < nn; i++)
            T[i] = c[12] * A6[i] + c[10] * A4[i] + c[8] * A2[i];
        mul(V, A6, T, n);
        for (size_t i = 0; i < nn; i++)
            V[i] += c[6] * A6[i] + c[4] * A4[i] + c[2] * A2[i] + (i % (n + 1) == 0 ? c[0] : 0);
        return;
    }
    /* m <= 9: the powers A^2k up to A^(m-1); A8 = A4 A4 when m = 9 (kept in T) */
    if (m == 9)
        mul(T, A4, A4, n);
    for (size_t i = 0; i < nn; i++) {
        double id = i % (n + 1) == 0;
        double odd = c[1] * id + c[3] * A2[i], even = c[0] * id + c[2] * A2[i];
        if (m >= 5) {
            odd += c[5] * A4[i];
            even += c[4] * A4[i];
        }
        if (m >= 7) {
            odd += c[7] * A6[i];
            even += c[6] * A6[i];
        }
        if (m >= 9) {
            odd += c[9] * T[i];
            even += c[8] * T[i];
        }
        V[i] = even;
        A2[i] = odd; /* A2 is not needed any more: it holds the odd sum */
    }
    mul(U, A, A2, n);
}

gn_status gn_expm(double *E, const double *A, size_t n, double *work)
{
    if (n == 0 || n > GN_EXPM_NMAX)
        return GN_ESIZE;
    size_t nn = n * n;
    if (!gn_allfinite(A, nn))
        return GN_ENONFINITE;
    double *X = work, *A2 = X + nn, *A4 = A2 + nn, *A6 = A4 + nn, *T = A6 + nn, *U = T + nn,
           *V = U + nn, *Q = V + nn, *R = Q + nn;
    double a1 = norm1(A, n);
    int m = 13, s = 0;
    for (int k = 0; k < 4; k++)
        if (a1 <= pade_theta[k]) {
            m = pade_m[k];
            break;
        }
    if (m == 13 && a1 > pade_theta[4])
        s = (int)ceil(log2(a1 / pade_theta[4]));
    for (size_t i = 0; i < nn; i++)
        X[i] = ldexp(A[i], -s);
    pade_uv(U, V, X, n, m, A2, A4, A6, T);
    for (size_t i = 0; i < nn; i++) {
        R[i] = V[i] + U[i]; /* p_m(X) */
        Q[i] = V[i] - U[i]; /* q_m(X) = p_m(-X) */
    }
    if (!gn_allfinite(R, nn) || !gn_allfinite(Q, nn))
        return GN_ERANGE;
    double qmax = 0;
    for (size_t i = 0; i < nn; i++)
        qmax = fabs(Q[i]) > qmax ? fabs(Q[i]) : qmax;
    if (gn_lu_solve(R, Q, n, n, (double)n * 0x1p-53 * qmax) != GN_OK)
        return GN_ESINGULAR; /* a pivot below n u max|q_m|: singular to working precision */
    for (int k = 0; k < s; k++) {
        mul(T, R, R, n);
        memcpy(R, T, nn * sizeof *R);
        if (!gn_allfinite(R, nn))
            return GN_ERANGE;
    }
    if (!gn_allfinite(R, nn))
        return GN_ERANGE;
    memcpy(E, R, nn * sizeof *E);
    return GN_OK;
}
