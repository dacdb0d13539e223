/* merge.c: the exact merge of a campaign's shard files (val_merge.h, format in gn_io_shard.h). */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "val_merge.h"
#include "pf_claims.h"
#include "gn_io_shard.h"
#include "val_common.h"

#include <stdlib.h>
#include <string.h>

enum { KIND_NONE, KIND_VALIDATE, KIND_PROVE };
enum { MAXROWS = 512 };

typedef struct {
    int kind;
    char head[8192]; /* the first header (its start), for the parameter comparison */
    uint64_t nblocks;   /* U */
    gn_io_brange *cov;     /* every group's block ranges (sorted and checked at the end) */
    size_t ncov, capcov;
    int allow_empty;    /* an empty text is no group (a rank with no block) */
    size_t groups;
    size_t nrows;
    val_row *vrows;            /* validate */
    pf_claim_result *prows;    /* prove */
    const pf_claim **pclaim;   /* prove: row r's claim */
    int *pmut;                 /* prove: row r's mutant */
} merge_state;

static int refuse(const char *name, const char *why, const char *detail)
{
    fprintf(stderr, "gnlab merge: %s: %s%s%s\n", name, why, detail ? ": " : "", detail ? detail : "");
    return GN_EXIT_USAGE;
}

/* the header fields that must agree between the shards of one campaign */
static const char *const vkeys[] = {"seed", "scale", "prec", "inject", "only", "blocks", "rows", NULL};
static const char *const pkeys[] = {"seed",   "prec",   "instances", "mutants",
                                    "claims", "blocks", "rows",      NULL};

static int read_prow(pf_claim_result *r, const pf_claim **cl, int *mut, const char *line)
{
    memset(r, 0, sizeof *r);
    char id[64];
    uint64_t u[6];
    double ex;
    if (gn_io_jfield(id, sizeof id, line, "id") < 0 || !(*cl = pf_claim_find(id)) ||
        gn_io_jfield_u64(&u[0], line, "mutant") < 0 || gn_io_jfield_u64(&u[1], line, "instances") < 0 ||
        gn_io_jfield_u64(&u[2], line, "skipped") < 0 || gn_io_jfield_u64(&u[3], line, "failed") < 0 ||
        gn_io_jfield_u64(&u[4], line, "worst") < 0 || gn_io_jfield_u64(&u[5], line, "worst_adv") < 0 ||
        gn_io_jfield_hex(&r->ratio, line, "ratio") < 0 || gn_io_jfield_hex(&r->resid, line, "resid") < 0 ||
        gn_io_jfield_hex(&r->tol, line, "tol") < 0 || gn_io_jfield_hex(&ex, line, "extra") < 0 ||
        gn_io_jfield_hex(&r->seconds, line, "seconds") < 0 ||
        gn_io_jfield(r->what, sizeof r->what, line, "what") < 0 ||
        gn_io_jfield(r->desc, sizeof r->desc, line, "desc") < 0)
        return -1;
    if (u[0] > PF_CLAIM_MAXMUT || u[0] > pf_claim_nmutants(*cl) || u[5] > 1)
        return -1;
    *mut = (int)u[0];
    r->instances = (size_t)u[1];
    r->skipped = (size_t)u[2];
    r->failed = (size_t)u[3];
    r->worst = (size_t)u[4];
    r->worst_adv = (int)u[5];
    r->extra = ex;
    r->pass = r->failed == 0 && r->instances > 0;
    return 0;
}

/* acc += part for one claim: counts summed, maxima kept, the worst by (largest ratio,
 * lowest instance): exact, associative, commutative (the seconds are a float sum, shown
 * only in the JSON summary) */
