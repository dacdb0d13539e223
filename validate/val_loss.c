/* val_loss.c: the losses of core/loss.c against their definitions in MPFR (section "loss").
 *
 * Bounds (u = 2^-53, first order; "cond" = |err| / (u * scale + 2^-1074) with the scale the
 * sum of the magnitudes of the terms the core adds, so that cancellation is charged to the
 * data, not to the code):
 *  - squared l' = f - y: one correctly rounded subtraction, 0.5 ulp.
 *  - squared l = 0.5 r r with r = fl(f - y): r relative u, r r doubles it and rounds once,
 *    0.5 x is exact: 3u relative, 3 ulps (a subnormal l adds half a subnormal spacing).
 *  - BCE, e = exp(-|f|) within 1 ulp (2u relative; glibc's documented bound), 1 + e: 3u,
 *    inv = 1/(1+e): 3u, sm = e inv: 6u, sp = inv: 3u (mirrored for f < 0: both <= 6u).
 *    l'' = sp sm: 3u + 6u + u = 10u: 10 ulps.
 *    l' = (1-y) sp - y sm (or sp, -sm for y = 0, 1): (1-y) (1), times sp (1 + 6), y sm
 *    (1 + 6), the difference (1): <= 8u ((1-y) sp + y sm): cond bound 8, scale
 *    (1-y) sigma(f) + y sigma(-f).
 *  - BCE l = max(f,0) - y f + log1p(exp(-|f|)): y f (1), the difference (1), log1p of e with
 *    e's 2u and log1p's 1 ulp: 4u of T3 = log1p(e), the sum (1):
 *    |err| <= u (|yf| + |T1 - yf| + 4 T3 + |l|) <= 5u (|T1| + |yf| + T3): cond bound 5.
 *  - Bellman l' = -(r + gamma qn - q): gamma qn (1), + r (1), - q (1):
 *    <= 3u (|r| + |gamma qn| + |q|): cond bound 3. l'' = 1 exactly: bound 0 ulps.
 * Status: GN_ERANGE from the core exactly when the exact l or l' exceeds DBL_MAX (squared,
 * Bellman); otherwise the reference's status. */
#include "val_common.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { L_SQ_LP, L_SQ_L, L_BCE_L, L_BCE_LP, L_BCE_LPP, L_BELL_LP, L_BELL_LPP, NL };

static double cond_err(double got, mpfr_srcptr ex, double scale)
{
    if (!isfinite(got))
        return INFINITY;
    mpfr_t d;
    mpfr_init2(d, mpfr_get_prec(ex) + 64);
    mpfr_set_d(d, got, MPFR_RNDN);
    mpfr_sub(d, d, ex, MPFR_RNDN);
    double e = fabs(mpfr_get_d(d, MPFR_RNDU));
    mpfr_clear(d);
    return e / (0x1p-53 * scale + 0x1p-1074);
}

static int beyond(mpfr_srcptr x) { return !mpfr_zero_p(x) && mpfr_get_exp(x) > 1024; }

