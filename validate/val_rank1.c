/* val_rank1.c: the rank-one quantities and the update rules of the core against the MPFR
 * reference, on random instances (sections "rank1", "optim") and on a fixed edge set
 * (section "edge").
 *
 * Reference. Each instance's reference is computed from the same double inputs by the
 * DEFINING SYSTEMS of gn_mp.h: (3.11) solved by elimination (n <= GN_MP_ELIM_MAX) or
 * conjugate gradients, the Moore-Penrose direction as the minimum-norm solution of (3.8);
 * the damped step, delta and Adam-IGND's g~ from that one solve per instance. The row
 * "closed_vs_system" compares the MPFR closed forms (3.9), (3.12), (3.13) with the systems.
 *
 * Bounds (u = 2^-53, k = k(n) = gn_sum_bound_k(n), first order; "units" are the mixed
 * measure of MATH.md §13: |got_i - exact_i| / (u (|w_i| + |s_i|) + 2^-1074), s the exact
 * step; "ulp" is gn_mp_ulps; a relative error m u is at most m ulps because a value in
 * [2^(e-1), 2^e) has ulp 2^(e-53) >= u |x|).
 *  - S = |j|^2 has relative error <= gamma_k (rank1.c: non-negative terms, exact power-of-two
 *    scaling). norm2sq adds one rounding to double: k + 1 ulps.
 *  - xi = 1/((lpp + mu) S + lambda): A = lpp + mu (1), A S (1), + lambda (1, no cancellation),
 *    the reciprocal (1), and S's k: k + 4 ulps. (rank1.c's comment counts k + 3 roundings and
 *    gn.h claims k + 3 ulps: the rounding of lpp + mu is missing when mu != 0. rank1.c also
 *    doubles the count to 2(k + 3) for the ulp conversion, which is not needed since
 *    m u |x| <= m ulp(x).) A subnormal xi adds half a subnormal spacing: still within k + 4.
 *  - dir_damped d_i = c j_i, c = -lp / D (the core multiplies by alpha = 1 exactly): D's
 *    k + 3, the division (1), the product (1): k + 5 units (gn.h claims k + 4).
 *  - dir_mp: c = -lp / (lpp S): k + 2, times j_i: k + 3 units.
 *  - delta_damped = -alpha lp S / (A S + lambda): S enters through S / (A S + lambda) whose
 *    condition number in S is lambda / (A S + lambda) <= 1, so S costs k once; A (1) enters
 *    with condition <= 1; A S (1), + lambda (1), alpha lp (1), division (1), times S (1):
 *    k + 6 ulps.
 *  - step_ignd: c = -alpha lp / D: k + 5; c j_i (1) then w_i + (.) (1):
 *    |err| <= (k + 6) u |s_i| + u |w_i + s_i| <= (k + 7) u (|w_i| + |s_i|): k + 7 units.
 *  - step_ignd_undamped: c = -alpha lp (1) / (lpp S) (k + 1) (1): k + 3; product, sum:
 *    k + 5 units.
 *  - step_sgd: c = -alpha lp (1), product (1), sum (1): 3 units.
 *  - step_normgrad: c = -alpha sign(lp) / sqrt(S): sqrt halves S's k and adds 1, the division
 *    1: k/2 + 2; product, sum: ceil(k/2) + 4 units.
 *  - step_sps: gamma = (l - l*) (1) / (c lp^2 S) (lp^2 1, c lp^2 1, times S 1 + k): k + 5;
 *    coefficient gamma lp (1), product (1), sum (1): k + 8 units. A cap replaces gamma by an
 *    exact value nearer the truth, so the bound holds for capped instances too.
 *  - step_nlms: eps + S (k + 1), eta e (1), division (1): k + 3; product, sum: k + 5 units.
 *  - delta = j^T (w+ - w) (4.1): differences (1) then gn_dot (k, products included):
 *    |err| <= (k + 1) u sum |j_i (w+_i - w_i)|: measure "cond" = |err| / (u sum |terms|),
 *    bound k + 1.
 *  - Adam, per component (first order; kappa_b = b^t / (1 - b^t) is the cancellation factor
 *    of the bias correction 1 - pow(b, t), pow within 1 ulp = 2u relative):
 *      m+ = b1 m + (1-b1) g: abs error <= 3u M, M = |b1 m| + |(1-b1) g|;
 *      1 - b1^t: relative <= 2u kappa1 + u; m^ = m+/bc1: + u;
 *      v+ (non-negative terms): <= 5u relative; v^ = v+/bc2: + 2u kappa2 + 2u; sqrt halves
 *      and adds u; + eps: u;  alpha m^ (u), / (.) (u);
 *    so |s^ - s| <= u |s| (9.5 + 2 kappa1 + kappa2) + 3u Sa, Sa = alpha M / (bc1 (sqrt(v^) +
 *    eps)) >= |s|, and |w+^ - w+| <= that + u (|w| + |s|). Adam-IGND: g~ = c j_i with c from
 *    the IGND coefficient (k + 4) and the product: (k + 5) u relative, which adds
 *    (k + 5) u Sa through m and (k + 5) u |s| through v (halved twice: squared, then sqrt).
 *    A g~ that lands below 2^-1022 adds at most 2^-1074 per rounding, amplified by
 *    alpha (1-b1) / (bc1 eps): that floor is added. The measure reported is the largest
 *    ratio of error to this per-component bound ("frac"), bound 1.
 *
 * Status. The expected status is the reference's (the mathematics: GN_EZERO for the MP
 * direction with j = 0, GN_EDOM for lambda <= 0, ...), or GN_ERANGE when the exact result
 * has a component beyond DBL_MAX. The core's overflow guard is conservative: it returns
 * GN_ERANGE when |c| |j|_2 >= 2^1019 (rank1.c step_too_big), which can fire while the largest
 * component is up to sqrt(n) 2^5 below DBL_MAX; in that band either status is accepted. Any
 * other status difference fails the row. */
