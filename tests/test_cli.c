/* test_cli.c: the gnlab program's dispatch: help, unknown commands, exit statuses. */
#include "gn_test.h"

#include <string.h>
#include <sys/wait.h>

/* run "$GN_BIN args" with output discarded; returns the exit status or -1 */
static int run(const char *args)
{
    const char *bin = getenv("GN_BIN");
    if (!bin)
        bin = "build/gnlab";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", bin, args);
    int s = system(cmd);
    return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
}

static void test_dispatch(void **state)
{
    (void)state;
    assert_int_equal(run("help"), 0);
    assert_int_equal(run("--help"), 0);
    assert_int_equal(run(""), 2);
    assert_int_equal(run("no-such-command"), 2);
}

/* "$GN_BIN args" with stdout and stderr captured into out; the exit status */
static int capture(const char *args, char *out, size_t cap)
{
    const char *bin = getenv("GN_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin ? bin : "build/gnlab", args);
    return gn_test_capture(cmd, out, cap);
}

/* the version the man pages carry; an option value that underflows is judged by its range
 * (issue 13, finding 14: 1e-308 is finite, not "not a finite double") */
static void test_version_and_values(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(capture("--version", out, sizeof out), 0);
    if (strncmp(out, "gnlab ", 6) != 0)
        fail_msg("--version printed '%s'", out);
    int rc = capture("assume --lambda 1e-308", out, sizeof out);
    if (rc != 2 || strstr(out, "not a finite") || !strstr(out, "outside"))
        fail_msg("assume --lambda 1e-308: exit %d\n%s", rc, out);
    rc = capture("assume --lambda 1e999", out, sizeof out);
    if (rc != 2 || !strstr(out, "not a finite"))
        fail_msg("assume --lambda 1e999 (negative control): exit %d\n%s", rc, out);
}

/* a malformed GN_SEED or an out-of-range GN_SCALE is refused, not ignored or clamped
 * (issue 13, finding 14); a good one is taken (the control) */
static void test_environment(void **state)
{
    (void)state;
    const char *bin = getenv("GN_BIN");
    static const struct {
        const char *env;
        int want;
        const char *says;
    } cases[] = {{"GN_SEED=abc", 2, "GN_SEED='abc'"},
                 {"GN_SEED=-1", 2, "GN_SEED='-1'"},
                 {"GN_SCALE=1e9", 2, "GN_SCALE='1e9'"},
                 {"GN_SCALE=nan", 2, "GN_SCALE='nan'"},
                 {"GN_SEED=7 GN_SCALE=0.01", 0, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[512], out[4096];
        snprintf(cmd, sizeof cmd, "%s GN_NO_PROGRESS=1 %s validate --quick --only edge 2>&1",
                 cases[i].env, bin ? bin : "build/gnlab");
        int rc = gn_test_capture(cmd, out, sizeof out);
        if (rc != cases[i].want || (cases[i].says && !strstr(out, cases[i].says)))
            fail_msg("%s: exit %d (wanted %d)\n%s", cases[i].env, rc, cases[i].want, out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_dispatch),
                                       cmocka_unit_test(test_version_and_values),
                                       cmocka_unit_test(test_environment)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
