/* test_notebooks.c: `gnlab notebook` as a reader and a checker would use it. Runs the
 * program named by GN_BIN (make check sets it; default build/gnlab) with --quick into
 * temporary directories, then checks that every page, figure and link exists, and that the
 * numbers notebook 1 prints agree with an independent 256-bit MPFR recomputation of
 * (3.10), (3.12), (3.13), (3.14) and (4.1) to the core's stated error bounds. Every check has
 * a negative control: a corrupted page, a wrong formula and a broken link are each caught
 * by the same check. */
#include "gn_test.h"

#include "gn.h"
#include "nb.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define U (DBL_EPSILON / 2)
#define PREC 256

static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return (b && *b) ? b : "build/gnlab";
}

/* run "GN_BIN ARGS" with stdout/stderr to /dev/null; the exit status (or -1) */
static int run(const char *env, const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s %s --quiet > /dev/null 2>&1", env ? env : "", bin(), args);
    int r = system(cmd);
    return (r != -1 && WIFEXITED(r)) ? WEXITSTATUS(r) : -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

static char *tmpdir(void)
{
    char *t = malloc(64);
    snprintf(t, 64, "/tmp/gnlab-nbtest-XXXXXX");
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

static void rmrf(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", d);
}

/* ---------------------------------------------------------------- link check */

/* Every href="..." and src="..." in the HTML file that is not an absolute URL or a fragment
 * must name an existing file relative to the page. Returns the number of broken links and
 * stores the count of links seen. */
static int broken_links(const char *html_path, int *nlinks)
{
    char *s = gn_test_read(html_path);
    if (!s)
        return 1000;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", html_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int bad = 0, n = 0;
    const char *keys[2] = {"href=\"", "src=\""};
    for (int k = 0; k < 2; k++) {
        for (const char *c = strstr(s, keys[k]); c; c = strstr(c + 1, keys[k])) {
            const char *v = c + strlen(keys[k]);
            const char *e = strchr(v, '"');
            if (!e)
                break;
            char target[1024];
            size_t len = (size_t)(e - v) < sizeof target - 1 ? (size_t)(e - v) : sizeof target - 1;
            memcpy(target, v, len);
            target[len] = '\0';
            if (!strncmp(target, "http:", 5) || !strncmp(target, "https:", 6) || target[0] == '#')
                continue;
            n++;
            char path[5200];
            snprintf(path, sizeof path, "%s/%s", dir, target);
            if (!exists(path)) {
                fprintf(stderr, "# %s: broken link %s\n", html_path, target);
                bad++;
            }
        }
    }
    free(s);
    *nlinks = n;
    return bad;
}

/* every X.gp has X.svg when gnuplot is installed, every X.dot has X.svg when dot is */
static int missing_svgs(const char *dir, int have_gnuplot, int have_dot)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1000;
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t L = strlen(e->d_name);
        int gp = L > 3 && !strcmp(e->d_name + L - 3, ".gp");
        int dt = L > 4 && !strcmp(e->d_name + L - 4, ".dot");
        if ((gp && have_gnuplot) || (dt && have_dot)) {
            char path[4800], stem[300];
            size_t sl = L - (gp ? 3 : 4);
            if (sl >= sizeof stem)
                sl = sizeof stem - 1;
            memcpy(stem, e->d_name, sl);
            stem[sl] = '\0';
            if (strlen(dir) + sl + 6 > sizeof path) {
                closedir(d);
                return 1000;
            }
            path[0] = '\0';
            strcat(path, dir);
            strcat(path, "/");
            strcat(path, stem);
            strcat(path, ".svg");
            if (!exists(path)) {
                fprintf(stderr, "# %s has no rendering\n", e->d_name);
                bad++;
            }
        }
    }
    closedir(d);
    return bad;
}

static int tool(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s > /dev/null 2>&1", name);
    return system(cmd) == 0;
}

static const char *names[] = {"rank1", "scale", "supervised", "lqr", "egn", "overparam"};

static void test_all_quick(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char args[512];
    snprintf(args, sizeof args, "notebook all --quick --out %s", t);
    int rc = run(NULL, args);
    if (rc != 0)
        fail_msg("gnlab notebook all --quick --out %s exited %d (GN_BIN=%s)", t, rc, bin());
    int hg = tool("gnuplot"), hd = tool("dot");
    char path[4400];
    int nl = 0;
    snprintf(path, sizeof path, "%s/index.html", t);
    assert_int_equal(broken_links(path, &nl), 0);
    /* the index links each notebook page and its thumbnail */
    assert_true(nl >= (int)(2 * (sizeof names / sizeof *names)));
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s/page.md", t, names[i]);
        assert_true(exists(path));
        snprintf(path, sizeof path, "%s/%s/index.html", t, names[i]);
        int b = broken_links(path, &nl);
        if (b != 0 || nl < 3)
            fail_msg("%s: %d broken links of %d", path, b, nl);
        char *page = gn_test_read(path);
        assert_non_null(page);
        if (strstr(page, "FAILED"))
            fail_msg("%s reports a failed check", path);
        if (hg && !strstr(page, ".svg"))
            fail_msg("%s shows no figure", path);
        /* every notebook that trains makes the learning check (rank1 trains nothing) */
        if (strcmp(names[i], "rank1") != 0 && !strstr(page, "check passed: learning: "))
            fail_msg("%s makes no learning check", path);
        free(page);
        snprintf(path, sizeof path, "%s/%s", t, names[i]);
        assert_int_equal(missing_svgs(path, hg, hd), 0);
    }
    rmrf(t);
    free(t);
}

/* negative control of the link check: a page with one broken link and one good one */
static void test_link_check_catches_broken(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char path[256], good[256];
    snprintf(good, sizeof good, "%s/here.svg", t);
    FILE *f = fopen(good, "w");
    assert_non_null(f);
    fputs("<svg/>", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/index.html", t);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("<img src=\"here.svg\"><a href=\"gone.dat\">x</a><a href=\"https://x\">y</a>", f);
    fclose(f);
    int nl = 0;
    assert_int_equal(broken_links(path, &nl), 1);
    assert_int_equal(nl, 2);
    rmrf(t);
    free(t);
}

/* ------------------------------------------------ notebook 1 against MPFR */

