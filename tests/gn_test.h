/* gn_test.h: shared by the TAP test programs (cmocka with TAP output, run by prove).
 * GN_SEED overrides the default seed; GN_TEST_SCALE multiplies iteration counts. Every
 * failure message prints the seed and its inputs with %a. */
#ifndef GN_TEST_H
#define GN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

/* cmocka 1.1.5 (Debian 12) prints a skipped test as "not ok N # SKIP", which prove counts
 * as a failure (TAP wants "ok N # SKIP"). Tests here skip only when an optional client
 * (PyTorch, TensorFlow.js, ...) is absent: print the reason as a TAP comment and end the
 * test, which cmocka then reports as "ok". skip() may only be used in a test function. */
#undef skip
#define skip()                                                                                \
    do {                                                                                      \
        printf("# SKIP %s:%d: optional part not run\n", __FILE__, __LINE__);                  \
        return;                                                                               \
    } while (0)

static inline uint64_t gn_test_seed(void)
{
    const char *s = getenv("GN_SEED");
    return (s && *s) ? strtoull(s, NULL, 0) : 20261122u;
}

/* iterations: n times GN_TEST_SCALE (default 1), at least 1 */
static inline size_t gn_test_iters(size_t n)
{
    const char *s = getenv("GN_TEST_SCALE");
    double k = (s && *s) ? strtod(s, NULL) : 1.0;
    if (!(k > 0.0))
        k = 1.0;
    double v = (double)n * k;
    return v < 1.0 ? 1 : (size_t)v;
}

/* run a shell command line; its standard output (up to cap - 1 bytes, NUL-terminated) goes
 * to out when out != NULL; returns its exit status, or -1 if it did not exit normally */
static inline int gn_test_capture(const char *cmdline, char *out, size_t cap)
{
    FILE *p = popen(cmdline, "r");
    if (!p)
        fail_msg("popen failed for: %s", cmdline);
    size_t k = 0, got;
    char buf[4096];
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        if (out && k + got < cap) {
            memcpy(out + k, buf, got);
            k += got;
        }
    if (out)
        out[k] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* run the group with TAP output */
#define GN_TEST_MAIN(tests)                                                                   \
    int main(void)                                                                            \
    {                                                                                         \
        cmocka_set_message_output(CM_OUTPUT_TAP);                                             \
        return cmocka_run_group_tests(tests, NULL, NULL);                                     \
    }

#endif
