/* test_audit_screen.c: the audit with its double-double screen (the default) gives exactly the
 * MPFR-only audit's results (`--exact`): the same status, error message, summary (verdict,
 * counts, first and largest steps with their err and bound, every variant's tried / matched /
 * fit: the diagnosis) and the same listed steps, on
 *   - every trace tests/test_audit.c audits: that file is compiled into this one with each of
 *     its val_audit_stream calls routed through both_stream, which runs the screen and the
 *     exact audit on the same (seekable) stream and compares them; test_audit's own checks
 *     then run on the screened result (its tests run in a child process, their TAP output
 *     kept as a diagnostic);
 *   - the fuzz corpus (validate/fuzz/corpus, or fuzz/corpus/audit when it has moved);
 *   - generated traces of every rule (the double core's steps) at d = 1, 3, 100, 1000, and
 *     near-boundary traces with steps planted just inside and just outside their bound.
 * Negative control: a deliberately loosened screen (its bound without error terms, shrunk by
 * 20%) decides a planted step that exceeds its bound by under 1% as agreeing, and the
 * comparison must then fail. */
#include "gn_test.h"

#include "gn_io.h"
#include "val_audit.h"
#include "val_bench_audit.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* --------------------------------------------------- screen against exact */

typedef struct {
    val_audit_step st;
    char why[1024];
} logged;

typedef struct {
    logged *v;
    size_t n, cap;
} steplog;

static void log_cb(const val_audit_step *st, void *arg)
{
    steplog *lg = arg;
    if (lg->n == lg->cap) {
        lg->cap = lg->cap ? 2 * lg->cap : 16;
        lg->v = realloc(lg->v, lg->cap * sizeof *lg->v);
        assert_non_null(lg->v);
    }
    logged *l = &lg->v[lg->n++];
    l->st = *st;
    snprintf(l->why, sizeof l->why, "%s", st->why ? st->why : "");
    l->st.why = NULL;
}

static int same_d(double a, double b) { return a == b || (a != a && b != b); }

/* 1 when the two steps are reported identically (why compared by text by the caller) */
static int same_step(const val_audit_step *a, const val_audit_step *b)
{
    return a->index == b->index && a->line == b->line && a->method == b->method &&
           a->dtype == b->dtype && same_d(a->err, b->err) && same_d(a->bound, b->bound) &&
           a->worst == b->worst && a->status == b->status && a->undetermined == b->undetermined;
}

/* "" when a and b agree in everything but the screened count; else what differs */
static const char *diff_summary(const val_audit_summary *a, const val_audit_summary *b)
{
    if (a->steps != b->steps)
        return "steps";
    if (a->disagree != b->disagree)
        return "disagree";
    if (a->undetermined != b->undetermined)
        return "undetermined";
    if (a->have_first != b->have_first || (a->have_first && !same_step(&a->first, &b->first)))
        return "first disagreeing step";
    if (a->have_undet != b->have_undet ||
        (a->have_undet && !same_step(&a->first_undet, &b->first_undet)))
        return "first undetermined step";
    if (strcmp(a->undet_why, b->undet_why))
        return "declined message";
    if (a->have_largest != b->have_largest ||
        (a->have_largest && (!same_step(&a->largest, &b->largest) ||
                             !same_d(a->largest_ratio, b->largest_ratio))))
        return "largest error";
    if (a->dtypes != b->dtypes || a->methods != b->methods)
        return "dtypes or methods";
    for (size_t c = 0; c < VAL_AUDIT_MAXCAT; c++)
        if (a->tried[c] != b->tried[c] || a->matched[c] != b->matched[c] ||
            !same_d(a->var_err[c], b->var_err[c]))
            return "catalogue (diagnosis)";
    return "";
}

typedef struct {
    gn_status st;
    val_audit_summary s;
    steplog lg;
    char err[1024];
} run_out;

static void run_free(run_out *r) { free(r->lg.v); }

