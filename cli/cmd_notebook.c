/* cmd_notebook.c: `gnlab notebook NAME [flags]` and `gnlab notebook all`: run the worked
 * walkthroughs of notebooks/ and write their pages, data, plots and graphs (nb.h). */
#include "cli.h"
#include "nb.h"
#include "nb_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help_common(FILE *f)
{
    fprintf(f,
            "  --out DIR    output root\n"
            "  --quick      small sizes and few seeds (tests, CI)\n"
            "  --seed N     base seed (default GN_SEED or 1)\n"
            "  --json       one JSON line per notebook instead of the table\n"
            "  --quiet      no progress on the terminal\n");
}

static void help_status(FILE *f)
{
    fprintf(f, "\nA notebook that trains passes only if learning happened: per task, the best\n"
               "method ends every run with an error at most 1/%g of its start (docs/notebook.md).\n"
               "A notebook that mirrors a paper's claim prints its verdict (reproduced, not\n"
               "reproduced at this size, mixed, undetermined) with a 95%% paired interval; a\n"
               "verdict is a finding and does not change the exit status.\n"
               "Exit status: 0 when every check on the pages passed, 1 when one failed,\n"
               "2 on bad usage, input or output (a file that cannot be written).\n",
            NB_LEARN_FACTOR);
}

/* `gnlab notebook NAME --help`: that notebook's flags only */
static void help_one(FILE *f, const nb_notebook *n, const cli_nb *c)
{
    fprintf(f, "Usage: gnlab notebook %s [--out DIR] [--quick] [--seed N] [--json] [flags]\n\n"
               "%s\n%s\n\nflags of every notebook:\n",
            n->name, n->title, n->summary);
    help_common(f);
    fprintf(f, "\nflags of %s:\n%s", n->name, c->flags);
    help_status(f);
}

static void help(FILE *f)
{
    fprintf(f,
            "Usage: gnlab notebook NAME|all [--out DIR] [--quick] [--seed N] [--json] "
            "[NAME's flags]\n\n"
            "Runs a worked walkthrough and writes DIR/NAME/index.html (and page.md), the data\n"
            "behind every figure, gnuplot scripts and Graphviz sources with their SVGs, and\n"
            "DIR/index.html linking every notebook. DIR defaults to build/notebooks.\n");
    help_common(f);
    fprintf(f, "\nnotebooks (`gnlab notebook NAME --help` lists NAME's flags):\n");
    for (const nb_notebook *n = nb_notebooks; n->name; n++)
        fprintf(f, "  %-10s %s\n", n->name, n->title);
    help_status(f);
}

/* the command line that rewrites a page, for the page to show: "gnlab notebook" and the
 * words given, each single-quoted when it holds anything but [A-Za-z0-9._,/=:+-] (a quote
 * inside as '\''); left out are the flags that change where or how a page is made but not
 * what it says: --json, --quiet, --out DIR and the --sweep-* flags with their values (a
 * merged sweep's page is the one-process page, byte for byte) */
static void command_line(char *out, size_t cap, const char *name, char **words, int nw)
{
    size_t k = (size_t)snprintf(out, cap, "gnlab notebook %s", name);
    for (int i = 0; i < nw && k < cap; i++) {
        const char *w = words[i];
        if (!strcmp(w, "--json") || !strcmp(w, "--quiet"))
            continue;
        if (!strcmp(w, "--out") || !strncmp(w, "--sweep-", 8)) {
            i++; /* and its value */
            continue;
        }
        int plain = *w != '\0';
        for (const char *c = w; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._,/=:+-",
                        *c))
                plain = 0;
        k += (size_t)snprintf(out + k, cap - k, plain ? " %s" : " '", w);
        for (const char *c = w; !plain && *c && k < cap; c++)
            k += (size_t)snprintf(out + k, cap - k, *c == '\'' ? "'\\''" : "%c", *c);
        if (!plain && k < cap)
            k += (size_t)snprintf(out + k, cap - k, "'");
    }
}

/* the verdicts and data a page's summary lists (nb_summary_read), after its report line */
static void report_verdicts(const nb_ctx *ctx, const char *name)
{
    char data[512];
    nb_claim_summary c[4];
    int n = nb_summary_read(data, sizeof data, c, 4, ctx->root, name);
    if (n < 0)
        return;
    if (*data)
        printf("  data: %s\n", data);
    for (int i = 0; i < n; i++)
        printf("  verdict: %s: %s\n    evidence (mean d [95%% interval]): %s\n", c[i].verdict,
               c[i].claim, c[i].evidence);
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
        char data[512], all[2048] = "";
        nb_claim_summary c[4];
        int n = rc == GN_EXIT_USAGE ? -1 : nb_summary_read(data, sizeof data, c, 4, ctx->root, name);
        if (n >= 0) {
            gn_io_jl_str(&j, "data", data);
            size_t k = 0;
            for (int i = 0; i < n && k < sizeof all; i++)
                k += (size_t)snprintf(all + k, sizeof all - k, "%s%s: %s (%s)", i ? " | " : "",
                                      c[i].verdict, c[i].claim, c[i].evidence);
            gn_io_jl_str(&j, "verdicts", all);
        }
        gn_io_jl_end(&j);
    } else {
        printf("%-11s %-6s %8.1f  %s/%s/index.html\n", name, verdict(rc), secs, ctx->root,
               name);
        if (rc != GN_EXIT_USAGE)
            report_verdicts(ctx, name);
    }
    fflush(stdout);
}

