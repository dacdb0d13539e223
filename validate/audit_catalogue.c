/* audit_catalogue.c: known wrong implementations of the update rules, as one table.
 *
 * When a trace disagrees with the paper's rule, `gnlab audit` recomputes each disagreeing
 * step under every variant below that applies to its method, and names the variants that
 * reproduce all of them within the same rounding bound B (plus the variant's band, if
 * any). To add a variant: write its MPFR recomputation (usually the paper's rule with
 * knobs set, through val_audit_rule; or any MPFR code with the same contract) and add a row.
 * Each row says which methods it applies to; f64_only marks variants that a float32 trace
 * cannot tell apart from rounding.
 */
#include "val_audit.h"

#include <stddef.h>

#define M(x) (1u << GN_IO_TRACE_M_##x)
#define RANK1 (M(IGND) | M(ADAM_IGND))
#define ADAMS (M(ADAM) | M(ADAM_IGND))
#define ALL ((1u << GN_IO_TRACE_NM) - 1u)
#define NORMED (M(NORMGRAD) | M(SPS) | M(NLMS) | M(IGND) | M(IGND_UNDAMPED) | M(ADAM_IGND))

#define KNOB_VARIANT(fname, ...)                                                               \
    static gn_status fname(double *err, size_t *worst, val_audit_work *wk,                      \
                           const gn_io_trace_rec *r, char *msg, size_t msglen)                    \
    {                                                                                          \
        static const val_audit_knobs k = {__VA_ARGS__};                                         \
        return val_audit_rule(err, worst, wk, r, &k, msg, msglen);                             \
    }

KNOB_VARIANT(v_mu_after, .mu_after = 1)
KNOB_VARIANT(v_no_lambda, .no_lambda = 1)
KNOB_VARIANT(v_g_norm, .g_norm = 1)
KNOB_VARIANT(v_no_lpp, .no_lpp = 1)
KNOB_VARIANT(v_undamped, .undamped = 1)
KNOB_VARIANT(v_no_bias, .no_bias = 1)
KNOB_VARIANT(v_eps_inside, .eps_inside = 1)
KNOB_VARIANT(v_xi_after, .xi_after = 1)
KNOB_VARIANT(v_f32_sumsq, .f32_sumsq = 1)
KNOB_VARIANT(v_flip_sign, .flip_sign = 1)

/* float32 accumulation of |j|^2: the recorded |j|^2 may sit anywhere within n + 1 float32
 * roundings of the exact one (any summation order), i.e. relative (n+1) 2^-24 around the
 * centre (|j|^2 rounded once to float32); the step moves by at most that relative amount of
 * |s_i|, so val_audit_rule takes (n+1) 2^-24 |s_i| off each difference (f32_sumsq = 1). The
 * centre alone (f32_sumsq = 2) decides whether a step is evidence: where |j|^2 is exact in
 * float32 the band only covers the paper's own value (audit.c). */
KNOB_VARIANT(v_f32_sumsq_centre, .f32_sumsq = 2)

const val_audit_variant val_audit_catalogue[] = {
    /* name            description
     *                 methods            f64_only recompute       centre */
    {"mu_after_outer", "mu added after the outer product: xi = 1/(l''|j|^2 + mu + lambda)",
                       RANK1,             0,       v_mu_after,     NULL, 0},
    {"lambda_missing", "lambda missing: xi = 1/((l''+mu)|j|^2)",
                       RANK1,             0,       v_no_lambda,    NULL, 0},
    {"g_norm",         "|g|^2 = l'^2 |j|^2 in place of |j|^2 in xi",
                       RANK1 | M(IGND_UNDAMPED), 0, v_g_norm,      NULL, 0},
    {"lpp_missing",    "l'' left out (as for BCE): xi = 1/(mu|j|^2 + lambda)",
                       RANK1,             0,       v_no_lpp,       NULL, 0},
    {"batch_undamped", "batch-averaged undamped per-sample normalisation: xi = 1/(l''|j|^2) "
                       "(lambda and mu dropped; one sample per record)",
                       RANK1,             0,       v_undamped,     NULL, 0},
    {"adam_no_bias",   "Adam without bias correction: m^ = m, v^ = v",
                       ADAMS,             0,       v_no_bias,      NULL, 0},
    {"adam_eps_inside","epsilon inside the square root: sqrt(v^ + eps)",
                       ADAMS,             0,       v_eps_inside,   NULL, 0},
    {"xi_after_adam",  "Adam-IGND with xi applied after Adam (Adam fed l' j, step scaled by xi)",
                       M(ADAM_IGND),      0,       v_xi_after,     NULL, 0},
    {"f32_sumsq",      "|j|^2 accumulated in float32 in a float64 implementation",
                       NORMED,            1,       v_f32_sumsq,    v_f32_sumsq_centre, 0},
    {"wrong_sign",     "wrong sign: the step added instead of subtracted",
                       ALL,               0,       v_flip_sign,    NULL, 0},
    /* the trace recorded wrongly (audit_logging.c): named as such, not as a numerical bug */
    {"w_recorded_after", "w recorded after the update (w equals w_after)",
                       ALL,               0,       val_audit_log_w_after, NULL, 1},
    {"adam_t_off_by_one", "Adam's t recorded off by one (the step agrees with t + 1 or t - 1)",
                       ADAMS,             0,       val_audit_log_adam_t, NULL, 1},
    {"adam_moments_after", "Adam's m and v recorded after the step (the step's own moments)",
                       ADAMS,             0,       val_audit_log_adam_moments, NULL, 1},
    {"dtype_label",    "labelled float64, but every value is a float32 and the step agrees "
                       "at float32",
                       ALL,               0,       val_audit_log_dtype, NULL, 1},
    {"repeated_record", "the record repeats its neighbour's (w and w_after as the previous "
                       "record's)",
                       ALL,               0,       val_audit_log_repeated, NULL, 1},
};

const size_t val_audit_ncatalogue = sizeof val_audit_catalogue / sizeof val_audit_catalogue[0];
