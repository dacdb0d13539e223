/* pf_claims.h: the claim registry behind `gnlab prove` (prefix pf_claim_).
 *
 * A claim is one statement of MATH.md §1-§9 (the IGND paper and the Duncan-Guttman solve)
 * checked numerically in MPFR. Each claim file proofs/claim_*.c defines one pf_claim:
 *  - id and a one-line statement with its MATH.md equation numbers, the two sides compared;
 *  - a sampler: instance i < nadv is the i-th member of a fixed adversarial set, instance
 *    i >= nadv is random, drawn from the stream gn_rng_seed(r, seed, i) (so an instance is a
 *    deterministic function of (seed, i) and any partition of the range sees the same ones);
 *  - an evaluation at a working precision p (default PF_CLAIM_PREC = 256 bits) of both sides,
 *    and checks through pf_claim_cmp / pf_claim_le, each with a tolerance tol = kc * 2^-p
 *    whose factor kc is derived in a comment beside the check from the operation count and
 *    the instance's conditioning;
 *  - mutants: the same evaluation with a deliberately wrong formula (mutant m = 1..nmut),
 *    which a sound check must reject on at least one instance.
 * The verdict of a run is "pass" when every check of every instance holds, with the largest
 * residual (relative to its tolerance) reported together with the instance that gave it.
 *
 * Theorem 4.1 is not an identity: its entry has illustration = 1, and its verdict reads
 * "illustrated" (or "not illustrated"), never "pass". */
#ifndef PF_CLAIMS_H
#define PF_CLAIMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpfr.h>

#include "gn.h"
#include "gn_mp_la.h"
#include "gn_io_merge.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PF_CLAIM_PREC 256
#define PF_CLAIM_SEED 20261122u
#define PF_CLAIM_INSTANCES 1000
#define PF_CLAIM_MAXMUT 6

/* ---------------------------------------------------------- workspace */
/* One per worker and claim run: a pool of MPFR values at the working precision, initialised
 * on first use and reused by every later instance (pf_claim_get never re-initialises a
 * value it has handed out before: the pool is rewound, not freed, between instances). */
typedef struct pf_claim_block pf_claim_block;

typedef struct {
    mpfr_prec_t prec; /* working precision p */
    uint64_t seed;
    size_t index;    /* instance index */
    int adversarial; /* 1 when index < nadv */
    int mutant;      /* 0: the claim; m >= 1: mutant m */
    gn_rng rng;      /* the instance's stream (random instances) */
    /* pool */
    pf_claim_block *blocks;
    pf_claim_block *cur;
    /* per-instance record, filled by the checks */
    char desc[384];    /* the instance's inputs (%a), set by the claim */
    int failed;        /* some check failed */
    double ratio;      /* worst resid / tol of this instance (inf when tol = 0 and resid > 0) */
    double resid, tol; /* the worst check's residual and tolerance */
    const char *what;  /* the worst check's label */
    double extra;      /* claim-defined number reported with the result (illustration) */
    mpfr_t r1, r2;     /* scratch for the checks */
} pf_claim_ws;

/* pf_claim_get: n values at the working precision, value 0 is not guaranteed (contents are
 * whatever the previous instance left). Aborts on no memory (the checks cannot continue).
 * No equation: the workspace's MPFR pool. */
mpfr_ptr pf_claim_get(pf_claim_ws *ws, size_t n);
/* pf_claim_get_prec: as pf_claim_get at precision prec (re-precisions reused values).
 * No equation: the workspace's MPFR pool. */
mpfr_ptr pf_claim_get_prec(pf_claim_ws *ws, size_t n, mpfr_prec_t prec);
/* pf_claim_uniform / pf_claim_range: draws from the instance's stream.
 * range: a uniform integer in [lo, hi]. logu: +-2^U(elo, ehi) with the sign random when
 * sign != 0, positive otherwise.
 * pf_claim_uniform: lo + (hi - lo) U[0, 1). No equation: random instances. */
double pf_claim_uniform(pf_claim_ws *ws, double lo, double hi);
/* pf_claim_range: No equation: random instances. */
size_t pf_claim_range(pf_claim_ws *ws, size_t lo, size_t hi);
/* pf_claim_logu: No equation: random instances spread over binades. */
double pf_claim_logu(pf_claim_ws *ws, double elo, double ehi, int sign);
/* pf_claim_normal: a standard normal from the instance's stream. No equation: random instances. */
double pf_claim_normal(pf_claim_ws *ws);

