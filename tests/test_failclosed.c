/* test_failclosed.c: the fail-closed table of issue 13. Every command that prints a verdict
 * is run (GN_BIN, default build/gnlab) on degenerate input, and each row states what it must
 * NOT give: an exit status (or, with ONLY, every status but one) and a string it must not
 * print. A crash (a signal, or a status above 3) is refused for every row. A check added
 * later joins with one line in `rows`; a data file it needs, with one line in `files`.
 *
 * Exit statuses (docs/exit-status.md): 0 holds, 1 fails, 2 bad usage/input/output,
 * 3 undetermined. */
#include "gn_test.h"

#include <unistd.h>

/* data files, written into a fresh directory; "@" in a row's command names it */
static const struct {
    const char *name, *text;
} files[] = {
    {"const.csv", "x1,x2,y\n1,2,3\n1,2,4\n1,2,5\n1,2,1\n1,2,2\n"},
    {"zero.csv", "x1,x2,y\n0,0,3\n0,0,4\n0,0,5\n0,0,1\n"},
    {"dup.csv", "x1,x2,y\n1,1,3\n2,2,4\n3,3,5\n-1,-1,1\n0.5,0.5,2\n"},
    {"collinear.csv", "x1,x2,x3,y\n1,2,3,1\n2,1,3,2\n3,5,8,2\n-1,2,1,4\n4,-1,3,0\n"},
    {"nan.csv", "x1,x2,y\n1,2,3\n4,nan,5\n6,7,8\n"},
    {"inf.csv", "x1,x2,y\n1,2,3\n4,inf,5\n6,7,8\n"},
    {"lin.csv", "x,y\n1,2\n2,3\n3,4.1\n4,5\n"},
    {"exp.csv", "x,y\n1,2.7\n2,7.4\n3,20.1\n4,54.6\n"},
    {"ynan.csv", "x,y\n1,2\n2,nan\n3,4\n"},
    {"ezero.csv", "x1,y\n0,0\n0,0\n0,0\n0,0\n"},
    /* issue 17: mini-batch audit records */
    {"b_ill.jsonl", "{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":2,\"c\":1,\"lambda\":1e-30,"
                    "\"alpha\":1,\"w\":[0,0],\"J\":[[1e8,1],[1,1e8]],\"r\":[1,-1],\"q\":[1,1],"
                    "\"w_after\":[0,0]}\n"},
    {"b_sing.jsonl", "{\"method\":\"gn_batch_undamped\",\"dtype\":\"float64\",\"b\":2,\"c\":1,"
                     "\"alpha\":1,\"w\":[0,0,0],\"J\":[[1,2,3],[1,2,3]],\"r\":[1,-1],"
                     "\"q\":[1,1],\"w_after\":[0,0,0]}\n"},
    {"b_rep.jsonl", "{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,"
                    "\"alpha\":1,\"w\":[0],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[-0.5]}\n"
                    "{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,"
                    "\"alpha\":1,\"w\":[0],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[-0.5]}\n"},
    {"b_len.jsonl", "{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":2,\"c\":1,\"lambda\":1,"
                    "\"alpha\":1,\"w\":[1,2],\"J\":[1,2,3],\"r\":[1,2],\"q\":[1,1],"
                    "\"w_after\":[1,2]}\n"},
};

#define NOT(s) (1u << (s))                /* must not exit with s             */
#define ONLY(s) (0xFu & ~(1u << (s)))     /* must exit with s (0..3 otherwise) */

typedef struct {
    const char *finding;  /* the issue-13 finding (or "table" for a row of the table alone) */
    const char *what;
    const char *args;     /* gnlab's arguments; "@" is the data directory               */
    unsigned forbid;      /* statuses 0..3 it must not give (NOT, ONLY)                  */
    const char *never;    /* nullable: a string its output must not contain             */
} fc_row;

