/* audit_screen.c: the double-double screen of `gnlab audit` (val_audit_screen.h).
 *
 * Error analysis (also docs/audit-screen.md). u = 2^-53; a double-double (dd) value is
 * hi + lo. The operations below are the published double-word algorithms with their proven
 * relative error bounds (Joldes, Muller, Popescu, "Tight and rigorous error bounds for basic
 * building blocks of double-word arithmetic", ACM TOMS 44(2), 2017; the square root from
 * Lefevre, Louvet, Muller, Picot, Rideau, "Accurate calculation of Euclidean norms using
 * double-word arithmetic", ACM TOMS 49(1), 2023):
 *   TwoSum, TwoProd (fma)  exact (TwoProd: when the product is >= 2^-969 in magnitude)
 *   add_d  DWPlusFP        2 u^2            add    AccurateDWPlusDW  3 u^2 / (1 - 4u)
 *   mul_d  DWTimesFP3      2 u^2            mul    DWTimesDW3        4 u^2
 *   divi   DWDivDW2        15 u^2 + 56 u^3  sqrt   SQRTDWtoDW        25/8 u^2
 * We use ONE bound for all of them, EPS = 2^-100 = 64 u^2, so each counts as one EPS.
 * Preconditions of those theorems: no underflow or overflow. Additions (TwoSum and sums)
 * are exact in their error terms whatever the magnitude, so only multiplicative operations
 * are guarded: each result's hi must be in [2^-900, 2^900] unless an operand is exactly zero
 * (then the result is exactly zero); then every error term is >= 2^-1010, a normal number,
 * and nothing overflows. A step that breaks this goes to MPFR.
 *
 * A chain of k operations has relative error <= (1 + EPS)^k - 1 <= 1.01 k EPS (k EPS << 1);
 * relative errors of the inputs add (first order, with the same 1.01 factor for the
 * second-order terms). Per method, with S = sum v_i^2 (v = j, g or x), the terms exact by
 * TwoProd and positive, so rho_S = 1.01 n EPS; l', l'', l converted from the rule's MPFR
 * values with rel = 2^-105 (audit_rules.c to_dd); the step s_i = -c v_i, c a scalar:
 *   sgd       c = alpha l' (or alpha on a recorded g)            rho_c = rel + EPS
 *   normgrad  c = sign(l') alpha / sqrt(S)                       rho_S / 2 + 2 EPS
 *   sps       c = min(gamma, gamma_max) l', gamma = (l - l*)/(c_sps l'^2 S):
 *             rho_num = rel |l| / |l - l*| + EPS, rho_gamma = rho_num + 2 rel + rho_S + 4 EPS,
 *             the cap decided only when gamma is outside gamma_max (1 +- (2 rho_gamma + 2^-52)),
 *             rho_c = rho_gamma + rel + EPS (0 + rel + EPS when capped)
 *   nlms      c = alpha l' / (eps + S)                           2 rel... : rel + rho_S + 3 EPS
 *   ignd      c = alpha l' / ((l'' + mu) S + lambda)             2 rel + rho_S + 6 EPS
 *   undamped  c = alpha l' / (l'' S)                             2 rel + rho_S + 4 EPS
 * then s_i = c v_i (+ EPS), x_i = w_i + s_i (+ EPS |x_i|), so the dd x^_i of the exact
 * w_after x_i has |x^_i - x_i| <= rho (|w_i| + |s_i|), rho = rho_c + 3 EPS.
 * Adam (and Adam-IGND, fed g~ = l' j / ((l'' + mu) S + lambda), rho_g = 2 rel + rho_S + 6 EPS;
 * Adam on l' j: rho_g = rel + EPS; on a recorded g: 0): p = b^(t+1) by binary powering,
 * rho_p = 1.01 t EPS; bc = 1 - p, rho_bc = rho_p p / (1 - p) + EPS (p below 2^-799: bc = 1,
 * rho_bc = 2^-798); m+ = b1 m + (1 - b1) g has absolute error (rho_g + 2 EPS) M_i,
 * M_i = b1 |m_i| + (1 - b1)|g_i|; v+ relative 2 rho_g + 3 EPS (all terms >= 0); the
 * denominator sqrt(v+/bc2) + eps relative rho_den = (rho_v + rho_bc2 + EPS)/2 + 2 EPS;
 * alpha/bc1 relative rho_bc1 + EPS; so |s^_i - s_i| <= rho_A A_i with
 * rho_A = 1.01 (rho_ab + rho_g + rho_den + 4 EPS), A_i = (alpha/bc1) M_i / den >= |s_i| the
 * magnitude the measure uses (audit_rules.c adam_finish), and x^_i as above.
 *
 * From x^_i to the err of the MPFR rule (val_audit_rule). That rule's w_after is within
 * 2^(1-prec) (|w_i| + |s_i|) of x_i (its contract); we allow mp = 2^(4-prec). Its err_i is
 * fl(fl|got_i - ex_i| / den_x), den_x = fl(u_T (|w_i| + sab_i) + eta_T), sab_i its magnitude
 * (|s_i|, or A_i for Adam, within 2^-48 relative of ours once rho <= 2^-60), taken in double
 * when den_x is in [2^-1000, 2^1000]. With our d_i = got_i - x^_i (dd, so |got_i - x^_i| <=
 * (|d.hi| + |d.lo|)(1 + EPS)) and den_i our double scale:
 *   err_i <= (|d.hi| + |d.lo|) / den_i (1 + 2^-40) + (rho + mp) / u_T (1 + 2^-30)
 * (each 1 + 2^-40 covers the handful of double roundings on both sides and the 2^-48 of the
 * scales; the (|w| + |s|) u_T <= den_i (1 + 2^-47) step turns the absolute terms into units).
 * The screen requires rho <= 2^-60 and den_i in [2^-990, 2^990] (else the step goes to MPFR),
 * except a component with w_i = v_i = got_i = 0 (Adam: m_i = g_i = 0), whose err is exactly 0
 * in both. e_hi = max_i of the bound above; the step is decided when e_hi <= B and
 * fl(e_hi / B) <= the largest err / B so far (rounding is monotonic, so fl(err / B) <= that
 * too: the exact audit would not have replaced its largest step either).
 */
