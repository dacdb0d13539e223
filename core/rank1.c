/* rank1.c: |j|^2, xi, the Moore-Penrose and damped directions, the prediction change,
 * and the IGND-family steps that share them (MATH.md §1-§5, §13).
 *
 * Error analysis (u = 2^-53, gamma_k = k u / (1 - k u)).
 *
 * Sums. gn_dot adds products in blocks of 64 entries over 4 lanes (lane sums of at most
 * t = floor(m/4) + (m mod 4) terms for a block of m entries), joins the lanes in 2 more
 * additions, then joins the block sums pairwise (depth ceil(log2 nblocks)). A product
 * therefore meets at most k(n) = 1 + (t - 1) + 2 + depth roundings, and by the standard
 * argument (Higham, ASNA 2nd ed., §3.1 and §4.2) |fl(sum) - sum| <= gamma_k(n) sum |a_i b_i|.
 * gn_sum_bound_k(n) returns that k(n); for n = 10^4 it is 26, for n = 10^7 it is 36:
 * growth with n is only through the logarithmic depth.
 *
 * |j|^2. All terms are non-negative, so the relative error of S = fl(|j|^2) is <= gamma_k.
 * Scaling by a power of two (gn_sumsq_scaled) is exact, so the scaled route has the same
 * bound. The fast route is used only when its sum is >= 2^-960: squares that underflowed
 * then contribute at most n 2^-1075 <= 2^-115 n S, negligible for n < 2^60.
 *
 * Coefficient. c = -alpha lp / (A S + lambda), A = lpp + mu, is formed on scaled numbers
 * (scaled.h), one rounding per operation: A (1), A S (1), + lambda (1: both terms are
 * non-negative, so no cancellation), alpha lp (1), division (1). With S's k roundings,
 * |c_hat - c| <= gamma_(k+5) |c|.
 *
 * Step. w_i+ = w_i + c j_i: the product adds one rounding and the sum one more, so
 * |err_i| <= gamma_(k+6) |c j_i| + u |w_i + c j_i| <= (k + 7) u (|w_i| + |c j_i|) to first
 * order: at most k + 7 units of the mixed measure of MATH.md §13. Subnormal results add an
 * absolute 2^-1075 (the measure's underflow floor).
 *
 * xi. xi = 1 / (A S + lambda): S's k roundings, then A = lpp + mu (1), A S (1), + lambda (1)
 * and the division (1): relative error <= gamma_(k+4), and since ulp(x) >= u |x| for the
 * true value x, that is <= k + 4 ulps (to first order).
 */
#include "gn.h"
#include "gn_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define GN_BLOCK 64

/* Blocked dot products. Lane k (k = 0..3) of a block accumulates the products of the
 * entries i = k (mod 4) in increasing i, the tail (m mod 4 entries) goes to lane 0, the
 * lanes join as (s0 + s1) + (s2 + s3), and block sums join pairwise by splitting at a
 * block boundary near the middle. Every implementation below performs exactly these
 * IEEE operations in this order (vector lanes are independent: one product and one sum
 * per entry and lane, no contraction under -ffp-contract=off), so all give bitwise the
 * same results and the bound of the header comment holds for each.
 *
 * The vector forms of these sums (gn_dot, the fused pass, and the update and
 * back-propagation kernels) live in kern.c, one version per instruction set chosen at run
 * time; this file keeps the scalar block_dot for the scaled |j|^2 and gn_delta. */
