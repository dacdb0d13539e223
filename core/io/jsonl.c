/* jsonl.c: JSON Lines writer and field reader, hex doubles (see gn_jsonl.h). */
#include "gn_jsonl.h"
#include "gn_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int gn_io_parse_u64(uint64_t *v, const char **p)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    uint64_t x = 0;
    while (*s >= '0' && *s <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = 10 * x + (uint64_t)(*s++ - '0');
    }
    *v = x;
    *p = s;
    return 0;
}

void gn_io_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void gn_io_jl_begin(gn_io_jl *j, FILE *f)
{
    j->f = f;
    j->nfields = 0;
    fputc('{', f);
}

static void key(gn_io_jl *j, const char *k)
{
    if (j->nfields++)
        fputc(',', j->f);
    gn_io_json_string(j->f, k);
    fputc(':', j->f);
}

void gn_io_jl_str(gn_io_jl *j, const char *k, const char *v)
{
    key(j, k);
    if (v)
        gn_io_json_string(j->f, v);
    else
        fputs("null", j->f);
}

void gn_io_jl_num(gn_io_jl *j, const char *k, double v)
{
    key(j, k);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

void gn_io_jl_int(gn_io_jl *j, const char *k, long long v)
{
    key(j, k);
    fprintf(j->f, "%lld", v);
}

void gn_io_jl_bool(gn_io_jl *j, const char *k, int v)
{
    key(j, k);
    fputs(v ? "true" : "false", j->f);
}

void gn_io_jl_end(gn_io_jl *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}


int gn_io_jfield(char *out, size_t cap, const char *line, const char *key)
{
    size_t kl = strlen(key);
    const char *p = line;
    /* keys are written by gn_io_jl_* as "key": at object level; string values that contain a
     * quoted key are escaped (\"), so a match preceded by '{' or ',' is the key itself */
    for (;;) {
        p = strstr(p, key);
        if (!p)
            return -1;
        if (p > line && p[-1] == '"' && p - 1 > line && (p[-2] == '{' || p[-2] == ',') &&
            p[kl] == '"' && p[kl + 1] == ':')
            break;
        p += kl;
    }
    p += kl + 2;
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            char c = *p++;
            if (c == '\\') {
                c = *p++;
                if (c == 'n')
                    c = '\n';
                else if (c == 't')
                    c = '\t';
                else if (c == 'u') {
                    char hx[5] = {0};
                    for (int k = 0; k < 4; k++)
                        if (!(hx[k] = *p++))
                            return -1;
                    unsigned long v = strtoul(hx, NULL, 16);
                    if (v >= 0x80)
                        return -1;
                    c = (char)v;
                } else if (c != '"' && c != '\\' && c != '/')
                    return -1;
            }
            if (n + 1 >= cap)
                return -1;
            out[n++] = c;
        }
        if (*p != '"')
            return -1;
    } else {
        while (*p && *p != ',' && *p != '}') {
            if (n + 1 >= cap)
                return -1;
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return 0;
}

int gn_io_jfield_u64(uint64_t *out, const char *line, const char *key)
{
    char buf[32];
    const char *p = buf;
    if (gn_io_jfield(buf, sizeof buf, line, key) < 0 || gn_io_parse_u64(out, &p) < 0 || *p)
        return -1;
    return 0;
}

int gn_io_jfield_hex(double *out, const char *line, const char *key)
{
    char buf[64];
    if (gn_io_jfield(buf, sizeof buf, line, key) < 0)
        return -1;
    /* what gn_io_hexstr writes: hex, or inf / -inf / nan; decimal is read as well */
    return gn_io_num_read(out, buf, strlen(buf), GN_IO_NUM_HEX | GN_IO_NUM_WORDS) == GN_OK ? 0
                                                                                         : -1;
}

void gn_io_hexstr(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "nan");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, cap, "%a", v);
}
