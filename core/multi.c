/* multi.c: softmax cross-entropy and the c-output linear model (gn_dg.h). */
#include "gn.h"

#include <math.h>
#include <string.h>

gn_status gn_softmax_ce(double *l, double *r, double *p, const double *f, size_t c, size_t y)
{
    if (c < 2 || y >= c || !f)
        return GN_ESIZE;
    if (!gn_allfinite(f, c))
        return GN_ENONFINITE;
    double m = f[0];
    for (size_t k = 1; k < c; k++)
        m = fmax(m, f[k]);
    /* s = sum_k exp(f_k - m) >= 1; off = the sum without the target class */
    double s = 0.0, off = 0.0;
    for (size_t k = 0; k < c; k++) {
        double e = exp(f[k] - m);
        s += e;
        if (k != y)
            off += e;
    }
    double ey = exp(f[y] - m);
    /* l = log(s) + m - f_y = log((ey + off) / ey) = log1p(off / ey): exact-ish when the
     * target dominates (no cancellation of log s against f_y - m) */
    double lv = (f[y] == m) ? log1p(off / ey) : log(s) + (m - f[y]);
    if (l)
        *l = lv;
    for (size_t k = 0; k < c; k++) {
        double pk = exp(f[k] - m) / s;
        if (p)
            p[k] = pk;
        if (r)
            r[k] = k == y ? -(off / s) : pk; /* p_y - 1 = -off/s without cancellation */
    }
    return GN_OK;
}

gn_status gn_multi_linear_eval(double *f, double *J, const double *w, const double *x,
                               size_t c, size_t n)
{
    if (c == 0 || n == 0 || !f || !w || !x)
        return GN_ESIZE;
    if (!gn_allfinite(w, c * n) || !gn_allfinite(x, n))
        return GN_ENONFINITE;
    double tmp[64];
    double *fo = c <= 64 ? tmp : f;
    for (size_t k = 0; k < c; k++) {
        fo[k] = gn_dot(w + k * n, x, n);
        if (!isfinite(fo[k]))
            return GN_ENONFINITE;
    }
    if (fo != f)
        memcpy(f, fo, c * sizeof(double));
    if (J) {
        size_t d = c * n;
        for (size_t k = 0; k < c; k++) {
            double *Jk = J + k * d;
            memset(Jk, 0, d * sizeof(double));
            memcpy(Jk + k * n, x, n * sizeof(double));
        }
    }
    return GN_OK;
}
