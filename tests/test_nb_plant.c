/* test_nb_plant.c: `gnlab notebook lqr --plant A B [--continuous H]` on plants the toolkit
 * did not define (issue 15): a headerless continuous-time 11-state plant built here (a chain
 * of five masses and springs with dampers, plus a first-order actuator lag; two inputs) runs
 * with --continuous and its page describes that plant (files, sizes, h, open-loop spectral
 * radius), never the built-in text; the size limits (30 states, 10 inputs) are enforced with
 * a message; a run where nothing learns exits 1 with a "did not learn" verdict (the negative
 * control of the verdict). */
#include "gn_test.h"

#include <unistd.h>

static char dir[64];
static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return b && *b ? b : "build/gnlab";
}

static void spit_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* the 11-state chain: q1..q5, v1..v5, actuator a; springs k = 1 (mass 1 to a wall, free
 * right end), dampers 0.2, a drives mass 1, a' = -2 a + 2 u1, u2 pushes mass 5 */
static void write_chain(void)
{
    double A[11][11] = {{0}}, B[11][2] = {{0}};
    for (int i = 0; i < 5; i++) {
        A[i][5 + i] = 1;
        A[5 + i][i] = i < 4 ? -2 : -1;
        if (i > 0)
            A[5 + i][i - 1] = 1;
        if (i < 4)
            A[5 + i][i + 1] = 1;
        A[5 + i][5 + i] = -0.2;
    }
    A[5][10] = 1;
    A[10][10] = -2;
    B[10][0] = 2;
    B[9][1] = 1;
    static char ta[4096], tb[1024];
    size_t ka = 0, kb = 0;
    for (int i = 0; i < 11; i++) {
        for (int j = 0; j < 11; j++)
            ka += (size_t)snprintf(ta + ka, sizeof ta - ka, "%s%g", j ? "  " : "", A[i][j]);
        ka += (size_t)snprintf(ta + ka, sizeof ta - ka, "\n");
        kb += (size_t)snprintf(tb + kb, sizeof tb - kb, "%g,%g\n", B[i][0], B[i][1]);
    }
    spit_file("A11.txt", ta);
    spit_file("B11.csv", tb);
}

static int run(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s notebook lqr %s --out %s/out 2>&1", bin(), args, dir);
    return gn_test_capture(cmd, out, cap);
}

static char *page(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out/lqr/page.md", dir);
    return gn_test_slurp(path);
}

static void test_continuous_chain(void **state)
{
    (void)state;
    static char out[1 << 16];
    char args[512];
    snprintf(args, sizeof args, "--seeds 2 --plant %s/A11.txt %s/B11.csv --continuous 0.1", dir,
             dir);
    int rc = run(args, out, sizeof out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    char *md = page();
    char want[256];
    snprintf(want, sizeof want, "A from %s/A11.txt (11 x 11) and B from %s/B11.csv (11 x 2)",
             dir, dir);
    const char *must[] = {want, "zero-order hold with step h = 0.1 s",
                          "Open-loop spectral radius ρ(A) = 0.99", "your plant (11 states, 2 inputs)",
                          "Verdict (plant 1, deterministic)", "check passed: exact policy iteration"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        if (!strstr(md, must[i]))
            fail_msg("the page lacks '%s'", must[i]);
    const char *never[] = {"defines two plants", "double integrator", "two carts", "FAILED"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (strstr(md, never[i]))
            fail_msg("the page has '%s'", never[i]);
    free(md);
}

/* negative control of the verdict: rates at which every evaluation diverges */
static void test_did_not_learn(void **state)
{
    (void)state;
    static char out[1 << 16];
    char args[512];
    snprintf(args, sizeof args, "--quick --plant %s/A11.txt %s/B11.csv --continuous 0.1 "
             "--alpha-ql 1000 --alpha-igndq 1000", dir, dir);
    int rc = run(args, out, sizeof out);
    if (rc != 1)
        fail_msg("exit %d, want 1: %s", rc, out);
    char *md = page();
    if (!strstr(md, "Verdict (plant 1, deterministic): did not learn."))
        fail_msg("no 'did not learn' verdict");
    free(md);
}

/* the limits, with messages naming the file; a 30-state, 10-input plant is read */
static void test_limits(void **state)
{
    (void)state;
    static char big[40000], out[1 << 16];
    for (int n = 30; n <= 31; n++) {
        size_t k = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                k += (size_t)snprintf(big + k, sizeof big - k, "%s%s", i == j ? "-1" : "0",
                                      j == n - 1 ? "\n" : ",");
        spit_file("An.csv", big);
        for (int m = 10; m <= 11; m++) {
            k = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                    k += (size_t)snprintf(big + k, sizeof big - k, "%s%s", i == j ? "1" : "0",
                                          j == m - 1 ? "\n" : " ");
            spit_file("Bn.txt", big);
            char args[512];
            /* one iteration of few steps: only the reading and the plant are tested here */
            snprintf(args, sizeof args, "--quick --seeds 1 --iters 1 --eval-steps 10 --plant "
                     "%s/An.csv %s/Bn.txt --continuous 0.1", dir, dir);
            int rc = run(args, out, sizeof out);
            if (n == 30 && m == 10) {
                if (rc != 0 && rc != 1)
                    fail_msg("30 x 10: exit %d: %s", rc, out);
            } else if (rc != 2 || !strstr(out, n > 30 ? "31 states, more than the 30"
                                                      : "11 inputs, more than the 10"))
                fail_msg("%d x %d: exit %d: %s", n, m, rc, out);
        }
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gn_nb_plant.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_chain();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_continuous_chain),
    cmocka_unit_test(test_did_not_learn),
    cmocka_unit_test(test_limits),
};

int main(void)
{
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