#include "val_audit_screen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 0x1p-100
#define RLO 0x1p-900
#define RHI 0x1p900
#define ADAM_BLK 64 /* adam_err_body's block of components */
#define K1 1.01 /* the second-order factor of (1 + EPS)^k - 1 <= 1.01 k EPS */

typedef val_dd dd;

/* The per-component loops are compiled twice, plainly and for CPUs with FMA (x86-64: there a
 * plain build calls libm's fma, a function call per TwoProd); fma is correctly rounded either
 * way, so both give bitwise the same e_hi. INL forces the dd helpers into both copies. */
#if defined(__GNUC__) && defined(__x86_64__)
#define SCREEN_FMA 1
#define INL static inline __attribute__((always_inline))
#else
#define INL static inline
#endif

#define HAS(r, f) ((r)->has_s >> (f) & 1u)

INL dd two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    return (dd){s, (a - (s - bb)) + (b - bb)};
}

INL dd fast_two_sum(double a, double b) /* |a| >= |b| or a = 0 */
{
    double s = a + b;
    return (dd){s, b - (s - a)};
}

INL dd two_prod(double a, double b)
{
    double p = a * b;
    return (dd){p, fma(a, b, -p)};
}

INL dd neg(dd x) { return (dd){-x.hi, -x.lo}; }

/* DWPlusFP */
INL dd add_d(dd x, double y)
{
    dd s = two_sum(x.hi, y);
    return fast_two_sum(s.hi, x.lo + s.lo);
}

/* AccurateDWPlusDW */
INL dd add(dd x, dd y)
{
    dd s = two_sum(x.hi, y.hi), t = two_sum(x.lo, y.lo);
    dd v = fast_two_sum(s.hi, s.lo + t.hi);
    return fast_two_sum(v.hi, t.lo + v.lo);
}

/* DWTimesFP3 */
INL dd mul_d(dd x, double y)
{
    dd c = two_prod(x.hi, y);
    return fast_two_sum(c.hi, fma(x.lo, y, c.lo));
}

