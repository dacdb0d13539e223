/* merge.c: `gnlab merge` of validate shard files (val_merge.h): validate's rows read, merged
 * by val_row_merge and printed by val_report; the file checks are core/io/gn_io_merge.h's. */
#include "gn_io.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"
#include "val_common.h"
#include "val_merge.h"

#include <stdlib.h>
#include <string.h>

static int vrow_read(void *row, const char *line) { return val_row_read(row, line); }
static int vrow_merge(void *acc, const void *part) { return val_row_merge(acc, part); }
static void vrow_write(FILE *f, size_t i, const void *row) { val_row_write(f, i, row); }

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

const gn_io_merge_kind val_merge_kind = {"validate", vkeys,      sizeof(val_row), vrow_read,
                                         vrow_merge, vrow_write, report};

int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                   int json)
{
    return gn_io_merge_text(out, &val_merge_kind, texts, names, n, json);
}
