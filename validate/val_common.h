/* val_common.h: internal to `gnlab validate` (validate/cmd_validate.c, val_*.c, mutants.c).
 * Row accumulators, instance generators, and the table of core entry points that --inject
 * swaps for known-wrong variants. */
#ifndef GN_VAL_COMMON_H
#define GN_VAL_COMMON_H

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
    gn_vrow row;
    double ratio; /* largest err / bound so far */
    int started;
} gn_vacc;

void gn_vacc_init(gn_vacc *a, const char *section, const char *quantity, const char *measure,
                  int informational);
/* add one instance: err against its bound; the worst description is formatted lazily by
 * the caller only when gn_vacc_worse says so */
int gn_vacc_worse(const gn_vacc *a, double err, double bound);
void gn_vacc_add(gn_vacc *a, double err, double bound, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* a status mismatch: counts as an instance with infinite error */
void gn_vacc_status(gn_vacc *a, gn_status got, gn_status want, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* "GN_EDOM" etc. */
const char *gn_v_status_name(gn_status s);
/* copy finished accumulators into rows (at most cap), returning the count written; rows
 * with no instance are left out, except in a sharded run (o->shard), where every shard
 * lists every row so that the shards' rows line up */
size_t gn_vacc_emit(gn_vrow *rows, size_t cap, gn_vacc *acc, size_t nacc, const gn_vopts *o);
/* gn_v_mine: does this run own instance i of a loop of n (gn_shard.h blocks)? Also records
 * i as the current instance, the tie-break of a row's worst instance. Call it for every
 * instance, before drawing it. */
int gn_v_mine(const gn_vopts *o, uint64_t i, uint64_t n);
/* gn_v_next: the first instance j >= i of a loop of n that this run owns (n if none),
 * recorded as the current instance like gn_v_mine: loops are written
 *   for (size_t i = gn_v_next(o, 0, n); i < n; i = gn_v_next(o, i + 1, n))
 * so that a shard never scans the indices it does not own. */
size_t gn_v_next(const gn_vopts *o, size_t i, size_t n);
/* the histogram bin of err / bound (validate.h GN_VHIST) */
int gn_v_hist_bin(double ratio);

/* --------------------------------------------------------- random draws */

/* log-uniform magnitude in [10^lo, 10^hi] */
double gn_v_logu(gn_rng *r, double lo, double hi);
/* instance counts: max(1, round(base * scale)) */
size_t gn_v_count(double base, double scale);
/* n log-uniform in [1, nmax] */
size_t gn_v_size(gn_rng *r, size_t nmax);

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
} gn_vimpl;

/* the table for inject (NULL or "" for the core itself); NULL if the name is unknown */
const gn_vimpl *gn_vimpl_get(const char *inject);
/* the mutant names, NULL-terminated, and a one-line description of each */
extern const char *const gn_vmutant_names[];
const char *gn_vmutant_describe(const char *name);

/* ------------------------------------------- report, shard files, merge */

/* gn_vreport: the report of rows (rows with no instance left out): the table, or JSON Lines
 * when json. Returns 0 when every row passes, else the number of failing rows (1 when no
 * row has an instance). */
size_t gn_vreport(FILE *f, const gn_vrow *rows, size_t nrows, const gn_vopts *o, int json);
/* gn_vshard_write: a shard file (gn_shard.h): header, then every row, exact (hex doubles).
 * o->shard must be set. */
void gn_vshard_write(FILE *f, const gn_vrow *rows, size_t nrows, const gn_vopts *o,
                     const char *only);
/* gn_vrow_write: row i of a shard file (the row lines gn_vshard_write writes). */
void gn_vrow_write(FILE *f, size_t i, const gn_vrow *r);
/* gn_vrow_read: one row line of a shard file; -1 on a missing or malformed field. */
int gn_vrow_read(gn_vrow *r, const char *line);
/* gn_vrow_merge: acc += part (same row of two disjoint shards): counts and histograms
 * summed, maxima kept, the worst by (largest ratio, lowest index). Exact, associative and
 * commutative. -1 if the rows are not the same quantity. */
int gn_vrow_merge(gn_vrow *acc, const gn_vrow *part);

/* ----------------------------------------------------------- sections */

size_t gn_val_rank1(gn_vrow *rows, size_t cap, const gn_vopts *o);
size_t gn_val_edge(gn_vrow *rows, size_t cap, const gn_vopts *o);
size_t gn_val_loss(gn_vrow *rows, size_t cap, const gn_vopts *o);
size_t gn_val_model(gn_vrow *rows, size_t cap, const gn_vopts *o);
size_t gn_val_dense(gn_vrow *rows, size_t cap, const gn_vopts *o);

#endif
