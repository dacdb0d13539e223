/* test_nb_data.c: `gnlab notebook supervised --data` on data the toolkit has never seen
 * (issue 15): a headerless .csv.gz (written here with zlib) runs without conversion, with
 * --target as a column number, and --feature-scale makes one task per multiplier (the
 * scale experiment of the paper's Figure 1 on the user's data); a .tsv with a header takes
 * --target by name; a constant feature is refused under --standardize features and accepted
 * under --standardize none (the negative control of that refusal). */
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

static int run(const char *args, char *out, size_t cap)
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

static void write_path(const char *name, const void *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static char *page(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out/supervised/page.md", dir);
    return gn_test_slurp(path);
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
    int rc = run(args, out, sizeof out);
    if (rc != 0 && rc != 1)
        fail_msg("exit %d: %s", rc, out);
    char *md = page();
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
    int rc = run(args, out, sizeof out);
    if (rc != 2 || !strstr(out, "h.tsv: column 5 (k) is constant over the"))
        fail_msg("a constant feature: exit %d: %s", rc, out);
    /* negative control: not standardised, the same file runs */
    snprintf(args, sizeof args, "--data %s/h.tsv --target price --standardize none", dir);
    rc = run(args, out, sizeof out);
    if (rc != 0 && rc != 1)
        fail_msg("--standardize none: exit %d: %s", rc, out);
    char *md = page();
    if (!strstr(md, "h.tsv: price (regression, squared loss)") ||
        !strstr(md, "as given (not standardised)"))
        fail_msg("the page does not describe the tsv run");
    free(md);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gn_nb_data.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gz_headerless_scales),
    cmocka_unit_test(test_tsv_header_and_constant),
};

int main(void)
{
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
