/* mutants.c: known-wrong variants of the core's rank-one routines for `gnlab validate
 * --inject NAME`. Each is a plausible implementation mistake; the campaign must fail on
 * every one (tests/test_validate.c asserts it). Domain checks and statuses are taken from the
 * core itself (the core routine is run on a scratch copy first), so a mutant is caught by
 * its numbers, not by a status difference.
 *
 *   mu-after-outer  mu added after the outer product: 1 / (lpp |j|^2 + mu + lambda)
 *   gsq-for-jsq     |g|^2 = lp^2 |j|^2 used where |j|^2 belongs
 *   naive-norm      |j|^2 as a plain double sum of squares (overflows above ~1.3e154,
 *                   underflows below ~1.5e-154: only the edge set can see it)
 *   no-lambda       lambda (and NLMS's eps) dropped from the denominator */
#include "val_common.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { M_MU_AFTER, M_GSQ, M_NAIVE, M_NOLAMBDA };

static const val_impl core_impl = {
    "core",        gn_norm2sq,         gn_xi,         gn_dir_pinv,          gn_dir_damped,
    gn_delta_damped, gn_step_ignd,     gn_step_ignd_undamped, gn_step_nlms, gn_step_adam_ignd,
};

static double naive_sumsq(const double *j, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += j[i] * j[i];
    return s;
}

/* |j|^2 as the mutant sees it (lp only for gsq-for-jsq) */
static double mut_S(int k, const double *j, size_t n, double lp)
{
    if (k == M_NAIVE)
        return naive_sumsq(j, n);
    double S;
    if (gn_norm2sq(&S, j, n) != GN_OK)
        S = INFINITY;
    return k == M_GSQ ? lp * lp * S : S;
}

static double mut_den(int k, double S, double lpp, gn_damping d)
{
    switch (k) {
    case M_MU_AFTER: return lpp * S + d.mu + d.lambda;
    case M_NOLAMBDA: return (lpp + d.mu) * S;
    default: return (lpp + d.mu) * S + d.lambda;
    }
}

static gn_status scratch_status_dir(const double *j, size_t n, double lp, double lpp,
                                    gn_damping dmp)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return GN_ENOMEM;
    gn_status st = gn_dir_damped(d, j, n, lp, lpp, dmp);
    free(d);
    return st;
}

static gn_status apply_c(double *w, double *d, const double *j, size_t n, double c)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double v = w ? w[i] + c * j[i] : c * j[i];
        bad |= !(fabs(v) <= DBL_MAX);
        if (w)
            w[i] = v;
        else
            d[i] = v;
    }
    return bad ? GN_ERANGE : GN_OK;
}

