/* cli.h: what every gnlab subcommand shares: registration, strict option parsing, and
 * output as a readable table or as JSON Lines (--json).
 *
 * A subcommand lives in a file named cli/cmd_<name>.c and is defined as
 *     CLI_COMMAND(name, "one-line summary")
 *     { ... return GN_EXIT_PASS / GN_EXIT_FAIL / GN_EXIT_USAGE; }
 * with CLI_COMMAND at the start of its line: the Makefile collects those lines into the
 * table `gnlab help` prints. argv[0] is the subcommand's name. */
#ifndef GN_CLI_H
#define GN_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "gn_io.h"
#include "gn_jsonl.h"

#define CLI_COMMAND(name, summary) int cli_cmd_##name(int argc, char **argv)


/* Strict number parsing for options: the whole string must be a number, finite, and in
 * [lo, hi]. On failure they print "gnlab CMD: --OPT: why" to stderr and return -1. */
int cli_double(double *out, const char *cmd, const char *opt, const char *s, double lo,
                  double hi);
int cli_size(size_t *out, const char *cmd, const char *opt, const char *s, size_t lo,
                size_t hi);
int cli_u64(uint64_t *out, const char *cmd, const char *opt, const char *s);
/* a comma-separated list of sizes, at most cap entries; returns the count or -1 */
int cli_sizes(size_t *out, size_t cap, const char *cmd, const char *opt, const char *s);

/* usage error: prints "gnlab CMD: message" and a hint, returns GN_EXIT_USAGE */
int cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* the seed: GN_SEED from the environment when set (decimal or 0x hex), otherwise def; a
 * malformed GN_SEED is a usage error (message, exit 2), never silently def */
uint64_t cli_seed(uint64_t def);
/* a multiplier from GN_SCALE (default 1) for iteration counts, in [0.001, 1e4] like --scale;
 * a value outside it or not a number is a usage error (message, exit 2), never clamped */
double cli_scale(void);

/* cli_progress_install: show the library's progress reports (gn_io_progress) as a bar
 * on stderr when it is a terminal and GN_NO_PROGRESS is unset; main() calls it, and
 * --json commands call gn_io_progress_set(NULL, NULL) to stay quiet. */
void cli_progress_install(void);

/* cli_merge_texts: the report of the shard groups in texts (cli/cmd_merge.c), merged by the
 * layer that owns their kind, chosen by the first header's "shard" value: validate's
 * val_merge_text or proofs' pf_prove_merge_text. Exit status as theirs; 2 when the first
 * group is not a shard header or of an unknown kind. */
int cli_merge_texts(FILE *out, const char *const *texts, const char *const *names, size_t n,
                    int json);

#endif
