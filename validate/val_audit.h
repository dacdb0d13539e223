/* val_audit.h: `gnlab audit`, checking an external optimizer's trace step by step against an
 * MPFR recomputation, and naming the bug when it disagrees (issue 6).
 *
 * The trace (CSV or JSON Lines, one record per step) is read by core/io's streaming reader
 * (gn_io_trace.h); memory is O(d) whatever the number of steps. Files:
 *   audit.c            the stream driver (val_audit_stream, val_audit_matches)
 *   audit_rules.c      one step recomputed: the paper's rule IS core/ref's gn_mp_step_*
 *                      (gn_mp.h); the catalogue's variants are changed inputs or results
 *   audit_bound.c      B, the rounding-error bound a step must meet
 *   audit_catalogue.c  the known wrong implementations, one table
 *   audit_write.c      a record written back as CSV or JSON Lines
 *
 * Each record is recomputed in MPFR from its own recorded inputs (w, j or g, l' and l'' or
 * the loss at (f, y), Adam's m, v, t, the hyper-parameters as recorded), so errors never
 * compound across steps. The recorded w_after is compared in the mixed measure of MATH.md
 * §13 at the trace's own unit roundoff u_T (2^-53 for float64, 2^-24 for float32):
 *     err = max_i |got_i - exact_i| / (u_T (|w_i| + |s_i|) + eta_T),
 * s_i the exact step (for Adam its magnitude with |m| terms, see audit_rules.c), eta_T the
 * smallest subnormal of the type. A step agrees when err <= B, the rounding-error bound of
 * a straightforward implementation of the method in that type, derived per method in
 * audit_bound.c (val_audit_bound) and printed with the step.
 */
#ifndef VAL_AUDIT_H
#define VAL_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpfr.h>

#include "gn.h"
#include "gn_io_trace.h"

/* -------------------------------------------------------- recomputation */

/* Variant knobs: how a known-wrong implementation departs from the paper. All zero is the
 * paper's rule. The catalogue (audit_catalogue.c) names combinations of them. */
typedef struct {
    int mu_after;     /* den = lpp |j|^2 + mu + lambda  (mu added after the outer product) */
    int no_lambda;    /* den = (lpp + mu) |j|^2                                             */
    int g_norm;       /* |g|^2 = lp^2 |j|^2 in place of |j|^2                               */
    int no_lpp;       /* den = mu |j|^2 + lambda                                            */
    int undamped;     /* den = lpp |j|^2 (lambda and mu both dropped)                       */
    int f32_sumsq;    /* |j|^2 rounded to float32 (tolerance (n+1) 2^-24 |s_i| per component) */
    int flip_sign;    /* w += step instead of w -= step                                     */
    int no_bias;      /* Adam without bias correction                                       */
    int eps_inside;   /* Adam with sqrt(v^ + eps) in place of sqrt(v^) + eps                */
    int xi_after;     /* Adam-IGND with Adam fed lp j and its step then scaled by xi        */
} val_audit_knobs;

typedef struct val_audit_work val_audit_work;

/* val_audit_work_alloc: MPFR workspace at prec bits (raised to 64 if lower) for one record at
 * a time; its vectors are sized on first use (a trace has one dimension). NULL on no memory.
 * No equation: allocation. */
val_audit_work *val_audit_work_alloc(mpfr_prec_t prec);
/* val_audit_work_free: NULL-safe. No equation: deallocation. */
void val_audit_work_free(val_audit_work *w); /* NULL-safe */

