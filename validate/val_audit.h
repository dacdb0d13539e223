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
#include "gn_io_btrace.h"
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
    int f32_sumsq;    /* |j|^2 rounded to float32: 1 with the tolerance (n+1) 2^-24 |s_i| per
                         component (any summation order), 2 the centre alone (no tolerance) */
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
    /* a tolerance variant (its recompute allows a band around its centre): the centre alone,
     * the same contract; NULL for an exact variant. A step is evidence for a tolerance
     * variant only when the recorded value is nearer the centre than the paper rule's value
     * (else the band merely covers the paper's rule there: neutral, as an undefined step) */
    gn_status (*centre)(double *err, size_t *worst, val_audit_work *wk,
                        const gn_io_trace_rec *r, char *msg, size_t msglen);
    int logging;             /* 1: a trace recorded wrongly, not a numerical bug          */
} val_audit_variant;

/* The "trace recorded wrongly" rows (audit_logging.c), each with the recompute contract:
 * val_audit_log_w_after: err 0 when w equals w_after, else inf (a record of the state
 * after the update). No equation: a logging check. */
gn_status val_audit_log_w_after(double *err, size_t *worst, val_audit_work *wk,
                                const gn_io_trace_rec *r, char *msg, size_t msglen);
/* val_audit_log_adam_t: Adam's rule (MATH.md §7) with t + 1 and t - 1, the smaller err. */
gn_status val_audit_log_adam_t(double *err, size_t *worst, val_audit_work *wk,
                               const gn_io_trace_rec *r, char *msg, size_t msglen);
/* val_audit_log_adam_moments: Adam's step (MATH.md §7) from recorded m, v taken as already
 * updated (no moment update), in MPFR at 128 bits. */
gn_status val_audit_log_adam_moments(double *err, size_t *worst, val_audit_work *wk,
                                     const gn_io_trace_rec *r, char *msg, size_t msglen);
/* val_audit_log_dtype: the paper rule (MATH.md §6-§7) of a float64-labelled record whose
 * values are all float32, judged at float32 (err rescaled by B64/B32). */
gn_status val_audit_log_dtype(double *err, size_t *worst, val_audit_work *wk,
                              const gn_io_trace_rec *r, char *msg, size_t msglen);

/* val_audit_log_repeated: err 0; the driver tries it only on a record whose w and w_after
 * equal the previous record's. No equation: a logging check. */
gn_status val_audit_log_repeated(double *err, size_t *worst, val_audit_work *wk,
                                 const gn_io_trace_rec *r, char *msg, size_t msglen);

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
    int batch;          /* 1: method is a gn_io_btrace_method (a mini-batch record) */
} val_audit_step;

#define VAL_AUDIT_MAXCAT 40

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
    double var_err[VAL_AUDIT_MAXCAT];   /* its largest err / B over the tried steps */
    int batch;                  /* 1: a mini-batch trace; the indices above are then rows of
                                 * val_audit_bcatalogue and methods has bit gn_io_btrace_method */
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

/* val_audit_note: count one judged step into s (both drivers): steps, dtypes, methods, the
 * first undetermined (with why), the largest ratio err / B, the first disagreeing step.
 * Returns 1 when the step disagrees (determined and not agree).
 * No equation: the summary's bookkeeping. */
int val_audit_note(val_audit_summary *s, const val_audit_step *step, double ratio, int agree,
                   const char *why, int method);

/* val_audit_matches: the catalogue variants that reproduce every disagreeing step they were
 * tried on, best first (exact variants before tolerance ones, then by var_err). Returns the
 * count and writes up to cap indices into idx.
 * No equation: ranking of the catalogue's diagnoses. */
size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s);

/* ------------------------------------------------- mini-batch records (audit_batch.c) */