/* DWTimesDW3 */
INL dd mul(dd x, dd y)
{
    dd c = two_prod(x.hi, y.hi);
    double tl = fma(x.hi, y.lo, x.lo * y.lo);
    return fast_two_sum(c.hi, c.lo + fma(x.lo, y.hi, tl));
}

/* DWDivDW2 (y.hi != 0) */
INL dd divi(dd x, dd y)
{
    double th = x.hi / y.hi;
    dd r = mul_d(y, th);
    double d = (x.hi - r.hi) + (x.lo - r.lo);
    return fast_two_sum(th, d / y.hi);
}

/* SQRTDWtoDW (x >= 0) */
INL dd sqrt_dd(dd x)
{
    if (x.hi == 0.0)
        return (dd){0.0, 0.0};
    double s = sqrt(x.hi);
    double r = fma(-s, s, x.hi) + x.lo;
    return fast_two_sum(s, r / (2.0 * s));
}

/* 1 when a multiplicative result breaks the range guard (see the head comment): an operand
 * nonzero and the result's hi outside [2^-900, 2^900] (or NaN) */
INL int oor(double a, double b, double res)
{
    return a != 0.0 && b != 0.0 && !(fabs(res) >= RLO && fabs(res) <= RHI);
}

/* S = sum v_i^2 in dd; its relative error is <= 1.01 n EPS (terms exact and >= 0: each term
 * goes through at most n additions). From n = 8 on, four partial sums (i mod 4, the tail in
 * the first) added pairwise at the end: a term then goes through at most n/4 + 5 <= n
 * additions, and four independent chains run in parallel */
INL dd sumsq_body(const double *v, size_t n, int *bad)
{
    dd s0 = {0.0, 0.0}, s1 = {0.0, 0.0}, s2 = {0.0, 0.0}, s3 = {0.0, 0.0};
    int b = 0;
    size_t i = 0;
    if (n >= 8)
        for (; i + 4 <= n; i += 4) {
            dd p0 = two_prod(v[i], v[i]), p1 = two_prod(v[i + 1], v[i + 1]);
            dd p2 = two_prod(v[i + 2], v[i + 2]), p3 = two_prod(v[i + 3], v[i + 3]);
            b |= oor(v[i], v[i], p0.hi) | oor(v[i + 1], v[i + 1], p1.hi) |
                 oor(v[i + 2], v[i + 2], p2.hi) | oor(v[i + 3], v[i + 3], p3.hi);
            s0 = add(s0, p0);
            s1 = add(s1, p1);
            s2 = add(s2, p2);
            s3 = add(s3, p3);
        }
    for (; i < n; i++) {
        dd p = two_prod(v[i], v[i]);
        b |= oor(v[i], v[i], p.hi);
        s0 = add(s0, p);
    }
    *bad |= b;
    return n >= 8 ? add(add(s0, s1), add(s2, s3)) : s0;
}

/* S, plain or FMA (see INL) */
#if defined(SCREEN_FMA)
#define FMA_TARGET __attribute__((target("fma")))
static int have_fma(void) { return __builtin_cpu_supports("fma"); }
#else
#define FMA_TARGET
static int have_fma(void) { return 0; }
#endif
static dd sumsq_plain(const double *v, size_t n, int *bad) { return sumsq_body(v, n, bad); }
FMA_TARGET static dd sumsq_fma(const double *v, size_t n, int *bad)
{
    return sumsq_body(v, n, bad);
}
static dd sumsq(const double *v, size_t n, int *bad)
{
    return have_fma() ? sumsq_fma(v, n, bad) : sumsq_plain(v, n, bad);
}

/* ------------------------------------------------------------ the coefficient c */

/* den = (l'' + mu) S + lambda, the IGND family's denominator (all terms >= 0);
 * relative error rel + rho_S + 3 EPS */
static dd ignd_den(const val_audit_screen_in *in, const gn_io_trace_rec *r, dd S, int *bad)
{
    double mu = HAS(r, GN_IO_TRACE_S_MU) ? r->s[GN_IO_TRACE_S_MU] : 0.0;
    dd a = add_d(in->lpp, mu);
    dd aS = mul(a, S);
    *bad |= oor(a.hi, S.hi, aS.hi);
    return add_d(aS, r->s[GN_IO_TRACE_S_LAMBDA]);
}