/* the end of a block: the tail (m mod 4 entries, from i on) into lane 0, then the join */
static inline double lanes_join(double s0, double s1, double s2, double s3, const double *a,
                                const double *b, size_t i, size_t m)
{
    for (; i < m; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static double block_dot(const double *a, const double *b, size_t m)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    return lanes_join(s0, s1, s2, s3, a, b, i, m);
}

/* blocked pairwise summation over a stream of block sums: a binary counter merges equal
 * levels as blocks arrive, so the depth is ceil(log2 nblocks) with 64 slots */
typedef struct {
    double part[64];
    size_t np, nblocks;
} pw_sum;

static void pw_push(pw_sum *p, double x)
{
    p->part[p->np++] = x;
    size_t nbdone = ++p->nblocks;
    while ((nbdone & 1) == 0 && p->np >= 2) {
        p->part[p->np - 2] += p->part[p->np - 1];
        p->np--;
        nbdone >>= 1;
    }
}

static double pw_total(pw_sum *p)
{
    while (p->np > 1) {
        p->part[p->np - 2] += p->part[p->np - 1];
        p->np--;
    }
    return p->np ? p->part[0] : 0.0;
}

double gn_dot(const double *a, const double *b, size_t n)
{
    return gn_internal_kern()->dot(a, b, n);
}

void gn_internal_dot2(double *wx, double *xx, const double *w, const double *x, size_t n)
{
    gn_pair2 r = gn_internal_kern()->dot2(w, x, n);
    *wx = r.ab;
    *xx = r.bb;
}

static size_t lane_terms(size_t m)
{
    return m / 4 + m % 4;
}

int gn_sum_bound_k(size_t n)
{
    if (n == 0)
        return 0;
    size_t t = n >= GN_BLOCK ? lane_terms(GN_BLOCK) : lane_terms(n);
    size_t tail = n % GN_BLOCK;
    if (n > GN_BLOCK && lane_terms(tail) > t)
        t = lane_terms(tail);
    size_t nb = (n + GN_BLOCK - 1) / GN_BLOCK;
    int depth = 0;
    while (((size_t)1 << depth) < nb)
        depth++;
    return (int)(1 + (t - 1) + 2) + depth;
}

/* x * 0 is +-0 for finite x and NaN otherwise; a sum of those is 0 iff all are finite
 * (kern.c: four independent partial sums in vectors, so the check costs less than the step
 * it guards) */
int gn_allfinite(const double *a, size_t n)
{
    return gn_internal_kern()->allfinite(a, n);
}

gn_status gn_sumsq_scaled(gn_sumsq *s, const double *j, size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    double mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(j[i]);
        if (!(a <= DBL_MAX))
            return GN_ENONFINITE;
        if (a > mx)
            mx = a;
    }
    if (mx == 0.0) {
        s->ssq = 0.0;
        s->e = 0;
        return GN_OK;
    }
    int e;
    (void)frexp(mx, &e); /* mx = m 2^e, m in [0.5, 1): |j_i| 2^-e < 1 */
    /* blocked pairwise sum on the exactly scaled entries: same bound as gn_dot */
    pw_sum sum = {.np = 0, .nblocks = 0};
    for (size_t b0 = 0; b0 < n; b0 += GN_BLOCK) {
        size_t m = n - b0 < GN_BLOCK ? n - b0 : GN_BLOCK;
        double t[GN_BLOCK];
        for (size_t i = 0; i < m; i++)
            t[i] = ldexp(j[b0 + i], -e);
        pw_push(&sum, block_dot(t, t, m));
    }
    s->ssq = pw_total(&sum);
    s->e = e;
    return GN_OK;
}

/* the exponent a fast |j|^2 must reach to be trusted (see the header comment) */
#define GN_FAST_MIN 0x1p-960

gn_status gn_internal_norm2sq_sd(gn_sd *out, const double *j, size_t n)
{
    double s = gn_dot(j, j, n);
    if (s >= GN_FAST_MIN && s <= DBL_MAX) {
        *out = gn_sd_from(s);
        return GN_OK;
    }
    if (s != s && !gn_allfinite(j, n))
        return GN_ENONFINITE;
    gn_sumsq q;
    gn_status st = gn_sumsq_scaled(&q, j, n);
    if (st != GN_OK)
        return st;
    *out = gn_sd_norm(q.ssq, 0);
    if (q.ssq != 0.0)
        out->e += 2 * q.e;
    return GN_OK;
}

gn_status gn_norm2sq(double *out, const double *j, size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    gn_sd s;
    gn_status st = gn_internal_norm2sq_sd(&s, j, n);
    if (st != GN_OK)
        return st;
    double r = gn_sd_to(s);
    *out = r;
    return r <= DBL_MAX ? GN_OK : GN_ERANGE;
}

static int finite1(double x) { return x - x == 0.0; }

gn_status gn_internal_norm2sq_nz(gn_sd *S, const double *j, size_t n, double c)
{
    gn_status st = gn_internal_norm2sq_sd(S, j, n);
    if (st != GN_OK)
        return st;
    return c == 0.0 || S->m == 0.0 ? GN_EZERO : GN_OK;
}

gn_status gn_internal_check_rate(double lp, double alpha)
{
    if (!finite1(lp) || !finite1(alpha))
        return GN_ENONFINITE;
    return alpha > 0.0 ? GN_OK : GN_EDOM;
}