static void merge_pres(pf_claim_result *acc, const pf_claim_result *part)
{
    if (part->instances == 0) {
        acc->skipped += part->skipped;
        return;
    }
    int take = acc->instances == 0 || part->ratio > acc->ratio ||
               (part->ratio == acc->ratio && part->worst < acc->worst);
    pf_claim_result keep = *acc;
    acc->instances += part->instances;
    acc->skipped += part->skipped;
    acc->failed += part->failed;
    acc->seconds += part->seconds;
    if (keep.instances == 0 || part->extra > acc->extra)
        acc->extra = part->extra;
    if (take) {
        acc->ratio = part->ratio;
        acc->resid = part->resid;
        acc->tol = part->tol;
        memcpy(acc->what, part->what, sizeof acc->what);
        acc->worst = part->worst;
        acc->worst_adv = part->worst_adv;
        memcpy(acc->desc, part->desc, sizeof acc->desc);
    }
    acc->pass = acc->failed == 0 && acc->instances > 0;
}

/* one group: its header line and the lines after it, up to nrows rows */
static int take_group(merge_state *S, const char *name, char **lines, size_t nl, size_t *at)
{
    const char *h = lines[*at];
    char kind[16];
    if (gn_io_jfield(kind, sizeof kind, h, "shard") < 0)
        return refuse(name, "not a shard file (no {\"shard\": ...} header)", NULL);
    int k = !strcmp(kind, "validate") ? KIND_VALIDATE : !strcmp(kind, "prove") ? KIND_PROVE : 0;
    if (!k)
        return refuse(name, "unknown shard kind", kind);
    uint64_t nb, nrows;
    /* the ranges may be long (a gnlab-mpi rank's pre-merged blocks): parsed as they come */
    char *rg = malloc(strlen(h) + 1);
    if (!rg)
        return refuse(name, "out of memory", NULL);
    if (gn_io_jfield_u64(&nb, h, "blocks") < 0 || nb == 0 || nb > GN_IO_SHARD_MAXBLOCKS ||
        gn_io_jfield_u64(&nrows, h, "rows") < 0 || nrows > MAXROWS ||
        gn_io_jfield(rg, strlen(h) + 1, h, "ranges") < 0) {
        free(rg);
        return refuse(name, "malformed shard header", h);
    }
    if (S->kind != KIND_NONE && nb != S->nblocks) {
        free(rg);
        return refuse(name, "shard of a different campaign", "another --blocks");
    }
    for (const char *q = rg; *q;) {
        char *e;
        unsigned long long lo = strtoull(q, &e, 10), hi = lo;
        if (e == q || *q == '-' || *q == '+' || *q == ' ')
            break;
        q = e;
        if (*q == '-') {
            const char *q1 = q + 1;
            hi = strtoull(q1, &e, 10);
            if (e == q1 || *q1 == '-' || *q1 == '+' || *q1 == ' ')
                break;
            q = e;
        }
        if (hi < lo || hi >= nb || (*q && *q != ',') || (*q == ',' && !q[1]))
            break;
        if (S->ncov == S->capcov) {
            size_t nc = S->capcov ? 2 * S->capcov : 256;
            gn_io_brange *nr = realloc(S->cov, nc * sizeof *nr);
            if (!nr)
                break;
            S->cov = nr;
            S->capcov = nc;
        }
        S->cov[S->ncov].lo = lo;
        S->cov[S->ncov].hi = hi + 1;
        S->ncov++;
        if (*q == ',')
            q++;
        if (!*q) {
            rg[0] = 0; /* parsed to the end */
            break;
        }
    }
    if (rg[0]) {
        int rc = refuse(name, "malformed block ranges", rg);
        free(rg);
        return rc;
    }
    free(rg);
    if (S->kind == KIND_NONE) {
        S->kind = k;
        snprintf(S->head, sizeof S->head, "%s", h);
        S->nblocks = nb;
        S->nrows = (size_t)nrows;
    } else {
        if (k != S->kind)
            return refuse(name, "mixes validate and prove shards", NULL);
        for (const char *const *key = k == KIND_VALIDATE ? vkeys : pkeys; *key; key++) {
            char a[1024], b[1024];
            int ha = gn_io_jfield(a, sizeof a, S->head, *key), hb = gn_io_jfield(b, sizeof b, h, *key);
            if (ha != hb || (ha == 0 && strcmp(a, b))) {
                char msg[2200];
                snprintf(msg, sizeof msg, "'%s' is %s here but %s in the first shard", *key,
                         hb ? "absent" : b, ha ? "absent" : a);
                return refuse(name, "shard of a different campaign", msg);
            }
        }
    }
    S->groups++;
    (*at)++;
    for (size_t r = 0; r < S->nrows; r++, (*at)++) {
        uint64_t idx;
        if (*at >= nl || gn_io_jfield_u64(&idx, lines[*at], "row") < 0 || idx != r)
            return refuse(name, "truncated shard (a row is missing)", *at < nl ? lines[*at] : NULL);
        if (k == KIND_VALIDATE) {
            val_row row;
            if (val_row_read(&row, lines[*at]) < 0)
                return refuse(name, "malformed row", lines[*at]);
            if (S->groups == 1)
                S->vrows[r] = row;
            else if (val_row_merge(&S->vrows[r], &row) < 0)
                return refuse(name, "rows differ from the first shard's", lines[*at]);
        } else {
            pf_claim_result res;
            const pf_claim *cl;
            int m;
            if (read_prow(&res, &cl, &m, lines[*at]) < 0)
                return refuse(name, "malformed row", lines[*at]);
            if (S->groups == 1) {
                S->prows[r] = res;
                S->pclaim[r] = cl;
                S->pmut[r] = m;
            } else if (S->pclaim[r] != cl || S->pmut[r] != m)
                return refuse(name, "rows differ from the first shard's", lines[*at]);
            else
                merge_pres(&S->prows[r], &res);
        }
    }
    return 0;
}