/* c = num / den, guarded */
static dd quot(dd num, dd den, int *bad)
{
    if (den.hi == 0.0 || !(fabs(den.hi) >= RLO && fabs(den.hi) <= RHI)) {
        *bad = 1;
        return (dd){0.0, 0.0};
    }
    dd q = divi(num, den);
    *bad |= oor(num.hi, 1.0, q.hi);
    return q;
}

/* SPS's c; 0, or -1 when the screen cannot decide (domain, undefined, cap too close) */
static int sps_coef(dd *c, double *rho, const val_audit_screen_in *in, const gn_io_trace_rec *r,
                    dd S, double rS, int *bad)
{
    if (!HAS(r, GN_IO_TRACE_S_C))
        return -1;
    double cs = r->s[GN_IO_TRACE_S_C];
    double lstar = HAS(r, GN_IO_TRACE_S_LSTAR) ? r->s[GN_IO_TRACE_S_LSTAR] : 0.0;
    int capped = HAS(r, GN_IO_TRACE_S_GAMMA_MAX);
    double gm = capped ? r->s[GN_IO_TRACE_S_GAMMA_MAX] : 0.0;
    if (!(cs > 0.0) || (capped && !(gm > 0.0)) || in->lp.hi == 0.0 || S.hi == 0.0)
        return -1;
    dd num = add_d(in->l, -lstar);
    if (!(num.hi > 0.0))
        return -1; /* l < l* (a domain error) or l = l*: the MPFR rule decides */
    double rnum = K1 * (in->rel * fabs(in->l.hi) / fabs(num.hi) + EPS);
    if (!(rnum <= 0x1p-70))
        return -1;
    dd g2 = mul(in->lp, in->lp);
    *bad |= oor(in->lp.hi, in->lp.hi, g2.hi);
    dd den = mul_d(g2, cs);
    *bad |= oor(g2.hi, cs, den.hi);
    dd den2 = mul(den, S);
    *bad |= oor(den.hi, S.hi, den2.hi);
    dd gam = quot(num, den2, bad);
    double rg = K1 * (rnum + 2.0 * in->rel + rS + 4.0 * EPS);
    if (capped) {
        double m = 2.0 * rg + 0x1p-52;
        if (gam.hi * (1.0 - m) > gm) {
            gam = (dd){gm, 0.0};
            rg = 0.0;
        } else if (!(gam.hi * (1.0 + m) < gm)) {
            return -1;
        }
    }
    *c = mul(gam, in->lp);
    *bad |= oor(gam.hi, in->lp.hi, c->hi);
    *rho = K1 * (rg + in->rel + EPS);
    return 0;
}

