/* gn_io_btrace.h: the mini-batch trace reader (prefix gn_io_btrace_), JSON Lines, streamed.
 *
 * A mini-batch record carries one optimizer step on b samples of c outputs each (MATH.md §9):
 * the Jacobian J (b c rows of d, row-major), the output derivatives r (b c), the output
 * curvature as its diagonal q (b c), as dense per-sample blocks Q (b c c, row-major) or as
 * softmax probabilities p (b c; block diag(p) - p p^T), the hyper-parameters lambda, mu,
 * alpha (the accepted step size), beta (momentum), the parameters w before the step and what
 * the step produced: the direction d, the momentum buffer v, w_after (any of them).
 * One flat JSON object per line ({"method":"egn","dtype":"float64","b":2,"c":1,...});
 * arrays may be nested (a list of rows): they are read flat, row-major, and their total
 * length is checked. CSV cannot carry a bc x d matrix with a b that may change from record
 * to record without a header per record, so batch records are JSON Lines only
 * (docs/trace-format.md). Numbers are read by core/io's one tokenizer (gn_io_num_scan),
 * decimal or C99 hex; NaN, null, Infinity only in the outputs d, v, w_after.
 * The reader parses and checks shapes; it computes nothing. Memory: one record.
 */
#ifndef GN_IO_BTRACE_H
#define GN_IO_BTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gn.h"
#include "gn_io_trace.h"

/* the mini-batch update rules (MATH.md §9) */
typedef enum {
    GN_IO_BTRACE_EGN = 0,          /* (lambda I + J^T D J / b) d = -J^T r / b, any route   */
    GN_IO_BTRACE_LM,               /* the same system (explicit Levenberg-Marquardt)        */
    GN_IO_BTRACE_IGND_BATCH,       /* d = (1/b) sum_i d_i, d_i the sample's (3.11) solution */
    GN_IO_BTRACE_GN_BATCH_UNDAMPED,/* minimum-norm d of (J^T D J / b) d = -J^T r / b        */
    GN_IO_BTRACE_NM
} gn_io_btrace_method;

/* scalar fields */
typedef enum {
    GN_IO_BTRACE_S_STEP = 0, GN_IO_BTRACE_S_B, GN_IO_BTRACE_S_C, GN_IO_BTRACE_S_ALPHA,
    GN_IO_BTRACE_S_LAMBDA, GN_IO_BTRACE_S_MU, GN_IO_BTRACE_S_BETA, GN_IO_BTRACE_NS
} gn_io_btrace_field;

/* array fields; the lengths: w, d, v_prev, v, w_after d; J b c d; r, q, p b c; Q b c c */
typedef enum {
    GN_IO_BTRACE_V_W = 0, GN_IO_BTRACE_V_J, GN_IO_BTRACE_V_R, GN_IO_BTRACE_V_Q,
    GN_IO_BTRACE_V_QD, GN_IO_BTRACE_V_P, GN_IO_BTRACE_V_D, GN_IO_BTRACE_V_VPREV,
    GN_IO_BTRACE_V_V, GN_IO_BTRACE_V_WAFTER, GN_IO_BTRACE_NV
} gn_io_btrace_vec;

/* the route an implementation declares (optional): the audit's bound is then that route's */
typedef enum { GN_IO_BTRACE_ROUTE_ANY = 0, GN_IO_BTRACE_ROUTE_PUSH, GN_IO_BTRACE_ROUTE_PRIMAL } gn_io_btrace_route;

typedef struct {
    gn_io_btrace_method method;
    gn_io_trace_dtype dtype;
    gn_io_btrace_route route;
    size_t b, c, d;                  /* samples, outputs per sample, parameters */
    double s[GN_IO_BTRACE_NS];
    uint32_t has_s;
    double *v[GN_IO_BTRACE_NV];      /* owned by the reader; valid until the next record */
    uint32_t has_v;
    size_t scol[GN_IO_BTRACE_NS];    /* 1-based character of each given scalar */
    size_t vcol[GN_IO_BTRACE_NV];    /* 1-based character of each given array  */
    int all_f32;                     /* every array value is a float32 number  */
    size_t line;                     /* 1-based line of the record */
    uint64_t index;                  /* 0-based record number */
} gn_io_btrace_rec;

/* gn_io_btrace_method_name, _field_name, _vec_name: the words of the format ("egn", "lambda",
 * "w_after", ...; "?" out of range). No equation: the words of the mini-batch trace format. */
const char *gn_io_btrace_method_name(gn_io_btrace_method m);
/* gn_io_btrace_field_name: No equation: batch trace field names. */
const char *gn_io_btrace_field_name(gn_io_btrace_field f);
/* gn_io_btrace_vec_name: No equation: batch trace array names. */
const char *gn_io_btrace_vec_name(gn_io_btrace_vec v);
/* gn_io_btrace_is_batch_method: 1 when word names a mini-batch method above.
 * No equation: the dispatch between the two trace readers. */
int gn_io_btrace_is_batch_method(const char *word);

typedef struct gn_io_btrace_reader gn_io_btrace_reader;

/* gn_io_btrace_reader_open: a reader on f (not closed by it); name prefixes messages.
 * first (nullable): a line already read from f (as getline returned it, with its newline if
 * it had one) that the reader takes as its first, numbered first_line; later lines are
 * numbered from there. NULL on no memory.
 * No equation: the mini-batch trace reader of `gnlab audit`. */
gn_io_btrace_reader *gn_io_btrace_reader_open(FILE *f, const char *name, const char *first,
                                              size_t first_line);
/* gn_io_btrace_reader_free: NULL-safe. No equation: deallocation. */
void gn_io_btrace_reader_free(gn_io_btrace_reader *r);

/* gn_io_btrace_next: the next record (a view owned by the reader), *rec = NULL at the end.
 * GN_EINPUT with err = "NAME:LINE:COLUMN (key): why" for: a line that is not one flat JSON
 * object, an unknown or duplicate key, a method that is not a batch method, a missing
 * method, dtype, b, c, w, J, r or curvature (exactly one of q, Q, p), b or c not a whole
 * number >= 1, an array of the wrong length (J needs b c d, ...), d differing from the first
 * record's, NaN or infinity in an input (anything but d, v, w_after), a float32 trace's
 * value that is no float32, beyond float32's range, the step rules of gn_io_trace_next, a
 * truncated last line, a NUL byte. GN_ENOMEM. After an error every call returns GN_EINPUT.
 * No equation: trace reader; shapes and values checked, nothing computed. */
gn_status gn_io_btrace_next(gn_io_btrace_reader *r, const gn_io_btrace_rec **rec, char *err,
                            size_t errlen);

#endif