gn_status gn_damping_check(double lpp, gn_damping dmp)
{
    if (!finite1(lpp) || !finite1(dmp.lambda) || !finite1(dmp.mu))
        return GN_ENONFINITE;
    if (!(dmp.lambda > 0.0) || !(dmp.mu >= 0.0))
        return GN_EDOM;
    if (lpp < 0.0)
        return GN_ENEGCURV;
    return GN_OK;
}

/* denominator (lpp + mu) S + lambda as a scaled number (k + 3 roundings, S's k included) */
static gn_sd denom_sd(gn_sd S, double lpp, double mu, double lambda)
{
    /* A = lpp + mu may overflow as a double: then add halves (exact at that size) */
    double a = lpp + mu;
    gn_sd A = a <= DBL_MAX ? gn_sd_from(a) : gn_sd_norm(0.5 * lpp + 0.5 * mu, 1);
    if (A.m == 0.0)
        return gn_sd_from(lambda);
    return gn_sd_add(gn_sd_mul(A, S), gn_sd_from(lambda));
}

gn_status gn_xi(double *xi, const double *j, size_t n, double lpp, gn_damping dmp)
{
    if (n == 0)
        return GN_ESIZE;
    gn_status st = gn_damping_check(lpp, dmp);
    if (st != GN_OK)
        return st;
    gn_sd S;
    if ((st = gn_internal_norm2sq_sd(&S, j, n)) != GN_OK)
        return st;
    gn_sd D = denom_sd(S, lpp, dmp.mu, dmp.lambda);
    *xi = gn_sd_to(gn_sd_div(gn_sd_from(1.0), D));
    return GN_OK;
}

/* c j_i for a scaled coefficient c: the direct product when c is a normal double,
 * otherwise per component on exponent-separated parts (the xi trap of §13). */
static int coef_is_plain(gn_sd c, double *cd)
{
    /* c normal and |c| < 2^1000 keeps the product's overflow exactly where the true
     * product overflows, up to the product's own rounding */
    if (c.m == 0.0) {
        *cd = 0.0;
        return 1;
    }
    if (c.e > -1021 && c.e < 1000) {
        *cd = ldexp(c.m, c.e);
        return 1;
    }
    return 0;
}

static double coef_times(gn_sd c, double x)
{
    int ex;
    double mx = frexp(x, &ex);
    return ldexp(c.m * mx, c.e + ex);
}

/* largest |c j_i| must stay below 2^1020: |c j_i| <= |c| |j| = |c| sqrt(S) */
static int step_too_big(gn_sd c, gn_sd S)
{
    if (c.m == 0.0 || S.m == 0.0)
        return 0;
    /* log2 |c| sqrt(S) < c.e + S.e/2 + 1 */
    return (double)c.e + 0.5 * (double)S.e >= 1019.0;
}

/* the MLP's back-propagation kernels (kern.c, the version chosen at run time) */
void gn_internal_outer(double *J, const double *d, size_t out, const double *h, size_t in)
{
    gn_internal_kern()->outer(J, d, out, h, in);
}

void gn_internal_gemtv(double *y, const double *W, size_t out, size_t in, const double *d)
{
    gn_internal_kern()->gemtv(y, W, out, in, d);
}

static int axpy_checked(double *w, double c, const double *j, size_t n)
{
    return gn_internal_kern()->axpy(w, c, j, n);
}

/* w_i += c j_i for all i (or d_i = c j_i when w == NULL). Returns GN_ERANGE if some
 * result overflowed (those components are then +-inf). */
