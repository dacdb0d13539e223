/* prove_merge.c: `gnlab merge` of prove shard files (pf_claims.h): the rows of a prove shard
 * (one per claim and mutant) read, merged by pf_claim_merge (the comparator a single run
 * uses) and printed by pf_prove_report, so a merged campaign prints what one run prints. */
#include "gn_io.h"
#include "gn_io_merge.h"
#include "gn_jsonl.h"
#include "pf_claims.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a row: claim cl with mutant mut, and its result */
typedef struct {
    pf_claim_result res;
    const pf_claim *cl;
    int mut;
} prow;

/* the rows a header announces: for each claim of "claims" in order, its mutants 1..n when
 * "mutants" is 1, else the claim itself; row r's claim and mutant into *cl, *mut (when r
 * is below the total), the total into *total. -1 when a field is missing or a claim
 * unknown (named in why). */
static int claim_rows(const char *head, size_t r, const pf_claim **cl, int *mut, size_t *total,
                      char *why, size_t cap)
{
    uint64_t mutants;
    size_t len = strlen(head) + 1, at = 0;
    char *ids = malloc(len), *save = NULL;
    int rc = 0;
    if (!ids || gn_io_jfield(ids, len, head, "claims") < 0 ||
        gn_io_jfield_u64(&mutants, head, "mutants") < 0 || mutants > 1) {
        snprintf(why, cap, "'claims' or 'mutants' (0 or 1) missing or malformed");
        rc = -1;
    }
    for (char *id = rc ? NULL : strtok_r(ids, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
        const pf_claim *c = pf_claim_find(id);
        if (!c) {
            snprintf(why, cap, "unknown claim '%.64s' in 'claims' (gnlab prove --list)", id);
            rc = -1;
            break;
        }
        size_t nr = mutants ? pf_claim_nmutants(c) : 1;
        if (r >= at && r < at + nr) {
            *cl = c;
            *mut = mutants ? (int)(r - at) + 1 : 0;
        }
        at += nr;
    }
    if (rc == 0 && at == 0) {
        snprintf(why, cap, "'claims' names no claim (with a row)");
        rc = -1;
    }
    *total = at;
    free(ids);
    return rc;
}

/* a prove header: seed, prec 64 .. 8192, instances, mutants 0 or 1, known claims whose rows
 * are the header's "rows" */
static int phead_check(const char *head, char *why, size_t cap)
{
    uint64_t u, rows;
    const pf_claim *cl = NULL;
    int mut = 0;
    size_t total;
    if (gn_io_jfield_u64(&u, head, "seed") < 0)
        snprintf(why, cap, "'seed' is not a decimal integer");
    else if (gn_io_jfield_u64(&u, head, "prec") < 0 || u < 64 || u > 8192)
        snprintf(why, cap, "'prec' is not in 64 .. 8192 bits");
    else if (gn_io_jfield_u64(&u, head, "instances") < 0 || u > 100000000)
        snprintf(why, cap, "'instances' is not in 0 .. 10^8");
    else if (claim_rows(head, 0, &cl, &mut, &total, why, cap) < 0)
        return -1;
    else if (gn_io_jfield_u64(&rows, head, "rows") < 0 || rows != total)
        snprintf(why, cap, "'rows' is not the %zu rows of its claims", total);
    else
        return 0;
    return -1;
}

/* a double field that a run writes finite */
static int finite_ge0(double v) { return v >= 0.0 && v < INFINITY; }

/* the numbers of a read row against its counts: what pf_claim_run writes. A passing row
 * (no failed instance) has a finite largest ratio <= 1 (-1: no check recorded) and a
 * finite residual within its finite tolerance (both below 2^-1022 where the tolerance of
 * a high precision underflows a double); a failing one a ratio > 1 (its residual may be
 * NaN when the check's was). */
static int prow_check(const pf_claim_result *r, char *why, size_t cap)
{
    if (r->instances > ((size_t)1 << 53) || r->skipped > ((size_t)1 << 53))
        snprintf(why, cap, "instance counts over 2^53");
    else if (r->failed > r->instances)
        snprintf(why, cap, "%zu failed of %zu instances", r->failed, r->instances);
    else if (isnan(r->ratio) || !finite_ge0(r->extra) || !finite_ge0(r->seconds))
        snprintf(why, cap, "'ratio' NaN, or 'extra' or 'seconds' not finite and >= 0");
    else if (r->instances == 0 || (r->failed > 0 && r->ratio > 1.0))
        return 0;
    else if (r->failed > 0)
        snprintf(why, cap, "%zu failed instances but the largest resid/tol is %g <= 1", r->failed,
                 r->ratio);
    else if (!(r->ratio <= 1.0 && (r->ratio >= 0.0 || r->ratio == -1.0)))
        snprintf(why, cap, "no failed instance but the largest resid/tol is %g (over 1)", r->ratio);
    else if (!finite_ge0(r->resid) || !finite_ge0(r->tol) ||
             !(r->resid <= r->tol || (r->resid < 0x1p-1022 && r->tol < 0x1p-1022)))
        snprintf(why, cap, "no failed instance but resid %g is not within tol %g", r->resid, r->tol);
    else
        return 0;
    return -1;
}

static int prow_read(void *row, const char *head, size_t i, const char *line, char *why,
                     size_t cap)
{
    prow *p = row;
    pf_claim_result *r = &p->res;
    memset(p, 0, sizeof *p);
    char id[64];
    uint64_t u[6];
    const pf_claim *want = NULL;
    int wmut = 0;
    size_t total;
    if (claim_rows(head, i, &want, &wmut, &total, why, cap) < 0)
        return -1;
    if (gn_io_jfield(id, sizeof id, line, "id") < 0 || !(p->cl = pf_claim_find(id)) ||
        gn_io_jfield_u64(&u[0], line, "mutant") < 0 || gn_io_jfield_u64(&u[1], line, "instances") < 0 ||
        gn_io_jfield_u64(&u[2], line, "skipped") < 0 || gn_io_jfield_u64(&u[3], line, "failed") < 0 ||
        gn_io_jfield_u64(&u[4], line, "worst") < 0 || gn_io_jfield_u64(&u[5], line, "worst_adv") < 0 ||
        gn_io_jfield_hex(&r->ratio, line, "ratio") < 0 || gn_io_jfield_hex(&r->resid, line, "resid") < 0 ||
        gn_io_jfield_hex(&r->tol, line, "tol") < 0 || gn_io_jfield_hex(&r->extra, line, "extra") < 0 ||
        gn_io_jfield_hex(&r->seconds, line, "seconds") < 0 ||
        gn_io_jfield(r->what, sizeof r->what, line, "what") < 0 ||
        gn_io_jfield(r->desc, sizeof r->desc, line, "desc") < 0 || u[5] > 1) {
        snprintf(why, cap, "a field of id, mutant, instances, skipped, failed, worst, worst_adv, "
                           "ratio, resid, tol, extra, seconds, what, desc is missing or malformed");
        return -1;
    }
    if (p->cl != want || u[0] != (uint64_t)wmut) {
        snprintf(why, cap, "row %zu is %s mutant %llu, but the header's claims make it %s mutant %d",
                 i, p->cl->id, (unsigned long long)u[0], want ? want->id : "no row", wmut);
        return -1;
    }
    p->mut = (int)u[0];
    r->instances = (size_t)u[1];
    r->skipped = (size_t)u[2];
    r->failed = (size_t)u[3];
    r->worst = (size_t)u[4];
    r->worst_adv = (int)u[5];
    r->pass = r->failed == 0 && r->instances > 0;
    return prow_check(r, why, cap);
}

static int prow_merge(void *acc, const void *part, char *why, size_t cap)
{
    prow *a = acc;
    const prow *b = part;
    if (a->cl != b->cl || a->mut != b->mut) {
        snprintf(why, cap, "%s mutant %d here, %s mutant %d in the first shard", b->cl->id, b->mut,
                 a->cl->id, a->mut);
        return -1;
    }
    if (a->res.instances + b->res.instances > ((size_t)1 << 53) ||
        a->res.skipped + b->res.skipped > ((size_t)1 << 53)) {
        snprintf(why, cap, "instance counts over 2^53");
        return -1;
    }
    pf_claim_merge(&a->res, &b->res);
    return 0;
}

static void prow_write(FILE *f, size_t i, const void *row)
{
    const prow *p = row;
    pf_prove_row_write(f, i, p->cl, p->mut, &p->res);
}

/* the header fields that must agree between the shards of one prove campaign */
static const char *const pkeys[] = {"seed",   "prec",   "instances", "mutants",
                                    "claims", "blocks", "rows",      NULL};

/* the merged rows as pf_prove_report wants them: the selection in row order and the results
 * laid out [claim][mutant] as a single run lays them out */
static int report(FILE *out, const gn_io_merge *m, int json)
{
    const prow *rows = m->rows;
    uint64_t u;
    pf_claim_opts o = pf_claim_opts_default();
    gn_io_jfield_u64(&o.seed, m->head, "seed");
    gn_io_jfield_u64(&u, m->head, "prec");
    o.prec = (mpfr_prec_t)u;
    gn_io_jfield_u64(&u, m->head, "instances");
    o.instances = (size_t)u;
    gn_io_jfield_u64(&u, m->head, "mutants");
    int mutants = u != 0;
    o.partial = m->incomplete;
    const pf_claim **sel = calloc(m->nrows + 1, sizeof *sel);
    size_t nsel = 0;
    int nmut_max = 0;
    for (size_t r = 0; sel && r < m->nrows; r++) {
        if (nsel == 0 || sel[nsel - 1] != rows[r].cl)
            sel[nsel++] = rows[r].cl;
        if (rows[r].mut > nmut_max)
            nmut_max = rows[r].mut;
    }
    int stride = nmut_max + 1;
    pf_claim_result *res = sel ? calloc(nsel * (size_t)stride + 1, sizeof *res) : NULL;
    if (!res) {
        free(sel);
        fprintf(stderr, "gnlab merge: out of memory\n");
        return -1;
    }
    double secs = 0.0;
    for (size_t r = 0, c = 0; r < m->nrows; r++) {
        while (sel[c] != rows[r].cl)
            c++;
        res[c * (size_t)stride + (size_t)rows[r].mut] = rows[r].res;
        secs += rows[r].res.seconds;
    }
    int bad = pf_prove_report(out, sel, nsel, res, stride, &o, mutants, json, 0, secs,
                              "merged from shard files");
    free(res);
    free(sel);
    return bad;
}

const gn_io_merge_kind pf_prove_merge_kind = {"prove",    pkeys,      sizeof(prow), phead_check,
                                              prow_read,  prow_merge, prow_write,   report};

int pf_prove_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                        int json)
{
    return gn_io_merge_text(out, &pf_prove_merge_kind, texts, names, n, json);
}
