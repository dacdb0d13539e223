/* test_shard.c: sharded campaigns (issue 9). The block arithmetic partitions every index
 * range exactly; `gnlab validate` and `gnlab prove` run as 1 process and as 4 shards give
 * byte-identical reports through `gnlab merge`; a missing shard leaves the report INCOMPLETE
 * with the missing ranges (exit 1) and rerunning just those ranges completes it; shards of
 * different campaigns or overlapping ranges are refused (exit 2). Runs GN_BIN (default
 * build/gnlab) at a small scale (GN_TEST_SCALE multiplies it). */
#include "gn_test.h"
#include "gn_io_shard.h"
#include "val_merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return (b && *b) ? b : "build/gnlab";
}

static char dir[64], diamonds[1024];

/* run a shell command line (with the binary as %1$s-free prefix); stdout to out (may be NULL),
 * stderr appended; the exit status */
static int sh(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[8400];
    snprintf(full, sizeof full, "cd %s && GN_NO_PROGRESS=1 %s 2>&1", dir, cmd);
    return gn_test_capture(full, out, cap);
}

static char a[1 << 17], b[1 << 17];

static double vscale(void) { return 0.02 * (double)gn_test_iters(1000) / 1000.0; }

/* ----------------------------------------------------------------- blocks */

static void test_blocks_partition(void **state)
{
    (void)state;
    /* every instance of every size lies in exactly one shard of k/n, for several U and n */
    const uint64_t us[] = {1, 7, 64, 1000}, ns[] = {1, 2, 3, 4, 7};
    const uint64_t sizes[] = {1, 2, 5, 63, 64, 65, 600, 3001};
    for (size_t iu = 0; iu < 4; iu++)
        for (size_t in = 0; in < 5; in++) {
            if (ns[in] > us[iu])
                continue;
            gn_io_shard s[7];
            char t[48];
            for (uint64_t k = 0; k < ns[in]; k++) {
                snprintf(t, sizeof t, "%llu/%llu", (unsigned long long)k,
                         (unsigned long long)ns[in]);
                assert_int_equal(gn_io_shard_parse_kn(&s[k], t, us[iu]), 0);
            }
            for (size_t iz = 0; iz < 8; iz++)
                for (uint64_t i = 0; i < sizes[iz]; i++) {
                    int owners = 0;
                    for (uint64_t k = 0; k < ns[in]; k++)
                        owners += gn_io_shard_mine(&s[k], i, sizes[iz]);
                    if (owners != 1)
                        fail_msg("instance %llu of %llu has %d owners (U=%llu n=%llu)",
                                 (unsigned long long)i, (unsigned long long)sizes[iz], owners,
                                 (unsigned long long)us[iu], (unsigned long long)ns[in]);
                    /* block b's first instance is ceil(b N / U) */
                    uint64_t bl = gn_io_shard_block(i, sizes[iz], us[iu]);
                    assert_true(gn_io_shard_first(bl, sizes[iz], us[iu]) <= i);
                    assert_true(gn_io_shard_first(bl + 1, sizes[iz], us[iu]) > i);
                }
        }
    gn_io_shard s, m;
    /* gn_io_shard_next walks exactly the owned instances of scattered ranges */
    assert_int_equal(gn_io_shard_parse_ranges(&s, "3,7-9,30-40,63", 64), 0);
    for (size_t iz = 0; iz < 8; iz++) {
        uint64_t n = sizes[iz], j = gn_io_shard_next(&s, 0, n);
        for (uint64_t i = 0; i < n; i++) {
            int own = gn_io_shard_mine(&s, i, n);
            if (own != (j == i))
                fail_msg("gn_io_shard_next: n=%llu instance %llu owned %d, walk at %llu",
                         (unsigned long long)n, (unsigned long long)i, own,
                         (unsigned long long)j);
            if (own)
                j = gn_io_shard_next(&s, i + 1, n);
        }
        assert_true(j == n);
    }
    assert_int_equal(gn_io_shard_parse_ranges(&s, "40,0-15,16-20", 64), 0);
    char buf[64];
    gn_io_shard_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "0-20,40");
    gn_io_shard_missing(&m, &s);
    gn_io_shard_format(&m, buf, sizeof buf);
    assert_string_equal(buf, "21-39,41-63");
    /* negative controls: overlaps, out of range, malformed */
    assert_int_equal(gn_io_shard_parse_ranges(&s, "0-5,3-7", 64), -1);
    assert_int_equal(gn_io_shard_parse_ranges(&s, "0-64", 64), -1);
    assert_int_equal(gn_io_shard_parse_ranges(&s, "5-3", 64), -1);
    assert_int_equal(gn_io_shard_parse_ranges(&s, "1,,2", 64), -1);
    assert_int_equal(gn_io_shard_parse_kn(&s, "4/4", 64), -1);
    assert_int_equal(gn_io_shard_parse_kn(&s, "0/65", 64), -1);
    assert_int_equal(gn_io_shard_parse_kn(&s, "1/2x", 64), -1);
}

