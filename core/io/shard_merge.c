/* shard_merge.c: the kind-independent merge of shard files (gn_io_merge.h). */
#include "gn_io.h"
#include "gn_internal.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"

#include <stdlib.h>
#include <string.h>

int gn_io_merge_refuse(const char *name, const char *why, const char *detail)
{
    fprintf(stderr, "gnlab merge: %s: %s%s%s\n", name, why, detail ? ": " : "", detail ? detail : "");
    return GN_EXIT_USAGE;
}

int gn_io_merge_refuse_at(const char *name, size_t line, const char *why, const char *detail)
{
    int cut = detail && strlen(detail) > 200;
    fprintf(stderr, "gnlab merge: %s:%zu: %s%s%.200s%s\n", name, line, why, detail ? ": " : "",
            detail ? detail : "", cut ? "..." : "");
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

/* the texts being loaded: each one's non-empty lines (split in place) with their 1-based
 * numbers, and the groups found, each a header line and the m->nrows row lines after it */
typedef struct {
    const char *name;
    char *buf;
    char **line;
    size_t *no, n;
} mtext;

typedef struct {
    size_t t, at;   /* text, index of its header line */
    uint64_t first; /* its lowest block: the order of the merge */
} mgroup;

typedef struct {
    gn_io_merge *m;
    mtext *tx;
    mgroup *g;
    size_t ng, capg;
    const char *head0; /* the first header read (in file order) */
} mload;

/* a group's header against the first one's (if any): same kind, every key present and
 * the same campaign parameters */
static int same_campaign(const mload *L, const char *name, size_t no, const char *h,
                         const char *kind)
{
    const gn_io_merge *m = L->m;
    if (strcmp(kind, m->k->kind)) {
        char msg[96];
        snprintf(msg, sizeof msg, "'%s' here but '%s' in the first shard", kind, m->k->kind);
        return gn_io_merge_refuse_at(name, no, "mixes shard kinds", msg);
    }
    size_t cap = strlen(h) + (L->head0 ? strlen(L->head0) : 0) + 2;
    char *a = malloc(cap), *b = malloc(cap), *msg = malloc(2 * cap + 96);
    int rc = 0;
    if (!a || !b || !msg)
        rc = gn_io_merge_refuse_at(name, no, "out of memory", NULL);
    for (const char *const *key = m->k->keys; rc == 0 && *key; key++) {
        if (gn_io_jfield(b, cap, h, *key) < 0) {
            snprintf(msg, 2 * cap + 96, "'%s' (every shard header holds it: rerun the shard that "
                                        "wrote this file)", *key);
            rc = gn_io_merge_refuse_at(name, no, "shard header lacks a field", msg);
        } else if (L->head0 && gn_io_jfield(a, cap, L->head0, *key) == 0 && strcmp(a, b)) {
            snprintf(msg, 2 * cap + 96, "'%s' is %s here but %s in the first shard", *key, b, a);
            rc = gn_io_merge_refuse_at(name, no, "shard of a different campaign", msg);
        }
    }
    free(a);
    free(b);
    free(msg);
    return rc;
}

/* the header of a group: its kind, U, rows and block ranges (their lowest block in *first) */
static int take_header(mload *L, const char *name, size_t no, const char *h, uint64_t *first)
{
    gn_io_merge *m = L->m;
    char kind[16], why[256];
    if (gn_io_jfield(kind, sizeof kind, h, "shard") < 0)
        return gn_io_merge_refuse_at(name, no, "not a shard file (no {\"shard\": ...} header)", NULL);
    if (!L->head0 && strcmp(kind, m->k->kind))
        return gn_io_merge_refuse_at(name, no, "unknown shard kind", kind);
    uint64_t nb, nrows;
    size_t cap = strlen(h) + 1, ncov0 = m->ncov;
    char *rg = malloc(cap);
    if (!rg)
        return gn_io_merge_refuse_at(name, no, "out of memory", NULL);
    int rc = 0;
    if (gn_io_jfield_u64(&nb, h, "blocks") < 0 || nb == 0 || nb > GN_IO_SHARD_MAXBLOCKS)
        rc = gn_io_merge_refuse_at(name, no, "malformed shard header",
                                   "'blocks' missing or not in 1 .. 2^20");
    else if (gn_io_jfield_u64(&nrows, h, "rows") < 0 || nrows > GN_IO_MERGE_MAXROWS)
        rc = gn_io_merge_refuse_at(name, no, "malformed shard header", "'rows' missing or over 512");
    else if (gn_io_jfield(rg, cap, h, "ranges") < 0)
        rc = gn_io_merge_refuse_at(name, no, "malformed shard header", "'ranges' missing");
    else if (L->head0 && nb != m->nblocks)
        rc = gn_io_merge_refuse_at(name, no, "shard of a different campaign", "another --blocks");
    else if (!rg[0])
        rc = gn_io_merge_refuse_at(name, no, "shard covers no block",
                                   "'ranges' is empty (a run writes the blocks it ran)");
    else if (add_ranges(m, rg, nb) < 0)
        rc = gn_io_merge_refuse_at(name, no, "malformed block ranges", rg);
    else if ((rc = same_campaign(L, name, no, h, kind)) == 0 &&
             m->k->head_check(h, why, sizeof why) < 0)
        rc = gn_io_merge_refuse_at(name, no, "malformed shard header", why);
    if (rc == 0) {
        *first = m->cov[ncov0].lo;
        for (size_t i = ncov0; i < m->ncov; i++)
            if (m->cov[i].lo < *first)
                *first = m->cov[i].lo;
        if (!L->head0) {
            L->head0 = h;
            m->nblocks = nb;
            m->nrows = (size_t)nrows;
        }
    }
    free(rg);
    return rc;
}

/* the non-empty lines of text t, split in place with their numbers; -1 on no memory */
static int split_lines(mtext *T, const char *text)
{
    size_t cap = 16;
    T->n = 0;
    T->buf = strdup(text);
    T->line = malloc(cap * sizeof *T->line);
    T->no = malloc(cap * sizeof *T->no);
    if (!T->buf || !T->line || !T->no)
        return -1;
    size_t no = 1;
    for (char *p = T->buf; *p; no++) {
        char *e = strchr(p, '\n');
        if (e)
            *e = 0;
        if (*p) {
            if (T->n == cap) {
                char **l2 = realloc(T->line, 2 * cap * sizeof *l2);
                if (l2)
                    T->line = l2;
                size_t *n2 = l2 ? realloc(T->no, 2 * cap * sizeof *n2) : NULL;
                if (!n2)
                    return -1;
                T->no = n2;
                cap *= 2;
            }
            T->line[T->n] = p;
            T->no[T->n++] = no;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* the groups of text t: each header checked, its row lines present and numbered 0 .. R-1 */
static int find_groups(mload *L, size_t t)
{
    const mtext *T = &L->tx[t];
    for (size_t at = 0; at < T->n;) {
        uint64_t first = 0;
        int rc = take_header(L, T->name, T->no[at], T->line[at], &first);
        if (rc)
            return rc;
        for (size_t r = 0; r < L->m->nrows; r++) {
            uint64_t idx;
            size_t i = at + 1 + r;
            if (i >= T->n)
                return gn_io_merge_refuse_at(T->name, T->n ? T->no[T->n - 1] + 1 : 1,
                                             "truncated shard (a row is missing)", "end of file");
            if (gn_io_jfield_u64(&idx, T->line[i], "row") < 0 || idx != r)
                return gn_io_merge_refuse_at(T->name, T->no[i], "truncated shard (a row is missing)",
                                             T->line[i]);
        }
        if (L->ng == L->capg) {
            size_t nc = L->capg ? 2 * L->capg : 16;
            mgroup *g2 = realloc(L->g, nc * sizeof *g2);
            if (!g2)
                return GN_EXIT_FAIL;
            L->g = g2;
            L->capg = nc;
        }
        L->g[L->ng++] = (mgroup){t, at, first};
        at += 1 + L->m->nrows;
    }
    return 0;
}

static int cmp_group(const void *a, const void *b)
{
    const mgroup *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* the rows of the groups, merged in the order of their lowest block */
static int merge_groups(mload *L)
{
    gn_io_merge *m = L->m;
    const gn_io_merge_kind *k = m->k;
    if (L->ng > 1)
        qsort(L->g, L->ng, sizeof *L->g, cmp_group);
    char *row = malloc(k->row_size), why[512];
    if (!row)
        return GN_EXIT_FAIL;
    int rc = 0;
    for (size_t gi = 0; gi < L->ng && rc == 0; gi++) {
        const mtext *T = &L->tx[L->g[gi].t];
        const char *h = T->line[L->g[gi].at];
        if (gi == 0 && !(m->head = strdup(h)))
            rc = GN_EXIT_FAIL;
        for (size_t r = 0; r < m->nrows && rc == 0; r++) {
            size_t i = L->g[gi].at + 1 + r;
            char *acc = (char *)m->rows + r * k->row_size;
            if (k->row_read(gi == 0 ? acc : row, h, r, T->line[i], why, sizeof why) < 0)
                rc = gn_io_merge_refuse_at(T->name, T->no[i],
                                           "malformed row (rerun the shard that wrote it)", why);
            else if (gi > 0 && k->row_merge(acc, row, why, sizeof why) < 0)
                rc = gn_io_merge_refuse_at(T->name, T->no[i], "rows differ from the other shards'",
                                           why);
        }
        m->groups++;
    }
    free(row);
    return rc;
}

int gn_io_merge_load(gn_io_merge *m, const gn_io_merge_kind *k, const char *const *texts,
                     const char *const *names, size_t n, int allow_empty)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    mload L = {m, calloc(n + 1, sizeof(mtext)), NULL, 0, 0, NULL};
    m->rows = calloc(GN_IO_MERGE_MAXROWS, k->row_size);
    int rc = !m->rows || !L.tx ? GN_EXIT_FAIL : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        L.tx[i].name = names[i];
        if (split_lines(&L.tx[i], texts[i]) < 0)
            rc = GN_EXIT_FAIL;
        else if (L.tx[i].n == 0 && !allow_empty)
            rc = gn_io_merge_refuse(names[i], "empty shard file", NULL);
        else
            rc = find_groups(&L, i);
    }
    if (rc == 0)
        rc = merge_groups(&L);
    if (rc == GN_EXIT_FAIL)
        fprintf(stderr, "gnlab merge: out of memory\n");
    for (size_t i = 0; L.tx && i < n; i++) {
        free(L.tx[i].buf);
        free(L.tx[i].line);
        free(L.tx[i].no);
    }
    free(L.tx);
    free(L.g);
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
    if (m->ncov > 1)
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
        m.incomplete = incomplete;
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
    if (m.ncov > 1)
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
    GN_FREE_ALL(m->rows, m->cov, m->head);
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

