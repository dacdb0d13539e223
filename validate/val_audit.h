/* val_audit.h: `gnlab audit`, checking an external optimizer's trace step by step against an
 * MPFR recomputation, and naming the bug when it disagrees (issue 6).
 *
 * A trace is a stream of records, one per optimizer step, in CSV (a header line naming the
 * columns) or JSON Lines (one flat object per line); README "gnlab audit" gives the format.
 * The reader streams: memory is O(d), whatever the number of steps.
 *
 * Each record is recomputed in MPFR from its own recorded inputs (w, j or g, l' and l'' or
 * the loss at (f, y), Adam's m, v, t, the hyper-parameters as recorded), so errors never
 * compound across steps. The recorded w_after is compared in the mixed measure of MATH.md
 * §13 at the trace's own unit roundoff u_T (2^-53 for float64, 2^-24 for float32):
 *     err = max_i |got_i - exact_i| / (u_T (|w_i| + |s_i|) + eta_T),
 * s_i the exact step (for Adam its magnitude with |m| terms, see audit.c), eta_T the
 * smallest subnormal of the type. A step agrees when err <= B, the rounding-error bound of
 * a straightforward implementation of the method in that type, derived per method in
 * audit.c (val_audit_bound) and printed with the step.
 */
#ifndef VAL_AUDIT_H
#define VAL_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpfr.h>

#include "gn.h"

typedef enum {
    VAL_AM_SGD = 0,       /* w -= alpha g, g = recorded g or lp j              (Table 1)   */
    VAL_AM_NORMGRAD,      /* w -= alpha sign(lp) j / |j|                       (Table 1)   */
    VAL_AM_SPS,           /* w -= gamma lp j, gamma = (l - lstar)/(c |g|^2)    (4.6)       */
    VAL_AM_NLMS,          /* w += alpha e x / (eps + |x|^2), e = y - f         (Table 1)   */
    VAL_AM_IGND,          /* w -= alpha xi lp j                                (3.13-3.14) */
    VAL_AM_IGND_UNDAMPED, /* w -= alpha lp j / (lpp |j|^2)                     (Table 1)   */
    VAL_AM_ADAM,          /* Adam from g                                       (§7)        */
    VAL_AM_ADAM_IGND,     /* Adam fed with xi lp j                             (§7)        */
    VAL_AM_N
} val_audit_method;

typedef enum { VAL_AT_F64 = 0, VAL_AT_F32 } val_audit_dtype;

/* scalar fields (column / key names in val_audit_field_name) */
typedef enum {
    VAL_AF_STEP = 0, VAL_AF_ALPHA, VAL_AF_LAMBDA, VAL_AF_MU, VAL_AF_BETA1, VAL_AF_BETA2, VAL_AF_EPS,
    VAL_AF_C, VAL_AF_LSTAR, VAL_AF_GAMMA_MAX, VAL_AF_T, VAL_AF_F, VAL_AF_Y, VAL_AF_L, VAL_AF_LP,
    VAL_AF_LPP, VAL_AF_N
} val_audit_field;

/* vector fields; "x" is accepted as a synonym of "j" (a linear model's j is its input) */
typedef enum { VAL_AV_W = 0, VAL_AV_J, VAL_AV_G, VAL_AV_M, VAL_AV_V, VAL_AV_WAFTER, VAL_AV_N } val_audit_vec;

/* one step as recorded; has_s / has_v have bit k set when field k was given */
typedef struct {
    val_audit_method method;
    val_audit_dtype dtype;
    int has_loss;
    gn_loss_kind loss;
    size_t n;                  /* the dimension d (every vector field has this length) */
    double s[VAL_AF_N];
    uint32_t has_s;
    double *v[VAL_AV_N];        /* owned by the reader; valid until the next record */
    uint32_t has_v;
    size_t line;               /* 1-based line of the record in the file */
    uint64_t index;            /* 0-based record number */
} val_audit_rec;

const char *val_audit_method_name(val_audit_method m);
const char *val_audit_field_name(val_audit_field f);
const char *val_audit_vec_name(val_audit_vec v);

