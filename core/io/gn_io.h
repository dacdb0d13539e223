/* gn_io.h: the reader and system layer of libgnlab (core/io, prefix gn_io_ from the
 * redesign on): numeric CSV tables, NIST StRD files, the clock, progress reporting and
 * running external programs without a shell. JSON Lines: gn_jsonl.h; shard files:
 * gn_io_shard.h. Not included by gn.h: the core does no I/O. */
#ifndef GN_IO_H
#define GN_IO_H

#include <stddef.h>
#include <stdio.h>

#include <mpfr.h>

#include "gn.h"

/* The exit-status contract of every gnlab command, also returned by the library's report
 * functions: 0 every check holds, 1 a check fails, 2 bad usage, input or output, 3 no check
 * fails but one is undetermined (degenerate or undefined inputs: never reported as holding). */
enum { GN_EXIT_PASS = 0, GN_EXIT_FAIL = 1, GN_EXIT_USAGE = 2, GN_EXIT_UNDETERMINED = 3 };

/* ------------------------------------------------------------ number tokens */
/* One tokenizer for every reader: a token is recognised once, and its canonical text is what
 * both conversions read, so a file's number is the same number to the double route (strtod)
 * and to the MPFR route (mpfr_set_str). Grammar of a token (the whole token, no blanks):
 *   [+-] digits [. digits] | [+-] . digits, then optionally an exponent
 *   (e|E) [+-] digits, or (d|D) [+-] digits with GN_IO_NUM_DEXP (Fortran, NIST files);
 *   with GN_IO_NUM_HEX also C99 hex [+-] 0x hexdigits [. hexdigits] [(p|P) [+-] digits];
 *   with GN_IO_NUM_WORDS also [+-] inf, infinity, nan in any case (as strtod spells them).
 * The canonical text is the token as written with a D/d exponent letter made 'e', and a word
 * made "inf", "-inf" or "nan". */
enum { GN_IO_NUM_DEXP = 1u, GN_IO_NUM_HEX = 2u, GN_IO_NUM_WORDS = 4u };
#define GN_IO_NUM_MAX 512 /* longest token + 1 */

typedef struct {
    char text[GN_IO_NUM_MAX]; /* canonical text, NUL-terminated                  */
    int base;                 /* 10, or 16 for a hex token (mpfr_set_str's base) */
    int word;                 /* 1 for inf / nan                                 */
} gn_io_num;

/* gn_io_num_scan: recognise s[0 .. len) (not necessarily NUL-terminated) as one whole number
 * token of the grammar above, with the extensions in flags, and set t.
 * No equation: the one number tokenizer of every reader (tests/test_io).
 * Special: GN_ENONFINITE for an inf/nan word without GN_IO_NUM_WORDS; GN_EINPUT for anything
 *          else that is not one token (empty, blanks, trailing text, a lone sign or '.', an
 *          exponent without digits, len >= GN_IO_NUM_MAX); t is unspecified on error. */
gn_status gn_io_num_scan(gn_io_num *t, const char *s, size_t len, unsigned flags);

/* gn_io_num_double: t's value rounded to nearest double (strtod on the canonical text, the
 * whole text consumed). Underflow is not an error: the result is the correctly rounded
 * subnormal or zero. No equation: conversion; correctly rounded (strtod).
 * Special: GN_ERANGE when a numeric token overflows double (|value| rounds beyond DBL_MAX);
 *          *v untouched on error. Words give +-inf and nan. */
gn_status gn_io_num_double(double *v, const gn_io_num *t);

/* gn_io_num_mpfr: t's value rounded with rnd to x's precision (mpfr_set_str on the same
 * canonical text, base t->base, its return value checked). For a token inside double's
 * range, rounding x (precision >= 64) to double with RNDN gives gn_io_num_double's value
 * (test_io checks this, subnormals included). No equation: conversion for the MPFR routes.
 * Special: GN_ERANGE when a numeric token overflows MPFR's exponent range; GN_EINPUT if
 *          MPFR refuses the text; x untouched on error. */
gn_status gn_io_num_mpfr(mpfr_ptr x, const gn_io_num *t, mpfr_rnd_t rnd);

/* gn_io_num_read: gn_io_num_scan then gn_io_num_double; the status of the first that fails.
 * No equation: a reader's one-call number conversion. */
gn_status gn_io_num_read(double *v, const char *s, size_t len, unsigned flags);