/* pf_claim_u: the unit roundoff 2^-p of the working precision, as a double (p <= 1000
 * keeps it a normal double; the tolerance is kc * u).
 * No equation: the unit roundoff u of MATH.md §0 at the working precision. */
double pf_claim_u(const pf_claim_ws *ws);

/* ------------------------------------------------------------ checks */
/* pf_claim_cmp: a residual resid >= 0 (MPFR) against tol = kc * 2^-p. Records the check in
 * the instance's record; kc must be derived beside the call.
 * No equation: the one check of every claim (resid <= kc 2^-p); the negative
 * controls (`gnlab prove --mutants`) show it fails on wrong formulas. */
void pf_claim_cmp(pf_claim_ws *ws, const char *what, mpfr_srcptr resid, double kc);
/* pf_claim_vcmp: resid = max_i |a_i - b_i| / scale (scale > 0; scale == NULL means
 * max_i |b_i|, or 1 when b = 0), then pf_claim_cmp.
 * No equation: a vector check through pf_claim_cmp. */
void pf_claim_vcmp(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b, size_t n,
                   mpfr_srcptr scale, double kc);
/* pf_claim_scmp: scalars: resid = |a - b| / scale (scale NULL: |b|, or 1 when b = 0).
 * No equation: a scalar check through pf_claim_cmp. */
void pf_claim_scmp(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b,
                   mpfr_srcptr scale, double kc);
/* pf_claim_le: the inequality a <= b up to rounding: resid = max(0, a - b) / scale
 * (scale NULL: max(|a|, |b|), or 1 when both are 0).
 * No equation: an inequality check through pf_claim_cmp (the §8 bounds). */
void pf_claim_le(pf_claim_ws *ws, const char *what, mpfr_srcptr a, mpfr_srcptr b,
                 mpfr_srcptr scale, double kc);
/* pf_claim_true: an exact (boolean) fact: resid 0 when ok, 1 otherwise, tolerance 0.
 * No equation: an exact fact's check. */
void pf_claim_true(pf_claim_ws *ws, const char *what, int ok);

/* ---------------------------------------------------------- registry */
typedef struct {
    const char *id;        /* "prop-3.2" */
    const char *statement; /* one line, with MATH.md equation numbers */
    const char *lhs;       /* what is computed from the claim's formula */
    const char *rhs;       /* what it is compared against (the defining system, ...) */
    const char *uses;      /* space-separated nodes it rests on: claim ids or "(3.11)" */
    const char *mutants[PF_CLAIM_MAXMUT + 1]; /* NULL-terminated one-line descriptions */
    size_t nadv;           /* size of the fixed adversarial set */
    size_t max_random;     /* cap on random instances (0: none) */
    int illustration;      /* 1: not a proof (Theorem 4.1) */
    /* eval: instance ws->index (ws->adversarial says which set) with ws->mutant; records
     * its checks in ws. Returns 0, or -1 when the instance is outside the claim's
     * hypotheses and was skipped (counted apart). */
    int (*eval)(pf_claim_ws *ws);
} pf_claim;

/* the registry, in MATH.md order; pf_claim_count() entries
 * claim i of the registry (NULL when i >= pf_claim_count()). No equation: registry;
 * each claim's statement names its MATH.md equation. */
const pf_claim *pf_claim_at(size_t i);
/* pf_claim_count: No equation: registry size. */
size_t pf_claim_count(void);
/* pf_claim_find: by id; NULL if unknown
 * No equation: registry lookup. */
const pf_claim *pf_claim_find(const char *id);
/* pf_claim_nmutants: the number of c's mutants (negative controls). No equation: registry. */
size_t pf_claim_nmutants(const pf_claim *c);

typedef struct {
    size_t instances; /* random instances requested (adversarial ones are added) */
    mpfr_prec_t prec;
    uint64_t seed;
    int partial; /* the results cover part of the campaign (a merge with blocks missing): the
                    report's verdict is INCOMPLETE, never "every claim holds" */
} pf_claim_opts;

/* pf_claim_opts_default: PF_CLAIM_INSTANCES, PF_CLAIM_PREC, PF_CLAIM_SEED.
 * No equation: the run's defaults. */
pf_claim_opts pf_claim_opts_default(void);

