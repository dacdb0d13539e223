/* audit_bcatalogue.c: known wrong implementations of the mini-batch rules (MATH.md §9) and
 * the ways a mini-batch trace gets recorded wrongly, as one table. Each row is the paper's
 * rule with knobs set (val_audit_brule); a row reproduces a disagreeing step when its
 * recomputation meets the paper rule's bound there (tolerance rows: their wider bound). */
#include "val_audit.h"

#define M(x) (1u << GN_IO_BTRACE_##x)
#define GN (M(EGN) | M(LM))
#define DAMPED (M(EGN) | M(LM) | M(IGND_BATCH))
#define ALLB ((1u << GN_IO_BTRACE_NM) - 1u)
#define SOLVED (M(EGN) | M(LM) | M(GN_BATCH_UNDAMPED))

const val_audit_bvariant val_audit_bcatalogue[] = {
    {"q_wrong_side", "Q on the wrong side of K: (lambda I + K Q / b) z = r",
     SOLVED, {.qside = 1}, 0, 0, 0},
    {"b_missing", "the 1/b missing: sums for means, (lambda I + J^T Q J) d = -J^T r",
     SOLVED | M(IGND_BATCH), {.b_missing = 1}, 0, 0, 0},
    {"b_twice", "the 1/b applied twice: (lambda I + J^T Q J / b^2) d = -J^T r / b^2",
     SOLVED | M(IGND_BATCH), {.b_twice = 1}, 0, 0, 0},
    {"b_missing_curv", "the 1/b missing from the curvature only: (lambda I + Q K) z = r, d = -J^T z / b",
     SOLVED, {.b_missing_curv = 1}, 0, 0, 0},
    {"lambda_scaled_by_q", "lambda scaled by Q: (lambda Q + Q K / b) z = r",
     GN, {.lamq = 1}, 0, 0, 0},
    {"damping_inside_scale", "damping added to J J^T before the scaling: Q (K + lambda I) / b",
     GN, {.damp_inside = 1}, 0, 0, 0},
    {"lambda_missing", "lambda dropped: the undamped system where a damped one was declared",
     GN, {.no_lambda = 1}, 0, 0, 0},
    {"mu_missing", "mu not added to Q (the curvature floor left out)",
     DAMPED | M(GN_BATCH_UNDAMPED), {.no_mu = 1}, 0, 0, 0},
    {"mean_of_ignd", "the mean of per-sample IGND steps where the mini-batch GN step was declared",
     GN, {.as_ignd = 1}, 0, 0, 0},
    {"batch_gn_for_ignd", "the mini-batch GN step where the mean of per-sample IGND steps was declared",
     M(IGND_BATCH), {.as_gn = 1}, 0, 0, 0},
    {"momentum_no_dampening", "momentum without (1 - beta): v = beta v_prev + d",
     ALLB, {.mom_nodamp = 1}, 0, 0, 0},
    {"wrong_sign", "wrong sign: w_after = w - alpha v",
     ALLB, {.flip_sign = 1}, 0, 0, 0},
    {"gram_f32", "J^T Q J or J J^T formed in float32 in a float64 implementation",
     SOLVED, {.gram_f32 = 1}, 1, 0, 0},
    /* trace recorded wrongly */
    {"w_recorded_after", "w recorded after the update (w equals w_after)",
     ALLB, {.w_after_as_w = 1}, 0, 1, 0},
    {"momentum_buffer_after", "v_prev recorded after the step (it is this step's buffer)",
     ALLB, {.mom_after = 1}, 0, 1, 0},
    {"dtype_label", "labelled float64, but every value is a float32 and the step agrees at float32",
     ALLB, {.as_f32 = 1}, 0, 1, 0},
    {"repeated_record", "the record repeats its neighbour's (w and w_after as the previous record's)",
     ALLB, {0}, 0, 1, 1},
};

const size_t val_audit_nbcatalogue = sizeof val_audit_bcatalogue / sizeof val_audit_bcatalogue[0];
