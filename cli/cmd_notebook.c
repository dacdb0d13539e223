/* cmd_notebook.c: `gnlab notebook NAME [flags]` and `gnlab notebook all`: run the worked
 * walkthroughs of notebooks/ and write their pages, data, plots and graphs (nb.h). */
#include "cli.h"
#include "nb.h"
#include "nb_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "Usage: gnlab notebook NAME|all [--out DIR] [--quick] [--seed N] [--json] "
            "[NAME's flags]\n\n"
            "Runs a worked walkthrough and writes DIR/NAME/index.html (and page.md), the data\n"
            "behind every figure, gnuplot scripts and Graphviz sources with their SVGs, and\n"
            "DIR/index.html linking every notebook. DIR defaults to build/notebooks.\n"
            "  --out DIR    output root\n"
            "  --quick      small sizes and few seeds (tests, CI)\n"
            "  --seed N     base seed (default GN_SEED or 1)\n"
            "  --json       one JSON line per notebook instead of the table\n"
            "  --quiet      no progress on the terminal\n\n"
            "notebooks and their flags:\n");
    for (const nb_notebook *n = nb_notebooks; n->name; n++) {
        const cli_nb *c = cli_nb_find(n->name);
        fprintf(f, "\n%s: %s\n%s", n->name, n->title, c ? c->flags : "");
    }
    fprintf(f, "\nA notebook that trains passes only if learning happened: per task, the best\n"
               "method ends every run with an error at most 1/%g of its start (docs/notebook.md).\n"
               "Exit status: 0 when every check on the pages passed, 1 when one failed,\n"
               "2 on bad usage, input or output (a file that cannot be written).\n",
            NB_LEARN_FACTOR);
}

static const char *verdict(int rc)
{
    return rc == GN_EXIT_PASS ? "pass" : rc == GN_EXIT_FAIL ? "FAIL" : "usage";
}

static void report(int json, const nb_ctx *ctx, const char *name, int rc, double secs)
{
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "notebook", name);
        gn_io_jl_str(&j, "status", verdict(rc));
        gn_io_jl_num(&j, "seconds", secs);
        char page[4200];
        snprintf(page, sizeof page, "%s/%s/index.html", ctx->root, name);
        gn_io_jl_str(&j, "page", page);
        gn_io_jl_end(&j);
    } else {
        printf("%-11s %-6s %8.1f  %s/%s/index.html\n", name, verdict(rc), secs, ctx->root,
               name);
    }
    fflush(stdout);
}

CLI_COMMAND(notebook, "worked walkthroughs: pages with plots and derivation graphs")
{
    nb_ctx ctx = {"build/notebooks", 0, 0, cli_seed(1)};
    int json = 0;
    const char *name = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return GN_EXIT_FAIL;
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            free(rest);
            return GN_EXIT_PASS;
        } else if (!strcmp(a, "--out")) {
            if (i + 1 >= argc || !*argv[i + 1]) {
                free(rest);
                return cli_usage("notebook", "--out needs a directory");
            }
            ctx.root = argv[++i];
        } else if (!strcmp(a, "--quick")) {
            ctx.quick = 1;
        } else if (!strcmp(a, "--quiet")) {
            ctx.quiet = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--seed")) {
            if (i + 1 >= argc || cli_u64(&ctx.seed, "notebook", "--seed", argv[i + 1]) != 0) {
                free(rest);
                return i + 1 >= argc ? cli_usage("notebook", "--seed needs a value")
                                     : GN_EXIT_USAGE;
            }
            i++;
        } else if (!name && a[0] != '-') {
            name = a;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (json)
        ctx.quiet = 1;
    if (!name) {
        free(rest);
        return cli_usage("notebook", "name a notebook or 'all' (gnlab notebook --help)");
    }
    int rc = GN_EXIT_PASS;
    if (!strcmp(name, "all")) {
        if (nrest > 0) {
            int r = cli_usage("notebook", "'all' takes only --out, --quick, --seed, --json, "
                                             "--quiet (got '%s')", rest[0]);
            free(rest);
            return r;
        }
        if (!json)
            printf("%-11s %-6s %8s  %s\n", "notebook", "status", "seconds", "page");
        double t0 = gn_io_now();
        for (const nb_notebook *n = nb_notebooks; n->name; n++) {
            char *av[2] = {(char *)n->name, NULL};
            double t = gn_io_now();
            const cli_nb *c = cli_nb_find(n->name);
            int r = c ? c->run(&ctx, 1, av) : GN_EXIT_FAIL;
            report(json, &ctx, n->name, r, gn_io_now() - t);
            if (r > rc)
                rc = r;
        }
        if (!json)
            printf("%-11s %-6s %8.1f  %s/index.html\n", "all", verdict(rc), gn_io_now() - t0, ctx.root);
    } else {
        const nb_notebook *n = nb_find(name);
        const cli_nb *c = n ? cli_nb_find(n->name) : NULL;
        if (!c) {
            int r = cli_usage("notebook", "no notebook named '%s' (gnlab notebook --help)",
                                 name);
            free(rest);
            return r;
        }
        char **av = calloc((size_t)nrest + 2, sizeof *av);
        if (!av) {
            free(rest);
            return GN_EXIT_FAIL;
        }
        av[0] = (char *)n->name;
        for (int i = 0; i < nrest; i++)
            av[i + 1] = rest[i];
        double t = gn_io_now();
        rc = c->run(&ctx, nrest + 1, av);
        free(av);
        if (rc == GN_EXIT_USAGE) {
            free(rest);
            return rc;
        }
        if (!json)
            printf("%-11s %-6s %8s  %s\n", "notebook", "status", "seconds", "page");
        report(json, &ctx, n->name, rc, gn_io_now() - t);
    }
    free(rest);
    if (nb_write_index(ctx.root) != 0) {
        fprintf(stderr, "gnlab notebook: cannot write the index in %s (give --out a writable "
                        "directory)\n", ctx.root);
        return GN_EXIT_USAGE;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gnlab notebook: cannot write the report to standard output\n");
        return GN_EXIT_USAGE;
    }
    return rc;
}
