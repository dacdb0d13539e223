/* test_csv.c: the strict CSV reader: good files load exactly, every bad file gets
 * GN_EINPUT with a message naming its line and column. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "gn_test.h"

#include "gn.h"

#include <string.h>
#include <unistd.h>

static char path[64];

static void write_file(const char *text)
{
    strcpy(path, "/tmp/gn_test_csv_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void expect_error(const char *text, const char *where)
{
    gn_io_table t = {0, 0, NULL, NULL};
    char err[256] = "";
    write_file(text);
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_EINPUT);
    if (!strstr(err, where))
        fail_msg("error '%s' does not name '%s'", err, where);
    assert_null(t.cols);
    unlink(path);
}

static void test_good(void **state)
{
    (void)state;
    write_file("# comment\nx, \"y value\"\r\n1,2.5\n\n-3e2 ,0x1p-3\n");
    gn_io_table t;
    char err[256];
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_OK);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.names[1], "y value");
    assert_int_equal(gn_io_table_col(&t, "y value"), 1);
    assert_int_equal(gn_io_table_col(&t, "z"), -1);
    assert_true(t.cols[0] == 1 && t.cols[1] == -300 && t.cols[2] == 2.5 && t.cols[3] == 0.125);
    gn_io_table_free(&t);
    gn_io_table_free(&t); /* idempotent */
    unlink(path);
}

static void test_bad(void **state)
{
    (void)state;
    expect_error("", "empty file");
    expect_error("a,b\n", "no data rows");
    expect_error("a,b\n1,2\n3,abc\n", ":3:2 (b)");
    expect_error("a,b\n1,nan\n", ":2:2 (b)");
    expect_error("a,b\n1,inf\n", ":2:2 (b)");
    expect_error("a,b\n1,1e999\n", ":2:2 (b)");
    expect_error("a,b\n1,1D3\n", ":2:2 (b)"); /* Fortran exponents are for NIST files only */
    expect_error("a,b\n1,0x\n", ":2:2 (b): '0x' is not a number");
    expect_error("a,b\n1,2,3\n", ":2: 3 fields");
    expect_error("a,b\n1,\n", ":2:2 (b)");
    expect_error("a,,c\n1,2,3\n", ":1:2: empty column name");
    gn_io_table t;
    char err[256];
    assert_int_equal(gn_io_csv_read(&t, "/nonexistent/x.csv", err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_good), cmocka_unit_test(test_bad)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
