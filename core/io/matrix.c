/* matrix.c: dense numeric matrices from text (gn_io_matrix.h). Errors name the file, line
 * and field. */
#include "gn_io_matrix.h"
#include "gn_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAT_NUM GN_IO_NUM_DEXP

typedef struct {
    const char *s; /* field start */
    size_t len;
} field;

static int blank(char c) { return c == ' ' || c == '\t'; }

/* split line[0 .. len) into fields by sep (',' or ' '); -1 past cap fields */
static long split(field *f, size_t cap, const char *line, size_t len, char sep)
{
    size_t n = 0, i = 0;
    if (sep == ' ') {
        for (;;) {
            while (i < len && blank(line[i]))
                i++;
            if (i == len)
                break;
            size_t st = i;
            while (i < len && !blank(line[i]))
                i++;
            if (n == cap)
                return -1;
            f[n++] = (field){line + st, i - st};
        }
        return (long)n;
    }
    for (;;) {
        size_t st = i;
        while (i < len && line[i] != ',')
            i++;
        size_t a = st, b = i;
        while (a < b && blank(line[a]))
            a++;
        while (b > a && blank(line[b - 1]))
            b--;
        if (n == cap)
            return -1;
        f[n++] = (field){line + a, b - a};
        if (i == len)
            break;
        i++;
    }
    return (long)n;
}

/* 1 when line[0 .. len) has only blanks or starts (after blanks) with '#' */
static int skip_line(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && blank(line[i]))
        i++;
    return i == len || line[i] == '#';
}

typedef struct {
    const char *name;
    char *err;
    size_t errlen;
    size_t lineno;
} where;

/* the fields of one data row into row[]; GN_EINPUT with a located message */
static gn_status row_numbers(double *row, const field *f, size_t nf, const where *w)
{
    for (size_t c = 0; c < nf; c++) {
        if (f[c].len == 0) {
            gn_io_errf(w->err, w->errlen, "%s:%zu:%zu: empty field", w->name, w->lineno, c + 1);
            return GN_EINPUT;
        }
        gn_status ns = gn_io_num_read(row + c, f[c].s, f[c].len, MAT_NUM);
        if (ns != GN_OK) {
            int shown = f[c].len > 40 ? 40 : (int)f[c].len;
            gn_io_errf(w->err, w->errlen, "%s:%zu:%zu: '%.*s%s' is not %s", w->name, w->lineno,
                       c + 1, shown, f[c].s, f[c].len > 40 ? "..." : "",
                       ns == GN_EINPUT ? "a number" : "finite");
            return GN_EINPUT;
        }
    }
    return GN_OK;
}

/* 1 when no field of the line is a number token (a header), 0 when all are, -1 mixed */
static int header_kind(const field *f, size_t nf)
{
    size_t nums = 0;
    for (size_t c = 0; c < nf; c++) {
        gn_io_num t;
        gn_status s = f[c].len ? gn_io_num_scan(&t, f[c].s, f[c].len, MAT_NUM | GN_IO_NUM_WORDS)
                               : GN_EINPUT;
        nums += s == GN_OK;
    }
    return nums == 0 ? 1 : nums == nf ? 0 : -1;
}

gn_status gn_io_matrix_read_buf(gn_io_matrix *m, const char *text, size_t len,
                                const char *name, char *err, size_t errlen)
{
    where w = {name, err, errlen, 0};
    if (len > GN_IO_MATRIX_MAXBYTES) {
        gn_io_errf(err, errlen, "%s: %zu bytes, more than the %u a matrix file may have", name,
                   len, (unsigned)GN_IO_MATRIX_MAXBYTES);
        return GN_EINPUT;
    }
    field *f = malloc((GN_IO_MATRIX_MAXDIM + 1) * sizeof *f);
    if (!f)
        return GN_ENOMEM;
    gn_io_matrix r = {0, 0, NULL, 0, 0};
    size_t cap = 0, pos = 0;
    gn_status st = GN_OK;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        pos = 3;
    while (pos < len && st == GN_OK) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        const char *line = text + pos;
        size_t ll = end - pos;
        pos = end + 1;
        w.lineno++;
        if (ll && line[ll - 1] == '\r')
            ll--;
        const char *nul = memchr(line, 0, ll);
        if (nul) {
            gn_io_errf(err, errlen, "%s:%zu:%zu: a NUL byte: not a text file?", name, w.lineno,
                       (size_t)(nul - line) + 1);
            st = GN_EINPUT;
            break;
        }
        if (skip_line(line, ll))
            continue;
        if (!r.sep)
            r.sep = memchr(line, ',', ll) ? ',' : ' ';
        else if (r.sep == ' ' && memchr(line, ',', ll)) {
            gn_io_errf(err, errlen, "%s:%zu: a comma, but the first row separates by blanks: "
                       "use one separator", name, w.lineno);
            st = GN_EINPUT;
            break;
        }
        long nf = split(f, GN_IO_MATRIX_MAXDIM + 1, line, ll, r.sep);
        if (nf < 0 || (size_t)nf > GN_IO_MATRIX_MAXDIM) {
            gn_io_errf(err, errlen, "%s:%zu: more than %d fields", name, w.lineno,
                       GN_IO_MATRIX_MAXDIM);
            st = GN_EINPUT;
            break;
        }
        if (!r.cols) {
            int h = header_kind(f, (size_t)nf);
            r.cols = (size_t)nf;
            if (h == 1) {
                r.header = 1;
                continue;
            }
        } else if ((size_t)nf != r.cols) {
            gn_io_errf(err, errlen, "%s:%zu: %ld fields where the %s has %zu", name, w.lineno,
                       nf, r.header ? "header" : "first row", r.cols);
            st = GN_EINPUT;
            break;
        }
        if (r.rows == GN_IO_MATRIX_MAXDIM) {
            gn_io_errf(err, errlen, "%s:%zu: more than %d rows", name, w.lineno,
                       GN_IO_MATRIX_MAXDIM);
            st = GN_EINPUT;
            break;
        }
        if ((r.rows + 1) * r.cols > cap) {
            size_t nc = cap ? 2 * cap : 16 * r.cols;
            double *na = realloc(r.a, nc * sizeof *na);
            if (!na) {
                st = GN_ENOMEM;
                break;
            }
            r.a = na;
            cap = nc;
        }
        st = row_numbers(r.a + r.rows * r.cols, f, (size_t)nf, &w);
        if (st == GN_OK)
            r.rows++;
    }
    free(f);
    if (st == GN_OK && r.rows == 0) {
        gn_io_errf(err, errlen, "%s: %s", name,
                   r.header ? "a header but no rows of numbers" : "no rows of numbers");
        st = GN_EINPUT;
    }
    if (st == GN_ENOMEM)
        gn_io_errf(err, errlen, "%s: out of memory", name);
    if (st != GN_OK) {
        free(r.a);
        return st;
    }
    *m = r;
    return GN_OK;
}

gn_status gn_io_matrix_read(gn_io_matrix *m, const char *path, char *err, size_t errlen)
{
    char *buf;
    size_t n;
    gn_status st = gn_io_read_all(&buf, &n, path, "a matrix file", GN_IO_MATRIX_MAXBYTES, err,
                                  errlen);
    if (st != GN_OK)
        return st;
    st = gn_io_matrix_read_buf(m, buf, n, path, err, errlen);
    free(buf);
    return st;
}

void gn_io_matrix_free(gn_io_matrix *m)
{
    if (!m)
        return;
    free(m->a);
    m->a = NULL;
    m->rows = m->cols = 0;
}