/* val_audit_rule: w_after of record r recomputed in MPFR under the knobs k, then its error
 * against the recorded w_after in the measure above (MATH.md §13).
 * Method:   k all zero (or NULL) is the paper's rule, computed by core/ref: gn_mp_step_sgd,
 *           _normgrad, _sps (4.6), _nlms, _ignd (3.11)-(3.14), _ignd_undamped (3.8)-(3.9),
 *           _adam, _adam_ignd (§7), l, l', l'' from gn_mp_loss_eval (4.7)-(4.10) when not
 *           recorded; a knob changes that call's inputs or its result (audit_rules.c).
 * Accuracy: w_after exact to 2^-prec relative (the reference's guarantee), so err carries a
 *           relative error ~2^-50 from its double scale, far below any bound B.
 * *err gets the error in units of u_T, *worst the component where it is largest.
 * Returns GN_OK; GN_EINPUT with err naming the field when r lacks what its method needs or
 * a hyper-parameter is outside its domain (lambda <= 0 for damped IGND, beta outside
 * [0, 1), ...) or l'' < 0; GN_EZERO when the method is undefined at these inputs (j = 0 or
 * l' = 0 for normalized gradient and SPS, l'' |j|^2 = 0 for undamped IGND): then *err = inf;
 * GN_ERANGE when the loss reference declines (|f| > 4096 for BCE, l', l'' not recorded), msg
 * "LINE:COLUMN (f): ... record lp and lpp": the step is then undetermined. */
gn_status val_audit_rule(double *err, size_t *worst, val_audit_work *wk, const gn_io_trace_rec *r,
                        const val_audit_knobs *k, char *msg, size_t msglen);

/* val_audit_bound: B for record r, in units of u_T: the error a straightforward
 * implementation of r's method in r's type can make (derivation in audit_bound.c), including the
 * loss derivatives' error when l', l'' are derived from (loss, f, y) rather than recorded.
 * Call after val_audit_rule with all-zero knobs on the same record (it reads the workspace).
 * +inf when k u_T >= 1/2 (vacuous: val_audit_stream then does not count the step as agreeing).
 * The bound on MATH.md §13's mixed error for a float implementation of r's rule (§6-§7).
 * Accuracy: first-order; its negative controls are the catalogue's variants (tests/test_audit). */
double val_audit_bound(const val_audit_work *wk, const gn_io_trace_rec *r);

/* What val_audit_rule learnt about the record that B depends on (set by every call). */
typedef struct {
    int g_given;      /* sgd / adam from a recorded g (no l' j product) */
    int e_derived;    /* nlms: e = y - f formed from (f, y) */
    int lp_derived, lpp_derived, l_derived; /* derived from (loss, f, y), not recorded */
    double lp, l;     /* l' and l as doubles (l only for sps) */
    double p, q;      /* sigma(f), 1 - sigma(f) for a derived BCE (0.5 for squared) */
    double kl;        /* relative condition of the implementation's l when derived */
} val_audit_facts;

/* val_audit_work_facts: the facts of the last val_audit_rule call on wk.
 * No equation: plumbing between val_audit_rule and val_audit_bound. */
const val_audit_facts *val_audit_work_facts(const val_audit_work *wk);

/* val_audit_unit: the unit roundoff u_T of the trace's type: 2^-53 (float64), 2^-24 (float32).
 * No equation: the u of MATH.md §0 for the trace's type. */
double val_audit_unit(gn_io_trace_dtype t);

/* ------------------------------------------------------------ catalogue */

typedef struct {
    const char *name;        /* short identifier, printed in the verdict */
    const char *description; /* one line for the reader */
    uint32_t methods;        /* bit (1 << gn_io_trace_method) for each method it applies to */
    int f64_only;            /* 1: cannot be told apart at float32 */
    /* the variant's recomputation: the same contract as val_audit_rule */
    gn_status (*recompute)(double *err, size_t *worst, val_audit_work *wk,
                           const gn_io_trace_rec *r, char *msg, size_t msglen);
    /* extra tolerance in units of u_T beyond B for this variant (0 for exact variants) */
    double (*slack)(const gn_io_trace_rec *r);
} val_audit_variant;

extern const val_audit_variant val_audit_catalogue[];
extern const size_t val_audit_ncatalogue;

/* ------------------------------------------------------------ the writer */

/* val_audit_write_header: the CSV header for records shaped like r (its fields present).
 * val_audit_write: r as one CSV row (json == 0, after that header) or one JSON Lines object,
 * numbers with %.17g (exact round trip; non-finite w_after as NaN / Infinity).
 * No equation: trace writer (reads back with gn_io_trace_next, tests/test_audit). */
void val_audit_write_header(FILE *f, const gn_io_trace_rec *r);
/* val_audit_write: r as one CSV row or JSON Lines object, as above.
 * No equation: trace writer. */