/* ------------------------------------------------------------- validate */

static void test_validate_four_shards_identical(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    double sc = vscale();
    int r1 = sh(a, sizeof a, "%s validate --seed %llu --scale %g", bin(),
                (unsigned long long)seed, sc);
    assert_int_equal(r1, 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --shard %d/4 --out v%d.jsonl",
                            bin(), (unsigned long long)seed, sc, k, k),
                         0);
    /* merged in a scrambled order: the merge is commutative */
    int r4 = sh(b, sizeof b, "%s merge v2.jsonl v0.jsonl v3.jsonl v1.jsonl", bin());
    assert_int_equal(r4, 0);
    if (strcmp(a, b))
        fail_msg("1 process and 4 shards differ (seed %llu scale %g)\n--- one:\n%s\n--- merged:\n%s",
                 (unsigned long long)seed, sc, a, b);
    /* negative control of the comparison: another seed's table differs */
    sh(b, sizeof b, "%s validate --seed %llu --scale %g", bin(), (unsigned long long)seed + 1, sc);
    assert_true(strcmp(a, b) != 0);
}

static void test_validate_failing_rows_identical(void **state)
{
    (void)state;
    /* a mutant makes rows fail: their worst instances (ties to the lowest index) must agree */
    uint64_t seed = gn_test_seed();
    double sc = 2 * vscale();
    int r1 = sh(a, sizeof a, "%s validate --seed %llu --scale %g --only rank1 --inject mu-after-outer",
                bin(), (unsigned long long)seed, sc);
    assert_int_equal(r1, 1);
    assert_non_null(strstr(a, "worst:"));
    for (int k = 0; k < 3; k++)
        assert_int_equal(sh(NULL, 0,
                            "%s validate --seed %llu --scale %g --only rank1 --inject mu-after-outer "
                            "--blocks 16 --shard %d/3 --out f%d.jsonl",
                            bin(), (unsigned long long)seed, sc, k, k) <= 1,
                         1);
    int r3 = sh(b, sizeof b, "%s merge f1.jsonl f2.jsonl f0.jsonl", bin());
    assert_int_equal(r3, 1);
    if (strcmp(a, b))
        fail_msg("failing rows differ (seed %llu scale %g)\n--- one:\n%s\n--- merged:\n%s",
                 (unsigned long long)seed, sc, a, b);
}

static void test_missing_shard_and_rerun(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    double sc = vscale();
    sh(a, sizeof a, "%s validate --seed %llu --scale %g", bin(), (unsigned long long)seed, sc);
    for (int k = 0; k < 4; k++)
        sh(NULL, 0, "%s validate --seed %llu --scale %g --shard %d/4 --out v%d.jsonl", bin(),
           (unsigned long long)seed, sc, k, k);
    /* shard 1 (blocks 16-31) lost: never a pass, the missing blocks listed */
    int rc = sh(b, sizeof b, "%s merge v0.jsonl v2.jsonl v3.jsonl", bin());
    assert_int_equal(rc, 1);
    assert_non_null(strstr(b, "INCOMPLETE"));
    assert_non_null(strstr(b, "--ranges 16-31"));
    /* rerun just those blocks, in two pieces, and merge: complete and identical */
    assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --ranges 16-20 --out r1.jsonl",
                        bin(), (unsigned long long)seed, sc),
                     0);
    assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --ranges 21-31 --out r2.jsonl",
                        bin(), (unsigned long long)seed, sc),
                     0);
    rc = sh(b, sizeof b, "%s merge v0.jsonl r2.jsonl v2.jsonl v3.jsonl r1.jsonl", bin());
    assert_int_equal(rc, 0);
    assert_string_equal(a, b);
}

