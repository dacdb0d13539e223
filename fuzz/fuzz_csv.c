/* fuzz_csv.c: libFuzzer harness for the CSV reader (core/io/csv.c): gn_io_csv_read_stream
 * through fmemopen, and gn_io_csv_read_buf (gzip, tabs, no header: the options come from the
 * input's first byte; at most FUZZ_CSV_MAX bytes after decompression, so a decompression
 * bomb must be refused by the limit), and the column lookup. Build and run:
 * `make fuzz`. Seeds: fuzz/corpus/csv (replayed by tests/test_fuzz_corpus.c). Any
 * input must end in GN_OK (a table of finite numbers with distinct, non-empty names) or
 * GN_EINPUT naming the input: never a crash, a leak or undefined behaviour. */
#include "gn_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CSV_MAX (1u << 20)

/* the table's contract: finite numbers, distinct non-empty names */
static void fuzz_csv_table(gn_io_table *t)
{
    if (!t->nrows || !t->ncols)
        abort();
    for (size_t c = 0; c < t->ncols; c++) {
        if (!t->names[c][0] || gn_io_table_col(t, t->names[c]) != (long)c)
            abort(); /* names are non-empty and distinct */
        for (size_t i = 0; i < t->nrows; i++)
            if (!isfinite(t->cols[c * t->nrows + i]))
                abort();
    }
    gn_io_table_free(t);
}

static void fuzz_csv_status(gn_status st, const char *err, const char *name)
{
    if (st == GN_EINPUT && strncmp(err, name, strlen(name)))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
}

static int fuzz_csv_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    char *buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    FILE *f = fmemopen(buf, size, "r");
    if (!f) {
        free(buf);
        return 0;
    }
    gn_io_table t;
    char err[512] = "";
    gn_status st = gn_io_csv_read_stream(&t, f, "fuzz.csv", err, sizeof err);
    fclose(f);
    fuzz_csv_status(st, err, "fuzz.csv");
    if (st == GN_OK)
        fuzz_csv_table(&t);
    /* the buffer reader: the first byte's low bits choose header, separator and name; the
     * rest is the file (gzip when it starts with 1f 8b) */
    static const char *const names[4] = {"fuzz.csv", "fuzz.tsv", "fuzz.csv.gz", "fuzz.dat"};
    gn_io_csv_opts o = {data[0] & 1, (data[0] & 2) ? '\t' : 0};
    const char *name = names[(data[0] >> 2) & 3];
    st = gn_io_csv_read_buf(&t, buf + 1, size - 1, name, &o, FUZZ_CSV_MAX, err, sizeof err);
    fuzz_csv_status(st, err, name);
    if (st == GN_OK)
        fuzz_csv_table(&t);
    free(buf);
    return 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_csv_one(data, size); }
#endif
