/* val_bench_audit.h: the audit's throughput in `make bench` (issue 16, item 3).
 *
 * For every rule of the trace format (sgd ... adam_ignd) a trace of the double core's own
 * steps (gn_step_*, all agreeing) is generated in memory (CSV; JSON Lines at 1e6) at d = 1e2,
 * 1e4 and 1e6 and audited by val_audit_stream with the double-double screen (the default)
 * and, at d = 100, also with exact = 1 (MPFR for every step, the audit before the screen);
 * printed as steps and component-steps (steps x d) per second of wall and CPU time, with the
 * screen's decided fraction. Then one 1e6-parameter IGND trace of 1,000 steps (two generated
 * records replayed through a read-only stream, so the text is never held whole) is audited
 * with its time and peak RSS. Target: >= 1e5 screened steps per second at d = 100 for every
 * rule (PASS/MISS).
 */
#ifndef VAL_BENCH_AUDIT_H
#define VAL_BENCH_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "gn_io_trace.h"

/* the target of issue 16 item 3: screened steps per second at d = 100, every rule */
#define VAL_BENCH_AUDIT_TARGET 1e5

/* val_bench_audit_trace: n_steps records of rule m at dimension d, the double core's steps
 * (gn_step_sgd ... gn_step_adam_ignd) on N(0, 1) data from seed, written to f as CSV with
 * its header (json == 0) or as JSON Lines.
 * No equation: a generated trace (the rules are MATH.md §6-§7). Returns GN_OK, GN_ENOMEM,
 * or the core step's failure. */
gn_status val_bench_audit_trace(FILE *f, gn_io_trace_method m, size_t d, size_t n_steps,
                                uint64_t seed, int json);

/* val_bench_audit: the table above on out (JSON Lines when json), the big trace with
 * big_steps steps (0: skipped). Returns 1 when every target is met, 0 when one is missed or a
 * trace does not agree (a bug: the core's own steps must agree), -1 on no memory.
 * No equation: the audit's benchmark. */
int val_bench_audit(FILE *out, int json, uint64_t seed, size_t big_steps);

#endif