/* Variant knobs of the mini-batch rules (MATH.md §9); all zero is the paper's rule. */
typedef struct {
    int qside;          /* (lambda I + K D / b): Q on the wrong side of K                   */
    int lamq;           /* (lambda D + D K / b): lambda scaled by Q                         */
    int damp_inside;    /* D (K + lambda I) / b: damping added to J J^T, then scaled        */
    int b_missing;      /* sums for means: both 1/b dropped                                 */
    int b_twice;        /* 1/b applied twice: b^2 in both places                            */
    int b_missing_curv; /* (lambda I + D K) with the gradient's 1/b                         */
    int no_lambda;      /* lambda dropped (undamped)                                        */
    int no_mu;          /* mu not added to Q                                                */
    int as_ignd;        /* the mean of per-sample IGND directions                           */
    int as_gn;          /* the mini-batch GN direction                                      */
    int flip_sign;      /* w_after = w - alpha v                                            */
    int mom_nodamp;     /* v = beta v_prev + d (no 1 - beta)                                */
    int mom_after;      /* v_prev recorded after the step: v = v_prev                       */
    int gram_f32;       /* J^T D J or J J^T formed in float32: the bound's formation terms
                         * at 2^-24 (a tolerance variant)                                   */
    int as_f32;         /* labelled float64, values all float32: judged at float32          */
    int w_after_as_w;   /* w recorded after the update: w == w_after, step nonzero          */
} val_audit_bknobs;

typedef struct val_audit_bwork val_audit_bwork;

/* val_audit_bwork_alloc: MPFR workspace at prec bits (>= 64) for one mini-batch record at a
 * time, sized on use. NULL on no memory. No equation: allocation. */
val_audit_bwork *val_audit_bwork_alloc(mpfr_prec_t prec);
/* val_audit_bwork_free: NULL-safe. No equation: deallocation. */
void val_audit_bwork_free(val_audit_bwork *w);

/* val_audit_brule: record r's direction, momentum buffer and w_after recomputed in MPFR
 * under knobs k (NULL: the paper's rule) and judged against the rounding bound of the
 * paper's rule at r (docs/audit.md "Mini-batch records" derives it: normwise, with the
 * solve's condition number in it).
 * Method:   the defining system of MATH.md §9 solved by elimination (gn_mp_la_lu) in its
 *           push-through form (bc x bc) when bc <= d, its primal form otherwise; IGND
 *           batch as the mean of the per-sample (3.12) directions; then v = beta v_prev +
 *           (1 - beta) d when r has beta and v_prev, and w_after = w + alpha v.
 * Accuracy: the MPFR solve's relative error is below kappa bc 2^-prec; a record whose
 *           kappa leaves less than 2^-64 is undetermined (GN_ERANGE).
 * *ratio gets max over the recorded outputs (d, v, w_after) of err / B; *err and *bound
 * the worst one's err and B (units of u_T of r's type). Call with k = NULL first on each
 * record: the variants are judged against the bound that call computed.
 * Returns GN_OK; GN_EINPUT with msg naming the missing or out-of-domain field (alpha
 * missing with w_after, lambda <= 0 where damped, mu < 0, beta outside [0, 1), a
 * negative q); GN_EZERO when the rule is undefined (a singular undamped system) or a variant
 * does not apply (no momentum, ...): *ratio = inf; GN_ERANGE when the bound is vacuous (the
 * system too ill-conditioned for r's type) or the reference cannot resolve it: undetermined,
 * msg says why. */
gn_status val_audit_brule(double *ratio, double *err, double *bound, val_audit_bwork *wk,
                          const gn_io_btrace_rec *r, const val_audit_bknobs *k, char *msg,
                          size_t msglen);

typedef struct {
    const char *name;
    const char *description;
    uint32_t methods;        /* bit (1 << gn_io_btrace_method) per method it applies to */
    val_audit_bknobs knobs;
    int tolerance;           /* 1: a wider-tolerance variant (ranked after exact ones)  */
    int logging;             /* 1: the trace recorded wrongly, not a numerical bug      */
    int neighbour;           /* 1: judged by the driver from the previous record        */
} val_audit_bvariant;

extern const val_audit_bvariant val_audit_bcatalogue[];
extern const size_t val_audit_nbcatalogue;

/* val_audit_bstream: val_audit_stream for a mini-batch trace whose first record line
 * (without its newline, line number first_line) was already read from f.
 * No equation: the stream driver of the mini-batch audit (MATH.md §9 per record). */
gn_status val_audit_bstream(val_audit_summary *s, FILE *f, const char *name, const char *first,
                            size_t first_line, const val_audit_opts *o,
                            void (*cb)(const val_audit_step *st, void *arg), void *arg,
                            char *err, size_t errlen);

typedef struct {
    const char *name, *description;
    int tolerance, logging;
} val_audit_vinfo;
/* val_audit_variant_info: name, description, whether a tolerance variant and whether a
 * logging mistake, of row idx of the catalogue s refers to (s->batch). NULL name when out
 * of range. No equation: catalogue lookup for reports. */
val_audit_vinfo val_audit_variant_info(const val_audit_summary *s, size_t idx);

#endif
