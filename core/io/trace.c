/* trace.c: the optimizer-trace reader, CSV and JSON Lines, streamed (gn_io_trace.h). */
#include "gn_io.h"
#include "gn_io_trace.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- names */

static const char *const method_names[GN_IO_TRACE_NM] = {
    "sgd", "normgrad", "sps", "nlms", "ignd", "ignd_undamped", "adam", "adam_ignd"};
static const char *const field_names[GN_IO_TRACE_NS] = {
    "step", "alpha", "lambda", "mu", "beta1", "beta2", "eps", "c",
    "lstar", "gamma_max", "t", "f", "y", "l", "lp", "lpp"};
static const char *const vec_names[GN_IO_TRACE_NV] = {"w", "j", "g", "m", "v", "w_after"};

const char *gn_io_trace_method_name(gn_io_trace_method m)
{
    return (unsigned)m < GN_IO_TRACE_NM ? method_names[m] : "?";
}
const char *gn_io_trace_field_name(gn_io_trace_field f)
{
    return (unsigned)f < GN_IO_TRACE_NS ? field_names[f] : "?";
}
const char *gn_io_trace_vec_name(gn_io_trace_vec v)
{
    return (unsigned)v < GN_IO_TRACE_NV ? vec_names[v] : "?";
}

/* the longest line: a record at the dimension limit (10^6) with all six vectors, each number
 * written in up to 40 bytes with its separator (a float64 in shortest round-trip form takes
 * at most 24); 64 MiB refused an Adam record of a 10^6-parameter run (~150 MB) */
#define MAXLINE ((size_t)256 << 20)



enum { COL_SCALAR, COL_VEC, COL_METHOD, COL_DTYPE, COL_LOSS };

typedef struct {
    int kind;
    int which;   /* field or vector */
    size_t idx;  /* vector component */
    char *name;
} column;

struct gn_io_trace_reader {
    FILE *f;
    char *first;         /* a line the caller read before opening (gn_io_trace_reader_open_at) */
    char name[256];
    int format;          /* 0 undecided, 1 CSV, 2 JSON Lines */
    int failed;
    char *line;          /* the current line, NUL-terminated: in rb, or own */
    char *own;           /* the caller's first line (gn_io_trace_reader_open_at) */
    size_t owncap;
    char *rb;            /* the read buffer: bytes rs .. re not yet handed out */
    size_t rbcap, rs, re;
    int reof;            /* the stream has ended */
    size_t lineno;
    column *cols;        /* CSV header */
    size_t ncols;
    size_t n;            /* dimension, 0 until known */
    size_t cap;          /* allocated vector length */
    double *buf[GN_IO_TRACE_NV];
    gn_io_trace_rec rec;
    uint64_t nrec;
    char *tok;           /* JSON string scratch */
    size_t tokcap;
    int have_step;       /* the first record had a step (then every record must) */
    double step;         /* the last record's step */
    size_t step_col;     /* the current record's step column */
    size_t f64_col;      /* the current record's first value that is no float32 (0: none) */
    char f64_name[64];   /* its column or key */
    char f64_text[48];   /* as written */
    /* w is usually the previous record's w_after, written the same: a w token equal byte
     * for byte to that record's w_after token, both read by the fast path, has its value
     * without converting it again (the value is a function of the token's bytes) */
    char *pline;         /* the previous record's line (in rb or own) */
    int pvalid;          /* pline and the wa_*[wa_cur ^ 1] arrays describe one record */
    int wa_cur;          /* the arrays this record fills */
    uint32_t *wa_off[2]; /* per component: the fast w_after token's offset in its line */
    uint32_t *wa_len[2]; /* its length, 0 when it was not read by the fast path */
    double *wa_raw[2];   /* its value as read (before a float32 trace's rounding) */
};

gn_io_trace_reader *gn_io_trace_reader_open(FILE *f, const char *name)
{
    gn_io_trace_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "trace");
    return r;
}

gn_io_trace_reader *gn_io_trace_reader_open_at(FILE *f, const char *name, const char *first,
                                              size_t first_line)
{
    gn_io_trace_reader *r = gn_io_trace_reader_open(f, name);
    if (!r || !first)
        return r;
    r->first = strdup(first);
    if (!r->first) {
        free(r);
        return NULL;
    }
    r->lineno = first_line ? first_line - 1 : 0;
    return r;
}

void gn_io_trace_reader_free(gn_io_trace_reader *r)
{
    if (!r)
        return;
    free(r->first);
    free(r->own);
    free(r->rb);
    for (size_t c = 0; c < r->ncols; c++)
        free(r->cols[c].name);
    free(r->cols);
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        free(r->buf[v]);
    for (int k = 0; k < 2; k++) {
        free(r->wa_off[k]);
        free(r->wa_len[k]);
        free(r->wa_raw[k]);
    }
    free(r->tok);
    free(r);
}

