/* cmd_validate.c: `gnlab validate`, the cross-validation campaign of the double core against
 * the MPFR reference (issue 2). Sections live in val_*.c; each row is one quantity with its
 * instances, its largest error, its derived bound (derivations beside the code) and a verdict.
 * --inject NAME swaps known-wrong variants (mutants.c) into the core's place: the campaign
 * must then fail. */
#include "cli.h"
#include "val_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    gn_vsection run;
} sections[] = {
    {"rank1", gn_val_rank1}, /* rows in sections rank1, optim and ref */
    {"edge", gn_val_edge},   {"loss", gn_val_loss},
    {"model", gn_val_model}, {"dense", gn_val_dense},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gnlab validate [--seed N] [--scale X] [--quick] [--prec BITS]\n"
            "                      [--inject NAME] [--only SECTION] [--json] [--help]\n\n"
            "Checks every quantity of the double core against an MPFR reference computed from\n"
            "its defining system (elimination on (3.11), the minimum-norm solution of (3.8),\n"
            "the losses' definitions, an MPFR back-propagation), on random instances (d from 1\n"
            "to 10^4, entry scales 1e-150 .. 1e150, every loss, update rule and MLP activation)\n"
            "and on a fixed edge set (j = 0, l' = 0, l'' = 0, subnormal and near-overflow j,\n"
            "lambda = 1e-300 and 1e300, the xi trap j = 1e200 (1,1,1), bad inputs).\n\n"
            "Columns: section, quantity, measure (ulp; mixed = |err| / (u (|w|+|step|)), MATH.md\n"
            "13; cond = |err| / (u sum|terms|); frac = error / its per-instance derived bound),\n"
            "instances, largest error, bound (the largest per-instance bound; each instance\n"
            "is held to its own), verdict. Failing rows print their worst instance (seed, index,\n"
            "inputs in %%a).\n\n"
            "  --seed N       base seed (default 20261122, or GN_SEED)\n"
            "  --scale X      multiply instance counts (default 1, or GN_SCALE)\n"
            "  --quick        --scale 0.1\n"
            "  --prec BITS    MPFR precision, 64 .. 4096 (default 256)\n"
            "  --inject NAME  swap in a known-wrong variant; the campaign must fail:\n");
    for (int i = 0; gn_vmutant_names[i]; i++)
        fprintf(f, "                   %-15s %s\n", gn_vmutant_names[i],
                gn_vmutant_describe(gn_vmutant_names[i]));
    fprintf(f, "  --only SECTION one of rank1 (also optim, ref rows), edge, loss, model, dense\n"
               "  --json         JSON Lines: one object per row, then a summary object\n\n"
               "Exit status: 0 every row passes, 1 some row fails, 2 bad usage.\n");
}

