/* registry.c: the claim registry, the workspace pool, the checks and the runner
 * (see pf_claims.h). The claims themselves are in proofs/claim_*.c. */
#include "pf_claims.h"
#include "claims_list.h"
#include "gn_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pf_claim_block {
    size_t cap, used, ninit;
    mpfr_ptr v;
    pf_claim_block *next;
};

/* ------------------------------------------------------------- pool */

static pf_claim_block *block_new(size_t cap)
{
    pf_claim_block *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->v = malloc(cap * sizeof *b->v);
    if (!b->v) {
        free(b);
        return NULL;
    }
    b->cap = cap;
    return b;
}

mpfr_ptr pf_claim_get_prec(pf_claim_ws *ws, size_t n, mpfr_prec_t prec)
{
    pf_claim_block *b = ws->cur, *prev = NULL;
    while (b && b->used + n > b->cap) {
        prev = b;
        b = b->next;
    }
    if (!b) {
        b = block_new(n > 4096 ? n : 4096);
        if (!b) {
            fprintf(stderr, "gnlab prove: out of memory for the MPFR pool\n");
            abort();
        }
        if (prev)
            prev->next = b;
        else
            ws->blocks = b;
    }
    ws->cur = b;
    mpfr_ptr out = b->v + b->used;
    for (size_t k = b->used; k < b->used + n; k++) {
        if (k >= b->ninit) {
            mpfr_init2(b->v + k, prec);
            b->ninit = k + 1;
        } else if (mpfr_get_prec(b->v + k) != prec)
            mpfr_set_prec(b->v + k, prec);
    }
    b->used += n;
    return out;
}

mpfr_ptr pf_claim_get(pf_claim_ws *ws, size_t n) { return pf_claim_get_prec(ws, n, ws->prec); }

static void pool_rewind(pf_claim_ws *ws)
{
    for (pf_claim_block *b = ws->blocks; b; b = b->next)
        b->used = 0;
    ws->cur = ws->blocks;
}

static void pool_free(pf_claim_ws *ws)
{
    pf_claim_block *b = ws->blocks;
    while (b) {
        pf_claim_block *nx = b->next;
        for (size_t k = 0; k < b->ninit; k++)
            mpfr_clear(b->v + k);
        free(b->v);
        free(b);
        b = nx;
    }
    ws->blocks = ws->cur = NULL;
}

/* ---------------------------------------------------------- sampling */

double pf_claim_uniform(pf_claim_ws *ws, double lo, double hi)
{
    return lo + (hi - lo) * gn_rng_uniform(&ws->rng);
}

size_t pf_claim_range(pf_claim_ws *ws, size_t lo, size_t hi)
{
    return lo + (size_t)(gn_rng_u64(&ws->rng) % (uint64_t)(hi - lo + 1));
}

double pf_claim_logu(pf_claim_ws *ws, double elo, double ehi, int sign)
{
    double v = exp2(pf_claim_uniform(ws, elo, ehi));
    if (sign && (gn_rng_u64(&ws->rng) >> 63))
        v = -v;
    return v;
}

double pf_claim_normal(pf_claim_ws *ws) { return gn_rng_normal(&ws->rng); }

double pf_claim_u(const pf_claim_ws *ws) { return ldexp(1.0, -(int)ws->prec); }

/* ------------------------------------------------------------ checks */

static void record(pf_claim_ws *ws, const char *what, double resid, double tol, double ratio,
                   int fail)
{
    if (fail)
        ws->failed = 1;
    if (ratio > ws->ratio || ws->what == NULL) {
        ws->ratio = ratio;
        ws->resid = resid;
        ws->tol = tol;
        ws->what = what;
    }
}