/* the value in the row "| name | value |" of page.md; NAN when absent */
static double page_value(const char *md, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\n| %s | ", name);
    const char *c = strstr(md, key);
    if (!c)
        return NAN;
    char *end;
    double v = strtod(c + strlen(key), &end);
    return (end == c + strlen(key)) ? NAN : v;
}

enum { REF_RIGHT = 0, REF_NO_LAMBDA, REF_NO_MU };

/* Recompute from the page's printed inputs (x = j, l', l'', lambda, mu, w, alpha) in MPFR
 * and compare with the page's outputs. Returns the number of quantities outside their
 * bounds (0 = consistent); variant != REF_RIGHT swaps in a wrong reference formula. */
static int check_rank1(const char *md, int variant, int verbose)
{
    double j[2] = {page_value(md, "x[1]"), page_value(md, "x[2]")};
    double w[2] = {page_value(md, "w[1]"), page_value(md, "w[2]")};
    double lp = page_value(md, "l'"), lpp = page_value(md, "l''");
    double lam = page_value(md, "lambda"), mu = page_value(md, "mu");
    double alpha = page_value(md, "alpha");
    double dd[2] = {page_value(md, "d_damped[1]"), page_value(md, "d_damped[2]")};
    double dmp[2] = {page_value(md, "d_MP[1]"), page_value(md, "d_MP[2]")};
    double xi = page_value(md, "xi");
    double wp[2] = {page_value(md, "w+[1]"), page_value(md, "w+[2]")};
    double delta = page_value(md, "delta");
    double f = page_value(md, "f");
    double all[] = {j[0], j[1], w[0], w[1], lp, lpp, lam, mu, alpha, dd[0], dd[1],
                    xi, wp[0], wp[1], delta, f};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (isnan(all[i])) {
            if (verbose)
                fprintf(stderr, "# page.md lacks value %zu\n", i);
            return 100;
        }
    if (variant == REF_NO_LAMBDA)
        lam = 0;
    if (variant == REF_NO_MU)
        mu = 0;
    int k = gn_sum_bound_k(2), bad = 0;
    mpfr_t J0, J1, nj, den, t, ref, W;
    mpfr_inits2(PREC, J0, J1, nj, den, t, ref, W, (mpfr_ptr)0);
    mpfr_set_d(J0, j[0], MPFR_RNDN);
    mpfr_set_d(J1, j[1], MPFR_RNDN);
    mpfr_sqr(nj, J0, MPFR_RNDN);
    mpfr_sqr(t, J1, MPFR_RNDN);
    mpfr_add(nj, nj, t, MPFR_RNDN); /* |j|^2 */
    /* den = (l'' + mu)|j|^2 + lambda: the defining scalar of (3.12)-(3.13) */
    mpfr_set_d(den, lpp, MPFR_RNDN);
    mpfr_add_d(den, den, mu, MPFR_RNDN);
    mpfr_mul(den, den, nj, MPFR_RNDN);
    mpfr_add_d(den, den, lam, MPFR_RNDN);
    /* xi: gn.h claims <= k + 3 ulps; one ulp of a normal double x is <= 2u|x| */
    mpfr_ui_div(ref, 1, den, MPFR_RNDN);
    double xr = mpfr_get_d(ref, MPFR_RNDN);
    if (!(fabs(xi - xr) <= (k + 3) * 2 * U * fabs(xr))) {
        bad++;
        if (verbose)
            fprintf(stderr, "# xi page %.17g ref %.17g\n", xi, xr);
    }
    for (int i = 0; i < 2; i++) {
        /* (3.12): the mixed measure of §13 for a direction is u |d_i|: bound (k+4) u |d_i| */
        mpfr_set_d(ref, -lp, MPFR_RNDN);
        mpfr_mul_d(ref, ref, j[i], MPFR_RNDN);
        mpfr_div(ref, ref, den, MPFR_RNDN);
        double r = mpfr_get_d(ref, MPFR_RNDN);
        if (!(fabs(dd[i] - r) <= (k + 4) * U * fabs(r))) {
            bad++;
            if (verbose)
                fprintf(stderr, "# d_damped[%d] page %.17g ref %.17g (lp %a lpp %a j %a %a)\n",
                        i + 1, dd[i], r, lp, lpp, j[0], j[1]);
        }
        /* (3.14): w+ = w - alpha lp j / den, mixed bound (k+6) u (|w_i| + |step_i|) */
        mpfr_mul_d(t, ref, alpha, MPFR_RNDN);
        double step = mpfr_get_d(t, MPFR_RNDN);
        mpfr_set_d(W, w[i], MPFR_RNDN);
        mpfr_add(W, W, t, MPFR_RNDN);
        double wr = mpfr_get_d(W, MPFR_RNDN);
        if (!(fabs(wp[i] - wr) <= (k + 6) * U * (fabs(w[i]) + fabs(step)))) {
            bad++;
            if (verbose)
                fprintf(stderr, "# w+[%d] page %.17g ref %.17g\n", i + 1, wp[i], wr);
        }
        /* (3.10): d_MP = -(l' / (l'' |j|^2)) j, bound (k+4) u |d_i| */
        if (!isnan(dmp[i]) && lpp > 0) {
            mpfr_set_d(ref, -lp, MPFR_RNDN);
            mpfr_mul_d(ref, ref, j[i], MPFR_RNDN);
            mpfr_div(ref, ref, nj, MPFR_RNDN);
            mpfr_div_d(ref, ref, lpp, MPFR_RNDN);
            r = mpfr_get_d(ref, MPFR_RNDN);
            if (!(fabs(dmp[i] - r) <= (k + 4) * U * fabs(r))) {
                bad++;
                if (verbose)
                    fprintf(stderr, "# d_MP[%d] page %.17g ref %.17g\n", i + 1, dmp[i], r);
            }
        }
    }
    /* (4.1): delta = j^T (w+ - w) from the page's own w+; gn_delta's bound is
     * gamma_(k+1) sum |j_i (w+_i - w_i)| plus u per difference: (k+2)(1+1e-9) u sum */
    mpfr_set_zero(ref, 1);
    double s = 0;
    for (int i = 0; i < 2; i++) {
        mpfr_set_d(t, wp[i], MPFR_RNDN);
        mpfr_sub_d(t, t, w[i], MPFR_RNDN);
        mpfr_mul_d(t, t, j[i], MPFR_RNDN);
        s += fabs(mpfr_get_d(t, MPFR_RNDN));
        mpfr_add(ref, ref, t, MPFR_RNDN);
    }
    double dr = mpfr_get_d(ref, MPFR_RNDN);
    if (!(fabs(delta - dr) <= (k + 2) * (1 + 1e-9) * U * s)) {
        bad++;
        if (verbose)
            fprintf(stderr, "# delta page %.17g ref %.17g\n", delta, dr);
    }
    /* f = w^T x: the dot bound gamma_k sum |w_i x_i| */
    mpfr_set_d(ref, w[0], MPFR_RNDN);
    mpfr_mul_d(ref, ref, j[0], MPFR_RNDN);
    mpfr_set_d(t, w[1], MPFR_RNDN);
    mpfr_mul_d(t, t, j[1], MPFR_RNDN);
    mpfr_add(ref, ref, t, MPFR_RNDN);
    double fr = mpfr_get_d(ref, MPFR_RNDN);
    if (!(fabs(f - fr) <= k * (1 + 1e-9) * U * (fabs(w[0] * j[0]) + fabs(w[1] * j[1])))) {
        bad++;
        if (verbose)
            fprintf(stderr, "# f page %.17g ref %.17g\n", f, fr);
    }
    mpfr_clears(J0, J1, nj, den, t, ref, W, (mpfr_ptr)0);
    return bad;
}

