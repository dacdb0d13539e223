/* csv.c: strict numeric CSV tables (gn_io.h). Errors name the file, line and column. */
#include "gn_io.h"
#include "gn_internal.h"
#include "gn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a field is a number token of gn_io_num_scan, hex allowed (what strtod read before the
 * tokenizer); D exponents are a NIST-file convention, not a CSV one */
#define CSV_NUM GN_IO_NUM_HEX

/* split one line in place into fields; handles "quoted" fields; returns count or -1 */
static long split(char *line, char ***fields, size_t *cap)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            char **nf = realloc(*fields, nc * sizeof(char *));
            if (!nf)
                return -1;
            *fields = nf;
            *cap = nc;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            char *q = ++p, *o = p;
            while (*q && !(*q == '"' && q[1] != '"')) {
                if (*q == '"')
                    q++;
                *o++ = *q++;
            }
            if (*q == '"')
                q++;
            *o = 0;
            (*fields)[n++] = p;
            p = q;
            while (*p && *p != ',')
                p++;
        } else {
            (*fields)[n++] = p;
            while (*p && *p != ',')
                p++;
        }
        if (!*p)
            break;
        *p++ = 0;
    }
    /* trim trailing blanks of unquoted fields */
    for (size_t k = 0; k < n; k++) {
        char *f = (*fields)[k];
        size_t l = strlen(f);
        while (l && (f[l - 1] == ' ' || f[l - 1] == '\t'))
            f[--l] = 0;
    }
    return (long)n;
}

static int skip_line(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == 0 || *s == '#';
}

/* the 1-based field of line that byte pos lies in (commas outside double quotes) */
static size_t field_at(const char *line, size_t pos)
{
    size_t field = 1;
    int quoted = 0;
    for (size_t i = 0; i < pos; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ',' && !quoted)
            field++;
    }
    return field;
}

/* the header's names into r (r->ncols fields); a column named twice is an error naming both */
static gn_status read_names(gn_io_table *r, char **fields, const char *path, size_t lineno,
                            char *err, size_t errlen)
{
    r->names = calloc(r->ncols, sizeof(char *));
    if (!r->names)
        return GN_ENOMEM;
    for (size_t c = 0; c < r->ncols; c++) {
        if (!*fields[c]) {
            gn_io_errf(err, errlen, "%s:%zu:%zu: empty column name", path, lineno, c + 1);
            return GN_EINPUT;
        }
        for (size_t d = 0; d < c; d++)
            if (!strcmp(r->names[d], fields[c])) {
                gn_io_errf(err, errlen,
                           "%s:%zu:%zu: column name '%s' is also column %zu's: give every "
                           "column its own name",
                           path, lineno, c + 1, fields[c], d + 1);
                return GN_EINPUT;
            }
        r->names[c] = strdup(fields[c]);
        if (!r->names[c])
            return GN_ENOMEM;
    }
    return GN_OK;
}

gn_status gn_io_csv_read(gn_io_table *t, const char *path, char *err, size_t errlen)
{
    FILE *f = gn_io_open_input(path, "a CSV file", err, errlen);
    if (!f)
        return GN_EINPUT;
    gn_status st = gn_io_csv_read_stream(t, f, path, err, errlen);
    fclose(f);
    return st;
}

