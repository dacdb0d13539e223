/* audit_logging.c: the catalogue's "trace recorded wrongly" rows for one-sample traces: the
 * step is right, the record is not (item 3 of issue 17). Each has val_audit_rule's contract
 * (val_audit_variant.recompute): err in units of u_T, GN_EZERO when the row does not apply
 * to the record (then it is neutral for the diagnosis). */
#include "val_audit.h"

#include <math.h>
#include <string.h>

#include <mpfr.h>

#define HASV(r, v) ((r)->has_v >> (v) & 1u)
#define HASS(r, f) ((r)->has_s >> (f) & 1u)

/* w recorded after the update: w equals w_after component for component while the paper's
 * rule moves w (the driver tries this row only on disagreeing steps, where it does) */
gn_status val_audit_log_w_after(double *err, size_t *worst, val_audit_work *wk,
                                const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    (void)wk, (void)msg, (void)msglen;
    *worst = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[GN_IO_TRACE_V_W][i] != r->v[GN_IO_TRACE_V_WAFTER][i]) {
            *err = INFINITY;
            return GN_OK;
        }
    *err = 0.0;
    return GN_OK;
}

/* Adam's t off by one: the step recomputed with t + 1 and with t - 1, the closer kept */
gn_status val_audit_log_adam_t(double *err, size_t *worst, val_audit_work *wk,
                               const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    if (!HASS(r, GN_IO_TRACE_S_T))
        return GN_EZERO;
    gn_io_trace_rec q = *r;
    double best = INFINITY;
    size_t bw = 0;
    for (int dt = -1; dt <= 1; dt += 2) {
        q.s[GN_IO_TRACE_S_T] = r->s[GN_IO_TRACE_S_T] + dt;
        if (q.s[GN_IO_TRACE_S_T] < 0.0)
            continue;
        double e;
        size_t wv;
        gn_status st = val_audit_rule(&e, &wv, wk, &q, NULL, msg, msglen);
        if (st == GN_OK && e < best) {
            best = e;
            bw = wv;
        }
    }
    *err = best;
    *worst = bw;
    return GN_OK;
}

/* Adam's m and v recorded after the step: the recorded moments are this step's updated
 * ones, so w_after = w - alpha (m/bc1) / (sqrt(v/bc2) + eps), bc = 1 - beta^(t+1), with no
 * moment update (MPFR at 128 bits; measure as val_audit_rule's with |s_i| this step) */
gn_status val_audit_log_adam_moments(double *err, size_t *worst, val_audit_work *wk,
                                     const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    (void)wk, (void)msg, (void)msglen;
    if (!HASV(r, GN_IO_TRACE_V_M) || !HASV(r, GN_IO_TRACE_V_V) || !HASS(r, GN_IO_TRACE_S_T))
        return GN_EZERO;
    mpfr_t bc1, bc2, a, b, s;
    mpfr_inits2(128, bc1, bc2, a, b, s, (mpfr_ptr)0);
    double t1 = r->s[GN_IO_TRACE_S_T] + 1.0, u = val_audit_unit(r->dtype);
    double eta = r->dtype == GN_IO_TRACE_F32 ? 0x1p-149 : 0x1p-1074;
    mpfr_set_d(a, r->s[GN_IO_TRACE_S_BETA1], MPFR_RNDN);
    mpfr_pow_ui(a, a, (unsigned long)t1, MPFR_RNDN);
    mpfr_ui_sub(bc1, 1, a, MPFR_RNDN);
    mpfr_set_d(a, r->s[GN_IO_TRACE_S_BETA2], MPFR_RNDN);
    mpfr_pow_ui(a, a, (unsigned long)t1, MPFR_RNDN);
    mpfr_ui_sub(bc2, 1, a, MPFR_RNDN);
    double worst_e = 0.0;
    size_t wi = 0;
    for (size_t i = 0; i < r->n; i++) {
        mpfr_set_d(b, r->v[GN_IO_TRACE_V_V][i], MPFR_RNDN);
        mpfr_div(b, b, bc2, MPFR_RNDN);
        mpfr_sqrt(b, b, MPFR_RNDN);
        mpfr_add_d(b, b, r->s[GN_IO_TRACE_S_EPS], MPFR_RNDN);
        mpfr_set_d(s, r->v[GN_IO_TRACE_V_M][i], MPFR_RNDN);
        mpfr_div(s, s, bc1, MPFR_RNDN);
        mpfr_div(s, s, b, MPFR_RNDN);
        mpfr_mul_d(s, s, r->s[GN_IO_TRACE_S_ALPHA], MPFR_RNDN);
        double si = fabs(mpfr_get_d(s, MPFR_RNDN)), wv = r->v[GN_IO_TRACE_V_W][i];
        mpfr_set_d(a, wv, MPFR_RNDN);
        mpfr_sub(a, a, s, MPFR_RNDN);
        mpfr_sub_d(a, a, r->v[GN_IO_TRACE_V_WAFTER][i], MPFR_RNDN);
        double e = fabs(mpfr_get_d(a, MPFR_RNDA)) / (u * (fabs(wv) + si) + eta);
        if (!isfinite(r->v[GN_IO_TRACE_V_WAFTER][i]))
            e = INFINITY;
        if (!(e <= worst_e)) {
            worst_e = e;
            wi = i;
        }
    }
    mpfr_clears(bc1, bc2, a, b, s, (mpfr_ptr)0);
    *err = worst_e;
    *worst = wi;
    return GN_OK;
}

/* the dtype label contradicting the values: labelled float64, every vector value a float32,
 * and the step agrees with the paper's rule at float32's bound; err rescaled to the float64
 * record's units (err32 B64 / B32) so that the driver's err <= B64 is err32 <= B32 */
gn_status val_audit_log_dtype(double *err, size_t *worst, val_audit_work *wk,
                              const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    if (r->dtype != GN_IO_TRACE_F64)
        return GN_EZERO;
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if (HASV(r, v))
            for (size_t i = 0; i < r->n; i++) {
                double x = r->v[v][i];
                if (isfinite(x) && x != (double)(float)x)
                    return GN_EZERO;
            }
    double e64;
    size_t w64;
    gn_status st = val_audit_rule(&e64, &w64, wk, r, NULL, msg, msglen);
    if (st != GN_OK)
        return GN_EZERO;
    double B64 = val_audit_bound(wk, r);
    gn_io_trace_rec q = *r;
    q.dtype = GN_IO_TRACE_F32;
    st = val_audit_rule(err, worst, wk, &q, NULL, msg, msglen);
    if (st != GN_OK)
        return GN_EZERO;
    double B32 = val_audit_bound(wk, &q);
    *err = B32 < INFINITY && B32 > 0.0 ? *err * B64 / B32 : INFINITY;
    /* leave the workspace as the float64 rule left it */
    (void)val_audit_rule(&e64, &w64, wk, r, NULL, NULL, 0);
    return GN_OK;
}

/* a record repeating its neighbour: judged by the driver (val_audit_stream compares w and
 * w_after with the previous record's and tries this row on such records only) */
gn_status val_audit_log_repeated(double *err, size_t *worst, val_audit_work *wk,
                                 const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    (void)wk, (void)r, (void)msg, (void)msglen;
    *err = 0.0;
    *worst = 0;
    return GN_OK;
}
