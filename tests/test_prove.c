/* test_prove.c: the claim registry of proofs/ (gnlab prove).
 *
 * Every claim must pass at 128, 256 and 1024 bits on its adversarial set plus a few random
 * instances, and every mutant of every claim must be rejected (the negative controls: a check
 * that cannot fail proves nothing). The machinery is tested too: a residual above its
 * tolerance fails, results do not depend on how the instance range is split, and the
 * command's exit codes (0 pass, 1 a weak mutant or failing claim, 2 bad usage) when GN_BIN
 * names the built program. Seed: GN_SEED (default 20261122); GN_TEST_SCALE multiplies the
 * instance counts. */
#include "gn_test.h"

#include "pf_claims.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>

static pf_claim_opts opts(mpfr_prec_t prec, size_t inst)
{
    pf_claim_opts o = pf_claim_opts_default();
    o.prec = prec;
    o.instances = inst;
    o.seed = gn_test_seed();
    return o;
}

static void run_claims_at(mpfr_prec_t prec, size_t inst)
{
    for (size_t k = 0; k < pf_claim_count(); k++) {
        const pf_claim *c = pf_claim_at(k);
        /* the illustration runs 4 chains of 5000 MPFR steps per instance: its adversarial
         * pair plus one random instance keep the test short */
        pf_claim_opts o = opts(prec, c->illustration ? 1 : inst);
        pf_claim_result r;
        memset(&r, 0, sizeof r);
        assert_int_equal(pf_claim_run(&r, c, &o, 0, 0, (size_t)-1), GN_OK);
        if (!r.pass)
            print_message("claim %s failed at %ld bits, seed %llu: instance %zu check '%s' "
                          "resid %.17g tol %.17g inputs %s\n",
                          c->id, (long)prec, (unsigned long long)o.seed, r.worst, r.what,
                          r.resid, r.tol, r.desc);
        assert_true(r.instances > 0);
        assert_true(r.pass);
    }
}

static void test_claims_128(void **state)
{
    (void)state;
    run_claims_at(128, gn_test_iters(12));
}

static void test_claims_256(void **state)
{
    (void)state;
    run_claims_at(256, gn_test_iters(12));
}

static void test_claims_1024(void **state)
{
    (void)state;
    run_claims_at(1024, gn_test_iters(4));
}

/* every mutant must make its claim fail on at least one instance */
static void test_mutants_rejected(void **state)
{
    (void)state;
    for (size_t k = 0; k < pf_claim_count(); k++) {
        const pf_claim *c = pf_claim_at(k);
        size_t nm = pf_claim_nmutants(c);
        assert_true(nm >= 1);
        for (size_t m = 1; m <= nm; m++) {
            pf_claim_opts o = opts(256, c->illustration ? 1 : gn_test_iters(12));
            pf_claim_result r;
            memset(&r, 0, sizeof r);
            assert_int_equal(pf_claim_run(&r, c, &o, (int)m, 0, (size_t)-1), GN_OK);
            if (r.failed == 0)
                print_message("WEAK: mutant %zu of %s (%s) passed %zu instances, seed %llu\n",
                              m, c->id, c->mutants[m - 1], r.instances,
                              (unsigned long long)o.seed);
            assert_true(r.failed > 0);
        }
    }
}

/* the check itself: a residual above kc 2^-p fails, one below passes, NaN fails */
static void test_check_machinery(void **state)
{
    (void)state;
    pf_claim_ws ws;
    memset(&ws, 0, sizeof ws);
    ws.prec = 256;
    mpfr_init2(ws.r1, 320);
    mpfr_init2(ws.r2, 320);
    mpfr_t x;
    mpfr_init2(x, 256);
    ws.ratio = -1;
    mpfr_set_ui_2exp(x, 3, -256, MPFR_RNDN); /* 3 u */
    pf_claim_cmp(&ws, "below", x, 4.0);
    assert_false(ws.failed);
    pf_claim_cmp(&ws, "above", x, 2.0);
    assert_true(ws.failed);
    assert_string_equal(ws.what, "above");
    ws.failed = 0;
    mpfr_set_nan(x);
    pf_claim_cmp(&ws, "nan", x, 1e300);
    assert_true(ws.failed);
    ws.failed = 0;
    pf_claim_true(&ws, "false fact", 0);
    assert_true(ws.failed);
    mpfr_clear(x);
    mpfr_clear(ws.r1);
    mpfr_clear(ws.r2);
    /* unknown mutant and precision out of range are refused */
    pf_claim_opts o = opts(256, 1);
    pf_claim_result r;
    memset(&r, 0, sizeof r);
    const pf_claim *c = pf_claim_find("prop-3.2");
    assert_non_null(c);
    assert_int_equal(pf_claim_run(&r, c, &o, 99, 0, (size_t)-1), GN_EDOM);
    o.prec = 16;
    assert_int_equal(pf_claim_run(&r, c, &o, 0, 0, (size_t)-1), GN_EDOM);
    assert_null(pf_claim_find("no-such-claim"));
}

