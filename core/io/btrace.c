/* btrace.c: the mini-batch trace reader, JSON Lines, streamed (gn_io_btrace.h). */
#include "gn_io_btrace.h"
#include "gn_io.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[GN_IO_BTRACE_NM] = {"egn", "lm", "ignd_batch",
                                                          "gn_batch_undamped"};
static const char *const field_names[GN_IO_BTRACE_NS] = {"step",   "b",  "c",   "alpha",
                                                         "lambda", "mu", "beta"};
static const char *const vec_names[GN_IO_BTRACE_NV] = {"w", "J", "r", "q", "Q", "p",
                                                       "d", "v_prev", "v", "w_after"};

const char *gn_io_btrace_method_name(gn_io_btrace_method m)
{
    return (unsigned)m < GN_IO_BTRACE_NM ? method_names[m] : "?";
}
const char *gn_io_btrace_field_name(gn_io_btrace_field f)
{
    return (unsigned)f < GN_IO_BTRACE_NS ? field_names[f] : "?";
}
const char *gn_io_btrace_vec_name(gn_io_btrace_vec v)
{
    return (unsigned)v < GN_IO_BTRACE_NV ? vec_names[v] : "?";
}

static int lookup(const char *const *names, int n, const char *s)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(s, names[k]))
            return k;
    return -1;
}

int gn_io_btrace_is_batch_method(const char *word)
{
    return word && lookup(method_names, GN_IO_BTRACE_NM, word) >= 0;
}

#define MAXLINE ((size_t)256 << 20)
#define MAXELEM ((size_t)100000000)

struct gn_io_btrace_reader {
    FILE *f;
    char name[256];
    char *first;         /* the line handed over by the caller, not yet returned */
    int failed;
    char *line;
    size_t linecap, lineno;
    double *buf[GN_IO_BTRACE_NV];
    size_t cap[GN_IO_BTRACE_NV], len[GN_IO_BTRACE_NV];
    gn_io_btrace_rec rec;
    uint64_t nrec;
    size_t d;            /* the first record's dimension */
    int have_step;
    double step;
    size_t bad32_col;    /* first value of the record that is no float32 (0: none) */
    char bad32_key[32];
};

gn_io_btrace_reader *gn_io_btrace_reader_open(FILE *f, const char *name, const char *first,
                                              size_t first_line)
{
    gn_io_btrace_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "trace");
    if (first) {
        r->first = strdup(first);
        if (!r->first) {
            free(r);
            return NULL;
        }
        r->lineno = first_line ? first_line - 1 : 0;
    }
    return r;
}

void gn_io_btrace_reader_free(gn_io_btrace_reader *r)
{
    if (!r)
        return;
    free(r->first);
    free(r->line);
    for (int v = 0; v < GN_IO_BTRACE_NV; v++)
        free(r->buf[v]);
    free(r);
}

