/* cmd_validate.c: `gnlab validate`, the cross-validation campaign of the double core against
 * the MPFR reference (issue 2). Sections live in val_*.c; each row is one quantity with its
 * instances, its largest error, its derived bound (derivations beside the code) and a verdict.
 * --inject NAME swaps known-wrong variants (mutants.c) into the core's place: the campaign
 * must then fail. */
#include "cli.h"
#include "val_common.h"
#include "val_dg.h"
#include "gn_io_shard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    val_section run;
} sections[] = {
    {"rank1", val_rank1}, /* rows in sections rank1, optim and ref */
    {"edge", val_edge},   {"loss", val_loss},
    {"model", val_model}, {"dense", val_dense},
    {"dg", val_dg}, /* MATH.md §9, val_dg.c */
};

/* is name one of the DG section's mutants (val_dg.h)? */
static int is_dg_mutant(const char *name)
{
    for (int i = 0; name && val_dg_mutants[i]; i++)
        if (!strcmp(name, val_dg_mutants[i]))
            return 1;
    return 0;
}
#define NSECTIONS (sizeof sections / sizeof sections[0])

/* what each push-through variant of val_dg.c's mutant_dir solves instead of
 * (lambda I + Q K / b) z = r (MATH.md §9) */
static const char *dg_mutant_describe(const char *name)
{
    if (!strcmp(name, "dg_qside"))
        return "Q applied on the wrong side: (lambda I + K Q / b) z = r";
    if (!strcmp(name, "dg_nob"))
        return "the 1/b factor dropped: (lambda I + Q K) z = r";
    if (!strcmp(name, "dg_lamq"))
        return "lambda scaled by Q: (lambda diag(Q) + Q K / b) z = r";
    return "mini-batch push-through solve variant (val_dg.h)";
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: gnlab validate [--seed N] [--scale X] [--quick] [--prec BITS]\n"
            "                      [--inject NAME] [--only SECTION] [--json] [--help]\n"
            "                      [--shard K/N | --ranges A-B,...] [--blocks U] [--out FILE]\n\n"
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
    for (int i = 0; val_mutant_names[i]; i++)
        fprintf(f, "                   %-15s %s\n", val_mutant_names[i],
                val_mutant_describe(val_mutant_names[i]));
    for (int i = 0; val_dg_mutants[i]; i++)
        fprintf(f, "                   %-15s %s\n", val_dg_mutants[i],
                dg_mutant_describe(val_dg_mutants[i]));
    fprintf(f, "  --only SECTION one of rank1 (also optim, ref rows), edge, loss, model, dense,\n"
               "                 dg\n"
               "  --json         JSON Lines: one object per row, then a summary object\n"
               "  --shard K/N    run part K of N (0-based) of every quantity's instances and\n"
               "                 write a shard file (JSON Lines, exact) for `gnlab merge`\n"
               "  --ranges LIST  run these blocks only (e.g. 0-15,40), as --shard does; used\n"
               "                 to rerun the ranges a merge lists as missing\n"
               "  --blocks U     blocks of the index range (default 64; instance i of N lies in\n"
               "                 block floor(i U / N))\n"
               "  --out FILE     write the shard file to FILE instead of standard output\n\n"
               "Exit status: 0 every row passes, 1 some row fails, 2 bad usage or output.\n");
}

/* the shard file of a --shard/--ranges run to out (NULL: stdout). Exit status: 1 when a row
 * of this part fails (a failure of the campaign; passing parts only pass together, through
 * `gnlab merge`), 2 when it cannot be written */
static int write_shard(const char *out, const val_row *rows, size_t nrows, const val_opts *o,
                       const char *only)
{
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "gnlab validate: cannot write %s\n", out);
        return GN_EXIT_USAGE;
    }
    val_shard_write(f, rows, nrows, o, only);
    if (gn_io_close_checked(f, "validate", out) != 0)
        return GN_EXIT_USAGE;
    size_t failed = 0;
    for (size_t i = 0; i < nrows; i++)
        failed += rows[i].instances > 0 && !rows[i].pass && !rows[i].informational;
    return failed ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* every section (or only the one named), at most cap rows; a mutant goes only to the
 * section that owns it, the others run the core */