/* gn_io_num_fast: the decimal [+-]digits[.digits][(e|E)[+-]digits] in s[0 .. len) (no blanks,
 * nothing else) rounded to nearest double, fast: at most 19 significant digits (read 8 at a
 * time), a power of ten within 10^-64 .. 10^55.
 * Method:   m = M 2^lz in [2^63, 2^64) times a 128-bit P with 10^q = P 2^E (exact for q >= 0,
 *           truncated for q < 0, so the exact value lies in [m P, m P + 2^64)), in integers:
 *           when no midpoint between doubles lies in that interval, the value rounds as m P
 *           does, read off its top bits; otherwise the token goes back to the caller.
 * Accuracy: correctly rounded (the same double as strtod; tests/test_io compares them on
 *           random, halfway and every-exponent cases). Results are always normal doubles.
 * Special:  returns 0 with *out set, or -1 (out untouched) for anything outside the fast
 *           path: the caller then uses strtod or gn_io_num_read. Zero keeps its sign.
 * No equation: number conversion (the trace reader's hot path). */
int gn_io_num_fast(double *out, const char *s, size_t len);

/* gn_io_num_fast_prefix: gn_io_num_fast on the longest prefix of s[0 .. len) that has the
 * fast grammar's form; returns that prefix's length with *out set, or 0 (out untouched) when
 * it declines. The caller checks that the prefix is its whole token (the next byte is a
 * separator): then *out is gn_io_num_fast's, strtod's, value of that token.
 * No equation: number conversion (the trace reader's CSV and JSON fast path).
 * Accuracy: correctly rounded, as gn_io_num_fast. Reads only s[0 .. len). */
size_t gn_io_num_fast_prefix(double *out, const char *s, size_t len);

/* gn_io_sigdigits: number of significant decimal digits in a number as written (leading zeros
 * not counted, trailing zeros counted: "1.20196866396E-0" has 12). 0 if none.
 * No equation: the digits a NIST certified value carries (the cap of gn_io_lre). */
int gn_io_sigdigits(const char *s);

/* gn_io_errf: format a reader's message ("FILE:LINE:COLUMN: why") into err[0 .. len) as
 * snprintf does; nothing when err is NULL or len is 0. No equation: error messages. */