static gn_status fail(gn_io_btrace_reader *r, char *err, size_t errlen, size_t col,
                      const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static gn_status fail(gn_io_btrace_reader *r, char *err, size_t errlen, size_t col,
                      const char *key, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->failed = 1;
    char where[64] = "";
    if (col)
        snprintf(where, sizeof where, ":%zu", col);
    if (key)
        gn_io_errf(err, errlen, "%s:%zu%s (%s): %s", r->name, r->lineno, where, key, why);
    else
        gn_io_errf(err, errlen, "%s:%zu%s: %s", r->name, r->lineno, where, why);
    return GN_EINPUT;
}

/* the next line without its newline (gn_io_trace_getline): 1, 0 at EOF, -1 on error */
static int read_line(gn_io_btrace_reader *r, char *err, size_t errlen)
{
    gn_io_trace_line L = {r->line, r->linecap, 0, r->lineno, r->first, 0, ""};
    int k = gn_io_trace_getline(&L, r->f, MAXLINE);
    r->line = L.line;
    r->linecap = L.cap;
    r->lineno = L.lineno;
    r->first = L.first;
    if (k < 0)
        fail(r, err, errlen, L.col, NULL, "%s", L.why);
    return k;
}

typedef struct {
    const char *s, *p;
} cur;

static void ws(cur *j)
{
    while (*j->p == ' ' || *j->p == '\t')
        j->p++;
}
static size_t col(const cur *j) { return (size_t)(j->p - j->s) + 1; }

/* a JSON string of plain ASCII into out (cap bytes); -1 when malformed or too long */
static int jstring(cur *j, char *out, size_t cap)
{
    if (*j->p != '"')
        return -1;
    j->p++;
    size_t n = 0;
    while (*j->p != '"') {
        unsigned char ch = (unsigned char)*j->p;
        if (ch < 0x20 || ch == '\\' || n + 1 >= cap)
            return -1;
        out[n++] = (char)ch;
        j->p++;
    }
    j->p++;
    out[n] = '\0';
    return 0;
}

/* one number token at j (JSON's words NaN, null, Infinity too); 0, or -1 not a number */
static int jnumber(cur *j, double *x, int *f32ok)
{
    const char *e = j->p;
    while (*e && (isalnum((unsigned char)*e) || *e == '+' || *e == '-' || *e == '.'))
        e++;
    size_t len = (size_t)(e - j->p);
    *f32ok = 1;
#define WORD(w) (len == sizeof(w) - 1 && !memcmp(j->p, w, len))
    if (WORD("NaN") || WORD("null") || WORD("nan"))
        *x = NAN;
    else if (WORD("Infinity") || WORD("inf"))
        *x = INFINITY;
    else if (WORD("-Infinity") || WORD("-inf"))
        *x = -INFINITY;
#undef WORD
    else {
        gn_io_num t;
        if (len == 0 || gn_io_num_scan(&t, j->p, len, GN_IO_NUM_HEX) != GN_OK ||
            gn_io_num_double(x, &t) != GN_OK)
            return -1;
        /* a float32 value: within 2^-40 of one, or at most 9 significant digits */
        if (isfinite(*x) && fabs(*x) <= FLT_MAX &&
            !(fabs(*x - (double)(float)*x) <= 0x1p-40 * fabs(*x)))
            *f32ok = t.base == 10 && gn_io_sigdigits(t.text) <= 9;
    }
    j->p = e;
    return 0;
}

static int push(gn_io_btrace_reader *r, int v, double x)
{
    if (r->len[v] == r->cap[v]) {
        size_t nc = r->cap[v] ? 2 * r->cap[v] : 64;
        double *p = realloc(r->buf[v], nc * sizeof *p);
        if (!p)
            return -1;
        r->buf[v] = p;
        r->cap[v] = nc;
    }
    r->buf[v][r->len[v]++] = x;
    return 0;
}

/* an array of numbers, possibly nested, read flat into buf[v] */
static gn_status jarray(gn_io_btrace_reader *r, cur *j, int v, const char *key, char *err,
                        size_t errlen)
{
    int output = v == GN_IO_BTRACE_V_D || v == GN_IO_BTRACE_V_V || v == GN_IO_BTRACE_V_WAFTER;
    int depth = 0;
    r->len[v] = 0;
    for (;;) {
        ws(j);
        if (*j->p == '[') {
            if (++depth > 3)
                return fail(r, err, errlen, col(j), key, "arrays nested deeper than 3");
            j->p++;
            ws(j);
            if (*j->p == ']')
                return fail(r, err, errlen, col(j), key, "empty array");
            continue;
        }
        size_t c0 = col(j);
        double x;
        int ok32;
        if (jnumber(j, &x, &ok32))
            return fail(r, err, errlen, c0, key, "element %zu: expected a number or '['",
                        r->len[v]);
        if (!isfinite(x) && !output)
            return fail(r, err, errlen, c0, key,
                        "element %zu: %s where a finite number is required (an input of "
                        "the step)", r->len[v], isnan(x) ? "NaN or null" : "an infinite value");
        if (!ok32 && !r->bad32_col) {
            r->bad32_col = c0;
            snprintf(r->bad32_key, sizeof r->bad32_key, "%s", key);
        }
        if (r->len[v] >= MAXELEM)
            return fail(r, err, errlen, c0, key, "more than 10^8 elements");
        if (push(r, v, x))
            return GN_ENOMEM;
        ws(j);
        while (*j->p == ']' && depth > 0) {
            j->p++;
            depth--;
            ws(j);
        }
        if (depth == 0)
            return GN_OK;
        if (*j->p != ',')
            return fail(r, err, errlen, col(j), key, "expected ',' or ']'");
        j->p++;
    }
}

/* a whole number >= 1 for b and c */
static int whole(double x) { return x >= 1.0 && x <= 1e6 && x == floor(x); }

static gn_status pair(gn_io_btrace_reader *r, cur *j, uint32_t *seen_s, uint32_t *seen_v,
                      int *seen_w, char *err, size_t errlen)
{
    size_t kc = col(j);
    char key[32], word[48];
    if (jstring(j, key, sizeof key))
        return fail(r, err, errlen, kc, NULL, "expected a key string");
    ws(j);
    if (*j->p != ':')
        return fail(r, err, errlen, col(j), key, "expected ':'");
    j->p++;
    ws(j);
    size_t vc = col(j);
    int f = lookup(field_names, GN_IO_BTRACE_NS, key);
    int v = lookup(vec_names, GN_IO_BTRACE_NV, key);
    int w = !strcmp(key, "method") ? 0 : !strcmp(key, "dtype") ? 1 : !strcmp(key, "route") ? 2 : -1;
    if (f < 0 && v < 0 && w < 0)
        return fail(r, err, errlen, kc, key,
                    "unknown key (method dtype route step b c alpha lambda mu beta w J r q Q "
                    "p d v_prev v w_after)");
    if ((f >= 0 && (*seen_s >> f & 1u)) || (v >= 0 && (*seen_v >> v & 1u)) ||
        (w >= 0 && (*seen_w >> w & 1)))
        return fail(r, err, errlen, kc, key, "duplicate key");
    if (w >= 0) {
        *seen_w |= 1 << w;
        if (jstring(j, word, sizeof word))
            return fail(r, err, errlen, vc, key, "expected a short string");
        if (w == 0) {
            int m = lookup(method_names, GN_IO_BTRACE_NM, word);
            if (m < 0)
                return fail(r, err, errlen, vc, key,
                            "'%s' is not a mini-batch method (egn lm ignd_batch "
                            "gn_batch_undamped); one-sample methods go in their own trace",
                            word);
            r->rec.method = (gn_io_btrace_method)m;
        } else if (w == 1) {
            if (!strcmp(word, "float64") || !strcmp(word, "double") || !strcmp(word, "f64"))
                r->rec.dtype = GN_IO_TRACE_F64;
            else if (!strcmp(word, "float32") || !strcmp(word, "float") || !strcmp(word, "f32"))
                r->rec.dtype = GN_IO_TRACE_F32;
            else
                return fail(r, err, errlen, vc, key, "unknown dtype '%s' (float64 or float32)",
                            word);
        } else {
            if (!strcmp(word, "push"))
                r->rec.route = GN_IO_BTRACE_ROUTE_PUSH;
            else if (!strcmp(word, "primal"))
                r->rec.route = GN_IO_BTRACE_ROUTE_PRIMAL;
            else
                return fail(r, err, errlen, vc, key, "unknown route '%s' (push or primal)", word);
        }
        return GN_OK;
    }
    if (v >= 0) {
        *seen_v |= 1u << v;
        r->rec.vcol[v] = vc;
        return jarray(r, j, v, key, err, errlen);
    }
    *seen_s |= 1u << f;
    double x;
    int ok32;
    if (jnumber(j, &x, &ok32))
        return fail(r, err, errlen, vc, key, "expected a number");
    if (!isfinite(x))
        return fail(r, err, errlen, vc, key, "a finite number is required");
    if ((f == GN_IO_BTRACE_S_B || f == GN_IO_BTRACE_S_C) && !whole(x))
        return fail(r, err, errlen, vc, key, "%.17g is not a whole number in [1, 10^6]", x);
    r->rec.s[f] = x;
    r->rec.scol[f] = vc;
    return GN_OK;
}

static gn_status parse(gn_io_btrace_reader *r, char *err, size_t errlen)
{
    cur j = {r->line, r->line};
    uint32_t ss = 0, sv = 0;
    int sw = 0;
    ws(&j);
    if (*j.p != '{')
        return fail(r, err, errlen, col(&j), NULL, "expected '{' (one JSON object per line)");
    j.p++;
    ws(&j);
    for (int first = 1; *j.p != '}'; first = 0) {
        if (!first) {
            if (*j.p != ',')
                return fail(r, err, errlen, col(&j), NULL, "expected ',' or '}'");
            j.p++;
            ws(&j);
        }
        gn_status st = pair(r, &j, &ss, &sv, &sw, err, errlen);
        if (st != GN_OK)
            return st;
        ws(&j);
    }
    j.p++;
    ws(&j);
    if (*j.p)
        return fail(r, err, errlen, col(&j), NULL, "text after the object");
    if (!(sw & 1))
        return fail(r, err, errlen, 0, "method", "missing method");
    if (!(sw & 2))
        return fail(r, err, errlen, 0, "dtype", "missing dtype (float64 or float32)");
    r->rec.has_s = ss;
    r->rec.has_v = sv;
    return GN_OK;
}

/* lengths and presence: what every record needs and what each array's length must be */
static gn_status shapes(gn_io_btrace_reader *r, char *err, size_t errlen)
{
    gn_io_btrace_rec *R = &r->rec;
    static const int need_s[] = {GN_IO_BTRACE_S_B, GN_IO_BTRACE_S_C};
    static const int need_v[] = {GN_IO_BTRACE_V_W, GN_IO_BTRACE_V_J, GN_IO_BTRACE_V_R};
    for (size_t k = 0; k < 2; k++)
        if (!(R->has_s >> need_s[k] & 1u))
            return fail(r, err, errlen, 0, field_names[need_s[k]], "missing (every batch record needs b and c)");
    for (size_t k = 0; k < 3; k++)
        if (!(R->has_v >> need_v[k] & 1u))
            return fail(r, err, errlen, 0, vec_names[need_v[k]], "missing (every batch record needs w, J, r)");
    int ncurv = (R->has_v >> GN_IO_BTRACE_V_Q & 1u) + (R->has_v >> GN_IO_BTRACE_V_QD & 1u) +
                (R->has_v >> GN_IO_BTRACE_V_P & 1u);
    if (ncurv != 1)
        return fail(r, err, errlen, 0, "q", "give the curvature exactly once: q (diagonal), Q "
                    "(dense c x c blocks) or p (softmax probabilities); %d given", ncurv);
    if (!(R->has_v >> GN_IO_BTRACE_V_WAFTER & 1u) && !(R->has_v >> GN_IO_BTRACE_V_D & 1u))
        return fail(r, err, errlen, 0, "w_after", "nothing to audit: give w_after or d");
    R->b = (size_t)R->s[GN_IO_BTRACE_S_B];
    R->c = (size_t)R->s[GN_IO_BTRACE_S_C];
    R->d = r->len[GN_IO_BTRACE_V_W];
    if (r->nrec == 0)
        r->d = R->d;
    else if (R->d != r->d)
        return fail(r, err, errlen, R->vcol[GN_IO_BTRACE_V_W], "w",
                    "%zu parameters where the first record has %zu", R->d, r->d);
    size_t bc = R->b * R->c;
    for (int v = 0; v < GN_IO_BTRACE_NV; v++) {
        if (!(R->has_v >> v & 1u))
            continue;
        size_t want = v == GN_IO_BTRACE_V_J                                         ? bc * R->d
                      : v == GN_IO_BTRACE_V_R || v == GN_IO_BTRACE_V_Q || v == GN_IO_BTRACE_V_P ? bc
                      : v == GN_IO_BTRACE_V_QD                                      ? bc * R->c
                                                                                    : R->d;
        if (r->len[v] != want)
            return fail(r, err, errlen, R->vcol[v], vec_names[v],
                        "%zu elements where b = %zu, c = %zu, d = %zu need %zu", r->len[v],
                        R->b, R->c, R->d, want);
        R->v[v] = r->buf[v];
    }
    return GN_OK;
}

static gn_status check_step(gn_io_btrace_reader *r, char *err, size_t errlen)
{
    int has = r->rec.has_s >> GN_IO_BTRACE_S_STEP & 1u;
    double st = r->rec.s[GN_IO_BTRACE_S_STEP];
    size_t c = r->rec.scol[GN_IO_BTRACE_S_STEP];
    if (r->nrec == 0)
        r->have_step = has;
    if (!has && r->have_step)
        return fail(r, err, errlen, 0, "step", "no step where the first record has one");
    if (!has)
        return GN_OK;
    if (!r->have_step)
        return fail(r, err, errlen, c, "step", "a step where the first record has none");
    if (!(st >= 0.0 && st <= 0x1p53 && st == floor(st)))
        return fail(r, err, errlen, c, "step", "step %.17g is not a whole number >= 0", st);
    if (r->nrec > 0 && st != r->step + 1.0)
        return fail(r, err, errlen, c, "step",
                    "step %.17g after step %.17g: %s (steps increase by 1)", st, r->step,
                    st > r->step + 1.0 ? "missing steps" : "a repeated step or steps out of order");
    r->step = st;
    return GN_OK;
}

/* a float32 trace: every value a float32 number, rounded to it; all_f32 for the others */
static gn_status f32_values(gn_io_btrace_reader *r, char *err, size_t errlen)
{
    gn_io_btrace_rec *R = &r->rec;
    if (R->dtype == GN_IO_TRACE_F32 && r->bad32_col)
        return fail(r, err, errlen, r->bad32_col, r->bad32_key,
                    "not a float32 value (more than 9 significant digits, not within 2^-40 of "
                    "a float32): float64 values in a float32 trace? Write float32 values "
                    "exactly or with at most 9 digits, or label the trace float64");
    R->all_f32 = 1;
    for (int v = 0; v < GN_IO_BTRACE_NV; v++) {
        if (!(R->has_v >> v & 1u))
            continue;
        int output = v == GN_IO_BTRACE_V_D || v == GN_IO_BTRACE_V_V || v == GN_IO_BTRACE_V_WAFTER;
        for (size_t i = 0; i < r->len[v]; i++) {
            double x = r->buf[v][i];
            if (R->dtype == GN_IO_TRACE_F64) {
                if (isfinite(x) && x != (double)(float)x)
                    R->all_f32 = 0;
                continue;
            }
            if (isfinite(x) && fabs(x) >= 0x1.ffffffp127 && !output)
                return fail(r, err, errlen, R->vcol[v], vec_names[v],
                            "element %zu = %.17g is beyond float32's range", i, x);
            r->buf[v][i] = (double)(float)x;
        }
    }
    return GN_OK;
}

gn_status gn_io_btrace_next(gn_io_btrace_reader *r, const gn_io_btrace_rec **rec, char *err,
                            size_t errlen)
{
    *rec = NULL;
    if (r->failed)
        return fail(r, err, errlen, 0, NULL, "the reader stopped at an earlier error");
    for (;;) {
        int k = read_line(r, err, errlen);
        if (k < 0)
            return GN_EINPUT;
        if (k == 0) {
            if (r->nrec == 0)
                return fail(r, err, errlen, 0, NULL, "no records (empty trace)");
            return GN_OK;
        }
        const char *s = r->line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        memset(&r->rec, 0, sizeof r->rec);
        r->bad32_col = 0;
        gn_status st = parse(r, err, errlen);
        if (st == GN_OK)
            st = shapes(r, err, errlen);
        if (st == GN_OK)
            st = check_step(r, err, errlen);
        if (st == GN_OK)
            st = f32_values(r, err, errlen);
        if (st != GN_OK) {
            r->failed = 1;
            return st;
        }
        r->rec.line = r->lineno;
        r->rec.index = r->nrec++;
        *rec = &r->rec;
        return GN_OK;
    }
}