static void missing_note(FILE *out, const merge_state *S, const char *rg, int json)
{
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, out);
        gn_io_jl_bool(&j, "incomplete", 1);
        gn_io_jl_str(&j, "missing_blocks", rg);
        gn_io_jl_int(&j, "blocks", (long long)S->nblocks);
        gn_io_jl_end(&j);
    } else
        fprintf(out,
                "INCOMPLETE: blocks %s of %llu are missing (a shard not run or lost): no verdict.\n"
                "Rerun them (then merge again) with the same options plus:\n"
                "  --blocks %llu --ranges %s\n",
                rg, (unsigned long long)S->nblocks, (unsigned long long)S->nblocks, rg);
}

static int cmp_brange(const void *a, const void *b)
{
    const gn_io_brange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int report(FILE *out, merge_state *S, int json)
{
    qsort(S->cov, S->ncov, sizeof *S->cov, cmp_brange);
    /* overlaps, then the gaps: "a-b,c" into a growing string */
    size_t mcap = 256, mlen = 0;
    char *miss = malloc(mcap);
    if (!miss)
        return GN_EXIT_FAIL;
    miss[0] = 0;
    uint64_t at = 0;
    for (size_t k = 0; k <= S->ncov; k++) {
        uint64_t lo = k < S->ncov ? S->cov[k].lo : S->nblocks;
        if (lo < at) {
            char msg[96];
            snprintf(msg, sizeof msg, "block %llu is in two shards", (unsigned long long)lo);
            free(miss);
            return refuse("merge", "overlapping shards (an instance would count twice)", msg);
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
        if (k < S->ncov)
            at = S->cov[k].hi;
    }
    int incomplete = mlen > 0;
    if (incomplete)
        missing_note(out, S, miss, json);
    free(miss);
    int bad;
    uint64_t u;
    if (S->kind == KIND_VALIDATE) {
        char sc[64], inj[64];
        val_opts o;
        memset(&o, 0, sizeof o);
        gn_io_jfield_u64(&o.seed, S->head, "seed");
        gn_io_jfield_hex(&o.scale, S->head, "scale");
        gn_io_jfield_u64(&u, S->head, "prec");
        o.prec = (unsigned)u;
        (void)sc;
        if (gn_io_jfield(inj, sizeof inj, S->head, "inject") == 0 && inj[0])
            o.inject = inj;
        bad = val_report(out, S->vrows, S->nrows, &o, json) != 0;
    } else {
        pf_claim_opts o = pf_claim_opts_default();
        gn_io_jfield_u64(&o.seed, S->head, "seed");
        gn_io_jfield_u64(&u, S->head, "prec");
        o.prec = (mpfr_prec_t)u;
        gn_io_jfield_u64(&u, S->head, "instances");
        o.instances = (size_t)u;
        gn_io_jfield_u64(&u, S->head, "mutants");
        int mutants = u != 0;
        /* the selection in row order; results laid out [claim][mutant] as cmd_prove.c does */
        const pf_claim **sel = calloc(S->nrows + 1, sizeof *sel);
        size_t nsel = 0;
        int nmut_max = 0;
        for (size_t r = 0; sel && r < S->nrows; r++) {
            if (nsel == 0 || sel[nsel - 1] != S->pclaim[r])
                sel[nsel++] = S->pclaim[r];
            if (S->pmut[r] > nmut_max)
                nmut_max = S->pmut[r];
        }
        int stride = nmut_max + 1;
        pf_claim_result *res = sel ? calloc(nsel * (size_t)stride + 1, sizeof *res) : NULL;
        if (!res) {
            free(sel);
            fprintf(stderr, "gnlab merge: out of memory\n");
            return GN_EXIT_FAIL;
        }
        double secs = 0.0;
        for (size_t r = 0, c = 0; r < S->nrows; r++) {
            while (sel[c] != S->pclaim[r])
                c++;
            res[c * (size_t)stride + (size_t)S->pmut[r]] = S->prows[r];
            secs += S->prows[r].seconds;
        }
        char tail[96];
        snprintf(tail, sizeof tail, "merged from shard files");
        bad = pf_prove_report(out, sel, nsel, res, stride, &o, mutants, json, 0, secs, tail);
        free(res);
        free(sel);
    }
    if (incomplete && !json)
        fprintf(out, "INCOMPLETE: the report above covers only part of the campaign.\n");
    return bad || incomplete ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* load every group of every text into S (checks as it goes); 0 or an exit status */
static int load_all(merge_state *S, const char *const *texts, const char *const *names, size_t n)
{
    S->vrows = calloc(MAXROWS, sizeof *S->vrows);
    S->prows = calloc(MAXROWS, sizeof *S->prows);
    S->pclaim = calloc(MAXROWS, sizeof *S->pclaim);
    S->pmut = calloc(MAXROWS, sizeof *S->pmut);
    int rc = 0;
    if (!S->vrows || !S->prows || !S->pclaim || !S->pmut) {
        fprintf(stderr, "gnlab merge: out of memory\n");
        return GN_EXIT_FAIL;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* split a copy of the text into lines */
        char *buf = strdup(texts[i]);
        size_t cap = 16, nl = 0;
        char **lines = malloc(cap * sizeof *lines);
        if (!buf || !lines) {
            free(buf);
            free(lines);
            return GN_EXIT_FAIL;
        }
        for (char *p = buf; *p;) {
            char *e = strchr(p, '\n');
            if (e)
                *e = 0;
            if (*p) {
                if (nl == cap) {
                    char **nlines = realloc(lines, 2 * cap * sizeof *lines);
                    if (!nlines) {
                        rc = GN_EXIT_FAIL;
                        break;
                    }
                    lines = nlines;
                    cap *= 2;
                }
                lines[nl++] = p;
            }
            if (!e)
                break;
            p = e + 1;
        }
        if (nl == 0 && rc == 0 && !S->allow_empty)
            rc = refuse(names[i], "empty shard file", NULL);
        for (size_t at = 0; at < nl && rc == 0;)
            rc = take_group(S, names[i], lines, nl, &at);
        free(lines);
        free(buf);
    }
    return rc;
}

static void free_state(merge_state *S)
{
    free(S->vrows);
    free(S->prows);
    free(S->pclaim);
    free(S->pmut);
    free(S->cov);
}

int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                  int json)
{
    merge_state S;
    memset(&S, 0, sizeof S);
    int rc = load_all(&S, texts, names, n);
    if (rc == 0)
        rc = report(out, &S, json);
    free_state(&S);
    return rc;
}

int val_merge_shard_text(FILE *out, const char *const *texts, const char *const *names, size_t n)
{
    merge_state S;
    memset(&S, 0, sizeof S);
    S.allow_empty = 1;
    int rc = load_all(&S, texts, names, n);
    if (rc != 0 || S.kind == KIND_NONE) {
        free_state(&S);
        return rc;
    }
    /* the union of the blocks, joined: overlaps refused */
    qsort(S.cov, S.ncov, sizeof *S.cov, cmp_brange);
    size_t k = 0;
    for (size_t i = 0; i < S.ncov; i++) {
        if (k > 0 && S.cov[i].lo < S.cov[k - 1].hi) {
            free_state(&S);
            return refuse("merge", "overlapping shards (an instance would count twice)", NULL);
        }
        if (k > 0 && S.cov[i].lo == S.cov[k - 1].hi)
            S.cov[k - 1].hi = S.cov[i].hi;
        else
            S.cov[k++] = S.cov[i];
    }
    /* the header: the first group's, up to its ranges (the last two keys are ranges, rows) */
    const char *cut = strstr(S.head, ",\"ranges\":\"");
    if (!cut) {
        free_state(&S);
        return refuse("merge", "malformed shard header", S.head);
    }
    fprintf(out, "%.*s,\"ranges\":\"", (int)(cut - S.head), S.head);
    for (size_t i = 0; i < k; i++) {
        if (S.cov[i].hi - S.cov[i].lo == 1)
            fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)S.cov[i].lo);
        else
            fprintf(out, "%s%llu-%llu", i ? "," : "", (unsigned long long)S.cov[i].lo,
                    (unsigned long long)S.cov[i].hi - 1);
    }
    fprintf(out, "\",\"rows\":%zu}\n", S.nrows);
    for (size_t r = 0; r < S.nrows; r++) {
        if (S.kind == KIND_VALIDATE)
            val_row_write(out, r, &S.vrows[r]);
        else
            pf_prove_row_write(out, r, S.pclaim[r], S.pmut[r], &S.prows[r]);
    }
    free_state(&S);
    return fflush(out) == 0 ? 0 : GN_EXIT_FAIL;
}

int val_merge_files(FILE *out, const char *const *files, size_t n, int json)
{
    char **texts = calloc(n + 1, sizeof *texts);
    if (!texts)
        return GN_EXIT_FAIL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f) {
            rc = refuse(files[i], "cannot open", NULL);
            break;
        }
        size_t cap = 1 << 16, len = 0;
        char *t = malloc(cap);
        while (t) {
            size_t got = fread(t + len, 1, cap - len - 1, f);
            len += got;
            if (len + 1 < cap)
                break;
            char *nt = realloc(t, 2 * cap);
            if (!nt) {
                free(t);
                t = NULL;
                break;
            }
            t = nt;
            cap *= 2;
        }
        int err = ferror(f);
        fclose(f);
        if (!t || err) {
            free(t);
            rc = refuse(files[i], "cannot read", NULL);
            break;
        }
        t[len] = 0;
        texts[i] = t;
    }
    if (rc == 0)
        rc = val_merge_text(out, (const char *const *)texts, files, n, json);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return rc;
}
