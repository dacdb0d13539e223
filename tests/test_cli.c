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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_dispatch)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