/* ------------------------------------------------------------ the reader */

typedef struct val_audit_reader val_audit_reader;

/* val_audit_reader_open: a reader on f (not closed by the reader); name is used in messages.
 * The format is decided by the first non-blank, non-comment character: '{' JSON Lines,
 * otherwise CSV. NULL on no memory. */
val_audit_reader *val_audit_reader_open(FILE *f, const char *name);
void val_audit_reader_free(val_audit_reader *r); /* NULL-safe */

/* val_audit_reader_next: the next record into *rec (a view owned by the reader).
 * Returns GN_OK with *rec set, GN_OK with *rec = NULL at the end of the stream, or
 * GN_EINPUT with err = "NAME:LINE:COLUMN: why" (COLUMN is the 1-based field number and its
 * name for CSV, the 1-based character and the key for JSON) on a malformed record: a
 * non-numeric field, a missing or unknown column, NaN or infinity in an input field (w, j,
 * g, m, v and the scalars; w_after may be non-finite: that is the optimizer's result and is
 * judged, not rejected), a line without its final newline (a truncated file), vectors of a
 * different length than the first record's, a dimension above 10^6, a line longer than
 * 64 MiB; GN_ENOMEM. After an
 * error the reader stays at the error. */
gn_status val_audit_reader_next(val_audit_reader *r, const val_audit_rec **rec, char *err,
                               size_t errlen);

/* -------------------------------------------------------- recomputation */

/* Variant knobs: how a known-wrong implementation departs from the paper. All zero is the
 * paper's rule. The catalogue (audit_catalogue.c) names combinations of them. */
typedef struct {
    int mu_after;     /* den = lpp |j|^2 + mu + lambda  (mu added after the outer product) */
    int no_lambda;    /* den = (lpp + mu) |j|^2                                             */
    int g_norm;       /* |g|^2 = lp^2 |j|^2 in place of |j|^2                               */
    int no_lpp;       /* den = mu |j|^2 + lambda                                            */
    int undamped;     /* den = lpp |j|^2 (lambda and mu both dropped)                       */
    int f32_sumsq;    /* |j|^2 rounded to float32 (tolerance (n+1) 2^-24 relative on it)    */
    int flip_sign;    /* w += step instead of w -= step                                     */
    int no_bias;      /* Adam without bias correction                                       */
    int eps_inside;   /* Adam with sqrt(v^ + eps) in place of sqrt(v^) + eps                */
    int xi_after;     /* Adam-IGND with Adam fed lp j and its step then scaled by xi        */
} val_audit_knobs;

typedef struct val_audit_work val_audit_work;

/* val_audit_work_alloc: MPFR workspace at prec bits (>= 64) for vectors of length n, grown as
 * needed. NULL on no memory. */
val_audit_work *val_audit_work_alloc(mpfr_prec_t prec);
void val_audit_work_free(val_audit_work *w); /* NULL-safe */

/* val_audit_rule: w_after of record r recomputed in MPFR under the knobs k (the paper's rule
 * when k is all zero), then its error against the recorded w_after in the measure above.
 * *err gets the error in units of u_T, *worst the component where it is largest.
 * Returns GN_OK; GN_EINPUT with err naming the field when r lacks what its method needs or
 * a hyper-parameter is outside its domain (lambda <= 0 for damped IGND, beta outside
 * [0, 1), ...) or l'' < 0; GN_EZERO when the method is undefined at these inputs (j = 0 or
 * l' = 0 for normalized gradient and SPS, l'' |j|^2 = 0 for undamped IGND): then *err = inf;
 * GN_ERANGE when the loss reference declines (|f| > 4096 for BCE). */
gn_status val_audit_rule(double *err, size_t *worst, val_audit_work *wk, const val_audit_rec *r,
                        const val_audit_knobs *k, char *msg, size_t msglen);