gn_status gn_io_csv_read_stream(gn_io_table *t, FILE *f, const char *path, char *err,
                                size_t errlen)
{
    char *line = NULL;
    size_t linecap = 0, fcap = 0, lineno = 0;
    char **fields = NULL;
    gn_io_table r = {0, 0, NULL, NULL};
    double *rows = NULL; /* row-major while reading */
    size_t rowcap = 0;
    gn_status st = GN_OK;
    ssize_t got;
    while ((got = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = 0;
        const char *nul = memchr(line, 0, (size_t)got);
        if (nul) {
            size_t c = field_at(line, (size_t)(nul - line));
            if (r.names && c <= r.ncols)
                gn_io_errf(err, errlen, "%s:%zu:%zu (%s): a NUL byte: not a text file?", path,
                           lineno, c, r.names[c - 1]);
            else
                gn_io_errf(err, errlen, "%s:%zu:%zu: a NUL byte: not a text file?", path, lineno,
                           c);
            st = GN_EINPUT;
            break;
        }
        /* a UTF-8 byte-order mark at the very start is not part of the first name */
        char *ln = line;
        if (lineno == 1 && !strncmp(ln, "\xef\xbb\xbf", 3))
            ln += 3;
        if (skip_line(ln))
            continue;
        long nf = split(ln, &fields, &fcap);
        if (nf < 0) {
            st = GN_ENOMEM;
            break;
        }
        if (!r.names) {
            r.ncols = (size_t)nf;
            st = read_names(&r, fields, path, lineno, err, errlen);
            if (st != GN_OK)
                break;
            continue;
        }
        if ((size_t)nf != r.ncols) {
            gn_io_errf(err, errlen, "%s:%zu: %ld fields where the header has %zu", path, lineno, nf,
                   r.ncols);
            st = GN_EINPUT;
            break;
        }
        if ((r.nrows + 1) * r.ncols > rowcap) {
            size_t nc = rowcap ? 2 * rowcap : 1024 * r.ncols;
            double *nr = realloc(rows, nc * sizeof(double));
            if (!nr) {
                st = GN_ENOMEM;
                break;
            }
            rows = nr;
            rowcap = nc;
        }
        for (size_t c = 0; c < r.ncols; c++) {
            const char *s = fields[c];
            while (isspace((unsigned char)*s))
                s++;
            double v;
            gn_status ns = gn_io_num_read(&v, s, strlen(s), CSV_NUM);
            if (ns != GN_OK) {
                gn_io_errf(err, errlen, "%s:%zu:%zu (%s): '%s' is not %s", path, lineno, c + 1,
                           r.names[c], fields[c], ns == GN_EINPUT ? "a number" : "finite");
                st = GN_EINPUT;
                break;
            }
            rows[r.nrows * r.ncols + c] = v;
        }
        if (st != GN_OK)
            break;
        r.nrows++;
    }
    if (st == GN_OK && ferror(f)) {
        gn_io_errf(err, errlen, "%s:%zu: read error: %s", path, lineno + 1, strerror(errno));
        st = GN_EINPUT;
    } else if (st == GN_OK && !r.names) {
        gn_io_errf(err, errlen, "%s: empty file (no header line)", path);
        st = GN_EINPUT;
    } else if (st == GN_OK && r.nrows == 0) {
        gn_io_errf(err, errlen, "%s: a header but no data rows", path);
        st = GN_EINPUT;
    }
    if (st == GN_OK) {
        r.cols = malloc(r.nrows * r.ncols * sizeof(double));
        if (!r.cols)
            st = GN_ENOMEM;
        else
            for (size_t i = 0; i < r.nrows; i++)
                for (size_t c = 0; c < r.ncols; c++)
                    r.cols[c * r.nrows + i] = rows[i * r.ncols + c];
    }
    if (st == GN_ENOMEM)
        gn_io_errf(err, errlen, "%s: out of memory", path);
    GN_FREE_ALL(rows, fields, line);
    if (st != GN_OK) {
        gn_io_table_free(&r);
        return st;
    }
    *t = r;
    return GN_OK;
}

long gn_io_table_col(const gn_io_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->names[c], name))
            return (long)c;
    return -1;
}

void gn_io_table_free(gn_io_table *t)
{
    if (!t)
        return;
    if (t->names)
        for (size_t c = 0; c < t->ncols; c++)
            free(t->names[c]);
    free(t->names);
    free(t->cols);
    t->names = NULL;
    t->cols = NULL;
    t->nrows = t->ncols = 0;
}