#include "val_common.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    Q_SUMSQ,
    Q_NORM2SQ,
    Q_XI,
    Q_DIR_MP,
    Q_DIR_DAMPED,
    Q_DELTA_DAMPED,
    Q_DELTA,
    Q_SGD,
    Q_NORMGRAD,
    Q_SPS,
    Q_NLMS,
    Q_IGND,
    Q_UNDAMPED,
    Q_ADAM,
    Q_ADAM_IGND,
    Q_CLOSED,
    NQ
};

static const struct {
    const char *name, *measure, *section;
} qinfo[NQ] = {
    {"sumsq_scaled", "ulp", "rank1"},   {"norm2sq", "ulp", "rank1"},
    {"xi", "ulp", "rank1"},
    {"dir_mp", "mixed", "rank1"},       {"dir_damped", "mixed", "rank1"},
    {"delta_damped", "ulp", "rank1"},   {"delta", "cond", "rank1"},
    {"step_sgd", "mixed", "optim"},     {"step_normgrad", "mixed", "optim"},
    {"step_sps", "mixed", "optim"},     {"step_nlms", "mixed", "optim"},
    {"step_ignd", "mixed", "optim"},    {"step_ignd_undamped", "mixed", "optim"},
    {"step_adam", "frac", "optim"},     {"step_adam_ignd", "frac", "optim"},
    {"closed_vs_system", "rel/2^-200", "ref"},
};

typedef struct {
    size_t n;
    double *j, *w;
    double lp, lpp, alpha;
    gn_damping dmp;
    double l, lstar, c, gmax; /* SPS */
    int adam_steps;           /* prior core steps to warm the Adam state */
    gn_adam_params ap;
    char tag[48];             /* edge case name, or "" for random */
    uint64_t seed, stream;
} inst;

typedef struct {
    val_acc acc[NQ];
    const val_impl *im;
    mpfr_prec_t prec;
    int closed_check; /* compare closed forms with systems on this instance */
} ctx;

static void describe(char *buf, size_t cap, const inst *I, size_t at)
{
    if (I->tag[0])
        snprintf(buf, cap, "edge '%s' n=%zu lp=%a lpp=%a alpha=%a lambda=%a mu=%a i=%zu j_i=%a "
                           "w_i=%a",
                 I->tag, I->n, I->lp, I->lpp, I->alpha, I->dmp.lambda, I->dmp.mu, at,
                 I->n ? I->j[at] : 0.0, I->n ? I->w[at] : 0.0);
    else
        snprintf(buf, cap, "seed=%llu stream=%llu n=%zu lp=%a lpp=%a alpha=%a lambda=%a mu=%a "
                           "i=%zu j_i=%a w_i=%a",
                 (unsigned long long)I->seed, (unsigned long long)I->stream, I->n, I->lp,
                 I->lpp, I->alpha, I->dmp.lambda, I->dmp.mu, at, I->n ? I->j[at] : 0.0,
                 I->n ? I->w[at] : 0.0);
}

static int beyond_double(mpfr_srcptr x) { return mpfr_cmpabs_ui(x, 0) && mpfr_get_exp(x) > 1024; }

/* the status the core must return given the reference status and exact outputs */
static gn_status want_status(gn_status sr, mpfr_srcptr ex, size_t n)
{
    if (sr != GN_OK)
        return sr;
    for (size_t i = 0; i < n; i++)
        if (beyond_double(ex + i))
            return GN_ERANGE;
    return GN_OK;
}

/* the conservative-overflow band: |step|_inf sqrt(n) >= 2^1018 (see the header) */
static int in_band(mpfr_srcptr step, size_t n)
{
    long emax = -100000;
    for (size_t i = 0; i < n; i++)
        if (!mpfr_zero_p(step + i) && mpfr_get_exp(step + i) > emax)
            emax = mpfr_get_exp(step + i);
    double l2 = (double)emax + 0.5 * log2((double)n);
    return l2 >= 1018.0;
}

static void vec_check(ctx *C, int q, const inst *I, gn_status sc, const double *got,
                      gn_status sr, mpfr_srcptr ex, const double *w0, mpfr_srcptr step,
                      double bound)
{
    char buf[480];
    gn_status want = want_status(sr, ex, I->n);
    if (sc != want) {
        if (!(sc == GN_ERANGE && want == GN_OK && step && in_band(step, I->n))) {
            describe(buf, sizeof buf, I, 0);
            val_acc_status(&C->acc[q], sc, want, "%s", buf);
            return;
        }
    }
    if (sc != GN_OK || want != GN_OK) {
        describe(buf, sizeof buf, I, 0);
        /* an update rule that reports an error leaves w untouched (gn.h, update rules) */
        if (sc != GN_OK && w0 && I->n && memcmp(got, w0, I->n * sizeof *got) != 0) {
            val_acc_add(&C->acc[q], INFINITY, bound, "w modified on %s: %s",
                        val_status_name(sc), buf);
            return;
        }
        val_acc_add(&C->acc[q], 0.0, bound, "%s", buf);
        return;
    }
    size_t at = 0;
    double e = gn_mp_mixed(got, ex, w0, step, I->n, &at);
    describe(buf, sizeof buf, I, at);
    val_acc_add(&C->acc[q], e, bound, "%s", buf);
}

