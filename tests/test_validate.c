/* test_validate.c: `gnlab validate` passes on the core and FAILS on every injected wrong
 * variant (the campaign's negative controls), at a small scale. Runs the program named by
 * GN_BIN (set by `make check`; default build/gnlab) with GN_SCALE = 0.03 * GN_TEST_SCALE. */
#include "gn_test.h"

#include <string.h>
#include <sys/wait.h>

static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return (b && *b) ? b : "build/gnlab";
}

static double scale(void) { return 0.03 * (double)gn_test_iters(1000) / 1000.0; }

/* run `gnlab validate ARGS`, stdout to out (may be NULL: discarded); the exit status */
static int run(const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "GN_SEED=%llu GN_SCALE=%g GN_NO_PROGRESS=1 %s validate %s 2>&1",
             (unsigned long long)gn_test_seed(), scale(), bin(), args);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("popen failed for: %s", cmd);
    size_t k = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        if (out && k + got < cap) {
            memcpy(out + k, buf, got);
            k += got;
        }
    }
    if (out)
        out[k] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char out[1 << 16];

static void test_core_passes(void **state)
{
    (void)state;
    int rc = run("", out, sizeof out);
    if (rc != 0)
        fail_msg("validate on the core: exit %d (seed %llu), output:\n%s", rc,
                 (unsigned long long)gn_test_seed(), out);
    assert_non_null(strstr(out, "0 failed: PASS"));
    /* every section produced rows */
    const char *secs[] = {"\nrank1 ", "\noptim ", "\nedge ", "\nloss ", "\nmodel ", "\ndense ",
                          "\nref "};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        if (!strstr(out, secs[i]))
            fail_msg("no rows for section '%s'", secs[i] + 1);
}

static void test_each_inject_fails(void **state)
{
    (void)state;
    const char *names[] = {"mu-after-outer", "gsq-for-jsq", "naive-norm", "no-lambda"};
    for (size_t i = 0; i < 4; i++) {
        char args[64];
        snprintf(args, sizeof args, "--inject %s", names[i]);
        int rc = run(args, out, sizeof out);
        if (rc != 1)
            fail_msg("--inject %s: exit %d, want 1 (seed %llu), output:\n%s", names[i], rc,
                     (unsigned long long)gn_test_seed(), out);
        /* a failure row names its worst instance with its inputs */
        assert_non_null(strstr(out, "worst: "));
    }
}

/* naive-norm must be caught by the edge set on its own (the brief's requirement) */
static void test_naive_norm_caught_by_edges(void **state)
{
    (void)state;
    int rc = run("--only edge --inject naive-norm", out, sizeof out);
    assert_int_equal(rc, 1);
    rc = run("--only edge", out, sizeof out);
    assert_int_equal(rc, 0);
}

static void test_usage_and_json(void **state)
{
    (void)state;
    assert_int_equal(run("--inject no-such-bug", NULL, 0), 2);
    assert_int_equal(run("--prec 3", NULL, 0), 2);
    assert_int_equal(run("--bogus", NULL, 0), 2);
    assert_int_equal(run("--only nowhere", NULL, 0), 2);
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "--inject"));
    int rc = run("--only loss --json", out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "{\"section\":\"loss\""));
    assert_non_null(strstr(out, "\"pass\":true"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_passes),
        cmocka_unit_test(test_each_inject_fails),
        cmocka_unit_test(test_naive_norm_caught_by_edges),
        cmocka_unit_test(test_usage_and_json),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
