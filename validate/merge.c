/* merge.c: `gnlab merge` of validate shard files (val_merge.h): validate's rows read, merged
 * by val_row_merge and printed by val_report; the file checks are core/io/gn_io_merge.h's. */
#include "gn_io.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"
#include "val_common.h"
#include "val_merge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO53 9007199254740992.0 /* 2^53: counts above it are not exact doubles */

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
    return 0;
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
    return val_report(out, m->rows, m->nrows, &o, json) != 0;
}

const gn_io_merge_kind val_merge_kind = {"validate", vkeys,     sizeof(val_row), vhead_check,
                                         vrow_read,  vrow_merge, vrow_write,      report};

int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                   int json)
{
    return gn_io_merge_text(out, &val_merge_kind, texts, names, n, json);
}
