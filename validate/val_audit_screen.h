/* val_audit_screen.h: the audit's double-double screen (issue 16, item 3; docs/audit-screen.md).
 *
 * Most steps of a real trace agree by a wide margin, and for them the MPFR recomputation
 * (val_audit_rule) only confirms what arithmetic at twice double's precision already shows.
 * The screen recomputes a step's w_after in double-double arithmetic (error-free
 * transformations: TwoSum, TwoProd by fma) with a rigorous bound on its distance to the value
 * the MPFR rule computes, and so an interval holding the MPFR rule's err. It decides a step
 * only when that interval proves the exact audit would count it as agreeing and not as the
 * trace's largest error; every other step (disagreeing, undetermined, near a decision, the
 * running largest, out of double-double's safe range, an input error) goes to val_audit_rule,
 * so the audit's verdicts, counts, listed steps and diagnoses are those of the MPFR-only
 * audit (`gnlab audit --exact`; tests/test_audit_screen compares the two on every trace of
 * the test suite).
 */
#ifndef VAL_AUDIT_SCREEN_H
#define VAL_AUDIT_SCREEN_H

#include "val_audit.h"

/* a double-double value hi + lo, |lo| <= ulp(hi)/2 */
typedef struct {
    double hi, lo;
} val_dd;

/* What the MPFR rule resolved for a record, as double-double values for the screen. */
typedef struct {
    int uses_g;      /* the step is fed a recorded g (sgd, adam) */
    val_dd lp, lpp, l; /* l', l'' (IGND family) and l (SPS) as the rule uses them: its MPFR
                        * values to 2^-106 relative (exact when recorded); NLMS: lp = -e */
    double rel;      /* the relative error bound of lp, lpp and l above (0 or 2^-105) */
    double mp_margin; /* 2^(4 - prec): the MPFR rule's own error on w_after, relative to
                       * |w_i| + |s_i| (val_audit_rule's contract: exact to 2^-prec) */
} val_audit_screen_in;

/* val_audit_screen_prepare: the same checks and loss resolution val_audit_rule starts with
 * (one shared function), then l, l', l'' handed out as double-double. The facts that
 * val_audit_bound reads are set exactly as by val_audit_rule.
 * No equation: plumbing between the MPFR rule (audit_rules.c) and the screen.
 * Returns GN_OK; any other status means the screen must not decide the step (the exact path
 * then reports it): val_audit_rule's status for a bad record, GN_ERANGE when a value is
 * outside the range the screen's error analysis covers. */
gn_status val_audit_screen_prepare(val_audit_screen_in *in, val_audit_work *wk,
                                   const gn_io_trace_rec *r);

/* val_audit_screen: 1 when the step is decided: the MPFR rule's err (val_audit_rule, all-zero
 * knobs) is certainly <= val_audit_bound's B (the step agrees) and certainly gives
 * err / B <= largest_ratio (it is not the trace's new largest error); 0 otherwise (the caller
 * then runs val_audit_rule). largest_ratio is -inf before the first step. Leaves wk's facts
 * as val_audit_rule would.
 * The rule of MATH.md §6-§7 in the §13 measure, as val_audit_rule.
 * Method:   w_after in double-double with a rigorous error bound (derivation in
 *           audit_screen.c and docs/audit-screen.md); an upper bound e_hi on err; decided when
 *           e_hi <= B and fl(e_hi / B) <= largest_ratio.
 * Accuracy: e_hi >= the err val_audit_rule computes (including its own rounding), so a
 *           decided step is one the exact audit counts the same way.
 * Special:  0 (fail closed) for a non-finite recorded w_after, an infinite B, an undefined
 *           rule (j = 0, l' = 0, ...), a bad record, any value outside [2^-900, 2^900] where
 *           double-double's error bounds need it, SPS's cap within the error of the cap test.
 * loosen:   0 (the audit). > 0 is a deliberately unsound screen for the negative control of
 *           tests/test_audit_screen: e_hi without its error terms, times (1 - loosen). */
int val_audit_screen(val_audit_work *wk, const gn_io_trace_rec *r, double largest_ratio,
                     double loosen);

/* The records the screen sent to the exact path only because they might be the largest
 * (certainly agreeing): a record identical to one of them (the same fields, values and
 * vectors, whatever its step index or line) has the same err, which the exact path has then
 * already counted, so it is not a new largest and is decided (traces that repeat records:
 * the benchmark's replayed trace). Kept in the workspace; freed with it. */
typedef struct val_audit_screen_memo val_audit_screen_memo;

/* val_audit_work_memo: the workspace's memo slot (NULL until the screen stores one).
 * No equation: plumbing. */
val_audit_screen_memo **val_audit_work_memo(val_audit_work *wk);
/* val_audit_screen_memo_free: NULL-safe. No equation: deallocation. */
void val_audit_screen_memo_free(val_audit_screen_memo *m);

#endif