void pf_claim_cmp(pf_claim_ws *ws, const char *what, mpfr_srcptr resid, double kc)
{
    double rd = mpfr_get_d(resid, MPFR_RNDU);
    double tol = ldexp(kc, -(int)ws->prec);
    if (mpfr_nan_p(resid) || !(kc > 0.0) || !isfinite(kc) || mpfr_sgn(resid) < 0) {
        record(ws, what, mpfr_nan_p(resid) ? NAN : rd, tol, INFINITY, 1);
        return;
    }
    /* ratio = resid 2^p / kc, exactly compared with 1 in MPFR */
    mpfr_mul_2si(ws->r1, resid, (long)ws->prec, MPFR_RNDU);
    mpfr_div_d(ws->r1, ws->r1, kc, MPFR_RNDU);
    int fail = mpfr_cmp_ui(ws->r1, 1) > 0;
    record(ws, what, rd, tol, mpfr_get_d(ws->r1, MPFR_RNDU), fail);
}

/* |a - b| / scale into r2 (rounded up) */
static void absdiff_scaled(pf_claim_ws *ws, mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr scale)
{
    mpfr_sub(ws->r2, a, b, MPFR_RNDN);
    mpfr_abs(ws->r2, ws->r2, MPFR_RNDN);
    if (scale)
        mpfr_div(ws->r2, ws->r2, scale, MPFR_RNDU);
}

void pf_claim_vcmp(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b, size_t n,
                   mpfr_srcptr scale, double kc)
{
    mpfr_ptr sc = pf_claim_get(ws, 2);
    mpfr_ptr mx = sc + 1;
    if (scale)
        mpfr_set(sc, scale, MPFR_RNDN);
    else {
        mpfr_set_zero(sc, 1);
        for (size_t i = 0; i < n; i++)
            if (mpfr_cmpabs(b + i, sc) > 0)
                mpfr_abs(sc, b + i, MPFR_RNDN);
        if (mpfr_zero_p(sc))
            mpfr_set_ui(sc, 1, MPFR_RNDN);
    }
    mpfr_set_zero(mx, 1);
    for (size_t i = 0; i < n; i++) {
        absdiff_scaled(ws, a + i, b + i, sc);
        if (mpfr_nan_p(ws->r2)) {
            mpfr_set_nan(mx);
            break;
        }
        if (mpfr_cmp(ws->r2, mx) > 0)
            mpfr_set(mx, ws->r2, MPFR_RNDN);
    }
    pf_claim_cmp(ws, what, mx, kc);
}

void pf_claim_scmp(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b,
                   mpfr_srcptr scale, double kc)
{
    pf_claim_vcmp(ws, what, a, b, 1, scale, kc);
}

void pf_claim_le(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b,
                 mpfr_srcptr scale, double kc)
{
    mpfr_ptr sc = pf_claim_get(ws, 2);
    mpfr_ptr r = sc + 1;
    if (scale)
        mpfr_set(sc, scale, MPFR_RNDN);
    else {
        if (mpfr_cmpabs(a, b) > 0)
            mpfr_abs(sc, a, MPFR_RNDN);
        else
            mpfr_abs(sc, b, MPFR_RNDN);
        if (mpfr_zero_p(sc))
            mpfr_set_ui(sc, 1, MPFR_RNDN);
    }
    mpfr_sub(r, a, b, MPFR_RNDU);
    if (mpfr_sgn(r) < 0)
        mpfr_set_zero(r, 1);
    mpfr_div(r, r, sc, MPFR_RNDU);
    pf_claim_cmp(ws, what, r, kc);
}

void pf_claim_true(pf_claim_ws *ws, const char *what, int ok)
{
    record(ws, what, ok ? 0.0 : 1.0, 0.0, ok ? 0.0 : INFINITY, !ok);
}

/* ---------------------------------------------------------- registry */

static const pf_claim *const registry[] = {
#define PF_CLAIM_X(name) &pf_claim_##name,
    PF_CLAIM_LIST
#undef PF_CLAIM_X
};

size_t pf_claim_count(void) { return sizeof registry / sizeof registry[0]; }

const pf_claim *pf_claim_at(size_t i) { return i < pf_claim_count() ? registry[i] : NULL; }