static gn_status apply_coef(double *w, double *d, const double *j, size_t n, gn_sd c)
{
    double cd;
    int bad = 0;
    if (coef_is_plain(c, &cd)) {
        if (w) {
            bad = !axpy_checked(w, cd, j, n);
        } else {
            for (size_t i = 0; i < n; i++)
                d[i] = cd * j[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            double s = coef_times(c, j[i]);
            if (w) {
                double v = w[i] + s;
                bad |= !(fabs(v) <= DBL_MAX);
                w[i] = v;
            } else {
                d[i] = s;
            }
        }
    }
    return bad ? GN_ERANGE : GN_OK;
}

static gn_status check_scalar(double x)
{
    return finite1(x) ? GN_OK : GN_ENONFINITE;
}

/* c = -alpha lp / ((lpp + mu) S + lambda) */
static gn_sd damped_coef(gn_sd S, double lp, double lpp, double alpha, gn_damping dmp)
{
    gn_sd D = denom_sd(S, lpp, dmp.mu, dmp.lambda);
    gn_sd num = gn_sd_mul(gn_sd_from(-lp), gn_sd_from(alpha));
    return gn_sd_div(num, D);
}

gn_status gn_internal_ignd_coef(gn_sd *c, gn_sd S, double lp, double lpp, double alpha,
                                gn_damping dmp)
{
    gn_status st = gn_damping_check(lpp, dmp);
    if (st != GN_OK)
        return st;
    if ((st = gn_internal_check_rate(lp, alpha)) != GN_OK)
        return st;
    *c = damped_coef(S, lp, lpp, alpha, dmp);
    if (step_too_big(*c, S))
        return GN_ERANGE;
    return GN_OK;
}

gn_status gn_internal_apply(double *w, const double *j, size_t n, gn_sd c)
{
    return apply_coef(w, NULL, j, n, c);
}

gn_status gn_internal_apply_d(double *w, const double *j, size_t n, double c)
{
    return axpy_checked(w, c, j, n) ? GN_OK : GN_ERANGE;
}

/* The fast coefficient. Each double operation below rounds the exact result once, as the
 * scaled route's operation does (scaled.h: the mantissas' product, quotient or aligned sum,
 * rounded to 53 bits, then an exact power of two), and both agree whenever the double result
 * is normal: so every intermediate must lie in [2^-1021, 2^1000) (one binade above the
 * subnormals, where a double rounds at 2^-1074 instead of 53 bits, and far below overflow).
 * Where it does: A = lpp + mu is the scaled route's double A; |c| < 2^500 and S < 2^1000
 * give c.e + S.e/2 <= 1000 < 1019, so the scaled route's GN_ERANGE test is false; and c >=
 * 2^-1021 makes its c "plain" (coef_is_plain), i.e. applied as this same double. lp = 0
 * gives the scaled route's c = 0, applied as +0.0. Anything else returns 0 (use the scaled
 * route). tests/test_kernels checks the guard on both sides of every bound. */
#define FAST_LO 0x1p-1021
#define FAST_HI 0x1p1000

static int fast_in(double x) { return fabs(x) >= FAST_LO && fabs(x) < FAST_HI; }

int gn_internal_ignd_coef_fast(double *cd, double s, double lp, double lpp, double alpha,
                               gn_damping dmp)
{
    if (!(s >= GN_FAST_MIN && s < FAST_HI))
        return 0;
    double a = lpp + dmp.mu, D;
    if (!(a < FAST_HI))
        return 0;
    if (a == 0.0) {
        D = dmp.lambda;
    } else {
        double as = a * s;
        if (!fast_in(as))
            return 0;
        D = as + dmp.lambda;
    }
    if (!fast_in(D))
        return 0;
    if (lp == 0.0) {
        *cd = 0.0;
        return 1;
    }
    double num = -lp * alpha;
    if (!fast_in(num))
        return 0;
    double c = num / D;
    if (!(fabs(c) >= FAST_LO && fabs(c) < 0x1p500))
        return 0;
    *cd = c;
    return 1;
}

/* c = -alpha lp / (lpp |j|^2), the undamped coefficient (alpha = 1: the Moore-Penrose
 * direction), with the domain checks of gn_dir_pinv / gn_step_ignd_undamped */
static gn_status undamped_coef(gn_sd *c, const double *j, size_t n, double lp, double lpp,
                               double alpha)
{
    if (n == 0)
        return GN_ESIZE;
    if (!finite1(lp) || !finite1(lpp) || !finite1(alpha))
        return GN_ENONFINITE;
    if (lpp < 0.0)
        return GN_ENEGCURV;
    if (!(alpha > 0.0))
        return GN_EDOM;
    gn_sd S;
    gn_status st = gn_internal_norm2sq_nz(&S, j, n, lpp);
    if (st != GN_OK)
        return st;
    *c = gn_sd_div(gn_sd_mul(gn_sd_from(-lp), gn_sd_from(alpha)), gn_sd_mul(gn_sd_from(lpp), S));
    return step_too_big(*c, S) ? GN_ERANGE : GN_OK;
}

gn_status gn_dir_damped(double *d, const double *j, size_t n, double lp, double lpp,
                        gn_damping dmp)
{
    if (n == 0)
        return GN_ESIZE;
    gn_status st = gn_damping_check(lpp, dmp);
    if (st != GN_OK || (st = check_scalar(lp)) != GN_OK)
        return st;
    gn_sd S;
    if ((st = gn_internal_norm2sq_sd(&S, j, n)) != GN_OK)
        return st;
    gn_sd c = damped_coef(S, lp, lpp, 1.0, dmp);
    if (step_too_big(c, S))
        return GN_ERANGE;
    return apply_coef(NULL, d, j, n, c);
}

gn_status gn_dir_pinv(double *d, const double *j, size_t n, double lp, double lpp)
{
    gn_sd c;
    gn_status st = undamped_coef(&c, j, n, lp, lpp, 1.0);
    return st != GN_OK ? st : apply_coef(NULL, d, j, n, c);
}

gn_status gn_delta_damped(double *delta, const double *j, size_t n, double lp, double lpp,
                          double alpha, gn_damping dmp)
{
    if (n == 0)
        return GN_ESIZE;
    gn_status st = gn_damping_check(lpp, dmp);
    if (st != GN_OK || (st = check_scalar(lp)) != GN_OK || (st = check_scalar(alpha)) != GN_OK)
        return st;
    if (!(alpha > 0.0))
        return GN_EDOM;
    gn_sd S;
    if ((st = gn_internal_norm2sq_sd(&S, j, n)) != GN_OK)
        return st;
    /* delta = c S with c the damped coefficient: k + 5 + 1 roundings */
    gn_sd c = damped_coef(S, lp, lpp, alpha, dmp);
    double r = gn_sd_to(gn_sd_mul(c, S));
    if (!(fabs(r) <= DBL_MAX))
        return GN_ERANGE;
    *delta = r;
    return GN_OK;
}

gn_status gn_delta(double *delta, const double *j, const double *wplus, const double *w,
                   size_t n)
{
    if (n == 0)
        return GN_ESIZE;
    /* (w+ - w) in blocks, then the blocked dot: one extra rounding per term */
    pw_sum sum = {.np = 0, .nblocks = 0};
    for (size_t b0 = 0; b0 < n; b0 += GN_BLOCK) {
        size_t m = n - b0 < GN_BLOCK ? n - b0 : GN_BLOCK;
        double t[GN_BLOCK];
        for (size_t i = 0; i < m; i++)
            t[i] = wplus[b0 + i] - w[b0 + i];
        pw_push(&sum, block_dot(j + b0, t, m));
    }
    double dot = pw_total(&sum);
    if (!finite1(dot)) {
        if (!gn_allfinite(j, n) || !gn_allfinite(w, n) || !gn_allfinite(wplus, n))
            return GN_ENONFINITE;
        return GN_ERANGE;
    }
    *delta = dot;
    return GN_OK;
}

gn_status gn_step_ignd(double *w, const double *j, size_t n, double lp, double lpp,
                       double alpha, gn_damping dmp)
{
    if (n == 0)
        return GN_ESIZE;
    return gn_internal_step_ignd_s(w, j, n, gn_dot(j, j, n), lp, lpp, alpha, dmp);
}

gn_status gn_internal_step_ignd_s(double *w, const double *j, size_t n, double s, double lp,
                                  double lpp, double alpha, gn_damping dmp)
{
    gn_sd S, c;
    gn_status st;
    double cd;
    if (s >= GN_FAST_MIN && s <= DBL_MAX) { /* gn_internal_norm2sq_sd's own fast case */
        if ((st = gn_damping_check(lpp, dmp)) != GN_OK ||
            (st = gn_internal_check_rate(lp, alpha)) != GN_OK)
            return st;
        if (gn_internal_ignd_coef_fast(&cd, s, lp, lpp, alpha, dmp))
            return gn_internal_apply_d(w, j, n, cd);
        S = gn_sd_from(s);
    } else if ((st = gn_internal_norm2sq_sd(&S, j, n)) != GN_OK) {
        return st;
    }
    if ((st = gn_internal_ignd_coef(&c, S, lp, lpp, alpha, dmp)) != GN_OK)
        return st;
    return apply_coef(w, NULL, j, n, c);
}

gn_status gn_step_ignd_undamped(double *w, const double *j, size_t n, double lp, double lpp,
                                double alpha)
{
    gn_sd c;
    gn_status st = undamped_coef(&c, j, n, lp, lpp, alpha);
    return st != GN_OK ? st : apply_coef(w, NULL, j, n, c);
}
