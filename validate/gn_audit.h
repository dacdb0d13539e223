/* gn_audit.h: `gnlab audit`, checking an external optimizer's trace step by step against an
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
 * audit.c (gn_audit_bound) and printed with the step.
 */
#ifndef GN_AUDIT_H
#define GN_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpfr.h>

#include "gn.h"

typedef enum {
    GN_AM_SGD = 0,       /* w -= alpha g, g = recorded g or lp j              (Table 1)   */
    GN_AM_NORMGRAD,      /* w -= alpha sign(lp) j / |j|                       (Table 1)   */
    GN_AM_SPS,           /* w -= gamma lp j, gamma = (l - lstar)/(c |g|^2)    (4.6)       */
    GN_AM_NLMS,          /* w += alpha e x / (eps + |x|^2), e = y - f         (Table 1)   */
    GN_AM_IGND,          /* w -= alpha xi lp j                                (3.13-3.14) */
    GN_AM_IGND_UNDAMPED, /* w -= alpha lp j / (lpp |j|^2)                     (Table 1)   */
    GN_AM_ADAM,          /* Adam from g                                       (§7)        */
    GN_AM_ADAM_IGND,     /* Adam fed with xi lp j                             (§7)        */
    GN_AM_N
} gn_audit_method;

typedef enum { GN_AT_F64 = 0, GN_AT_F32 } gn_audit_dtype;

/* scalar fields (column / key names in gn_audit_field_name) */
typedef enum {
    GN_AF_STEP = 0, GN_AF_ALPHA, GN_AF_LAMBDA, GN_AF_MU, GN_AF_BETA1, GN_AF_BETA2, GN_AF_EPS,
    GN_AF_C, GN_AF_LSTAR, GN_AF_GAMMA_MAX, GN_AF_T, GN_AF_F, GN_AF_Y, GN_AF_L, GN_AF_LP,
    GN_AF_LPP, GN_AF_N
} gn_audit_field;

/* vector fields; "x" is accepted as a synonym of "j" (a linear model's j is its input) */
typedef enum { GN_AV_W = 0, GN_AV_J, GN_AV_G, GN_AV_M, GN_AV_V, GN_AV_WAFTER, GN_AV_N } gn_audit_vec;

/* one step as recorded; has_s / has_v have bit k set when field k was given */
typedef struct {
    gn_audit_method method;
    gn_audit_dtype dtype;
    int has_loss;
    gn_loss_kind loss;
    size_t n;                  /* the dimension d (every vector field has this length) */
    double s[GN_AF_N];
    uint32_t has_s;
    double *v[GN_AV_N];        /* owned by the reader; valid until the next record */
    uint32_t has_v;
    size_t line;               /* 1-based line of the record in the file */
    uint64_t index;            /* 0-based record number */
} gn_audit_rec;

const char *gn_audit_method_name(gn_audit_method m);
const char *gn_audit_field_name(gn_audit_field f);
const char *gn_audit_vec_name(gn_audit_vec v);

/* ------------------------------------------------------------ the reader */

typedef struct gn_audit_reader gn_audit_reader;

/* gn_audit_reader_open: a reader on f (not closed by the reader); name is used in messages.
 * The format is decided by the first non-blank, non-comment character: '{' JSON Lines,
 * otherwise CSV. NULL on no memory. */
gn_audit_reader *gn_audit_reader_open(FILE *f, const char *name);
void gn_audit_reader_free(gn_audit_reader *r); /* NULL-safe */

/* gn_audit_reader_next: the next record into *rec (a view owned by the reader).
 * Returns GN_OK with *rec set, GN_OK with *rec = NULL at the end of the stream, or
 * GN_EINPUT with err = "NAME:LINE:COLUMN: why" (COLUMN is the 1-based field number and its
 * name for CSV, the 1-based character and the key for JSON) on a malformed record: a
 * non-numeric field, a missing or unknown column, NaN or infinity in an input field (w, j,
 * g, m, v and the scalars; w_after may be non-finite: that is the optimizer's result and is
 * judged, not rejected), a line without its final newline (a truncated file), vectors of a
 * different length than the first record's, a dimension above 10^6, a line longer than
 * 64 MiB; GN_ENOMEM. After an
 * error the reader stays at the error. */
gn_status gn_audit_reader_next(gn_audit_reader *r, const gn_audit_rec **rec, char *err,
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
} gn_audit_knobs;

typedef struct gn_audit_work gn_audit_work;

/* gn_audit_work_alloc: MPFR workspace at prec bits (>= 64) for vectors of length n, grown as
 * needed. NULL on no memory. */
gn_audit_work *gn_audit_work_alloc(mpfr_prec_t prec);
void gn_audit_work_free(gn_audit_work *w); /* NULL-safe */