/* run notebook 1 with extra flags into a fresh directory; returns its page.md (or NULL) */
static char *rank1_page(const char *flags, char **dir)
{
    *dir = tmpdir();
    if (!*dir)
        return NULL;
    char args[2048], path[256];
    snprintf(args, sizeof args, "notebook rank1 --quick --out %s %s", *dir, flags);
    int rc = run(NULL, args);
    if (rc != 0) {
        fprintf(stderr, "# gnlab %s exited %d\n", args, rc);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/rank1/page.md", *dir);
    return gn_test_read(path);
}

static void test_rank1_default_matches_mpfr(void **state)
{
    (void)state;
    char *dir;
    char *md = rank1_page("", &dir);
    assert_non_null(md);
    assert_int_equal(check_rank1(md, REF_RIGHT, 1), 0);
    /* negative controls: wrong reference formulas are caught by the same check */
    assert_true(check_rank1(md, REF_NO_LAMBDA, 0) > 0);
    assert_true(check_rank1(md, REF_NO_MU, 0) > 0);
    /* negative control: the page's d_damped[1] perturbed by 1e-13 relative (about 900 u,
     * far above the (k+4) u bound) is caught */
    double d1 = page_value(md, "d_damped[1]");
    char old[64], neu[64];
    snprintf(old, sizeof old, "| d_damped[1] | %.17g |", d1);
    snprintf(neu, sizeof neu, "| d_damped[1] | %.17g |", d1 * (1 + 1e-13));
    char *at = strstr(md, old);
    assert_non_null(at);
    size_t pre = (size_t)(at - md);
    char *bad = malloc(strlen(md) + 64);
    assert_non_null(bad);
    memcpy(bad, md, pre);
    strcpy(bad + pre, neu);
    strcat(bad, at + strlen(old));
    assert_true(check_rank1(bad, REF_RIGHT, 0) > 0);
    free(bad);
    free(md);
    rmrf(dir);
    free(dir);
}

/* random instances from GN_SEED, both losses, damping over many decades */
static void test_rank1_random_matches_mpfr(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng r;
    gn_rng_seed(&r, seed, 7);
    size_t n = gn_test_iters(4);
    for (size_t i = 0; i < n; i++) {
        double x0 = ldexp(gn_rng_uniform(&r) - 0.5, (int)(gn_rng_u64(&r) % 20) - 10);
        double x1 = ldexp(gn_rng_uniform(&r) - 0.5, (int)(gn_rng_u64(&r) % 20) - 10);
        double w0 = 4 * gn_rng_normal(&r), w1 = gn_rng_normal(&r);
        double lam = pow(10.0, -8 + 10 * gn_rng_uniform(&r)), mu = gn_rng_uniform(&r);
        int bce = i % 2;
        double y = bce ? (double)(gn_rng_u64(&r) % 2) : 3 * gn_rng_normal(&r);
        char flags[1024];
        snprintf(flags, sizeof flags,
                 "--loss %s --x %.17g,%.17g --w %.17g,%.17g --y %.17g --lambda %.17g --mu %.17g "
                 "--alpha 0.5",
                 bce ? "bce" : "squared", x0, x1, w0, w1, y, lam, mu);
        char *dir;
        char *md = rank1_page(flags, &dir);
        if (!md)
            fail_msg("seed %llu instance %zu: notebook failed with %s",
                     (unsigned long long)seed, i, flags);
        int b = check_rank1(md, REF_RIGHT, 1);
        if (b != 0)
            fail_msg("seed %llu instance %zu: %d values off (%s)", (unsigned long long)seed, i, b,
                     flags);
        free(md);
        rmrf(dir);
        free(dir);
    }
}

/* without gnuplot and dot the scripts are written and the page says the SVG was skipped */
static void test_without_tools(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char args[512], path[512];
    snprintf(args, sizeof args, "notebook rank1 --quick --out %s", t);
    /* an empty PATH: /bin/sh still runs by its absolute path, gnuplot and dot are not found */
    assert_int_equal(run("PATH=/nonexistent", args), 0);
    snprintf(path, sizeof path, "%s/rank1/directions.gp", t);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/rank1/derivation.dot", t);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/rank1/directions.svg", t);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/rank1/page.md", t);
    char *md = gn_test_read(path);
    assert_non_null(md);
    assert_non_null(strstr(md, "SVG was skipped"));
    free(md);
    snprintf(path, sizeof path, "%s/rank1/index.html", t);
    int nl;
    assert_int_equal(broken_links(path, &nl), 0);
    rmrf(t);
    free(t);
}

