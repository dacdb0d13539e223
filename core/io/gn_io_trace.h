/* gn_io_trace.h: the optimizer-trace reader (prefix gn_io_trace_), streamed, CSV or JSON Lines.
 *
 * A trace is a stream of records, one per optimizer step: which update rule (method), the
 * floating-point type it ran in (dtype), its scalar inputs (alpha, lambda, ..., l, l', l''),
 * its vectors (w, j or g, Adam's m and v) and the result it recorded (w_after). Format:
 *   CSV          a header line naming the columns, then one row per record; a scalar column is
 *                named after its field (gn_io_trace_field_name), a vector component NAME_I
 *                (w_0, w_1, ..., w_after_0, ...), "x" a synonym of "j"; method, dtype and
 *                loss are words (sgd ..., float64/float32, squared/bce).
 *   JSON Lines   one flat object per line: scalars as numbers, vectors as arrays, the words as
 *                strings ({"method":"ignd","dtype":"float64","alpha":0.5,"w":[1,2],...}).
 * The first non-blank, non-comment ('#') line decides the format ('{' JSON Lines, otherwise
 * CSV); blank and '#' lines are skipped. Numbers: decimal or C99 hex floats, read with one
 * correct rounding to double (a fast exact path for <= 19 digits, strtod otherwise); NaN,
 * nan, null, Infinity, inf, -Infinity, -inf are accepted (and then rejected where a finite
 * input is required). A float32 trace's vectors and its scalars f, y, l, lp, lpp are rounded
 * to float32 as they are read (hyper-parameters, step and t are not).
 * The reader streams: memory is O(d) whatever the number of steps. It is used by
 * `gnlab audit` (validate/val_audit.h); it parses and checks shapes only, it computes nothing.
 */
#ifndef GN_IO_TRACE_H
#define GN_IO_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gn.h"

/* the update rule that produced a record (MATH.md §6-§7) */
typedef enum {
    GN_IO_TRACE_M_SGD = 0,       /* w -= alpha g, g = recorded g or lp j              (Table 1)   */
    GN_IO_TRACE_M_NORMGRAD,      /* w -= alpha sign(lp) j / |j|                       (Table 1)   */
    GN_IO_TRACE_M_SPS,           /* w -= gamma lp j, gamma = (l - lstar)/(c |g|^2)    (4.6)       */
    GN_IO_TRACE_M_NLMS,          /* w += alpha e x / (eps + |x|^2), e = y - f         (Table 1)   */
    GN_IO_TRACE_M_IGND,          /* w -= alpha xi lp j                                (3.13-3.14) */
    GN_IO_TRACE_M_IGND_UNDAMPED, /* w -= alpha lp j / (lpp |j|^2)                     (Table 1)   */
    GN_IO_TRACE_M_ADAM,          /* Adam from g                                       (§7)        */
    GN_IO_TRACE_M_ADAM_IGND,     /* Adam fed with xi lp j                             (§7)        */
    GN_IO_TRACE_NM
} gn_io_trace_method;

typedef enum { GN_IO_TRACE_F64 = 0, GN_IO_TRACE_F32 } gn_io_trace_dtype;

/* scalar fields (column / key names: gn_io_trace_field_name) */
typedef enum {
    GN_IO_TRACE_S_STEP = 0, GN_IO_TRACE_S_ALPHA, GN_IO_TRACE_S_LAMBDA, GN_IO_TRACE_S_MU,
    GN_IO_TRACE_S_BETA1, GN_IO_TRACE_S_BETA2, GN_IO_TRACE_S_EPS, GN_IO_TRACE_S_C,
    GN_IO_TRACE_S_LSTAR, GN_IO_TRACE_S_GAMMA_MAX, GN_IO_TRACE_S_T, GN_IO_TRACE_S_F,
    GN_IO_TRACE_S_Y, GN_IO_TRACE_S_L, GN_IO_TRACE_S_LP, GN_IO_TRACE_S_LPP, GN_IO_TRACE_NS
} gn_io_trace_field;

/* vector fields; "x" is accepted as a synonym of "j" (a linear model's j is its input) */
typedef enum {
    GN_IO_TRACE_V_W = 0, GN_IO_TRACE_V_J, GN_IO_TRACE_V_G, GN_IO_TRACE_V_M, GN_IO_TRACE_V_V,
    GN_IO_TRACE_V_WAFTER, GN_IO_TRACE_NV
} gn_io_trace_vec;