static gn_status fail(gn_io_trace_reader *r, char *err, size_t errlen, size_t col, const char *cname,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static gn_status fail(gn_io_trace_reader *r, char *err, size_t errlen, size_t col, const char *cname,
                      const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->failed = 1;
    if (err && errlen) {
        if (col && cname)
            snprintf(err, errlen, "%s:%zu:%zu (%s): %s", r->name, r->lineno, col, cname, why);
        else if (col)
            snprintf(err, errlen, "%s:%zu:%zu: %s", r->name, r->lineno, col, why);
        else if (cname)
            snprintf(err, errlen, "%s:%zu (%s): %s", r->name, r->lineno, cname, why);
        else
            snprintf(err, errlen, "%s:%zu: %s", r->name, r->lineno, why);
    }
    return GN_EINPUT;
}

static int grow(gn_io_trace_reader *r, size_t n)
{
    if (n <= r->cap)
        return 0;
    for (int v = 0; v < GN_IO_TRACE_NV; v++) {
        double *p = realloc(r->buf[v], n * sizeof(double));
        if (!p)
            return -1;
        r->buf[v] = p;
    }
    for (int k = 0; k < 2; k++) {
        uint32_t *o = realloc(r->wa_off[k], n * sizeof *o);
        if (o)
            r->wa_off[k] = o;
        uint32_t *l = realloc(r->wa_len[k], n * sizeof *l);
        if (l) {
            memset(l + r->cap, 0, (n - r->cap) * sizeof *l);
            r->wa_len[k] = l;
        }
        double *w = realloc(r->wa_raw[k], n * sizeof *w);
        if (w)
            r->wa_raw[k] = w;
        if (!o || !l || !w)
            return -1;
    }
    r->pvalid = 0; /* the arrays' old contents are kept, but not relied on */
    r->cap = n;
    return 0;
}

/* the checks every trace line gets, on s[0 .. n) as read (with its newline when it has
 * one): longer than maxline, a NUL byte, no newline (a truncated file); then the newline
 * and a '\r' before it are cut. 1 with *len, or -1 with why (and *col when it has one);
 * one copy for the line reader below and the trace reader's buffered one */
static int line_check(char *s, size_t n, size_t maxline, size_t *len, size_t *col, char *why,
                      size_t whylen)
{
    *col = 0;
    if (n > maxline) {
        snprintf(why, whylen, "line longer than %zu MiB", maxline >> 20);
        return -1;
    }
    const char *z = memchr(s, '\0', n);
    if (z) {
        *col = (size_t)(z - s) + 1;
        snprintf(why, whylen, "NUL byte in the line");
        return -1;
    }
    if (n == 0 || s[n - 1] != '\n') {
        *col = n + 1;
        snprintf(why, whylen, "truncated line: the file ends without a newline after this record");
        return -1;
    }
    s[--n] = '\0';
    if (n && s[n - 1] == '\r')
        s[--n] = '\0';
    *len = n;
    return 1;
}

/* reads the next line into r->line without its newline; 1 line, 0 EOF, -1 error */
int gn_io_trace_getline(gn_io_trace_line *L, FILE *f, size_t maxline)
{
    errno = 0;
    ssize_t k;
    L->col = 0;
    L->why[0] = '\0';
    if (L->first) { /* the caller's line, as getline returned it */
        size_t n1 = strlen(L->first) + 1;
        if (n1 > L->cap) {
            char *p = realloc(L->line, n1);
            if (!p) {
                snprintf(L->why, sizeof L->why, "out of memory");
                return -1;
            }
            L->line = p;
            L->cap = n1;
        }
        memcpy(L->line, L->first, n1);
        free(L->first);
        L->first = NULL;
        k = (ssize_t)(n1 - 1);
    } else
        k = getline(&L->line, &L->cap, f);
    if (k < 0) {
        if (ferror(f)) {
            snprintf(L->why, sizeof L->why, "read error: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    L->lineno++;
    return line_check(L->line, (size_t)k, maxline, &L->len, &L->col, L->why, sizeof L->why);
}

#define RCHUNK ((size_t)256 << 10) /* bytes asked of the stream at a time */

/* the next line from the read buffer, as gn_io_trace_getline reads it (the same checks,
 * messages and line numbers), without copying it: r->line points into rb. Lines are cut
 * from large reads (fewer system calls, one copy less than getline); a refill moves the
 * unread bytes to the front, which ends the previous line's life (pvalid = 0) */
static int buf_line(gn_io_trace_reader *r, size_t *len, char *err, size_t errlen)
{
    for (;;) {
        char *s = r->rb ? r->rb + r->rs : NULL; /* NULL before the first read */
        size_t avail = r->re - r->rs;
        char *nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl || r->reof || avail > MAXLINE) {
            size_t n = nl ? (size_t)(nl - s) + 1 : avail; /* with its newline, as getline */
            if (n == 0)
                return 0;
            r->lineno++;
            r->rs += n;
            char why[128];
            size_t col;
            if (line_check(s, n, MAXLINE, len, &col, why, sizeof why) < 0) {
                fail(r, err, errlen, col, NULL, "%s", why);
                return -1;
            }
            r->line = s;
            return 1;
        }
        if (r->rs) {
            memmove(r->rb, s, avail);
            r->rs = 0;
            r->re = avail;
            r->pvalid = 0;
        }
        if (r->rbcap - r->re < RCHUNK) { /* geometric growth: a 60 MB line is not copied often */
            size_t cap = r->re + 2 * RCHUNK > 2 * r->rbcap ? r->re + 2 * RCHUNK : 2 * r->rbcap;
            char *q = realloc(r->rb, cap);
            if (!q) {
                fail(r, err, errlen, 0, NULL, "out of memory");
                return -1;
            }
            r->rb = q;
            r->rbcap = cap;
            r->pvalid = 0;
        }
        errno = 0;
        size_t k = fread(r->rb + r->re, 1, r->rbcap - r->re, r->f);
        r->re += k;
        if (k == 0) {
            if (ferror(r->f)) {
                fail(r, err, errlen, 0, NULL, "read error: %s", strerror(errno));
                return -1;
            }
            r->reof = 1;
        }
    }
}

/* the next line into r->line: the caller's first line (gn_io_trace_getline), then buf_line;
 * 1 line, 0 EOF, -1 error */
static int read_line(gn_io_trace_reader *r, size_t *len, char *err, size_t errlen)
{
    if (!r->first)
        return buf_line(r, len, err, errlen);
    gn_io_trace_line L = {r->own, r->owncap, 0, r->lineno, r->first, 0, ""};
    int k = gn_io_trace_getline(&L, r->f, MAXLINE);
    r->own = L.line;
    r->owncap = L.cap;
    r->lineno = L.lineno;
    r->first = L.first;
    r->line = r->own;
    if (k < 0)
        fail(r, err, errlen, L.col, NULL, "%s", L.why);
    *len = L.len;
    return k;
}

static int blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0' || *s == '#';
}

static int lookup_field(const char *s, size_t len)
{
    for (int f = 0; f < GN_IO_TRACE_NS; f++)
        if (strlen(field_names[f]) == len && !strncmp(s, field_names[f], len))
            return f;
    return -1;
}

static int lookup_vec(const char *s, size_t len)
{
    if (len == 1 && s[0] == 'x')
        return GN_IO_TRACE_V_J;
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if (strlen(vec_names[v]) == len && !strncmp(s, vec_names[v], len))
            return v;
    return -1;
}

static int lookup_method(const char *s)
{
    for (int m = 0; m < GN_IO_TRACE_NM; m++)
        if (!strcmp(s, method_names[m]))
            return m;
    return -1;
}

static int parse_dtype(const char *s)
{
    if (!strcmp(s, "float64") || !strcmp(s, "double") || !strcmp(s, "f64"))
        return GN_IO_TRACE_F64;
    if (!strcmp(s, "float32") || !strcmp(s, "float") || !strcmp(s, "f32"))
        return GN_IO_TRACE_F32;
    return -1;
}

/* the kind of a word column or key (method, dtype, loss), -1 for any other name */
static int word_kind(const char *name)
{
    return !strcmp(name, "method") ? COL_METHOD
           : !strcmp(name, "dtype") ? COL_DTYPE
           : !strcmp(name, "loss")  ? COL_LOSS
                                    : -1;
}

/* stores the word s of a method, dtype or loss column; col and cname place the message */
static gn_status set_word(gn_io_trace_reader *r, int kind, const char *s, size_t col,
                          const char *cname, char *err, size_t errlen)
{
    if (kind == COL_METHOD) {
        int m = lookup_method(s);
        if (m < 0)
            return fail(r, err, errlen, col, cname,
                        "unknown method '%.40s' (sgd normgrad sps nlms ignd ignd_undamped "
                        "adam adam_ignd)", s);
        r->rec.method = (gn_io_trace_method)m;
        r->rec.has_s |= 1u << 30;
    } else if (kind == COL_DTYPE) {
        int d = parse_dtype(s);
        if (d < 0)
            return fail(r, err, errlen, col, cname,
                        "unknown dtype '%.40s' (float64 or float32)", s);
        r->rec.dtype = (gn_io_trace_dtype)d;
        r->rec.has_s |= 1u << 31;
    } else {
        gn_loss_kind k;
        if (gn_loss_parse(&k, s) != GN_OK)
            return fail(r, err, errlen, col, cname, "unknown loss '%.40s' (squared or bce)", s);
        r->rec.loss = k;
        r->rec.has_loss = 1;
    }
    return GN_OK;
}

/* Parses a number occupying [s, end) exactly (surrounding blanks allowed); the text
 * after end must not be part of a number (the line is NUL-terminated, so strtod reads in
 * place). 0 ok, -1 not a number. */
static int parse_number(double *out, const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - s);
    if (len == 0)
        return -1;
    unsigned char c0 = (unsigned char)s[0];
    unsigned char c1 = len > 1 ? (unsigned char)s[1] : '0';
    int numeric = isdigit(c0) || c0 == '.' ||
                  ((c0 == '-' || c0 == '+') && (isdigit(c1) || c1 == '.'));
    if (numeric && gn_io_num_fast(out, s, len) == 0) /* num.c: the same double as strtod */
        return 0;
    if (!numeric) {
#define WORD(w) (len == sizeof(w) - 1 && !memcmp(s, w, len))
        if (WORD("NaN") || WORD("nan") || WORD("null")) {
            *out = NAN;
            return 0;
        }
        if (WORD("Infinity") || WORD("inf")) {
            *out = INFINITY;
            return 0;
        }
        if (WORD("-Infinity") || WORD("-inf")) {
            *out = -INFINITY;
            return 0;
        }
#undef WORD
        /* strtod's own words (nan(...), infinity, ...) are refused */
        return -1;
    }
    /* a decimal the fast path declined, or a C99 hex float */
    char *e;
    double v = strtod(s, &e);
    if (e != end)
        return -1;
    *out = v;
    return 0;
}

/* 1 when the decimal or hex text s..end, read as x, can stand for a float32 value: within
 * 2^-40 relative of one (a float32 printed with 12 or more digits, or exactly), or a decimal
 * of at most 9 significant digits (float32's shortest round trip: numpy's repr) */
static int f32_text_ok(const char *s, const char *end, double x)
{
    if (!isfinite(x) || fabs(x) > FLT_MAX || fabs(x - (double)(float)x) <= 0x1p-40 * fabs(x))
        return 1;
    const char *p = s, *first = NULL;
    if (p < end && (*p == '-' || *p == '+'))
        p++;
    if (end - p > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return 0;
    size_t nd = 0, lastn = 0;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (!first && *p == '0')
            continue;
        if (!first)
            first = p;
        nd++;
        if (*p != '0')
            lastn = nd; /* trailing zeros are not significant */
    }
    return lastn <= 9;
}

/* notes the first value of the record that cannot be a float32 (checked once the dtype is
 * known): the vectors and the scalars f, l, lp, lpp, which the implementation computed or
 * holds in float32 (the target y is data it converts, like the hyper-parameters: PyTorch's
 * exporter writes the float64 target) */
static void note_f32(gn_io_trace_reader *r, const char *s, const char *end, double x, int kind,
                     int which, size_t col, const char *cname)
{
    if (r->f64_col)
        return;
    if (kind == COL_SCALAR && which != GN_IO_TRACE_S_F && which != GN_IO_TRACE_S_L && which != GN_IO_TRACE_S_LP && which != GN_IO_TRACE_S_LPP)
        return;
    if (f32_text_ok(s, end, x))
        return;
    r->f64_col = col;
    snprintf(r->f64_name, sizeof r->f64_name, "%s", cname ? cname : "?");
    snprintf(r->f64_text, sizeof r->f64_text, "%.*s", (int)(end - s > 40 ? 40 : end - s), s);
}

/* stores a parsed value; rejects non-finite inputs (w_after may be non-finite) */
static gn_status store(gn_io_trace_reader *r, double v, int kind, int which, size_t idx, size_t col,
                       const char *cname, char *err, size_t errlen)
{
    int output = kind == COL_VEC && which == GN_IO_TRACE_V_WAFTER;
    if (!isfinite(v) && !output)
        return fail(r, err, errlen, col, cname,
                    "%s where a finite number is required (an input of the step)",
                    isnan(v) ? "NaN or null" : "an infinite value");
    if (kind == COL_VEC) {
        r->buf[which][idx] = v;
        r->rec.has_v |= 1u << which;
    } else {
        if (which == GN_IO_TRACE_S_STEP)
            r->step_col = col;
        r->rec.scol[which] = col;
        r->rec.s[which] = v;
        r->rec.has_s |= 1u << which;
    }
    return GN_OK;
}

/* the previous record's fast w_after token idx when s[0 .. avail) starts with it: its
 * length with *x its value, else 0; the caller checks the byte after it ends the token */
static inline size_t wa_reuse(const gn_io_trace_reader *r, double *x, size_t idx, const char *s,
                       size_t avail)
{
    int pv = r->wa_cur ^ 1;
    size_t n = r->pvalid && idx < r->cap ? r->wa_len[pv][idx] : 0;
    if (!n || n > avail || memcmp(s, r->pline + r->wa_off[pv][idx], n))
        return 0;
    *x = r->wa_raw[pv][idx];
    return n;
}

/* notes this record's w_after token idx at s (len bytes, value x), read by the fast path */
static inline void wa_note(gn_io_trace_reader *r, size_t idx, const char *s, size_t len, double x)
{
    if (idx >= r->cap || len > UINT32_MAX || (size_t)(s - r->line) > UINT32_MAX)
        return;
    r->wa_off[r->wa_cur][idx] = (uint32_t)(s - r->line);
    r->wa_len[r->wa_cur][idx] = (uint32_t)len;
    r->wa_raw[r->wa_cur][idx] = x;
}

/* a vector key with a component index: "w_after_12" -> (w_after, 12) */
static int split_vec_column(int *which, size_t *idx, const char *s)
{
    const char *u = strrchr(s, '_');
    if (!u || !u[1])
        return -1;
    for (const char *p = u + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    if (strlen(u + 1) > 9 || (u[1] == '0' && u[2]))
        return -1;
    int v = lookup_vec(s, (size_t)(u - s));
    if (v < 0)
        return -1;
    *which = v;
    *idx = (size_t)strtoul(u + 1, NULL, 10);
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* the header's columns; seen (GN_IO_TRACE_NV x 10^6 bits, zeroed) marks the vector
 * components met, so a repeated one is found in constant time (a d = 10^6 header has 3
 * million columns: comparing names pairwise would never finish) */
static gn_status csv_header_cols(gn_io_trace_reader *r, unsigned char *seen, char *err,
                                 size_t errlen)
{
    size_t cap = 16;
    r->cols = calloc(cap, sizeof *r->cols);
    if (!r->cols)
        return GN_ENOMEM;
    size_t nv[GN_IO_TRACE_NV] = {0};
    char *p = r->line;
    for (size_t c = 1;; c++) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *nm = trim(p);
        if (r->ncols == cap) {
            column *q = realloc(r->cols, 2 * cap * sizeof *q);
            if (!q)
                return GN_ENOMEM;
            memset(q + cap, 0, cap * sizeof *q);
            r->cols = q;
            cap *= 2;
        }
        column *col = &r->cols[r->ncols];
        col->name = strdup(nm);
        if (!col->name)
            return GN_ENOMEM;
        r->ncols++;
        int f;
        if (!*nm)
            return fail(r, err, errlen, c, NULL, "empty column name in the header");
        if ((col->kind = word_kind(nm)) >= 0)
            ;
        else if ((f = lookup_field(nm, strlen(nm))) >= 0) {
            col->kind = COL_SCALAR;
            col->which = f;
        } else if (split_vec_column(&col->which, &col->idx, nm) == 0) {
            col->kind = COL_VEC;
            if (col->idx >= 1000000)
                return fail(r, err, errlen, c, nm, "vector index beyond 10^6");
            if (col->idx + 1 > nv[col->which])
                nv[col->which] = col->idx + 1;
        } else
            return fail(r, err, errlen, c, nm,
                        "unknown column (scalars: method dtype loss step alpha lambda mu beta1 "
                        "beta2 eps c lstar gamma_max t f y l lp lpp; vectors NAME_INDEX with "
                        "NAME one of w j x g m v w_after)");
        /* a duplicate: the same scalar or word seen (scanned: there are few), or the same
         * vector component (its slot in seen[], grown with the vectors): linear, so a header
         * of 3 million columns (d = 10^6) reads in time */
        size_t o = 0;
        if (col->kind == COL_VEC) {
            size_t slot = (size_t)col->which * 1000000u + col->idx;
            if (seen[slot / 8] >> (slot % 8) & 1u) {
                for (o = 0; o + 1 < r->ncols && strcmp(r->cols[o].name, nm); o++)
                    ;
                return fail(r, err, errlen, c, nm, "duplicate column (also column %zu)", o + 1);
            }
            seen[slot / 8] |= (unsigned char)(1u << (slot % 8));
        } else
            for (o = 0; o + 1 < r->ncols; o++)
                if (r->cols[o].kind != COL_VEC && !strcmp(r->cols[o].name, nm))
                    return fail(r, err, errlen, c, nm, "duplicate column (also column %zu)",
                                o + 1);
        if (!comma)
            break;
        p = comma + 1;
    }
    /* every vector present: indices 0..n-1 each once, the same n for all */
    size_t n = 0;
    for (int v = 0; v < GN_IO_TRACE_NV; v++) {
        if (!nv[v])
            continue;
        if (n && nv[v] != n)
            return fail(r, err, errlen, 0, NULL,
                        "vectors of different lengths in the header: %zu and %zu components",
                        n, nv[v]);
        n = nv[v];
    }
    if (n && grow(r, n))
        return GN_ENOMEM;
    for (int v = 0; v < GN_IO_TRACE_NV; v++) {
        if (!nv[v])
            continue;
        size_t count = 0;
        for (size_t c = 0; c < r->ncols; c++)
            count += r->cols[c].kind == COL_VEC && r->cols[c].which == v;
        if (count != n)
            return fail(r, err, errlen, 0, NULL,
                        "vector %s: the header needs columns %s_0 .. %s_%zu, each once",
                        vec_names[v], vec_names[v], vec_names[v], n - 1);
    }
    r->n = n;
    return GN_OK;
}

static gn_status csv_header(gn_io_trace_reader *r, char *err, size_t errlen)
{
    unsigned char *seen = calloc((size_t)GN_IO_TRACE_NV * 1000000u / 8 + 1, 1);
    if (!seen)
        return GN_ENOMEM;
    gn_status st = csv_header_cols(r, seen, err, errlen);
    free(seen);
    return st;
}

static gn_status csv_row(gn_io_trace_reader *r, size_t len, char *err, size_t errlen)
{
    char *p = r->line, *lend = r->line + len;
    uint32_t vpresent = 0, vempty = 0;
    size_t c = 0;
    for (;; c++) {
        if (c >= r->ncols)
            return fail(r, err, errlen, c + 1, NULL, "more fields than the header's %zu",
                        r->ncols);
        const column *col = &r->cols[c];
        gn_status st = GN_OK;
        if (col->kind == COL_SCALAR || col->kind == COL_VEC) {
            /* the common field: a number of the fast grammar, nothing else, then ',' or the
             * end of the line; its value is parse_number's (the same gn_io_num_fast) */
            double v;
            size_t k = 0, avail = (size_t)(lend - p);
            if (col->kind == COL_VEC && col->which == GN_IO_TRACE_V_W)
                k = wa_reuse(r, &v, col->idx, p, avail);
            if (!(k && (p + k == lend || p[k] == ',')))
                k = gn_io_num_fast_prefix(&v, p, avail);
            if (k && (p + k == lend || p[k] == ',')) {
                note_f32(r, p, p + k, v, col->kind, col->which, c + 1, col->name);
                if (col->kind == COL_VEC && col->which == GN_IO_TRACE_V_WAFTER)
                    wa_note(r, col->idx, p, k, v);
                if (col->kind == COL_VEC) {
                    r->buf[col->which][col->idx] = v;
                    r->rec.has_v |= 1u << col->which;
                    vpresent |= 1u << col->which;
                } else if ((st = store(r, v, col->kind, col->which, col->idx, c + 1, col->name,
                                       err, errlen)) != GN_OK) {
                    return st;
                }
                if (p + k == lend)
                    break;
                p += k + 1;
                continue;
            }
        }
        char *comma = memchr(p, ',', (size_t)(lend - p));
        char *end = comma ? comma : lend;
        char *s = p, *e = end;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        char save = *e;
        *e = '\0';
        if (s == e) {
            if (col->kind == COL_VEC)
                vempty |= 1u << col->which;
        } else if (col->kind == COL_METHOD || col->kind == COL_DTYPE || col->kind == COL_LOSS) {
            st = set_word(r, col->kind, s, c + 1, col->name, err, errlen);
        } else {
            double v;
            if (parse_number(&v, s, e))
                st = fail(r, err, errlen, c + 1, col->name, "'%.40s' is not a number", s);
            else if (note_f32(r, s, e, v, col->kind, col->which, c + 1, col->name), 1)
                st = store(r, v, col->kind, col->which, col->idx, c + 1, col->name, err,
                           errlen);
            if (col->kind == COL_VEC)
                vpresent |= 1u << col->which;
        }
        *e = save;
        if (st != GN_OK)
            return st;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (c + 1 != r->ncols)
        return fail(r, err, errlen, c + 2, c + 1 < r->ncols ? r->cols[c + 1].name : NULL,
                    "missing field: %zu fields, the header has %zu", c + 1, r->ncols);
    uint32_t partial = vpresent & vempty;
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if (partial >> v & 1) {
            size_t bad = 0;
            for (size_t k = 0; k < r->ncols; k++)
                if (r->cols[k].kind == COL_VEC && r->cols[k].which == v) {
                    bad = k;
                    break;
                }
            return fail(r, err, errlen, 0, NULL,
                        "vector %s is only partly given (some of its columns from %zu on are "
                        "empty)", vec_names[v], bad + 1);
        }
    r->rec.has_v &= ~vempty;
    return GN_OK;
}

/* ---- JSON Lines: one flat object per line */

typedef struct {
    const char *s;
    const char *p;
    const char *end; /* the line's NUL */
} jcur;

static void jws(jcur *j)
{
    while (*j->p == ' ' || *j->p == '\t')
        j->p++;
}

static size_t jcol(const jcur *j) { return (size_t)(j->p - j->s) + 1; }

/* a JSON string into r->tok; -1 on malformed */
static int jstring(gn_io_trace_reader *r, jcur *j)
{
    if (*j->p != '"')
        return -1;
    j->p++;
    size_t n = 0;
    for (;;) {
        char ch = *j->p;
        if (ch == '\0' || (unsigned char)ch < 0x20)
            return -1;
        j->p++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            char e = *j->p++;
            switch (e) {
            case '"': case '\\': case '/': ch = e; break;
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'u':
                for (int k = 0; k < 4; k++)
                    if (!isxdigit((unsigned char)*j->p++))
                        return -1;
                ch = '?'; /* non-ASCII never names a key or method */
                break;
            default:
                return -1;
            }
        }
        if (n + 2 > r->tokcap) {
            size_t nc = r->tokcap ? 2 * r->tokcap : 64;
            char *q = realloc(r->tok, nc);
            if (!q)
                return -2;
            r->tok = q;
            r->tokcap = nc;
        }
        r->tok[n++] = ch;
    }
    if (!r->tok) {
        r->tok = malloc(64);
        if (!r->tok)
            return -2;
        r->tokcap = 64;
    }
    r->tok[n] = '\0';
    return 0;
}

static int jnumber_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* the extent of a number-like token */
static const char *jnumber_end(const char *p)
{
    while (*p && jnumber_char(*p))
        p++;
    return p;
}

/* jnumber's fast path alone: 1 with *x and *e set, or 0. A token of the fast grammar
 * followed by a byte outside the token's characters is the whole token jnumber_end finds,
 * with parse_number's value (the same gn_io_num_fast). */
static int jnumber_fast(double *x, const char **e, const jcur *j)
{
    size_t k = gn_io_num_fast_prefix(x, j->p, (size_t)(j->end - j->p));
    if (k && !jnumber_char(j->p[k])) {
        *e = j->p + k;
        return 1;
    }
    return 0;
}

/* jnumber's other path: the whole number-like token, by parse_number */
static int jnumber_slow(double *x, const char **e, const jcur *j)
{
    *e = jnumber_end(j->p);
    return *e == j->p || parse_number(x, j->p, *e) ? -1 : 0;
}

/* the number-like token at j->p into *x and its end into *e; -1 when it is not a number */
static int jnumber(double *x, const char **e, const jcur *j)
{
    return jnumber_fast(x, e, j) ? 0 : jnumber_slow(x, e, j);
}

/* the value of a method, dtype or loss key: a string naming one of the words */
static gn_status json_word(gn_io_trace_reader *r, jcur *j, int kind, size_t vcol,
                           const char *key, char *err, size_t errlen)
{
    int rc = jstring(r, j);
    if (rc == -2)
        return GN_ENOMEM;
    if (rc)
        return fail(r, err, errlen, vcol, key, "expected a string");
    return set_word(r, kind, r->tok, vcol, key, err, errlen);
}

/* the value of a vector key: [x0, x1, ...] with the record's dimension */
static gn_status json_vector(gn_io_trace_reader *r, jcur *j, int v, size_t vcol,
                             const char *key, char *err, size_t errlen)
{
    if (*j->p != '[')
        return fail(r, err, errlen, vcol, key, "expected an array of numbers");
    j->p++;
    jws(j);
    size_t k = 0;
    while (*j->p != ']') {
        if (k) {
            if (*j->p != ',')
                return fail(r, err, errlen, jcol(j), key, "expected ',' or ']'");
            j->p++;
            jws(j);
        }
        size_t ecol = jcol(j);
        const char *e;
        double x;
        size_t kr = v == GN_IO_TRACE_V_W && k < r->n
                        ? wa_reuse(r, &x, k, j->p, (size_t)(j->end - j->p))
                        : 0;
        if (kr && !jnumber_char(j->p[kr]))
            e = j->p + kr;
        else if (jnumber_fast(&x, &e, j)) {
            if (v == GN_IO_TRACE_V_WAFTER && k < r->cap)
                wa_note(r, k, j->p, (size_t)(e - j->p), x);
        } else if (jnumber_slow(&x, &e, j))
            return fail(r, err, errlen, ecol, key, "element %zu: expected a number", k);
        if (r->n && k >= r->n)
            return fail(r, err, errlen, ecol, key,
                        "more than %zu elements (the first record's dimension)", r->n);
        if (k >= 1000000)
            return fail(r, err, errlen, ecol, key, "vector longer than 10^6 elements");
        if (k >= r->cap && grow(r, r->cap ? 2 * r->cap : 16))
            return GN_ENOMEM;
        if (isfinite(x) || v == GN_IO_TRACE_V_WAFTER) {
            note_f32(r, j->p, e, x, COL_VEC, v, ecol, key);
            r->buf[v][k] = x;
            r->rec.has_v |= 1u << v;
        } else {
            char cname[64];
            snprintf(cname, sizeof cname, "%s[%zu]", key, k);
            return store(r, x, COL_VEC, v, k, ecol, cname, err, errlen);
        }
        k++;
        j->p = e;
        jws(j);
    }
    j->p++;
    if (k == 0)
        return fail(r, err, errlen, vcol, key, "empty vector");
    if (!r->n)
        r->n = k;
    else if (k != r->n)
        return fail(r, err, errlen, vcol, key,
                    "%zu elements where the dimension is %zu (inconsistent sizes)", k, r->n);
    return GN_OK;
}

/* one "key": value pair; seen[0..2] are the scalars, vectors and words met so far */
static gn_status json_pair(gn_io_trace_reader *r, jcur *j, uint32_t seen[3], char *err,
                           size_t errlen)
{
    size_t kcol = jcol(j);
    int rc = jstring(r, j);
    if (rc == -2)
        return GN_ENOMEM;
    if (rc)
        return fail(r, err, errlen, kcol, NULL, "expected a key string");
    char key[48];
    snprintf(key, sizeof key, "%s", r->tok);
    jws(j);
    if (*j->p != ':')
        return fail(r, err, errlen, jcol(j), key, "expected ':'");
    j->p++;
    jws(j);
    size_t vcol = jcol(j);
    int f = -1, v = -1, kind = word_kind(key);
    if (kind >= 0)
        ;
    else if ((f = lookup_field(key, strlen(key))) >= 0)
        kind = COL_SCALAR;
    else if ((v = lookup_vec(key, strlen(key))) >= 0)
        kind = COL_VEC;
    else
        return fail(r, err, errlen, kcol, key, "unknown key");
    uint32_t bit = kind == COL_SCALAR ? 1u << f : kind == COL_VEC ? 1u << v : 1u << (20 + kind);
    uint32_t *sn = &seen[kind == COL_SCALAR ? 0 : kind == COL_VEC ? 1 : 2];
    if (*sn & bit)
        return fail(r, err, errlen, kcol, key, "duplicate key");
    *sn |= bit;
    if (kind == COL_VEC)
        return json_vector(r, j, v, vcol, key, err, errlen);
    if (kind != COL_SCALAR)
        return json_word(r, j, kind, vcol, key, err, errlen);
    const char *e;
    double x;
    if (jnumber(&x, &e, j))
        return fail(r, err, errlen, vcol, key, "expected a number");
    note_f32(r, j->p, e, x, COL_SCALAR, f, vcol, key);
    gn_status st = store(r, x, COL_SCALAR, f, 0, vcol, key, err, errlen);
    j->p = e;
    return st;
}

static gn_status json_row(gn_io_trace_reader *r, size_t len, char *err, size_t errlen)
{
    jcur j = {r->line, r->line, r->line + len};
    uint32_t seen[3] = {0, 0, 0};
    jws(&j);
    if (*j.p != '{')
        return fail(r, err, errlen, jcol(&j), NULL, "expected '{' (one JSON object per line)");
    j.p++;
    jws(&j);
    for (int first = 1; *j.p != '}'; first = 0) {
        if (!first) {
            if (*j.p != ',')
                return fail(r, err, errlen, jcol(&j), NULL, "expected ',' or '}'");
            j.p++;
            jws(&j);
        }
        gn_status st = json_pair(r, &j, seen, err, errlen);
        if (st != GN_OK)
            return st;
        jws(&j);
    }
    j.p++;
    jws(&j);
    if (*j.p)
        return fail(r, err, errlen, jcol(&j), NULL, "text after the object");
    return GN_OK;
}

/* the step column, when the first record has one: in every record, a whole number >= 0,
 * each the previous one + 1 (a missing step or steps out of order are refused) */
static gn_status check_step(gn_io_trace_reader *r, char *err, size_t errlen)
{
    int has = r->rec.has_s >> GN_IO_TRACE_S_STEP & 1;
    double st = r->rec.s[GN_IO_TRACE_S_STEP];
    const char *nm = field_names[GN_IO_TRACE_S_STEP];
    if (r->nrec == 0)
        r->have_step = has;
    if (!has) {
        if (r->have_step)
            return fail(r, err, errlen, 0, nm,
                        "no step where the first record has one (give it in every record)");
        return GN_OK;
    }
    if (!r->have_step)
        return fail(r, err, errlen, r->step_col, nm,
                    "a step where the first record has none (give it in every record or none)");
    if (!(st >= 0.0 && st <= 0x1p53 && st == floor(st)))
        return fail(r, err, errlen, r->step_col, nm, "step %.17g is not a whole number >= 0",
                    st);
    if (r->nrec > 0 && st != r->step + 1.0)
        return fail(r, err, errlen, r->step_col, nm,
                    "step %.17g after step %.17g: %s (steps increase by 1 from the first record's)",
                    st, r->step, st > r->step + 1.0 ? "missing steps" : "steps out of order");
    r->step = st;
    return GN_OK;
}

gn_status gn_io_trace_next(gn_io_trace_reader *r, const gn_io_trace_rec **rec, char *err,
                               size_t errlen)
{
    *rec = NULL;
    if (r->failed)
        return fail(r, err, errlen, 0, NULL, "the reader stopped at an earlier error");
    for (;;) {
        size_t len;
        int k = read_line(r, &len, err, errlen);
        if (k < 0)
            return GN_EINPUT;
        if (k == 0) {
            if (r->format == 0 || (r->format == 1 && r->ncols == 0))
                return fail(r, err, errlen, 0, NULL, "no records (empty trace)");
            if (r->nrec == 0)
                return fail(r, err, errlen, 0, NULL, "no records (only a header)");
            return GN_OK;
        }
        if (blank_or_comment(r->line))
            continue;
        if (r->format == 0) {
            const char *s = r->line;
            while (*s == ' ' || *s == '\t')
                s++;
            r->format = *s == '{' ? 2 : 1;
            if (r->format == 1) {
                gn_status st = csv_header(r, err, errlen);
                if (st != GN_OK) {
                    r->failed = 1;
                    return st;
                }
                continue;
            }
        }
        r->rec.has_s = 0;
        r->rec.has_v = 0;
        r->rec.has_loss = 0;
        r->step_col = 0;
        r->f64_col = 0;
        if (r->cap)
            memset(r->wa_len[r->wa_cur], 0, r->cap * sizeof *r->wa_len[r->wa_cur]);
        gn_status st = r->format == 1 ? csv_row(r, len, err, errlen) : json_row(r, len, err, errlen);
        if (st != GN_OK) {
            r->failed = 1;
            return st;
        }
        if (!(r->rec.has_s >> 30 & 1))
            return fail(r, err, errlen, 0, "method", "missing method");
        if (!(r->rec.has_s >> 31 & 1))
            return fail(r, err, errlen, 0, "dtype", "missing dtype (float64 or float32)");
        r->rec.has_s &= (1u << GN_IO_TRACE_NS) - 1;
        if ((st = check_step(r, err, errlen)) != GN_OK)
            return st;
        if (r->rec.dtype == GN_IO_TRACE_F32 && r->f64_col)
            return fail(r, err, errlen, r->f64_col, r->f64_name,
                        "'%s' is not a float32 value (more than 9 significant digits, not "
                        "within 2^-40 of a float32): float64 values in a float32 trace? Write "
                        "float32 values exactly or with at most 9 digits (numpy's repr), or "
                        "label the trace float64", r->f64_text);
        if (!r->rec.has_v || !r->n)
            return fail(r, err, errlen, 0, NULL, "a record without any vector (w, j, ...)");
        r->rec.n = r->n;
        for (int v = 0; v < GN_IO_TRACE_NV; v++)
            r->rec.v[v] = r->buf[v];
        if (r->rec.dtype == GN_IO_TRACE_F32) {
            /* the scalars the implementation computed in float32 (f, y and the loss terms;
             * the hyper-parameters are converted by the implementation, counted in the
             * bound, and step and t are counts) are float32 numbers too: a short decimal
             * ("0.1") stands for the float32 it rounds to */
            static const int f32_scalars[] = {GN_IO_TRACE_S_F, GN_IO_TRACE_S_Y, GN_IO_TRACE_S_L,
                                              GN_IO_TRACE_S_LP, GN_IO_TRACE_S_LPP};
            for (size_t k = 0; k < sizeof f32_scalars / sizeof f32_scalars[0]; k++) {
                int fi = f32_scalars[k];
                double x = r->rec.s[fi];
                if (!(r->rec.has_s >> fi & 1))
                    continue;
                if (fabs(x) >= 0x1.ffffffp127)
                    return fail(r, err, errlen, 0, field_names[fi],
                                "%.17g is beyond float32's range", x);
                r->rec.s[fi] = (double)(float)(fabs(x) > FLT_MAX ? copysign(FLT_MAX, x) : x);
            }
            /* values of a float32 trace are float32 numbers: round what was printed */
            for (int v = 0; v < GN_IO_TRACE_NV; v++)
                if (r->rec.has_v >> v & 1)
                    for (size_t i = 0; i < r->n; i++) {
                        /* float32 rounds |x| >= 2^128 - 2^103 to infinity: an input error,
                         * or the type's overflow in w_after; just below, to FLT_MAX */
                        double x = r->buf[v][i];
                        if (isfinite(x) && fabs(x) >= 0x1.ffffffp127 && v != GN_IO_TRACE_V_WAFTER)
                            return fail(r, err, errlen, 0, vec_names[v],
                                        "component %zu = %.17g is beyond float32's range", i, x);
                        if (fabs(x) >= 0x1.ffffffp127)
                            x = copysign(INFINITY, x);
                        else if (fabs(x) > FLT_MAX)
                            x = copysign(FLT_MAX, x);
                        r->buf[v][i] = (double)(float)x;
                    }
        }
        r->rec.line = r->lineno;
        r->rec.index = r->nrec++;
        r->pline = r->line;
        r->pvalid = 1;
        r->wa_cur ^= 1;
        *rec = &r->rec;
        return GN_OK;
    }
}