static void test_scattered_blocks(void **state)
{
    (void)state;
    /* two shards of 256 scattered blocks each (even and odd of U = 512), as an MPI rank's
     * dynamically handed blocks are: their union has more ranges than one shard may list */
    uint64_t seed = gn_test_seed();
    double sc = vscale();
    static char ev[4096], od[4096];
    size_t le = 0, lo = 0;
    for (int k = 0; k < 512; k++) {
        if (k % 2 == 0)
            le += (size_t)snprintf(ev + le, sizeof ev - le, "%s%d", le ? "," : "", k);
        else
            lo += (size_t)snprintf(od + lo, sizeof od - lo, "%s%d", lo ? "," : "", k);
    }
    sh(a, sizeof a, "%s validate --seed %llu --scale %g", bin(), (unsigned long long)seed, sc);
    assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --blocks 512 --ranges %s --out e.jsonl",
                        bin(), (unsigned long long)seed, sc, ev),
                     0);
    assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --blocks 512 --ranges %s --out o.jsonl",
                        bin(), (unsigned long long)seed, sc, od),
                     0);
    assert_int_equal(sh(b, sizeof b, "%s merge e.jsonl o.jsonl", bin()), 0);
    assert_string_equal(a, b);
}

static void test_refuses_foreign_and_overlapping(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    double sc = vscale();
    sh(NULL, 0, "%s validate --seed %llu --scale %g --shard 0/2 --out x0.jsonl", bin(),
       (unsigned long long)seed, sc);
    sh(NULL, 0, "%s validate --seed %llu --scale %g --shard 1/2 --out x1.jsonl", bin(),
       (unsigned long long)seed + 7, sc);
    sh(NULL, 0, "%s validate --seed %llu --scale %g --ranges 30-40 --out x2.jsonl", bin(),
       (unsigned long long)seed, sc);
    /* another seed's half: refused, not merged */
    int rc = sh(b, sizeof b, "%s merge x0.jsonl x1.jsonl", bin());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(b, "different campaign"));
    /* overlapping blocks 30-31: refused */
    rc = sh(b, sizeof b, "%s merge x0.jsonl x2.jsonl", bin());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(b, "overlapping"));
    /* a truncated shard (its last row cut off): refused */
    rc = sh(b, sizeof b, "head -n 5 x0.jsonl > t.jsonl && %s merge t.jsonl", bin());
    assert_int_equal(rc, 2);
    /* usage errors */
    assert_int_equal(sh(NULL, 0, "%s validate --shard 4/4", bin()), 2);
    assert_int_equal(sh(NULL, 0, "%s validate --ranges 3-1", bin()), 2);
    assert_int_equal(sh(NULL, 0, "%s merge", bin()), 2);
}

/* ---------------------------------------------------------------- prove */

/* the report without its last line (time and threads, or "merged from shard files") */
static void cut_summary(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = 0;
    char *l = strrchr(s, '\n');
    if (l)
        *l = 0;
}

static void test_prove_four_shards_identical(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t inst = gn_test_iters(8);
    int r1 = sh(a, sizeof a, "%s prove --seed %llu --instances %zu", bin(),
                (unsigned long long)seed, inst);
    assert_int_equal(r1, 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(sh(NULL, 0, "%s prove --seed %llu --instances %zu --shard %d/4 --out p%d.jsonl",
                            bin(), (unsigned long long)seed, inst, k, k),
                         0);
    int r4 = sh(b, sizeof b, "%s merge p3.jsonl p1.jsonl p0.jsonl p2.jsonl", bin());
    assert_int_equal(r4, 0);
    cut_summary(a);
    cut_summary(b);
    if (strcmp(a, b))
        fail_msg("prove: 1 process and 4 shards differ (seed %llu)\n--- one:\n%s\n--- merged:\n%s",
                 (unsigned long long)seed, a, b);
    /* a lost prove shard: incomplete, listed */
    int rc = sh(b, sizeof b, "%s merge p0.jsonl p1.jsonl p3.jsonl", bin());
    assert_int_equal(rc, 1);
    assert_non_null(strstr(b, "--ranges 32-47"));
    /* another precision's shard is refused */
    sh(NULL, 0, "%s prove --seed %llu --instances %zu --prec 128 --shard 2/4 --out q2.jsonl",
       bin(), (unsigned long long)seed, inst);
    rc = sh(b, sizeof b, "%s merge p0.jsonl p1.jsonl q2.jsonl p3.jsonl", bin());
    assert_int_equal(rc, 2);
}


/* ------------------------------------------- fail-closed merge (issue 13, findings 3, 10) */

/* three small shards of each kind in dir: validate (rank1 only) s0..s2, prove (two claims)
 * q0..q2, prove --mutants (two claims) m0..m2 */
static void make_three(void)
{
    static int made;
    if (made)
        return;
    uint64_t seed = gn_test_seed();
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sh(NULL, 0, "%s validate --seed %llu --scale %g --only rank1 --shard %d/3 "
                                     "--out s%d.jsonl",
                            bin(), (unsigned long long)seed, vscale(), k, k),
                         0);
        assert_int_equal(sh(NULL, 0, "%s prove --seed %llu --instances 4 --shard %d/3 --out q%d.jsonl "
                                     "eq-3.5-3.6 ggn-rank1",
                            bin(), (unsigned long long)seed, k, k),
                         0);
        assert_int_equal(sh(NULL, 0, "%s prove --mutants --seed %llu --instances 4 --shard %d/3 "
                                     "--out m%d.jsonl eq-3.5-3.6 ggn-rank1",
                            bin(), (unsigned long long)seed, k, k) <= 1,
                         1);
    }
    made = 1;
}