/* instances are functions of (seed, index): splitting the range changes nothing */
static void test_partition_invariant(void **state)
{
    (void)state;
    const pf_claim *c = pf_claim_find("egn-direction");
    assert_non_null(c);
    pf_claim_opts o = opts(256, gn_test_iters(10));
    size_t tot = pf_claim_total(c, &o);
    pf_claim_result whole, parts;
    memset(&whole, 0, sizeof whole);
    memset(&parts, 0, sizeof parts);
    pf_claim_run(&whole, c, &o, 0, 0, tot);
    pf_claim_run(&parts, c, &o, 0, 0, tot / 2);
    pf_claim_run(&parts, c, &o, 0, tot / 2, tot);
    assert_int_equal(whole.instances, parts.instances);
    assert_true(whole.ratio == parts.ratio);
    assert_int_equal(whole.worst, parts.worst);
    /* a different seed gives different random instances */
    pf_claim_result r1, r2;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    pf_claim_run(&r1, c, &o, 0, c->nadv, tot);
    o.seed ^= 0x9e3779b97f4a7c15u;
    pf_claim_run(&r2, c, &o, 0, c->nadv, tot);
    assert_true(r1.ratio != r2.ratio);
}

/* the command: exit codes and TAP output (needs GN_BIN, set by make check) */
static void test_command(void **state)
{
    (void)state;
    const char *bin = getenv("GN_BIN");
    if (!bin || !*bin) {
        print_message("# GN_BIN not set: command checks skipped\n");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s prove --instances 3 --tap prop-3.2 egn-ignd >/dev/null", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof cmd, "%s prove --instances 3 --mutants --json remark-b1 >/dev/null", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof cmd, "%s prove --prec 12 >/dev/null 2>&1", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "%s prove no-such-claim >/dev/null 2>&1", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "%s prove --instances x >/dev/null 2>&1", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
}

/* pf_claim_merge is the one fold of prove's threads and of gnlab merge: the worst instance
 * is the largest ratio with ties to the lowest index, whatever the order of the parts.
 * Negative control: a tie broken by arrival order would give instance 7 one way round. */
static void test_merge_order_free(void **state)
{
    (void)state;
    pf_claim_result a, b, c, x, y;
    memset(&a, 0, sizeof a);
    a.instances = 3;
    a.ratio = 0.5;
    a.worst = 7;
    snprintf(a.what, sizeof a.what, "a");
    b = a;
    b.worst = 2; /* same ratio, lower index: b's instance is the worst */
    snprintf(b.what, sizeof b.what, "b");
    memset(&c, 0, sizeof c);
    c.skipped = 4; /* no instance: counts only */
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    pf_claim_merge(&x, &a);
    pf_claim_merge(&x, &c);
    pf_claim_merge(&x, &b);
    pf_claim_merge(&y, &b);
    pf_claim_merge(&y, &a);
    pf_claim_merge(&y, &c);
    assert_int_equal(x.worst, 2);
    assert_int_equal(y.worst, 2);
    assert_string_equal(x.what, "b");
    assert_string_equal(y.what, "b");
    assert_int_equal(x.instances, 6);
    assert_int_equal(x.skipped, 4);
    assert_int_equal(y.skipped, 4);
    assert_true(x.pass && y.pass);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_machinery),
        cmocka_unit_test(test_partition_invariant),
        cmocka_unit_test(test_merge_order_free),
        cmocka_unit_test(test_claims_128),
        cmocka_unit_test(test_claims_256),
        cmocka_unit_test(test_claims_1024),
        cmocka_unit_test(test_mutants_rejected),
        cmocka_unit_test(test_command),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
