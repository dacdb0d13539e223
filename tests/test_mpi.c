/* test_mpi.c: the MPI front end (issue 9). `mpirun -n 2 gnlab-mpi validate|prove` gives the
 * report of a single `gnlab` run, byte for byte (prove: but its summary line); a rank killed
 * mid-campaign (GN_MPI_FAULT) leaves checkpoint files that `gnlab merge` reports INCOMPLETE
 * with the missing blocks (exit 1), and rerunning only those blocks completes the campaign to
 * the same report; `gnlab-mpi sweep` writes notebook 3's page as one process does. Skips (TAP ok # SKIP) when mpirun or gnlab-mpi is absent (`make mpi`
 * builds it; `make check-mpi` sets GN_MPI_REQUIRE=1 so that absence fails instead). */
#include "gn_test.h"

#include <libgen.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char gnlab[1024], gmpi[1024], dir[64], diamonds[1100];
static char a[1 << 17], b[1 << 17];

static int sh(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[3000], full[3300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full,
             "cd %s && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 GN_NO_PROGRESS=1 && "
             "%s",
             dir, cmd);
    return gn_test_capture(full, out, cap);
}

/* is the MPI part runnable? otherwise skip, or fail under GN_MPI_REQUIRE */
static int have_mpi(void)
{
    int ok = access(gmpi, X_OK) == 0 && system("command -v mpirun >/dev/null 2>&1") == 0;
    if (!ok && getenv("GN_MPI_REQUIRE"))
        fail_msg("GN_MPI_REQUIRE is set but mpirun or %s is missing (make mpi)", gmpi);
    if (!ok)
        printf("# mpirun or %s absent: build it with make mpi (or make check-mpi)\n", gmpi);
    return ok;
}

static double scale(void) { return 0.02 * (double)gn_test_iters(1000) / 1000.0; }

static void cut_summary(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = 0;
    char *l = strrchr(s, '\n');
    if (l)
        *l = 0;
}

static void test_mpi_same_report(void **state)
{
    (void)state;
    if (!have_mpi())
        skip();
    unsigned long long seed = (unsigned long long)gn_test_seed();
    assert_int_equal(sh(a, sizeof a, "%s validate --seed %llu --scale %g", gnlab, seed, scale()), 0);
    int rc = sh(b, sizeof b, "mpirun --oversubscribe -n 2 %s validate --seed %llu --scale %g --blocks 1024 2>/dev/null",
                gmpi, seed, scale());
    assert_int_equal(rc, 0);
    if (strcmp(a, b))
        fail_msg("validate: gnlab and mpirun -n 2 gnlab-mpi differ (seed %llu)\n%s\n---\n%s", seed,
                 a, b);
    size_t inst = gn_test_iters(6);
    assert_int_equal(sh(a, sizeof a, "%s prove --seed %llu --instances %zu", gnlab, seed, inst), 0);
    rc = sh(b, sizeof b, "mpirun --oversubscribe -n 2 %s prove --seed %llu --instances %zu 2>/dev/null",
            gmpi, seed, inst);
    assert_int_equal(rc, 0);
    cut_summary(a);
    cut_summary(b);
    if (strcmp(a, b))
        fail_msg("prove: gnlab and mpirun -n 2 gnlab-mpi differ (seed %llu)\n%s\n---\n%s", seed, a,
                 b);
    /* negative control: a failing campaign fails through MPI too */
    rc = sh(NULL, 0, "mpirun --oversubscribe -n 2 %s validate --seed %llu --scale %g --only rank1 "
                     "--inject mu-after-outer >/dev/null 2>&1",
            gmpi, seed, scale());
    assert_int_equal(rc, 1);
}

static void test_mpi_rank_dies(void **state)
{
    (void)state;
    if (!have_mpi())
        skip();
    unsigned long long seed = (unsigned long long)gn_test_seed();
    double sc = scale();
    assert_int_equal(sh(a, sizeof a, "%s validate --seed %llu --scale %g", gnlab, seed, sc), 0);
    /* rank 1 dies holding its third block; mpirun takes the job down */
    int rc = sh(NULL, 0,
                "mkdir -p ck && GN_MPI_FAULT=1:2 mpirun --oversubscribe -n 2 %s validate --seed %llu "
                "--scale %g --checkpoint ck >/dev/null 2>&1",
                gmpi, seed, sc);
    assert_int_not_equal(rc, 0);
    rc = sh(b, sizeof b, "%s merge ck/rank-*.jsonl", gnlab);
    assert_int_equal(rc, 1);
    char *r = strstr(b, "--ranges ");
    if (!strstr(b, "INCOMPLETE") || !r)
        fail_msg("a dead rank's merge is not marked incomplete (seed %llu):\n%s", seed, b);
    char ranges[4096];
    if (sscanf(r, "--ranges %4095[0-9,-]", ranges) != 1)
        fail_msg("no ranges listed:\n%s", b);
    /* rerun exactly the missing blocks; the merge is then complete and the same report */
    rc = sh(NULL, 0, "%s validate --seed %llu --scale %g --blocks 64 --ranges %s --out rerun.jsonl",
            gnlab, seed, sc, ranges);
    assert_int_equal(rc, 0);
    rc = sh(b, sizeof b, "%s merge ck/rank-*.jsonl rerun.jsonl", gnlab);
    assert_int_equal(rc, 0);
    assert_string_equal(a, b);
}

static void test_mpi_sweep(void **state)
{
    (void)state;
    if (!have_mpi())
        skip();
    unsigned long long seed = (unsigned long long)gn_test_seed();
    assert_int_equal(sh(NULL, 0, "%s notebook supervised --quick --quiet --seed %llu --diamonds %s "
                                 "--out one >/dev/null",
                        gnlab, seed, diamonds),
                     0);
    int rc = sh(NULL, 0, "mpirun --oversubscribe -n 2 %s sweep --quick --seed %llu --diamonds %s "
                         "--blocks 16 --out two >/dev/null 2>&1",
                gmpi, seed, diamonds);
    assert_int_equal(rc, 0);
    rc = sh(b, sizeof b, "diff -r one two");
    if (rc != 0)
        fail_msg("gnlab-mpi sweep page differs from one process (seed %llu):\n%s", seed, b);
}

static int setup(void **state)
{
    (void)state;
    const char *g = getenv("GN_BIN");
    char cwd[900];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(gnlab, sizeof gnlab, "%s%s%s", g && g[0] == '/' ? "" : cwd,
             g && g[0] == '/' ? "" : "/", g && *g ? g : "build/gnlab");
    const char *m = getenv("GN_MPI_BIN");
    if (m && *m)
        snprintf(gmpi, sizeof gmpi, "%s%s%s", m[0] == '/' ? "" : cwd, m[0] == '/' ? "" : "/", m);
    else {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", gnlab);
        snprintf(gmpi, sizeof gmpi, "%s/gnlab-mpi", dirname(tmp));
    }
    snprintf(diamonds, sizeof diamonds, "%s/notebooks/data/diamonds.csv.gz", cwd);
    snprintf(dir, sizeof dir, "/tmp/gn_mpi_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
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
        cmocka_unit_test(test_mpi_same_report),
        cmocka_unit_test(test_mpi_rank_dies),
        cmocka_unit_test(test_mpi_sweep),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