/* --data on a small numeric CSV in the California Housing layout (target last) */
static void test_supervised_csv(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char csv[256], args[1024], path[512];
    snprintf(csv, sizeof csv, "%s/housing.csv", t);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fprintf(f, "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude,"
               "MedHouseVal\n");
    gn_rng r;
    gn_rng_seed(&r, gn_test_seed(), 11);
    for (int i = 0; i < 300; i++) {
        double v[8];
        for (int c = 0; c < 8; c++)
            v[c] = 1 + gn_rng_uniform(&r) * (c + 1);
        double y = 0.5 + 0.3 * v[0] + 0.1 * v[2] + 0.05 * gn_rng_normal(&r);
        fprintf(f, "%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", v[0], v[1], v[2], v[3], v[4],
                v[5], v[6], v[7], y);
    }
    fclose(f);
    snprintf(args, sizeof args, "notebook supervised --quick --out %s --data %s --target MedHouseVal",
             t, csv);
    assert_int_equal(run(NULL, args), 0);
    snprintf(path, sizeof path, "%s/supervised/page.md", t);
    char *md = gn_test_read(path);
    assert_non_null(md);
    assert_non_null(strstr(md, "MedHouseVal"));
    assert_non_null(strstr(md, "MAPE"));
    free(md);
    /* bce on a non-binary target is bad input: exit 2 */
    snprintf(args, sizeof args,
             "notebook supervised --quick --out %s --data %s --target MedHouseVal --loss bce", t,
             csv);
    assert_int_equal(run(NULL, args), 2);
    rmrf(t);
    free(t);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char args[512];
    const char *bad[] = {"notebook", "notebook nosuch", "notebook rank1 --lambda -1",
                         "notebook rank1 --x 1", "notebook rank1 --bogus 3",
                         "notebook scale --scale-max 2.5", "notebook lqr --plant only.csv",
                         "notebook supervised --data /nonexistent.csv --target y",
                         "notebook supervised --diamonds /nonexistent.csv.gz",
                         "notebook all --alpha 3", "notebook overparam --scales 1,-2",
                         "notebook egn --rows 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(args, sizeof args, "%s --out %s", bad[i], t);
        int rc = run(NULL, args);
        if (rc != 2)
            fail_msg("'gnlab %s' exited %d, want 2", args, rc);
    }
    assert_int_equal(run(NULL, "notebook --help"), 0);
    rmrf(t);
    free(t);
}


/* issue 13 finding 11: every run diverging before its first record (tau0 = 1e300) left no
 * records, and the table read the record before the first (UBSan: index out of bounds under
 * make sanitize; garbage in the page otherwise). Now the row says nan and the page fails. */
static void test_overparam_immediate_divergence(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char args[512], path[600];
    snprintf(args, sizeof args, "notebook overparam --scales 1e300 --quick --out %s", t);
    assert_int_equal(run(NULL, args), 1);
    snprintf(path, sizeof path, "%s/overparam/page.md", t);
    char *md = gn_test_read(path);
    assert_non_null(md);
    for (int gn = 0; gn < 2; gn++) {
        char row[128];
        snprintf(row, sizeof row, "| %s | ", gn ? "GN" : "GD");
        const char *r = strstr(md, row);
        assert_non_null(r);
        const char *want = "| nan | nan | nan → nan | nan | 2 of 2 |"; /* quick: 2 seeds */
        const char *e = strchr(r, '\n');
        const char *w = strstr(r, want);
        if (!w || (e && w > e))
            fail_msg("the %s row after immediate divergence is not all nan: %.*s",
                     gn ? "GN" : "GD", e ? (int)(e - r) : 80, r);
    }
    free(md);
    rmrf(t);
    free(t);
}

/* issue 13 finding 4: every write, flush and close of a page, data file, script, index,
 * sweep record file and the report on stdout is checked: exit 2 with the path on stderr.
 * The full disk is /dev/full behind a symbolic link where the file goes. Before, an
 * unwritable --out exited 1, a data file on a full disk 0. */
static void test_write_failures_exit_2(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0) {
        printf("# skip: no /dev/full\n");
        return;
    }
    struct {
        const char *link; /* under the output root, made a link to /dev/full ("" none) */
        const char *args; /* after "notebook", before --out ROOT */
        const char *redirect, *want; /* stdout redirection; what stderr must name */
    } table[] = {
        {"", "rank1", "", "/dev/full/rank1"}, /* --out /dev/full: not a directory */
        {"lqr/index.html", "lqr --quick", "", "/lqr/index.html"},
        {"lqr/page.md", "lqr --quick", "", "/lqr/page.md"},
        {"lqr/lqr_1_deterministic.dat", "lqr --quick", "", "/lqr/lqr_1_deterministic.dat"},
        {"lqr/policy_error.gp", "lqr --quick", "", "/lqr/policy_error.gp"},
        {"rank1/derivation.dot", "rank1", "", "/rank1/derivation.dot"},
        {"index.md", "rank1", "", "/index.md"},
        {"x", "rank1", "> /dev/full", "standard output"},
        {"x", "supervised --quick --sweep-shard 0/2 --sweep-out /dev/full", "", "/dev/full"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char *t = tmpdir();
        assert_non_null(t);
        char root[600], link[900], dir[900], cmd[4096], err[700];
        snprintf(root, sizeof root, "%s", *table[i].link ? t : "/dev/full");
        if (*table[i].link) {
            snprintf(link, sizeof link, "%s/%s", t, table[i].link);
            snprintf(dir, sizeof dir, "%s", link);
            char *sl = strrchr(dir, '/');
            *sl = '\0';
            snprintf(cmd, sizeof cmd, "mkdir -p '%s' && ln -s /dev/full '%s'", dir, link);
            assert_int_equal(system(cmd), 0);
        }
        snprintf(err, sizeof err, "%s/stderr.txt", t);
        snprintf(cmd, sizeof cmd, "%s notebook %s --out %s --quiet %s 2> %s", bin(),
                 table[i].args, root, *table[i].redirect ? table[i].redirect : "> /dev/null",
                 err);
        int r = system(cmd);
        int rc = (r != -1 && WIFEXITED(r)) ? WEXITSTATUS(r) : -1;
        char *msg = gn_test_read(err);
        if (rc != 2 || !msg || !strstr(msg, table[i].want))
            fail_msg("'%s' exited %d (want 2), stderr '%s' (want '%s')", cmd, rc,
                     msg ? msg : "", table[i].want);
        free(msg);
        rmrf(t);
        free(t);
    }
}

