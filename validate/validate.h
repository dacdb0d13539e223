/* validate.h: the shape of a `gnlab validate` section. A section runs a campaign of core
 * computations against the references and fills one row per quantity; cmd_validate.c
 * prints the rows (table or JSON Lines) and exits 1 if any row fails. */
#ifndef VAL_VALIDATE_H
#define VAL_VALIDATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    uint64_t seed;      /* base seed; instance i of a quantity draws from stream i */
    double scale;       /* multiplies instance counts (GN_SCALE, --scale) */
    unsigned prec;      /* MPFR working precision in bits (default 256) */
    const char *inject; /* NULL, or the name of a known-wrong variant to swap in */
    int quiet;          /* no progress output */
    const struct gn_io_shard *shard; /* NULL: every instance; else only these blocks (gn_io_shard.h) */
    int partial;        /* the rows cover part of the campaign (a merge with blocks missing):
                           the verdict is INCOMPLETE, never PASS */
} val_opts;

/* histogram of err / bound per row (integer counts: shards merge exactly): bin 0 holds
 * ratio 0, bin 1 ratios in (0, 2^-64), bin e + 66 ratios in [2^e, 2^(e+1)) for e in
 * [-64, 7], bin 74 finite ratios >= 2^8, bin 75 infinite or NaN (a status mismatch) */
#define VAL_HIST 76

typedef struct {
    char section[16];   /* "rank1", "loss", "optim", "model", "dense", "dg", ... */
    char quantity[40];  /* what was compared, e.g. "xi", "step_ignd" */
    char measure[16];   /* "ulp", "mixed" (MATH.md §13), "rel", "abs" */
    size_t instances;
    double max_err;     /* largest error seen, in the measure's units */
    double bound;       /* the derived bound (see the section's source) */
    int informational;  /* 1: reported, never a verdict (e.g. what the dense route loses) */
    int pass;           /* max_err <= bound (always 1 when informational) */
    char worst[512];    /* the worst instance's seed, index and inputs, %a */
    double ratio;          /* the worst instance's err / bound (-1: none yet) */
    uint64_t worst_index;  /* its index in its loop (ties of ratio go to the lower index) */
    uint64_t hist[VAL_HIST];
} val_row;

/* val_row_json: one row of a report as a JSON Lines object, the one row writer of every
 * command that prints validate rows (gnlab validate, gnlab egn --validate): section,
 * quantity, measure, instances, max_err, bound (numbers %.17g, non-finite as null),
 * verdict ("pass", "FAIL" or "info" for an informational row) and worst (the worst
 * instance's inputs).
 * No equation: report writer. */
void val_row_json(FILE *f, const val_row *r);
/* val_row_verdict: "info" (informational row), "pass" or "FAIL".
 * No equation: the report's verdict word. */
const char *val_row_verdict(const val_row *r);

/* A section appends at most cap rows (rows with no instance in its shard included, so that
 * every shard lists the same rows in the same order) to rows and returns how many it wrote. */
typedef size_t (*val_section)(val_row *rows, size_t cap, const val_opts *o);

#endif