GN_COMMAND(validate, "cross-validate the double core against MPFR (issue 2 campaign)")
{
    gn_vopts o = {gn_cli_seed(20261122u), gn_cli_scale(), GN_MP_PREC_DEFAULT, NULL, 0};
    int json = 0;
    const char *only = NULL;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            usage(stdout);
            return GN_EXIT_PASS;
        } else if (!strcmp(s, "--json")) {
            json = 1;
        } else if (!strcmp(s, "--quick")) {
            o.scale *= 0.1;
        } else if (!strcmp(s, "--seed")) {
            if (!v)
                return gn_cli_usage("validate", "--seed needs a value");
            if (gn_cli_u64(&o.seed, "validate", "--seed", v) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else if (!strcmp(s, "--scale")) {
            if (!v)
                return gn_cli_usage("validate", "--scale needs a value");
            if (gn_cli_double(&o.scale, "validate", "--scale", v, 1e-3, 1e4) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else if (!strcmp(s, "--prec")) {
            size_t p;
            if (!v)
                return gn_cli_usage("validate", "--prec needs a value");
            if (gn_cli_size(&p, "validate", "--prec", v, 64, 4096) < 0)
                return GN_EXIT_USAGE;
            o.prec = (unsigned)p;
            a++;
        } else if (!strcmp(s, "--inject")) {
            if (!v)
                return gn_cli_usage("validate", "--inject needs a name");
            if (!gn_vimpl_get(v) || !*v)
                return gn_cli_usage("validate", "--inject: unknown variant '%s' (see --help)", v);
            o.inject = v;
            a++;
        } else if (!strcmp(s, "--only")) {
            if (!v)
                return gn_cli_usage("validate", "--only needs a section");
            size_t k = 0;
            while (k < NSECTIONS && strcmp(v, sections[k].name))
                k++;
            if (k == NSECTIONS)
                return gn_cli_usage("validate", "--only: unknown section '%s'", v);
            only = v;
            a++;
        } else {
            return gn_cli_usage("validate", "unknown option '%s'", s);
        }
    }
    o.quiet = json;
    enum { CAP = 128 };
    gn_vrow rows[CAP];
    size_t nrows = 0;
    for (size_t k = 0; k < NSECTIONS; k++) {
        if (only && strcmp(only, sections[k].name))
            continue;
        nrows += sections[k].run(rows + nrows, CAP - nrows, &o);
    }
    size_t failed = 0;
    for (size_t i = 0; i < nrows; i++)
        failed += !rows[i].pass && !rows[i].informational;
    int ok = failed == 0 && nrows > 0;
    if (json) {
        for (size_t i = 0; i < nrows; i++) {
            const gn_vrow *r = &rows[i];
            gn_jl j;
            gn_jl_begin(&j, stdout);
            gn_jl_str(&j, "section", r->section);
            gn_jl_str(&j, "quantity", r->quantity);
            gn_jl_str(&j, "measure", r->measure);
            gn_jl_int(&j, "instances", (long long)r->instances);
            gn_jl_num(&j, "max_err", r->max_err);
            gn_jl_num(&j, "bound", r->bound);
            gn_jl_str(&j, "verdict", r->informational ? "info" : r->pass ? "pass" : "FAIL");
            gn_jl_str(&j, "worst", r->worst);
            gn_jl_end(&j);
        }
        gn_jl j;
        gn_jl_begin(&j, stdout);
        gn_jl_str(&j, "summary", "validate");
        gn_jl_int(&j, "seed", (long long)o.seed);
        gn_jl_num(&j, "scale", o.scale);
        gn_jl_int(&j, "prec", (long long)o.prec);
        gn_jl_str(&j, "inject", o.inject);
        gn_jl_int(&j, "rows", (long long)nrows);
        gn_jl_int(&j, "failed", (long long)failed);
        gn_jl_bool(&j, "pass", ok);
        gn_jl_end(&j);
    } else {
        printf("gnlab validate: seed %llu, scale %g, MPFR %u bits%s%s\n\n",
               (unsigned long long)o.seed, o.scale, o.prec, o.inject ? ", INJECTED " : "",
               o.inject ? o.inject : "");
        printf("%-7s %-26s %-10s %9s %12s %10s  %s\n", "section", "quantity", "measure",
               "instances", "max_err", "bound", "verdict");
        for (size_t i = 0; i < nrows; i++) {
            const gn_vrow *r = &rows[i];
            const char *verdict = r->informational ? "info" : r->pass ? "pass" : "FAIL";
            if (r->informational)
                printf("%-7s %-26s %-10s %9zu %12.4g %10s  %s\n", r->section, r->quantity,
                       r->measure, r->instances, r->max_err, "-", verdict);
            else
                printf("%-7s %-26s %-10s %9zu %12.4g %10.4g  %s\n", r->section, r->quantity,
                       r->measure, r->instances, r->max_err, r->bound, verdict);
            if (!r->pass && !r->informational)
                printf("        worst: %s\n", r->worst);
        }
        printf("\n%zu rows, %zu failed: %s\n", nrows, failed, ok ? "PASS" : "FAIL");
    }
    return ok ? GN_EXIT_PASS : GN_EXIT_FAIL;
}
