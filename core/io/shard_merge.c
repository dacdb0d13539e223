/* shard_merge.c: the kind-independent merge of shard files (gn_io_merge.h). */
#include "gn_io.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"

#include <stdlib.h>
#include <string.h>

int gn_io_merge_refuse(const char *name, const char *why, const char *detail)
{
    fprintf(stderr, "gnlab merge: %s: %s%s%s\n", name, why, detail ? ": " : "", detail ? detail : "");
    return GN_EXIT_USAGE;
}

int gn_io_merge_kind_of(char *out, size_t cap, const char *const *texts,
                        const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = texts[i];
        while (*p == '\n')
            p++;
        if (!*p)
            continue;
        size_t l = strcspn(p, "\n");
        char *h = malloc(l + 1);
        if (!h) {
            gn_io_merge_refuse(names[i], "out of memory", NULL);
            return -1;
        }
        memcpy(h, p, l);
        h[l] = 0;
        int rc = gn_io_jfield(out, cap, h, "shard");
        free(h);
        if (rc < 0)
            gn_io_merge_refuse(names[i], "not a shard file (no {\"shard\": ...} header)", NULL);
        return rc;
    }
    gn_io_merge_refuse(n ? names[0] : "merge", "empty shard file", NULL);
    return -1;
}

/* the block ranges "a-b,c" of a header (inclusive, below nb) appended to m->cov; they may be
 * long (a gnlab-mpi rank's pre-merged blocks), so they are parsed as they come. 0 or -1. */
static int add_ranges(gn_io_merge *m, const char *rg, uint64_t nb)
{
    for (const char *q = rg; *q;) {
        char *e;
        unsigned long long lo = strtoull(q, &e, 10), hi = lo;
        if (e == q || *q == '-' || *q == '+' || *q == ' ')
            return -1;
        q = e;
        if (*q == '-') {
            const char *q1 = q + 1;
            hi = strtoull(q1, &e, 10);
            if (e == q1 || *q1 == '-' || *q1 == '+' || *q1 == ' ')
                return -1;
            q = e;
        }
        if (hi < lo || hi >= nb || (*q && *q != ',') || (*q == ',' && !q[1]))
            return -1;
        if (m->ncov == m->capcov) {
            size_t nc = m->capcov ? 2 * m->capcov : 256;
            gn_io_brange *nr = realloc(m->cov, nc * sizeof *nr);
            if (!nr)
                return -1;
            m->cov = nr;
            m->capcov = nc;
        }
        m->cov[m->ncov].lo = lo;
        m->cov[m->ncov].hi = hi + 1;
        m->ncov++;
        if (*q == ',')
            q++;
    }
    return 0;
}

/* a later group's header against the first one's: same kind, same campaign parameters */
static int same_campaign(const gn_io_merge *m, const char *name, const char *h, const char *kind)
{
    if (strcmp(kind, m->k->kind)) {
        char msg[96];
        snprintf(msg, sizeof msg, "'%s' here but '%s' in the first shard", kind, m->k->kind);
        return gn_io_merge_refuse(name, "mixes shard kinds", msg);
    }
    for (const char *const *key = m->k->keys; *key; key++) {
        char a[1024], b[1024];
        int ha = gn_io_jfield(a, sizeof a, m->head, *key), hb = gn_io_jfield(b, sizeof b, h, *key);
        if (ha != hb || (ha == 0 && strcmp(a, b))) {
            char msg[2200];
            snprintf(msg, sizeof msg, "'%s' is %s here but %s in the first shard", *key,
                     hb ? "absent" : b, ha ? "absent" : a);
            return gn_io_merge_refuse(name, "shard of a different campaign", msg);
        }
    }
    return 0;
}

/* the header of a group: its kind, U, rows and block ranges */
static int take_header(gn_io_merge *m, const char *name, const char *h)
{
    char kind[16];
    if (gn_io_jfield(kind, sizeof kind, h, "shard") < 0)
        return gn_io_merge_refuse(name, "not a shard file (no {\"shard\": ...} header)", NULL);
    if (m->groups == 0 && strcmp(kind, m->k->kind))
        return gn_io_merge_refuse(name, "unknown shard kind", kind);
    uint64_t nb, nrows;
    char *rg = malloc(strlen(h) + 1);
    if (!rg)
        return gn_io_merge_refuse(name, "out of memory", NULL);
    int rc = 0;
    if (gn_io_jfield_u64(&nb, h, "blocks") < 0 || nb == 0 || nb > GN_IO_SHARD_MAXBLOCKS ||
        gn_io_jfield_u64(&nrows, h, "rows") < 0 || nrows > GN_IO_MERGE_MAXROWS ||
        gn_io_jfield(rg, strlen(h) + 1, h, "ranges") < 0)
        rc = gn_io_merge_refuse(name, "malformed shard header", h);
    else if (m->groups > 0 && nb != m->nblocks)
        rc = gn_io_merge_refuse(name, "shard of a different campaign", "another --blocks");
    else if (add_ranges(m, rg, nb) < 0)
        rc = gn_io_merge_refuse(name, "malformed block ranges", rg);
    else if (m->groups == 0) {
        snprintf(m->head, sizeof m->head, "%s", h);
        m->nblocks = nb;
        m->nrows = (size_t)nrows;
    } else
        rc = same_campaign(m, name, h, kind);
    free(rg);
    return rc;
}