/* val_audit_bound: B for record r, in units of u_T: the error a straightforward
 * implementation of r's method in r's type can make (derivation in audit.c), including the
 * loss derivatives' error when l', l'' are derived from (loss, f, y) rather than recorded.
 * Call after val_audit_rule with all-zero knobs on the same record (it reads the workspace).
 * +inf when k u_T >= 1/2 (vacuous: val_audit_stream then does not count the step as agreeing). */
double val_audit_bound(const val_audit_work *wk, const val_audit_rec *r);

/* u_T: 2^-53 or 2^-24 */
double val_audit_unit(val_audit_dtype t);

/* ------------------------------------------------------------ catalogue */

typedef struct {
    const char *name;        /* short identifier, printed in the verdict */
    const char *description; /* one line for the reader */
    uint32_t methods;        /* bit (1 << val_audit_method) for each method it applies to */
    int f64_only;            /* 1: cannot be told apart at float32 */
    /* the variant's recomputation: the same contract as val_audit_rule */
    gn_status (*recompute)(double *err, size_t *worst, val_audit_work *wk,
                           const val_audit_rec *r, char *msg, size_t msglen);
    /* extra tolerance in units of u_T beyond B for this variant (0 for exact variants) */
    double (*slack)(const val_audit_rec *r);
} val_audit_variant;

extern const val_audit_variant val_audit_catalogue[];
extern const size_t val_audit_ncatalogue;

/* ------------------------------------------------------------ the writer */

/* val_audit_write_header: the CSV header for records shaped like r (its fields present).
 * val_audit_write: r as one CSV row (json == 0, after that header) or one JSON Lines object,
 * numbers with %.17g (exact round trip; non-finite w_after as NaN / Infinity). */
void val_audit_write_header(FILE *f, const val_audit_rec *r);
void val_audit_write(FILE *f, const val_audit_rec *r, int json);

/* ------------------------------------------------------------- the audit */

typedef struct {
    mpfr_prec_t prec;   /* MPFR working precision, default 128 */
    int diagnose;       /* try the catalogue on disagreeing steps (default 1) */
    size_t max_listed;  /* disagreeing steps passed to the callback at most (0: none) */
} val_audit_opts;

val_audit_opts val_audit_opts_default(void);

/* per-step result, handed to the callback for disagreeing steps */
typedef struct {
    uint64_t index;
    size_t line;
    val_audit_method method;
    val_audit_dtype dtype;
    double err, bound;  /* units of u_T; err = inf when w_after is not finite or undefined;
                         * bound = inf when vacuous (never counted as agreeing) */
    size_t worst;       /* component of the largest error */
    gn_status status;   /* GN_OK, or GN_EZERO when the method is undefined at the inputs */
} val_audit_step;

#define VAL_AUDIT_MAXCAT 32

typedef struct {
    uint64_t steps, disagree;
    int have_first;
    val_audit_step first;        /* the first disagreeing step */
    val_audit_step largest;      /* the step with the largest err / bound */
    double largest_ratio;       /* its err / bound */
    uint32_t dtypes;            /* bit per dtype seen */
    uint32_t methods;           /* bit per method seen */
    uint64_t tried[VAL_AUDIT_MAXCAT];   /* disagreeing steps each variant applied to */
    uint64_t matched[VAL_AUDIT_MAXCAT]; /* of those, how many it reproduced */
    double var_err[VAL_AUDIT_MAXCAT];   /* its largest err / (B + slack) over the tried steps */
} val_audit_summary;

/* val_audit_stream: audit every record of f. cb (nullable) is called with each of the first
 * o->max_listed disagreeing steps. Returns GN_OK when the whole stream was read (the verdict
 * is then in *s: s->disagree == 0 means agree); GN_EINPUT with err as
 * val_audit_reader_next's (or naming the field a method lacks) on bad input, with *s holding
 * what was audited before it; GN_ENOMEM. */
gn_status val_audit_stream(val_audit_summary *s, FILE *f, const char *name, const val_audit_opts *o,
                          void (*cb)(const val_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen);

/* val_audit_matches: the catalogue variants that reproduce every disagreeing step they were
 * tried on, best first (exact variants before slack ones, then by var_err). Returns the
 * count and writes up to cap indices into idx. */
size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s);

#endif