static size_t run_sections(val_row *rows, size_t cap, const val_opts *o, const char *only)
{
    size_t nrows = 0;
    for (size_t k = 0; k < NSECTIONS; k++) {
        if (only && strcmp(only, sections[k].name))
            continue;
        val_opts so = *o;
        int dgsec = sections[k].run == val_dg;
        if (o->inject && dgsec != is_dg_mutant(o->inject))
            so.inject = NULL;
        nrows += sections[k].run(rows + nrows, cap - nrows, &so);
    }
    return nrows;
}

CLI_COMMAND(validate, "cross-validate the double core against MPFR on random and edge instances")
{
    val_opts o = {cli_seed(20261122u), cli_scale(), GN_MP_PREC_DEFAULT, NULL, 0, NULL, 0};
    int json = 0;
    const char *only = NULL, *shard_kn = NULL, *ranges = NULL, *out = NULL;
    size_t nblocks = GN_IO_SHARD_BLOCKS;
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
                return cli_usage("validate", "--seed needs a value");
            if (cli_u64(&o.seed, "validate", "--seed", v) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else if (!strcmp(s, "--scale")) {
            if (!v)
                return cli_usage("validate", "--scale needs a value");
            if (cli_double(&o.scale, "validate", "--scale", v, 1e-3, 1e4) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else if (!strcmp(s, "--prec")) {
            size_t p;
            if (!v)
                return cli_usage("validate", "--prec needs a value");
            if (cli_size(&p, "validate", "--prec", v, 64, 4096) < 0)
                return GN_EXIT_USAGE;
            o.prec = (unsigned)p;
            a++;
        } else if (!strcmp(s, "--inject")) {
            if (!v)
                return cli_usage("validate", "--inject needs a name");
            if ((!val_impl_get(v) && !is_dg_mutant(v)) || !*v)
                return cli_usage("validate", "--inject: unknown variant '%s' (see --help)", v);
            o.inject = v;
            a++;
        } else if (!strcmp(s, "--only")) {
            if (!v)
                return cli_usage("validate", "--only needs a section");
            size_t k = 0;
            while (k < NSECTIONS && strcmp(v, sections[k].name))
                k++;
            if (k == NSECTIONS)
                return cli_usage("validate", "--only: unknown section '%s'", v);
            only = v;
            a++;
        } else if (!strcmp(s, "--shard") || !strcmp(s, "--ranges") || !strcmp(s, "--out")) {
            if (!v)
                return cli_usage("validate", "%s needs a value", s);
            *(s[2] == 's' ? &shard_kn : s[2] == 'r' ? &ranges : &out) = v;
            a++;
        } else if (!strcmp(s, "--blocks")) {
            if (!v)
                return cli_usage("validate", "--blocks needs a value");
            if (cli_size(&nblocks, "validate", "--blocks", v, 1, GN_IO_SHARD_MAXBLOCKS) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else {
            return cli_usage("validate", "unknown option '%s'", s);
        }
    }
    gn_io_shard sh;
    if (shard_kn && ranges)
        return cli_usage("validate", "--shard and --ranges exclude each other");
    if (shard_kn && gn_io_shard_parse_kn(&sh, shard_kn, nblocks) < 0)
        return cli_usage("validate", "--shard: want K/N with 0 <= K < N <= %zu blocks, got '%s'",
                            nblocks, shard_kn);
    if (ranges && gn_io_shard_parse_ranges(&sh, ranges, nblocks) < 0)
        return cli_usage("validate",
                            "--ranges: want disjoint block ranges A-B,C below %zu, got '%s'",
                            nblocks, ranges);
    if ((shard_kn || ranges) && json)
        return cli_usage("validate", "a shard writes its own JSON Lines file; drop --json");
    if (out && !shard_kn && !ranges)
        return cli_usage("validate", "--out writes a shard file: give --shard or --ranges");
    if (shard_kn || ranges) {
        o.shard = &sh;
        json = 1; /* no progress output */
    }
    o.quiet = json;
    enum { CAP = 128 };
    val_row rows[CAP];
    size_t nrows = run_sections(rows, CAP, &o, only);
    if (o.shard)
        return write_shard(out, rows, nrows, &o, only);
    return val_report(stdout, rows, nrows, &o, json) ? GN_EXIT_FAIL : GN_EXIT_PASS;
}