static void run_one(run_out *r, FILE *f, const char *name, const val_audit_opts *o, int exact,
                    double loosen)
{
    val_audit_opts oo = o ? *o : val_audit_opts_default();
    oo.exact = exact;
    oo.loosen = loosen;
    memset(r, 0, sizeof *r);
    r->st = val_audit_stream(&r->s, f, name, &oo, log_cb, &r->lg, r->err, sizeof r->err);
}

/* what differs between the two runs ("" when nothing) */
static const char *diff_runs(const run_out *a, const run_out *b)
{
    if (a->st != b->st)
        return "status";
    if (strcmp(a->err, b->err))
        return "error message";
    const char *d = diff_summary(&a->s, &b->s);
    if (*d)
        return d;
    if (a->lg.n != b->lg.n)
        return "number of listed steps";
    for (size_t i = 0; i < a->lg.n; i++)
        if (!same_step(&a->lg.v[i].st, &b->lg.v[i].st) || strcmp(a->lg.v[i].why, b->lg.v[i].why))
            return "a listed step";
    return "";
}

static uint64_t n_compared, n_uncompared, n_steps, n_screened;

/* the screened run (loosen as given) and the exact run of the stream f from its current
 * position; returns what differs ("" when nothing); *scr keeps the screened run.
 * -1 in *seekable when f cannot be re-read (then nothing was read). */
static const char *compare(run_out *scr, FILE *f, const char *name, const val_audit_opts *o,
                           double loosen, int *seekable)
{
    long pos = ftell(f);
    *seekable = pos >= 0 && fseek(f, pos, SEEK_SET) == 0;
    if (!*seekable)
        return "";
    run_out ex;
    run_one(scr, f, name, o, 0, loosen);
    assert_int_equal(fseek(f, pos, SEEK_SET), 0);
    clearerr(f);
    run_one(&ex, f, name, o, 1, 0.0);
    const char *d = diff_runs(scr, &ex);
    n_compared++;
    n_steps += scr->s.steps;
    n_screened += scr->s.screened;
    if (ex.s.screened)
        fail_msg("%s: the exact run screened %llu steps", name,
                 (unsigned long long)ex.s.screened);
    run_free(&ex);
    return d;
}

/* val_audit_stream for test_audit.c: screen and exact compared, the screened result returned
 * (with its listed steps passed to cb in order) */
static gn_status both_stream(val_audit_summary *s, FILE *f, const char *name,
                             const val_audit_opts *o, void (*cb)(const val_audit_step *, void *),
                             void *arg, char *err, size_t errlen)
{
    run_out scr;
    int seekable;
    const char *d = compare(&scr, f, name, o, 0.0, &seekable);
    if (!seekable) { /* a pipe: audited once, as it is */
        n_uncompared++;
        return val_audit_stream(s, f, name, o, cb, arg, err, errlen);
    }
    if (*d)
        fail_msg("%s: screen and --exact differ in the %s", name ? name : "trace", d);
    *s = scr.s;
    if (err && errlen)
        snprintf(err, errlen, "%.*s", (int)(errlen - 1), scr.err);
    size_t lim = o ? o->max_listed : val_audit_opts_default().max_listed;
    for (size_t i = 0; cb && i < scr.lg.n && i < lim; i++) {
        val_audit_step st = scr.lg.v[i].st;
        st.why = scr.lg.v[i].why[0] ? scr.lg.v[i].why : NULL;
        cb(&st, arg);
    }
    run_free(&scr);
    return scr.st;
}

/* ------------------------------------------- test_audit.c, routed through both */

#define val_audit_stream both_stream
#define main test_audit_main
#include "test_audit.c"
#undef main
#undef val_audit_stream

/* test_audit's whole suite in a child (its TAP output captured): it must pass, with its
 * traces compared; the child reports its counts on the last line */
