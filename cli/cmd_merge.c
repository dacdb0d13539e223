/* cmd_merge.c: `gnlab merge FILE...`, the report of a sharded campaign (issue 9). Shard
 * files (gn_io_shard.h) of `gnlab validate --shard/--ranges` or `gnlab prove --shard/--ranges`
 * are checked to belong to one campaign (same parameters, same rows, disjoint block ranges),
 * merged exactly, and printed by the same code a single run uses. A campaign whose blocks
 * are not all present is reported INCOMPLETE with the missing ranges and exit status 1. */
#include "cli.h"
#include "gn_io_merge.h"
#include "val_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: gnlab merge [--json] FILE...\n\n"
            "Merge the shard files of one campaign (gnlab validate or gnlab prove run with\n"
            "--shard K/N or --ranges LIST) into the report a single run prints. Every file\n"
            "must come from the same campaign (seed, scale or instances, precision, blocks)\n"
            "and no two may cover the same block: a mismatch is refused (exit 2). Blocks that\n"
            "no file covers are listed and the report is INCOMPLETE (exit 1); rerun them with\n"
            "--ranges LIST and merge again. No verdict is taken from a file: each row's is\n"
            "derived again from its numbers (a finite error within a finite bound), and a\n"
            "row that disagrees, a NaN, or a header missing a field is refused at FILE:LINE\n"
            "(exit 2). Every order of the files prints the same bytes.\n\n"
            "  --json   the report as JSON Lines (as the command's own --json)\n\n"
            "Exit status: 0 complete and every check passes, 1 a check fails or blocks are\n"
            "missing, 2 bad usage, a file that cannot be read, is malformed or edited, or\n"
            "files that do not belong together.\n");
}

int cli_merge_texts(FILE *out, const char *const *texts, const char *const *names, size_t n,
                    int json)
{
    return val_merge_any(out, texts, names, n, json);
}

/* the files' texts, then cli_merge_texts; 2 if one cannot be read */
static int merge_files(const char *const *files, size_t n, int json)
{
    char **texts = calloc(n + 1, sizeof *texts);
    if (!texts)
        return GN_EXIT_FAIL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char err[600];
        size_t len;
        if (gn_io_read_all(&texts[i], &len, files[i], "a shard file", GN_IO_CSV_MAXBYTES, err,
                           sizeof err) != GN_OK) {
            fprintf(stderr, "gnlab merge: %s\n", err);
            rc = GN_EXIT_USAGE;
        }
    }
    if (rc == 0)
        rc = cli_merge_texts(stdout, (const char *const *)texts, files, n, json);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return rc;
}

CLI_COMMAND(merge, "merge shard files of validate or prove into one report")
{
    int json = 0;
    size_t nf = 0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return GN_EXIT_FAIL;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
            usage(stdout);
            free(files);
            return GN_EXIT_PASS;
        } else if (!strcmp(argv[a], "--json"))
            json = 1;
        else if (argv[a][0] == '-' && argv[a][1]) {
            free(files);
            return cli_usage("merge", "unknown option '%s'", argv[a]);
        } else
            files[nf++] = argv[a];
    }
    if (nf == 0) {
        free(files);
        return cli_usage("merge", "no shard files given");
    }
    int rc = merge_files(files, nf, json);
    free(files);
    return rc;
}
