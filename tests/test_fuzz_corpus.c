/* test_fuzz_corpus.c: the seed corpora of the reader fuzz harnesses (fuzz/corpus/expr,
 * nist, csv, plant) replayed through the harnesses' own code (fuzz/fuzz_*.c, compiled here
 * without their libFuzzer entry point), so `make check` runs every seed and every crash
 * input added there, and `make sanitize` runs them under ASan/UBSan. A harness aborts on a
 * broken contract (a status other than GN_OK, GN_EINPUT or GN_ENOMEM, a message that does
 * not name the input, an error position outside the text, ...). */
#define GN_FUZZ_REPLAY 1
#include "gn_test.h"

#include "../fuzz/fuzz_csv.c"
#include "../fuzz/fuzz_expr.c"
#include "../fuzz/fuzz_nist.c"
#include "../fuzz/fuzz_plant.c"


/* every file in dir through one(); at least min files */
static void replay(const char *dir, int (*one)(const uint8_t *, size_t), size_t min)
{
    char **paths;
    size_t files = gn_test_list(dir, "", &paths);
    for (size_t i = 0; i < files; i++) {
        FILE *f = fopen(paths[i], "rb");
        assert_non_null(f);
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        one(buf, n);
    }
    gn_test_list_free(paths, files);
    if (files < min)
        fail_msg("%s: %zu files, expected at least %zu", dir, files, min);
}

static void test_expr_corpus(void **state)
{
    (void)state;
    replay("fuzz/corpus/expr", fuzz_expr_one, 10);
}

static void test_nist_corpus(void **state)
{
    (void)state;
    replay("fuzz/corpus/nist", fuzz_nist_one, 5);
}

static void test_csv_corpus(void **state)
{
    (void)state;
    replay("fuzz/corpus/csv", fuzz_csv_one, 5);
}

static void test_plant_corpus(void **state)
{
    (void)state;
    replay("fuzz/corpus/plant", fuzz_plant_one, 10);
}

/* the harnesses' checks are live: the buffer reader agrees with the file reader on a
 * shipped file, and a declared count far beyond the file's rows is refused before any
 * allocation sized by it (what the fuzzer's memory limit would otherwise report) */
static void test_harness_contracts(void **state)
{
    (void)state;
    gn_io_nist a, b;
    char err[512];
    assert_int_equal(gn_io_nist_read(&a, "validate/data/nist/Misra1a.dat", err, sizeof err), GN_OK);
    FILE *f = fopen("validate/data/nist/Misra1a.dat", "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_int_equal(gn_io_nist_read_buf(&b, text, n, "m", err, sizeof err), GN_OK);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.k, b.k);
    assert_memory_equal(a.data, b.data, a.n * a.ncols * sizeof(double));
    gn_io_nist_free(&a);
    gn_io_nist_free(&b);
    f = fopen("fuzz/corpus/nist/huge_n.dat", "rb");
    assert_non_null(f);
    n = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_int_equal(gn_io_nist_read_buf(&b, text, n, "h", err, sizeof err), GN_EINPUT);
    if (!strstr(err, "14 data rows, but the file declares 100000000 observations"))
        fail_msg("huge n: '%s'", err);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_expr_corpus),
    cmocka_unit_test(test_nist_corpus),
    cmocka_unit_test(test_csv_corpus),
    cmocka_unit_test(test_plant_corpus),
    cmocka_unit_test(test_harness_contracts),
};

GN_TEST_MAIN(tests)
