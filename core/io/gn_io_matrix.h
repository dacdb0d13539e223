/* gn_io_matrix.h: dense numeric matrices from text files (the LQR notebook's --plant A B;
 * docs/notebook-data.md). Headerless or with one header line; comma-, or blank-separated. */
#ifndef GN_IO_MATRIX_H
#define GN_IO_MATRIX_H

#include "gn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the largest file (bytes) and matrix (rows, columns) a reader accepts: far beyond any plant
 * (the notebook takes 30 x 30), small enough that a hostile file cannot exhaust memory */
#define GN_IO_MATRIX_MAXBYTES (64u << 20)
#define GN_IO_MATRIX_MAXDIM 4096

typedef struct {
    size_t rows, cols;
    double *a;     /* row-major, rows * cols finite doubles */
    int header;    /* 1 when the first line was a header of names (skipped) */
    char sep;      /* ',' or ' ' (blanks and tabs) */
} gn_io_matrix;

/* gn_io_matrix_read_buf: a matrix from text[0 .. len) (not NUL-terminated; NUL bytes are
 * an error); name is used in messages only.
 * No equation: the one dense-matrix reader (tests/test_matrix, fuzz/fuzz_plant).
 * Format: one row per line; '#' comment lines and blank lines skipped; CRLF accepted; a UTF-8
 *   byte-order mark at the start skipped. Fields are separated by commas when the first row
 *   has a comma (blanks around them ignored), else by runs of blanks and tabs; every row must
 *   use the first row's separator. An optional first line whose fields are all non-numeric
 *   is a header and is skipped (a line mixing names and numbers is an error). Numbers are
 *   gn_io_num tokens with D exponents (GN_IO_NUM_DEXP, as Fortran and MATLAB print them).
 * Special: GN_EINPUT with err = "NAME:LINE:COLUMN: why" (COLUMN the 1-based field) on an
 *   empty file, a NUL byte, a separator other than the first row's, an empty field, a ragged
 *   row, a non-numeric, NaN, infinite or overflowing number, more than GN_IO_MATRIX_MAXDIM
 *   rows or columns or more than GN_IO_MATRIX_MAXBYTES bytes; GN_ENOMEM; m untouched on
 *   error. */
gn_status gn_io_matrix_read_buf(gn_io_matrix *m, const char *text, size_t len,
                                const char *name, char *err, size_t errlen);

/* gn_io_matrix_read: the same from the file at path (at most GN_IO_MATRIX_MAXBYTES).
 * No equation: file front end of gn_io_matrix_read_buf. Special: as there, and "PATH: cannot
 * open: why" (gn_io_open_input) or a read error. */
gn_status gn_io_matrix_read(gn_io_matrix *m, const char *path, char *err, size_t errlen);

/* gn_io_matrix_free: NULL-safe; m is left empty. No equation: deallocation. */
void gn_io_matrix_free(gn_io_matrix *m);

#ifdef __cplusplus
}
#endif

#endif