void val_audit_write(FILE *f, const gn_io_trace_rec *r, int json);

/* ------------------------------------------------------------- the audit */

typedef struct {
    mpfr_prec_t prec;   /* MPFR working precision, default 128 */
    int diagnose;       /* try the catalogue on disagreeing steps (default 1) */
    size_t max_listed;  /* disagreeing steps passed to the callback at most (0: none) */
    int exact;          /* 1: MPFR for every step (no double-double screen, val_audit_screen.h) */
    double loosen;      /* 0; > 0 only in tests/test_audit_screen's negative control: the
                         * screen's bound deliberately loosened (val_audit_screen) */
} val_audit_opts;

/* val_audit_opts_default: prec 128, diagnose 1, max_listed 20, exact 0 (the defaults above).
 * No equation: the audit's defaults. */
val_audit_opts val_audit_opts_default(void);

/* per-step result, handed to the callback for disagreeing steps */
typedef struct {
    uint64_t index;
    size_t line;
    gn_io_trace_method method;
    gn_io_trace_dtype dtype;
    double err, bound;  /* units of u_T; err = inf when w_after is not finite or undefined;
                         * bound = inf when vacuous (never counted as agreeing) */
    size_t worst;       /* component of the largest error */
    gn_status status;   /* GN_OK; GN_EZERO when the method is undefined at the inputs;
                         * GN_ERANGE when the loss reference declines (BCE |f| > 4096) */
    int undetermined;   /* 1: status GN_EZERO or GN_ERANGE, or bound infinite: no evidence */
    const char *why;    /* GN_ERANGE: "FILE:LINE:COLUMN (f): why; what to do" (else NULL) */
} val_audit_step;

#define VAL_AUDIT_MAXCAT 32

typedef struct {
    uint64_t steps, disagree;
    uint64_t screened;           /* steps decided by the double-double screen (agreeing) */
    uint64_t undetermined;       /* steps with an infinite bound or an undefined rule */
    int have_first, have_undet, have_largest;
    val_audit_step first;        /* the first disagreeing step */
    val_audit_step first_undet;  /* the first undetermined step */
    char undet_why[1024];        /* the first declined step's message ("" when none) */
    val_audit_step largest;      /* the determined step with the largest err / bound */
    double largest_ratio;       /* its err / bound */
    uint32_t dtypes;            /* bit per dtype seen */
    uint32_t methods;           /* bit per method seen */
    uint64_t tried[VAL_AUDIT_MAXCAT];   /* disagreeing steps each variant applied to */
    uint64_t matched[VAL_AUDIT_MAXCAT]; /* of those, how many it reproduced */
    double var_err[VAL_AUDIT_MAXCAT];   /* its largest err / (B + slack) over the tried steps */
} val_audit_summary;

/* val_audit_stream: audit every record of f. cb (nullable) is called with each of the first
 * o->max_listed disagreeing or undetermined steps. A step is undetermined when its rule is
 * undefined at the recorded inputs (GN_EZERO) or its bound is infinite (l', l'' derived from
 * an ill-conditioned loss): it is evidence neither against the implementation nor for any
 * catalogued variant (not counted in disagree, the catalogue not tried on it). Returns GN_OK
 * when the whole stream was read (the verdict is then in *s: s->disagree > 0 disagree, else
 * s->undetermined > 0 undetermined, else agree); GN_EINPUT with err as
 * gn_io_trace_next's (or naming the field a method lacks) on bad input, with *s holding
 * what was audited before it; GN_ENOMEM.
 * Each step checked against MATH.md §6-§7's rule in the §13 measure by
 * val_audit_rule and val_audit_bound (tests/test_audit, with planted bugs). */
gn_status val_audit_stream(val_audit_summary *s, FILE *f, const char *name, const val_audit_opts *o,
                          void (*cb)(const val_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen);

/* val_audit_matches: the catalogue variants that reproduce every disagreeing step they were
 * tried on, best first (exact variants before slack ones, then by var_err). Returns the
 * count and writes up to cap indices into idx.
 * No equation: ranking of the catalogue's diagnoses. */
size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s);

#endif
