/* cli.h: what every gnlab subcommand shares: registration, strict option parsing, and
 * output as a readable table or as JSON Lines (--json).
 *
 * A subcommand lives in a file named cmd_<name>.c under core/, proofs/, validate/ or
 * notebooks/ and is defined as
 *     GN_COMMAND(name, "one-line summary")
 *     { ... return GN_EXIT_PASS / GN_EXIT_FAIL / GN_EXIT_USAGE; }
 * with GN_COMMAND at the start of its line: the Makefile collects those lines into the
 * table `gnlab help` prints. argv[0] is the subcommand's name. */
#ifndef GN_CLI_H
#define GN_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#define GN_COMMAND(name, summary) int gn_cmd_##name(int argc, char **argv)

enum { GN_EXIT_PASS = 0, GN_EXIT_FAIL = 1, GN_EXIT_USAGE = 2 };

/* Strict number parsing for options: the whole string must be a number, finite, and in
 * [lo, hi]. On failure they print "gnlab CMD: --OPT: why" to stderr and return -1. */
int gn_cli_double(double *out, const char *cmd, const char *opt, const char *s, double lo,
                  double hi);
int gn_cli_size(size_t *out, const char *cmd, const char *opt, const char *s, size_t lo,
                size_t hi);
int gn_cli_u64(uint64_t *out, const char *cmd, const char *opt, const char *s);
/* a comma-separated list of sizes, at most cap entries; returns the count or -1 */
int gn_cli_sizes(size_t *out, size_t cap, const char *cmd, const char *opt, const char *s);

/* usage error: prints "gnlab CMD: message" and a hint, returns GN_EXIT_USAGE */
int gn_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* the seed: GN_SEED from the environment when set, otherwise def */
uint64_t gn_cli_seed(uint64_t def);
/* a multiplier from GN_SCALE (default 1, clamped to [0.001, 1e6]) for iteration counts */
double gn_cli_scale(void);

/* ----------------------------------------------------------- JSON Lines */
/* One object per line: gn_jl_begin, then fields, then gn_jl_end. Numbers print with
 * %.17g; NaN and infinities print as null (JSON has no such numbers). */
typedef struct {
    FILE *f;
    int nfields;
} gn_jl;

void gn_jl_begin(gn_jl *j, FILE *f);
void gn_jl_str(gn_jl *j, const char *key, const char *val);
void gn_jl_num(gn_jl *j, const char *key, double val);
void gn_jl_int(gn_jl *j, const char *key, long long val);
void gn_jl_bool(gn_jl *j, const char *key, int val);
void gn_jl_end(gn_jl *j);
/* a JSON string literal with escapes */
void gn_json_string(FILE *f, const char *s);

/* progress on a terminal only (stderr is a tty and not --json): "\r<what> i/n" */
void gn_progress(const char *what, size_t i, size_t n);
void gn_progress_done(void);

#endif