const pf_claim *pf_claim_find(const char *id)
{
    for (size_t i = 0; i < pf_claim_count(); i++)
        if (!strcmp(registry[i]->id, id))
            return registry[i];
    return NULL;
}

size_t pf_claim_nmutants(const pf_claim *c)
{
    size_t k = 0;
    while (k < PF_CLAIM_MAXMUT && c->mutants[k])
        k++;
    return k;
}

pf_claim_opts pf_claim_opts_default(void)
{
    pf_claim_opts o = {PF_CLAIM_INSTANCES, PF_CLAIM_PREC, PF_CLAIM_SEED, 0};
    return o;
}

size_t pf_claim_total(const pf_claim *c, const pf_claim_opts *o)
{
    size_t r = o->instances;
    if (c->max_random && r > c->max_random)
        r = c->max_random;
    return c->nadv + r;
}

/* part's worst instance replaces acc's: the largest ratio, ties to the lowest instance
 * index, so that the fold is associative and commutative (any order of threads or shards
 * keeps the same worst instance) */
static int worse(const pf_claim_result *part, const pf_claim_result *acc)
{
    return acc->instances == 0 || part->ratio > acc->ratio ||
           (part->ratio == acc->ratio && part->worst < acc->worst);
}

void pf_claim_merge(pf_claim_result *acc, const pf_claim_result *part)
{
    if (part->instances == 0) {
        acc->skipped += part->skipped;
        acc->seconds += part->seconds;
        return;
    }
    int take = worse(part, acc);
    if (acc->instances == 0 || part->extra > acc->extra)
        acc->extra = part->extra;
    acc->instances += part->instances;
    acc->skipped += part->skipped;
    acc->failed += part->failed;
    acc->seconds += part->seconds;
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

gn_status pf_claim_run(pf_claim_result *res, const pf_claim *c, const pf_claim_opts *o,
                       int m, size_t first, size_t last)
{
    if (m < 0 || (size_t)m > pf_claim_nmutants(c) || o->prec < 64 || o->prec > 8192)
        return GN_EDOM;
    double t0 = gn_io_now();
    size_t total = pf_claim_total(c, o);
    if (last > total)
        last = total;
    pf_claim_ws ws;
    memset(&ws, 0, sizeof ws);
    ws.prec = o->prec;
    ws.seed = o->seed;
    ws.mutant = m;
    mpfr_init2(ws.r1, o->prec + 64);
    mpfr_init2(ws.r2, o->prec + 64);
    pf_claim_result part;
    memset(&part, 0, sizeof part);
    part.ratio = -1.0;
    for (size_t i = first; i < last; i++) {
        ws.index = i;
        ws.adversarial = i < c->nadv;
        /* adversarial instances that draw (e.g. a random direction) use a seed-independent
         * stream, so the fixed set is the same for every --seed */
        gn_rng_seed(&ws.rng, ws.adversarial ? PF_CLAIM_SEED : o->seed, i);
        pool_rewind(&ws);
        ws.desc[0] = 0;
        ws.failed = 0;
        ws.ratio = -1.0;
        ws.resid = ws.tol = 0.0;
        ws.what = NULL;
        ws.extra = 0.0;
        if (c->eval(&ws) < 0) {
            part.skipped++;
            continue;
        }
        part.instances++;
        if (ws.failed)
            part.failed++;
        if (ws.extra > part.extra)
            part.extra = ws.extra;
        if (ws.what && ws.ratio > part.ratio) {
            part.ratio = ws.ratio;
            part.resid = ws.resid;
            part.tol = ws.tol;
            snprintf(part.what, sizeof part.what, "%s", ws.what);
            part.worst = i;
            part.worst_adv = ws.adversarial;
            memcpy(part.desc, ws.desc, sizeof part.desc);
        }
    }
    pool_free(&ws);
    mpfr_clear(ws.r1);
    mpfr_clear(ws.r2);
    part.seconds = gn_io_now() - t0;
    pf_claim_merge(res, &part);
    return GN_OK;
}