/* issue 13 finding 5: a notebook passes only if learning happened. The fail-closed table:
 * settings where nothing learns (everything diverges, or the rates are too small to move
 * anything), each of which exited 0 with "pass" before; each must now exit 1 with its
 * learning check FAILED on the page. The negative control is test_all_quick: the default
 * settings pass the same check on every training notebook. */
static void test_learning_fails_closed(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    /* an aircraft's pitch dynamics (state angle of attack, pitch rate, pitch angle; input
     * elevator) discretised by zero-order hold with a 1 s step: exp([[Ac, Bc], [0, 0]] 1 s)
     * of Ac = [[-0.313, 56.7, 0], [-0.0139, -0.426, 0], [0, 56.7, 0]], Bc = [0.232, 0.0203,
     * 0]; Riccati and exact policy iteration converge, QL and IGNDQ both diverge */
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/A.csv", t);
    snprintf(pb, sizeof pb, "%s/B.csv", t);
    FILE *f = fopen(pa, "w");
    assert_non_null(f);
    fputs("a1,a2,a3\n0.47127077710554233,34.2554956427294,0\n"
          "-0.0083977317360483025,0.40300144716495045,0\n"
          "-0.29048428979307167,40.796616700657786,1\n", f);
    assert_int_equal(fclose(f), 0);
    f = fopen(pb, "w");
    assert_non_null(f);
    fputs("b1\n0.60082294554480353\n0.013417618409018704\n0.44800551121201382\n", f);
    assert_int_equal(fclose(f), 0);
    struct {
        const char *name, *flags, *failed;
    } table[] = {
        {"lqr", "--plant A.csv B.csv", "learning: plant 1, deterministic"},
        {"scale", "--alpha 1e-12", "learning: original features"},
        {"supervised", "--grid 1e-12,1e-12,1", "learning: Diamonds"},
        {"overparam", "--scales 1e300", "learning: τ₀ = 1e+300"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char flags[1400], args[2000], path[700];
        if (!strcmp(table[i].name, "lqr"))
            snprintf(flags, sizeof flags, "--plant %s %s", pa, pb);
        else
            snprintf(flags, sizeof flags, "%s", table[i].flags);
        snprintf(args, sizeof args, "notebook %s --quick %s --out %s", table[i].name, flags, t);
        int rc = run(NULL, args);
        if (rc != 1)
            fail_msg("'gnlab %s' exited %d, want 1 (nothing learned)", args, rc);
        snprintf(path, sizeof path, "%s/%s/page.md", t, table[i].name);
        char *md = gn_test_read(path);
        assert_non_null(md);
        char want[256];
        snprintf(want, sizeof want, "check **FAILED**: %s", table[i].failed);
        if (!strstr(md, want))
            fail_msg("%s: no '%s'", path, want);
        free(md);
    }
    rmrf(t);
    free(t);
}

/* the learning rule itself: a non-finite, non-positive or negative error never learns */
static void test_learn_ratio(void **state)
{
    (void)state;
    assert_true(nb_learn_ratio(2.0, 1.0) == 0.5);
    assert_true(nb_learn_ratio(2.0, 0.0) == 0.0);
    const double bad[][2] = {{NAN, 1}, {1, NAN}, {INFINITY, 1}, {1, INFINITY}, {0, 0},
                             {-1, -2}, {1, -1}, {0, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (!(nb_learn_ratio(bad[i][0], bad[i][1]) == INFINITY))
            fail_msg("nb_learn_ratio(%g, %g) = %g, want inf", bad[i][0], bad[i][1],
                     nb_learn_ratio(bad[i][0], bad[i][1]));
}

/* ------------------------------------------------ the sweep engine (nb_sweep) */

/* a stand-in for training: the value and curve are a function of the run, counted */
typedef struct {
    size_t run;
    int calls;
} fake;

static double fake_train(void *arg, double *curve)
{
    fake *f = arg;
    f->calls++;
    for (size_t k = 0; curve && k < NB_SWEEP_NCURVE; k++)
        curve[k] = 1.0 / (3.0 + (double)f->run + (double)k);
    return f->run == 5 ? NAN : 0.1 * (double)f->run + 1.0 / 3.0;
}

/* every run of a 2-optimizer x 6 sweep through s; the values in v, curves in c */
static int sweep_all(nb_sweep *s, double *v, double *c, int *calls)
{
    for (int o = 0; o < 2; o++)
        for (size_t i = 0; i < 6; i++) {
            size_t run = (size_t)o * 6 + i;
            fake f = {run, 0};
            nb_sweep_key k = {1, 1, o, i};
            v[run] = nb_sweep_run(s, &k, run, 12, 1, fake_train, &f, c + run * NB_SWEEP_NCURVE);
            *calls += f.calls;
        }
    return nb_sweep_missing(s);
}

static void test_sweep_engine(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char f0[512], f1[512], both[1100];
    snprintf(f0, sizeof f0, "%s/s0.jsonl", t);
    snprintf(f1, sizeof f1, "%s/s1.jsonl", t);
    snprintf(both, sizeof both, "%s,%s", f0, f1);
    double ref[12], refc[12 * NB_SWEEP_NCURVE], v[12], c[12 * NB_SWEEP_NCURVE];
    int calls = 0;
    /* off: every run trained once, nothing missing */
    nb_sweep_opts o = nb_sweep_opts_default();
    o.blocks = 4;
    nb_sweep *s = nb_sweep_open(&o, "sig A");
    assert_non_null(s);
    assert_int_equal(sweep_all(s, ref, refc, &calls), 0);
    assert_int_equal(calls, 12);
    assert_int_equal(nb_sweep_close(s), 0);
    /* two shards 0/2 and 1/2: each trains its own blocks, the rest is missing */
    const char *out[2] = {f0, f1};
    int trained = 0;
    for (int k = 0; k < 2; k++) {
        nb_sweep_opts so = o;
        char kn[16];
        snprintf(kn, sizeof kn, "%d/2", k);
        so.on = 1;
        so.have_own = 1;
        so.out = out[k];
        assert_int_equal(gn_io_shard_parse_kn(&so.own, kn, so.blocks), 0);
        s = nb_sweep_open(&so, "sig A");
        assert_non_null(s);
        calls = 0;
        int missing = sweep_all(s, v, c, &calls);
        assert_true(calls > 0 && calls < 12);
        assert_int_equal(missing, 12 - calls);
        trained += calls;
        assert_int_equal(nb_sweep_close(s), 0);
    }
    assert_int_equal(trained, 12);
    /* the merge trains nothing and gives the single process's values, bit for bit */
    nb_sweep_opts mo = o;
    mo.on = 1;
    mo.in = both;
    s = nb_sweep_open(&mo, "sig A");
    assert_non_null(s);
    calls = 0;
    assert_int_equal(sweep_all(s, v, c, &calls), 0);
    assert_int_equal(calls, 0);
    assert_memory_equal(c, refc, sizeof c);
    for (int i = 0; i < 12; i++)
        if (!(v[i] == ref[i] || (isnan(v[i]) && isnan(ref[i]))))
            fail_msg("run %d: merged %a, single %a", i, v[i], ref[i]);
    nb_sweep_close(s);
    /* negative controls: one shard alone leaves runs missing; another signature and the
     * same file twice are refused */
    mo.in = f0;
    s = nb_sweep_open(&mo, "sig A");
    assert_non_null(s);
    calls = 0;
    assert_true(sweep_all(s, v, c, &calls) > 0);
    nb_sweep_close(s);
    assert_null(nb_sweep_open(&mo, "sig B"));
    snprintf(both, sizeof both, "%s,%s", f0, f0);
    mo.in = both;
    assert_null(nb_sweep_open(&mo, "sig A"));
    rmrf(t);
    free(t);
}

/* the Diamonds reader on the shipped file and on a corrupted copy */
static void test_diamonds_read(void **state)
{
    (void)state;
    nb_diamond *d = NULL;
    long n = nb_diamonds_read(&d, "notebooks/data/diamonds.csv.gz");
    assert_int_equal(n, 53940);
    /* ggplot2's first row: 0.23, Ideal, E, SI2, 61.5, 55, 326, 3.95, 3.98, 2.43 */
    assert_true(d[0].carat == 0.23 && d[0].cut == 4 && d[0].color == 1 && d[0].clarity == 1 &&
                d[0].price == 326 && d[0].z == 2.43);
    free(d);
    char *t = tmpdir();
    assert_non_null(t);
    char path[512];
    snprintf(path, sizeof path, "%s/bad.csv", t);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "\"carat\",\"cut\",\"color\",\"clarity\",\"depth\",\"table\",\"price\",\"x\",\"y\","
               "\"z\"\n0.23,\"Ideal\",\"E\",\"SI2\",61.5,55,326,3.95,3.98,2.43\n"
               "0.21,\"Nice\",\"E\",\"SI1\",59.8,61,326,3.89,3.84,2.31\n");
    fclose(f);
    d = NULL;
    assert_int_equal(nb_diamonds_read(&d, path), -1);
    assert_null(d);
    rmrf(t);
    free(t);
}

/* ------------------------------------------- the notebooks' compute functions, small sizes */
static const nb_ctx quiet_ctx = {NULL, 1, 1, 7, NULL};

/* notebook 6: GN interpolates (its train loss falls), its first direction matches the
 * explicit solve within the stated bound, and a second call repeats the first exactly */
static void test_overparam_compute(void **state)
{
    (void)state;
    nb_overparam_opts o = nb_overparam_opts_default(1);
    o.width = 10;
    o.samples = 5;
    o.iters = 20;
    o.seeds = 1;
    o.scales[0] = 1.0;
    o.nscales = 1;
    nb_overparam_result a, b;
    assert_int_equal(nb_overparam_compute(&a, &quiet_ctx, &o), 0);
    assert_int_equal(a.P, (3 + 2) * 10 + 1);
    assert_int_equal(a.nrun, 2);
    const nb_overparam_trace *gd = &a.runs[0], *gn = &a.runs[1];
    assert_false(gd->diverged || gn->diverged);
    assert_true(gn->nrec >= 2 && gn->iter[0] == 0 && gn->iter[gn->nrec - 1] == o.iters);
    if (!(gn->dg_check > 0 && gn->dg_check <= 1.0))
        fail_msg("push-through against primal at %.17g of its bound", gn->dg_check);
    if (!(gn->train[gn->nrec - 1] < 0.5 * gn->train[0]))
        fail_msg("GN train loss %.17g -> %.17g", gn->train[0], gn->train[gn->nrec - 1]);
    assert_true(gn->h == 0.2 && gd->h > 0 && gd->h <= 1.0);
    assert_int_equal(nb_overparam_compute(&b, &quiet_ctx, &o), 0);
    assert_memory_equal(a.runs, b.runs, a.nrun * sizeof *a.runs);
    assert_memory_equal(a.wfin, b.wfin, a.nrun * a.P * sizeof *a.wfin);
    nb_overparam_result_free(&a);
    nb_overparam_result_free(&b);
    nb_overparam_result_free(NULL);
}

/* notebook 2: multipliers are non-zero integers in range, §5's deltas hold, IGNDQ never
 * diverges, and QL on features scaled so that alpha m^2 is far above 2 does (the control
 * that the divergence count can count) */
static void test_scale_compute(void **state)
{
    (void)state;
    nb_scale_opts o = nb_scale_opts_default(1);
    o.seeds = 1;
    o.episodes = 100;
    o.scale_max = 3;
    nb_scale_result r;
    assert_int_equal(nb_scale_compute(&r, &quiet_ctx, &o), 0);
    for (int k = 0; k < NB_SC_NF; k++)
        if (!(r.mult[k] != 0 && r.mult[k] == floor(r.mult[k]) && fabs(r.mult[k]) <= 3))
            fail_msg("multiplier %d = %.17g", k, r.mult[k]);
    assert_true(r.delta_ok);
    assert_true(r.delta_igndq[1] <= o.alpha && r.delta_ql[1] <= o.alpha * 9);
    assert_true(r.alpha_retuned == o.alpha / 9);
    assert_true(r.npts == 50 && r.every == 2);
    for (size_t i = 0; i < NB_SC_NCOND * r.npts; i++)
        assert_true(r.succ[i] == 0.0 || r.succ[i] == 1.0);
    assert_true(r.ndiv[1] == 0 && r.ndiv[3] == 0);
    nb_scale_result_free(&r);
    o.scale_max = 10; /* alpha m^2 up to 50, the page's setting */
    o.episodes = 600;
    assert_int_equal(nb_scale_compute(&r, &quiet_ctx, &o), 0);
    assert_true(r.ndiv[2] > 0 && r.ndiv[3] == 0);
    nb_scale_result_free(&r);
}

/* notebook 4: K* solves the Riccati equation, exact PI reaches it, the learned runs start
 * at |K*|_F (K = 0); unreadable plant files are a usage error */
static void test_lqr_compute(void **state)
{
    (void)state;
    nb_lqr_opts o = nb_lqr_opts_default(1);
    o.seeds = 1;
    o.iters = 3;
    o.eval_steps = 200;
    nb_lqr_result r;
    assert_int_equal(nb_lqr_compute(&r, &quiet_ctx, &o), 0);
    assert_int_equal(r.np, 2);
    for (size_t ip = 0; ip < r.np; ip++) {
        const nb_lqr_plant_result *pr = &r.plants[ip];
        size_t mn = pr->plant.m * pr->plant.n;
        double k2 = 0;
        for (size_t i = 0; i < mn; i++)
            k2 += pr->Kstar[i] * pr->Kstar[i];
        assert_true(pr->riccati_ok && pr->riccati_resid <= 1e-12 && pr->exact_ok);
        if (!(pr->exact_fin <= 1e-9 * sqrt(k2) && fabs(pr->exact[0] - sqrt(k2)) <= 1e-12 * sqrt(k2)))
            fail_msg("plant %zu: |K_60 - K*| = %.17g, |K*| = %.17g", ip, pr->exact_fin, sqrt(k2));
        for (int mode = 0; mode < 2; mode++)
            for (int meth = 0; meth < 2; meth++)
                assert_true(pr->err[mode][(size_t)meth * (o.iters + 1)] == pr->exact[0]);
    }
    nb_lqr_result_free(&r);
    o.plant_a = "/nonexistent/A.csv";
    o.plant_b = "/nonexistent/B.csv";
    assert_int_equal(nb_lqr_compute(&r, &quiet_ctx, &o), -2);
}

/* notebook 5: rates come from the grid, EGN's final runs stay finite, and every cell of the
 * cost sweep agrees between the two routes within its bound */
static void test_egn_compute(void **state)
{
    (void)state;
    nb_egn_opts o = nb_egn_opts_default(1);
    o.seeds = 1;
    o.epochs = 1;
    o.rows = 200;
    o.hidden = 4;
    nb_egn_result r;
    assert_int_equal(nb_egn_compute(&r, &quiet_ctx, &o), 0);
    assert_int_equal(r.nparams, 4 * 4 + 4 + 4 * 4 + 4 + 4 + 1);
    for (int k = 0; k < 3; k++) {
        int in = 0;
        for (int g = 0; g < NB_EG_GRID_N; g++)
            in |= r.rate[k] == r.grid[g];
        assert_true(in);
    }
    assert_true(r.rate[3] == 0 && r.sel_epochs == 1);
    for (size_t e = 0; e <= o.epochs; e++)
        assert_true(isfinite(r.curve[3 * (o.epochs + 1) + e]) && r.secs[e] >= 0);
    assert_true(r.ncost == 7 && r.nd == 3 && r.dfix == 200);
    for (size_t i = 0; i < r.ncost; i++)
        if (!(r.cost[i].ok && r.cost[i].reldiff <= r.cost[i].bound))
            fail_msg("cost cell b = %zu, d = %zu: %.17g over bound %.17g", r.cost[i].b,
                     r.cost[i].d, r.cost[i].reldiff, r.cost[i].bound);
    nb_egn_result_free(&r);
}

/* ------------------------------------------------ claims with verdicts (nb_verdict.c) */

/* the paired t interval against textbook quantiles t_{0.975, df} (df 1, 4, 9; 10 digits),
 * so a wrong quantile (the normal 1.96, or t at the wrong df) is caught */
static void test_paired_t(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        double t;
    } q[] = {{2, 12.70620474}, {5, 2.776445105}, {10, 2.262157163}};
    for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
        double d[10], s = 0, ss = 0;
        for (size_t i = 0; i < q[k].n; i++) {
            d[i] = 1.0 + (double)(i * i) / 3.0;
            s += d[i];
        }
        double mu = s / (double)q[k].n;
        for (size_t i = 0; i < q[k].n; i++)
            ss += (d[i] - mu) * (d[i] - mu);
        double half = q[k].t * sqrt(ss / (double)(q[k].n - 1)) / sqrt((double)q[k].n);
        nb_paired p;
        assert_int_equal(nb_paired_t(&p, d, q[k].n), 0);
        assert_int_equal(p.n, q[k].n);
        /* the table's 10 digits bound the comparison: 1e-8 relative */
        if (fabs(p.hi - p.mean - half) > 1e-8 * half || fabs(p.mean - p.lo - half) > 1e-8 * half ||
            fabs(p.mean - mu) > 1e-14 * fabs(mu))
            fail_msg("n = %zu: [%.17g, %.17g] around %.17g, want half-width %.17g", q[k].n,
                     p.lo, p.hi, p.mean, half);
        /* negative control: the normal quantile's half-width is not accepted */
        double zhalf = 1.959963985 * half / q[k].t;
        assert_true(fabs(p.hi - p.mean - zhalf) > 1e-8 * half);
    }
}