static void scal_check(ctx *C, int q, const inst *I, gn_status sc, double got, gn_status sr,
                       mpfr_srcptr ex, double bound)
{
    char buf[480];
    describe(buf, sizeof buf, I, 0);
    gn_status want = want_status(sr, ex, 1);
    if (sc != want) {
        val_acc_status(&C->acc[q], sc, want, "%s", buf);
        return;
    }
    double e = (sc == GN_OK) ? gn_mp_ulps(got, ex) : 0.0;
    if (sc == GN_OK)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " got=%a", got);
    val_acc_add(&C->acc[q], e, bound, "%s", buf);
}

/* w - exact into step (exact update minus start) */
static void step_of(mpfr_ptr step, mpfr_srcptr wnew, const double *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfr_sub_d(step + i, wnew + i, w[i], MPFR_RNDN);
}

/* per-component Adam check against the bound of the header comment; kplus = 0 for Adam,
 * k + 5 for Adam-IGND */
static void adam_check(ctx *C, int q, const inst *I, gn_status sc, const double *got,
                       gn_status sr, mpfr_srcptr ex, const gn_adam *st0, const double *g,
                       double kplus)
{
    char buf[480];
    size_t n = I->n;
    gn_status want = want_status(sr, ex, n);
    /* v = b2 v + (1 - b2) g^2 overflows, or (Adam-IGND) the guard on g~ = c j fires: the
     * core reports GN_ERANGE although w stays finite (Adam normalises); accepted when
     * max |g_i| sqrt(n) >= 2^500 */
    double gmax = 0.0;
    for (size_t i = 0; i < n; i++)
        gmax = fmax(gmax, fabs(g[i]));
    int erange_ok = !(gmax * sqrt((double)n) < 0x1p500);
    if (sc == GN_ERANGE && want == GN_OK && erange_ok)
        want = GN_ERANGE;
    if (sc != want) {
        describe(buf, sizeof buf, I, 0);
        val_acc_status(&C->acc[q], sc, want, "%s", buf);
        return;
    }
    if (sc != GN_OK) {
        describe(buf, sizeof buf, I, 0);
        val_acc_add(&C->acc[q], 0.0, 1.0, "%s", buf);
        return;
    }
    const gn_adam_params *p = &I->ap;
    double t = (double)(st0->t + 1);
    double p1 = pow(p->beta1, t), p2 = pow(p->beta2, t);
    double bc1 = 1.0 - p1, bc2 = 1.0 - p2;
    double k1 = p1 / bc1, k2 = p2 / bc2;
    const double u = 0x1p-53;
    double worst = 0.0;
    size_t at = 0;
    mpfr_t d;
    mpfr_init2(d, C->prec + 64);
    for (size_t i = 0; i < n; i++) {
        double M = fabs(p->beta1 * st0->m[i]) + fabs((1.0 - p->beta1) * g[i]);
        double vn = p->beta2 * st0->v[i] + (1.0 - p->beta2) * g[i] * g[i];
        double den = bc1 * (sqrt(vn / bc2) + p->eps);
        double Sa = p->alpha * M / den;
        mpfr_sub_d(d, ex + i, I->w[i], MPFR_RNDN);
        double s = fabs(mpfr_get_d(d, MPFR_RNDN));
        double B = u * (fabs(I->w[i]) + s) + u * s * (10.0 + 2 * k1 + k2 + kplus) +
                   u * Sa * (3.0 + kplus) +
                   2 * 0x1p-1074 * p->alpha * (1.0 - p->beta1) / (bc1 * p->eps) + 0x1p-1074;
        /* first-order bound: allow 1% for the second-order terms it omits */
        B *= 1.01;
        mpfr_set_d(d, got[i], MPFR_RNDN);
        mpfr_sub(d, d, ex + i, MPFR_RNDN);
        double e = fabs(mpfr_get_d(d, MPFR_RNDU)) / B;
        if (!(e <= worst)) {
            worst = e;
            at = i;
        }
    }
    mpfr_clear(d);
    describe(buf, sizeof buf, I, at);
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " t=%llu m_i=%a v_i=%a g_i=%a",
             (unsigned long long)st0->t, st0->m[at], st0->v[at], g[at]);
    val_acc_add(&C->acc[q], worst, 1.0, "%s", buf);
}

/* relative difference of two MPFR vectors in units of 2^-200 (closed vs system) */
static double rel200(mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_prec_t p)
{
    mpfr_t d;
    mpfr_init2(d, p + 64);
    double mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        mpfr_sub(d, a + i, b + i, MPFR_RNDN);
        if (!mpfr_zero_p(b + i))
            mpfr_div(d, d, b + i, MPFR_RNDN);
        mpfr_mul_2si(d, d, 200, MPFR_RNDN);
        double v = fabs(mpfr_get_d(d, MPFR_RNDU));
        if (!(v <= mx))
            mx = v;
    }
    mpfr_clear(d);
    return mx;
}

/* one instance's MPFR inputs and work vectors: J = j and the scalars exact (53 bits), the
 * work vectors and scalars at the campaign's precision */
typedef struct {
    int k;                       /* gn_sum_bound_k(n) */
    mpfr_ptr J, R, S, D, X;      /* j; reference update, its step; damped direction; spare */
    double *got;                 /* the core's output */
    mpfr_t lp, lpp, al, x, y;
    gn_mp_damping Dm;
    gn_status sdir;              /* the reference status of the damped direction (3.11) */
} work;

