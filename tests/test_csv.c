/* test_csv.c: the strict CSV reader: good files load exactly, every bad file gets
 * GN_EINPUT with a message naming its line and column. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "gn_test.h"

#include "gn.h"

#include <string.h>
#include <unistd.h>
#include <zlib.h>

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

/* text as gzip data (one member) into out (cap bytes); its length */
static size_t gz_bytes(unsigned char *out, size_t cap, const char *text, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)text;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t got = cap - zs.avail_out;
    deflateEnd(&zs);
    return got;
}

static gn_status read_buf(gn_io_table *t, const void *buf, size_t n, const char *name,
                          const gn_io_csv_opts *o, size_t max, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    return gn_io_csv_read_buf(t, buf, n, name, o, max, err, errlen);
}

/* issue 15: tab-separated (by name or detected), headerless (columns "column N") */
static void test_tsv_noheader(void **state)
{
    (void)state;
    gn_io_table t;
    char err[256] = "";
    static const char tsv[] = "a\tb c\n1\t2\n3\t4\n";
    assert_int_equal(read_buf(&t, tsv, sizeof tsv - 1, "x.txt", NULL, 0, err, sizeof err), GN_OK);
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.names[1], "b c");
    assert_true(t.cols[3] == 4);
    gn_io_table_free(&t);
    /* .tsv: tabs even when a field has a comma (which is then not a number) */
    assert_int_equal(read_buf(&t, "a\tb\n1,5\t2\n", 12, "x.tsv", NULL, 0, err, sizeof err),
                     GN_EINPUT);
    assert_non_null(strstr(err, "x.tsv:2:1 (a): '1,5' is not a number"));
    gn_io_csv_opts nh = {1, 0};
    static const char plain[] = "1,2,3\n4,5,6\n";
    assert_int_equal(read_buf(&t, plain, sizeof plain - 1, "n.csv", &nh, 0, err, sizeof err),
                     GN_OK);
    assert_int_equal(t.nrows, 2);
    assert_string_equal(t.names[2], "column 3");
    assert_int_equal(gn_io_table_col(&t, "column 1"), 0);
    assert_true(t.cols[0] == 1 && t.cols[5] == 6);
    gn_io_table_free(&t);
    /* headerless: a ragged row and a bad field are located against the first row */
    assert_int_equal(read_buf(&t, "1,2\n3\n", 6, "n.csv", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "n.csv:2: 1 fields where the first row has 2"));
    assert_int_equal(read_buf(&t, "1,x\n", 4, "n.csv", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "n.csv:1:2 (column 2): 'x' is not a number"));
    assert_int_equal(read_buf(&t, "# c\n", 4, "n.csv", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "n.csv: empty file (no data line)"));
    gn_io_csv_opts tab = {1, '\t'};
    assert_int_equal(read_buf(&t, "1\t2\n", 4, "n.csv", &tab, 0, err, sizeof err), GN_OK);
    assert_int_equal(t.ncols, 2);
    gn_io_table_free(&t);
}

/* issue 15: gzip, decompressed in memory: a good file (also two members), and located
 * errors for a .gz that is not gzip, a truncated stream, corrupt data, trailing bytes and a
 * decompression bomb beyond the size limit */
