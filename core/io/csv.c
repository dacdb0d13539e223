/* csv.c: strict numeric CSV tables (gn_io.h). Errors name the file, line and column. */
#include "gn_io.h"
#include "gn_internal.h"
#include "gn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* a field is a number token of gn_io_num_scan, hex allowed (what strtod read before the
 * tokenizer); D exponents are a NIST-file convention, not a CSV one */
#define CSV_NUM GN_IO_NUM_HEX

/* split one line in place into fields at sep (',' or '\t'); handles "quoted" fields; returns
 * count or -1 */
static long split(char *line, char ***fields, size_t *cap, char sep)
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
        while (*p == ' ' || (*p == '\t' && sep != '\t'))
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
            while (*p && *p != sep)
                p++;
        } else {
            (*fields)[n++] = p;
            while (*p && *p != sep)
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

/* the 1-based field of line that byte pos lies in (separators outside double quotes) */
static size_t field_at(const char *line, size_t pos, char sep)
{
    size_t field = 1;
    int quoted = 0;
    for (size_t i = 0; i < pos; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == sep && !quoted)
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

/* a headerless table's names: "column 1", "column 2", ... */
static gn_status number_names(gn_io_table *r)
{
    r->names = calloc(r->ncols, sizeof(char *));
    if (!r->names)
        return GN_ENOMEM;
    for (size_t c = 0; c < r->ncols; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "column %zu", c + 1);
        if (!(r->names[c] = strdup(nm)))
            return GN_ENOMEM;
    }
    return GN_OK;
}

/* the separator of the first line when none is given: a tab if it has one and no comma */
static char detect_sep(const char *line)
{
    return strchr(line, '\t') && !strchr(line, ',') ? '\t' : ',';
}

static gn_status read_stream(gn_io_table *t, FILE *f, const char *path, int no_header,
                             char sep, char *err, size_t errlen);

gn_status gn_io_csv_read_stream(gn_io_table *t, FILE *f, const char *path, char *err,
                                size_t errlen)
{
    return read_stream(t, f, path, 0, 0, err, errlen);
}

static gn_status read_stream(gn_io_table *t, FILE *f, const char *path, int no_header,
                             char sep, char *err, size_t errlen)
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
            size_t c = field_at(line, (size_t)(nul - line), sep ? sep : ',');
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
        if (!sep)
            sep = detect_sep(ln);
        long nf = split(ln, &fields, &fcap, sep);
        if (nf < 0) {
            st = GN_ENOMEM;
            break;
        }
        if (!r.names) {
            r.ncols = (size_t)nf;
            st = no_header ? number_names(&r) : read_names(&r, fields, path, lineno, err, errlen);
            if (st != GN_OK)
                break;
            if (!no_header)
                continue;
        }
        if ((size_t)nf != r.ncols) {
            gn_io_errf(err, errlen, "%s:%zu: %ld fields where the %s has %zu", path, lineno, nf,
                       no_header ? "first row" : "header", r.ncols);
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
        gn_io_errf(err, errlen, "%s: empty file (no %s line)", path,
                   no_header ? "data" : "header");
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

/* ------------------------------------------------------------ files, buffers, gzip */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* the gzip members in buf[0 .. len) (concatenated members allowed, as gzip writes them)
 * inflated into *out (malloc'd, *outlen bytes), at most maxbytes; GN_EINPUT with "NAME: why"
 * on a truncated or corrupt stream, bytes after the last member or too much output */
static gn_status gunzip(char **out, size_t *outlen, const char *buf, size_t len,
                        const char *name, size_t maxbytes, char *err, size_t errlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return GN_ENOMEM;
    size_t cap = len < maxbytes / 4 ? 4 * len + 4096 : maxbytes + 1, n = 0;
    char *o = malloc(cap + 1); /* + 1: room for a terminating NUL */
    gn_status st = o ? GN_OK : GN_ENOMEM;
    zs.next_in = (unsigned char *)(uintptr_t)buf;
    size_t left = len;
    while (st == GN_OK) {
        if (n == cap) {
            if (cap > maxbytes) {
                gn_io_errf(err, errlen, "%s: decompresses to more than %zu bytes (the most a "
                           "CSV file may have; a decompression bomb?)", name, maxbytes);
                st = GN_EINPUT;
                break;
            }
            size_t nc = cap > maxbytes / 2 ? maxbytes + 1 : 2 * cap;
            char *no = realloc(o, nc + 1);
            if (!no) {
                st = GN_ENOMEM;
                break;
            }
            o = no;
            cap = nc;
        }
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        zs.avail_in = chunk;
        size_t room = cap - n;
        zs.next_out = (unsigned char *)o + n;
        zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt out0 = zs.avail_out;
        int zr = inflate(&zs, Z_NO_FLUSH);
        left -= chunk - zs.avail_in;
        n += out0 - zs.avail_out;
        if (zr == Z_STREAM_END) {
            if (left == 0)
                break;
            if (left >= 2 && (unsigned char)zs.next_in[0] == 0x1f &&
                (unsigned char)zs.next_in[1] == 0x8b) {
                if (inflateReset(&zs) != Z_OK)
                    st = GN_ENOMEM;
                continue; /* the next member */
            }
            gn_io_errf(err, errlen, "%s: %zu bytes after the end of the gzip data", name, left);
            st = GN_EINPUT;
        } else if (zr == Z_OK || (zr == Z_BUF_ERROR && zs.avail_out == 0)) {
            if (left == 0 && zs.avail_out != 0) {
                gn_io_errf(err, errlen, "%s: truncated gzip data (the stream ends after %zu "
                           "compressed bytes)", name, len);
                st = GN_EINPUT;
            }
        } else if (zr == Z_BUF_ERROR) {
            gn_io_errf(err, errlen, "%s: truncated gzip data (the stream ends after %zu "
                       "compressed bytes)", name, len);
            st = GN_EINPUT;
        } else if (zr == Z_MEM_ERROR) {
            st = GN_ENOMEM;
        } else {
            gn_io_errf(err, errlen, "%s: corrupt gzip data at compressed byte %zu: %s", name,
                       len - left, zs.msg ? zs.msg : "inflate failed");
            st = GN_EINPUT;
        }
    }
    inflateEnd(&zs);
    if (st != GN_OK) {
        free(o);
        return st;
    }
    o[n] = 0;
    *out = o;
    *outlen = n;
    return GN_OK;
}

/* buf[0 .. len) decompressed into *text (malloc'd, NUL-terminated) when it is gzip; *text
 * NULL (and *tlen = len) when it is not; the errors of gn_io_read_maybe_gz */
static gn_status maybe_gunzip(char **text, size_t *tlen, const char *buf, size_t len,
                              const char *name, size_t maxbytes, char *err, size_t errlen)
{
    int gz = len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
    *text = NULL;
    *tlen = len;
    if (!gz && ends_with(name, ".gz") && len > 0) {
        gn_io_errf(err, errlen, "%s: the name ends in .gz but the data is not gzip (it does "
                   "not start with the bytes 1f 8b): rename it or compress it", name);
        return GN_EINPUT;
    }
    if (!gz && len > maxbytes) {
        gn_io_errf(err, errlen, "%s: more than %zu bytes (the most it may have)", name,
                   maxbytes);
        return GN_EINPUT;
    }
    if (!gz)
        return GN_OK;
    gn_status st = gunzip(text, tlen, buf, len, name, maxbytes, err, errlen);
    if (st == GN_ENOMEM)
        gn_io_errf(err, errlen, "%s: out of memory", name);
    return st;
}

gn_status gn_io_read_maybe_gz(char **bufp, size_t *lenp, const char *path, const char *what,
                              size_t max, char *err, size_t errlen)
{
    char *raw, *text;
    size_t n, tlen;
    gn_status st = gn_io_read_all(&raw, &n, path, what, max, err, errlen);
    if (st != GN_OK)
        return st;
    st = maybe_gunzip(&text, &tlen, raw, n, path, max, err, errlen);
    if (st != GN_OK || !text) {
        if (st == GN_OK) {
            *bufp = raw;
            *lenp = n;
        } else
            free(raw);
        return st;
    }
    free(raw);
    *bufp = text;
    *lenp = tlen;
    return GN_OK;
}

gn_status gn_io_csv_read_buf(gn_io_table *t, const char *buf, size_t len, const char *name,
                             const gn_io_csv_opts *o, size_t maxbytes, char *err,
                             size_t errlen)
{
    static const gn_io_csv_opts dflt = {0, 0};
    if (!o)
        o = &dflt;
    if (!maxbytes)
        maxbytes = GN_IO_CSV_MAXBYTES;
    char sep = o->sep;
    if (!sep && (ends_with(name, ".tsv") || ends_with(name, ".tsv.gz") ||
                 ends_with(name, ".tab") || ends_with(name, ".tab.gz")))
        sep = '\t';
    char *text = NULL;
    size_t tlen = len;
    gn_status gs = maybe_gunzip(&text, &tlen, buf, len, name, maxbytes, err, errlen);
    if (gs != GN_OK)
        return gs;
    int gz = text != NULL;
    if (tlen == 0) {
        free(text);
        gn_io_errf(err, errlen, "%s: empty file (no %s line)", name,
                   o->no_header ? "data" : "header");
        return GN_EINPUT;
    }
    FILE *f = fmemopen(gz ? text : (char *)(uintptr_t)buf, tlen, "r");
    if (!f) {
        free(text);
        gn_io_errf(err, errlen, "%s: out of memory", name);
        return GN_ENOMEM;
    }
    gn_status st = read_stream(t, f, name, o->no_header, sep, err, errlen);
    fclose(f);
    free(text);
    return st;
}

gn_status gn_io_read_all(char **bufp, size_t *lenp, const char *path, const char *what,
                         size_t max, char *err, size_t errlen)
{
    FILE *f = gn_io_open_input(path, what, err, errlen);
    if (!f)
        return GN_EINPUT;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    gn_status st = buf ? GN_OK : GN_ENOMEM;
    while (st == GN_OK) {
        if (n == cap) {
            if (cap > max) {
                gn_io_errf(err, errlen, "%s: more than %zu bytes (the most it may have)", path,
                           max);
                st = GN_EINPUT;
                break;
            }
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                st = GN_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (st == GN_OK && ferror(f)) {
        gn_io_errf(err, errlen, "%s: read error: %s", path, strerror(errno));
        st = GN_EINPUT;
    }
    fclose(f);
    if (st == GN_OK && n > max) {
        gn_io_errf(err, errlen, "%s: more than %zu bytes (the most it may have)", path, max);
        st = GN_EINPUT;
    }
    if (st == GN_ENOMEM)
        gn_io_errf(err, errlen, "%s: out of memory", path);
    if (st != GN_OK) {
        free(buf);
        return st;
    }
    buf[n] = 0;
    *bufp = buf;
    *lenp = n;
    return GN_OK;
}

gn_status gn_io_csv_read_opts(gn_io_table *t, const char *path, const gn_io_csv_opts *o,
                              char *err, size_t errlen)
{
    char *buf;
    size_t n;
    gn_status st = gn_io_read_all(&buf, &n, path, "a CSV file", GN_IO_CSV_MAXBYTES, err,
                                  errlen);
    if (st != GN_OK)
        return st;
    st = gn_io_csv_read_buf(t, buf, n, path, o, 0, err, errlen);
    free(buf);
    return st;
}

gn_status gn_io_csv_read(gn_io_table *t, const char *path, char *err, size_t errlen)
{
    return gn_io_csv_read_opts(t, path, NULL, err, errlen);
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