/* got = w and R = w: the start of an update rule */
static void start_at_w(work *W, const inst *I)
{
    if (I->n)
        memcpy(W->got, I->w, I->n * sizeof *W->got);
    for (size_t i = 0; i < I->n; i++)
        mpfr_set_d(W->R + i, I->w[i], MPFR_RNDN);
}

/* |j|^2 scaled: ssq 2^(2e) exactly, relative error gamma_k: k ulps */
static void check_sumsq(ctx *C, const inst *I, work *W)
{
    gn_sumsq q;
    gn_status sc = gn_sumsq_scaled(&q, I->j, I->n);
    gn_status sr = gn_mp_norm2sq(W->x, W->J, I->n, MPFR_RNDN);
    char buf[480];
    describe(buf, sizeof buf, I, 0);
    if (sc != sr) {
        val_acc_status(&C->acc[Q_SUMSQ], sc, sr, "%s", buf);
    } else if (sc == GN_OK) {
        /* compare ssq with |j|^2 2^(-2e), an exact rescaling: ulps of the rescaled value */
        mpfr_mul_2si(W->y, W->x, -2 * (long)q.e, MPFR_RNDN);
        /* range: gn.h states 1 <= ssq <= n, but the scale 2^e comes from frexp of
         * max |j_i| (rank1.c), so the largest scaled entry is in [1/2, 1) and
         * 1/4 <= ssq <= n (up to rounding): that is what is checked (gn.h's range
         * is reported as a documentation error) */
        int okrange = q.ssq == 0.0 ? mpfr_zero_p(W->x)
                                   : q.ssq >= 0.25 && q.ssq <= (double)I->n * (1 + 0x1p-40);
        double e = gn_mp_ulps(q.ssq, W->y);
        if (!okrange)
            e = INFINITY;
        val_acc_add(&C->acc[Q_SUMSQ], e, W->k, "%s ssq=%a e=%d", buf, q.ssq, q.e);
    } else {
        val_acc_add(&C->acc[Q_SUMSQ], 0.0, W->k, "%s", buf);
    }
}

/* the row "closed_vs_system": an MPFR closed form against its system's solution */
static void closed_add(ctx *C, const inst *I, const char *what, mpfr_srcptr closed,
                       mpfr_srcptr sys, size_t n)
{
    char buf[480];
    describe(buf, sizeof buf, I, 0);
    val_acc_add(&C->acc[Q_CLOSED], rel200(closed, sys, n, C->prec), 1.0, "%s: %s", what, buf);
}

/* |j|^2, xi, the damped direction (one solve of (3.11), kept in D for delta, the step and
 * Adam-IGND), delta_damped and the Moore-Penrose direction (minimum-norm solution of (3.8)) */
static void check_rank1(ctx *C, const inst *I, work *W)
{
    const val_impl *im = C->im;
    size_t n = I->n;
    int k = W->k;
    double v;
    gn_status sc = im->norm2sq(&v, I->j, n);
    gn_status sr = gn_mp_norm2sq(W->x, W->J, n, MPFR_RNDN);
    scal_check(C, Q_NORM2SQ, I, sc, v, sr, W->x, k + 1);

    sc = im->xi(&v, I->j, n, I->lpp, I->dmp);
    sr = gn_mp_xi(W->x, W->J, n, W->lpp, &W->Dm, MPFR_RNDN);
    scal_check(C, Q_XI, I, sc, v, sr, W->x, k + 4);
    if (C->closed_check && sr == GN_OK) {
        gn_mp_xi_closed(W->y, W->J, n, W->lpp, &W->Dm, MPFR_RNDN);
        closed_add(C, I, "xi", W->y, W->x, 1);
    }

    sc = im->dir_damped(W->got, I->j, n, I->lp, I->lpp, I->dmp);
    sr = gn_mp_dir_damped(W->D, W->J, n, W->lp, W->lpp, &W->Dm, MPFR_RNDN);
    vec_check(C, Q_DIR_DAMPED, I, sc, W->got, sr, W->D, NULL, W->D, k + 5);
    W->sdir = sr;
    if (C->closed_check && sr == GN_OK) {
        gn_mp_dir_damped_closed(W->X, W->J, n, W->lp, W->lpp, &W->Dm, MPFR_RNDN);
        closed_add(C, I, "dir_damped", W->X, W->D, n);
    }

    /* delta_damped = alpha j^T d */
    sc = im->delta_damped(&v, I->j, n, I->lp, I->lpp, I->alpha, I->dmp);
    if (W->sdir == GN_OK && n) {
        mpfr_set_zero(W->x, 1);
        for (size_t i = 0; i < n; i++)
            mpfr_fma(W->x, W->J + i, W->D + i, W->x, MPFR_RNDN);
        mpfr_mul(W->x, W->x, W->al, MPFR_RNDN);
        sr = mpfr_number_p(W->al) ? (I->alpha > 0 ? GN_OK : GN_EDOM) : GN_ENONFINITE;
        if (!isfinite(I->alpha))
            sr = GN_ENONFINITE;
    } else {
        sr = W->sdir;
    }
    scal_check(C, Q_DELTA_DAMPED, I, sc, v, sr, W->x, k + 6);

    sc = im->dir_mp(W->got, I->j, n, I->lp, I->lpp);
    sr = gn_mp_dir_pinv(W->X, W->J, n, W->lp, W->lpp, MPFR_RNDN);
    vec_check(C, Q_DIR_MP, I, sc, W->got, sr, W->X, NULL, W->X, k + 3);
    if (C->closed_check && sr == GN_OK) {
        gn_mp_dir_pinv_closed(W->R, W->J, n, W->lp, W->lpp, MPFR_RNDN);
        closed_add(C, I, "dir_mp", W->R, W->X, n);
    }
}

