/* nist.c: NIST StRD nonlinear regression files read as published (gn_fit.h).
 * Nothing here knows a particular problem: the layout is found from the section
 * labels, and every count the file states is checked against what it contains. */
#include "gn_io.h"
#include "gn_internal.h"
#include "gn.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char **line; /* trimmed of trailing blanks and CR */
    size_t n;
    char *buf;
} lines;

/* the text buf[0 .. len) (buf[len] must be writable) split into L's lines, in place; a NUL
 * byte is an error at its line and column */
static int split_lines(lines *L, char *buf, size_t len, const char *path, char *err,
                       size_t errlen)
{
    buf[len] = 0;
    const char *nul = memchr(buf, 0, len);
    if (nul) {
        size_t line = 1, col = 1;
        for (const char *q = buf; q < nul; q++, col++)
            if (*q == '\n')
                line++, col = 0;
        gn_io_errf(err, errlen, "%s:%zu:%zu: a NUL byte: not a text file", path, line, col);
        return -1;
    }
    size_t nl = 1;
    for (size_t i = 0; i < len; i++)
        nl += buf[i] == '\n';
    L->line = malloc(nl * sizeof(char *));
    if (!L->line) {
        gn_io_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    L->buf = buf;
    L->n = 0;
    char *p = buf;
    while (*p || p == buf) {
        char *e = strchr(p, '\n');
        if (e)
            *e = 0;
        size_t l = strlen(p);
        while (l && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
            p[--l] = 0;
        L->line[L->n++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static const char *skipws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static int ci_contains(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++)
        if (!strncasecmp(s, w, n))
            return 1;
    return 0;
}

static int blank(const char *s) { return *skipws(s) == 0; }

/* the numbers of a NIST file: Fortran D exponents and (as strtod read them before the
 * tokenizer) hex; a whole token as a finite double, 0 on success */
#define NIST_NUM (GN_IO_NUM_DEXP | GN_IO_NUM_HEX)
static int tok_double(double *out, const char *s, size_t len)
{
    return gn_io_num_read(out, s, len, NIST_NUM) != GN_OK;
}

/* split s into whitespace-separated tokens (pointers and lengths); returns the count */
static size_t tokens(const char *s, const char **tk, size_t *tl, size_t cap)
{
    size_t n = 0;
    for (;;) {
        s = skipws(s);
        if (!*s)
            return n;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (n < cap) {
            tk[n] = b;
            tl[n] = (size_t)(s - b);
        }
        n++;
    }
}

static char *dupn(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

double gn_io_lre(double est, double cert, int digits)
{
    if (isnan(est))
        return 0.0;
    double rel = cert != 0.0 ? fabs(est - cert) / fabs(cert) : fabs(est);
    if (rel == 0.0)
        return (double)digits;
    double l = -log10(rel);
    if (!(l > 0.0))
        return 0.0;
    return l > digits ? (double)digits : l;
}

static void free_strs(char **a, size_t n)
{
    if (a)
        for (size_t i = 0; i < n; i++)
            free(a[i]);
    free(a);
}

void gn_io_nist_free(gn_io_nist *p)
{
    if (!p)
        return;
    GN_FREE_ALL(p->model, p->response, p->start);
    free_strs(p->cnames, p->nconst);
    free_strs(p->cvals, p->nconst);
    free_strs(p->cert_str, p->k);
    free_strs(p->cert_sd_str, p->k);
    GN_FREE_ALL(p->cert, p->cert_sd, p->cert_digits, p->rss_str, p->cert_sd_digits, p->rsd_str);
    free_strs(p->colnames, p->ncols);
    free(p->data);
    free_strs(p->data_str, p->ncols * p->n);
    memset(p, 0, sizeof *p);
}

/* "Label:   value" -> the value's text, or NULL when the line does not start with label */
static const char *after_label(const char *line, const char *label)
{
    const char *s = skipws(line);
    size_t n = strlen(label);
    if (strncasecmp(s, label, n))
        return NULL;
    return skipws(s + n);
}

static int is_ident(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* "name = number" alone on a line: a definition (Roszman1's pi) */
static int definition(const char *line, const char **nm, size_t *nl, const char **val,
                      size_t *vl)
{
    const char *s = skipws(line), *b = s;
    while (isalnum((unsigned char)*s) || *s == '_')
        s++;
    if (!is_ident(b, (size_t)(s - b)))
        return 0;
    *nm = b;
    *nl = (size_t)(s - b);
    s = skipws(s);
    if (*s != '=')
        return 0;
    s = skipws(s + 1);
    const char *tk[2];
    size_t tl[2];
    double v;
    if (tokens(s, tk, tl, 2) != 1 || tok_double(&v, tk[0], tl[0]))
        return 0;
    *val = tk[0];
    *vl = tl[0];
    return 1;
}

/* the reader's state: the file's lines, where to report, what is being filled */
typedef struct {
    lines L;
    const char *path;
    char *err;
    size_t errlen;
    gn_io_nist *p;
    size_t mi, si, ri; /* lines of "Model:", the starting-values header, the RSS */
    size_t kline;      /* the "N Parameters" line */
} reader;

/* each step returns 0, or -1 with the message in r->err ("out of memory" marks GN_ENOMEM) */
#define FAIL(...)                                                                            \
    do {                                                                                     \
        gn_io_errf(r->err, r->errlen, __VA_ARGS__);                                          \
        return -1;                                                                           \
    } while (0)
#define NOMEM() FAIL("%s: out of memory", r->path)

static void read_name(reader *r)
{
    for (size_t i = 0; i < r->L.n; i++) {
        const char *v = after_label(r->L.line[i], "Dataset Name:");
        if (v) {
            size_t n = strcspn(v, " \t");
            if (n >= sizeof r->p->name)
                n = sizeof r->p->name - 1;
            memcpy(r->p->name, v, n);
            r->p->name[n] = 0;
            return;
        }
    }
}

/* the model block: from "Model:" to the starting-values header, and its "N Parameters" */
static int read_sections(reader *r)
{
    const lines *L = &r->L;
    const char *path = r->path;
    r->mi = r->si = L->n;
    for (size_t i = 0; i < L->n; i++)
        if (after_label(L->line[i], "Model:")) {
            r->mi = i;
            break;
        }
    if (r->mi == L->n)
        FAIL("%s: no 'Model:' section (is this a NIST StRD nonlinear regression file?)", path);
    for (size_t i = r->mi + 1; i < L->n; i++)
        if (ci_contains(L->line[i], "starting values")) {
            r->si = i;
            break;
        }
    if (r->si == L->n)
        FAIL("%s:%zu: no 'Starting values' table after the model", path, r->mi + 1);
    size_t kdecl = 0;
    for (size_t i = r->mi; i < r->si && !kdecl; i++) {
        const char *s = L->line[i];
        if (i == r->mi)
            s = after_label(s, "Model:");
        s = skipws(s);
        if (isdigit((unsigned char)*s)) {
            char *end;
            unsigned long v = strtoul(s, &end, 10);
            if (!strncasecmp(skipws(end), "Parameter", 9)) {
                if (v == 0 || v > 1000)
                    FAIL("%s:%zu: bad number of parameters %lu", path, i + 1, v);
                kdecl = v;
                r->kline = i;
            }
        }
    }
    if (!kdecl)
        FAIL("%s:%zu: the model section has no 'N Parameters' line", path, r->mi + 1);
    r->p->k = kdecl;
    return 0;
}

/* append one "name = number" definition to p's constants */
static int add_definition(reader *r, const char *nm, size_t nl, const char *val, size_t vl)
{
    gn_io_nist *p = r->p;
    char **cn = realloc(p->cnames, (p->nconst + 1) * sizeof *cn);
    if (!cn)
        NOMEM();
    p->cnames = cn;
    char **cv = realloc(p->cvals, (p->nconst + 1) * sizeof *cv);
    if (!cv)
        NOMEM();
    p->cvals = cv;
    p->cnames[p->nconst] = dupn(nm, nl);
    p->cvals[p->nconst] = dupn(val, vl);
    p->nconst++;
    if (!p->cnames[p->nconst - 1] || !p->cvals[p->nconst - 1])
        NOMEM();
    return 0;
}

/* definitions and the equation (which may span lines, up to a blank line) into *eq */
static int read_equation(reader *r, char **eq)
{
    size_t eqlen = 0;
    for (size_t i = r->kline + 1; i < r->si; i++) {
        const char *line = r->L.line[i], *nm, *val;
        size_t nl, vl;
        if (blank(line)) {
            if (*eq)
                break;
            continue;
        }
        if (!*eq && definition(line, &nm, &nl, &val, &vl)) {
            if (add_definition(r, nm, nl, val, vl))
                return -1;
            continue;
        }
        if (!*eq) {
            if (!strchr(line, '='))
                FAIL("%s:%zu: expected the model equation 'y = ...' here", r->path, i + 1);
            r->p->model_line = i + 1;
        }
        const char *s = skipws(line);
        size_t l = strlen(s);
        char *ne = realloc(*eq, eqlen + l + 2);
        if (!ne)
            NOMEM();
        *eq = ne;
        if (eqlen)
            ne[eqlen++] = ' ';
        memcpy(ne + eqlen, s, l);
        eqlen += l;
        ne[eqlen] = 0;
    }
    if (!*eq)
        FAIL("%s:%zu: the model section has no equation", r->path, r->kline + 1);
    return 0;
}

/* "lhs = rhs + e": drop the error term, split at '=' into p->response and p->model */
static int split_equation(reader *r, char *eq)
{
    gn_io_nist *p = r->p;
    size_t l = strlen(eq);
    while (l && isspace((unsigned char)eq[l - 1]))
        l--;
    if (l >= 2 && eq[l - 1] == 'e' && !(isalnum((unsigned char)eq[l - 2]) || eq[l - 2] == '_')) {
        size_t q = l - 1;
        while (q && isspace((unsigned char)eq[q - 1]))
            q--;
        if (q && eq[q - 1] == '+')
            l = q - 1;
    }
    eq[l] = 0;
    char *e = strchr(eq, '=');
    const char *lhs = eq, *rhs = e + 1;
    *e = 0;
    size_t ll = strlen(lhs);
    while (ll && isspace((unsigned char)lhs[ll - 1]))
        ll--;
    lhs = skipws(lhs);
    if (!*lhs || lhs >= e)
        FAIL("%s:%zu: the model equation has nothing left of '='", r->path, p->model_line);
    p->response = dupn(lhs, (size_t)(eq + ll - lhs));
    rhs = skipws(rhs);
    size_t rl = strlen(rhs);
    while (rl && isspace((unsigned char)rhs[rl - 1]))
        rl--;
    if (!rl)
        FAIL("%s:%zu: the model equation has nothing right of '='", r->path, p->model_line);
    p->model = dupn(rhs, rl);
    if (!p->response || !p->model)
        NOMEM();
    return 0;
}

/* one row "bK = start1 ... startS certified sd" (row seen of the table) into tab */
#define NIST_MAXCOL 16
static int read_param_row(reader *r, size_t i, size_t seen, size_t *ncolp, double *tab)
{
    gn_io_nist *p = r->p;
    const char *path = r->path, *s = skipws(r->L.line[i]);
    char *end;
    unsigned long idx = strtoul(s + 1, &end, 10);
    const char *q = skipws(end);
    if (*q != '=')
        FAIL("%s:%zu: expected 'b%lu = ...'", path, i + 1, idx);
    if (idx != seen + 1)
        FAIL("%s:%zu: parameter b%lu out of order (expected b%zu)", path, i + 1, idx, seen + 1);
    if (seen == p->k)
        FAIL("%s:%zu: more parameter rows than the %zu the model section declares", path, i + 1,
             p->k);
    const char *tk[NIST_MAXCOL + 2];
    size_t tl[NIST_MAXCOL + 2];
    size_t nt = tokens(q + 1, tk, tl, NIST_MAXCOL + 2);
    if (nt < 3 || nt > NIST_MAXCOL)
        FAIL("%s:%zu: b%lu needs starting values, a certified value and a standard "
             "deviation (found %zu numbers)",
             path, i + 1, idx, nt);
    if (*ncolp && nt != *ncolp)
        FAIL("%s:%zu: b%lu has %zu numbers, the rows above have %zu", path, i + 1, idx, nt,
             *ncolp);
    *ncolp = nt;
    for (size_t t = 0; t < nt; t++)
        if (tok_double(&tab[seen * NIST_MAXCOL + t], tk[t], tl[t]))
            FAIL("%s:%zu: '%.*s' is not a number (b%lu, field %zu)", path, i + 1, (int)tl[t],
                 tk[t], idx, t + 1);
    p->cert_str[seen] = dupn(tk[nt - 2], tl[nt - 2]);
    if (!p->cert_str[seen])
        NOMEM();
    p->cert_digits[seen] = gn_io_sigdigits(p->cert_str[seen]);
    p->cert_sd_str[seen] = dupn(tk[nt - 1], tl[nt - 1]);
    if (!p->cert_sd_str[seen])
        NOMEM();
    p->cert_sd_digits[seen] = gn_io_sigdigits(p->cert_sd_str[seen]);
    return 0;
}

/* the parameter table up to "Residual Sum of Squares" (its line into r->ri), into tab */
static int read_param_rows(reader *r, double *tab, size_t *ncolp)
{
    size_t seen = 0;
    r->ri = r->L.n;
    for (size_t i = r->si + 1; i < r->L.n; i++) {
        if (after_label(r->L.line[i], "Residual Sum of Squares")) {
            r->ri = i;
            break;
        }
        const char *s = skipws(r->L.line[i]);
        if (*s != 'b' || !isdigit((unsigned char)s[1]))
            continue;
        if (read_param_row(r, i, seen, ncolp, tab))
            return -1;
        seen++;
    }
    if (seen != r->p->k)
        FAIL("%s:%zu: %zu parameter rows, but the model section declares %zu parameters",
             r->path, r->ri < r->L.n ? r->ri + 1 : r->si + 1, seen, r->p->k);
    return 0;
}

/* the table of starting and certified values */
static int read_params(reader *r)
{
    gn_io_nist *p = r->p;
    const size_t k = p->k;
    size_t ncolp = 0;
    p->cert_str = calloc(k, sizeof(char *));
    p->cert = calloc(k, sizeof(double));
    p->cert_sd = calloc(k, sizeof(double));
    p->cert_digits = calloc(k, sizeof(int));
    p->cert_sd_str = calloc(k, sizeof(char *));
    p->cert_sd_digits = calloc(k, sizeof(int));
    double *tab = calloc(k * NIST_MAXCOL, sizeof(double));
    int rc = 0;
    if (!p->cert_str || !p->cert || !p->cert_sd || !p->cert_digits || !p->cert_sd_str ||
        !p->cert_sd_digits || !tab) {
        gn_io_errf(r->err, r->errlen, "%s: out of memory", r->path);
        rc = -1;
    }
    if (!rc)
        rc = read_param_rows(r, tab, &ncolp);
    if (!rc) {
        p->nstart = ncolp - 2;
        p->start = malloc(p->nstart * k * sizeof(double));
        if (!p->start) {
            gn_io_errf(r->err, r->errlen, "%s: out of memory", r->path);
            rc = -1;
        }
    }
    for (size_t j = 0; !rc && j < k; j++) {
        for (size_t s = 0; s < p->nstart; s++)
            p->start[s * k + j] = tab[j * NIST_MAXCOL + s];
        p->cert[j] = tab[j * NIST_MAXCOL + ncolp - 2];
        p->cert_sd[j] = tab[j * NIST_MAXCOL + ncolp - 1];
    }
    free(tab);
    return rc;
}

/* a whole number in [lo, 1e8] alone after a label */
static int whole(double *d, const char *v, double lo)
{
    const char *tk[2];
    size_t tl[2];
    return tokens(v, tk, tl, 2) == 1 && !tok_double(d, tk[0], tl[0]) && *d >= lo &&
           *d == floor(*d) && *d <= 1e8;
}

/* the certified residual SD (its line's value, text and digits); 0 when there is none */
static int read_resid_sd(reader *r, double *sd, int *digits)
{
    for (size_t i = r->ri; i < r->L.n; i++) {
        const char *v = after_label(r->L.line[i], "Residual Standard Deviation:");
        const char *tk[2];
        size_t tl[2];
        if (v && tokens(v, tk, tl, 2) == 1 && !tok_double(sd, tk[0], tl[0]) && *sd > 0.0) {
            char t[GN_IO_NUM_MAX];
            snprintf(t, sizeof t, "%.*s", (int)(tl[0] < sizeof t ? tl[0] : sizeof t - 1), tk[0]);
            *digits = gn_io_sigdigits(t);
            return 1;
        }
    }
    return 0;
}

/* a "Degrees of Freedom" line that disagrees with n - k (NIST's own Rat43.dat says 9 for
 * 15 - 4 = 11): not fatal, since n and k are both checked against the rows the file holds;
 * the warning says which reading the certified residual SD, sqrt(RSS / dof), confirms
 * (to within one unit in its last certified digit) */
static void dof_warning(reader *r, size_t dofline, size_t dof)
{
    gn_io_nist *p = r->p;
    const size_t nk = p->n - p->k;
    double sd;
    int dg;
    const char *which = "no 'Residual Standard Deviation:' line to tell which is right";
    char buf[160];
    if (read_resid_sd(r, &sd, &dg)) {
        double tol = dg > 1 ? dg - 1.0 : 0.0;
        int a = dof && gn_io_lre(sqrt(p->rss / (double)dof), sd, dg) >= tol;
        int b = nk && gn_io_lre(sqrt(p->rss / (double)nk), sd, dg) >= tol;
        if (a != b) {
            snprintf(buf, sizeof buf,
                     "the certified residual standard deviation sqrt(RSS / %zu) confirms %zu",
                     a ? dof : nk, a ? dof : nk);
            which = buf;
        } else
            which = "the certified residual standard deviation confirms neither";
    }
    gn_io_errf(p->warn, sizeof p->warn,
               "%s:%zu: %zu degrees of freedom, but %zu observations minus %zu parameters is "
               "%zu; %s (read on: the counts of the rows are checked, this line is not used)",
               r->path, dofline, dof, p->n, p->k, nk, which);
}

/* the certified RSS, the number of observations and the degrees of freedom */
static int read_counts(reader *r)
{
    gn_io_nist *p = r->p;
    const char *path = r->path;
    if (r->ri == r->L.n)
        FAIL("%s: no 'Residual Sum of Squares:' line", path);
    const char *v = after_label(r->L.line[r->ri], "Residual Sum of Squares:");
    const char *tk[2];
    size_t tl[2];
    if (!v || tokens(v, tk, tl, 2) != 1 || tok_double(&p->rss, tk[0], tl[0]))
        FAIL("%s:%zu: the residual sum of squares is not one number", path, r->ri + 1);
    p->rss_str = dupn(tk[0], tl[0]);
    if (!p->rss_str)
        NOMEM();
    p->rss_digits = gn_io_sigdigits(p->rss_str);
    if (read_resid_sd(r, &p->rsd, &p->rsd_digits)) {
        for (size_t i = r->ri; i < r->L.n && !p->rsd_str; i++) {
            const char *w = after_label(r->L.line[i], "Residual Standard Deviation:");
            const char *wt[2];
            size_t wl[2];
            if (w && tokens(w, wt, wl, 2) == 1) {
                p->rsd_str = dupn(wt[0], wl[0]);
                if (!p->rsd_str)
                    NOMEM();
            }
        }
    } else
        p->rsd = 0.0;
    size_t dof = 0, dofline = 0, nline = 0;
    for (size_t i = r->ri; i < r->L.n; i++) {
        double d;
        if ((v = after_label(r->L.line[i], "Number of Observations:"))) {
            if (!whole(&d, v, 1))
                FAIL("%s:%zu: the number of observations is not a positive whole number", path,
                     i + 1);
            p->n = (size_t)d;
            nline = i + 1;
        } else if ((v = after_label(r->L.line[i], "Degrees of Freedom:"))) {
            if (!whole(&d, v, 0))
                FAIL("%s:%zu: the degrees of freedom are not a whole number", path, i + 1);
            dof = (size_t)d;
            dofline = i + 1;
        }
    }
    if (!p->n)
        FAIL("%s: no 'Number of Observations:' line", path);
    if (p->n < p->k)
        FAIL("%s:%zu: %zu observations, but the model has %zu parameters: a least-squares fit "
             "needs at least as many observations as parameters",
             path, nline, p->n, p->k);
    if (dofline && dof + p->k != p->n)
        dof_warning(r, dofline, dof);
    return 0;
}

/* the data header: the last "Data:" line followed by column names only; its line or L.n */
#define NIST_MAXDATA 64
static size_t data_header(const lines *L, const char **tk, size_t *tl, size_t *nt)
{
    for (size_t i = L->n; i-- > 0;) {
        const char *v = after_label(L->line[i], "Data:");
        if (!v)
            continue;
        *nt = tokens(v, tk, tl, NIST_MAXDATA);
        int ok = *nt >= 2 && *nt <= NIST_MAXDATA;
        for (size_t t = 0; ok && t < *nt; t++)
            ok = is_ident(tk[t], tl[t]);
        if (ok)
            return i;
    }
    return L->n;
}

/* the data block: column names, then n rows of numbers (values and their text) */
static int read_data(reader *r)
{
    gn_io_nist *p = r->p;
    const char *path = r->path;
    const char *tk[NIST_MAXDATA];
    size_t tl[NIST_MAXDATA], nt = 0;
    size_t di = data_header(&r->L, tk, tl, &nt);
    if (di == r->L.n)
        FAIL("%s: no data header ('Data:' followed by the column names)", path);
    p->ncols = nt;
    p->colnames = calloc(nt, sizeof(char *));
    if (!p->colnames)
        NOMEM();
    for (size_t t = 0; t < nt; t++)
        if (!(p->colnames[t] = dupn(tk[t], tl[t])))
            NOMEM();
    /* the rows are counted before anything is sized by the declared count, so a file
     * declaring more observations than it has lines allocates nothing for them */
    size_t have = 0;
    for (size_t i = di + 1; i < r->L.n; i++)
        if (!blank(r->L.line[i]) && have++ == p->n)
            FAIL("%s:%zu: more data rows than the %zu observations the file declares", path,
                 i + 1, p->n);
    if (have != p->n)
        FAIL("%s:%zu: %zu data rows, but the file declares %zu observations", path, r->L.n,
             have, p->n);
    p->data = malloc(nt * p->n * sizeof(double));
    p->data_str = calloc(nt * p->n, sizeof(char *));
    if (!p->data || !p->data_str)
        NOMEM();
    size_t row = 0;
    for (size_t i = di + 1; i < r->L.n; i++) {
        if (blank(r->L.line[i]))
            continue;
        const char *dt[NIST_MAXDATA + 2];
        size_t dl[NIST_MAXDATA + 2];
        size_t m = tokens(r->L.line[i], dt, dl, NIST_MAXDATA + 2);
        if (row == p->n)
            FAIL("%s:%zu: more data rows than the %zu observations the file declares", path,
                 i + 1, p->n);
        if (m != nt)
            FAIL("%s:%zu: %zu fields, the header names %zu columns", path, i + 1, m, nt);
        for (size_t c = 0; c < nt; c++) {
            if (tok_double(&p->data[c * p->n + row], dt[c], dl[c]))
                FAIL("%s:%zu: column %zu (%s): '%.*s' is not a number", path, i + 1, c + 1,
                     p->colnames[c], (int)dl[c], dt[c]);
            if (!(p->data_str[c * p->n + row] = dupn(dt[c], dl[c])))
                NOMEM();
        }
        row++;
    }
    if (row != p->n)
        FAIL("%s:%zu: %zu data rows, but the file declares %zu observations", path, r->L.n, row,
             p->n);
    return 0;
}

/* the response: the one column the left-hand side names (as a whole word) */
static int find_response(reader *r)
{
    gn_io_nist *p = r->p;
    size_t found = 0, which = 0;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *s = p->response;
        size_t cl = strlen(p->colnames[c]);
        while ((s = strstr(s, p->colnames[c]))) {
            int lb = s == p->response || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
            int rb = !(isalnum((unsigned char)s[cl]) || s[cl] == '_');
            if (lb && rb) {
                found++;
                which = c;
                break;
            }
            s += cl;
        }
    }
    if (found != 1)
        FAIL("%s:%zu: the left-hand side '%s' must name exactly one data column", r->path,
             p->model_line, p->response);
    p->ycol = which;
    return 0;
}

/* parse buf[0 .. len) (buf[len] writable; buf is taken over and freed) as path */
static gn_status nist_parse(gn_io_nist *p, char *buf, size_t len, const char *path, char *err,
                            size_t errlen)
{
    reader r = {{0}, path, err, errlen, p, 0, 0, 0, 0};
    if (split_lines(&r.L, buf, len, path, err, errlen)) {
        free(buf);
        return err && strstr(err, "out of memory") ? GN_ENOMEM : GN_EINPUT;
    }
    char *eq = NULL;
    read_name(&r);
    int rc = read_sections(&r) || read_equation(&r, &eq) || split_equation(&r, eq) ||
             read_params(&r) || read_counts(&r) || read_data(&r) || find_response(&r);
    GN_FREE_ALL(eq, r.L.line, r.L.buf);
    if (!rc)
        return GN_OK;
    gn_io_nist_free(p);
    return err && strstr(err, "out of memory") ? GN_ENOMEM : GN_EINPUT;
}

gn_status gn_io_nist_read(gn_io_nist *p, const char *path, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    size_t len = 0;
    char *buf = NULL;
    gn_status st = gn_io_read_all(&buf, &len, path, "a NIST .dat file", GN_IO_CSV_MAXBYTES, err,
                                  errlen);
    if (st != GN_OK)
        return st;
    return nist_parse(p, buf, len, path, err, errlen);
}

gn_status gn_io_nist_read_buf(gn_io_nist *p, const char *text, size_t len, const char *name,
                              char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    char *buf = malloc(len + 1);
    if (!buf) {
        gn_io_errf(err, errlen, "%s: out of memory", name);
        return GN_ENOMEM;
    }
    if (len)
        memcpy(buf, text, len);
    return nist_parse(p, buf, len, name, err, errlen);
}

#undef FAIL
#undef NOMEM

void gn_io_nist_problem_free(gn_io_nist_setup *s)
{
    if (!s)
        return;
    gn_expr_free(s->model);
    gn_expr_free(s->resp);
    GN_FREE_ALL(s->x, s->xnames);
    memset(s, 0, sizeof *s);
}

gn_status gn_io_nist_problem(gn_io_nist_setup *s, const gn_io_nist *p, gn_expr_error *err,
                          int *in_response)
{
    memset(s, 0, sizeof *s);
    *in_response = 0;
    size_t nx = p->ncols - 1, n = p->n;
    s->xnames = malloc((nx ? nx : 1) * sizeof(char *));
    s->x = malloc((nx ? nx : 1) * n * sizeof(double));
    if (!s->xnames || !s->x) {
        gn_io_nist_problem_free(s);
        return GN_ENOMEM;
    }
    for (size_t c = 0, j = 0; c < p->ncols; c++) {
        if (c == p->ycol)
            continue;
        s->xnames[j] = p->colnames[c];
        memcpy(s->x + j * n, p->data + c * n, n * sizeof(double));
        j++;
    }
    const char *const *cn = (const char *const *)p->cnames, *const *cv =
                                                               (const char *const *)p->cvals;
    gn_status st = gn_expr_compile(&s->model, p->model, s->xnames, nx, cn, cv, p->nconst, err);
    if (st != GN_OK) {
        gn_io_nist_problem_free(s);
        return st;
    }
    if (strcmp(p->response, p->colnames[p->ycol])) {
        const char *yn = p->colnames[p->ycol];
        st = gn_expr_compile(&s->resp, p->response, &yn, 1, cn, cv, p->nconst, err);
        if (st == GN_OK && s->resp->nparams) {
            st = GN_EINPUT;
            if (err) {
                err->pos = 0;
                snprintf(err->msg, sizeof err->msg,
                         "the left-hand side may not contain parameters");
            }
        }
        if (st != GN_OK) {
            *in_response = 1;
            gn_io_nist_problem_free(s);
            return st;
        }
    }
    if (s->model->nparams != p->k) {
        if (err) {
            err->pos = 0;
            snprintf(err->msg, sizeof err->msg,
                     "the model uses parameters up to b%zu, the file declares %zu",
                     s->model->nparams, p->k);
        }
        gn_io_nist_problem_free(s);
        return GN_EINPUT;
    }
    for (size_t q = 0; q < p->k; q++)
        if (!gn_expr_uses(s->model, q)) {
            if (err) {
                err->pos = 0;
                snprintf(err->msg, sizeof err->msg, "parameter b%zu does not appear in the model",
                         q + 1);
            }
            gn_io_nist_problem_free(s);
            return GN_EINPUT;
        }
    s->fp.model = s->model;
    s->fp.resp = s->resp;
    s->fp.n = n;
    s->fp.nx = nx;
    s->fp.x = s->x;
    s->fp.y = p->data + p->ycol * n;
    return GN_OK;
}