void gn_io_errf(char *err, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* gn_io_open_input: path opened for reading (binary), or NULL with err = "PATH: cannot open:
 * why" or "PATH: is a directory: give WHAT" (what: "a CSV file", ...). No equation: the one
 * way a reader opens its input, so a directory is never read as an empty file. */
FILE *gn_io_open_input(const char *path, const char *what, char *err, size_t errlen);

/* ---------------------------------------------------------------- CSV tables */
/* A table is column-major doubles with column names from the header line. */

typedef struct {
    size_t nrows, ncols;
    char **names;   /* ncols column names */
    double *cols;   /* ncols * nrows, column c at cols + c * nrows */
} gn_io_table;

/* Options of the CSV readers (gn_io_csv_read_opts, gn_io_csv_read_buf). {0, 0} is the
 * default: a header line, the separator detected. */
typedef struct {
    int no_header; /* 1: every line is data; the columns are named "column 1", "column 2", ... */
    char sep;      /* ',' or '\t'; 0: detect (a tab when the name ends in .tsv, .tsv.gz, .tab
                    * or .tab.gz, or when the first line has a tab and no comma; else ',') */
} gn_io_csv_opts;

/* The most bytes a CSV reader holds in memory: the file as read and, for gzip, the
 * decompressed text (so a small "decompression bomb" is refused once it has produced this
 * much, not after filling the memory). 1 GiB: Diamonds is 2.7 MB, a large public table a few
 * hundred MB. */
#define GN_IO_CSV_MAXBYTES ((size_t)1 << 30)

/* gn_io_read_all: the whole file at path into *buf (malloc'd, *len bytes, plus a NUL after
 * them), what naming it for gn_io_open_input ("a CSV file"), at most max bytes.
 * No equation: the one whole-file reader of the CSV and matrix readers (tests/test_csv).
 * Special: GN_EINPUT with err = "PATH: why" (cannot open, a directory, a read error, more
 *          than max bytes); GN_ENOMEM ("PATH: out of memory"); *buf untouched on error. */
gn_status gn_io_read_all(char **buf, size_t *len, const char *path, const char *what,
                         size_t max, char *err, size_t errlen);

/* gn_io_read_maybe_gz: the whole file at path as text: gn_io_read_all, then, when it starts
 * with the gzip magic bytes 1f 8b, decompressed in memory (zlib; concatenated members in turn),
 * at most max bytes either way; *buf has a NUL after its *len bytes.
 * No equation: the one reader of possibly gzipped text (Diamonds, tests/test_csv).
 * Special: as gn_io_read_all, and GN_EINPUT "PATH: why" for a name ending in .gz without
 *          the magic bytes, a truncated or corrupt stream, bytes after the last member, or
 *          more than max bytes after decompression. */
gn_status gn_io_read_maybe_gz(char **buf, size_t *len, const char *path, const char *what,
                              size_t max, char *err, size_t errlen);

/* gn_io_csv_read: a comma- or tab-separated file whose first line names the columns; every
 * other field must be a finite decimal number; gzip-compressed when it starts with the gzip
 * magic bytes 1f 8b (decompressed in memory by zlib, no program run), whatever its name.
 * Blank lines and lines starting with '#' are skipped; fields may be double-quoted; CRLF is
 * accepted; a UTF-8 byte-order mark at the start of the (decompressed) text is skipped.
 * The same as gn_io_csv_read_opts with the default options {0, 0}.
 * No equation: the one numeric CSV reader (tests/test_csv). Numbers by gn_io_num_read.
 * Special: GN_EINPUT with err = "FILE:LINE:COLUMN: why" (COLUMN is the 1-based field
 *          number and its name) on an empty file, a directory, a read error, a column
 *          name used twice (both columns named), a NUL byte, a ragged row, a non-numeric,
 *          NaN or infinite field, or no data rows; for gzip: "FILE: ..." on a name ending in
 *          .gz without the magic bytes, a truncated or corrupt stream, data after the last
 *          gzip member, or more than GN_IO_CSV_MAXBYTES bytes; GN_ENOMEM; t untouched on
 *          error. */
gn_status gn_io_csv_read(gn_io_table *t, const char *path, char *err, size_t errlen);

/* gn_io_csv_read_opts: gn_io_csv_read with options (o NULL: the defaults).
 * No equation: CSV reader. Special: as gn_io_csv_read. */
gn_status gn_io_csv_read_opts(gn_io_table *t, const char *path, const gn_io_csv_opts *o,
                              char *err, size_t errlen);

/* gn_io_csv_read_buf: the same from buf[0 .. len) (gzip when it starts with 1f 8b), name
 * used in messages (and for the .tsv/.gz rules), at most maxbytes bytes of text after
 * decompression (0: GN_IO_CSV_MAXBYTES; the fuzz harness gives less).
 * No equation: CSV reader (fuzz/fuzz_csv). Special: as gn_io_csv_read. */
gn_status gn_io_csv_read_buf(gn_io_table *t, const char *buf, size_t len, const char *name,
                             const gn_io_csv_opts *o, size_t maxbytes, char *err,
                             size_t errlen);

/* gn_io_csv_read_stream: the plain-text reader from an open stream (a pipe, a buffer through
 * fmemopen), header and comma or tab detected as by default; name is used in messages only.
 * The stream is read to its end, not closed. No gzip here (gn_io_csv_read_buf).
 * No equation: CSV reader. Special: as gn_io_csv_read. */
gn_status gn_io_csv_read_stream(gn_io_table *t, FILE *f, const char *name, char *err,
                                size_t errlen);

/* gn_io_table_col: index of the first column called name (exact, case-sensitive), or -1.
 * No equation: table lookup. */
long gn_io_table_col(const gn_io_table *t, const char *name);

/* gn_io_table_free: NULL-safe; leaves *t zeroed. No equation: deallocation. */
void gn_io_table_free(gn_io_table *t);

/* ---------------------------------------------------------- NIST StRD files */

typedef struct {
    char name[64];          /* Dataset Name                                             */
    char *model;            /* the model's right-hand side, lines joined, "+ e" removed  */
    char *response;         /* its left-hand side ("y", or "log[y]" in Nelson)          */
    size_t model_line;      /* 1-based file line where the model equation starts        */
    size_t nconst;          /* definitions "name = number" in the model block (pi)       */
    char **cnames, **cvals;
    size_t k;               /* parameters (from the "N Parameters" line, checked)       */
    size_t nstart;          /* starting points (columns before the certified value)     */
    double *start;          /* nstart x k, start s at start + s*k                       */
    char **cert_str;        /* k certified values as written                            */
    double *cert, *cert_sd; /* k each                                                   */
    int *cert_digits;       /* significant digits of each certified value               */
    char *rss_str;          /* certified residual sum of squares as written             */
    double rss;
    int rss_digits;
    char **cert_sd_str;     /* k certified standard deviations as written               */
    int *cert_sd_digits;    /* their significant digits                                 */
    char *rsd_str;          /* certified residual standard deviation as written, or NULL
                               when the file has no 'Residual Standard Deviation:' line */
    double rsd;             /* its value (0 when absent)                                */
    int rsd_digits;
    size_t n;               /* observations ("Number of Observations", checked)         */
    size_t ncols;           /* data columns; names in colnames                          */
    char **colnames;        /* e.g. "y", "x" or "y", "x1", "x2"                          */
    size_t ycol;            /* the response column (the one the left-hand side uses)    */
    double *data;           /* ncols x n column-major: column c at data + c*n           */
    char **data_str;        /* the same as written (ncols x n), for MPFR                */
    char warn[512];         /* an inconsistency the reader reported and read on past
                               ("FILE:LINE: why"; a wrong 'Degrees of Freedom' line), or "" */
} gn_io_nist;

/* The number tokens of a NIST file (gn_io_num_scan flags): Fortran D exponents, and hex as
 * strtod read it before the tokenizer. Every number the reader converts (starts, certified
 * values, counts, data) and every text an MPFR route converts (cert_str, rss_str, data_str,
 * cvals) is such a token. */
#define GN_IO_NIST_NUM (GN_IO_NUM_DEXP | GN_IO_NUM_HEX)

/* gn_io_nist_read: read a NIST StRD nonlinear regression file (the format of
 * www.itl.nist.gov/div898/strd/nls/): the model block (its "N Parameters" line, optional
 * "name = number" definitions, the equation, which may span lines and ends in "+ e"), the
 * table of starting and certified values ("bK = s1 s2 ... cert sd"), the certified
 * residual sum of squares, the number of observations and the data block (the last line
 * "Data:" followed by column names). Nothing is assumed about a particular problem: the
 * number of parameters, starts, columns and observations all come from the file and are
 * cross-checked against each other: fewer observations than parameters is an error. A
 * 'Degrees of Freedom' line other than observations minus parameters is not: the rows are
 * counted, so p->warn reports it (the line, both readings, which one the certified
 * 'Residual Standard Deviation' = sqrt(RSS / dof) confirms) and reading goes on (NIST's own
 * Rat43.dat states 9 for 15 - 4 = 11). No equation: the NIST StRD reader (tests/test_nist).
 * Special: GN_EINPUT with err = "FILE:LINE: why" for anything missing, inconsistent or
 *          non-numeric ("FILE:LINE:COLUMN" for a NUL byte; "is a directory"); GN_ENOMEM.
 *          *p is zeroed on error. */
gn_status gn_io_nist_read(gn_io_nist *p, const char *path, char *err, size_t errlen);

/* gn_io_nist_read_buf: the same from text[0 .. len) in memory (need not be NUL-terminated;
 * NUL bytes are an error as in a file), name used in messages only. No equation: the NIST
 * reader on a buffer (the fuzz harness fuzz/fuzz_nist.c). Special: as gn_io_nist_read. */
gn_status gn_io_nist_read_buf(gn_io_nist *p, const char *text, size_t len, const char *name,
                              char *err, size_t errlen);

/* gn_io_nist_free: free what gn_io_nist_read allocated; NULL-safe, also on a zeroed *p;
 * leaves *p zeroed. No equation: deallocation. */
void gn_io_nist_free(gn_io_nist *p);

/* gn_io_lre: log relative error -log10(|est - cert| / |cert|) (-log10 |est| when cert = 0),
 * the number of correct significant digits of NIST StRD's certification, clamped to
 * [0, digits]. No equation: NIST's accuracy measure, not MATH.md's (§13 uses ulps).
 * Method: in double; the relative error is exact to a few ulp, so the result is
 * good to ~1e-15 absolute, far below the 0.1 digits it is printed with.
 * Special: digits when est == cert; 0 when est is NaN or shares no digit. */
double gn_io_lre(double est, double cert, int digits);

/* A NIST problem made ready to fit: the model compiled over the predictor columns (in file
 * order), the left-hand side compiled over the response column (NULL when it is just the
 * response), and the predictors copied column-major. */
typedef struct {
    gn_fit_problem fp;
    gn_expr *model, *resp;
    double *x;
    const char **xnames;
} gn_io_nist_setup;

/* gn_io_nist_problem: compile p's model and response into s (gn_expr_compile).
 * No equation: setup of the least-squares problem gn_fit_run solves.
 * Special: GN_EINPUT with err set and *in_response = 1 (left-hand side) or 0 (model) on a
 *          parse error; GN_EINPUT with err->pos = 0 when the model's parameters are not
 *          exactly b1..bk for the file's k; GN_ENOMEM. s is zeroed on error. */
gn_status gn_io_nist_problem(gn_io_nist_setup *s, const gn_io_nist *p, gn_expr_error *err,
                          int *in_response);
/* gn_io_nist_problem_free: free s's expressions and copies (not p's data); NULL-safe, also on
 * a zeroed *s; leaves *s zeroed. No equation: deallocation. */
void gn_io_nist_problem_free(gn_io_nist_setup *s);

/* ------------------------------------------------------------------- system */

/* gn_io_now: seconds on the monotonic clock (CLOCK_MONOTONIC), for durations only.
 * No equation: the one clock of the tree. */
double gn_io_now(void);

/* Progress of a long computation. The library reports through gn_io_progress; the program
 * decides what is shown by installing a callback (the terminal bar lives in cli/). Without
 * one, nothing happens. The callback is process-wide and must be set before threads start. */
typedef void gn_io_progress_fn(void *ctx, const char *what, size_t i, size_t n);
/* gn_io_progress_set: install fn (NULL: none) with its ctx, replacing the previous one.
 * No equation: progress plumbing. */
void gn_io_progress_set(gn_io_progress_fn *fn, void *ctx);
/* gn_io_progress: step i of n of "what"; n = 0 means done (the callback clears its line).
 * No equation: progress plumbing; does nothing without a callback. */
void gn_io_progress(const char *what, size_t i, size_t n);
/* gn_io_progress_done: the callback with what = NULL, i = n = 0 (clear the line).
 * No equation: progress plumbing; does nothing without a callback. */
void gn_io_progress_done(void);

/* gn_io_dir_list: the files of dir whose names end in suffix (".dat", ".mgh"), as
 * "dir/name", sorted by strcmp, into *files (free with gn_io_dir_list_free).
 * No equation: a directory listing (the NIST and MGH suites).
 * Special: GN_EINPUT with err = "cannot open directory DIR" or "no *SUFFIX files in DIR";
 *          GN_ENOMEM; *files NULL and *nf 0 on error. */
gn_status gn_io_dir_list(char ***files, size_t *nf, const char *dir, const char *suffix,
                         char *err, size_t errlen);
/* gn_io_dir_list_free: NULL-safe. No equation: deallocation. */
void gn_io_dir_list_free(char **files, size_t n);

/* gn_io_close_checked: finish writing stream f (a file, or stdout/stderr, which are flushed
 * but not closed): any earlier write error (ferror), the flush and the close are checked.
 * On failure prints "gnlab WHO: cannot write PATH: why" to stderr and returns -1; else 0.
 * The one way gnlab ends an output, so that a full disk or a closed pipe is exit status 2.
 * No equation: output plumbing. */
int gn_io_close_checked(FILE *f, const char *who, const char *path);

/* gn_io_have: is prog an executable file in a directory of $PATH (or the path itself when
 * it contains a '/')? No shell is involved. 1 yes, 0 no. No equation: tool detection. */
int gn_io_have(const char *prog);

/* gn_io_run: run argv[0] (looked up in $PATH) with the argument vector argv (NULL-ended) in
 * directory dir (NULL: the current one), with standard input from /dev/null and standard
 * output to stdout_path (NULL: inherited). No shell: no argument is ever interpreted.
 * Returns the program's exit status (0..255), or -1 if it could not be started or was
 * killed by a signal. No equation: running gnuplot, dot and the like. */
int gn_io_run(const char *dir, const char *const argv[], const char *stdout_path);

/* gn_io_gnuplot_str / gn_io_dot_str: write s into a gnuplot script as one string
 * expression, usable wherever gnuplot takes a string (set title, set output, a plot's file
 * name): single-quoted runs (no escape and no backquote substitution inside them), each
 * quote of s the string "'" joined to its neighbours by the concatenation operator '.'
 * (a'b is written 'a'."'".'b': gnuplot 5.4 mis-reads some doubled quotes); or into a
 * Graphviz file as a double-quoted string (backslash and quote escaped). Control characters
 * become spaces, so user text can never end the literal or start a new command line. The
 * one way user text enters a script.
 * gn_io_gnuplot_str: No equation: gnuplot escaping. */
void gn_io_gnuplot_str(FILE *f, const char *s);
/* gn_io_dot_str: No equation: Graphviz escaping, as above. */
void gn_io_dot_str(FILE *f, const char *s);

#endif