/* c of the rank-one methods (s_i = -c v_i); 0, or -1 when the screen cannot decide */
static int rank1_coef(dd *c, double *rho, const val_audit_screen_in *in, const gn_io_trace_rec *r,
                      const double *v, int *bad)
{
    size_t n = r->n;
    double alpha = r->s[GN_IO_TRACE_S_ALPHA], rel = in->rel;
    gn_io_trace_method me = r->method;
    dd S = {0.0, 0.0};
    double rS = K1 * (double)n * EPS;
    if (me != GN_IO_TRACE_M_SGD)
        S = sumsq(v, n, bad);
    dd alp = mul_d(in->lp, alpha); /* alpha l' */
    if (me != GN_IO_TRACE_M_SGD && me != GN_IO_TRACE_M_SPS)
        *bad |= oor(in->lp.hi, alpha, alp.hi);
    switch (me) {
    case GN_IO_TRACE_M_SGD:
        if (in->uses_g) {
            *c = (dd){alpha, 0.0};
            *rho = 0.0;
        } else {
            *c = alp;
            *bad |= oor(in->lp.hi, alpha, alp.hi);
            *rho = K1 * (rel + EPS);
        }
        return 0;
    case GN_IO_TRACE_M_NORMGRAD: /* g = l' j = 0 is undefined (GN_EZERO) */
        if (in->lp.hi == 0.0 || S.hi == 0.0)
            return -1;
        *c = quot((dd){in->lp.hi > 0.0 ? alpha : -alpha, 0.0}, sqrt_dd(S), bad);
        *rho = K1 * (rS / 2.0 + 2.0 * EPS);
        return 0;
    case GN_IO_TRACE_M_SPS:
        return sps_coef(c, rho, in, r, S, rS, bad);
    case GN_IO_TRACE_M_NLMS:
        *c = quot(alp, add_d(S, r->s[GN_IO_TRACE_S_EPS]), bad);
        *rho = K1 * (rel + rS + 3.0 * EPS);
        return 0;
    case GN_IO_TRACE_M_IGND:
        *c = quot(alp, ignd_den(in, r, S, bad), bad);
        *rho = K1 * (2.0 * rel + rS + 6.0 * EPS);
        return 0;
    case GN_IO_TRACE_M_IGND_UNDAMPED: { /* l'' |j|^2 = 0 is undefined (GN_EZERO) */
        if (in->lpp.hi == 0.0 || S.hi == 0.0)
            return -1;
        dd den = mul(in->lpp, S);
        *bad |= oor(in->lpp.hi, S.hi, den.hi);
        *c = quot(alp, den, bad);
        *rho = K1 * (2.0 * rel + rS + 4.0 * EPS);
        return 0;
    }
    default:
        return -1;
    }
}

/* ------------------------------------------------------------ the measure */

/* the err bound of one component, from d = got - x^ and the scale mag (|s_i| or A_i);
 * -1 (go to MPFR) when the exact rule would take its MPFR branch, except for the exact
 * zero component (zero = w_i, v_i, got_i all 0: err 0 on both sides) */
INL double comp_err(dd d, double w, double mag, double u, double eta, int zero)
{
    double ad = fabs(d.hi) + fabs(d.lo);
    double den = u * (fabs(w) + mag) + eta;
    if (den >= 0x1p-990 && den <= 0x1p990 && ad <= 0x1p990)
        return ad / den;
    return zero ? 0.0 : -1.0;
}

/* e_hi for the rank-one methods; -1 when undecidable */
INL double rank1_err_body(const gn_io_trace_rec *r, const double *v, dd c, double u, double eta)
{
    const double *w = r->v[GN_IO_TRACE_V_W], *got = r->v[GN_IO_TRACE_V_WAFTER];
    double emax = 0.0;
    int bad = 0;
    for (size_t i = 0; i < r->n; i++) {
        dd s = mul_d(c, -v[i]);
        bad |= oor(c.hi, v[i], s.hi);
        dd x = add_d(s, w[i]);
        double ei = comp_err(add_d(neg(x), got[i]), w[i], fabs(s.hi), u, eta,
                             w[i] == 0.0 && v[i] == 0.0 && got[i] == 0.0);
        bad |= ei < 0.0;
        emax = fmax(emax, ei);
    }
    return bad ? -1.0 : emax;
}

/* ------------------------------------------------------------------- Adam */

/* b^e by binary powering; *rho its relative error; p < 2^-799 is returned as 0 with
 * *tiny = 1 (its absolute error then <= 2^-799) */
static dd pow_dd(double b, unsigned long long e, double *rho, int *tiny)
{
    dd p = {1.0, 0.0}, x = {b, 0.0};
    *tiny = 0;
    *rho = K1 * (double)e * EPS;
    if (b == 0.0)
        return (dd){0.0, 0.0};
    while (e) {
        if (e & 1u)
            p = mul(p, x);
        e >>= 1;
        if (e)
            x = mul(x, x);
        if (p.hi < 0x1p-800 || (e && x.hi < 0x1p-800)) { /* the result is below this */
            *tiny = 1;
            return (dd){0.0, 0.0};
        }
    }
    return p;
}