/* the verdict rules fail closed: fewer than 2 finite pairs, NaN or inf in the interval, or
 * an undetermined comparison never give "reproduced" */
static void test_verdict_rules(void **state)
{
    (void)state;
    nb_paired p;
    double one[] = {5.0};
    nb_paired_t(&p, one, 1);
    assert_int_equal(nb_paired_verdict(&p), NB_V_UNDETERMINED); /* a rule "mean > 0" fails */
    double nan1[] = {5.0, NAN, INFINITY};
    assert_int_equal(nb_paired_t(&p, nan1, 3), -1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.dropped, 2);
    assert_int_equal(nb_paired_verdict(&p), NB_V_UNDETERMINED);
    double up[] = {1.0, 1.1, 0.9, 1.05};
    nb_paired_t(&p, up, 4);
    assert_int_equal(nb_paired_verdict(&p), NB_V_REPRODUCED);
    /* the same numbers with a NaN bound or mean: undetermined */
    nb_paired bad = p;
    bad.lo = NAN;
    assert_int_equal(nb_paired_verdict(&bad), NB_V_UNDETERMINED);
    bad = p;
    bad.mean = NAN;
    assert_int_equal(nb_paired_verdict(&bad), NB_V_UNDETERMINED);
    bad = p;
    bad.hi = INFINITY;
    assert_int_equal(nb_paired_verdict(&bad), NB_V_UNDETERMINED);
    bad = p;
    bad.n = 1;
    assert_int_equal(nb_paired_verdict(&bad), NB_V_UNDETERMINED);
    double straddle[] = {1.0, -1.0, 0.5, -0.4};
    nb_paired_t(&p, straddle, 4);
    assert_int_equal(nb_paired_verdict(&p), NB_V_NOT_REPRODUCED);
    double down[] = {-1.0, -1.1, -0.9};
    nb_paired_t(&p, down, 3);
    assert_int_equal(nb_paired_verdict(&p), NB_V_NOT_REPRODUCED);
    const nb_verdict r = NB_V_REPRODUCED, nr = NB_V_NOT_REPRODUCED, u = NB_V_UNDETERMINED;
    nb_verdict v2[2] = {r, r};
    assert_int_equal(nb_verdict_combine(v2, 2), NB_V_REPRODUCED);
    v2[1] = nr;
    assert_int_equal(nb_verdict_combine(v2, 2), NB_V_MIXED);
    v2[0] = nr;
    assert_int_equal(nb_verdict_combine(v2, 2), NB_V_NOT_REPRODUCED);
    v2[0] = r;
    v2[1] = u;
    assert_int_equal(nb_verdict_combine(v2, 2), NB_V_UNDETERMINED);
    assert_int_equal(nb_verdict_combine(v2, 0), NB_V_UNDETERMINED);
    assert_string_equal(nb_verdict_name(NB_V_NOT_REPRODUCED), "not reproduced at this size");
}

