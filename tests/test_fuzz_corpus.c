/* test_fuzz_corpus.c: the seed corpora of every reader fuzz harness (fuzz/corpus/expr,
 * nist, csv, plant, audit, merge) replayed through the harnesses' own code (fuzz/fuzz_*.c, compiled here
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
#include "../fuzz/fuzz_audit.c"
#include "../fuzz/fuzz_merge.c"

#include <fcntl.h>
#include <unistd.h>


/* every file in dir through one() (whose return value, when check is not NULL, is checked
 * against the file's name); at least min files; returns how many one() returned > 0 for */
static size_t replay_check(const char *dir, int (*one)(const uint8_t *, size_t), size_t min,
                           void (*check)(const char *path, int got))
{
    char **paths;
    size_t files = gn_test_list(dir, "", &paths), positive = 0;
    for (size_t i = 0; i < files; i++) {
        FILE *f = fopen(paths[i], "rb");
        assert_non_null(f);
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        int got = one(buf, n);
        positive += got > 0;
        if (check)
            check(paths[i], got);
    }
    gn_test_list_free(paths, files);
    if (files < min)
        fail_msg("%s: %zu files, expected at least %zu", dir, files, min);
    return positive;
}

static void replay(const char *dir, int (*one)(const uint8_t *, size_t), size_t min)
{
    replay_check(dir, one, min, NULL);
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

/* the audit's traces (reader, then the whole audit): the well-formed seeds read to their end */
static void test_audit_corpus(void **state)
{
    (void)state;
    size_t clean = replay_check("fuzz/corpus/audit", fuzz_audit_one, 10, NULL);
    if (clean < 3)
        fail_msg("only %zu audit seeds read to their end", clean);
}

/* a merge seed's name says what `gnlab merge` must answer: ok_ 0, fail_ 1, bad_ 2 */
static size_t merge_named;
static char merge_wrong[700]; /* the first seed answered otherwise (reported once stderr is back) */
static void merge_expect(const char *path, int got)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    int want = !strncmp(b, "ok_", 3) ? 0 : !strncmp(b, "fail_", 5) ? 1 : !strncmp(b, "bad_", 4) ? 2 : -1;
    merge_named += want >= 0;
    if (want >= 0 && got != want && !merge_wrong[0])
        snprintf(merge_wrong, sizeof merge_wrong, "%s: merge status %d, want %d", path, got, want);
}

/* the merge seeds (shard texts cut at NUL): the harness's oracles (status 0-2, the same
 * report in reverse order, the MPI pre-merge merges again) and the status the name says */
static void test_merge_corpus(void **state)
{
    (void)state;
    /* the refusals of the bad_ seeds would fill the TAP log: stderr to /dev/null */
    fflush(stderr);
    int err = dup(2), nul = open("/dev/null", O_WRONLY);
    assert_true(err >= 0 && nul >= 0 && dup2(nul, 2) == 2);
    close(nul);
    merge_named = 0;
    merge_wrong[0] = 0;
    replay_check("fuzz/corpus/merge", fuzz_merge_one, 20, merge_expect);
    fflush(stderr);
    dup2(err, 2);
    close(err);
    if (merge_wrong[0])
        fail_msg("%s", merge_wrong);
    if (merge_named < 20)
        fail_msg("only %zu merge seeds carry an expected status in their name", merge_named);
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
    cmocka_unit_test(test_audit_corpus),
    cmocka_unit_test(test_merge_corpus),
    cmocka_unit_test(test_harness_contracts),
};

GN_TEST_MAIN(tests)