size_t val_loss(val_row *rows, size_t cap, const val_opts *o)
{
    val_acc A[NL];
    val_acc_init(&A[L_SQ_LP], "loss", "squared_lp", "ulp", 0);
    val_acc_init(&A[L_SQ_L], "loss", "squared_l", "ulp", 0);
    val_acc_init(&A[L_BCE_L], "loss", "bce_l", "cond", 0);
    val_acc_init(&A[L_BCE_LP], "loss", "bce_lp", "cond", 0);
    val_acc_init(&A[L_BCE_LPP], "loss", "bce_lpp", "ulp", 0);
    val_acc_init(&A[L_BELL_LP], "loss", "bellman_lp", "cond", 0);
    val_acc_init(&A[L_BELL_LPP], "loss", "bellman_lpp", "ulp", 0);
    mpfr_prec_t P = o->prec;
    gn_mp_lossval mv;
    gn_mp_lossval_init(&mv, P);
    mpfr_t f, y, a, b;
    mpfr_inits2(64, f, y, a, b, (mpfr_ptr)0);
    size_t count = val_count(3000, o->scale);
    char buf[400];
    for (size_t i = val_next(o, 0, count); i < count; i = val_next(o, i + 1, count)) {
        if (!o->quiet && (i % 256 == 0 || i + 1 == count))
            gn_io_progress("validate loss", i + 1, count);
        gn_rng r;
        gn_rng_seed(&r, o->seed ^ 0x1055ull, i);
        gn_lossval cv;
        gn_status sc, sr;
        /* squared: magnitudes 1e-300 .. 1e300, y near f a third of the time */
        double fd = (gn_rng_uniform(&r) < 0.5 ? -1 : 1) * val_logu(&r, -300, 300);
        double yd = gn_rng_uniform(&r) < 0.33 ? fd * (1 + val_logu(&r, -16, 0))
                                              : (gn_rng_uniform(&r) < 0.5 ? -1 : 1) *
                                                    val_logu(&r, -300, 300);
        mpfr_set_d(f, fd, MPFR_RNDN);
        mpfr_set_d(y, yd, MPFR_RNDN);
        sc = gn_loss_squared(&cv, fd, yd);
        sr = gn_mp_loss_squared(&mv, f, y, MPFR_RNDN);
        if (sr == GN_OK && (beyond(mv.l) || beyond(mv.lp)))
            sr = GN_ERANGE;
        snprintf(buf, sizeof buf, "seed=%llu stream=%zu f=%a y=%a", (unsigned long long)o->seed,
                 i, fd, yd);
        if (sc != sr) {
            val_acc_status(&A[L_SQ_LP], sc, sr, "%s", buf);
        } else if (sc == GN_OK) {
            val_acc_add(&A[L_SQ_LP], gn_mp_ulps(cv.lp, mv.lp), 0.5, "%s", buf);
            val_acc_add(&A[L_SQ_L], gn_mp_ulps(cv.l, mv.l), 3.0, "%s", buf);
        } else {
            val_acc_add(&A[L_SQ_LP], 0.0, 0.5, "%s", buf);
        }

        /* BCE: |f| up to 800 (beyond exp's underflow) or small; y in {0, 1} or (0, 1) */
        double fb = (gn_rng_uniform(&r) < 0.5 ? -1 : 1) *
                    (gn_rng_uniform(&r) < 0.5 ? 800.0 * gn_rng_uniform(&r)
                                              : val_logu(&r, -20, 1));
        double u = gn_rng_uniform(&r);
        double yb = u < 0.3 ? 0.0 : u < 0.6 ? 1.0 : gn_rng_uniform(&r);
        mpfr_set_d(f, fb, MPFR_RNDN);
        mpfr_set_d(y, yb, MPFR_RNDN);
        sc = gn_loss_bce(&cv, fb, yb);
        sr = gn_mp_loss_bce(&mv, f, y, MPFR_RNDN);
        snprintf(buf, sizeof buf, "seed=%llu stream=%zu f=%a y=%a", (unsigned long long)o->seed,
                 i, fb, yb);
        if (sc != sr) {
            val_acc_status(&A[L_BCE_LP], sc, sr, "%s", buf);
        } else if (sc == GN_OK) {
            /* the scales of the header comment, in double (they only normalise) */
            double e = exp(-fabs(fb)), inv = 1.0 / (1.0 + e);
            double sp = fb >= 0 ? inv : e * inv, sm = fb >= 0 ? e * inv : inv;
            double sl = fmax(fb, 0.0) + fabs(yb * fb) + log1p(e);
            double slp = (1.0 - yb) * sp + yb * sm;
            val_acc_add(&A[L_BCE_L], cond_err(cv.l, mv.l, sl), 5.0, "%s", buf);
            val_acc_add(&A[L_BCE_LP], cond_err(cv.lp, mv.lp, slp), 8.0, "%s", buf);
            val_acc_add(&A[L_BCE_LPP], gn_mp_ulps(cv.lpp, mv.lpp), 10.0, "%s", buf);
        }

        /* Bellman: magnitudes 1e-100 .. 1e100, near-cancelling targets half the time */
        double gam = gn_rng_uniform(&r) < 0.2 ? 1.0 : gn_rng_uniform(&r);
        double rr = (gn_rng_uniform(&r) < 0.5 ? -1 : 1) * val_logu(&r, -100, 100);
        double qn = (gn_rng_uniform(&r) < 0.5 ? -1 : 1) * val_logu(&r, -100, 100);
        double q = gn_rng_uniform(&r) < 0.5 ? (rr + gam * qn) * (1 + val_logu(&r, -16, -1))
                                            : val_logu(&r, -100, 100);
        mpfr_t Q, R, G, QN;
        mpfr_inits2(64, Q, R, G, QN, (mpfr_ptr)0);
        mpfr_set_d(Q, q, MPFR_RNDN);
        mpfr_set_d(R, rr, MPFR_RNDN);
        mpfr_set_d(G, gam, MPFR_RNDN);
        mpfr_set_d(QN, qn, MPFR_RNDN);
        sc = gn_bellman(&cv, q, rr, gam, qn);
        sr = gn_mp_bellman(&mv, Q, R, G, QN, MPFR_RNDN);
        if (sr == GN_OK && (beyond(mv.l) || beyond(mv.lp)))
            sr = GN_ERANGE;
        snprintf(buf, sizeof buf, "seed=%llu stream=%zu q=%a r=%a gamma=%a qnext=%a",
                 (unsigned long long)o->seed, i, q, rr, gam, qn);
        if (sc != sr) {
            val_acc_status(&A[L_BELL_LP], sc, sr, "%s", buf);
        } else if (sc == GN_OK) {
            double sc3 = fabs(rr) + fabs(gam * qn) + fabs(q);
            val_acc_add(&A[L_BELL_LP], cond_err(cv.lp, mv.lp, sc3), 3.0, "%s", buf);
            val_acc_add(&A[L_BELL_LPP], gn_mp_ulps(cv.lpp, mv.lpp), 0.0, "%s", buf);
        }
        mpfr_clears(Q, R, G, QN, (mpfr_ptr)0);
    }
    if (!o->quiet)
        gn_io_progress_done();
    mpfr_clears(f, y, a, b, (mpfr_ptr)0);
    gn_mp_lossval_clear(&mv);
    return val_acc_emit(rows, cap, A, NL, o);
}
