/* val_dg.h: the DG section of `gnlab validate` (MATH.md §9): forward errors of the
 * push-through route, the core's primal route and the explicit GSL route against an MPFR
 * solve, each against its own derived bound (see val_dg.c). */
#ifndef VAL_VAL_DG_H
#define VAL_VAL_DG_H

#include "validate.h"

/* val_dg: a val_section: forward errors of the DG direction d = -(1/b) J^T (lambda I +
 * (1/b) Q K)^-1 r (MATH.md §9; push-through and primal routes, and GSL's explicit
 * solve of the LM system as an informational row) against an MPFR solve of the LM system,
 * in err/bound units with the bounds derived in val_dg.c; informational rows give the
 * relative error and the push amplification. o->inject may name a known-wrong push-through
 * variant:
 *   "dg_qside"  Q applied on the wrong side: (lambda I + K Q / b) z = r
 *   "dg_nob"    the 1/b dropped inside the system: (lambda I + Q K) z = r
 *   "dg_lamq"   the damping scaled by Q's diagonal: (lambda diag(Q) + Q K / b) z = r
 * ("dg_qside" is also the transposed product: (Q K)^T = K Q for symmetric Q and K), each of which the section must fail (the negative controls, tests/test_dg.c). An
 * unknown name is reported as a failing row. */
size_t val_dg(val_row *rows, size_t cap, const val_opts *o);

/* the names above, NULL-terminated */
extern const char *const val_dg_mutants[];

#endif