typedef struct {
    size_t instances;  /* evaluated */
    size_t skipped;    /* outside the hypotheses */
    size_t failed;     /* instances with a failed check */
    double ratio;      /* largest resid/tol over all instances */
    double resid, tol; /* of that worst check */
    char what[64];     /* its label */
    size_t worst;      /* its instance index */
    int worst_adv;     /* 1 if adversarial */
    char desc[384];    /* its inputs */
    double extra;      /* claim-defined (illustration: the decay factor seen) */
    double seconds;    /* wall time of the run */
    int pass;          /* failed == 0 */
} pf_claim_result;

/* pf_claim_run: every instance of c (adversarial then random, within [first, last) of
 * the combined index range; last = (size_t)-1 for all) at o->prec with mutant m (0: the
 * claim itself), accumulated into res (which the caller zeroes or merges). One workspace
 * for the whole run. Returns GN_OK, GN_EDOM if m > number of mutants or o->prec outside
 * [64, 8192], GN_ENOMEM.
 * No equation: the claim driver; each claim's eval checks its MATH.md statement
 * (tests/test_prove). */
gn_status pf_claim_run(pf_claim_result *res, const pf_claim *c, const pf_claim_opts *o,
                       int m, size_t first, size_t last);
/* pf_claim_total: the number of instances pf_claim_run evaluates for o.
 * No equation: instance count (nadv + random, capped by max_random). */
size_t pf_claim_total(const pf_claim *c, const pf_claim_opts *o);
/* pf_claim_merge: acc += part, the fold of two disjoint instance ranges of one claim run
 * (threads of `gnlab prove`, shards in `gnlab merge`: both use this one function).
 * Method:  counts and seconds summed; extra the maximum; the worst instance is the one of
 *          largest ratio, ties to the lowest instance index.
 * Accuracy: exact (no rounding except the seconds' sum), associative and commutative, so
 *          any grouping of the range gives the same result.
 * Special: a part with no instance adds only its skipped count and seconds.
 * No equation: the fold of claim results. */
void pf_claim_merge(pf_claim_result *acc, const pf_claim_result *part);

/* pf_prove_merge_text: `gnlab merge` of prove shard files: the groups of the n texts
 * (names[i] names text i in messages) checked to be one campaign and merged by
 * pf_claim_merge (core/io/gn_io_merge.h), then printed by pf_prove_report (table, or JSON
 * Lines when json); missing blocks are listed with the --ranges to rerun them.
 * Returns 0 complete and passing, 1 a claim fails, a mutant passes or blocks are missing,
 * 2 shards that do not belong together or malformed text (reason on stderr).
 * No equation: `gnlab merge` for prove shards (tests/test_shard). */
int pf_prove_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                        int json);
/* pf_prove_merge_kind: how a prove shard row is read, merged and written (gn_io_merge.h), for
 * the pre-merge of a gnlab-mpi rank (gn_io_merge_shard_text). */
extern const gn_io_merge_kind pf_prove_merge_kind;

/* pf_prove_row_write: one row of a prove shard file (core/io/gn_io_shard.h): claim c with
 * mutant m (0: the claim), doubles in hex so that gnlab merge reads them back exactly.
 * No equation: shard-file writer. */
void pf_prove_row_write(FILE *f, size_t row, const pf_claim *c, int m, const pf_claim_result *r);
/* pf_prove_verdict: "pass", "FAIL", "illustrated", "NOT illustrated" or "no instances".
 * No equation: the report's verdict word. */
const char *pf_prove_verdict(const pf_claim *c, const pf_claim_result *r);
/* pf_prove_report: the report of `gnlab prove` for the selection sel (res[c * stride + m]
 * is claim c's result with mutant m): the table, JSON Lines (json) or TAP (tap); with
 * mutants the negative controls m = 1..nmut, else the claims. wall is the JSON summary's
 * seconds, tail the table's summary text before the verdict (e.g. "3.2 s on 2 threads").
 * Returns 1 when a claim fails or (mutants) a mutant passes, else 0.
 * No equation: report writer. */
int pf_prove_report(FILE *f, const pf_claim *const *sel, size_t nsel, const pf_claim_result *res,
                    int stride, const pf_claim_opts *o, int mutants, int json, int tap,
                    double wall, const char *tail);

#ifdef __cplusplus
}
#endif

#endif /* PF_CLAIMS_H */
