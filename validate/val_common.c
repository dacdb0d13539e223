/* val_common.c: row accumulators and random draws shared by the validate sections. */
#include "val_common.h"
#include "gn_io_shard.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void val_acc_init(val_acc *a, const char *section, const char *quantity, const char *measure,
                  int informational)
{
    memset(a, 0, sizeof *a);
    snprintf(a->row.section, sizeof a->row.section, "%s", section);
    snprintf(a->row.quantity, sizeof a->row.quantity, "%s", quantity);
    snprintf(a->row.measure, sizeof a->row.measure, "%s", measure);
    a->row.informational = informational;
    a->row.pass = 1;
    a->ratio = -1.0;
    a->row.ratio = -1.0;
}

/* the index of the instance being run (set by val_mine): the tie-break of the worst
 * instance. A file-scope variable: the sections run one at a time in one thread. */
static uint64_t v_cur;

int val_mine(const val_opts *o, uint64_t i, uint64_t n)
{
    v_cur = i;
    return gn_io_shard_mine(o->shard, i, n);
}

size_t val_next(const val_opts *o, size_t i, size_t n)
{
    uint64_t j = gn_io_shard_next(o->shard, i, n);
    v_cur = j;
    return (size_t)j;
}

int val_hist_bin(double ratio)
{
    if (ratio == 0.0)
        return 0;
    if (!(ratio < INFINITY))
        return VAL_HIST - 1;
    if (ratio < 0x1p-64)
        return 1;
    if (ratio >= 0x1p8)
        return VAL_HIST - 2;
    int e;
    frexp(ratio, &e); /* ratio in [2^(e-1), 2^e) */
    return e - 1 + 66;
}

static double ratio_of(double err, double bound)
{
    if (err != err)
        return INFINITY;
    if (bound > 0.0)
        return err / bound;
    return err > 0.0 ? INFINITY : 0.0;
}

static void add(val_acc *a, double err, double bound, const char *fmt, va_list ap)
{
    if (err != err)
        err = INFINITY;
    a->row.instances++;
    if (err > a->row.max_err)
        a->row.max_err = err;
    if (bound > a->row.bound)
        a->row.bound = bound;
    /* the bounds are first-order counts m of roundings (m u for gamma_m = m u / (1 - m u));
     * for m <= 64 the difference is below a factor 1 + 2^-45: allow 1 + 2^-40 */
    if (!a->row.informational && !(err <= bound * (1.0 + 0x1p-40)))
        a->row.pass = 0;
    double r = ratio_of(err, bound);
    a->row.hist[val_hist_bin(r)]++;
    /* the worst: the largest ratio, ties to the lowest instance index, so that the shards
     * of a campaign merge to the worst a single run reports */
    if (r > a->ratio || (r == a->ratio && v_cur < a->row.worst_index)) {
        a->ratio = r;
        a->row.ratio = r;
        a->row.worst_index = v_cur;
        vsnprintf(a->row.worst, sizeof a->row.worst, fmt, ap);
    }
}

void val_acc_add(val_acc *a, double err, double bound, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(a, err, bound, fmt, ap);
    va_end(ap);
}

static const char *sname(gn_status s)
{
    static const char *const nm[] = {"GN_OK",       "GN_EDOM",   "GN_ENEGCURV", "GN_ENONFINITE",
                                      "GN_ESIZE",    "GN_EZERO",  "GN_ERANGE",   "GN_ENOMEM",
                                      "GN_ESINGULAR", "GN_ENOTPSD", "GN_EINPUT"};
    return (unsigned)s < sizeof nm / sizeof nm[0] ? nm[s] : "?";
}

const char *val_status_name(gn_status s) { return sname(s); }

void val_acc_status(val_acc *a, gn_status got, gn_status want, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    val_acc_add(a, INFINITY, a->row.bound, "status %s (want %s): %s", sname(got), sname(want),
                buf);
}

size_t val_acc_emit(val_row *rows, size_t cap, val_acc *acc, size_t nacc, const val_opts *o)
{
    size_t k = 0;
    for (size_t i = 0; i < nacc && k < cap; i++) {
        if (acc[i].row.instances == 0 && !o->shard)
            continue;
        rows[k++] = acc[i].row;
    }
    return k;
}

double val_logu(gn_rng *r, double lo, double hi)
{
    return pow(10.0, lo + (hi - lo) * gn_rng_uniform(r));
}

size_t val_count(double base, double scale)
{
    double v = base * scale;
    return v < 1.0 ? 1 : (size_t)(v + 0.5);
}

size_t val_size(gn_rng *r, size_t nmax)
{
    double v = exp(log((double)nmax + 1.0) * gn_rng_uniform(r));
    size_t n = (size_t)v;
    return n < 1 ? 1 : (n > nmax ? nmax : n);
}