/* bc = 1 - b^t1 and its relative error bound; -1 when too inaccurate for the screen */
static int bias(dd *bc, double *rho, double b, unsigned long long t1)
{
    double rp;
    int tiny;
    dd p = pow_dd(b, t1, &rp, &tiny);
    if (tiny) {
        *bc = (dd){1.0, 0.0};
        *rho = 0x1p-798;
        return 0;
    }
    *bc = add((dd){1.0, 0.0}, neg(p));
    if (!(bc->hi > 0.0))
        return -1;
    *rho = K1 * (rp * p.hi / bc->hi + EPS);
    return *rho <= 0x1p-64 ? 0 : -1;
}

typedef struct {
    double b1, b2, eps;
    dd omb1, omb2, ab, bc2; /* 1 - b1, 1 - b2 (exact), alpha / bc1, bc2 */
    dd cg;                  /* g_i = cg j_i (Adam from l' j, Adam-IGND) */
    int gvec;               /* g recorded */
} adam_sc;

/* e_hi for Adam and Adam-IGND given the scalars; -1 when undecidable */
INL double adam_err_body(const gn_io_trace_rec *r, const adam_sc *a, double u, double eta)
{
    const double *w = r->v[GN_IO_TRACE_V_W], *got = r->v[GN_IO_TRACE_V_WAFTER];
    const double *m = r->v[GN_IO_TRACE_V_M], *v = r->v[GN_IO_TRACE_V_V];
    const double *src = r->v[a->gvec ? GN_IO_TRACE_V_G : GN_IO_TRACE_V_J];
    double emax = 0.0;
    int bad = 0;
    /* three passes over blocks of ADAM_BLK components, each pass's components independent
     * (one component's operations are long chains of divisions and square roots: in one
     * loop the CPU could overlap little); the operations, their order and so the results
     * are those of one pass */
    dd mpb[ADAM_BLK], qb[ADAM_BLK], denb[ADAM_BLK];
    double t1b[ADAM_BLK];
    int gzb[ADAM_BLK];
    for (size_t i0 = 0; i0 < r->n; i0 += ADAM_BLK) {
        size_t nb = r->n - i0 < ADAM_BLK ? r->n - i0 : ADAM_BLK;
        for (size_t k = 0; k < nb; k++) {
            size_t i = i0 + k;
            dd g = a->gvec ? (dd){src[i], 0.0} : mul_d(a->cg, src[i]);
            bad |= oor(a->cg.hi, src[i], g.hi);
            dd b1m = two_prod(a->b1, m[i]);
            bad |= oor(a->b1, m[i], b1m.hi);
            dd t1 = mul(a->omb1, g);
            bad |= oor(a->omb1.hi, g.hi, t1.hi);
            dd mp = add(b1m, t1);
            dd g2 = mul(g, g);
            bad |= oor(g.hi, g.hi, g2.hi);
            dd t2 = mul(a->omb2, g2);
            bad |= oor(a->omb2.hi, g2.hi, t2.hi);
            dd b2v = two_prod(a->b2, v[i]);
            bad |= oor(a->b2, v[i], b2v.hi);
            dd vp = add(b2v, t2);
            dd q = vp.hi == 0.0 ? vp : divi(vp, a->bc2);
            bad |= oor(vp.hi, 1.0, q.hi);
            mpb[k] = mp;
            qb[k] = q;
            t1b[k] = t1.hi;
            gzb[k] = g.hi == 0.0;
        }
        for (size_t k = 0; k < nb; k++)
            denb[k] = add_d(sqrt_dd(qb[k]), a->eps);
        for (size_t k = 0; k < nb; k++) {
            size_t i = i0 + k;
            dd mp = mpb[k], den = denb[k];
            dd num = mul(a->ab, mp);
            bad |= oor(a->ab.hi, mp.hi, num.hi);
            dd s = mp.hi == 0.0 ? mp : divi(num, den);
            bad |= oor(num.hi, 1.0, s.hi);
            dd x = add_d(neg(s), w[i]);
            double A = a->ab.hi * (a->b1 * fabs(m[i]) + fabs(t1b[k])) / den.hi;
            double ei = comp_err(add_d(neg(x), got[i]), w[i], A, u, eta,
                                 w[i] == 0.0 && m[i] == 0.0 && gzb[k] && got[i] == 0.0);
            bad |= ei < 0.0 || !(den.hi >= RLO && den.hi <= RHI);
            emax = fmax(emax, ei);
        }
    }
    return bad ? -1.0 : emax;
}

