/* val_dg.h: the DG section of `gnlab validate` (MATH.md §9): forward errors of the
 * push-through route, the core's primal route and the explicit GSL route against an MPFR
 * solve, each against its own derived bound (see val_dg.c). */
#ifndef GN_VAL_DG_H
#define GN_VAL_DG_H

#include "validate.h"

/* gn_val_dg: a gn_vsection. o->inject may name a known-wrong push-through variant:
 *   "dg_qside"  Q applied on the wrong side: (lambda I + K Q / b) z = r
 *   "dg_nob"    the 1/b dropped inside the system: (lambda I + Q K) z = r
 *   "dg_lamq"   the damping scaled by Q's diagonal: (lambda diag(Q) + Q K / b) z = r
 * ("dg_qside" is also the transposed product: (Q K)^T = K Q for symmetric Q and K), each of which the section must fail (the negative controls, tests/test_dg.c). An
 * unknown name is reported as a failing row. */
size_t gn_val_dg(gn_vrow *rows, size_t cap, const gn_vopts *o);

/* the names above, NULL-terminated */
extern const char *const gn_val_dg_mutants[];

#endif
