/* gn_internal.h: shared between the core's own files; not installed, not for users. */
#ifndef GN_INTERNAL_H
#define GN_INTERNAL_H

#include "gn.h"
#include "scaled.h"

#include <stdlib.h>

/* gn_internal_free_n: free(p[0]) ... free(p[n-1]); NULL entries are allowed. GN_FREE_ALL(a,
 * b, ...) frees each of its arguments: one line for the release of a multi-array object. */
static inline void gn_internal_free_n(void *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i]);
}
#define GN_FREE_ALL(...)                                                                      \
    gn_internal_free_n((void *const[]){__VA_ARGS__},                                          \
                       sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* w.x and |x|^2 in one pass over (w, x), both with gn_dot's blocking and bound */
void gn_internal_dot2(double *wx, double *xx, const double *w, const double *x, size_t n);

/* |j|^2 as a scaled number: the fast pass when trustworthy, else gn_sumsq_scaled */
gn_status gn_internal_norm2sq_sd(gn_sd *out, const double *j, size_t n);

/* gn_internal_norm2sq_sd, then GN_EZERO when S = 0 or the factor c that multiplies it is 0 */
gn_status gn_internal_norm2sq_nz(gn_sd *S, const double *j, size_t n, double c);

/* the step-size checks shared by the update rules: GN_ENONFINITE unless lp and alpha are
 * finite, then GN_EDOM unless alpha > 0 */
gn_status gn_internal_check_rate(double lp, double alpha);

/* c = -alpha lp / ((lpp + mu) S + lambda) in scaled form, with the domain checks of
 * gn_step_ignd; GN_ERANGE when |c| sqrt(S) could reach 2^1019 */
gn_status gn_internal_ignd_coef(gn_sd *c, gn_sd S, double lp, double lpp, double alpha,
                                gn_damping dmp);

/* w_i += c j_i; GN_ERANGE if a component overflowed (it is then +-inf) */
gn_status gn_internal_apply(double *w, const double *j, size_t n, gn_sd c);
/* gn_step_ignd with s = gn_dot(j, j, n) already computed by the caller */
gn_status gn_internal_step_ignd_s(double *w, const double *j, size_t n, double s, double lp,
                                  double lpp, double alpha, gn_damping dmp);

/* gn_step_sgd for a j the caller has checked finite (its GN_ENONFINITE test left out) */
gn_status gn_internal_step_sgd_finite(double *w, const double *j, size_t n, double lp,
                                      double alpha);

/* the same for a double c */
gn_status gn_internal_apply_d(double *w, const double *j, size_t n, double c);

/* the IGND coefficient in plain doubles for S = s, after gn_damping_check and
 * gn_internal_check_rate have passed: 1 with *cd bitwise equal to the coefficient that
 * gn_internal_ignd_coef(gn_sd_from(s)) gives and applies (and that GN_ERANGE test false)
 * when every intermediate is safely normal (rank1.c), else 0 and *cd untouched */
int gn_internal_ignd_coef_fast(double *cd, double s, double lp, double lpp, double alpha,
                               gn_damping dmp);

/* gn_dg_check(B), then GN_ENONFINITE unless every entry of B->J is finite: the entry
 * checks of the DG references (core/ref) */
gn_status gn_internal_dg_check_finite(const gn_dg_batch *B);

/* back-propagation kernels (kern.c through rank1.c): J = d h^T (out x in, row-major), and
 * y = W^T d for W out x in row-major, each y[i] summed over o in increasing order from 0.
 * No aliasing between outputs and inputs. */
void gn_internal_outer(double *J, const double *d, size_t out, const double *h, size_t in);
void gn_internal_gemtv(double *y, const double *W, size_t out, size_t in, const double *d);

/* ------------------------------------------------- kernel versions (kern.c) */

/* {a.b, b.b} of the fused pass */
typedef struct {
    double ab, bb;
} gn_pair2;

/* One version of the vector kernels; every version computes kern.c's portable definition
 * bit for bit (tests/test_kernels). dot: gn_dot. dot2: {dot(a,b), dot(b,b)}. allfinite:
 * gn_allfinite. axpy: w_i = w_i + c j_i, 1 iff all results are finite. outer, gemtv: as
 * gn_internal_outer, gn_internal_gemtv. gemv: a[o] = dot(W + o in, h, in) + b[o].
 * relu: h_i = a_i > 0 ? a_i : 0.0. relu_bwd: d_i = d_i * (a_i > 0 ? 1.0 : 0.0). */
typedef struct {
    const char *name; /* "base", "avx2", "avx512" */
    double (*dot)(const double *a, const double *b, size_t n);
    gn_pair2 (*dot2)(const double *a, const double *b, size_t n);
    int (*allfinite)(const double *a, size_t n);
    int (*axpy)(double *w, double c, const double *j, size_t n);
    void (*outer)(double *restrict J, const double *restrict d, size_t out,
                  const double *restrict h, size_t in);
    void (*gemtv)(double *restrict y, const double *restrict W, size_t out, size_t in,
                  const double *restrict d);
    void (*gemv)(double *restrict a, const double *restrict W, size_t out, size_t in,
                 const double *restrict h, const double *restrict b);
    void (*relu)(double *restrict h, const double *restrict a, size_t n);
    void (*relu_bwd)(double *restrict d, const double *restrict a, size_t n);
} gn_kern;

/* From this length on, dot and dot2 take their blocks one after another instead of
 * interleaving four (kern.c, dot_far): the same operations in the same order, read as one
 * stream. Here so that tests/test_kernels can test both sides of it. */
#define GN_KERN_FAR_MIN ((size_t)1 << 16)

/* the versions compiled in, slowest first (*n entries; the first, "base", always runs) */
const gn_kern *gn_internal_kern_list(size_t *n);
/* 1 when this CPU can run version k */
int gn_internal_kern_supported(const gn_kern *k);
/* the version in use: the fastest supported one, chosen at the first call */
const gn_kern *gn_internal_kern(void);
/* use the version called name from now on (NULL: the fastest supported); 0 if there is no
 * such version or the CPU cannot run it (nothing changes then). Not for concurrent use
 * with running kernels' callers that expect one version throughout (tests, the bench). */
int gn_internal_kern_use(const char *name);

#endif
