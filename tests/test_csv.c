/* test_csv.c: the strict CSV reader: good files load exactly, every bad file gets
 * GN_EINPUT with a message naming its line and column. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "gn_test.h"

#include "gn.h"

#include <string.h>
#include <unistd.h>

static char path[64];

static void write_bytes(const char *text, size_t n)
{
    strcpy(path, "/tmp/gn_test_csv_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void write_file(const char *text) { write_bytes(text, strlen(text)); }

/* text of n bytes (NUL bytes allowed) must be refused with a message containing where */
static void expect_error_n(const char *text, size_t n, const char *where)
{
    gn_io_table t = {0, 0, NULL, NULL};
    char err[256] = "";
    write_bytes(text, n);
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_EINPUT);
    if (!strstr(err, where))
        fail_msg("error '%s' does not name '%s'", err, where);
    assert_null(t.cols);
    unlink(path);
}

static void expect_error(const char *text, const char *where)
{
    expect_error_n(text, strlen(text), where);
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

/* issue 13 finding 8: a column named twice is an error naming both columns (the first no
 * longer wins silently); a NUL byte is an error at its line and field (it used to cut the
 * line short); a UTF-8 byte-order mark at the start is skipped, not part of the first
 * name. Finding 14: a directory is "is a directory", not "empty file". */
static void test_names_bytes(void **state)
{
    (void)state;
    expect_error("y,x2,x3,x4,y\n1,2,3,4,5\n", ":1:5: column name 'y' is also column 1's");
    expect_error("a,\"b\",b\n1,2,3\n", ":1:3: column name 'b' is also column 2's");
    static const char nul_row[] = "a,b\n1,2\n3,4\0" "5\n";
    expect_error_n(nul_row, sizeof nul_row - 1, ":3:2 (b): a NUL byte");
    static const char nul_head[] = "a,b\0c\n1,2\n";
    expect_error_n(nul_head, sizeof nul_head - 1, ":1:2: a NUL byte");
    /* a BOM at the start is skipped; the same bytes anywhere else are not a number */
    write_file("\xef\xbb\xbfy,x1\n1,2\n");
    gn_io_table t;
    char err[256] = "";
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_OK);
    assert_string_equal(t.names[0], "y");
    assert_int_equal(gn_io_table_col(&t, "y"), 0);
    gn_io_table_free(&t);
    unlink(path);
    write_file("\xef\xbb\xbf# comment first\ny,x1\n1,2\n");
    assert_int_equal(gn_io_csv_read(&t, path, err, sizeof err), GN_OK);
    assert_string_equal(t.names[0], "y");
    gn_io_table_free(&t);
    unlink(path);
    expect_error("y,x1\n\xef\xbb\xbf" "1,2\n", ":2:1 (y)");
    /* a directory */
    assert_int_equal(gn_io_csv_read(&t, "/tmp", err, sizeof err), GN_EINPUT);
    if (!strstr(err, "/tmp: is a directory"))
        fail_msg("a directory: '%s'", err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_good), cmocka_unit_test(test_bad),
                                       cmocka_unit_test(test_names_bytes)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