/* plot ranges: log only over two decades or more, floored at max_decades below the top;
 * else linear with margins; nothing for no finite value */
static void test_axis_range(void **state)
{
    (void)state;
    char out[160];
    const double wide[] = {1e-16, 3e-3, 0.5, NAN};
    nb_axis_range(out, sizeof out, "y", wide, 4, 6);
    assert_string_equal(out, "set logscale y\nset format y '10^{%T}'\nset yrange [1e-6:1e0]\n");
    nb_axis_range(out, sizeof out, "y", wide, 4, 0);
    assert_string_equal(out, "set logscale y\nset format y '10^{%T}'\nset yrange [1e-16:1e0]\n");
    const double narrow[] = {0.1, 0.5};
    nb_axis_range(out, sizeof out, "y", narrow, 2, 0);
    assert_string_equal(out, "unset logscale y\nset format y '%g'\nset yrange [0.08:0.52]\n");
    const double none[] = {NAN, INFINITY};
    nb_axis_range(out, sizeof out, "x", none, 2, 0);
    assert_string_equal(out, "");
}

/* DIR/FILE holds every string of needles (NULL-terminated) */
static void file_has(const char *dir, const char *file, const char *const *needles)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *s = gn_test_read(path);
    if (!s)
        fail_msg("cannot read %s", path);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(s, needles[i]))
            fail_msg("%s lacks \"%s\"", path, needles[i]);
    free(s);
}