static const fc_row rows[] = {
    /* assume: degenerate data is undetermined (3) or fails (1), never holds (13.1) */
    {"13.1", "assume: constant feature columns", "assume --data @/const.csv --steps 200",
     NOT(0), "B.2 strong growth          holds"},
    {"13.1", "assume: all-zero feature columns", "assume --data @/zero.csv --steps 200", NOT(0),
     "4.2 alignment (4.14)       holds"},
    {"13.1", "assume: all-zero features, MPFR table", "assume --data @/zero.csv --steps 200",
     NOT(0), "nan            0            0 ok"},
    {"13.1", "assume: duplicate feature columns", "assume --data @/dup.csv --steps 200", NOT(0),
     "B.2 strong growth          holds"},
    {"13.1", "assume: rank deficiency (x3 = x1 + x2)", "assume --data @/collinear.csv --steps 200",
     NOT(0), "B.2 strong growth          holds"},
    {"13.1", "assume: MLP with L not estimated",
     "assume --data proofs/data/interp.csv --model mlp --l-points 0 --steps 200", NOT(0),
     "4.1 F_inf, L, lambda, mu   holds"},
    {"table", "assume: NaN inside the data", "assume --data @/nan.csv", ONLY(2), NULL},
    {"table", "assume: inf inside the data", "assume --data @/inf.csv", ONLY(2), NULL},
    {"table", "assume: a wrong alignment formula (--inject)",
     "assume --data proofs/data/interp.csv --steps 200 --inject xi_mean", NOT(0),
     "MPFR agreement: pass"},
    /* assume, egn: sizes beyond the documented maxima, refused before allocating (13.12) */
    {"13.12", "assume: a 10^9-wide hidden layer",
     "assume --data proofs/data/interp.csv --model mlp --hidden 1000000000", ONLY(2), NULL},
    {"13.12", "assume: --steps 2^40", "assume --data @/missing.csv --steps 1099511627776",
     ONLY(2), "cannot open"},
    {"13.12", "assume: npoints x parameters too many",
     "assume --data proofs/data/interp.csv --model mlp --hidden 1000 --npoints 1000000", ONLY(2),
     NULL},
    {"13.12", "egn: a 10^9-wide hidden layer", "egn --model mlp --hidden 1000000000 --epochs 1",
     ONLY(2), NULL},
    /* fit: an unidentifiable parameter fails (13.2); bad data and bad starts never pass */
    {"13.2", "fit: a parameter multiplied away (0*b1)",
     "fit --model '0*b1+x' --data @/lin.csv --start 1", ONLY(1), "GN correction nan"},
    {"13.2", "fit: a second parameter multiplied away",
     "fit --model 'b1*x+0*b2' --data @/lin.csv --start 1,1", ONLY(1), "GN correction nan"},
    {"table", "fit: NaN in the data", "fit --model 'b1*x' --data @/ynan.csv --start 1", ONLY(2),
     NULL},
    {"table", "fit: a start that overflows", "fit --model 'exp(b1*x)' --data @/exp.csv --start 1000",
     ONLY(2), NULL},
    {"table", "fit: a start where the gradient vanishes (diverging)",
     "fit --model 'exp(b1*x)' --data @/exp.csv --start -50", NOT(0), NULL},
    /* egn: no learning possible, NaN data */
    {"table", "egn: zero features and zero target (nothing to learn)",
     "egn --data @/ezero.csv --target y --epochs 2", NOT(0), NULL},
    {"table", "egn: NaN in the data", "egn --data @/ynan.csv --target y --epochs 2", ONLY(2), NULL},
    /* every output is checked: a write that fails is status 2 with the path (13.4) */
    {"13.4", "validate: shard file on a full disk",
     "validate --quick --only edge --shard 0/2 --out /dev/full", ONLY(2), NULL},
    {"13.4", "prove: shard file on a full disk", "prove --shard 0/2 --out /dev/full prop-3.2",
     ONLY(2), NULL},
    {"13.4", "prove: report to a full disk", "prove prop-3.2 >/dev/full", ONLY(2), NULL},
    {"13.4", "prove: --graph into a missing folder", "prove --graph @/no/such/x.svg prop-3.2",
     ONLY(2), NULL},
    {"13.4", "fit: --plot into a missing folder",
     "fit --model 'b1*x' --data @/lin.csv --start 1 --plot @/no/such/p.svg", ONLY(2), NULL},
    /* every command: a bad option, a missing input, a full standard output are status 2 */
    {"13.4", "validate: report to a full disk", "validate --quick --only edge >/dev/full",
     ONLY(2), NULL},
    {"13.4", "fit: report to a full disk",
     "fit --model 'b1*x' --data @/lin.csv --start 1 >/dev/full", ONLY(2), NULL},
    {"13.4", "assume: report to a full disk",
     "assume --data proofs/data/interp.csv --steps 100 >/dev/full", ONLY(2), NULL},
    {"table", "validate: a bad option", "validate --no-such-option", ONLY(2), NULL},
    {"table", "prove: a bad option", "prove --no-such-option", ONLY(2), NULL},
    {"table", "assume: a bad option", "assume --no-such-option", ONLY(2), NULL},
    {"table", "audit: a bad option", "audit --no-such-option", ONLY(2), NULL},
    {"table", "fit: a bad option", "fit --no-such-option", ONLY(2), NULL},
    {"table", "egn: a bad option", "egn --no-such-option", ONLY(2), NULL},
    {"table", "notebook: a bad option", "notebook --no-such-option", ONLY(2), NULL},
    {"table", "bench: a bad option", "bench --no-such-option", ONLY(2), NULL},
    {"table", "merge: a bad option", "merge --no-such-option", ONLY(2), NULL},
    {"table", "assume: a missing input", "assume --data @/missing.csv", ONLY(2), NULL},
    {"table", "audit: a missing input", "audit @/missing.csv", ONLY(2), NULL},
    {"table", "fit: a missing input", "fit --model 'b1*x' --data @/missing.csv --start 1",
     ONLY(2), NULL},
    {"table", "egn: a missing input", "egn --data @/missing.csv --target y", ONLY(2), NULL},
    {"table", "merge: a missing input", "merge @/missing.jsonl", ONLY(2), NULL},
    {"13.4", "notebook: an unwritable --out", "notebook rank1 --quick --out /dev/full/x", ONLY(2),
     NULL},
    /* notebooks: a check passes only if learning happened (13.5, 13.11) */
    {"13.5", "notebook scale: a step size too small to learn",
     "notebook scale --alpha 1e-12 --quick --out @/nb-scale", ONLY(1), NULL},
    {"13.11", "notebook overparam: immediate divergence",
     "notebook overparam --scales 1e300 --quick --out @/nb-op", ONLY(1), NULL},
    /* negative controls: a wrong formula must fail */
    {"table", "validate: mu added after the outer product",
     "validate --quick --only rank1 --inject mu-after-outer", ONLY(1), NULL},
    {"table", "validate: |g|^2 for |j|^2", "validate --quick --only rank1 --inject gsq-for-jsq",
     ONLY(1), NULL},
    {"table", "validate: unscaled |j|^2", "validate --quick --only rank1 --inject naive-norm",
     ONLY(1), NULL},
    {"table", "egn --validate: the 1/b factor dropped",
     "egn --validate --scale 0.1 --inject dg_nob", ONLY(1), NULL},
    /* issue 17: mini-batch audit records */
    {"table", "audit: an ill-conditioned mini-batch system", "audit @/b_ill.jsonl", ONLY(3),
     "verdict        AGREE"},
    {"table", "audit: a singular undamped mini-batch system", "audit @/b_sing.jsonl", ONLY(3),
     "verdict        AGREE"},
    {"table", "audit: a repeated mini-batch record", "audit @/b_rep.jsonl", ONLY(1), "verdict        AGREE"},
    {"table", "audit: J of the wrong length", "audit @/b_len.jsonl", ONLY(2), NULL},
};

