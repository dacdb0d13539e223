/* scaled.h: internal. Numbers held as m * 2^e with m in [0.5, 1) (or m = 0), so that
 * products and quotients of doubles never overflow or underflow on the way to a result
 * that is itself representable (MATH.md §13). Every operation rounds at most once:
 * renormalising by frexp is exact. Not part of the public API. */
#ifndef GN_SCALED_H
#define GN_SCALED_H

#include <math.h>

typedef struct {
    double m;
    int e;
} gn_sd;

static inline gn_sd gn_sd_from(double x)
{
    gn_sd r;
    r.m = frexp(x, &r.e);
    if (r.m == 0.0)
        r.e = 0;
    return r;
}

static inline gn_sd gn_sd_norm(double m, int e)
{
    int k;
    gn_sd r;
    r.m = frexp(m, &k);
    r.e = (r.m == 0.0) ? 0 : e + k;
    return r;
}

/* one rounding: the product of two mantissas in [0.5, 1) is in [0.25, 1): no underflow */
static inline gn_sd gn_sd_mul(gn_sd a, gn_sd b) { return gn_sd_norm(a.m * b.m, a.e + b.e); }

/* one rounding; b must be non-zero */
static inline gn_sd gn_sd_div(gn_sd a, gn_sd b) { return gn_sd_norm(a.m / b.m, a.e - b.e); }

/* a + b for a, b >= 0: one rounding. The smaller term is shifted to the larger's
 * exponent; when it falls below 2^-1074 relative to the larger it is negligible (its
 * contribution is under 2^-1021 ulps of the sum). */
static inline gn_sd gn_sd_add(gn_sd a, gn_sd b)
{
    if (a.m == 0.0)
        return b;
    if (b.m == 0.0)
        return a;
    int E = a.e > b.e ? a.e : b.e;
    return gn_sd_norm(ldexp(a.m, a.e - E) + ldexp(b.m, b.e - E), E);
}

/* to double: exact when the result is normal, one rounding when subnormal, +-inf on
 * overflow. */
static inline double gn_sd_to(gn_sd a) { return ldexp(a.m, a.e); }

#endif
