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
 * becomes the row's worst (largest err / bound, ties to the lowest instance index). */
void val_acc_add(val_acc *a, double err, double bound, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* a status mismatch: counts as an instance with infinite error */
void val_acc_status(val_acc *a, gn_status got, gn_status want, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* "GN_EDOM" etc. */
const char *val_status_name(gn_status s);
/* copy finished accumulators into rows (at most cap), returning the count written; rows
 * with no instance are left out, except in a sharded run (o->shard), where every shard
 * lists every row so that the shards' rows line up */
size_t val_acc_emit(val_row *rows, size_t cap, val_acc *acc, size_t nacc, const val_opts *o);
/* val_mine: does this run own instance i of a loop of n (gn_io_shard.h blocks)? Also records
 * i as the current instance, the tie-break of a row's worst instance. Call it for every
 * instance, before drawing it. */
int val_mine(const val_opts *o, uint64_t i, uint64_t n);
/* val_next: the first instance j >= i of a loop of n that this run owns (n if none),
 * recorded as the current instance like val_mine: loops are written
 *   for (size_t i = val_next(o, 0, n); i < n; i = val_next(o, i + 1, n))
 * so that a shard never scans the indices it does not own. */
size_t val_next(const val_opts *o, size_t i, size_t n);
/* the histogram bin of err / bound (validate.h VAL_HIST) */
int val_hist_bin(double ratio);

/* --------------------------------------------------------- random draws */

/* log-uniform magnitude in [10^lo, 10^hi] */
double val_logu(gn_rng *r, double lo, double hi);
/* instance counts: max(1, round(base * scale)) */
size_t val_count(double base, double scale);
/* n log-uniform in [1, nmax] */
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

/* the table for inject (NULL or "" for the core itself); NULL if the name is unknown */
const val_impl *val_impl_get(const char *inject);
/* the mutant names, NULL-terminated, and a one-line description of each */
extern const char *const val_mutant_names[];
const char *val_mutant_describe(const char *name);

/* ------------------------------------------- report, shard files, merge */

/* val_report: the report of rows (rows with no instance left out): the table, or JSON Lines
 * when json. Returns 0 when every row passes, else the number of failing rows (1 when no
 * row has an instance). */
size_t val_report(FILE *f, const val_row *rows, size_t nrows, const val_opts *o, int json);
/* val_shard_write: a shard file (gn_io_shard.h): header, then every row, exact (hex doubles).
 * o->shard must be set. */
void val_shard_write(FILE *f, const val_row *rows, size_t nrows, const val_opts *o,
                     const char *only);
/* val_row_write: row i of a shard file (the row lines val_shard_write writes). */
void val_row_write(FILE *f, size_t i, const val_row *r);
/* val_row_read: one row line of a shard file; -1 on a missing or malformed field. */
int val_row_read(val_row *r, const char *line);
/* val_row_merge: acc += part (same row of two disjoint shards): counts and histograms
 * summed, maxima kept, the worst by (largest ratio, lowest index). Exact, associative and
 * commutative. -1 if the rows are not the same quantity. */
int val_row_merge(val_row *acc, const val_row *part);

/* ----------------------------------------------------------- sections */

size_t val_rank1(val_row *rows, size_t cap, const val_opts *o);
size_t val_edge(val_row *rows, size_t cap, const val_opts *o);
size_t val_loss(val_row *rows, size_t cap, const val_opts *o);
size_t val_model(val_row *rows, size_t cap, const val_opts *o);
size_t val_dense(val_row *rows, size_t cap, const val_opts *o);

#endif