/* merge the three files FMT with 0, 1, 2 substituted (a sed script applied to the first)
 * and expect status want with needle (if any) in the output */
static void merge_edited(int want, const char *needle, const char *kind, const char *sed)
{
    int rc = sh(b, sizeof b, "sed -e '%s' %s0.jsonl > e0.jsonl && %s merge e0.jsonl %s1.jsonl %s2.jsonl",
                sed, kind, bin(), kind, kind);
    if (rc != want || (needle && !strstr(b, needle)))
        fail_msg("merge of %s shards edited by sed '%s': status %d (want %d), output:\n%s", kind, sed,
                 rc, want, b);
}

/* finding 3: every verdict re-derived from the numbers; non-finite errors, rows whose pass
 * flag disagrees with them and headers missing a field are refused at FILE:LINE, exit 2 */
static void test_merge_rederives_verdicts(void **state)
{
    (void)state;
    make_three();
    /* negative control: the unedited shards merge and pass */
    merge_edited(0, "PASS", "s", "s/x/x/");
    merge_edited(0, "every claim holds", "q", "s/x/x/");
    /* validate: max_err 2^20 against a bound of about 26 with pass 1; inf; NaN */
    merge_edited(2, "e0.jsonl:2:", "s", "2s/\"max_err\":\"[^\"]*\"/\"max_err\":\"0x1p+20\"/");
    merge_edited(2, "e0.jsonl:2:", "s", "2s/\"max_err\":\"[^\"]*\"/\"max_err\":\"inf\"/");
    merge_edited(2, "e0.jsonl:2:", "s", "2s/\"max_err\":\"[^\"]*\"/\"max_err\":\"nan\"/");
    merge_edited(2, "e0.jsonl:3:", "s", "3s/\"bound\":\"[^\"]*\"/\"bound\":\"inf\"/");
    /* the pass flag against its numbers, both ways */
    merge_edited(2, "e0.jsonl:2:", "s", "2s/\"pass\":1/\"pass\":0/");
    /* a header missing its precision (was "MPFR 0 bits", PASS) */
    merge_edited(2, "e0.jsonl:1:", "s", "1s/\"prec\":[0-9]*,//");
    merge_edited(2, "e0.jsonl:1:", "s", "1s/\"prec\":[0-9]*,/\"prec\":0,/");
    /* prove: a residual over its tolerance in a passing row; a failure count without a
     * failing ratio; a NaN ratio */
    merge_edited(2, "e0.jsonl:2:", "q", "2s/\"resid\":\"[^\"]*\"/\"resid\":\"0x1p+20\"/");
    merge_edited(2, "e0.jsonl:3:", "q", "3s/\"failed\":0/\"failed\":1/");
    merge_edited(2, "e0.jsonl:2:", "q", "2s/\"ratio\":\"[^\"]*\"/\"ratio\":\"nan\"/");
    merge_edited(2, "e0.jsonl:1:", "q", "1s/\"seed\":[0-9]*,//");
    /* a mutant row "rejected" with no failing ratio */
    merge_edited(2, "e0.jsonl:2:", "m", "2s/\"ratio\":\"[^\"]*\"/\"ratio\":\"0x1p-10\"/");
}