static void test_audit_suite(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 1);
        int rc = test_audit_main();
        printf("\ncompared %llu uncompared %llu steps %llu screened %llu\n",
               (unsigned long long)n_compared, (unsigned long long)n_uncompared,
               (unsigned long long)n_steps, (unsigned long long)n_screened);
        fflush(stdout);
        _exit(rc == 0 ? 0 : 1);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    assert_non_null(f);
    char line[4096], last[256] = "";
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "not ok", 6) || strstr(line, "differ in the")) {
            bad = 1;
            print_message("# %s", line);
        }
        if (!strncmp(line, "compared ", 9))
            snprintf(last, sizeof last, "%.200s", line);
    }
    fclose(f);
    int ws;
    waitpid(pid, &ws, 0);
    unsigned long long c = 0, u = 0, st = 0, sc = 0;
    if (sscanf(last, "compared %llu uncompared %llu steps %llu screened %llu", &c, &u, &st, &sc) != 4)
        fail_msg("the child did not report its counts");
    print_message("# test_audit's traces: %llu compared (screen == exact), %llu streamed "
                  "uncompared (pipes), %llu steps, %llu screened\n", c, u, st, sc);
    if (bad || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        fail_msg("test_audit under the screen-vs-exact comparison failed (lines above)");
    assert_true(c >= 50);
}

/* ----------------------------------------------------------- other traces */

static void expect_same(const char *text, size_t len, const char *name,
                        const val_audit_opts *o)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    run_out scr;
    int seekable;
    const char *d = compare(&scr, f, name, o, 0.0, &seekable);
    fclose(f);
    assert_true(seekable);
    if (*d)
        fail_msg("%s: screen and --exact differ in the %s", name, d);
    run_free(&scr);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *dirs[] = {"fuzz/corpus/audit", "validate/fuzz/corpus"};
    size_t files = 0;
    for (size_t k = 0; k < 2 && !files; k++) {
        struct stat sb;
        if (stat(dirs[k], &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        char **list;
        size_t n = gn_test_list(dirs[k], "", &list);
        for (size_t i = 0; i < n; i++) {
            const char *path = list[i];
            char *text = gn_test_read(path);
            if (!text)
                continue;
            for (int prec = 0; prec < 2; prec++) {
                val_audit_opts o = val_audit_opts_default();
                o.prec = prec ? 64 : 128;
                expect_same(text, strlen(text), path, &o);
            }
            free(text);
            files++;
        }
        gn_test_list_free(list, n);
    }
    print_message("# %zu corpus files: screen == exact at 128 and 64 bits\n", files);
    assert_true(files >= 10);
}

/* every rule at several dimensions, the core's own steps */
static void test_generated(void **state)
{
    (void)state;
    static const size_t dims[] = {1, 3, 100, 1000};
    uint64_t before = n_screened;
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++)
        for (int m = 0; m < GN_IO_TRACE_NM; m++) {
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            assert_non_null(f);
            size_t steps = dims[k] >= 1000 ? 20 : 200;
            assert_int_equal(val_bench_audit_trace(f, (gn_io_trace_method)m, dims[k], steps,
                                                   gn_test_seed() + k, (int)(k & 1)), GN_OK);
            fclose(f);
            char name[64];
            snprintf(name, sizeof name, "%s d=%zu", gn_io_trace_method_name(m), dims[k]);
            expect_same(buf, len, name, NULL);
            free(buf);
        }
    uint64_t sc = n_screened - before;
    print_message("# generated traces: %llu steps screened\n", (unsigned long long)sc);
    assert_true(sc > 0); /* the screen is on (else this proves nothing) */
}

/* records repeated (A B A B ..., and with one ulp changed in a repeat): the screen's memo of
 * records sent to the exact path keeps the identical ones out of MPFR, the rest as before */
static void test_repeated(void **state)
{
    (void)state;
    for (int m = 0; m < GN_IO_TRACE_NM; m++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(val_bench_audit_trace(f, (gn_io_trace_method)m, 5, 2, gn_test_seed(), 1),
                         GN_OK);
        fclose(f);
        char *rep = NULL;
        size_t rlen = 0;
        f = open_memstream(&rep, &rlen);
        for (int k = 0; k < 6; k++)
            fwrite(buf, 1, len, f);
        /* a repeat of the last record with its last w_after digit changed: not identical */
        char *last = buf + len - 2;
        while (last > buf && (*last < '0' || *last > '9'))
            last--;
        *last = *last == '9' ? '8' : (char)(*last + 1);
        fwrite(buf, 1, len, f);
        fclose(f);
        char name[64];
        snprintf(name, sizeof name, "repeated %s", gn_io_trace_method_name(m));
        uint64_t before = n_screened;
        expect_same(rep, rlen, name, NULL);
        if (n_screened - before < 8)
            fail_msg("%s: only %llu of 14 steps screened", name,
                     (unsigned long long)(n_screened - before));
        free(buf);
        free(rep);
    }
}