/* one group: its header line and the nrows row lines after it */
static int take_group(gn_io_merge *m, const char *name, char **lines, size_t nl, size_t *at)
{
    int rc = take_header(m, name, lines[*at]);
    if (rc)
        return rc;
    m->groups++;
    (*at)++;
    const gn_io_merge_kind *k = m->k;
    char *row = malloc(k->row_size);
    if (!row)
        return GN_EXIT_FAIL;
    for (size_t r = 0; r < m->nrows && rc == 0; r++, (*at)++) {
        uint64_t idx;
        char *acc = (char *)m->rows + r * k->row_size;
        if (*at >= nl || gn_io_jfield_u64(&idx, lines[*at], "row") < 0 || idx != r)
            rc = gn_io_merge_refuse(name, "truncated shard (a row is missing)",
                                    *at < nl ? lines[*at] : NULL);
        else if (k->row_read(m->groups == 1 ? acc : row, lines[*at]) < 0)
            rc = gn_io_merge_refuse(name, "malformed row", lines[*at]);
        else if (m->groups > 1 && k->row_merge(acc, row) < 0)
            rc = gn_io_merge_refuse(name, "rows differ from the first shard's", lines[*at]);
    }
    free(row);
    return rc;
}

/* the non-empty lines of text, split in place; NULL on no memory */
static char **split_lines(char *text, size_t *nl)
{
    size_t cap = 16;
    char **lines = malloc(cap * sizeof *lines);
    *nl = 0;
    for (char *p = text; lines && *p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = 0;
        if (*p) {
            if (*nl == cap) {
                char **more = realloc(lines, 2 * cap * sizeof *lines);
                if (!more) {
                    free(lines);
                    return NULL;
                }
                lines = more;
                cap *= 2;
            }
            lines[(*nl)++] = p;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return lines;
}

int gn_io_merge_load(gn_io_merge *m, const gn_io_merge_kind *k, const char *const *texts,
                     const char *const *names, size_t n, int allow_empty)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->rows = calloc(GN_IO_MERGE_MAXROWS, k->row_size);
    if (!m->rows) {
        fprintf(stderr, "gnlab merge: out of memory\n");
        return GN_EXIT_FAIL;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *buf = strdup(texts[i]);
        size_t nl = 0;
        char **lines = buf ? split_lines(buf, &nl) : NULL;
        if (!lines)
            rc = GN_EXIT_FAIL;
        else if (nl == 0 && !allow_empty)
            rc = gn_io_merge_refuse(names[i], "empty shard file", NULL);
        for (size_t at = 0; at < nl && rc == 0;)
            rc = take_group(m, names[i], lines, nl, &at);
        free(lines);
        free(buf);
    }
    return rc;
}

static int cmp_brange(const void *a, const void *b)
{
    const gn_io_brange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int gn_io_merge_gaps(gn_io_merge *m, char **missing)
{
    *missing = NULL;
    qsort(m->cov, m->ncov, sizeof *m->cov, cmp_brange);
    size_t mcap = 256, mlen = 0;
    char *miss = malloc(mcap);
    if (!miss)
        return GN_EXIT_FAIL;
    miss[0] = 0;
    uint64_t at = 0;
    for (size_t k = 0; k <= m->ncov; k++) {
        uint64_t lo = k < m->ncov ? m->cov[k].lo : m->nblocks;
        if (lo < at) {
            char msg[96];
            snprintf(msg, sizeof msg, "block %llu is in two shards", (unsigned long long)lo);
            free(miss);
            return gn_io_merge_refuse("merge", "overlapping shards (an instance would count twice)",
                                      msg);
        }
        if (lo > at) {
            if (mlen + 48 > mcap) {
                char *nm = realloc(miss, mcap *= 2);
                if (!nm) {
                    free(miss);
                    return GN_EXIT_FAIL;
                }
                miss = nm;
            }
            mlen += (size_t)snprintf(miss + mlen, mcap - mlen, lo - at == 1 ? "%s%llu" : "%s%llu-%llu",
                                     mlen ? "," : "", (unsigned long long)at,
                                     (unsigned long long)(lo - 1));
        }
        if (k < m->ncov)
            at = m->cov[k].hi;
    }
    *missing = miss;
    return 0;
}

void gn_io_merge_note(FILE *out, const gn_io_merge *m, const char *missing, int json)
{
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, out);
        gn_io_jl_bool(&j, "incomplete", 1);
        gn_io_jl_str(&j, "missing_blocks", missing);
        gn_io_jl_int(&j, "blocks", (long long)m->nblocks);
        gn_io_jl_end(&j);
    } else
        fprintf(out,
                "INCOMPLETE: blocks %s of %llu are missing (a shard not run or lost): no verdict.\n"
                "Rerun them (then merge again) with the same options plus:\n"
                "  --blocks %llu --ranges %s\n",
                missing, (unsigned long long)m->nblocks, (unsigned long long)m->nblocks, missing);
}

