/* test_nb_inputs.c: the notebooks on inputs the toolkit did not make (issue 15).
 *
 * `gnlab notebook lqr --plant A B [--continuous H]`: a headerless continuous-time 11-state
 * plant built here (a chain of five masses and springs with dampers, plus a first-order
 * actuator lag; two inputs) runs with --continuous and its page describes that plant (files,
 * sizes, h, open-loop spectral radius), never the built-in text; the size limits (30 states,
 * 10 inputs) are enforced with a message; a run where nothing learns exits 1 with a "did not
 * learn" verdict (the negative control of the verdict).
 *
 * `gnlab notebook supervised --data`: a headerless .csv.gz (written here with zlib) runs
 * without conversion, with --target as a column number, and --feature-scale makes one task
 * per multiplier (the scale experiment of the paper's Figure 1 on the user's data); a .tsv
 * with a header takes --target by name; a constant feature is refused under --standardize
 * features and accepted under --standardize none (the negative control of that refusal). */
#include "gn_test.h"

#include <math.h>
#include <unistd.h>
#include <zlib.h>

static char dir[64];
static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return b && *b ? b : "build/gnlab";
}

/* data of n bytes into the file name of the temporary directory */
static void write_path(const char *name, const void *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void spit_file(const char *name, const char *text) { write_path(name, text, strlen(text)); }

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

static int run_lqr(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s notebook lqr %s --out %s/out 2>&1", bin(), args, dir);
    return gn_test_capture(cmd, out, cap);
}

/* the page of notebook name in the output directory */
static char *page(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out/%s/page.md", dir, name);
    return gn_test_slurp(path);
}

static void test_continuous_chain(void **state)
{
    (void)state;
    static char out[1 << 16];
    char args[512];
    snprintf(args, sizeof args, "--seeds 2 --plant %s/A11.txt %s/B11.csv --continuous 0.1", dir,
             dir);
    int rc = run_lqr(args, out, sizeof out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    char *md = page("lqr");
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
    int rc = run_lqr(args, out, sizeof out);
    if (rc != 1)
        fail_msg("exit %d, want 1: %s", rc, out);
    char *md = page("lqr");
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
            int rc = run_lqr(args, out, sizeof out);
            if (n == 30 && m == 10) {
                if (rc != 0 && rc != 1)
                    fail_msg("30 x 10: exit %d: %s", rc, out);
            } else if (rc != 2 || !strstr(out, n > 30 ? "31 states, more than the 30"
                                                      : "11 inputs, more than the 10"))
                fail_msg("%d x %d: exit %d: %s", n, m, rc, out);
        }
    }
}

static int run_sv(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s notebook supervised --quick --seeds 2 --grid 1e-3,1,3 %s "
             "--out %s/out 2>&1", bin(), args, dir);
    return gn_test_capture(cmd, out, cap);
}

/* 400 rows of y = 3 + 2 x1 - x2 + x1 x3 / 2 (+ a constant column when constant) */
static size_t table(char *buf, size_t cap, char sep, int header, int constant)
{
    size_t k = 0;
    if (header)
        k += (size_t)snprintf(buf + k, cap - k, "x1%cx2%cx3%cprice%s\n", sep, sep, sep,
                              constant ? "\tk" : "");
    for (int i = 0; i < 400; i++) {
        double x1 = sin(i * 0.7), x2 = cos(i * 1.3), x3 = sin(i * 0.11 + 1);
        k += (size_t)snprintf(buf + k, cap - k, "%.6f%c%.6f%c%.6f%c%.6f", x1, sep, x2, sep, x3,
                              sep, 3 + 2 * x1 - x2 + x1 * x3 / 2);
        k += (size_t)snprintf(buf + k, cap - k, "%s\n", constant ? (sep == ',' ? ",7" : "\t7")
                                                                 : "");
    }
    return k;
}

static void test_gz_headerless_scales(void **state)
{
    (void)state;
    static char text[1 << 16], out[1 << 16];
    static unsigned char gz[1 << 16];
    size_t n = table(text, sizeof text, ',', 0, 0);
    uLongf gl = sizeof gz;
    /* compress2 writes zlib format; the gzip wrapper via deflateInit2 */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)text;
    zs.avail_in = (uInt)n;
    zs.next_out = gz;
    zs.avail_out = (uInt)gl;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    gl = sizeof gz - zs.avail_out;
    deflateEnd(&zs);
    write_path("h.csv.gz", gz, gl);
    char args[512];
    snprintf(args, sizeof args, "--data %s/h.csv.gz --no-header --target 4 --feature-scale "
             "1,10,100", dir);
    int rc = run_sv(args, out, sizeof out);
    if (rc != 0 && rc != 1)
        fail_msg("exit %d: %s", rc, out);
    char *md = page("supervised");
    const char *must[] = {"h.csv.gz: column 4 (regression, squared loss, features × 1)",
                          "features × 10)", "features × 100)"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        if (!strstr(md, must[i]))
            fail_msg("the page lacks '%s'", must[i]);
    free(md);
}

static void test_tsv_header_and_constant(void **state)
{
    (void)state;
    static char text[1 << 16], out[1 << 16];
    size_t n = table(text, sizeof text, '\t', 1, 1);
    write_path("h.tsv", text, n);
    char args[512];
    snprintf(args, sizeof args, "--data %s/h.tsv --target price --standardize features", dir);
    int rc = run_sv(args, out, sizeof out);
    if (rc != 2 || !strstr(out, "h.tsv: column 5 (k) is constant over the"))
        fail_msg("a constant feature: exit %d: %s", rc, out);
    /* negative control: not standardised, the same file runs */
    snprintf(args, sizeof args, "--data %s/h.tsv --target price --standardize none", dir);
    rc = run_sv(args, out, sizeof out);
    if (rc != 0 && rc != 1)
        fail_msg("--standardize none: exit %d: %s", rc, out);
    char *md = page("supervised");
    if (!strstr(md, "h.tsv: price (regression, squared loss)") ||
        !strstr(md, "as given (not standardised)"))
        fail_msg("the page does not describe the tsv run");
    free(md);
}

/* notebook scale on the same headerless .csv.gz (test_gz_headerless_scales wrote it):
 * the five conditions of Figure 1 on a linear model; a rate too small to learn fails the
 * learning check (its negative control) */
static void test_scale_on_data(void **state)
{
    (void)state;
    static char out[1 << 16];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s notebook scale --quick --data %s/h.csv.gz --no-header "
             "--target 4 --out %s/out 2>&1", bin(), dir, dir);
    int rc = gn_test_capture(cmd, out, sizeof out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    char *md = page("scale");
    const char *must[] = {"2. Scale robustness on your data", "h.csv.gz: target column 4",
                          "| SGD, scaled, retuned rate |",
                          "check passed: learning: original features"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        if (!strstr(md, must[i]))
            fail_msg("the scale page lacks '%s'", must[i]);
    free(md);
    snprintf(cmd, sizeof cmd, "%s notebook scale --quick --data %s/h.csv.gz --no-header "
             "--target 4 --alpha 1e-12 --out %s/out 2>&1", bin(), dir, dir);
    rc = gn_test_capture(cmd, out, sizeof out);
    if (rc != 1)
        fail_msg("--alpha 1e-12: exit %d, want 1: %s", rc, out);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gn_nb_inputs.XXXXXX");
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
    cmocka_unit_test(test_gz_headerless_scales),
    cmocka_unit_test(test_tsv_header_and_constant),
    cmocka_unit_test(test_scale_on_data),
};

int main(void)
{
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
