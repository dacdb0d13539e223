/* optim.c: the update rules of Table 1 and Adam / Adam-IGND (MATH.md §6-§7).
 * The IGND steps themselves live in rank1.c next to the quantities they share. */
#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int finite1(double x) { return x - x == 0.0; }

/* the argument checks of SGD and NormGrad, in the order of their contracts */
static gn_status check_step(size_t n, double lp, double alpha)
{
    return n == 0 ? GN_ESIZE : gn_internal_check_rate(lp, alpha);
}

gn_status gn_step_sgd(double *w, const double *j, size_t n, double lp, double alpha)
{
    gn_status st = check_step(n, lp, alpha);
    if (st != GN_OK)
        return st;
    if (!gn_allfinite(j, n))
        return GN_ENONFINITE;
    return gn_internal_step_sgd_finite(w, j, n, lp, alpha);
}

gn_status gn_internal_step_sgd_finite(double *w, const double *j, size_t n, double lp,
                                      double alpha)
{
    gn_status st = check_step(n, lp, alpha);
    if (st != GN_OK)
        return st;
    /* c = -alpha lp, one rounding; kept scaled so a huge alpha lp with a tiny j is exact */
    gn_sd c = gn_sd_mul(gn_sd_from(-lp), gn_sd_from(alpha));
    return gn_internal_apply(w, j, n, c);
}

/* sqrt of a scaled number: even exponent first, then one rounding */
static gn_sd sd_sqrt(gn_sd s)
{
    if (s.m == 0.0)
        return s;
    double m = s.m;
    int e = s.e;
    if (e & 1) {
        m *= 2.0;
        e -= 1;
    }
    return gn_sd_norm(sqrt(m), e / 2);
}

gn_status gn_step_normgrad(double *w, const double *j, size_t n, double lp, double alpha)
{
    gn_status st = check_step(n, lp, alpha);
    if (st != GN_OK)
        return st;
    gn_sd S;
    if ((st = gn_internal_norm2sq_nz(&S, j, n, lp)) != GN_OK)
        return st;
    /* c = -alpha sign(lp) / |j| */
    gn_sd c = gn_sd_div(gn_sd_from(lp > 0.0 ? -alpha : alpha), sd_sqrt(S));
    return gn_internal_apply(w, j, n, c);
}

gn_status gn_step_sps(double *w, const double *j, size_t n, double l, double lstar,
                      double lp, double c, double gamma_max)
{
    if (n == 0)
        return GN_ESIZE;
    if (!finite1(l) || !finite1(lstar) || !finite1(lp) || !finite1(c) || gamma_max != gamma_max)
        return GN_ENONFINITE;
    if (!(c > 0.0) || !(l >= lstar) || !(gamma_max > 0.0))
        return GN_EDOM;
    gn_sd S;
    gn_status st = gn_internal_norm2sq_nz(&S, j, n, lp);
    if (st != GN_OK)
        return st;
    /* gamma = (l - lstar) / (c lp^2 |j|^2); step coefficient on j is -gamma lp */
    gn_sd lp2 = gn_sd_mul(gn_sd_from(lp), gn_sd_from(lp));
    gn_sd den = gn_sd_mul(gn_sd_mul(gn_sd_from(c), lp2), S);
    /* l - l* may overflow while gamma does not: then subtract the (exact) halves */
    double dl = l - lstar;
    gn_sd num = dl <= DBL_MAX ? gn_sd_from(dl) : gn_sd_norm(0.5 * l - 0.5 * lstar, 1);
    gn_sd gam = gn_sd_div(num, den);
    if (gamma_max <= DBL_MAX) {
        gn_sd cap = gn_sd_from(gamma_max);
        if (gam.m != 0.0 && (gam.e > cap.e || (gam.e == cap.e && gam.m > cap.m)))
            gam = cap;
    }
    gn_sd coef = gn_sd_mul(gam, gn_sd_from(-lp));
    return gn_internal_apply(w, j, n, coef);
}

gn_status gn_step_nlms(double *w, const double *x, size_t n, double e, double eta, double eps)
{
    if (n == 0)
        return GN_ESIZE;
    if (!finite1(e) || !finite1(eta) || !finite1(eps))
        return GN_ENONFINITE;
    if (!(eta > 0.0) || !(eps > 0.0))
        return GN_EDOM;
    gn_sd S;
    gn_status st = gn_internal_norm2sq_sd(&S, x, n);
    if (st != GN_OK)
        return st;
    /* w += eta e x / (eps + |x|^2), written from the NLMS recursion itself */
    gn_sd den = gn_sd_add(gn_sd_from(eps), S);
    gn_sd c = gn_sd_div(gn_sd_mul(gn_sd_from(eta), gn_sd_from(e)), den);
    return gn_internal_apply(w, x, n, c);
}