/* gn_audit_rule: w_after of record r recomputed in MPFR under the knobs k (the paper's rule
 * when k is all zero), then its error against the recorded w_after in the measure above.
 * *err gets the error in units of u_T, *worst the component where it is largest.
 * Returns GN_OK; GN_EINPUT with err naming the field when r lacks what its method needs or
 * a hyper-parameter is outside its domain (lambda <= 0 for damped IGND, beta outside
 * [0, 1), ...) or l'' < 0; GN_EZERO when the method is undefined at these inputs (j = 0 or
 * l' = 0 for normalized gradient and SPS, l'' |j|^2 = 0 for undamped IGND): then *err = inf;
 * GN_ERANGE when the loss reference declines (|f| > 4096 for BCE). */
gn_status gn_audit_rule(double *err, size_t *worst, gn_audit_work *wk, const gn_audit_rec *r,
                        const gn_audit_knobs *k, char *msg, size_t msglen);

/* gn_audit_bound: B for record r, in units of u_T: the error a straightforward
 * implementation of r's method in r's type can make (derivation in audit.c), including the
 * loss derivatives' error when l', l'' are derived from (loss, f, y) rather than recorded.
 * Call after gn_audit_rule with all-zero knobs on the same record (it reads the workspace).
 * +inf when k u_T >= 1/2 (vacuous: gn_audit_stream then does not count the step as agreeing). */
double gn_audit_bound(const gn_audit_work *wk, const gn_audit_rec *r);

/* u_T: 2^-53 or 2^-24 */
double gn_audit_unit(gn_audit_dtype t);

/* ------------------------------------------------------------ catalogue */

typedef struct {
    const char *name;        /* short identifier, printed in the verdict */
    const char *description; /* one line for the reader */
    uint32_t methods;        /* bit (1 << gn_audit_method) for each method it applies to */
    int f64_only;            /* 1: cannot be told apart at float32 */
    /* the variant's recomputation: the same contract as gn_audit_rule */
    gn_status (*recompute)(double *err, size_t *worst, gn_audit_work *wk,
                           const gn_audit_rec *r, char *msg, size_t msglen);
    /* extra tolerance in units of u_T beyond B for this variant (0 for exact variants) */
    double (*slack)(const gn_audit_rec *r);
} gn_audit_variant;

extern const gn_audit_variant gn_audit_catalogue[];
extern const size_t gn_audit_ncatalogue;

/* ------------------------------------------------------------ the writer */

/* gn_audit_write_header: the CSV header for records shaped like r (its fields present).
 * gn_audit_write: r as one CSV row (json == 0, after that header) or one JSON Lines object,
 * numbers with %.17g (exact round trip; non-finite w_after as NaN / Infinity). */
void gn_audit_write_header(FILE *f, const gn_audit_rec *r);
void gn_audit_write(FILE *f, const gn_audit_rec *r, int json);

/* ------------------------------------------------------------- the audit */

typedef struct {
    mpfr_prec_t prec;   /* MPFR working precision, default 128 */
    int diagnose;       /* try the catalogue on disagreeing steps (default 1) */
    size_t max_listed;  /* disagreeing steps passed to the callback at most (0: none) */
} gn_audit_opts;

gn_audit_opts gn_audit_opts_default(void);

/* per-step result, handed to the callback for disagreeing steps */
typedef struct {
    uint64_t index;
    size_t line;
    gn_audit_method method;
    gn_audit_dtype dtype;
    double err, bound;  /* units of u_T; err = inf when w_after is not finite or undefined;
                         * bound = inf when vacuous (never counted as agreeing) */
    size_t worst;       /* component of the largest error */
    gn_status status;   /* GN_OK, or GN_EZERO when the method is undefined at the inputs */
} gn_audit_step;

#define GN_AUDIT_MAXCAT 32

typedef struct {
    uint64_t steps, disagree;
    int have_first;
    gn_audit_step first;        /* the first disagreeing step */
    gn_audit_step largest;      /* the step with the largest err / bound */
    double largest_ratio;       /* its err / bound */
    uint32_t dtypes;            /* bit per dtype seen */
    uint32_t methods;           /* bit per method seen */
    uint64_t tried[GN_AUDIT_MAXCAT];   /* disagreeing steps each variant applied to */
    uint64_t matched[GN_AUDIT_MAXCAT]; /* of those, how many it reproduced */
    double var_err[GN_AUDIT_MAXCAT];   /* its largest err / (B + slack) over the tried steps */
} gn_audit_summary;

/* gn_audit_stream: audit every record of f. cb (nullable) is called with each of the first
 * o->max_listed disagreeing steps. Returns GN_OK when the whole stream was read (the verdict
 * is then in *s: s->disagree == 0 means agree); GN_EINPUT with err as
 * gn_audit_reader_next's (or naming the field a method lacks) on bad input, with *s holding
 * what was audited before it; GN_ENOMEM. */
gn_status gn_audit_stream(gn_audit_summary *s, FILE *f, const char *name, const gn_audit_opts *o,
                          void (*cb)(const gn_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen);

/* gn_audit_matches: the catalogue variants that reproduce every disagreeing step they were
 * tried on, best first (exact variants before slack ones, then by var_err). Returns the
 * count and writes up to cap indices into idx. */
size_t gn_audit_matches(size_t *idx, size_t cap, const gn_audit_summary *s);

#endif