/* ------------------------------------------------- near the boundary */

/* moves w_after_0 up by ulps until the step's err / B first exceeds target */
static void plant(gn_io_trace_rec *r, val_audit_work *wk, double target)
{
    double *got = r->v[GN_IO_TRACE_V_WAFTER];
    for (int k = 0; k < 100000; k++) {
        double e;
        size_t worst;
        assert_int_equal(val_audit_rule(&e, &worst, wk, r, NULL, NULL, 0), GN_OK);
        if (e > target * val_audit_bound(wk, r))
            return;
        got[0] = nextafter(got[0], INFINITY);
    }
    fail_msg("could not plant err / B > %g", target);
}

/* an IGND trace at d = 100 (B ~ 111 units, so one ulp of w_after_0 moves err / B by ~1%):
 * plain steps, and steps planted just above 0.9, 0.99 and 1.0 times their bound */
static char *planted_trace(size_t *len)
{
    enum { d = 100 };
    static const double targets[] = {0.0, 0.9, 0.0, 1.0, 0.0, 0.99, 0.0, 1.0};
    double w[d], j[d], wa[d];
    gn_rng rng;
    gn_rng_seed(&rng, gn_test_seed(), 16);
    gn_io_trace_rec r;
    memset(&r, 0, sizeof r);
    r.method = GN_IO_TRACE_M_IGND;
    r.dtype = GN_IO_TRACE_F64;
    r.n = d;
    r.has_s = 1u << GN_IO_TRACE_S_ALPHA | 1u << GN_IO_TRACE_S_LAMBDA | 1u << GN_IO_TRACE_S_MU |
              1u << GN_IO_TRACE_S_LP | 1u << GN_IO_TRACE_S_LPP;
    r.has_v = 1u << GN_IO_TRACE_V_W | 1u << GN_IO_TRACE_V_J | 1u << GN_IO_TRACE_V_WAFTER;
    r.v[GN_IO_TRACE_V_W] = w;
    r.v[GN_IO_TRACE_V_J] = j;
    r.v[GN_IO_TRACE_V_WAFTER] = wa;
    r.s[GN_IO_TRACE_S_ALPHA] = 0.5;
    r.s[GN_IO_TRACE_S_LAMBDA] = 0.5;
    r.s[GN_IO_TRACE_S_MU] = 0.1;
    r.s[GN_IO_TRACE_S_LPP] = 1.0;
    val_audit_work *wk = val_audit_work_alloc(128);
    assert_non_null(wk);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    val_audit_write_header(f, &r);
    for (size_t s = 0; s < sizeof targets / sizeof targets[0]; s++) {
        for (size_t i = 0; i < d; i++) {
            w[i] = gn_rng_normal(&rng);
            j[i] = gn_rng_normal(&rng);
            wa[i] = w[i];
        }
        r.s[GN_IO_TRACE_S_LP] = gn_rng_normal(&rng);
        assert_int_equal(gn_step_ignd(wa, j, d, r.s[GN_IO_TRACE_S_LP], 1.0, 0.5,
                                      (gn_damping){0.5, 0.1}), GN_OK);
        if (targets[s] > 0.0)
            plant(&r, wk, targets[s]);
        val_audit_write(f, &r, 0);
    }
    fclose(f);
    val_audit_work_free(wk);
    return buf;
}

static void test_near_boundary(void **state)
{
    (void)state;
    size_t len;
    char *text = planted_trace(&len);
    expect_same(text, len, "planted", NULL);
    /* the verdict really is decided at the boundary: two steps just over it disagree */
    FILE *f = fmemopen(text, len, "r");
    run_out ex;
    run_one(&ex, f, "planted", NULL, 1, 0.0);
    fclose(f);
    assert_int_equal(ex.st, GN_OK);
    assert_int_equal(ex.s.disagree, 2);
    run_free(&ex);
    free(text);
}