/* ----------------------------------------------------------------- Adam */

gn_adam_params gn_adam_params_default(void)
{
    gn_adam_params p = {1e-3, 0.9, 0.999, 1e-8};
    return p;
}

void gn_adam_free(gn_adam *st)
{
    if (!st)
        return;
    GN_FREE_ALL(st->m, st->v, st);
}

gn_adam *gn_adam_alloc(size_t n)
{
    if (n == 0)
        return NULL;
    gn_adam *st = malloc(sizeof *st);
    if (!st)
        return NULL;
    st->n = n;
    st->t = 0;
    st->m = calloc(n, sizeof(double));
    st->v = calloc(n, sizeof(double));
    if (!st->m || !st->v) {
        gn_adam_free(st);
        return NULL;
    }
    return st;
}

static gn_status check_adam(const gn_adam *st, const gn_adam_params *p)
{
    if (!st || !p || st->n == 0)
        return GN_ESIZE;
    if (!finite1(p->alpha) || !finite1(p->beta1) || !finite1(p->beta2) || !finite1(p->eps))
        return GN_ENONFINITE;
    if (!(p->alpha > 0.0) || !(p->beta1 >= 0.0 && p->beta1 < 1.0) ||
        !(p->beta2 >= 0.0 && p->beta2 < 1.0) || !(p->eps > 0.0))
        return GN_EDOM;
    return GN_OK;
}

/* one component of the recursion; returns the new w_i */
static inline double adam_one(double *m, double *v, double w, double g, double b1, double b2,
                              double bc1, double bc2, double alpha, double eps)
{
    *m = b1 * *m + (1.0 - b1) * g;
    *v = b2 * *v + (1.0 - b2) * (g * g);
    double mh = *m / bc1;
    double vh = *v / bc2;
    return w - alpha * mh / (sqrt(vh) + eps);
}

gn_status gn_step_adam(gn_adam *st, double *w, const double *g, const gn_adam_params *p)
{
    gn_status s = check_adam(st, p);
    if (s != GN_OK)
        return s;
    if (!gn_allfinite(g, st->n))
        return GN_ENONFINITE;
    uint64_t t = st->t + 1;
    double bc1 = 1.0 - pow(p->beta1, (double)t);
    double bc2 = 1.0 - pow(p->beta2, (double)t);
    st->t = t;
    int bad = 0;
    for (size_t i = 0; i < st->n; i++) {
        w[i] = adam_one(&st->m[i], &st->v[i], w[i], g[i], p->beta1, p->beta2, bc1, bc2,
                        p->alpha, p->eps);
        bad |= !finite1(w[i]) || !finite1(st->v[i]);
    }
    return bad ? GN_ERANGE : GN_OK;
}

gn_status gn_step_adam_ignd(gn_adam *st, double *w, const double *j, double lp, double lpp,
                            gn_damping dmp, const gn_adam_params *p)
{
    gn_status s = check_adam(st, p);
    if (s != GN_OK)
        return s;
    gn_sd S, c;
    if ((s = gn_internal_norm2sq_sd(&S, j, st->n)) != GN_OK)
        return s;
    /* g~ = xi lp j: the IGND coefficient with alpha = 1, sign flipped back */
    if ((s = gn_internal_ignd_coef(&c, S, -lp, lpp, 1.0, dmp)) != GN_OK)
        return s;
    uint64_t t = st->t + 1;
    double bc1 = 1.0 - pow(p->beta1, (double)t);
    double bc2 = 1.0 - pow(p->beta2, (double)t);
    st->t = t;
    int plain = c.e > -1021 && c.e < 1000;
    double cd = plain ? ldexp(c.m, c.e) : 0.0;
    int bad = 0;
    for (size_t i = 0; i < st->n; i++) {
        double gt;
        if (plain) {
            gt = cd * j[i];
        } else {
            int ex;
            double mx = frexp(j[i], &ex);
            gt = ldexp(c.m * mx, c.e + ex);
        }
        w[i] = adam_one(&st->m[i], &st->v[i], w[i], gt, p->beta1, p->beta2, bc1, bc2,
                        p->alpha, p->eps);
        bad |= !finite1(w[i]) || !finite1(st->v[i]);
    }
    return bad ? GN_ERANGE : GN_OK;
}