/* one step as recorded; has_s / has_v have bit k set when field k was given */
typedef struct {
    gn_io_trace_method method;
    gn_io_trace_dtype dtype;
    int has_loss;
    gn_loss_kind loss;
    size_t n;                      /* the dimension d (every vector field has this length) */
    double s[GN_IO_TRACE_NS];
    uint32_t has_s;
    double *v[GN_IO_TRACE_NV];     /* owned by the reader; valid until the next record */
    uint32_t has_v;
    size_t scol[GN_IO_TRACE_NS];   /* where each given scalar was: 1-based CSV field number or
                                    * JSON character (for messages naming FILE:LINE:COLUMN) */
    size_t line;                   /* 1-based line of the record in the file */
    uint64_t index;                /* 0-based record number */
} gn_io_trace_rec;

/* gn_io_trace_method_name, _field_name, _vec_name: the word a trace uses for m, f, v
 * ("sgd", "alpha", "w_after", ...); "?" when out of range. The reader accepts exactly these
 * words (and "x" for j); the writer (validate/audit_write.c) prints them.
 * No equation: the words of the trace format (the rules are MATH.md §6-§7). */
const char *gn_io_trace_method_name(gn_io_trace_method m);
/* gn_io_trace_field_name: No equation: trace field names. */
const char *gn_io_trace_field_name(gn_io_trace_field f);
/* gn_io_trace_vec_name: No equation: trace vector names. */
const char *gn_io_trace_vec_name(gn_io_trace_vec v);

/* one line of a trace file, for the two trace readers (this one and gn_io_btrace.h) */
typedef struct {
    char *line;      /* the line without its newline (owned; realloc'd)           */
    size_t cap;
    size_t len;
    size_t lineno;   /* 1-based number of the line just read                        */
    char *first;     /* nullable: a line read ahead by the caller (owned), used first */
    size_t col;      /* on error: the 1-based column it concerns (0: none)         */
    char why[128];   /* on error: why                                              */
} gn_io_trace_line;

/* gn_io_trace_getline: the next line of f (or L->first) into L->line without its newline
 * (and a '\r' before it). Returns 1, 0 at the end of the file, -1 with L->why (and L->col)
 * on a read error, a line longer than maxline, a NUL byte, or a last line without its
 * newline (a truncated file). No equation: the trace readers' line reader. */
int gn_io_trace_getline(gn_io_trace_line *L, FILE *f, size_t maxline);

typedef struct gn_io_trace_reader gn_io_trace_reader;

/* gn_io_trace_reader_open: a reader on f (not closed by the reader); name (NULL: "trace")
 * prefixes every message. NULL on no memory.
 * No equation: the trace reader of `gnlab audit` (tests/test_audit). */
gn_io_trace_reader *gn_io_trace_reader_open(FILE *f, const char *name);
/* gn_io_trace_reader_open_at: as gn_io_trace_reader_open, with first (nullable) a line the
 * caller already read from f (as getline returned it) taken as the reader's first line,
 * numbered first_line (the dispatch of `gnlab audit` between one-sample and mini-batch
 * traces reads one line ahead). No equation: the trace reader. */
gn_io_trace_reader *gn_io_trace_reader_open_at(FILE *f, const char *name, const char *first,
                                              size_t first_line);
/* gn_io_trace_reader_free: NULL-safe. No equation: deallocation. */
void gn_io_trace_reader_free(gn_io_trace_reader *r); /* NULL-safe */

/* gn_io_trace_next: the next record into *rec (a view owned by the reader).
 * Returns GN_OK with *rec set, GN_OK with *rec = NULL at the end of the stream, or
 * GN_EINPUT with err = "NAME:LINE:COLUMN: why" (COLUMN is the 1-based field number and its
 * name for CSV, the 1-based character and the key for JSON) on a malformed record: a
 * non-numeric field, a missing or unknown column, a missing method or dtype, NaN or infinity
 * in an input field (w, j, g, m, v and the scalars; w_after may be non-finite: that is the
 * optimizer's result and is judged, not rejected), a float32 input beyond float32's range,
 * a float32 trace's value (vector, f, l, lp, lpp) that is no float32 (more than 9
 * significant digits and not within 2^-40 of a float32: a float64 value labelled float32),
 * a step column not in every record (when in the first), not a whole number >= 0 or not the
 * previous record's + 1 (a missing step, steps out of order),
 * a line without its final newline (a truncated file), a NUL byte, vectors of a different
 * length than the first record's, a dimension above 10^6, a line longer than 256 MiB, an
 * empty trace or one with only a header; GN_ENOMEM. After an error the reader stays at the
 * error (every later call returns GN_EINPUT).
 * No equation: trace reader; shapes and values are checked, nothing is computed. */
gn_status gn_io_trace_next(gn_io_trace_reader *r, const gn_io_trace_rec **rec, char *err,
                           size_t errlen);

#endif