/* negative control: the screen without its error terms and 20% lower decides the steps
 * planted just over their bound as agreeing, and the comparison catches it */
static void test_loosened_screen_fails(void **state)
{
    (void)state;
    size_t len;
    char *text = planted_trace(&len);
    FILE *f = fmemopen(text, len, "r");
    run_out scr;
    int seekable;
    const char *d = compare(&scr, f, "planted", NULL, 0.2, &seekable);
    fclose(f);
    assert_true(seekable);
    if (!*d)
        fail_msg("the loosened screen went unnoticed (its disagree count %llu)",
                 (unsigned long long)scr.s.disagree);
    print_message("# loosened screen: the comparison fails in the %s (disagree %llu, exact 2)\n",
                  d, (unsigned long long)scr.s.disagree);
    run_free(&scr);
    free(text);
}

/* --------------------------------------------- core/io's fast number path */

/* gn_io_num_fast returns strtod's double whenever it returns at all */
static void check_fast(const char *txt)
{
    double got, want = strtod(txt, NULL);
    if (gn_io_num_fast(&got, txt, strlen(txt)) == 0 && memcmp(&got, &want, sizeof got))
        fail_msg("gn_io_num_fast(\"%s\") = %a, strtod %a", txt, got, want);
}

static void test_num_fast(void **state)
{
    (void)state;
    gn_rng rng;
    gn_rng_seed(&rng, gn_test_seed(), 17);
    static const char *const fmts[] = {"%.17g", "%.16g", "%.15g", "%.9g", "%.3g", "%.19g",
                                       "%.17e", "%.0f", "%.12f"};
    size_t n = gn_test_iters(200000), fast = 0;
    char txt[128];
    for (size_t k = 0; k < n; k++) {
        double x = gn_rng_normal(&rng) * ldexp(1.0, (int)(gn_rng_uniform(&rng) * 120.0) - 60);
        snprintf(txt, sizeof txt, fmts[k % 9], x);
        check_fast(txt);
        double y;
        fast += gn_io_num_fast(&y, txt, strlen(txt)) == 0;
        /* halfway between two doubles, written exactly when it has <= 19 digits */
        double up = nextafter(x, INFINITY);
        long double mid = ((long double)x + (long double)up) / 2.0L;
        snprintf(txt, sizeof txt, "%.19Lg", mid);
        check_fast(txt);
    }
    /* integers around 2^53 (ties to even), leading zeros, signs, forms, limits */
    static const char *const edge[] = {
        "9007199254740993", "9007199254740995", "9007199254740992.5", "-0", "+0.0", "0e5",
        "000000000000000000000000012.5", "1.", ".5", "-.5e-3", "1e27", "1e-27", "1e28",
        "9999999999999999999", "99999999999999999999", "1234567890123456789e-27",
        "0.00000000000000000000000001234", "12345678.12345678", "4.9e-324", "1e308", "1e", "e5",
        "--1", "1.2.3", "12345678a", "1x", "", "+", "."};
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) {
        double a, b;
        int rf = gn_io_num_fast(&a, edge[k], strlen(edge[k]));
        gn_status rs = gn_io_num_read(&b, edge[k], strlen(edge[k]), 0);
        if (rf == 0 && (rs != GN_OK || memcmp(&a, &b, sizeof a)))
            fail_msg("'%s': fast %a, tokenizer status %d %a", edge[k], a, (int)rs, b);
        if (rf == 0)
            check_fast(edge[k]);
    }
    print_message("# gn_io_num_fast: %zu of %zu random decimals on the fast path, all equal to "
                  "strtod\n", fast, n);
    assert_true(fast > n / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_suite),  cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_generated),    cmocka_unit_test(test_repeated),
        cmocka_unit_test(test_near_boundary),
        cmocka_unit_test(test_loosened_screen_fails), cmocka_unit_test(test_num_fast),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