/* a page's claims reach its summary, the index and stdout; every figure shows how to redraw
 * it and the command that rewrites the page; the page ends with exercises; `NAME --help`
 * lists NAME's flags only */
static void test_verdict_page(void **state)
{
    (void)state;
    char *t = tmpdir();
    assert_non_null(t);
    char cmd[4400], path[4400];
    snprintf(cmd, sizeof cmd, "%s notebook scale --quick --quiet --out %s > %s/out.txt 2>&1",
             bin(), t, t);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/out.txt", t);
    char *out = gn_test_read(path);
    assert_non_null(out);
    if (!strstr(out, "  verdict: ") || !strstr(out, "evidence (mean d [95% interval]): "))
        fail_msg("no verdict on stdout:\n%s", out);
    free(out);
    static const char *const sum[] = {"data\tdeterministic FrozenLake", "\nclaim\t", NULL};
    static const char *const idx[] = {"Ran on: deterministic FrozenLake", "- **", NULL};
    static const char *const md[] = {"Redraw: `gnuplot curves.gp` in this page's directory",
                                     "rerun: `gnlab notebook scale --quick`", "**verdict: ",
                                     "## Exercises", NULL};
    file_has(t, "scale/summary.tsv", sum);
    file_has(t, "index.md", idx);
    file_has(t, "scale/page.md", md);
    snprintf(cmd, sizeof cmd, "%s notebook scale --help > %s/help.txt 2>&1", bin(), t);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/help.txt", t);
    char *h = gn_test_read(path);
    assert_non_null(h);
    assert_non_null(strstr(h, "--scale-max"));
    assert_null(strstr(h, "--plant")); /* lqr's flag: not scale's */
    free(h);
    /* negative control: the general help does list every notebook */
    snprintf(cmd, sizeof cmd, "%s notebook --help > %s/help.txt 2>&1", bin(), t);
    assert_int_equal(system(cmd), 0);
    h = gn_test_read(path);
    assert_non_null(h);
    assert_non_null(strstr(h, "overparam"));
    free(h);
    rmrf(t);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_check_catches_broken),
        cmocka_unit_test(test_all_quick),
        cmocka_unit_test(test_rank1_default_matches_mpfr),
        cmocka_unit_test(test_rank1_random_matches_mpfr),
        cmocka_unit_test(test_without_tools),
        cmocka_unit_test(test_supervised_csv),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_sweep_engine),
        cmocka_unit_test(test_diamonds_read),
        cmocka_unit_test(test_overparam_compute),
        cmocka_unit_test(test_scale_compute),
        cmocka_unit_test(test_lqr_compute),
        cmocka_unit_test(test_egn_compute),
        cmocka_unit_test(test_overparam_immediate_divergence),
        cmocka_unit_test(test_learning_fails_closed),
        cmocka_unit_test(test_learn_ratio),
        cmocka_unit_test(test_write_failures_exit_2),
        cmocka_unit_test(test_paired_t),
        cmocka_unit_test(test_verdict_rules),
        cmocka_unit_test(test_axis_range),
        cmocka_unit_test(test_verdict_page),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
