/* audit.c: the trace reader (CSV and JSON Lines, streamed), the MPFR recomputation of each
 * recorded step under a set of variant knobs, the rounding-error bound a step must meet,
 * and the stream driver that classifies steps and tries the catalogue (val_audit.h). */
#include "val_audit.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- names */

static const char *const method_names[VAL_AM_N] = {
    "sgd", "normgrad", "sps", "nlms", "ignd", "ignd_undamped", "adam", "adam_ignd"};
static const char *const field_names[VAL_AF_N] = {
    "step", "alpha", "lambda", "mu", "beta1", "beta2", "eps", "c",
    "lstar", "gamma_max", "t", "f", "y", "l", "lp", "lpp"};
static const char *const vec_names[VAL_AV_N] = {"w", "j", "g", "m", "v", "w_after"};

const char *val_audit_method_name(val_audit_method m)
{
    return (unsigned)m < VAL_AM_N ? method_names[m] : "?";
}
const char *val_audit_field_name(val_audit_field f)
{
    return (unsigned)f < VAL_AF_N ? field_names[f] : "?";
}
const char *val_audit_vec_name(val_audit_vec v) { return (unsigned)v < VAL_AV_N ? vec_names[v] : "?"; }

double val_audit_unit(val_audit_dtype t) { return t == VAL_AT_F32 ? 0x1p-24 : 0x1p-53; }
static double type_eta(val_audit_dtype t) { return t == VAL_AT_F32 ? 0x1p-149 : 0x1p-1074; }

#define MAXLINE ((size_t)64 << 20)

/* ------------------------------------------------------------ the reader */

enum { COL_SCALAR, COL_VEC, COL_METHOD, COL_DTYPE, COL_LOSS };

typedef struct {
    int kind;
    int which;   /* field or vector */
    size_t idx;  /* vector component */
    char *name;
} column;

struct val_audit_reader {
    FILE *f;
    char name[256];
    int format;          /* 0 undecided, 1 CSV, 2 JSON Lines */
    int failed;
    char *line;
    size_t linecap;
    size_t lineno;
    column *cols;        /* CSV header */
    size_t ncols;
    size_t n;            /* dimension, 0 until known */
    size_t cap;          /* allocated vector length */
    double *buf[VAL_AV_N];
    val_audit_rec rec;
    uint64_t nrec;
    char *tok;           /* JSON string scratch */
    size_t tokcap;
};

val_audit_reader *val_audit_reader_open(FILE *f, const char *name)
{
    val_audit_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "trace");
    return r;
}

void val_audit_reader_free(val_audit_reader *r)
{
    if (!r)
        return;
    free(r->line);
    for (size_t c = 0; c < r->ncols; c++)
        free(r->cols[c].name);
    free(r->cols);
    for (int v = 0; v < VAL_AV_N; v++)
        free(r->buf[v]);
    free(r->tok);
    free(r);
}

