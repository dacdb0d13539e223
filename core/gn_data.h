/* gn_data.h: numeric tables from CSV files (included by gn.h).
 * A table is column-major doubles with column names from the header line. */
#ifndef GN_DATA_H
#define GN_DATA_H

#include <stddef.h>

typedef struct {
    size_t nrows, ncols;
    char **names;   /* ncols column names */
    double *cols;   /* ncols * nrows, column c at cols + c * nrows */
} gn_table;

/* gn_csv_read: a comma-separated file whose first line names the columns; every other
 * field must be a finite decimal number. Blank lines and lines starting with '#' are
 * skipped; fields may be double-quoted; CRLF is accepted.
 * Special: GN_EINPUT with err = "FILE:LINE:COLUMN: why" (COLUMN is the 1-based field
 *          number and its name) on an empty file, a ragged row, a non-numeric, NaN or
 *          infinite field, or no data rows; GN_ENOMEM; t untouched on error. */
gn_status gn_csv_read(gn_table *t, const char *path, char *err, size_t errlen);

/* gn_table_col: index of the column called name, or -1. */
long gn_table_col(const gn_table *t, const char *name);

/* gn_table_free: NULL-safe; leaves *t zeroed. */
void gn_table_free(gn_table *t);

#endif