/* delta (4.1) on the core's own (w, w+ = got) */
static void check_delta(ctx *C, const inst *I, work *W)
{
    size_t n = I->n;
    double dl;
    gn_status s1 = gn_delta(&dl, I->j, W->got, I->w, n);
    mpfr_t sum, t;
    mpfr_inits2(C->prec, sum, t, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    mpfr_set_zero(W->x, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(t, W->got[i], MPFR_RNDN);
        mpfr_sub_d(t, t, I->w[i], MPFR_RNDN);
        mpfr_mul(t, t, W->J + i, MPFR_RNDN);
        mpfr_add(W->x, W->x, t, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(sum, sum, t, MPFR_RNDN);
    }
    char buf[480];
    describe(buf, sizeof buf, I, 0);
    gn_status want = beyond_double(W->x) ? GN_ERANGE : GN_OK;
    if (s1 != want && !(s1 == GN_ERANGE && beyond_double(sum))) {
        val_acc_status(&C->acc[Q_DELTA], s1, want, "%s", buf);
    } else if (s1 == GN_OK) {
        /* |err| / (u sum|terms| + 2^-1074) */
        mpfr_sub_d(t, W->x, dl, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_mul_2si(sum, sum, -53, MPFR_RNDN);
        mpfr_set_ui_2exp(W->x, 1, -1074, MPFR_RNDN);
        mpfr_add(sum, sum, W->x, MPFR_RNDN);
        mpfr_div(t, t, sum, MPFR_RNDU);
        val_acc_add(&C->acc[Q_DELTA], mpfr_get_d(t, MPFR_RNDU), W->k + 1, "%s", buf);
    } else {
        val_acc_add(&C->acc[Q_DELTA], 0.0, W->k + 1, "%s", buf);
    }
    mpfr_clears(sum, t, (mpfr_ptr)0);
}

/* the IGND steps, undamped (w + alpha d_MP) and damped (w + alpha d, with delta (4.1) on
 * the core's result) */
static void check_ignd(ctx *C, const inst *I, work *W)
{
    const val_impl *im = C->im;
    size_t n = I->n;
    start_at_w(W, I);
    gn_status sc = im->step_ignd_undamped(W->got, I->j, n, I->lp, I->lpp, I->alpha);
    gn_status sr = gn_mp_step_ignd_undamped(W->R, W->J, n, W->lp, W->lpp, W->al, MPFR_RNDN);
    step_of(W->S, W->R, I->w, n);
    vec_check(C, Q_UNDAMPED, I, sc, W->got, sr, W->R, I->w, W->S, W->k + 5);

    if (n)
        memcpy(W->got, I->w, n * sizeof *W->got);
    sc = im->step_ignd(W->got, I->j, n, I->lp, I->lpp, I->alpha, I->dmp);
    sr = W->sdir;
    if (sr == GN_OK && !isfinite(I->alpha))
        sr = GN_ENONFINITE;
    else if (sr == GN_OK && !(I->alpha > 0.0))
        sr = GN_EDOM;
    if (sr == GN_OK && !gn_allfinite(I->w, n))
        sr = GN_ENONFINITE;
    for (size_t i = 0; i < n && sr == GN_OK; i++) {
        mpfr_mul(W->S + i, W->D + i, W->al, MPFR_RNDN);
        mpfr_add_d(W->R + i, W->S + i, I->w[i], MPFR_RNDN);
    }
    vec_check(C, Q_IGND, I, sc, W->got, sr, W->R, I->w, W->S, W->k + 7);
    if (sc == GN_OK && n)
        check_delta(C, I, W);
}

/* SGD, normalised gradient, SPS and NLMS (e = -lp, eta = alpha, eps = lambda) */
static void check_first_order(ctx *C, const inst *I, work *W)
{
    size_t n = I->n;
    int k = W->k;
    start_at_w(W, I);
    gn_status sc = gn_step_sgd(W->got, I->j, n, I->lp, I->alpha);
    gn_status sr = gn_mp_step_sgd(W->R, W->J, n, W->lp, W->al, MPFR_RNDN);
    step_of(W->S, W->R, I->w, n);
    vec_check(C, Q_SGD, I, sc, W->got, sr, W->R, I->w, W->S, 3);

    start_at_w(W, I);
    sc = gn_step_normgrad(W->got, I->j, n, I->lp, I->alpha);
    sr = gn_mp_step_normgrad(W->R, W->J, n, W->lp, W->al, MPFR_RNDN);
    step_of(W->S, W->R, I->w, n);
    vec_check(C, Q_NORMGRAD, I, sc, W->got, sr, W->R, I->w, W->S, (k + 1) / 2 + 4);

    mpfr_t l, ls, c, gm;
    mpfr_inits2(53, l, ls, c, gm, (mpfr_ptr)0);
    mpfr_set_d(l, I->l, MPFR_RNDN);
    mpfr_set_d(ls, I->lstar, MPFR_RNDN);
    mpfr_set_d(c, I->c, MPFR_RNDN);
    mpfr_set_d(gm, I->gmax, MPFR_RNDN);
    start_at_w(W, I);
    sc = gn_step_sps(W->got, I->j, n, I->l, I->lstar, I->lp, I->c, I->gmax);
    sr = gn_mp_step_sps(W->R, W->J, n, l, ls, W->lp, c, gm, MPFR_RNDN);
    step_of(W->S, W->R, I->w, n);
    vec_check(C, Q_SPS, I, sc, W->got, sr, W->R, I->w, W->S, k + 8);
    mpfr_clears(l, ls, c, gm, (mpfr_ptr)0);

    start_at_w(W, I);
    sc = C->im->step_nlms(W->got, I->j, n, -I->lp, I->alpha, I->dmp.lambda);
    mpfr_neg(W->x, W->lp, MPFR_RNDN);
    sr = gn_mp_step_nlms(W->R, W->J, n, W->x, W->al, W->Dm.lambda, MPFR_RNDN);
    step_of(W->S, W->R, I->w, n);
    vec_check(C, Q_NLMS, I, sc, W->got, sr, W->R, I->w, W->S, k + 5);
}

/* st: I->adam_steps core Adam steps from zero on random gradients of the sample's scale */
static void adam_warm(gn_adam *st, double *wtmp, double *g, const inst *I)
{
    size_t n = I->n;
    gn_rng r;
    gn_rng_seed(&r, I->seed ^ 0xada3ull, I->stream);
    memcpy(wtmp, I->w, n * sizeof *wtmp);
    double gs = 0.0;
    for (size_t i = 0; i < n; i++)
        gs = fmax(gs, fabs(I->lp * I->j[i]));
    if (!(gs > 1e-150 && gs < 1e150))
        gs = gs >= 1e150 ? 1e150 : 1.0;
    for (int s = 0; s < I->adam_steps; s++) {
        for (size_t i = 0; i < n; i++)
            g[i] = gs * gn_rng_normal(&r);
        gn_step_adam(st, wtmp, g, &I->ap);
    }
}

static void adam_copy(gn_adam *dst, const gn_adam *src, size_t n)
{
    dst->t = src->t;
    memcpy(dst->m, src->m, n * sizeof(double));
    memcpy(dst->v, src->v, n * sizeof(double));
}

/* Adam and Adam-IGND from one warmed state */
static void check_adam(ctx *C, const inst *I, work *W)
{
    size_t n = I->n;
    mpfr_prec_t P = C->prec;
    gn_adam *st = gn_adam_alloc(n), *st0 = gn_adam_alloc(n);
    gn_mp_adam *mst = gn_mp_adam_alloc(n, P);
    double *g = malloc(n * sizeof *g), *wtmp = malloc(n * sizeof *wtmp);
    if (st && st0 && mst && g && wtmp) {
        adam_warm(st, wtmp, g, I);
        for (size_t i = 0; i < n; i++)
            g[i] = I->lp * I->j[i]; /* the gradient of this sample (rounded once) */
        adam_copy(st0, st, n);
        memcpy(W->got, I->w, n * sizeof *W->got);
        gn_status sc = gn_step_adam(st, W->got, g, &I->ap);
        gn_mp_adam_set(mst, st0);
        mpfr_ptr G = gn_mp_vec_alloc(n, 53);
        gn_mp_vec_set_d(G, g, n);
        for (size_t i = 0; i < n; i++)
            mpfr_set_d(W->R + i, I->w[i], MPFR_RNDN);
        gn_status sr = gn_mp_step_adam(mst, W->R, G, &I->ap, MPFR_RNDN);
        adam_check(C, Q_ADAM, I, sc, W->got, sr, W->R, st0, g, 0.0);
        adam_copy(st, st0, n);
        start_at_w(W, I);
        sc = C->im->step_adam_ignd(st, W->got, I->j, I->lp, I->lpp, I->dmp, &I->ap);
        gn_mp_adam_set(mst, st0);
        sr = gn_mp_step_adam_ignd(mst, W->R, W->J, W->lp, W->lpp, &W->Dm, &I->ap, MPFR_RNDN);
        /* g~ for the bound's scales: the exact xi g rounded */
        if (W->sdir == GN_OK)
            for (size_t i = 0; i < n; i++)
                g[i] = -mpfr_get_d(W->D + i, MPFR_RNDN);
        adam_check(C, Q_ADAM_IGND, I, sc, W->got, sr, W->R, st0, g, W->k + 5);
        gn_mp_vec_free(G, n);
    }
    gn_adam_free(st);
    gn_adam_free(st0);
    gn_mp_adam_free(mst);
    free(g);
    free(wtmp);
}

static void run_instance(ctx *C, const inst *I)
{
    size_t n = I->n, nn = n ? n : 1;
    mpfr_prec_t P = C->prec;
    work W;
    W.k = gn_sum_bound_k(n);
    W.J = gn_mp_vec_alloc(nn, 53);
    W.R = gn_mp_vec_alloc(nn, P);
    W.S = gn_mp_vec_alloc(nn, P);
    W.D = gn_mp_vec_alloc(nn, P);
    W.X = gn_mp_vec_alloc(nn, P);
    W.got = malloc(nn * sizeof *W.got);
    if (W.J && W.R && W.S && W.D && W.X && W.got) {
        if (n)
            gn_mp_vec_set_d(W.J, I->j, n);
        mpfr_inits2(P, W.lp, W.lpp, W.al, W.x, W.y, (mpfr_ptr)0);
        mpfr_set_d(W.lp, I->lp, MPFR_RNDN);
        mpfr_set_d(W.lpp, I->lpp, MPFR_RNDN);
        mpfr_set_d(W.al, I->alpha, MPFR_RNDN);
        gn_mp_damping_init_set(&W.Dm, I->dmp, P);
        check_sumsq(C, I, &W);
        check_rank1(C, I, &W);
        check_ignd(C, I, &W);
        check_first_order(C, I, &W);
        if (I->adam_steps > 0 && n)
            check_adam(C, I, &W);
        gn_mp_damping_clear(&W.Dm);
        mpfr_clears(W.lp, W.lpp, W.al, W.x, W.y, (mpfr_ptr)0);
    }
    mpfr_ptr vecs[] = {W.J, W.R, W.S, W.D, W.X};
    for (size_t q = 0; q < sizeof vecs / sizeof *vecs; q++)
        gn_mp_vec_free(vecs[q], nn);
    free(W.got);
}

static void ctx_init(ctx *C, const val_opts *o, int edge)
{
    for (int q = 0; q < NQ; q++)
        val_acc_init(&C->acc[q], edge ? "edge" : qinfo[q].section, qinfo[q].name,
                     qinfo[q].measure, 0);
    C->im = val_impl_get(o->inject);
    C->prec = o->prec;
    C->closed_check = 0;
}

/* ----------------------------------------------------------- random set */

static void draw(inst *I, uint64_t seed, uint64_t stream, size_t nmax)
{
    gn_rng r;
    gn_rng_seed(&r, seed, stream);
    memset(I, 0, sizeof *I);
    I->seed = seed;
    I->stream = stream;
    size_t n = val_size(&r, nmax);
    I->n = n;
    I->j = malloc(n * sizeof(double));
    I->w = malloc(n * sizeof(double));
    double s = val_logu(&r, -150, 150);
    for (size_t i = 0; i < n; i++)
        I->j[i] = gn_rng_uniform(&r) < 0.03 ? 0.0 : s * gn_rng_normal(&r);
    double u = gn_rng_uniform(&r);
    I->lp = u < 0.05 ? 0.0 : (u < 0.5 ? -1 : 1) * val_logu(&r, -20, 20);
    u = gn_rng_uniform(&r);
    I->lpp = u < 0.1 ? 0.0 : val_logu(&r, -20, 20);
    I->dmp.mu = gn_rng_uniform(&r) < 0.3 ? 0.0 : val_logu(&r, -10, 10);
    double A = I->lpp + I->dmp.mu, S = (double)n * s * s;
    double ref = A > 0.0 ? A * S : S;
    if (!(ref > 1e-300) || !(ref < 1e300))
        ref = ref > 1.0 ? 1e300 : 1e-300;
    double lam = ref * val_logu(&r, -20, 20);
    I->dmp.lambda = fmin(fmax(lam, 1e-300), 1e300);
    I->alpha = val_logu(&r, -4, 0);
    /* w: components on the scale of the damped step, 10^-3 .. 10^3 of it, random sign */
    double step = fabs(I->alpha * I->lp) * s * sqrt((double)n) /
                  (A * S + I->dmp.lambda);
    if (!(step > 1e-300 && step < 1e300))
        step = 1.0;
    double ws = step * val_logu(&r, -3, 3);
    for (size_t i = 0; i < n; i++)
        I->w[i] = ws * gn_rng_normal(&r);
    /* SPS: l - l* >= 0 on a log scale, c and an optional cap */
    I->lstar = gn_rng_uniform(&r) < 0.5 ? 0.0 : val_logu(&r, -5, 5);
    I->l = I->lstar + val_logu(&r, -10, 10);
    I->c = val_logu(&r, -2, 2);
    I->gmax = gn_rng_uniform(&r) < 0.5 ? INFINITY : val_logu(&r, -40, 40);
    /* Adam on a quarter of the instances */
    I->adam_steps = gn_rng_uniform(&r) < 0.25 ? 1 + (int)(4 * gn_rng_uniform(&r)) : 0;
    I->ap = gn_adam_params_default();
    I->ap.beta1 = gn_rng_uniform(&r) < 0.5 ? 0.9 : 0.5 + 0.49 * gn_rng_uniform(&r);
    I->ap.beta2 = gn_rng_uniform(&r) < 0.5 ? 0.999 : 0.9 + 0.0999 * gn_rng_uniform(&r);
    I->ap.alpha = val_logu(&r, -4, 0);
    I->ap.eps = val_logu(&r, -12, -4);
}

static void inst_free(inst *I)
{
    free(I->j);
    free(I->w);
}

size_t val_rank1(val_row *rows, size_t cap, const val_opts *o)
{
    ctx C;
    ctx_init(&C, o, 0);
    if (!C.im)
        return 0;
    size_t count = val_count(600, o->scale);
    for (size_t i = val_next(o, 0, count); i < count; i = val_next(o, i + 1, count)) {
        if (!o->quiet && (i % 8 == 0 || i + 1 == count))
            gn_io_progress("validate rank1/optim", i + 1, count);
        inst I;
        draw(&I, o->seed, i, 10000);
        C.closed_check = (i % 4 == 0);
        run_instance(&C, &I);
        inst_free(&I);
    }
    if (!o->quiet)
        gn_io_progress_done();
    return val_acc_emit(rows, cap, C.acc, NQ, o);
}

/* --------------------------------------------------------------- edge set */

typedef struct {
    const char *tag;
    size_t n;
    double jfill; /* j_i = jfill * pattern(i), or pattern list below */
    const double *jlist;
    double lp, lpp, alpha, lambda, mu;
    double wscale;
} edge_def;

static const double sub_j[] = {0x1p-1074, -1e-310, 3e-320, 2.2e-308};
static const double big_j[] = {1e308, -1.7e308, 1e300};
static const double mix_j[] = {1e150, 1e-150, 1.0, -1e-300};

static const edge_def edges[] = {
    {"j=0", 5, 0.0, NULL, 1.5, 2.0, 0.5, 1e-3, 0.5, 1.0},
    {"lp=0", 7, 1.0, NULL, 0.0, 2.0, 0.5, 1e-3, 0.5, 1.0},
    {"lpp=0", 6, 1.0, NULL, 0.75, 0.0, 0.5, 1e-2, 0.0, 1.0},
    {"lpp=0 mu>0", 6, 1.0, NULL, 0.75, 0.0, 0.5, 1e-2, 3.0, 1.0},
    {"subnormal j", 4, 0.0, sub_j, 1.0, 1.0, 0.5, 1e-300, 0.0, 1e-300},
    {"subnormal j lambda=1", 4, 0.0, sub_j, 1.0, 1.0, 0.5, 1.0, 0.25, 1e-310},
    {"near-overflow j", 3, 0.0, big_j, 1.0, 1.0, 0.5, 1.0, 0.0, 1e-300},
    {"lambda=1e-300", 8, 1e-100, NULL, 1e-50, 1.0, 0.5, 1e-300, 0.0, 1e-150},
    {"lambda=1e300", 8, 1.0, NULL, 1e10, 1.0, 0.5, 1e300, 0.0, 1e-290},
    {"lambda=1e300 mu", 8, 1.0, NULL, 1e10, 1.0, 0.5, 1e300, 1e20, 1e-290},
    {"xi trap 1e200(1,1,1)", 3, 1e200, NULL, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0},
    {"tiny j 1e-160", 10, 1e-160, NULL, 1.0, 1.0, 0.5, 1e-300, 0.0, 1e160},
    {"huge j 1e160", 10, 1e160, NULL, 1.0, 1.0, 0.5, 1.0, 0.0, 1e-160},
    {"mixed scales", 4, 0.0, mix_j, 2.0, 3.0, 0.5, 1e-3, 0.1, 1e-150},
    {"n=1e4 |j|^2 overflows", 10000, 1e153, NULL, 1.0, 1.0, 0.5, 1.0, 0.0, 1e-160},
    {"n=1e4 j 1e-155", 10000, 1e-155, NULL, 1.0, 1.0, 0.5, 1e-300, 0.0, 1e150},
    /* SPS with l = l*: gamma = 0, so no step whatever the cap (cap set below) */
    {"sps l=l* capped", 5, 1.0, NULL, 0.5, 1.0, 0.5, 1.0, 0.0, 1.0},
    /* SPS with l - l* beyond DBL_MAX while the step is ~1e198: no intermediate overflow */
    {"sps l-l* overflows", 5, 1e100, NULL, 1e10, 1.0, 0.5, 1.0, 0.0, 1e150},
    /* bad input: the status must be the named error */
    {"lambda=0", 4, 1.0, NULL, 1.0, 1.0, 0.5, 0.0, 0.0, 1.0},
    {"lambda<0", 4, 1.0, NULL, 1.0, 1.0, 0.5, -1.0, 0.0, 1.0},
    {"mu<0", 4, 1.0, NULL, 1.0, 1.0, 0.5, 1.0, -1.0, 1.0},
    {"lpp<0", 4, 1.0, NULL, 1.0, -1.0, 0.5, 1.0, 0.0, 1.0},
    {"lp=NaN", 4, 1.0, NULL, NAN, 1.0, 0.5, 1.0, 0.0, 1.0},
    {"lambda=inf", 4, 1.0, NULL, 1.0, 1.0, 0.5, INFINITY, 0.0, 1.0},
    {"alpha=0", 4, 1.0, NULL, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0},
    {"n=0", 0, 1.0, NULL, 1.0, 1.0, 0.5, 1.0, 0.0, 1.0},
};

size_t val_edge(val_row *rows, size_t cap, const val_opts *o)
{
    ctx C;
    ctx_init(&C, o, 1);
    if (!C.im)
        return 0;
    size_t ne = sizeof edges / sizeof edges[0];
    for (size_t e = 0; e < ne; e++) {
        if (!val_mine(o, e, ne))
            continue;
        const edge_def *E = &edges[e];
        inst I;
        memset(&I, 0, sizeof I);
        snprintf(I.tag, sizeof I.tag, "%s", E->tag);
        I.n = E->n;
        size_t nn = E->n ? E->n : 1;
        I.j = calloc(nn, sizeof(double));
        I.w = calloc(nn, sizeof(double));
        gn_rng r;
        gn_rng_seed(&r, o->seed, 1000000 + e);
        for (size_t i = 0; i < E->n; i++) {
            I.j[i] = E->jlist ? E->jlist[i] : E->jfill * (1.0 + 0.25 * gn_rng_normal(&r));
            I.w[i] = E->wscale * gn_rng_normal(&r);
        }
        if (!strncmp(E->tag, "xi trap", 7))
            for (size_t i = 0; i < E->n; i++)
                I.j[i] = E->jfill;
        I.lp = E->lp;
        I.lpp = E->lpp;
        I.alpha = E->alpha;
        I.dmp.lambda = E->lambda;
        I.dmp.mu = E->mu;
        I.l = 2.0;
        I.lstar = 0.5;
        I.c = 0.5;
        I.gmax = INFINITY;
        if (!strcmp(E->tag, "sps l=l* capped")) {
            I.l = I.lstar = 1.0;
            I.gmax = 1e-5;
        }
        if (!strcmp(E->tag, "sps l-l* overflows")) {
            I.l = 1e308;
            I.lstar = -1e308;
        }
        I.adam_steps = E->n > 0 && E->n < 100 ? 2 : 0;
        I.ap = gn_adam_params_default();
        I.seed = o->seed;
        I.stream = 1000000 + e;
        C.closed_check = 0;
        run_instance(&C, &I);
        inst_free(&I);
    }
    return val_acc_emit(rows, cap, C.acc, NQ, o);
}