/* `gnlab notebook all`: every notebook with the common flags; the worst status */
static int run_all(nb_ctx *ctx, int json, char **words, int nw)
{
    int rc = GN_EXIT_PASS;
    char cmd[2048];
    if (!json)
        printf("%-11s %-6s %8s  %s\n", "notebook", "status", "seconds", "page");
    double t0 = gn_io_now();
    for (const nb_notebook *n = nb_notebooks; n->name; n++) {
        char *av[2] = {(char *)n->name, NULL};
        command_line(cmd, sizeof cmd, n->name, words, nw);
        ctx->cmd = cmd;
        double t = gn_io_now();
        const cli_nb *c = cli_nb_find(n->name);
        int r = c ? c->run(ctx, 1, av) : GN_EXIT_FAIL;
        report(json, ctx, n->name, r, gn_io_now() - t);
        if (r > rc)
            rc = r;
    }
    ctx->cmd = NULL;
    if (!json)
        printf("%-11s %-6s %8.1f  %s/index.html\n", "all", verdict(rc), gn_io_now() - t0,
               ctx->root);
    return rc;
}

/* `gnlab notebook NAME [flags]`: its status; *done = 1 when there is no page to index (a
 * usage error, or no memory) */
static int run_one(nb_ctx *ctx, int json, const char *name, char **rest, int nrest,
                   char **words, int nw, int *done)
{
    const nb_notebook *n = nb_find(name);
    const cli_nb *c = n ? cli_nb_find(n->name) : NULL;
    *done = 1;
    if (!c)
        return cli_usage("notebook", "no notebook named '%s' (gnlab notebook --help)", name);
    char **av = calloc((size_t)nrest + 2, sizeof *av);
    if (!av)
        return GN_EXIT_FAIL;
    av[0] = (char *)n->name;
    for (int i = 0; i < nrest; i++)
        av[i + 1] = rest[i];
    char cmd[2048];
    command_line(cmd, sizeof cmd, n->name, words, nw);
    ctx->cmd = cmd;
    double t = gn_io_now();
    int rc = c->run(ctx, nrest + 1, av);
    free(av);
    ctx->cmd = NULL;
    if (rc == GN_EXIT_USAGE)
        return rc;
    *done = 0;
    if (!json)
        printf("%-11s %-6s %8s  %s\n", "notebook", "status", "seconds", "page");
    report(json, ctx, n->name, rc, gn_io_now() - t);
    return rc;
}

CLI_COMMAND(notebook, "worked walkthroughs: pages with plots and derivation graphs")
{
    nb_ctx ctx = {"build/notebooks", 0, 0, cli_seed(1), NULL};
    int json = 0, want_help = 0, name_at = 0;
    const char *name = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return GN_EXIT_FAIL;
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            want_help = 1;
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
            name_at = i;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (want_help) {
        const nb_notebook *n = name ? nb_find(name) : NULL;
        const cli_nb *c = n ? cli_nb_find(n->name) : NULL;
        if (c)
            help_one(stdout, n, c);
        else
            help(stdout);
        free(rest);
        return GN_EXIT_PASS;
    }
    if (json)
        ctx.quiet = 1;
    if (!name) {
        free(rest);
        return cli_usage("notebook", "name a notebook or 'all' (gnlab notebook --help)");
    }
    /* the words given besides the name, in their order, for the pages' command lines */
    char **words = calloc((size_t)argc + 1, sizeof *words);
    int nw = 0;
    for (int i = 1; words && i < argc; i++)
        if (i != name_at)
            words[nw++] = argv[i];
    int done = 0; /* a usage error or no memory: no index, the status as is */
    int rc = !strcmp(name, "all")
                 ? (nrest > 0 ? (done = 1, cli_usage("notebook", "'all' takes only --out, "
                                                     "--quick, --seed, --json, --quiet (got "
                                                     "'%s')", rest[0]))
                              : run_all(&ctx, json, words, nw))
                 : run_one(&ctx, json, name, rest, nrest, words, nw, &done);
    if (done) {
        free(rest);
        free(words);
        return rc;
    }
    free(rest);
    free(words);
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
