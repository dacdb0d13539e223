/* cli.c: shared command-line helpers (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gnlab %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'gnlab %s --help')\n", cmd);
    return GN_EXIT_USAGE;
}

int cli_double(double *out, const char *cmd, const char *opt, const char *s, double lo,
                  double hi)
{
    char *end;
    if (!s || !*s) {
        cli_usage(cmd, "%s needs a number", opt);
        return -1;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (*end || end == s) {
        cli_usage(cmd, "%s: '%s' is not a number", opt, s);
        return -1;
    }
    /* ERANGE with |v| <= 1 is underflow: a finite value, judged by the range check below */
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) {
        cli_usage(cmd, "%s: '%s' is not a finite double", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        cli_usage(cmd, "%s: %s is outside [%.17g, %.17g]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_size(size_t *out, const char *cmd, const char *opt, const char *s, size_t lo,
                size_t hi)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+') {
        cli_usage(cmd, "%s needs a non-negative whole number", opt);
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE) {
        cli_usage(cmd, "%s: '%s' is not a whole number", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        cli_usage(cmd, "%s: %s is outside [%zu, %zu]", opt, s, lo, hi);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_u64(uint64_t *out, const char *cmd, const char *opt, const char *s)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+') {
        cli_usage(cmd, "%s needs a non-negative whole number", opt);
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || errno == ERANGE) {
        cli_usage(cmd, "%s: '%s' is not a 64-bit whole number", opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_sizes(size_t *out, size_t cap, const char *cmd, const char *opt, const char *s)
{
    size_t k = 0;
    const char *p = s;
    if (!s || !*s)
        return cli_usage(cmd, "%s needs a comma-separated list", opt), -1;
    while (*p) {
        char buf[32];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof buf || k == cap) {
            cli_usage(cmd, "%s: bad list '%s'", opt, s);
            return -1;
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        if (cli_size(&out[k], cmd, opt, buf, 1, (size_t)1 << 40) < 0)
            return -1;
        k++;
        p += len;
        if (*p == ',')
            p++;
    }
    return (int)k;
}

/* an environment setting that is present but malformed is a usage error: the run it would
 * have configured is not made with a silently different value */
static void env_refuse(const char *name, const char *val, const char *why)
{
    fprintf(stderr, "gnlab: %s='%s' %s (unset it or fix it)\n", name, val, why);
    exit(GN_EXIT_USAGE);
}

uint64_t cli_seed(uint64_t def)
{
    const char *s = getenv("GN_SEED");
    if (!s || !*s)
        return def;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || *s == '-' || errno == ERANGE)
        env_refuse("GN_SEED", s, "is not a 64-bit whole number");
    return (uint64_t)v;
}

double cli_scale(void)
{
    const char *s = getenv("GN_SCALE");
    if (!s || !*s)
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= 1e-3 && v <= 1e4))
        env_refuse("GN_SCALE", s, "is not a number in [0.001, 10000] (the range of --scale)");
    return v;
}

/* the terminal progress bar: "\r<what> i/n" on stderr when it is a terminal and
 * GN_NO_PROGRESS is unset; installed into the library by cli_progress_install */
static void terminal_bar(void *ctx, const char *what, size_t i, size_t n)
{
    (void)ctx;
    if (what) {
        fprintf(stderr, "\r%s %zu/%zu", what, i, n);
        fflush(stderr);
    } else {
        fprintf(stderr, "\r\033[K");
    }
}

void cli_progress_install(void)
{
    if (isatty(2) && !getenv("GN_NO_PROGRESS"))
        gn_io_progress_set(terminal_bar, NULL);
}