/* the loops, plain and FMA (see INL) */
static double rank1_err_plain(const gn_io_trace_rec *r, const double *v, dd c, double u,
                              double eta)
{
    return rank1_err_body(r, v, c, u, eta);
}
FMA_TARGET static double rank1_err_fma(const gn_io_trace_rec *r, const double *v, dd c, double u,
                                       double eta)
{
    return rank1_err_body(r, v, c, u, eta);
}
static double rank1_err(const gn_io_trace_rec *r, const double *v, dd c, double u, double eta)
{
    return have_fma() ? rank1_err_fma(r, v, c, u, eta) : rank1_err_plain(r, v, c, u, eta);
}
static double adam_err_plain(const gn_io_trace_rec *r, const adam_sc *a, double u, double eta)
{
    return adam_err_body(r, a, u, eta);
}
FMA_TARGET static double adam_err_fma(const gn_io_trace_rec *r, const adam_sc *a, double u,
                                      double eta)
{
    return adam_err_body(r, a, u, eta);
}
static double adam_err(const gn_io_trace_rec *r, const adam_sc *a, double u, double eta)
{
    return have_fma() ? adam_err_fma(r, a, u, eta) : adam_err_plain(r, a, u, eta);
}

/* Adam's scalars and rho_A; -1 when undecidable */
static int adam_setup(adam_sc *a, double *rho, const val_audit_screen_in *in,
                      const gn_io_trace_rec *r, int *bad)
{
    a->b1 = r->s[GN_IO_TRACE_S_BETA1];
    a->b2 = r->s[GN_IO_TRACE_S_BETA2];
    a->eps = r->s[GN_IO_TRACE_S_EPS];
    a->omb1 = two_sum(1.0, -a->b1);
    a->omb2 = two_sum(1.0, -a->b2);
    a->gvec = in->uses_g;
    unsigned long long t1 = (unsigned long long)r->s[GN_IO_TRACE_S_T] + 1u;
    dd bc1;
    double rb1, rb2, rg = 0.0;
    if (bias(&bc1, &rb1, a->b1, t1) || bias(&a->bc2, &rb2, a->b2, t1))
        return -1;
    a->ab = quot((dd){r->s[GN_IO_TRACE_S_ALPHA], 0.0}, bc1, bad);
    a->cg = (dd){0.0, 0.0};
    if (r->method == GN_IO_TRACE_M_ADAM_IGND) {
        dd S = sumsq(r->v[GN_IO_TRACE_V_J], r->n, bad);
        a->cg = quot(in->lp, ignd_den(in, r, S, bad), bad);
        rg = K1 * (2.0 * in->rel + K1 * (double)r->n * EPS + 6.0 * EPS);
    } else if (!a->gvec) {
        a->cg = in->lp;
        rg = in->rel;
    }
    double rv = 2.0 * rg + 3.0 * EPS;
    double rden = (rv + rb2 + EPS) / 2.0 + 2.0 * EPS;
    *rho = K1 * ((rb1 + EPS) + (rg + 2.0 * EPS) + rden + 4.0 * EPS);
    return 0;
}

/* ------------------------------------------------------------------ the step */

/* e_hi for record r (the bound of the head comment); -1 when the screen cannot decide;
 * loosen > 0: the negative control's unsound estimate (no error terms, times 1 - loosen) */
static double screen_err(const val_audit_screen_in *in, const gn_io_trace_rec *r, double loosen)
{
    double u = val_audit_unit(r->dtype);
    double eta = r->dtype == GN_IO_TRACE_F32 ? 0x1p-149 : 0x1p-1074;
    gn_io_trace_method me = r->method;
    double rho, e;
    int bad = 0;
    if (me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_ADAM_IGND) {
        adam_sc a;
        if (adam_setup(&a, &rho, in, r, &bad) || bad || !(rho <= 0x1p-60))
            return -1.0;
        e = adam_err(r, &a, u, eta);
    } else {
        const double *v = r->v[in->uses_g ? GN_IO_TRACE_V_G : GN_IO_TRACE_V_J];
        dd c;
        if (rank1_coef(&c, &rho, in, r, v, &bad) || bad || !(rho <= 0x1p-60))
            return -1.0;
        e = rank1_err(r, v, c, u, eta);
    }
    rho += 3.0 * EPS; /* s_i = c v_i or Adam's last division, and x_i = w_i + s_i */
    if (e < 0.0)
        return -1.0;
    if (loosen > 0.0)
        return e * (1.0 - loosen);
    return e * (1.0 + 0x1p-40) + (rho + in->mp_margin) / u * (1.0 + 0x1p-30);
}