static void test_gzip(void **state)
{
    (void)state;
    gn_io_table t;
    char err[256] = "";
    static unsigned char gz[1 << 16], two[1 << 17];
    static const char text[] = "1\t2\n3\t4\n";
    size_t n = gz_bytes(gz, sizeof gz, text, sizeof text - 1);
    gn_io_csv_opts nh = {1, 0};
    assert_int_equal(read_buf(&t, gz, n, "d.tsv.gz", &nh, 0, err, sizeof err), GN_OK);
    assert_true(t.nrows == 2 && t.ncols == 2 && t.cols[3] == 4);
    gn_io_table_free(&t);
    memcpy(two, gz, n);
    memcpy(two + n, gz, n);
    assert_int_equal(read_buf(&t, two, 2 * n, "d.gz", &nh, 0, err, sizeof err), GN_OK);
    assert_int_equal(t.nrows, 4);
    gn_io_table_free(&t);
    /* through the file reader, by magic (the name does not say gz) */
    write_bytes((const char *)gz, n);
    assert_int_equal(gn_io_csv_read_opts(&t, path, &nh, err, sizeof err), GN_OK);
    assert_int_equal(t.nrows, 2);
    gn_io_table_free(&t);
    unlink(path);
    /* the whole-text reader: the same text from the gzip file and from a plain one */
    char *txt;
    size_t tl;
    write_bytes((const char *)gz, n);
    assert_int_equal(gn_io_read_maybe_gz(&txt, &tl, path, "a file", 1u << 20, err, sizeof err),
                     GN_OK);
    assert_true(tl == sizeof text - 1 && !strcmp(txt, text));
    free(txt);
    unlink(path);
    write_file(text);
    assert_int_equal(gn_io_read_maybe_gz(&txt, &tl, path, "a file", 1u << 20, err, sizeof err),
                     GN_OK);
    assert_true(tl == sizeof text - 1 && !strcmp(txt, text));
    free(txt);
    unlink(path);
    /* errors */
    assert_int_equal(read_buf(&t, "a,b\n1,2\n", 8, "d.csv.gz", NULL, 0, err, sizeof err),
                     GN_EINPUT);
    assert_non_null(strstr(err, "d.csv.gz: the name ends in .gz but the data is not gzip"));
    assert_int_equal(read_buf(&t, gz, n - 6, "d.gz", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "d.gz: truncated gzip data"));
    assert_int_equal(read_buf(&t, gz, 12, "d.gz", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "d.gz: truncated gzip data"));
    memcpy(two, gz, n);
    two[n - 3] ^= 0xff; /* the stored length */
    assert_int_equal(read_buf(&t, two, n, "d.gz", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "d.gz: corrupt gzip data"));
    memcpy(two + n, "junk", 4);
    memcpy(two, gz, n);
    assert_int_equal(read_buf(&t, two, n + 4, "d.gz", &nh, 0, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "d.gz: 4 bytes after the end of the gzip data"));
    /* the whole-file reader's limit, and its negative control */
    char *all;
    size_t alen;
    write_bytes("0123456789", 10);
    assert_int_equal(gn_io_read_all(&all, &alen, path, "a CSV file", 9, err, sizeof err),
                     GN_EINPUT);
    assert_non_null(strstr(err, "more than 9 bytes"));
    assert_int_equal(gn_io_read_all(&all, &alen, path, "a CSV file", 10, err, sizeof err),
                     GN_OK);
    assert_true(alen == 10 && all[10] == 0 && !memcmp(all, "0123456789", 10));
    free(all);
    unlink(path);
    /* a bomb: 4 MB of one line of '1,' compresses to a few kB; the limit is 1 MB here */
    size_t big = 4u << 20;
    char *ones = malloc(big);
    assert_non_null(ones);
    for (size_t i = 0; i < big; i += 2)
        memcpy(ones + i, "1,", 2);
    ones[big - 1] = '\n';
    n = gz_bytes(gz, sizeof gz, ones, big);
    free(ones);
    assert_true(n < 20000);
    assert_int_equal(read_buf(&t, gz, n, "b.gz", &nh, 1u << 20, err, sizeof err), GN_EINPUT);
    assert_non_null(strstr(err, "b.gz: decompresses to more than 1048576 bytes"));
    /* the negative control of the limit: the same data within a larger one is read */
    assert_int_equal(read_buf(&t, gz, n, "b.gz", &nh, 8u << 20, err, sizeof err), GN_OK);
    assert_int_equal(t.ncols, 2u << 20);
    gn_io_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_good), cmocka_unit_test(test_bad),
                                       cmocka_unit_test(test_names_bytes),
                                       cmocka_unit_test(test_tsv_noheader),
                                       cmocka_unit_test(test_gzip)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
