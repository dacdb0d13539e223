/* merge.c: `gnlab merge` of validate shard files (val_merge.h): validate's rows read, merged
 * by val_row_merge and printed by val_report; the file checks are core/io/gn_io_merge.h's. */
#include "gn_io.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"
#include "pf_claims.h"
#include "val_common.h"
#include "val_merge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO53 9007199254740992.0 /* 2^53: counts above it are not exact doubles */

/* the numbers of a read row against its verdict, as val_acc_add (and the DG section's own
 * rows) write them. No NaN (a NaN error is recorded as inf); counts within 2^53 and at most
 * one histogram count per instance (a "count" row holds one, the DG rows none). A passing
 * verdict row has a finite max_err within its finite bound (times the 1 + 2^-40 of
 * val_acc_add), a worst ratio <= 1 + 2^-39 (that and rounding) and no ratio >= 2 in its
 * histogram; a failing one a worst ratio over 1 or max_err over its bound. */
static int vrow_check(const val_row *r, char *why, size_t cap)
{
    uint64_t sum = 0, over = 0;
    for (int b = 0; b < VAL_HIST; b++) {
        sum += r->hist[b] < ((uint64_t)1 << 53) ? r->hist[b] : ((uint64_t)1 << 53);
        over += b >= 67 ? r->hist[b] != 0 : 0;
    }
    int count = !strcmp(r->measure, "count");
    int within = r->max_err < INFINITY && r->bound < INFINITY &&
                 r->max_err <= r->bound * (1.0 + 0x1p-40);
    if (isnan(r->max_err) || isnan(r->bound) || isnan(r->ratio))
        snprintf(why, cap, "NaN in max_err, bound or ratio (a run records a NaN error as inf)");
    else if ((double)r->instances > TWO53)
        snprintf(why, cap, "instances over 2^53");
    else if (r->instances == 0)
        return 0;
    else if (r->max_err < 0.0 || r->bound < 0.0 || r->ratio < 0.0)
        snprintf(why, cap, "a negative max_err, bound or ratio");
    else if (sum > r->instances)
        snprintf(why, cap, "its histogram counts %llu instances, the row %zu",
                 (unsigned long long)sum, r->instances);
    else if (count && !(r->informational && r->max_err == floor(r->max_err) &&
                        r->max_err <= (double)r->instances))
        snprintf(why, cap, "a count row whose max_err is not a whole count <= its instances");
    else if (r->informational)
        return 0;
    else if (r->pass && !(within && r->ratio <= 1.0 + 0x1p-39 && over == 0))
        snprintf(why, cap, "'pass' 1 but max_err %g, bound %g, worst err/bound %g: a row passes "
                           "only with a finite error within its finite bound",
                 r->max_err, r->bound, r->ratio);
    else if (!r->pass && !(r->ratio > 1.0 || !within))
        snprintf(why, cap, "'pass' 0 but max_err %g is within bound %g and the worst err/bound "
                           "is %g <= 1", r->max_err, r->bound, r->ratio);
    else
        return 0;
    return -1;
}

static int vrow_read(void *row, const char *head, size_t i, const char *line, char *why,
                     size_t cap)
{
    (void)head;
    (void)i;
    if (val_row_read(row, line) < 0) {
        snprintf(why, cap, "a field of section, quantity, measure, informational, instances, "
                           "max_err, bound, ratio, pass, worst_index, worst, hist is missing or "
                           "malformed");
        return -1;
    }
    return vrow_check(row, why, cap);
}

static int vrow_merge(void *acc, const void *part, char *why, size_t cap)
{
    val_row *a = acc;
    const val_row *p = part;
    if ((double)a->instances + (double)p->instances > TWO53) {
        snprintf(why, cap, "instances over 2^53");
        return -1;
    }
    if (val_row_merge(a, p) < 0) {
        snprintf(why, cap, "row %s %s %s here, %s %s %s in the first shard", p->section, p->quantity,
                 p->measure, a->section, a->quantity, a->measure);
        return -1;
    }
    return 0;
}

static void vrow_write(FILE *f, size_t i, const void *row) { val_row_write(f, i, row); }

/* a validate header: seed, scale finite and > 0, prec 64 .. 4096, inject and only strings */
static int vhead_check(const char *head, char *why, size_t cap)
{
    uint64_t u;
    double sc;
    char str[256];
    if (gn_io_jfield_u64(&u, head, "seed") < 0)
        snprintf(why, cap, "'seed' is not a decimal integer");
    else if (gn_io_jfield_hex(&sc, head, "scale") < 0 || !(sc > 0.0 && sc < INFINITY))
        snprintf(why, cap, "'scale' is not a finite number > 0");
    else if (gn_io_jfield_u64(&u, head, "prec") < 0 || u < 64 || u > 4096)
        snprintf(why, cap, "'prec' is not in 64 .. 4096 bits");
    else if (gn_io_jfield(str, sizeof str, head, "inject") < 0 ||
             gn_io_jfield(str, sizeof str, head, "only") < 0)
        snprintf(why, cap, "'inject' or 'only' missing or over 255 bytes");
    else
        return 0;
    return -1;
}

/* the header fields that must agree between the shards of one validate campaign */
static const char *const vkeys[] = {"seed", "scale", "prec", "inject", "only", "blocks", "rows", NULL};

/* the report from the merged rows and the campaign's options in the first header */
static int report(FILE *out, const gn_io_merge *m, int json)
{
    char inj[64];
    uint64_t u;
    val_opts o;
    memset(&o, 0, sizeof o);
    gn_io_jfield_u64(&o.seed, m->head, "seed");
    gn_io_jfield_hex(&o.scale, m->head, "scale");
    gn_io_jfield_u64(&u, m->head, "prec");
    o.prec = (unsigned)u;
    if (gn_io_jfield(inj, sizeof inj, m->head, "inject") == 0 && inj[0])
        o.inject = inj;
    o.partial = m->incomplete;
    return val_report(out, m->rows, m->nrows, &o, json) != 0;
}

const gn_io_merge_kind val_merge_kind = {"validate", vkeys,     sizeof(val_row), vhead_check,
                                         vrow_read,  vrow_merge, vrow_write,      report};

int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                   int json)
{
    return gn_io_merge_text(out, &val_merge_kind, texts, names, n, json);
}

int val_merge_any(FILE *out, const char *const *texts, const char *const *names, size_t n,
                  int json)
{
    char kind[16];
    if (gn_io_merge_kind_of(kind, sizeof kind, texts, names, n) < 0)
        return GN_EXIT_USAGE;
    if (!strcmp(kind, "validate"))
        return val_merge_text(out, texts, names, n, json);
    if (!strcmp(kind, "prove"))
        return pf_prove_merge_text(out, texts, names, n, json);
    return gn_io_merge_refuse(names[0], "unknown shard kind", kind);
}