/* ------------------------------------------------------ repeated records */

#define NMEMO 2

typedef struct {
    gn_io_trace_rec r;   /* the record's fields; its v[] point into buf */
    double *buf;
    size_t cap;
    int have;
} memo_rec;

struct val_audit_screen_memo {
    memo_rec m[NMEMO];
    size_t next;         /* the slot written next (round robin) */
};

void val_audit_screen_memo_free(val_audit_screen_memo *m)
{
    if (!m)
        return;
    for (size_t k = 0; k < NMEMO; k++)
        free(m->m[k].buf);
    free(m);
}

/* 1 when a and b are the same record for the audit: every field but step, line, index */
static int same_record(const gn_io_trace_rec *a, const gn_io_trace_rec *b)
{
    if (a->method != b->method || a->dtype != b->dtype || a->has_loss != b->has_loss ||
        (a->has_loss && a->loss != b->loss) || a->n != b->n || a->has_s != b->has_s ||
        a->has_v != b->has_v)
        return 0;
    for (int k = 0; k < GN_IO_TRACE_NS; k++)
        if (k != GN_IO_TRACE_S_STEP && (a->has_s >> k & 1u) &&
            memcmp(&a->s[k], &b->s[k], sizeof a->s[k]))
            return 0;
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if ((a->has_v >> v & 1u) && memcmp(a->v[v], b->v[v], a->n * sizeof *a->v[v]))
            return 0;
    return 1;
}

static int memo_hit(const val_audit_screen_memo *m, const gn_io_trace_rec *r)
{
    for (size_t k = 0; m && k < NMEMO; k++)
        if (m->m[k].have && same_record(&m->m[k].r, r))
            return 1;
    return 0;
}

/* stores r in the next slot (nothing on no memory: the memo is an optimisation) */
static void memo_store(val_audit_work *wk, const gn_io_trace_rec *r)
{
    val_audit_screen_memo **mp = val_audit_work_memo(wk);
    if (!*mp && !(*mp = calloc(1, sizeof **mp)))
        return;
    memo_rec *e = &(*mp)->m[(*mp)->next];
    size_t need = (size_t)GN_IO_TRACE_NV * r->n;
    if (e->cap < need) {
        double *b = realloc(e->buf, need * sizeof *b);
        if (!b) {
            e->have = 0;
            return;
        }
        e->buf = b;
        e->cap = need;
    }
    e->r = *r;
    for (int v = 0; v < GN_IO_TRACE_NV; v++) {
        e->r.v[v] = e->buf + (size_t)v * r->n;
        if (r->has_v >> v & 1u)
            memcpy(e->r.v[v], r->v[v], r->n * sizeof *r->v[v]);
    }
    e->have = 1;
    (*mp)->next = ((*mp)->next + 1) % NMEMO;
}

int val_audit_screen(val_audit_work *wk, const gn_io_trace_rec *r, double largest_ratio,
                     double loosen)
{
    val_audit_screen_in in;
    if (val_audit_screen_prepare(&in, wk, r) != GN_OK)
        return 0;
    double B = val_audit_bound(wk, r);
    if (!(B < INFINITY))
        return 0;
    double e = screen_err(&in, r, loosen);
    if (!(e >= 0.0 && e <= B))
        return 0;
    if (e / B <= largest_ratio || memo_hit(*val_audit_work_memo(wk), r))
        return 1;
    /* agrees, but may be the largest: the caller runs the exact rule on it now */
    memo_store(wk, r);
    return 0;
}