static char dir[64];

/* args with every "@" replaced by dir */
static void expand(char *out, size_t cap, const char *args)
{
    size_t k = 0;
    for (const char *p = args; *p && k + sizeof dir < cap; p++) {
        if (*p == '@') {
            k += (size_t)snprintf(out + k, cap - k, "%s", dir);
        } else
            out[k++] = *p;
    }
    out[k] = 0;
}

static void test_failclosed_table(void **state)
{
    (void)state;
    static char out[1 << 17];
    const char *bin = getenv("GN_BIN");
    if (!bin || !*bin)
        bin = "build/gnlab";
    snprintf(dir, sizeof dir, "/tmp/gn_failclosed.XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[f].name);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(files[f].text, fp);
        assert_int_equal(fclose(fp), 0);
    }
    int bad = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const fc_row *w = &rows[r];
        char args[1024], cmd[1200];
        expand(args, sizeof args, w->args);
        snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin, args);
        int rc = gn_test_capture(cmd, out, sizeof out);
        const char *why = NULL;
        if (rc < 0 || rc > 3)
            why = "a crash or an undocumented status";
        else if (w->forbid & (1u << rc))
            why = "a forbidden exit status";
        else if (w->never && strstr(out, w->never))
            why = "a forbidden verdict in the output";
        if (why) {
            bad++;
            print_message("# row %zu (finding %s) %s: exit %d, %s\n#   gnlab %s\n%.2000s\n", r,
                          w->finding, w->what, rc, why, args, out);
        } else
            print_message("# row %zu (finding %s) %s: exit %d, ok\n", r, w->finding, w->what, rc);
    }
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[f].name);
        unlink(path);
    }
    rmdir(dir);
    if (bad)
        fail_msg("%d of %zu rows of the fail-closed table gave what they must not", bad,
                 sizeof rows / sizeof rows[0]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_failclosed_table),
};

GN_TEST_MAIN(tests)
