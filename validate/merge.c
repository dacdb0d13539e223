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

const gn_io_merge_kind val_merge_kind = {"validate", vkeys, sizeof(val_row), vrow_read,
                                         vrow_merge, vrow_write};

int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                   int json)
{
    gn_io_merge m;
    char *missing = NULL;
    int rc = gn_io_merge_load(&m, &val_merge_kind, texts, names, n, 0);
    if (rc == 0)
        rc = gn_io_merge_gaps(&m, &missing);
    if (rc == 0) {
        int incomplete = missing[0] != 0;
        if (incomplete)
            gn_io_merge_note(out, &m, missing, json);
        /* the campaign's options from the first header, as the report prints them */
        char inj[64];
        uint64_t u;
        val_opts o;
        memset(&o, 0, sizeof o);
        gn_io_jfield_u64(&o.seed, m.head, "seed");
        gn_io_jfield_hex(&o.scale, m.head, "scale");
        gn_io_jfield_u64(&u, m.head, "prec");
        o.prec = (unsigned)u;
        if (gn_io_jfield(inj, sizeof inj, m.head, "inject") == 0 && inj[0])
            o.inject = inj;
        int bad = val_report(out, m.rows, m.nrows, &o, json) != 0;
        if (incomplete && !json)
            fprintf(out, "INCOMPLETE: the report above covers only part of the campaign.\n");
        rc = bad || incomplete ? GN_EXIT_FAIL : GN_EXIT_PASS;
    }
    free(missing);
    gn_io_merge_free(&m);
    return rc;
}
