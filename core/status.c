/* status.c: status strings and the counter-based random streams. */
#include "gn.h"

#include <math.h>

const char *gn_strerror(gn_status s)
{
    switch (s) {
    case GN_OK: return "ok";
    case GN_EDOM: return "parameter outside its domain";
    case GN_ENEGCURV: return "negative curvature l'' < 0: loss not convex in f, outside the theory";
    case GN_ENONFINITE: return "NaN or infinite input";
    case GN_ESIZE: return "zero or mismatched size";
    case GN_EZERO: return "undefined at this point (zero sensitivity, curvature or derivative)";
    case GN_ERANGE: return "result overflows double";
    case GN_ENOMEM: return "out of memory";
    case GN_ESINGULAR: return "singular system";
    case GN_ENOTPSD: return "curvature block not positive semidefinite";
    case GN_EINPUT: return "malformed input";
    case GN_NSTATUS: break;
    }
    return "unknown status";
}

/* splitmix64 (Steele, Lea, Flood 2014) to expand (seed, stream) into a state */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void gn_rng_seed(gn_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (stream * 0xd1b54a32d192ed03u);
    (void)splitmix64(&x);
    for (int k = 0; k < 4; k++)
        r->s[k] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman and Vigna) */
uint64_t gn_rng_u64(gn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double gn_rng_uniform(gn_rng *r) { return (double)(gn_rng_u64(r) >> 11) * 0x1p-53; }

double gn_rng_normal(gn_rng *r)
{
    for (;;) {
        double a = 2.0 * gn_rng_uniform(r) - 1.0;
        double b = 2.0 * gn_rng_uniform(r) - 1.0;
        double q = a * a + b * b;
        if (q > 0.0 && q < 1.0)
            return a * sqrt(-2.0 * log(q) / q);
    }
}
