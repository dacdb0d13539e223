/* val_common.h: internal to `gnlab validate` (cli/cmd_validate.c, val_*.c, mutants.c).
 * Row accumulators, instance generators, and the table of core entry points that --inject
 * swaps for known-wrong variants. */
#ifndef VAL_VAL_COMMON_H
#define VAL_VAL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gn.h"
#include "gn_mp.h"
#include "gn_io.h"
#include "gn_jsonl.h"
#include "validate.h"

/* --------------------------------------------------------- accumulators */

/* A row being filled: max_err is the largest error, bound the largest bound over the
 * instances, pass is 1 iff every instance met ITS OWN bound (bounds depend on n through
 * k(n)); worst describes the instance with the largest err / bound. */
typedef struct {
    val_row row;
    double ratio; /* largest err / bound so far */
    int started;
} val_acc;

/* val_acc_init: an empty row of section/quantity/measure ("ulp", "mixed" = the mixed
 * forward error of MATH.md §13, "rel", "abs"); informational rows never fail. */
void val_acc_init(val_acc *a, const char *section, const char *quantity, const char *measure,
                  int informational);
/* val_acc_add: one instance, err (in the row's measure) against its bound; NaN err counts
 * as infinite; pass is kept iff err <= bound (1 + 2^-40) (first-order bounds,
 * val_common.c); fmt (printf) describes the instance and is formatted only when it
 * becomes the row's worst (largest err / bound, ties to the lowest instance index).
 * No equation: the row accumulator of every validate section. */
