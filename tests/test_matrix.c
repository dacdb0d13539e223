/* test_matrix.c: the plant-matrix reader (core/io/matrix.c): comma and blank separated,
 * with and without a header, D exponents, CRLF, comments, a byte-order mark load exactly;
 * every malformed file gets GN_EINPUT with a message naming its line and field. */
#include "gn_io_matrix.h"
#include "gn_test.h"

#include <string.h>
#include <unistd.h>

static void load(gn_io_matrix *m, const char *text, size_t rows, size_t cols, int header,
                 char sep)
{
    char err[256] = "";
    gn_status st = gn_io_matrix_read_buf(m, text, strlen(text), "m.csv", err, sizeof err);
    if (st != GN_OK)
        fail_msg("'%s': %s", text, err);
    assert_int_equal(m->rows, rows);
    assert_int_equal(m->cols, cols);
    assert_int_equal(m->header, header);
    assert_int_equal(m->sep, sep);
}

static void test_good(void **state)
{
    (void)state;
    gn_io_matrix m;
    load(&m, "0,1\n-2,-0.5\n", 2, 2, 0, ',');
    assert_true(m.a[0] == 0 && m.a[1] == 1 && m.a[2] == -2 && m.a[3] == -0.5);
    gn_io_matrix_free(&m);
    load(&m, "   0   1.0e+00  0\n 0 0 1\n\t-1\t-2\t-3   \n", 3, 3, 0, ' ');
    assert_true(m.a[1] == 1 && m.a[8] == -3);
    gn_io_matrix_free(&m);
    load(&m, "x1, x2\n1.5 , 2\n3,4\n", 2, 2, 1, ',');
    assert_true(m.a[0] == 1.5 && m.a[3] == 4);
    gn_io_matrix_free(&m);
    load(&m, "\xef\xbb\xbf# comment\n\n1.0D+00 2.5d-1\r\n3 4\r\n", 2, 2, 0, ' ');
    assert_true(m.a[0] == 1 && m.a[1] == 0.25);
    gn_io_matrix_free(&m);
    load(&m, "u1 u2\n1 2\n", 1, 2, 1, ' ');
    gn_io_matrix_free(&m);
    gn_io_matrix_free(&m); /* twice is harmless */
    gn_io_matrix_free(NULL);
}

static void expect_error(const char *text, size_t n, const char *where)
{
    gn_io_matrix m = {7, 7, NULL, 0, 0};
    char err[256] = "";
    assert_int_equal(gn_io_matrix_read_buf(&m, text, n, "m.csv", err, sizeof err), GN_EINPUT);
    if (!strstr(err, where))
        fail_msg("'%s': error '%s' does not name '%s'", text, err, where);
    assert_int_equal(m.rows, 7); /* untouched */
}

#define BAD(text, where) expect_error(text, sizeof(text) - 1, where)

static void test_bad(void **state)
{
    (void)state;
    BAD("", "m.csv: no rows of numbers");
    BAD("# only\n\n", "m.csv: no rows of numbers");
    BAD("x,y\n", "a header but no rows");
    BAD("1,2\n3\n", "m.csv:2: 1 fields where the first row has 2");
    BAD("a,b\n1,2,3\n", "m.csv:2: 3 fields where the header has 2");
    BAD("1,NaN\n", "m.csv:1:2: 'NaN' is not finite");
    BAD("1 2\n3 inf\n", "m.csv:2:2: 'inf' is not finite");
    BAD("1,1e999\n", "m.csv:1:2: '1e999' is not finite");
    BAD("1,,2\n", "m.csv:1:2: empty field");
    BAD("1 2\n3,4\n", "m.csv:2: a comma");
    BAD("a,1\n", "m.csv:1:1: 'a' is not a number");
    BAD("1,2\n3,x\n", "m.csv:2:2: 'x' is not a number");
    BAD("0x1p3,2\n", "m.csv:1:1: '0x1p3' is not a number");
    BAD("1,2\0,3\n", "m.csv:1:4: a NUL byte");
    /* too many columns */
    size_t n = 2 * (GN_IO_MATRIX_MAXDIM + 1);
    char *wide = malloc(n + 1);
    assert_non_null(wide);
    for (size_t i = 0; i < n; i += 2)
        memcpy(wide + i, "1,", 2);
    wide[n - 1] = '\n';
    expect_error(wide, n, "more than 4096 fields");
    free(wide);
}

/* the file front end: a directory and a missing file are named */
static void test_file(void **state)
{
    (void)state;
    gn_io_matrix m;
    char err[256] = "", path[] = "/tmp/gn_test_matrix_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "1 2\n3 4\n", 8), 8);
    close(fd);
    assert_int_equal(gn_io_matrix_read(&m, path, err, sizeof err), GN_OK);
    assert_true(m.rows == 2 && m.a[3] == 4);
    gn_io_matrix_free(&m);
    unlink(path);
    assert_int_equal(gn_io_matrix_read(&m, "/nonexistent/a.csv", err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "/nonexistent/a.csv"));
    assert_int_equal(gn_io_matrix_read(&m, "/tmp", err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "directory"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good),
    cmocka_unit_test(test_bad),
    cmocka_unit_test(test_file),
};

GN_TEST_MAIN(tests)