/* the six orders of three files a, b, c: identical stdout (table and --json), same status */
static void every_order(const char *x, const char *y, const char *z, int want)
{
    const char *f[3] = {x, y, z};
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int json = 0; json < 2; json++) {
        static char first[1 << 17];
        for (int p = 0; p < 6; p++) {
            int rc = sh(p ? b : first, p ? sizeof b : sizeof first, "%s merge %s %s %s %s 2>/dev/null",
                        bin(), json ? "--json" : "", f[perm[p][0]], f[perm[p][1]], f[perm[p][2]]);
            if (rc != want)
                fail_msg("merge %s %s %s: status %d, want %d", f[perm[p][0]], f[perm[p][1]],
                         f[perm[p][2]], rc, want);
            if (p && strcmp(first, b))
                fail_msg("merge %s %s %s%s differs from the first order:\n%s\n--- vs:\n%s",
                         f[perm[p][0]], f[perm[p][1]], f[perm[p][2]], json ? " --json" : "", b,
                         first);
        }
    }
}

/* finding 3: a three-shard merge gives the same bytes in every order of its inputs */
static void test_merge_every_order(void **state)
{
    (void)state;
    make_three();
    every_order("s0.jsonl", "s1.jsonl", "s2.jsonl", 0);
    every_order("q0.jsonl", "q1.jsonl", "q2.jsonl", 0);
    every_order("m0.jsonl", "m1.jsonl", "m2.jsonl", 0);
    /* a NaN error in the middle shard: refused in every order (was dropped or "nan pass") */
    assert_int_equal(sh(NULL, 0, "sed -e '2s/\"max_err\":\"[^\"]*\"/\"max_err\":\"nan\"/' s1.jsonl > n1.jsonl"), 0);
    every_order("s0.jsonl", "n1.jsonl", "s2.jsonl", 2);
}

/* finding 10: headers missing a field, or with no block, are refused (were a heap-buffer-
 * overflow read in prove's report and qsort(NULL, 0) in the merge) */
static void test_merge_header_fields(void **state)
{
    (void)state;
    make_three();
    static const char *const vf[] = {"seed", "scale", "prec", "inject", "only", "blocks", "ranges"};
    static const char *const pf[] = {"seed", "prec", "instances", "mutants", "claims", "blocks",
                                     "ranges"};
    char sed[128], needle[64];
    for (size_t i = 0; i < sizeof vf / sizeof vf[0]; i++) {
        snprintf(sed, sizeof sed, "1s/\"%s\":[^,]*,//", vf[i]);
        snprintf(needle, sizeof needle, "'%s'", vf[i]);
        merge_edited(2, needle, "s", sed);
    }
    for (size_t i = 0; i < sizeof pf / sizeof pf[0]; i++) {
        snprintf(sed, sizeof sed, "1s/\"%s\":[^,]*,//", pf[i]);
        snprintf(needle, sizeof needle, "'%s'", pf[i]);
        merge_edited(2, needle, "q", sed);
        merge_edited(2, needle, "m", sed);
    }
    /* every file without "mutants" (the same campaign otherwise): no over-read, refused */
    for (int k = 0; k < 3; k++)
        assert_int_equal(sh(NULL, 0, "sed -e '1s/\"mutants\":[01],//' m%d.jsonl > u%d.jsonl", k, k),
                         0);
    int rc = sh(b, sizeof b, "%s merge u0.jsonl u1.jsonl u2.jsonl", bin());
    if (rc != 2 || !strstr(b, "u0.jsonl:1:") || !strstr(b, "'mutants'"))
        fail_msg("prove shards without \"mutants\": status %d, output:\n%s", rc, b);
    /* a claim row out of the header's order, and a mutant beyond the claim's */
    merge_edited(2, "e0.jsonl:2:", "q", "2s/\"id\":\"eq-3.5-3.6\"/\"id\":\"ggn-rank1\"/");
    merge_edited(2, "e0.jsonl:1:", "q", "1s/\"mutants\":0/\"mutants\":1/");
    /* a validate shard covering no block */
    merge_edited(2, "e0.jsonl:1:", "s", "1s/\"ranges\":\"[^\"]*\"/\"ranges\":\"\"/");
}


/* ------------------------------------------------------ notebook sweeps */

