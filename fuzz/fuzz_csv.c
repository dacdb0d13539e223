/* fuzz_csv.c: libFuzzer harness for the CSV reader (core/io/csv.c,
 * gn_io_csv_read_stream through fmemopen) and the column lookup. Build and run:
 * `make fuzz`. Seeds: fuzz/corpus/csv (replayed by tests/test_fuzz_corpus.c). Any
 * input must end in GN_OK (a table of finite numbers with distinct, non-empty names) or
 * GN_EINPUT naming the input: never a crash, a leak or undefined behaviour. */
#include "gn_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    free(buf);
    if (st == GN_EINPUT && strncmp(err, "fuzz.csv", 8))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st != GN_OK)
        return 0;
    if (!t.nrows || !t.ncols)
        abort();
    for (size_t c = 0; c < t.ncols; c++) {
        if (!t.names[c][0] || gn_io_table_col(&t, t.names[c]) != (long)c)
            abort(); /* names are non-empty and distinct */
        for (size_t i = 0; i < t.nrows; i++)
            if (!isfinite(t.cols[c * t.nrows + i]))
                abort();
    }
    gn_io_table_free(&t);
    return 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_csv_one(data, size); }
#endif
