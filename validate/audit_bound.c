/* audit_bound.c: B, the rounding-error bound a recorded step must meet (val_audit_bound). */
#include "val_audit.h"

#include <math.h>

#define HAS(r, f) ((r)->has_s >> (f) & 1u)

double val_audit_unit(gn_io_trace_dtype t) { return t == GN_IO_TRACE_F32 ? 0x1p-24 : 0x1p-53; }

/* gamma-style bound: an implementation whose step component s^_i = s_i (1 + th),
 * |th| <= gamma_k = k u / (1 - k u), then rounds w_i + s^_i once, errs by at most
 *   u |w_i + s_i| + gamma_k (1 + u) |s_i| <= u (|w_i| + |s_i|) (1 + (1 + u) k / (1 - k u)),
 * i.e. B = 1 + (1 + u) k / (1 - k u) units; vacuous (inf) once k u >= 1/2.
 * k counts the roundings on the path of s_i (Higham's counting, sums of n nonnegative
 * terms as n), per method:
 *   sgd, g recorded    2       alpha's conversion to the type, alpha g_i
 *   sgd, lp j          3       + lp j_i
 *   normgrad           n + 4   |j|^2 (n), sqrt, alpha/|j|, * j_i, alpha's conversion
 *   sps                n + 9   |j|^2, c lp^2 (2), * S, l - lstar, /, * lp, * j_i, 2 conversions
 *   nlms               n + 7   |x|^2, eps +, eta e, /, * x_i, 2 conversions (+1 if e = y - f)
 *   ignd               n + 10  |j|^2, lpp + mu, * S, + lambda, 1/, alpha lp xi (2), * j_i,
 *                              3 conversions (alpha, lambda, mu)
 *   ignd_undamped      n + 5   |j|^2, lpp S, 1/, alpha lp (1), * j_i, 1 conversion
 * For Adam the measure uses A_i = alpha (b1|m_i| + (1-b1)|g_i|) / bc1 / (sqrt(v^_i) + eps)
 * >= |s_i| (the recursion's magnitude: m+ may cancel), and relative to A_i:
 *   m+ 3 (two products and a sum, absolute in b1|m| + (1-b1)|g|); bc = 1 - b^t with b^t
 *   formed by up to t - 1 roundings (repeated multiplication, as TF.js does; pow does
 *   better) and, in float32, from a rounded b (relative t u more), then 1 - b^t (exact by
 *   Sterbenz when b^t >= 1/2, else 1 rounding): relative (t - 1 [+ t]) cond + 1,
 *   cond = b^t/(1 - b^t);
 *   m^ 1; v+ 5 (relative: all terms >= 0); sqrt(v+/bc2) as one sqrt of a quotient or as
 *   PyTorch's quotient of two sqrts: at most (5 + kbc2)/2 + 3; + eps 1;
 *   the ratio 1; alpha 1. In float32 the conversions of alpha, b1, b2, eps add 4, and
 *   (1 - b) formed from a rounded b adds b/(1 - b) (for b1 in m+, halved for b2 under the sqrt).
 *   A recorded g enters exactly; g = lp j adds 1 rounding to g, i.e. 1 on the m path and 2
 *   on v's (1 after the sqrt): 2. Adam-IGND's g~ = xi lp j carries k_g = n + 8 (ignd's count
 *   without alpha and its conversion), entering the same way: 2 k_g.
 * Loss terms, when l', l'' are derived from (loss, f, y) instead of recorded, add the error
 * of the implementation's own derivatives (the step is linear in l'; l'' enters the
 * denominator with a factor <= 1): squared l' = f - y 1; BCE l' = sigma(f) - y with sigma
 * to 4 roundings: 4 p/|p - y| + 1, l'' = p (1 - p) from a rounded p:
 * 9 + 4 max(p/(1-p), (1-p)/p); SPS's l from the stable form: 4 (|f| + 1)/l, scaled by
 * l/(l - lstar). Large values are honest: record l', l'' when auditing extreme logits. */
double val_audit_bound(const val_audit_work *wk, const gn_io_trace_rec *r)
{
    const val_audit_facts *fx = val_audit_work_facts(wk);
    double n = (double)r->n, u = val_audit_unit(r->dtype);
    int f32 = r->dtype == GN_IO_TRACE_F32;
    double k = 0.0;
    switch (r->method) {
    case GN_IO_TRACE_M_SGD:
        k = fx->g_given ? 2.0 : 3.0;
        break;
    case GN_IO_TRACE_M_NORMGRAD:
        k = n + 4.0;
        break;
    case GN_IO_TRACE_M_SPS:
        k = n + 9.0;
        break;
    case GN_IO_TRACE_M_NLMS:
        k = n + 7.0 + (fx->e_derived ? 1.0 : 0.0);
        break;
    case GN_IO_TRACE_M_IGND:
        k = n + 10.0;
        break;
    case GN_IO_TRACE_M_IGND_UNDAMPED:
        k = n + 5.0;
        break;
    case GN_IO_TRACE_M_ADAM:
    case GN_IO_TRACE_M_ADAM_IGND: {
        double b1 = r->s[GN_IO_TRACE_S_BETA1], b2 = r->s[GN_IO_TRACE_S_BETA2], t = r->s[GN_IO_TRACE_S_T] + 1.0;
        double p1 = pow(b1, t), p2 = pow(b2, t);
        double c1 = p1 / (1.0 - p1), c2 = p2 / (1.0 - p2);
        double rb = (t - 1.0) + (f32 ? t : 0.0);
        double kbc1 = rb * c1 + 1.0, kbc2 = rb * c2 + 1.0;
        /* the denominator: sqrt(v+/bc2) (v+ and bc2's errors halved, the division, the
         * sqrt) or PyTorch's sqrt(v+)/sqrt(bc2) (each sqrt 1, the division 1): the larger,
         * (5 + kbc2)/2 + 3, then + eps 1 */
        k = 3.0 + kbc1 + 1.0 + (5.0 + kbc2) / 2.0 + 3.0 + 1.0 + 1.0 + 1.0;
        if (f32)
            k += 4.0 + b1 / (1.0 - b1) + 0.5 * b2 / (1.0 - b2);
        if (r->method == GN_IO_TRACE_M_ADAM_IGND)
            k += 2.0 * (n + 8.0);
        else if (!fx->g_given)
            k += 2.0;
        break;
    }
    default:
        return INFINITY;
    }
    if (fx->lp_derived) {
        if (r->loss == GN_LOSS_SQUARED)
            k += 1.0;
        else /* |p - y| from the MPFR l' itself (no cancellation) */
            k += 4.0 * fx->p / fabs(fx->lp) + 1.0;
    }
    if (fx->lpp_derived && r->loss == GN_LOSS_BCE)
        k += 9.0 + 4.0 * fmax(fx->p / fx->q, fx->q / fx->p);
    if (fx->l_derived && r->method == GN_IO_TRACE_M_SPS) {
        double l = fx->l;
        double lstar = HAS(r, GN_IO_TRACE_S_LSTAR) ? r->s[GN_IO_TRACE_S_LSTAR] : 0.0;
        k += fx->kl * l / (l - lstar);
    }
    if (!(k * u < 0.5))
        return INFINITY;
    return 1.0 + (1.0 + u) * k / (1.0 - k * u);
}
