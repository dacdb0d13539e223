/* main.c: the gnlab program. Dispatches to the subcommands collected from every
 * CLI_COMMAND(name, "summary") line of the cmd_*.c files (see cli.h and the Makefile). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* the version `gnlab --version` prints: build with -DGN_VERSION=1.2 (unquoted, as the
 * Makefile's GN_VERSION) to override the default */
#define GN_STR_(x) #x
#define GN_STR(x) GN_STR_(x)
#ifdef GN_VERSION
#define GN_VERSION_STR GN_STR(GN_VERSION)
#else
#define GN_VERSION_STR "0.1"
#endif

#define X(name, summary) int cli_cmd_##name(int argc, char **argv);
#include "commands.inc"
#undef X

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int, char **);
} command;

static const command commands[] = {
#define X(name, summary) {#name, summary, cli_cmd_##name},
#include "commands.inc"
#undef X
    {NULL, NULL, NULL}};

static void help(FILE *f)
{
    fprintf(f, "Usage: gnlab COMMAND [OPTIONS]\n"
               "  or:  gnlab --help | --version\n\n"
               "Gauss-Newton methods for machine learning, made checkable.\n"
               "gnlab COMMAND --help lists the options of a command.\n\ncommands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nEvery command prints a table, or JSON Lines with --json; exit status 0 when\n"
               "every check holds, 1 when one fails, 2 on bad usage, input or output (a file\n"
               "that cannot be read or written), 3 when no check fails but one cannot be\n"
               "decided (undetermined: assume, audit). docs/exit-status.md has the details.\n");
}

int main(int argc, char **argv)
{
    cli_progress_install();
    if (argc < 2) {
        help(stderr);
        return GN_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(stdout);
        return GN_EXIT_PASS;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("gnlab %s\n", GN_VERSION_STR);
        return GN_EXIT_PASS;
    }
    for (const command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) {
            int rc = c->run(argc - 1, argv + 1);
            /* the report on standard output is an output like any other: a full disk or a
             * closed pipe is status 2, whatever the checks said */
            if (gn_io_close_checked(stdout, c->name, NULL) != 0)
                rc = GN_EXIT_USAGE;
            return rc;
        }
    fprintf(stderr, "gnlab: unknown command '%s'\n\n", argv[1]);
    help(stderr);
    return GN_EXIT_USAGE;
}