#define MUTANT_SET(K, SUF)                                                                    \
    static gn_status norm2sq_##SUF(double *out, const double *j, size_t n)                    \
    {                                                                                         \
        gn_status st = gn_norm2sq(out, j, n);                                                 \
        if (K != M_NAIVE || (st != GN_OK && st != GN_ERANGE))                                 \
            return st;                                                                        \
        *out = naive_sumsq(j, n);                                                             \
        return GN_OK;                                                                         \
    }                                                                                         \
    static gn_status xi_##SUF(double *xi, const double *j, size_t n, double lpp,              \
                              gn_damping dmp)                                                 \
    {                                                                                         \
        double t;                                                                             \
        gn_status st = gn_xi(&t, j, n, lpp, dmp);                                             \
        if (st != GN_OK || K == M_GSQ)                                                        \
            return st == GN_OK ? (*xi = t, GN_OK) : st;                                       \
        *xi = 1.0 / mut_den(K, mut_S(K, j, n, 1.0), lpp, dmp);                                \
        return GN_OK;                                                                         \
    }                                                                                         \
    static gn_status dir_mp_##SUF(double *d, const double *j, size_t n, double lp,            \
                                  double lpp)                                                 \
    {                                                                                         \
        gn_status st = gn_dir_pinv(d, j, n, lp, lpp);                                           \
        if (st != GN_OK && st != GN_ERANGE)                                                   \
            return st;                                                                        \
        if (K == M_MU_AFTER || K == M_NOLAMBDA)                                               \
            return st;                                                                        \
        return apply_c(NULL, d, j, n, -lp / (lpp * mut_S(K, j, n, lp)));                      \
    }                                                                                         \
    static gn_status dir_damped_##SUF(double *d, const double *j, size_t n, double lp,        \
                                      double lpp, gn_damping dmp)                             \
    {                                                                                         \
        gn_status st = scratch_status_dir(j, n, lp, lpp, dmp);                                \
        if (st != GN_OK && st != GN_ERANGE)                                                   \
            return st;                                                                        \
        return apply_c(NULL, d, j, n, -lp / mut_den(K, mut_S(K, j, n, lp), lpp, dmp));        \
    }                                                                                         \
    static gn_status delta_damped_##SUF(double *delta, const double *j, size_t n, double lp,  \
                                        double lpp, double alpha, gn_damping dmp)             \
    {                                                                                         \
        double t;                                                                             \
        gn_status st = gn_delta_damped(&t, j, n, lp, lpp, alpha, dmp);                        \
        if (st != GN_OK && st != GN_ERANGE)                                                   \
            return st;                                                                        \
        double S = mut_S(K, j, n, lp);                                                        \
        double Sj = K == M_GSQ ? mut_S(M_MU_AFTER, j, n, lp) : S;                             \
        *delta = -alpha * lp * Sj / mut_den(K, S, lpp, dmp);                                  \
        return isfinite(*delta) ? GN_OK : GN_ERANGE;                                          \
    }                                                                                         \
    static gn_status step_ignd_##SUF(double *w, const double *j, size_t n, double lp,         \
                                     double lpp, double alpha, gn_damping dmp)                \
    {                                                                                         \
        gn_status st = scratch_status_dir(j, n, lp, lpp, dmp);                                \
        if (st == GN_OK && !(alpha > 0.0))                                                    \
            st = isfinite(alpha) ? GN_EDOM : GN_ENONFINITE;                                   \
        if (st != GN_OK && st != GN_ERANGE)                                                   \
            return st;                                                                        \
        return apply_c(w, NULL, j, n,                                                         \
                       -alpha * lp / mut_den(K, mut_S(K, j, n, lp), lpp, dmp));               \
    }                                                                                         \
    static gn_status undamped_##SUF(double *w, const double *j, size_t n, double lp,          \
                                    double lpp, double alpha)                                 \
    {                                                                                         \
        double *t = malloc((n ? n : 1) * sizeof *t);                                          \
        if (!t)                                                                               \
            return GN_ENOMEM;                                                                 \
        if (n)                                                                                \
            memcpy(t, w, n * sizeof *t);                                                      \
        gn_status st = gn_step_ignd_undamped(t, j, n, lp, lpp, alpha);                        \
        if ((st != GN_OK && st != GN_ERANGE) || K == M_MU_AFTER || K == M_NOLAMBDA) {         \
            if (st == GN_OK || st == GN_ERANGE)                                               \
                memcpy(w, t, n * sizeof *t);                                                  \
            free(t);                                                                          \
            return st;                                                                        \
        }                                                                                     \
        free(t);                                                                              \
        return apply_c(w, NULL, j, n, -alpha * lp / (lpp * mut_S(K, j, n, lp)));              \
    }                                                                                         \
    static gn_status nlms_##SUF(double *w, const double *x, size_t n, double e, double eta,   \
                                double eps)                                                   \
    {                                                                                         \
        double *t = malloc((n ? n : 1) * sizeof *t);                                          \
        if (!t)                                                                               \
            return GN_ENOMEM;                                                                 \
        if (n)                                                                                \
            memcpy(t, w, n * sizeof *t);                                                      \
        gn_status st = gn_step_nlms(t, x, n, e, eta, eps);                                    \
        if ((st != GN_OK && st != GN_ERANGE) || K == M_MU_AFTER || K == M_GSQ) {              \
            if (st == GN_OK || st == GN_ERANGE)                                               \
                memcpy(w, t, n * sizeof *t);                                                  \
            free(t);                                                                          \
            return st;                                                                        \
        }                                                                                     \
        free(t);                                                                              \
        double S = mut_S(K, x, n, 1.0);                                                       \
        return apply_c(w, NULL, x, n, eta * e / (K == M_NOLAMBDA ? S : eps + S));             \
    }                                                                                         \
    static gn_status adam_ignd_##SUF(gn_adam *st, double *w, const double *j, double lp,      \
                                     double lpp, gn_damping dmp, const gn_adam_params *p)     \
    {                                                                                         \
        size_t n = st ? st->n : 0;                                                            \
        gn_status s0 = scratch_status_dir(j, n, lp, lpp, dmp);                                \
        if (s0 != GN_OK)                                                                      \
            return s0;                                                                        \
        double *g = malloc(n * sizeof *g);                                                    \
        if (!g)                                                                               \
            return GN_ENOMEM;                                                                 \
        double c = lp / mut_den(K, mut_S(K, j, n, lp), lpp, dmp);                             \
        for (size_t i = 0; i < n; i++)                                                        \
            g[i] = c * j[i];                                                                  \
        gn_status s = gn_step_adam(st, w, g, p);                                              \
        free(g);                                                                              \
        return s;                                                                             \
    }                                                                                         \
    static const val_impl impl_##SUF = {                                                      \
        NULL,          norm2sq_##SUF,      xi_##SUF,      dir_mp_##SUF,   dir_damped_##SUF,   \
        delta_damped_##SUF, step_ignd_##SUF, undamped_##SUF, nlms_##SUF,  adam_ignd_##SUF,    \
    };

MUTANT_SET(M_MU_AFTER, mu_after)
MUTANT_SET(M_GSQ, gsq)
MUTANT_SET(M_NAIVE, naive)
MUTANT_SET(M_NOLAMBDA, nolambda)

const char *const val_mutant_names[] = {"mu-after-outer", "gsq-for-jsq", "naive-norm",
                                        "no-lambda", NULL};

static const char *const descriptions[] = {
    "mu added after the outer product: 1/(lpp |j|^2 + mu + lambda)",
    "|g|^2 = lp^2 |j|^2 in place of |j|^2",
    "unscaled |j|^2 (plain sum of squares: overflow and underflow)",
    "lambda (and NLMS's eps) dropped from the denominator",
};

const char *val_mutant_describe(const char *name)
{
    for (int i = 0; val_mutant_names[i]; i++)
        if (!strcmp(name, val_mutant_names[i]))
            return descriptions[i];
    return NULL;
}

const val_impl *val_impl_get(const char *inject)
{
    static val_impl tab[4];
    static int init = 0;
    if (!init) {
        tab[0] = impl_mu_after;
        tab[1] = impl_gsq;
        tab[2] = impl_naive;
        tab[3] = impl_nolambda;
        for (int i = 0; i < 4; i++)
            tab[i].name = val_mutant_names[i];
        init = 1;
    }
    if (!inject || !*inject)
        return &core_impl;
    for (int i = 0; i < 4; i++)
        if (!strcmp(inject, val_mutant_names[i]))
            return &tab[i];
    return NULL;
}