static gn_status fail(val_audit_reader *r, char *err, size_t errlen, size_t col, const char *cname,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static gn_status fail(val_audit_reader *r, char *err, size_t errlen, size_t col, const char *cname,
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

static int grow(val_audit_reader *r, size_t n)
{
    if (n <= r->cap)
        return 0;
    for (int v = 0; v < VAL_AV_N; v++) {
        double *p = realloc(r->buf[v], n * sizeof(double));
        if (!p)
            return -1;
        r->buf[v] = p;
    }
    r->cap = n;
    return 0;
}

/* reads the next line into r->line without its newline; 1 line, 0 EOF, -1 error */
static int read_line(val_audit_reader *r, size_t *len, char *err, size_t errlen)
{
    errno = 0;
    ssize_t k = getline(&r->line, &r->linecap, r->f);
    if (k < 0) {
        if (ferror(r->f)) {
            fail(r, err, errlen, 0, NULL, "read error: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    r->lineno++;
    size_t n = (size_t)k;
    if (n > MAXLINE) {
        fail(r, err, errlen, 0, NULL, "line longer than 64 MiB");
        return -1;
    }
    if (strlen(r->line) != n) {
        fail(r, err, errlen, strlen(r->line) + 1, NULL, "NUL byte in the line");
        return -1;
    }
    if (n == 0 || r->line[n - 1] != '\n') {
        fail(r, err, errlen, n + 1, NULL,
             "truncated line: the file ends without a newline after this record");
        return -1;
    }
    r->line[--n] = '\0';
    if (n && r->line[n - 1] == '\r')
        r->line[--n] = '\0';
    *len = n;
    return 1;
}

static int blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0' || *s == '#';
}

static int lookup_field(const char *s, size_t len)
{
    for (int f = 0; f < VAL_AF_N; f++)
        if (strlen(field_names[f]) == len && !strncmp(s, field_names[f], len))
            return f;
    return -1;
}

static int lookup_vec(const char *s, size_t len)
{
    if (len == 1 && s[0] == 'x')
        return VAL_AV_J;
    for (int v = 0; v < VAL_AV_N; v++)
        if (strlen(vec_names[v]) == len && !strncmp(s, vec_names[v], len))
            return v;
    return -1;
}

static int lookup_method(const char *s)
{
    for (int m = 0; m < VAL_AM_N; m++)
        if (!strcmp(s, method_names[m]))
            return m;
    return -1;
}

static int parse_dtype(const char *s)
{
    if (!strcmp(s, "float64") || !strcmp(s, "double") || !strcmp(s, "f64"))
        return VAL_AT_F64;
    if (!strcmp(s, "float32") || !strcmp(s, "float") || !strcmp(s, "f32"))
        return VAL_AT_F32;
    return -1;
}

/* fast_decimal: a decimal [-+]ddd[.ddd][e[-+]dd] with at most 19 significant digits and a
 * power of ten within 10^+-27, converted by one correctly rounded x87 extended operation
 * (M and 10^|E| are exact in 64 bits), then rounded to double. That double rounding can
 * differ from a single rounding only when the extended result sits on a double midpoint
 * (its 11 low bits 0x400); results within one unit of that, and anything outside
 * [2^-1000, 2^1000], go to strtod. Returns 0, or -1 for "ask strtod". */
static int fast_decimal(double *out, const char *s, const char *end)
{
#if LDBL_MANT_DIG == 64
    static const long double p10[28] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    uint64_t M = 0;
    int nd = 0, e10 = 0, digit = 0, point = 0;
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            digit = 1;
            if (M == 0 && *p == '0') {
                e10 -= point;
                continue;
            }
            if (nd >= 19)
                return -1;
            M = 10 * M + (uint64_t)(*p - '0');
            nd++;
            e10 -= point;
        } else if (*p == '.' && !point) {
            point = 1;
        } else {
            break;
        }
    }
    if (!digit)
        return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ev = 0, ed = 0;
        if (p < end && (*p == '-' || *p == '+')) {
            eneg = *p == '-';
            p++;
        }
        for (; p < end && *p >= '0' && *p <= '9'; p++, ed++)
            if (ev < 100000)
                ev = 10 * ev + (*p - '0');
        if (!ed)
            return -1;
        e10 += eneg ? -ev : ev;
    }
    if (p != end)
        return -1;
    if (M == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (e10 < -27 || e10 > 27)
        return -1;
    long double r = (long double)M;
    r = e10 < 0 ? r / p10[-e10] : r * p10[e10];
    if (!(r >= 0x1p-1000L && r <= 0x1p1000L))
        return -1;
    uint64_t bits;
#if defined(__x86_64__) || defined(__i386__)
    memcpy(&bits, &r, sizeof bits); /* the x87 format stores its 64-bit significand first */
#else
    int ex;
    bits = (uint64_t)ldexpl(frexpl(r, &ex), 64);
#endif
    unsigned low = (unsigned)(bits & 0x7FF);
    if (low >= 0x3FF && low <= 0x401)
        return -1;
    double d = (double)r;
    *out = neg ? -d : d;
    return 0;
#else
    (void)out;
    (void)s;
    (void)end;
    return -1;
#endif
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
    if (numeric && fast_decimal(out, s, end) == 0)
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

/* stores a parsed value; rejects non-finite inputs (w_after may be non-finite) */
static gn_status store(val_audit_reader *r, double v, int kind, int which, size_t idx, size_t col,
                       const char *cname, char *err, size_t errlen)
{
    int output = kind == COL_VEC && which == VAL_AV_WAFTER;
    if (!isfinite(v) && !output)
        return fail(r, err, errlen, col, cname,
                    "%s where a finite number is required (an input of the step)",
                    isnan(v) ? "NaN or null" : "an infinite value");
    if (kind == COL_VEC) {
        r->buf[which][idx] = v;
        r->rec.has_v |= 1u << which;
    } else {
        r->rec.s[which] = v;
        r->rec.has_s |= 1u << which;
    }
    return GN_OK;
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

static gn_status csv_header(val_audit_reader *r, char *err, size_t errlen)
{
    size_t cap = 16;
    r->cols = calloc(cap, sizeof *r->cols);
    if (!r->cols)
        return GN_ENOMEM;
    size_t nv[VAL_AV_N] = {0};
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
        if (!strcmp(nm, "method"))
            col->kind = COL_METHOD;
        else if (!strcmp(nm, "dtype"))
            col->kind = COL_DTYPE;
        else if (!strcmp(nm, "loss"))
            col->kind = COL_LOSS;
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
        for (size_t o = 0; o + 1 < r->ncols; o++)
            if (!strcmp(r->cols[o].name, nm))
                return fail(r, err, errlen, c, nm, "duplicate column (also column %zu)", o + 1);
        if (!comma)
            break;
        p = comma + 1;
    }
    /* every vector present: indices 0..n-1 each once, the same n for all */
    size_t n = 0;
    for (int v = 0; v < VAL_AV_N; v++) {
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
    for (int v = 0; v < VAL_AV_N; v++) {
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

static gn_status csv_row(val_audit_reader *r, char *err, size_t errlen)
{
    char *p = r->line;
    uint32_t vpresent = 0, vempty = 0;
    size_t c = 0;
    for (;; c++) {
        char *comma = strchr(p, ',');
        if (c >= r->ncols)
            return fail(r, err, errlen, c + 1, NULL, "more fields than the header's %zu",
                        r->ncols);
        char *end = comma ? comma : p + strlen(p);
        const column *col = &r->cols[c];
        char save = *end;
        *end = '\0';
        char *s = trim(p);
        gn_status st = GN_OK;
        if (!*s) {
            if (col->kind == COL_VEC)
                vempty |= 1u << col->which;
        } else if (col->kind == COL_METHOD) {
            int m = lookup_method(s);
            if (m < 0)
                st = fail(r, err, errlen, c + 1, col->name,
                          "unknown method '%.40s' (sgd normgrad sps nlms ignd ignd_undamped "
                          "adam adam_ignd)", s);
            r->rec.method = (val_audit_method)m;
            r->rec.has_s |= 1u << 30;
        } else if (col->kind == COL_DTYPE) {
            int d = parse_dtype(s);
            if (d < 0)
                st = fail(r, err, errlen, c + 1, col->name,
                          "unknown dtype '%.40s' (float64 or float32)", s);
            r->rec.dtype = (val_audit_dtype)d;
            r->rec.has_s |= 1u << 31;
        } else if (col->kind == COL_LOSS) {
            gn_loss_kind k;
            if (gn_loss_parse(&k, s) != GN_OK)
                st = fail(r, err, errlen, c + 1, col->name,
                          "unknown loss '%.40s' (squared or bce)", s);
            r->rec.loss = k;
            r->rec.has_loss = 1;
        } else {
            double v;
            if (parse_number(&v, s, s + strlen(s)))
                st = fail(r, err, errlen, c + 1, col->name, "'%.40s' is not a number", s);
            else
                st = store(r, v, col->kind, col->which, col->idx, c + 1, col->name, err,
                           errlen);
            if (col->kind == COL_VEC)
                vpresent |= 1u << col->which;
        }
        *end = save;
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
    for (int v = 0; v < VAL_AV_N; v++)
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
} jcur;

static void jws(jcur *j)
{
    while (*j->p == ' ' || *j->p == '\t')
        j->p++;
}

static size_t jcol(const jcur *j) { return (size_t)(j->p - j->s) + 1; }

/* a JSON string into r->tok; -1 on malformed */
static int jstring(val_audit_reader *r, jcur *j)
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

/* the extent of a number-like token */
static const char *jnumber_end(const char *p)
{
    while (*p && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'))
        p++;
    return p;
}

static gn_status json_row(val_audit_reader *r, char *err, size_t errlen)
{
    jcur j = {r->line, r->line};
    uint32_t seen_s = 0, seen_v = 0, seen_x = 0;
    jws(&j);
    if (*j.p != '{')
        return fail(r, err, errlen, jcol(&j), NULL, "expected '{' (one JSON object per line)");
    j.p++;
    jws(&j);
    int first = 1;
    while (*j.p != '}') {
        if (!first) {
            if (*j.p != ',')
                return fail(r, err, errlen, jcol(&j), NULL, "expected ',' or '}'");
            j.p++;
            jws(&j);
        }
        first = 0;
        size_t kcol = jcol(&j);
        int rc = jstring(r, &j);
        if (rc == -2)
            return GN_ENOMEM;
        if (rc)
            return fail(r, err, errlen, kcol, NULL, "expected a key string");
        char key[48];
        snprintf(key, sizeof key, "%s", r->tok);
        jws(&j);
        if (*j.p != ':')
            return fail(r, err, errlen, jcol(&j), key, "expected ':'");
        j.p++;
        jws(&j);
        size_t vcol = jcol(&j);
        int f = -1, v = -1;
        int kind;
        if (!strcmp(key, "method"))
            kind = COL_METHOD;
        else if (!strcmp(key, "dtype"))
            kind = COL_DTYPE;
        else if (!strcmp(key, "loss"))
            kind = COL_LOSS;
        else if ((f = lookup_field(key, strlen(key))) >= 0)
            kind = COL_SCALAR;
        else if ((v = lookup_vec(key, strlen(key))) >= 0)
            kind = COL_VEC;
        else
            return fail(r, err, errlen, kcol, key, "unknown key");
        uint32_t bit = kind == COL_SCALAR ? 1u << f : kind == COL_VEC ? 1u << v : 1u << (20 + kind);
        uint32_t *seen = kind == COL_SCALAR ? &seen_s : kind == COL_VEC ? &seen_v : &seen_x;
        if (*seen & bit)
            return fail(r, err, errlen, kcol, key, "duplicate key");
        *seen |= bit;
        if (kind == COL_METHOD || kind == COL_DTYPE || kind == COL_LOSS) {
            rc = jstring(r, &j);
            if (rc == -2)
                return GN_ENOMEM;
            if (rc)
                return fail(r, err, errlen, vcol, key, "expected a string");
            if (kind == COL_METHOD) {
                int m = lookup_method(r->tok);
                if (m < 0)
                    return fail(r, err, errlen, vcol, key,
                                "unknown method '%.40s' (sgd normgrad sps nlms ignd "
                                "ignd_undamped adam adam_ignd)", r->tok);
                r->rec.method = (val_audit_method)m;
                r->rec.has_s |= 1u << 30;
            } else if (kind == COL_DTYPE) {
                int d = parse_dtype(r->tok);
                if (d < 0)
                    return fail(r, err, errlen, vcol, key,
                                "unknown dtype '%.40s' (float64 or float32)", r->tok);
                r->rec.dtype = (val_audit_dtype)d;
                r->rec.has_s |= 1u << 31;
            } else {
                gn_loss_kind k;
                if (gn_loss_parse(&k, r->tok) != GN_OK)
                    return fail(r, err, errlen, vcol, key,
                                "unknown loss '%.40s' (squared or bce)", r->tok);
                r->rec.loss = k;
                r->rec.has_loss = 1;
            }
        } else if (kind == COL_SCALAR) {
            const char *e = jnumber_end(j.p);
            double x;
            if (e == j.p || parse_number(&x, j.p, e))
                return fail(r, err, errlen, vcol, key, "expected a number");
            gn_status st = store(r, x, COL_SCALAR, f, 0, vcol, key, err, errlen);
            if (st != GN_OK)
                return st;
            j.p = e;
        } else {
            if (*j.p != '[')
                return fail(r, err, errlen, vcol, key, "expected an array of numbers");
            j.p++;
            jws(&j);
            size_t k = 0;
            while (*j.p != ']') {
                if (k) {
                    if (*j.p != ',')
                        return fail(r, err, errlen, jcol(&j), key, "expected ',' or ']'");
                    j.p++;
                    jws(&j);
                }
                size_t ecol = jcol(&j);
                const char *e = jnumber_end(j.p);
                double x;
                if (e == j.p || parse_number(&x, j.p, e))
                    return fail(r, err, errlen, ecol, key, "element %zu: expected a number", k);
                if (r->n && k >= r->n)
                    return fail(r, err, errlen, ecol, key,
                                "more than %zu elements (the first record's dimension)", r->n);
                if (k >= 1000000)
                    return fail(r, err, errlen, ecol, key, "vector longer than 10^6 elements");
                if (k >= r->cap && grow(r, r->cap ? 2 * r->cap : 16))
                    return GN_ENOMEM;
                if (isfinite(x) || v == VAL_AV_WAFTER) {
                    r->buf[v][k] = x;
                    r->rec.has_v |= 1u << v;
                } else {
                    char cname[64];
                    snprintf(cname, sizeof cname, "%s[%zu]", key, k);
                    return store(r, x, COL_VEC, v, k, ecol, cname, err, errlen);
                }
                k++;
                j.p = e;
                jws(&j);
            }
            j.p++;
            if (k == 0)
                return fail(r, err, errlen, vcol, key, "empty vector");
            if (!r->n)
                r->n = k;
            else if (k != r->n)
                return fail(r, err, errlen, vcol, key,
                            "%zu elements where the dimension is %zu (inconsistent sizes)", k,
                            r->n);
        }
        jws(&j);
    }
    j.p++;
    jws(&j);
    if (*j.p)
        return fail(r, err, errlen, jcol(&j), NULL, "text after the object");
    return GN_OK;
}

gn_status val_audit_reader_next(val_audit_reader *r, const val_audit_rec **rec, char *err,
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
        gn_status st = r->format == 1 ? csv_row(r, err, errlen) : json_row(r, err, errlen);
        if (st != GN_OK) {
            r->failed = 1;
            return st;
        }
        if (!(r->rec.has_s >> 30 & 1))
            return fail(r, err, errlen, 0, "method", "missing method");
        if (!(r->rec.has_s >> 31 & 1))
            return fail(r, err, errlen, 0, "dtype", "missing dtype (float64 or float32)");
        r->rec.has_s &= (1u << VAL_AF_N) - 1;
        if (!r->rec.has_v || !r->n)
            return fail(r, err, errlen, 0, NULL, "a record without any vector (w, j, ...)");
        r->rec.n = r->n;
        for (int v = 0; v < VAL_AV_N; v++)
            r->rec.v[v] = r->buf[v];
        if (r->rec.dtype == VAL_AT_F32) {
            /* values of a float32 trace are float32 numbers: round what was printed */
            for (int v = 0; v < VAL_AV_N; v++)
                if (r->rec.has_v >> v & 1)
                    for (size_t i = 0; i < r->n; i++) {
                        /* float32 rounds |x| >= 2^128 - 2^103 to infinity: an input error,
                         * or the type's overflow in w_after; just below, to FLT_MAX */
                        double x = r->buf[v][i];
                        if (isfinite(x) && fabs(x) >= 0x1.ffffffp127 && v != VAL_AV_WAFTER)
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
        *rec = &r->rec;
        return GN_OK;
    }
}

/* -------------------------------------------------------- recomputation */

struct val_audit_work {
    mpfr_prec_t prec;
    size_t cap;
    mpfr_ptr ex;  /* exact w_after */
    double *sab;  /* magnitude of the step, per component (+inf beyond double's range) */
    mpfr_t S, xi, lp, lpp, l, a, b, c, bc1, bc2, t1, t2, t3, q1, q2, ob1, ob2, B1, B2, E;
    /* facts for the bound */
    int lp_derived, lpp_derived, l_derived, g_given, e_derived;
    double p, q;  /* sigma(f) and 1 - sigma(f) for a derived BCE */
    double kl;    /* relative condition of l - lstar when l is derived */
};

val_audit_work *val_audit_work_alloc(mpfr_prec_t prec)
{
    if (prec < 64)
        prec = 64;
    val_audit_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->prec = prec;
    mpfr_inits2(prec, w->S, w->xi, w->lp, w->lpp, w->l, w->a, w->b, w->c, w->bc1, w->bc2,
                w->t1, w->t2, w->t3, w->ob1, w->ob2, w->B1, w->B2, w->E, (mpfr_ptr)0);
    mpfr_inits2(64, w->q1, w->q2, (mpfr_ptr)0);
    return w;
}

void val_audit_work_free(val_audit_work *w)
{
    if (!w)
        return;
    mpfr_clears(w->S, w->xi, w->lp, w->lpp, w->l, w->a, w->b, w->c, w->bc1, w->bc2, w->t1,
                w->t2, w->t3, w->q1, w->q2, w->ob1, w->ob2, w->B1, w->B2, w->E, (mpfr_ptr)0);
    for (size_t i = 0; i < w->cap; i++) {
        mpfr_clear(w->ex + i);
    }
    free(w->ex);
    free(w->sab);
    free(w);
}

static int work_grow(val_audit_work *w, size_t n)
{
    if (n <= w->cap)
        return 0;
    mpfr_ptr ex = realloc(w->ex, n * sizeof *ex);
    if (!ex)
        return -1;
    w->ex = ex;
    double *sab = realloc(w->sab, n * sizeof *sab);
    if (!sab)
        return -1;
    w->sab = sab;
    for (size_t i = w->cap; i < n; i++) {
        mpfr_init2(w->ex + i, w->prec);
    }
    w->cap = n;
    return 0;
}

#define HAS(r, f) ((r)->has_s >> (f) & 1u)
#define HASV(r, v) ((r)->has_v >> (v) & 1u)

static gn_status need(const val_audit_rec *r, int f, char *msg, size_t msglen)
{
    if (HAS(r, f))
        return GN_OK;
    snprintf(msg, msglen, "line %zu: method %s needs the field '%s'", r->line,
             method_names[r->method], field_names[f]);
    return GN_EINPUT;
}

static gn_status needv(const val_audit_rec *r, int v, char *msg, size_t msglen)
{
    if (HASV(r, v))
        return GN_OK;
    snprintf(msg, msglen, "line %zu: method %s needs the vector '%s'", r->line,
             method_names[r->method], vec_names[v]);
    return GN_EINPUT;
}

static gn_status domain(const val_audit_rec *r, const char *what, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "line %zu: %s (method %s)", r->line, what, method_names[r->method]);
    return GN_EINPUT;
}

/* l, l', l'' of the record: recorded, or from the loss at (f, y) in MPFR.
 * BCE from p = 1/(1+exp(-f)) and q = 1 - p = 1/(1+exp(f)) each evaluated directly, so
 * l'' = p q and l' = p - y (= -q when y = 1) carry no cancellation; the precision is
 * raised by |f|/log 2 bits so exp(+-f) keeps prec significant bits relative to 1. */
static gn_status resolve_loss(val_audit_work *wk, const val_audit_rec *r, int want_lpp, int want_l,
                              char *msg, size_t msglen)
{
    wk->lp_derived = wk->lpp_derived = wk->l_derived = 0;
    int have_fy = r->has_loss && HAS(r, VAL_AF_F) && HAS(r, VAL_AF_Y);
    int derive = (!HAS(r, VAL_AF_LP) || (want_lpp && !HAS(r, VAL_AF_LPP)) ||
                  (want_l && !HAS(r, VAL_AF_L)));
    if (derive && !have_fy) {
        const char *what = !HAS(r, VAL_AF_LP) ? "lp" : (want_lpp && !HAS(r, VAL_AF_LPP)) ? "lpp" : "l";
        snprintf(msg, msglen,
                 "line %zu: method %s needs '%s' (or 'loss', 'f' and 'y' to derive it)", r->line,
                 method_names[r->method], what);
        return GN_EINPUT;
    }
    if (derive) {
        double f = r->s[VAL_AF_F], y = r->s[VAL_AF_Y];
        if (r->loss == GN_LOSS_SQUARED) {
            mpfr_set_d(wk->t1, f, MPFR_RNDN);
            mpfr_sub_d(wk->t1, wk->t1, y, MPFR_RNDN);
            if (!HAS(r, VAL_AF_LP)) {
                mpfr_set(wk->lp, wk->t1, MPFR_RNDN);
                wk->lp_derived = 1;
            }
            if (want_lpp && !HAS(r, VAL_AF_LPP)) {
                mpfr_set_ui(wk->lpp, 1, MPFR_RNDN);
                wk->lpp_derived = 1;
            }
            if (want_l && !HAS(r, VAL_AF_L)) {
                mpfr_sqr(wk->l, wk->t1, MPFR_RNDN);
                mpfr_div_2ui(wk->l, wk->l, 1, MPFR_RNDN);
                wk->l_derived = 1;
                wk->kl = 3.0;
            }
            wk->p = wk->q = 0.5;
        } else {
            if (!(y >= 0.0 && y <= 1.0))
                return domain(r, "BCE needs y in [0, 1]", msg, msglen);
            if (fabs(f) > 4096.0) {
                snprintf(msg, msglen, "line %zu: |f| > 4096: the BCE reference declines", r->line);
                return GN_ERANGE;
            }
            mpfr_prec_t pp = mpfr_get_prec(wk->lp) + (mpfr_prec_t)(fabs(f) * 1.4427) + 64;
            mpfr_t p, q, t;
            mpfr_inits2(pp, p, q, t, (mpfr_ptr)0);
            mpfr_set_d(t, -f, MPFR_RNDN);
            mpfr_exp(t, t, MPFR_RNDN);
            mpfr_add_ui(t, t, 1, MPFR_RNDN);
            mpfr_ui_div(p, 1, t, MPFR_RNDN);
            mpfr_set_d(t, f, MPFR_RNDN);
            mpfr_exp(t, t, MPFR_RNDN);
            mpfr_add_ui(t, t, 1, MPFR_RNDN);
            mpfr_ui_div(q, 1, t, MPFR_RNDN);
            wk->p = mpfr_get_d(p, MPFR_RNDN);
            wk->q = mpfr_get_d(q, MPFR_RNDN);
            if (!HAS(r, VAL_AF_LP)) {
                if (y == 1.0)
                    mpfr_neg(wk->lp, q, MPFR_RNDN);
                else
                    mpfr_sub_d(wk->lp, p, y, MPFR_RNDN);
                wk->lp_derived = 1;
            }
            if (want_lpp && !HAS(r, VAL_AF_LPP)) {
                mpfr_mul(wk->lpp, p, q, MPFR_RNDN);
                wk->lpp_derived = 1;
            }
            if (want_l && !HAS(r, VAL_AF_L)) {
                /* l = -y log p - (1 - y) log q */
                mpfr_log(p, p, MPFR_RNDN);
                mpfr_mul_d(p, p, -y, MPFR_RNDN);
                mpfr_log(q, q, MPFR_RNDN);
                mpfr_set_d(t, y, MPFR_RNDN);
                mpfr_ui_sub(t, 1, t, MPFR_RNDN);
                mpfr_mul(q, q, t, MPFR_RNDN);
                mpfr_neg(q, q, MPFR_RNDN);
                mpfr_add(wk->l, p, q, MPFR_RNDN);
                wk->l_derived = 1;
                double l = mpfr_get_d(wk->l, MPFR_RNDN);
                /* an implementation's l = max(f,0) - y f + log1p(exp(-|f|)): terms of size
                 * up to |f| + 1 summed with ~4 roundings */
                wk->kl = l > 0 ? 4.0 * (fabs(f) + 1.0) / l : INFINITY;
            }
            mpfr_clears(p, q, t, (mpfr_ptr)0);
        }
    }
    if (HAS(r, VAL_AF_LP))
        mpfr_set_d(wk->lp, r->s[VAL_AF_LP], MPFR_RNDN);
    if (want_lpp && HAS(r, VAL_AF_LPP))
        mpfr_set_d(wk->lpp, r->s[VAL_AF_LPP], MPFR_RNDN);
    if (want_l && HAS(r, VAL_AF_L))
        mpfr_set_d(wk->l, r->s[VAL_AF_L], MPFR_RNDN);
    if (want_lpp && mpfr_sgn(wk->lpp) < 0)
        return domain(r, "l'' < 0: the loss is not convex in f (outside the theory)", msg,
                      msglen);
    return GN_OK;
}

/* S = |j|^2 (or |g|^2 = lp^2 |j|^2 under g_norm; rounded to float32 under f32_sumsq) */
static void sumsq(val_audit_work *wk, const double *j, size_t n, const val_audit_knobs *k)
{
    mpfr_set_ui(wk->S, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(wk->t1, j[i], MPFR_RNDN);
        mpfr_sqr(wk->t1, wk->t1, MPFR_RNDN);
        mpfr_add(wk->S, wk->S, wk->t1, MPFR_RNDN);
    }
    if (k->g_norm) {
        mpfr_sqr(wk->t1, wk->lp, MPFR_RNDN);
        mpfr_mul(wk->S, wk->S, wk->t1, MPFR_RNDN);
    }
    if (k->f32_sumsq) {
        mpfr_prec_round(wk->S, 24, MPFR_RNDN);
        mpfr_prec_round(wk->S, mpfr_get_prec(wk->t1), MPFR_RNDN);
    }
}

/* wk->xi = 1 / den, den the IGND denominator under the knobs; -1 when den == 0 */
static int ignd_xi(val_audit_work *wk, const val_audit_rec *r, const val_audit_knobs *k)
{
    double lambda = HAS(r, VAL_AF_LAMBDA) ? r->s[VAL_AF_LAMBDA] : 0.0;
    double mu = HAS(r, VAL_AF_MU) ? r->s[VAL_AF_MU] : 0.0;
    if (r->method == VAL_AM_IGND_UNDAMPED || k->undamped) {
        mpfr_mul(wk->a, wk->lpp, wk->S, MPFR_RNDN);
    } else if (k->mu_after) {
        mpfr_mul(wk->a, wk->lpp, wk->S, MPFR_RNDN);
        mpfr_add_d(wk->a, wk->a, mu, MPFR_RNDN);
        mpfr_add_d(wk->a, wk->a, lambda, MPFR_RNDN);
    } else {
        if (k->no_lpp)
            mpfr_set_d(wk->a, mu, MPFR_RNDN);
        else
            mpfr_add_d(wk->a, wk->lpp, mu, MPFR_RNDN);
        mpfr_mul(wk->a, wk->a, wk->S, MPFR_RNDN);
        if (!k->no_lambda)
            mpfr_add_d(wk->a, wk->a, lambda, MPFR_RNDN);
    }
    if (mpfr_zero_p(wk->a))
        return -1;
    mpfr_ui_div(wk->xi, 1, wk->a, MPFR_RNDN);
    return 0;
}

/* w_after_i = w_i + coef * j_i: exact value and |step| */
static void apply_rank1(val_audit_work *wk, const val_audit_rec *r, const double *j, mpfr_srcptr coef)
{
    const double *w = r->v[VAL_AV_W];
    for (size_t i = 0; i < r->n; i++) {
        mpfr_mul_d(wk->t1, coef, j[i], MPFR_RNDN);
        wk->sab[i] = fabs(mpfr_get_d(wk->t1, MPFR_RNDA));
        mpfr_add_d(wk->ex + i, wk->t1, w[i], MPFR_RNDN);
    }
}

static gn_status adam_rule(val_audit_work *wk, const val_audit_rec *r, const val_audit_knobs *k,
                           const double *j, mpfr_srcptr gscale, int scale_after)
{
    /* g_i = gscale * j_i (gscale = 1 when g was recorded); under xi_after the Adam step is
     * multiplied by wk->xi afterwards (scale_after) */
    const double *w = r->v[VAL_AV_W], *m = r->v[VAL_AV_M], *v = r->v[VAL_AV_V];
    double alpha = r->s[VAL_AF_ALPHA], b1 = r->s[VAL_AF_BETA1], b2 = r->s[VAL_AF_BETA2];
    double eps = r->s[VAL_AF_EPS];
    unsigned long t1 = (unsigned long)r->s[VAL_AF_T] + 1;
    if (k->no_bias) {
        mpfr_set_ui(wk->bc1, 1, MPFR_RNDN);
        mpfr_set_ui(wk->bc2, 1, MPFR_RNDN);
    } else {
        mpfr_set_d(wk->bc1, b1, MPFR_RNDN);
        mpfr_pow_ui(wk->bc1, wk->bc1, t1, MPFR_RNDN);
        mpfr_ui_sub(wk->bc1, 1, wk->bc1, MPFR_RNDN);
        mpfr_set_d(wk->bc2, b2, MPFR_RNDN);
        mpfr_pow_ui(wk->bc2, wk->bc2, t1, MPFR_RNDN);
        mpfr_ui_sub(wk->bc2, 1, wk->bc2, MPFR_RNDN);
    }
    mpfr_set_d(wk->ob1, 1.0, MPFR_RNDN);
    mpfr_sub_d(wk->ob1, wk->ob1, b1, MPFR_RNDN); /* 1 - b1 (exact at prec >= 64) */
    mpfr_set_d(wk->ob2, 1.0, MPFR_RNDN);
    mpfr_sub_d(wk->ob2, wk->ob2, b2, MPFR_RNDN); /* 1 - b2 */
    /* ab = alpha / bc1 (times xi under xi_after); ib2 = 1 / bc2 */
    mpfr_ui_div(wk->t1, 1, wk->bc1, MPFR_RNDN);
    mpfr_mul_d(wk->bc1, wk->t1, alpha, MPFR_RNDN);
    if (scale_after)
        mpfr_mul(wk->bc1, wk->bc1, wk->xi, MPFR_RNDN);
    mpfr_ui_div(wk->bc2, 1, wk->bc2, MPFR_RNDN);
    double ab = mpfr_get_d(wk->bc1, MPFR_RNDA), ob1 = mpfr_get_d(wk->ob1, MPFR_RNDN);
    /* alpha m^ = (alpha/bc1)(1 - b1) g + (alpha/bc1) b1 m: the coefficients B1 and OB1
     * carry alpha/bc1 (one rounding each at the working precision) */
    mpfr_set_d(wk->B1, b1, MPFR_RNDN);
    mpfr_mul(wk->B1, wk->B1, wk->bc1, MPFR_RNDN);
    mpfr_mul(wk->ob1, wk->ob1, wk->bc1, MPFR_RNDN);
    /* v^ = (1 - b2)/bc2 g^2 + b2/bc2 v likewise (bc2 holds 1/bc2) */
    mpfr_set_d(wk->B2, b2, MPFR_RNDN);
    mpfr_mul(wk->B2, wk->B2, wk->bc2, MPFR_RNDN);
    mpfr_mul(wk->ob2, wk->ob2, wk->bc2, MPFR_RNDN);
    mpfr_set_d(wk->E, eps, MPFR_RNDN);
    for (size_t i = 0; i < r->n; i++) {
        mpfr_mul_d(wk->t3, gscale, j[i], MPFR_RNDN); /* g */
        double gd = fabs(mpfr_get_d(wk->t3, MPFR_RNDA));
        /* alpha m^ and v^ from m+ = b1 m + (1 - b1) g, v+ = b2 v + (1 - b2) g^2, each
         * with one rounding */
        mpfr_set_d(wk->t2, m[i], MPFR_RNDN);
        mpfr_fmma(wk->a, wk->ob1, wk->t3, wk->B1, wk->t2, MPFR_RNDN);
        mpfr_sqr(wk->t1, wk->t3, MPFR_RNDN);
        mpfr_set_d(wk->t2, v[i], MPFR_RNDN);
        mpfr_fmma(wk->t3, wk->ob2, wk->t1, wk->B2, wk->t2, MPFR_RNDN);
        /* denominator sqrt(v^) + eps, or sqrt(v^ + eps) */
        if (k->eps_inside) {
            mpfr_add(wk->t3, wk->t3, wk->E, MPFR_RNDN);
            mpfr_sqrt(wk->t3, wk->t3, MPFR_RNDN);
        } else {
            mpfr_sqrt(wk->t3, wk->t3, MPFR_RNDN);
            mpfr_add(wk->t3, wk->t3, wk->E, MPFR_RNDN);
        }
        /* step = alpha (m+/bc1) / den (times xi under xi_after) */
        mpfr_div(wk->a, wk->a, wk->t3, MPFR_RNDN);
        /* magnitude with |m| terms: alpha (b1 |m| + (1 - b1) |g|) / bc1 / den; a scale,
         * so double arithmetic (a few roundings) is enough; inf beyond range */
        wk->sab[i] = ab * (b1 * fabs(m[i]) + ob1 * gd) / mpfr_get_d(wk->t3, MPFR_RNDZ);
        if (k->flip_sign)
            mpfr_add_d(wk->ex + i, wk->a, w[i], MPFR_RNDN);
        else
            mpfr_d_sub(wk->ex + i, w[i], wk->a, MPFR_RNDN);
    }
    return GN_OK;
}

gn_status val_audit_rule(double *err, size_t *worst, val_audit_work *wk, const val_audit_rec *r,
                        const val_audit_knobs *k, char *msg, size_t msglen)
{
    static const val_audit_knobs none;
    if (!k)
        k = &none;
    *err = INFINITY;
    *worst = 0;
    if (msg && msglen)
        msg[0] = '\0';
    char dummy[8];
    if (!msg || !msglen) {
        msg = dummy;
        msglen = sizeof dummy;
    }
    gn_status st;
    if ((st = needv(r, VAL_AV_W, msg, msglen)) || (st = needv(r, VAL_AV_WAFTER, msg, msglen)) ||
        (st = need(r, VAL_AF_ALPHA, msg, msglen)))
        return st;
    if (work_grow(wk, r->n))
        return GN_ENOMEM;
    double alpha = r->s[VAL_AF_ALPHA];
    if (!(alpha > 0.0))
        return domain(r, "alpha must be > 0", msg, msglen);
    val_audit_method me = r->method;
    int adam = me == VAL_AM_ADAM || me == VAL_AM_ADAM_IGND;
    int damped = me == VAL_AM_IGND || me == VAL_AM_ADAM_IGND;
    int uses_g = (me == VAL_AM_SGD || me == VAL_AM_ADAM) && HASV(r, VAL_AV_G);
    wk->g_given = uses_g;
    wk->e_derived = 0;
    if (!uses_g && (st = needv(r, VAL_AV_J, msg, msglen)))
        return st;
    if (damped) {
        if ((st = need(r, VAL_AF_LAMBDA, msg, msglen)))
            return st;
        if (!(r->s[VAL_AF_LAMBDA] > 0.0))
            return domain(r, "lambda must be > 0 for damped IGND", msg, msglen);
        if (HAS(r, VAL_AF_MU) && !(r->s[VAL_AF_MU] >= 0.0))
            return domain(r, "mu must be >= 0", msg, msglen);
    }
    if (adam) {
        if ((st = need(r, VAL_AF_BETA1, msg, msglen)) || (st = need(r, VAL_AF_BETA2, msg, msglen)) ||
            (st = need(r, VAL_AF_EPS, msg, msglen)) || (st = need(r, VAL_AF_T, msg, msglen)) ||
            (st = needv(r, VAL_AV_M, msg, msglen)) || (st = needv(r, VAL_AV_V, msg, msglen)))
            return st;
        double b1 = r->s[VAL_AF_BETA1], b2 = r->s[VAL_AF_BETA2], t = r->s[VAL_AF_T];
        if (!(b1 >= 0.0 && b1 < 1.0) || !(b2 >= 0.0 && b2 < 1.0))
            return domain(r, "beta1 and beta2 must be in [0, 1)", msg, msglen);
        if (!(r->s[VAL_AF_EPS] > 0.0))
            return domain(r, "eps must be > 0", msg, msglen);
        if (!(t >= 0.0 && t <= 0x1p53 && t == floor(t)))
            return domain(r, "t (steps taken before this one) must be a whole number >= 0",
                          msg, msglen);
        for (size_t i = 0; i < r->n; i++)
            if (!(r->v[VAL_AV_V][i] >= 0.0)) {
                snprintf(msg, msglen, "line %zu: v[%zu] = %.17g < 0 (a second moment)", r->line,
                         i, r->v[VAL_AV_V][i]);
                return GN_EINPUT;
            }
    }
    const double *j = uses_g ? r->v[VAL_AV_G] : r->v[VAL_AV_J];
    int want_lp = !uses_g && me != VAL_AM_NLMS;
    int want_lpp = damped || me == VAL_AM_IGND_UNDAMPED;
    int want_l = me == VAL_AM_SPS;
    if (want_lp && (st = resolve_loss(wk, r, want_lpp, want_l, msg, msglen)))
        return st;
    if (!want_lp)
        wk->lp_derived = wk->lpp_derived = wk->l_derived = 0;
    double sg = k->flip_sign ? 1.0 : -1.0;

    switch (me) {
    case VAL_AM_SGD:
        /* coef = -alpha lp (or -alpha on a recorded g) */
        if (uses_g)
            mpfr_set_d(wk->c, sg * alpha, MPFR_RNDN);
        else
            mpfr_mul_d(wk->c, wk->lp, sg * alpha, MPFR_RNDN);
        apply_rank1(wk, r, j, wk->c);
        break;
    case VAL_AM_NORMGRAD:
        sumsq(wk, j, r->n, k);
        if (mpfr_zero_p(wk->lp) || mpfr_zero_p(wk->S))
            return GN_EZERO;
        mpfr_sqrt(wk->c, wk->S, MPFR_RNDN);
        mpfr_ui_div(wk->c, 1, wk->c, MPFR_RNDN);
        mpfr_mul_d(wk->c, wk->c, sg * alpha * (mpfr_sgn(wk->lp) > 0 ? 1.0 : -1.0), MPFR_RNDN);
        apply_rank1(wk, r, j, wk->c);
        break;
    case VAL_AM_SPS: {
        if ((st = need(r, VAL_AF_C, msg, msglen)))
            return st;
        double c = r->s[VAL_AF_C], lstar = HAS(r, VAL_AF_LSTAR) ? r->s[VAL_AF_LSTAR] : 0.0;
        if (!(c > 0.0))
            return domain(r, "c must be > 0", msg, msglen);
        if (HAS(r, VAL_AF_GAMMA_MAX) && !(r->s[VAL_AF_GAMMA_MAX] > 0.0))
            return domain(r, "gamma_max must be > 0", msg, msglen);
        mpfr_sub_d(wk->a, wk->l, lstar, MPFR_RNDN);
        if (mpfr_sgn(wk->a) < 0)
            return domain(r, "l < lstar", msg, msglen);
        sumsq(wk, j, r->n, k);
        if (mpfr_zero_p(wk->lp) || mpfr_zero_p(wk->S))
            return GN_EZERO;
        /* gamma = (l - lstar) / (c lp^2 |j|^2), capped; coef = -gamma lp */
        mpfr_sqr(wk->b, wk->lp, MPFR_RNDN);
        mpfr_mul(wk->b, wk->b, wk->S, MPFR_RNDN);
        mpfr_mul_d(wk->b, wk->b, c, MPFR_RNDN);
        mpfr_div(wk->a, wk->a, wk->b, MPFR_RNDN);
        if (HAS(r, VAL_AF_GAMMA_MAX) && mpfr_cmp_d(wk->a, r->s[VAL_AF_GAMMA_MAX]) > 0)
            mpfr_set_d(wk->a, r->s[VAL_AF_GAMMA_MAX], MPFR_RNDN);
        /* coef = sg gamma lp */
        mpfr_mul(wk->c, wk->a, wk->lp, MPFR_RNDN);
        mpfr_mul_d(wk->c, wk->c, sg, MPFR_RNDN);
        apply_rank1(wk, r, j, wk->c);
        break;
    }
    case VAL_AM_NLMS: {
        if ((st = need(r, VAL_AF_EPS, msg, msglen)))
            return st;
        double eps = r->s[VAL_AF_EPS];
        if (!(eps > 0.0))
            return domain(r, "eps must be > 0", msg, msglen);
        /* e = y - f (or -lp when l' was recorded: squared loss) */
        if (HAS(r, VAL_AF_F) && HAS(r, VAL_AF_Y)) {
            mpfr_set_d(wk->b, r->s[VAL_AF_Y], MPFR_RNDN);
            mpfr_sub_d(wk->b, wk->b, r->s[VAL_AF_F], MPFR_RNDN);
            wk->e_derived = 1;
        } else if (HAS(r, VAL_AF_LP)) {
            mpfr_set_d(wk->b, -r->s[VAL_AF_LP], MPFR_RNDN);
        } else {
            snprintf(msg, msglen, "line %zu: method nlms needs 'f' and 'y' (or 'lp')", r->line);
            return GN_EINPUT;
        }
        sumsq(wk, j, r->n, k);
        mpfr_add_d(wk->a, wk->S, eps, MPFR_RNDN);
        mpfr_div(wk->c, wk->b, wk->a, MPFR_RNDN);
        mpfr_mul_d(wk->c, wk->c, -sg * alpha, MPFR_RNDN);
        apply_rank1(wk, r, j, wk->c);
        break;
    }
    case VAL_AM_IGND:
    case VAL_AM_IGND_UNDAMPED:
        sumsq(wk, j, r->n, k);
        if (ignd_xi(wk, r, k))
            return GN_EZERO; /* a zero denominator: only undamped forms reach it */
        mpfr_mul(wk->c, wk->xi, wk->lp, MPFR_RNDN);
        mpfr_mul_d(wk->c, wk->c, sg * alpha, MPFR_RNDN);
        apply_rank1(wk, r, j, wk->c);
        break;
    case VAL_AM_ADAM: {
        mpfr_t one;
        mpfr_init2(one, 64);
        if (uses_g)
            mpfr_set_ui(one, 1, MPFR_RNDN);
        else
            mpfr_set(one, wk->lp, MPFR_RNDN);
        adam_rule(wk, r, k, j, one, 0);
        mpfr_clear(one);
        break;
    }
    case VAL_AM_ADAM_IGND:
        sumsq(wk, j, r->n, k);
        if (ignd_xi(wk, r, k))
            return GN_EZERO;
        if (k->xi_after) {
            adam_rule(wk, r, k, j, wk->lp, 1);
        } else {
            mpfr_mul(wk->c, wk->xi, wk->lp, MPFR_RNDN);
            adam_rule(wk, r, k, j, wk->c, 0);
        }
        break;
    default:
        return domain(r, "unknown method", msg, msglen);
    }

    /* err = max_i |got_i - exact_i| / (u (|w_i| + |s_i|) + eta) */
    double u = val_audit_unit(r->dtype), eta = type_eta(r->dtype);
    const double *w = r->v[VAL_AV_W], *got = r->v[VAL_AV_WAFTER];
    double e = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < r->n; i++) {
        double ei;
        if (!isfinite(got[i])) {
            ei = INFINITY;
        } else {
            /* |got - exact| rounded once; the scale in double while it is a normal number
             * (a few roundings: relative 2^-50 on the measure), in MPFR otherwise */
            mpfr_d_sub(wk->t1, got[i], wk->ex + i, MPFR_RNDN);
            double diff = fabs(mpfr_get_d(wk->t1, MPFR_RNDN));
            double sa = wk->sab[i];
            double den = u * (fabs(w[i]) + sa) + eta;
            if (isfinite(diff) && den > 0x1p-1000 && den < 0x1p1000 && diff < 0x1p1000) {
                ei = diff / den;
            } else {
                /* beyond double's comfortable range: all in MPFR; when the magnitude
                 * overflowed, |exact - w| stands for it (a lower bound: stricter) */
                mpfr_abs(wk->t1, wk->t1, MPFR_RNDN);
                if (isfinite(sa)) {
                    mpfr_set_d(wk->q2, sa, MPFR_RNDN);
                } else {
                    mpfr_sub_d(wk->q2, wk->ex + i, w[i], MPFR_RNDN);
                    mpfr_abs(wk->q2, wk->q2, MPFR_RNDN);
                }
                mpfr_add_d(wk->q2, wk->q2, fabs(w[i]), MPFR_RNDU);
                mpfr_mul_d(wk->q2, wk->q2, u, MPFR_RNDU);
                mpfr_add_d(wk->q2, wk->q2, eta, MPFR_RNDU);
                mpfr_div(wk->q1, wk->t1, wk->q2, MPFR_RNDU);
                ei = mpfr_get_d(wk->q1, MPFR_RNDU);
            }
        }
        if (ei > e) {
            e = ei;
            at = i;
        }
    }
    *err = e;
    *worst = at;
    return GN_OK;
}

/* ---------------------------------------------------------------- bound */

/* gamma-style bound: an implementation whose step component s^_i = s_i (1 + th),
 * |th| <= gamma_k = k u / (1 - k u), then rounds w_i + s^_i once, errs by at most
 *   u |w_i + s_i| + gamma_k (1 + u) |s_i| <= u (|w_i| + |s_i|) (1 + (1 + u) k / (1 - k u)),
 * i.e. B = 1 + (1 + u) k / (1 - k u) units; vacuous (inf) once k u >= 1/2.
 * k counts the roundings on the path of s_i (Higham's counting, sums of n nonnegative
 * terms as n), per method:
 *   sgd, g recorded    2       alpha's conversion to the type, alpha g_i
 *   sgd, lp j          3       + lp j_i
 *   normgrad           n + 4   |j|^2 (n), sqrt, alpha/|j|, * j_i, alpha's conversion
 *   sps                n + 9   |j|^2, c lp^2 (2), * S, l - lstar, /, * lp, * j_i, 2 conversions
 *   nlms               n + 7   |x|^2, eps +, eta e, /, * x_i, 2 conversions (+1 if e = y - f)
 *   ignd               n + 10  |j|^2, lpp + mu, * S, + lambda, 1/, alpha lp xi (2), * j_i,
 *                              3 conversions (alpha, lambda, mu)
 *   ignd_undamped      n + 5   |j|^2, lpp S, 1/, alpha lp (1), * j_i, 1 conversion
 * For Adam the measure uses A_i = alpha (b1|m_i| + (1-b1)|g_i|) / bc1 / (sqrt(v^_i) + eps)
 * >= |s_i| (the recursion's magnitude: m+ may cancel), and relative to A_i:
 *   m+ 3 (two products and a sum, absolute in b1|m| + (1-b1)|g|); bc = 1 - b^t with b^t
 *   formed by up to t - 1 roundings (repeated multiplication, as TF.js does; pow does
 *   better) and, in float32, from a rounded b (relative t u more), then 1 - b^t (exact by
 *   Sterbenz when b^t >= 1/2, else 1 rounding): relative (t - 1 [+ t]) cond + 1,
 *   cond = b^t/(1 - b^t);
 *   m^ 1; v+ 5 (relative: all terms >= 0); sqrt(v+/bc2) as one sqrt of a quotient or as
 *   PyTorch's quotient of two sqrts: at most (5 + kbc2)/2 + 3; + eps 1;
 *   the ratio 1; alpha 1. In float32 the conversions of alpha, b1, b2, eps add 4, and
 *   (1 - b) formed from a rounded b adds b/(1 - b) (for b1 in m+, halved for b2 under the sqrt).
 *   A recorded g enters exactly; g = lp j adds 1 rounding to g, i.e. 1 on the m path and 2
 *   on v's (1 after the sqrt): 2. Adam-IGND's g~ = xi lp j carries k_g = n + 8 (ignd's count
 *   without alpha and its conversion), entering the same way: 2 k_g.
 * Loss terms, when l', l'' are derived from (loss, f, y) instead of recorded, add the error
 * of the implementation's own derivatives (the step is linear in l'; l'' enters the
 * denominator with a factor <= 1): squared l' = f - y 1; BCE l' = sigma(f) - y with sigma
 * to 4 roundings: 4 p/|p - y| + 1, l'' = p (1 - p) from a rounded p:
 * 9 + 4 max(p/(1-p), (1-p)/p); SPS's l from the stable form: 4 (|f| + 1)/l, scaled by
 * l/(l - lstar). Large values are honest: record l', l'' when auditing extreme logits. */
double val_audit_bound(const val_audit_work *wk, const val_audit_rec *r)
{
    double n = (double)r->n, u = val_audit_unit(r->dtype);
    int f32 = r->dtype == VAL_AT_F32;
    double k = 0.0;
    switch (r->method) {
    case VAL_AM_SGD:
        k = wk->g_given ? 2.0 : 3.0;
        break;
    case VAL_AM_NORMGRAD:
        k = n + 4.0;
        break;
    case VAL_AM_SPS:
        k = n + 9.0;
        break;
    case VAL_AM_NLMS:
        k = n + 7.0 + (wk->e_derived ? 1.0 : 0.0);
        break;
    case VAL_AM_IGND:
        k = n + 10.0;
        break;
    case VAL_AM_IGND_UNDAMPED:
        k = n + 5.0;
        break;
    case VAL_AM_ADAM:
    case VAL_AM_ADAM_IGND: {
        double b1 = r->s[VAL_AF_BETA1], b2 = r->s[VAL_AF_BETA2], t = r->s[VAL_AF_T] + 1.0;
        double p1 = pow(b1, t), p2 = pow(b2, t);
        double c1 = p1 / (1.0 - p1), c2 = p2 / (1.0 - p2);
        double rb = (t - 1.0) + (f32 ? t : 0.0);
        double kbc1 = rb * c1 + 1.0, kbc2 = rb * c2 + 1.0;
        /* the denominator: sqrt(v+/bc2) (v+ and bc2's errors halved, the division, the
         * sqrt) or PyTorch's sqrt(v+)/sqrt(bc2) (each sqrt 1, the division 1): the larger,
         * (5 + kbc2)/2 + 3, then + eps 1 */
        k = 3.0 + kbc1 + 1.0 + (5.0 + kbc2) / 2.0 + 3.0 + 1.0 + 1.0 + 1.0;
        if (f32)
            k += 4.0 + b1 / (1.0 - b1) + 0.5 * b2 / (1.0 - b2);
        if (r->method == VAL_AM_ADAM_IGND)
            k += 2.0 * (n + 8.0);
        else if (!wk->g_given)
            k += 2.0;
        break;
    }
    default:
        return INFINITY;
    }
    if (wk->lp_derived) {
        if (r->loss == GN_LOSS_SQUARED)
            k += 1.0;
        else /* |p - y| from the MPFR l' itself (no cancellation) */
            k += 4.0 * wk->p / fabs(mpfr_get_d(wk->lp, MPFR_RNDN)) + 1.0;
    }
    if (wk->lpp_derived && r->loss == GN_LOSS_BCE)
        k += 9.0 + 4.0 * fmax(wk->p / wk->q, wk->q / wk->p);
    if (wk->l_derived && r->method == VAL_AM_SPS) {
        double l = mpfr_get_d(wk->l, MPFR_RNDN);
        double lstar = HAS(r, VAL_AF_LSTAR) ? r->s[VAL_AF_LSTAR] : 0.0;
        k += wk->kl * l / (l - lstar);
    }
    if (!(k * u < 0.5))
        return INFINITY;
    return 1.0 + (1.0 + u) * k / (1.0 - k * u);
}

/* ------------------------------------------------------------- the audit */

val_audit_opts val_audit_opts_default(void)
{
    val_audit_opts o = {128, 1, 20};
    return o;
}

static int any_nonfinite(const val_audit_rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (!isfinite(r->v[VAL_AV_WAFTER][i]))
            return 1;
    return 0;
}

gn_status val_audit_stream(val_audit_summary *s, FILE *f, const char *name, const val_audit_opts *o,
                          void (*cb)(const val_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen)
{
    memset(s, 0, sizeof *s);
    val_audit_opts def = val_audit_opts_default();
    if (!o)
        o = &def;
    if (val_audit_ncatalogue > VAL_AUDIT_MAXCAT) {
        snprintf(err, errlen, "catalogue larger than VAL_AUDIT_MAXCAT");
        return GN_ESIZE;
    }
    val_audit_reader *rd = val_audit_reader_open(f, name);
    val_audit_work *wk = val_audit_work_alloc(o->prec);
    gn_status ret = GN_OK;
    if (!rd || !wk) {
        ret = GN_ENOMEM;
        goto out;
    }
    size_t listed = 0;
    for (;;) {
        const val_audit_rec *r;
        char msg[512];
        ret = val_audit_reader_next(rd, &r, err, errlen);
        if (ret != GN_OK || !r)
            break;
        double e;
        size_t worst;
        gn_status st = val_audit_rule(&e, &worst, wk, r, NULL, msg, sizeof msg);
        if (st == GN_ENOMEM) {
            ret = st;
            break;
        }
        if (st != GN_OK && st != GN_EZERO) {
            snprintf(err, errlen, "%s:%s", name ? name : "trace", msg);
            ret = GN_EINPUT;
            break;
        }
        double B = st == GN_OK ? val_audit_bound(wk, r) : INFINITY;
        val_audit_step step = {r->index, r->line, r->method, r->dtype, e, B, worst, st};
        s->steps++;
        s->dtypes |= 1u << r->dtype;
        s->methods |= 1u << r->method;
        /* an infinite B (k u >= 1/2: l', l'' derived where the loss is too ill-conditioned
         * for the type) proves nothing: such a step is not counted as agreeing */
        int agree = st == GN_OK && e <= B && B < INFINITY;
        double ratio = st == GN_OK ? (B > 0 ? e / B : INFINITY) : INFINITY;
        if (s->steps == 1 || ratio > s->largest_ratio || (ratio != ratio)) {
            s->largest_ratio = ratio;
            s->largest = step;
        }
        if (agree)
            continue;
        s->disagree++;
        if (!s->have_first) {
            s->have_first = 1;
            s->first = step;
        }
        if (cb && listed < o->max_listed) {
            cb(&step, arg);
            listed++;
        }
        if (!o->diagnose)
            continue;
        /* the bound the variant must meet is the paper rule's B at this record (the
         * variants change the formula, not the arithmetic's rounding) */
        double Bd = st == GN_OK ? B : val_audit_bound(wk, r);
        int nonfinite = any_nonfinite(r);
        for (size_t c = 0; c < val_audit_ncatalogue; c++) {
            const val_audit_variant *v = &val_audit_catalogue[c];
            if (!(v->methods >> r->method & 1u) || (v->f64_only && r->dtype == VAL_AT_F32))
                continue;
            s->tried[c]++;
            double ev;
            size_t wv;
            gn_status sv = v->recompute(&ev, &wv, wk, r, NULL, 0);
            double tol = Bd + (v->slack ? v->slack(r) : 0.0);
            if (sv == GN_OK && ev <= tol) {
                s->matched[c]++;
                if (ev / tol > s->var_err[c])
                    s->var_err[c] = ev / tol;
            } else if (sv == GN_EZERO && nonfinite && st == GN_OK) {
                /* the paper's rule is defined here, the variant divides by zero, and the
                 * trace shows NaN / inf: the undamped-IGND-at-j = 0 failure */
                s->matched[c]++;
            }
        }
    }
out:
    val_audit_reader_free(rd);
    val_audit_work_free(wk);
    return ret;
}

size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s)
{
    size_t cand[VAL_AUDIT_MAXCAT], n = 0;
    for (size_t c = 0; c < val_audit_ncatalogue && c < VAL_AUDIT_MAXCAT; c++)
        if (s->tried[c] > 0 && s->matched[c] == s->tried[c])
            cand[n++] = c;
    /* exact variants first, then by how tightly they fit */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0; b--) {
            size_t x = cand[b - 1], y = cand[b];
            int sx = val_audit_catalogue[x].slack != NULL, sy = val_audit_catalogue[y].slack != NULL;
            if (sx > sy || (sx == sy && s->var_err[x] > s->var_err[y])) {
                cand[b - 1] = y;
                cand[b] = x;
            }
        }
    for (size_t i = 0; i < n && i < cap; i++)
        idx[i] = cand[i];
    return n;
}

/* ------------------------------------------------------------ the writer */

static void put_num(FILE *f, double x, int json)
{
    if (x != x)
        fputs(json ? "NaN" : "nan", f);
    else if (x == INFINITY)
        fputs(json ? "Infinity" : "inf", f);
    else if (x == -INFINITY)
        fputs(json ? "-Infinity" : "-inf", f);
    else
        fprintf(f, "%.17g", x);
}

void val_audit_write_header(FILE *f, const val_audit_rec *r)
{
    fputs("method,dtype", f);
    if (r->has_loss)
        fputs(",loss", f);
    for (int k = 0; k < VAL_AF_N; k++)
        if (HAS(r, k))
            fprintf(f, ",%s", field_names[k]);
    for (int v = 0; v < VAL_AV_N; v++)
        if (HASV(r, v))
            for (size_t i = 0; i < r->n; i++)
                fprintf(f, ",%s_%zu", vec_names[v], i);
    fputc('\n', f);
}

void val_audit_write(FILE *f, const val_audit_rec *r, int json)
{
    const char *dt = r->dtype == VAL_AT_F32 ? "float32" : "float64";
    if (json)
        fprintf(f, "{\"method\":\"%s\",\"dtype\":\"%s\"", method_names[r->method], dt);
    else
        fprintf(f, "%s,%s", method_names[r->method], dt);
    if (r->has_loss)
        fprintf(f, json ? ",\"loss\":\"%s\"" : ",%s", gn_loss_name(r->loss));
    for (int k = 0; k < VAL_AF_N; k++)
        if (HAS(r, k)) {
            if (json)
                fprintf(f, ",\"%s\":", field_names[k]);
            else
                fputc(',', f);
            put_num(f, r->s[k], json);
        }
    for (int v = 0; v < VAL_AV_N; v++)
        if (HASV(r, v)) {
            if (json)
                fprintf(f, ",\"%s\":[", vec_names[v]);
            for (size_t i = 0; i < r->n; i++) {
                if (!json || i)
                    fputc(',', f);
                put_num(f, r->v[v][i], json);
            }
            if (json)
                fputc(']', f);
        }
    fputs(json ? "}\n" : "\n", f);
}