void val_acc_add(val_acc *a, double err, double bound, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* val_acc_status: a status mismatch: counts as an instance with infinite error.
 * No equation: the status check (the status MATH.md prescribes, gn_mp.h). */
void val_acc_status(val_acc *a, gn_status got, gn_status want, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* val_status_name: "GN_EDOM" etc. No equation: names for reports. */
const char *val_status_name(gn_status s);
/* copy finished accumulators into rows (at most cap), returning the count written; rows
 * with no instance are left out, except in a sharded run (o->shard), where every shard
 * lists every row so that the shards' rows line up
 * No equation: row plumbing. */
size_t val_acc_emit(val_row *rows, size_t cap, val_acc *acc, size_t nacc, const val_opts *o);
/* val_mine: does this run own instance i of a loop of n (gn_io_shard.h blocks)? Also records
 * i as the current instance, the tie-break of a row's worst instance. Call it for every
 * instance, before drawing it.
 * No equation: shard plumbing. */
int val_mine(const val_opts *o, uint64_t i, uint64_t n);
/* val_next: the first instance j >= i of a loop of n that this run owns (n if none),
 * recorded as the current instance like val_mine: loops are written
 *   for (size_t i = val_next(o, 0, n); i < n; i = val_next(o, i + 1, n))
 * so that a shard never scans the indices it does not own.
 * No equation: shard plumbing. */
size_t val_next(const val_opts *o, size_t i, size_t n);
/* val_hist_bin: the histogram bin of err / bound (validate.h VAL_HIST).
 * No equation: report plumbing. */
int val_hist_bin(double ratio);

/* --------------------------------------------------------- random draws */

/* val_logu: log-uniform magnitude in [10^lo, 10^hi]. No equation: random instances. */
double val_logu(gn_rng *r, double lo, double hi);
/* val_count: instance counts: max(1, round(base * scale)). No equation: campaign size. */
size_t val_count(double base, double scale);
/* val_size: n log-uniform in [1, nmax]. No equation: random instances. */
size_t val_size(gn_rng *r, size_t nmax);

/* ---------------------------------------- the entry points --inject can swap */

typedef struct {
    const char *name; /* "core" or the mutant's name */
    gn_status (*norm2sq)(double *out, const double *j, size_t n);
    gn_status (*xi)(double *xi, const double *j, size_t n, double lpp, gn_damping dmp);
    gn_status (*dir_mp)(double *d, const double *j, size_t n, double lp, double lpp);
    gn_status (*dir_damped)(double *d, const double *j, size_t n, double lp, double lpp,
                            gn_damping dmp);
    gn_status (*delta_damped)(double *delta, const double *j, size_t n, double lp, double lpp,
                              double alpha, gn_damping dmp);
    gn_status (*step_ignd)(double *w, const double *j, size_t n, double lp, double lpp,
                           double alpha, gn_damping dmp);
    gn_status (*step_ignd_undamped)(double *w, const double *j, size_t n, double lp, double lpp,
                                    double alpha);
    gn_status (*step_nlms)(double *w, const double *x, size_t n, double e, double eta,
                           double eps);
    gn_status (*step_adam_ignd)(gn_adam *st, double *w, const double *j, double lp, double lpp,
                                gn_damping dmp, const gn_adam_params *p);
} val_impl;

/* val_impl_get: the table for inject (NULL or "" for the core itself); NULL if the name
 * is unknown. No equation: the negative controls' switch (validate/mutants.c). */
const val_impl *val_impl_get(const char *inject);
/* the mutant names, NULL-terminated, and a one-line description of each */
extern const char *const val_mutant_names[];
/* val_mutant_describe: a one-line description of mutant name (NULL if unknown).
 * No equation: the mutants' catalogue. */
const char *val_mutant_describe(const char *name);

/* ------------------------------------------- report, shard files, merge */

/* val_report: the report of rows (rows with no instance left out): the table, or JSON Lines
 * when json. Returns 0 when every row passes, else the number of failing rows (1 when no
 * row has an instance).
 * No equation: report writer. */
size_t val_report(FILE *f, const val_row *rows, size_t nrows, const val_opts *o, int json);
/* val_shard_write: a shard file (gn_io_shard.h): header, then every row, exact (hex doubles).
 * o->shard must be set.
 * No equation: shard-file writer. */
void val_shard_write(FILE *f, const val_row *rows, size_t nrows, const val_opts *o,
                     const char *only);
/* val_row_write: row i of a shard file (the row lines val_shard_write writes).
 * No equation: shard-file writer. */
void val_row_write(FILE *f, size_t i, const val_row *r);
/* val_row_read: one row line of a shard file; -1 on a missing or malformed field.
 * No equation: shard-file reader. */
int val_row_read(val_row *r, const char *line);
/* val_row_merge: acc += part (same row of two disjoint shards): counts and histograms
 * summed, maxima kept, the worst by (largest ratio, lowest index). Exact, associative and
 * commutative. -1 if the rows are not the same quantity.
 * No equation: the fold of shard rows. */
int val_row_merge(val_row *acc, const val_row *part);

/* ----------------------------------------------------------- sections */

/* val_rank1: section "rank1" and "optim": the core's |j|^2, xi, directions, delta and update
 * rules against the MPFR defining systems, MATH.md (3.8)-(3.14), (4.1), (4.4), §6, §7,
 * with the bounds derived in val_rank1.c. Returns the rows written (at most cap). */
size_t val_rank1(val_row *rows, size_t cap, const val_opts *o);
/* val_edge: section "edge": the same quantities on a fixed edge set (0, subnormal, huge,
 * lpp = 0, j = 0), MATH.md §3's degenerate cases and §13's scaling. Returns the rows written. */
size_t val_edge(val_row *rows, size_t cap, const val_opts *o);
/* val_loss: section "loss": MATH.md (4.7)-(4.11) against their definitions in MPFR
 * (bounds in val_loss.c). Returns the rows written. */
size_t val_loss(val_row *rows, size_t cap, const val_opts *o);
/* val_model: section "model": the models' f and j (MATH.md (3.3), §5, §11) and their
 * fused steps against MPFR (bounds in val_model.c). Returns the rows written. */
size_t val_model(val_row *rows, size_t cap, const val_opts *o);
/* val_dense: section "dense", informational: the GSL dense route of MATH.md (3.7)-(3.12)
 * against the core and MPFR (no verdict). Returns the rows written. */
size_t val_dense(val_row *rows, size_t cap, const val_opts *o);

#endif
