/* shard.c: block sets of a sharded campaign and the fields of shard files (gn_io_shard.h). */
#include "gn_jsonl.h"
#include "gn_io_shard.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void gn_io_shard_all(gn_io_shard *s, uint64_t nblocks)
{
    s->nblocks = nblocks;
    s->n = 1;
    s->r[0].lo = 0;
    s->r[0].hi = nblocks;
}

int gn_io_shard_parse_kn(gn_io_shard *s, const char *text, uint64_t nblocks)
{
    uint64_t k, n;
    const char *p = text;
    if (!p || gn_io_parse_u64(&k, &p) < 0 || *p++ != '/' || gn_io_parse_u64(&n, &p) < 0 || *p)
        return -1;
    if (n == 0 || k >= n || n > nblocks)
        return -1;
    s->nblocks = nblocks;
    s->n = 1;
    s->r[0].lo = k * nblocks / n;
    s->r[0].hi = (k + 1) * nblocks / n;
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    const gn_io_brange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* sort, reject overlaps, join adjacent ranges */
static int normalise(gn_io_shard *s)
{
    qsort(s->r, s->n, sizeof s->r[0], cmp_range);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k > 0 && s->r[i].lo < s->r[k - 1].hi)
            return -1;
        if (k > 0 && s->r[i].lo == s->r[k - 1].hi)
            s->r[k - 1].hi = s->r[i].hi;
        else
            s->r[k++] = s->r[i];
    }
    s->n = k;
    return 0;
}

int gn_io_shard_parse_ranges(gn_io_shard *s, const char *text, uint64_t nblocks)
{
    gn_io_shard t;
    t.nblocks = nblocks;
    t.n = 0;
    const char *p = text;
    if (!p || !*p)
        return -1;
    for (;;) {
        uint64_t a, b;
        if (gn_io_parse_u64(&a, &p) < 0)
            return -1;
        b = a;
        if (*p == '-') {
            p++;
            if (gn_io_parse_u64(&b, &p) < 0)
                return -1;
        }
        if (b < a || b >= nblocks || t.n == GN_IO_SHARD_MAXR)
            return -1;
        t.r[t.n].lo = a;
        t.r[t.n].hi = b + 1;
        t.n++;
        if (!*p)
            break;
        if (*p++ != ',')
            return -1;
    }
    if (normalise(&t) < 0)
        return -1;
    *s = t;
    return 0;
}

void gn_io_shard_format(const gn_io_shard *s, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap)
        buf[0] = 0;
    for (size_t i = 0; i < s->n && len < cap; i++) {
        int w;
        if (s->r[i].hi - s->r[i].lo == 1)
            w = snprintf(buf + len, cap - len, "%s%llu", i ? "," : "",
                         (unsigned long long)s->r[i].lo);
        else
            w = snprintf(buf + len, cap - len, "%s%llu-%llu", i ? "," : "",
                         (unsigned long long)s->r[i].lo, (unsigned long long)s->r[i].hi - 1);
        if (w < 0)
            return;
        len += (size_t)w;
    }
}

int gn_io_shard_has(const gn_io_shard *s, uint64_t b)
{
    for (size_t i = 0; i < s->n; i++)
        if (b >= s->r[i].lo && b < s->r[i].hi)
            return 1;
    return 0;
}

uint64_t gn_io_shard_block(uint64_t i, uint64_t n, uint64_t nblocks)
{
    /* i U / n = (i / n) U + (i mod n) U / n; i < n, so the first term is 0 */
    return (i % n) * nblocks / n + (i / n) * nblocks;
}

uint64_t gn_io_shard_first(uint64_t b, uint64_t n, uint64_t nblocks)
{
    uint64_t q = b * n;
    return q / nblocks + (q % nblocks != 0);
}

int gn_io_shard_mine(const gn_io_shard *s, uint64_t i, uint64_t n)
{
    return !s || gn_io_shard_has(s, gn_io_shard_block(i, n, s->nblocks));
}

uint64_t gn_io_shard_next(const gn_io_shard *s, uint64_t i, uint64_t n)
{
    if (!s || i >= n)
        return i < n ? i : n;
    /* block range [lo, hi) holds the instances [ceil(lo n / U), ceil(hi n / U)) */
    for (size_t k = 0; k < s->n; k++) {
        uint64_t a = gn_io_shard_first(s->r[k].lo, n, s->nblocks);
        uint64_t e = gn_io_shard_first(s->r[k].hi, n, s->nblocks);
        uint64_t j = i > a ? i : a;
        if (j < e)
            return j;
    }
    return n;
}

int gn_io_shard_add(gn_io_shard *s, const gn_io_shard *t)
{
    if (s->nblocks != t->nblocks)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        if (s->n == GN_IO_SHARD_MAXR)
            return -1;
        s->r[s->n++] = t->r[i];
    }
    return normalise(s);
}

void gn_io_shard_missing(gn_io_shard *out, const gn_io_shard *s)
{
    out->nblocks = s->nblocks;
    out->n = 0;
    uint64_t at = 0;
    for (size_t i = 0; i <= s->n && out->n < GN_IO_SHARD_MAXR; i++) {
        uint64_t next = i < s->n ? s->r[i].lo : s->nblocks;
        if (next > at) {
            out->r[out->n].lo = at;
            out->r[out->n].hi = next;
            out->n++;
        }
        if (i < s->n)
            at = s->r[i].hi;
    }
}