int gn_io_merge_text(FILE *out, const gn_io_merge_kind *k, const char *const *texts,
                     const char *const *names, size_t n, int json)
{
    gn_io_merge m;
    char *missing = NULL;
    int rc = gn_io_merge_load(&m, k, texts, names, n, 0);
    if (rc == 0)
        rc = gn_io_merge_gaps(&m, &missing);
    if (rc == 0) {
        int incomplete = missing[0] != 0;
        if (incomplete)
            gn_io_merge_note(out, &m, missing, json);
        int bad = k->report(out, &m, json);
        if (incomplete && !json && bad >= 0)
            fprintf(out, "INCOMPLETE: the report above covers only part of the campaign.\n");
        rc = bad != 0 || incomplete ? GN_EXIT_FAIL : GN_EXIT_PASS;
    }
    free(missing);
    gn_io_merge_free(&m);
    return rc;
}

int gn_io_merge_shard_text(FILE *out, const gn_io_merge_kind *k, const char *const *texts,
                           const char *const *names, size_t n)
{
    gn_io_merge m;
    int rc = gn_io_merge_load(&m, k, texts, names, n, 1);
    if (rc != 0 || m.groups == 0) {
        gn_io_merge_free(&m);
        return rc;
    }
    /* the union of the blocks, joined: overlaps refused */
    qsort(m.cov, m.ncov, sizeof *m.cov, cmp_brange);
    size_t nr = 0;
    for (size_t i = 0; i < m.ncov && rc == 0; i++) {
        if (nr > 0 && m.cov[i].lo < m.cov[nr - 1].hi)
            rc = gn_io_merge_refuse("merge", "overlapping shards (an instance would count twice)",
                                    NULL);
        else if (nr > 0 && m.cov[i].lo == m.cov[nr - 1].hi)
            m.cov[nr - 1].hi = m.cov[i].hi;
        else
            m.cov[nr++] = m.cov[i];
    }
    /* the header: the first group's, up to its ranges (the last two keys are ranges, rows) */
    const char *cut = strstr(m.head, ",\"ranges\":\"");
    if (rc == 0 && !cut)
        rc = gn_io_merge_refuse("merge", "malformed shard header", m.head);
    if (rc != 0) {
        gn_io_merge_free(&m);
        return rc;
    }
    fprintf(out, "%.*s,\"ranges\":\"", (int)(cut - m.head), m.head);
    for (size_t i = 0; i < nr; i++) {
        if (m.cov[i].hi - m.cov[i].lo == 1)
            fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)m.cov[i].lo);
        else
            fprintf(out, "%s%llu-%llu", i ? "," : "", (unsigned long long)m.cov[i].lo,
                    (unsigned long long)m.cov[i].hi - 1);
    }
    fprintf(out, "\",\"rows\":%zu}\n", m.nrows);
    for (size_t r = 0; r < m.nrows; r++)
        k->row_write(out, r, (const char *)m.rows + r * k->row_size);
    gn_io_merge_free(&m);
    return fflush(out) == 0 ? 0 : GN_EXIT_FAIL;
}

void gn_io_merge_free(gn_io_merge *m)
{
    if (!m)
        return;
    free(m->rows);
    free(m->cov);
    memset(m, 0, sizeof *m);
}

int gn_io_append_stream(char **buf, size_t *len, size_t *cap, FILE *f)
{
    char tmp[1 << 15];
    size_t got;
    if (!*buf) {
        char *nb = realloc(*buf, 1 << 12);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = 1 << 12;
        (*buf)[*len = 0] = 0;
    }
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (*len + got + 1 > *cap) {
            size_t nc = 2 * (*cap + got + 1);
            char *nb = realloc(*buf, nc);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = nc;
        }
        memcpy(*buf + *len, tmp, got);
        *len += got;
        (*buf)[*len] = 0;
    }
    return ferror(f) ? -1 : 0;
}

int gn_io_read_text(char **text, const char *path)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t len = 0, cap = 0;
    int rc = gn_io_append_stream(text, &len, &cap, f);
    fclose(f);
    if (rc < 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}