static void test_notebook_sweep(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    char nb[1400];
    snprintf(nb, sizeof nb, "%s notebook supervised --quick --quiet --seed %llu --diamonds %s",
             bin(), (unsigned long long)seed, diamonds);
    assert_int_equal(sh(NULL, 0, "%s --out one", nb), 0);
    /* round 1: the grid in 3 shards; round 2: the final runs in 2 shards, given round 1 */
    for (int k = 0; k < 3; k++)
        assert_int_equal(sh(NULL, 0, "%s --out scratch --sweep-blocks 12 --sweep-shard %d/3 "
                                     "--sweep-out g%d.jsonl",
                            nb, k, k),
                         0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(sh(NULL, 0, "%s --out scratch --sweep-blocks 12 --sweep-in "
                                     "g0.jsonl,g1.jsonl,g2.jsonl --sweep-shard %d/2 "
                                     "--sweep-out h%d.jsonl",
                            nb, k, k),
                         0);
    /* the merged page is the single run's, file for file */
    assert_int_equal(sh(NULL, 0, "%s --out merged --sweep-blocks 12 --sweep-in "
                                 "g0.jsonl,g1.jsonl,g2.jsonl,h0.jsonl,h1.jsonl",
                        nb),
                     0);
    int rc = sh(b, sizeof b, "diff -r one merged");
    if (rc != 0)
        fail_msg("sharded sweep page differs from one process (seed %llu):\n%s",
                 (unsigned long long)seed, b);
    /* a lost final shard: no page, the blocks listed; rerunning them completes the sweep */
    rc = sh(b, sizeof b, "%s --out part --sweep-blocks 12 --sweep-in g0.jsonl,g1.jsonl,g2.jsonl,h0.jsonl",
            nb);
    assert_int_equal(rc, 1);
    char *r = strstr(b, "final runs: --sweep-ranges ");
    if (!strstr(b, "INCOMPLETE") || !r)
        fail_msg("a missing sweep shard is not reported (seed %llu):\n%s",
                 (unsigned long long)seed, b);
    char ranges[512];
    assert_int_equal(sscanf(r, "final runs: --sweep-ranges %511[0-9,-]", ranges), 1);
    assert_int_equal(sh(NULL, 0, "%s --out scratch --sweep-blocks 12 --sweep-in "
                                 "g0.jsonl,g1.jsonl,g2.jsonl --sweep-ranges %s --sweep-out re.jsonl",
                        nb, ranges),
                     0);
    assert_int_equal(sh(NULL, 0, "%s --out merged2 --sweep-blocks 12 --sweep-in "
                                 "g0.jsonl,g1.jsonl,g2.jsonl,h0.jsonl,re.jsonl && diff -r one merged2",
                        nb),
                     0);
    /* negative controls: records of another seed, and the same shard twice, are refused */
    rc = sh(b, sizeof b, "%s --out x --sweep-blocks 12 --seed %llu --sweep-in g0.jsonl", nb,
            (unsigned long long)seed + 1);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(b, "another sweep"));
    rc = sh(b, sizeof b, "%s --out x --sweep-blocks 12 --sweep-in g0.jsonl,g0.jsonl", nb);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(b, "given twice"));
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gn_io_shard_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    /* the binary and data paths must survive the cd: make them absolute */
    {
        char cwd[900];
        if (!getcwd(cwd, sizeof cwd))
            return -1;
        snprintf(diamonds, sizeof diamonds, "%s/notebooks/data/diamonds.csv.gz", cwd);
    }
    const char *b0 = bin();
    if (b0[0] != '/') {
        static char abs[1024];
        char cwd[900];
        if (!getcwd(cwd, sizeof cwd))
            return -1;
        snprintf(abs, sizeof abs, "%s/%s", cwd, b0);
        setenv("GN_BIN", abs, 1);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_partition),
        cmocka_unit_test(test_validate_four_shards_identical),
        cmocka_unit_test(test_validate_failing_rows_identical),
        cmocka_unit_test(test_missing_shard_and_rerun),
        cmocka_unit_test(test_scattered_blocks),
        cmocka_unit_test(test_refuses_foreign_and_overlapping),
        cmocka_unit_test(test_prove_four_shards_identical),
        cmocka_unit_test(test_merge_rederives_verdicts),
        cmocka_unit_test(test_merge_every_order),
        cmocka_unit_test(test_merge_header_fields),
        cmocka_unit_test(test_notebook_sweep),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
