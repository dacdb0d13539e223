/* test_failclosed.c: the fail-closed table of issue 13. Every command that prints a verdict
 * is run (GN_BIN, default build/gnlab) on degenerate input, and each row states what it must
 * NOT give: an exit status (or, with ONLY, every status but one) and a string it must not
 * print. A crash (a signal, or a status above 3) is refused for every row. A check added
 * later joins with one line in `rows`; a data file it needs, with one line in `files`.
 *
 * Exit statuses (docs/exit-status.md): 0 holds, 1 fails, 2 bad usage/input/output,
 * 3 undetermined. */
#include "gn_test.h"

#include <sys/stat.h>
#include <unistd.h>

/* an IGND trace (MATH.md (3.12)-(3.13)): j = (0.5, -2), l'' = 1, mu = 0.1, lambda = 0.5,
 * alpha = 0.5 from w = (1, 2); with l' = 0.7 the exact step ends at w_after =
 * (0.966183574879227..., 2.135265700483092...) */
#define IG_H "method,dtype,alpha,lambda,mu,lp,lpp,w_0,w_1,j_0,j_1,w_after_0,w_after_1\n"
#define IG_ROW(dtype, lp, w1) "ignd," #dtype ",0.5,0.5,0.1," #lp ",1,1,2,0.5,-2,0.966183574879227," #w1

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
    {"fig1.csv", "x1,x2,y\n-1.5,-1.7,0.95\n0.25,-0.0333333,0.308333\n-1.25,1.63333,-1.95833\n0.5,-0.366667,0.716667\n-1,1.3,-1.55\n0.75,-0.7,1.125\n-0.75,0.966667,-1.14167\n1,-1.03333,1.53333\n-0.5,0.633333,-0.733333\n1.25,-1.36667,2.29167\n-0.25,0.3,-0.325\n1.5,-1.7,2.7\n0,-0.0333333,0.0833333\n-1.5,1.63333,-2.18333\n0.25,-0.366667,0.491667\n-1.25,1.3,-1.775\n0.5,-0.7,1.25\n-1,0.966667,-1.36667\n0.75,-1.03333,1.65833\n-0.75,0.633333,-0.958333\n1,-1.36667,2.06667\n-0.5,0.3,-0.55\n1.25,-1.7,2.475\n-0.25,-0.0333333,0.208333\n1.5,1.63333,-0.783333\n0,-0.366667,0.616667\n-1.5,1.3,-2\n0.25,-0.7,1.025\n-1.25,0.966667,-1.59167\n0.5,-1.03333,1.43333\n-1,0.633333,-0.833333\n0.75,-1.36667,1.84167\n-0.75,0.3,-0.425\n1,-1.7,2.25\n-0.5,-0.0333333,-0.0166667\n1.25,1.63333,-1.00833\n-0.25,-0.366667,0.391667\n1.5,1.3,-0.25\n0,-0.7,0.8\n-1.5,0.966667,-1.46667\n"}, /* issue 15: 40 rows, two varying features */
    {"exp.csv", "x,y\n1,2.7\n2,7.4\n3,20.1\n4,54.6\n"},
    {"ynan.csv", "x,y\n1,2\n2,nan\n3,4\n"},
    {"ezero.csv", "x1,y\n0,0\n0,0\n0,0\n0,0\n"},
    /* audit traces: one IGND step (correct: w_after to 16 digits), then edited copies */
    {"ig_ok.csv", IG_H IG_ROW(float64, 0.7, 2.135265700483092) "\n"},
    {"ig_wrong.csv", IG_H IG_ROW(float64, 0.7, 2.135265700484092) "\n"},
    {"ig_nan.csv", IG_H IG_ROW(float64, nan, 2.135265700483092) "\n"},
    {"ig_gap.csv", "step," IG_H "0," IG_ROW(float64, 0.7, 2.135265700483092) "\n"
                   "2," IG_ROW(float64, 0.7, 2.135265700483092) "\n"},
    {"ig_dup.csv", "step," IG_H "0," IG_ROW(float64, 0.7, 2.135265700483092) "\n"
                   "0," IG_ROW(float64, 0.7, 2.135265700483092) "\n"},
    {"ig_f32.csv", IG_H IG_ROW(float32, 0.7, 2.135265700483092) "\n"},
    {"ig_empty.csv", IG_H},
    {"bce_huge.jsonl", "{\"method\": \"ignd\", \"dtype\": \"float64\", \"loss\": \"bce\", \"f\": 5000, "
                       "\"y\": 1, \"alpha\": 1, \"lambda\": 0.1, \"mu\": 0.01, \"w\": [0.1, 0.2], "
                       "\"x\": [1, 2], \"w_after\": [0.1, 0.2]}\n"},
    {"zero_j.jsonl", "{\"method\":\"ignd_undamped\",\"dtype\":\"float64\",\"alpha\":1,\"lp\":1,"
                     "\"lpp\":1,\"j\":[0,0],\"w\":[1,1],\"w_after\":[1,1]}\n"},
    {"two.csv", "x,y\n1,2\n2,3.5\n"}, /* issue 14 */
    /* issue 14 (fituser): weights and sigmas that cannot weigh */
    {"wzero.csv", "x,y,w\n1,2,1\n2,3,0\n3,4.1,1\n4,5,1\n"},
    {"sneg.csv", "x,y,s\n1,2,1\n2,3,1\n3,4.1,-0.5\n4,5,1\n"},
    {"shuge.csv", "x,y,s\n1,2,1\n2,3,1e-200\n3,4.1,1\n4,5,1\n"},
    /* issue 15 (nbdata): plants (headerless matrices) */
    {"pA.txt", "0 1\n-1 -0.2\n"},
    {"pB.txt", "0\n1\n"},
    {"pAnan.txt", "0 1\n-1 NaN\n"},
    {"pArect.txt", "0 1 0\n-1 -0.2 0\n"},
    {"pB3.txt", "0\n1\n1\n"},
    {"pAbig.txt", "800 0\n0 800\n"},
    /* issue 15 (nbdata): data for notebook supervised (20+ rows; column 2 constant) */
    {"sv.csv", "1,5,3\n2,5,5\n3,5,7\n4,5,9\n5,5,11\n6,5,13\n7,5,15\n8,5,17\n9,5,19\n"
               "10,5,21\n11,5,23\n12,5,25\n13,5,27\n14,5,29\n15,5,31\n16,5,33\n17,5,35\n"
               "18,5,37\n19,5,39\n20,5,41\n21,5,43\n22,5,45\n"},
    {"notgz.csv.gz", "x,y\n1,2\n"},
    {"truncgz.csv.gz", "\x1f\x8b\x08"},
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
    {"13.4", "audit: report to a full disk", "audit @/ig_ok.csv >/dev/full", ONLY(2), NULL},
    {"13.4", "egn: report to a full disk",
     "egn --data proofs/data/interp.csv --target y --epochs 1 >/dev/full", ONLY(2), NULL},
    {"13.4", "merge: report to a full disk", "merge @/merge/ok_validate.* >/dev/full", ONLY(2),
     NULL},
    {"13.4", "bench: report to a full disk", "bench --quick --no-torch --reps 1 >/dev/full",
     ONLY(2), NULL},
    {"table", "notebook: a missing --data", "notebook supervised --quick --data @/missing.csv "
                                            "--out @/nb-missing", ONLY(2), NULL},
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
    /* prove: a deliberately wrong formula in place of the claim's must fail (negative control) */
    {"table", "prove: mu added after the outer product (--inject 1)", "prove --inject 1 prop-3.2",
     ONLY(1), NULL},
    {"table", "prove: --inject with --shard (a wrong shard must never reach merge)",
     "prove --inject 1 --shard 0/2 --out @/p.jsonl prop-3.2", ONLY(2), NULL},
    /* merge: edited shard files (the seeds of fuzz/corpus/merge, cut into files by setup) */
    {"13.3", "merge: max_err edited to 2^20", "merge @/merge/bad_max_err_2p20.*", ONLY(2), "PASS"},
    {"13.3", "merge: max_err edited to inf", "merge @/merge/bad_max_err_inf.*", ONLY(2), "PASS"},
    {"13.3", "merge: max_err edited to NaN", "merge @/merge/bad_max_err_nan.*", ONLY(2), "PASS"},
    {"13.3", "merge: a pass flag flipped", "merge @/merge/bad_pass_flag.*", ONLY(2), "PASS"},
    {"13.3", "merge: header without prec", "merge @/merge/bad_no_prec.*", ONLY(2), "PASS"},
    {"13.10", "merge: prove header without mutants", "merge @/merge/bad_prove_no_mutants.*",
     ONLY(2), "PASS"},
    {"13.10", "merge: empty ranges", "merge @/merge/bad_empty_ranges.*", ONLY(2), "PASS"},
    {"table", "merge: a shard of another seed", "merge @/merge/bad_other_seed.*", ONLY(2), "PASS"},
    {"table", "merge: overlapping shards", "merge @/merge/bad_overlap.*", ONLY(2), "PASS"},
    {"table", "merge: a block missing (validate)", "merge @/merge/fail_validate_incomplete.*",
     ONLY(1), "PASS"},
    {"table", "merge: a block missing (prove)", "merge @/merge/fail_prove_incomplete.*", ONLY(1),
     "every claim holds"},
    {"table", "merge --json: a block missing", "merge --json @/merge/fail_validate_incomplete.*",
     ONLY(1), "\"pass\":true"},
    {"table", "merge: shards of a wrong formula (--inject)", "merge @/merge/fail_validate_inject.*",
     ONLY(1), NULL},
    /* audit: edited and degenerate traces */
    {"table", "audit: a correct IGND step (the control of the rows below)", "audit @/ig_ok.csv",
     ONLY(0), NULL},
    {"table", "audit: w_after edited in its 13th digit", "audit @/ig_wrong.csv", ONLY(1), "verdict        AGREE"},
    {"13.6", "audit: no bug named where |j|^2 is exact in float32 (f32_sumsq's band covers the "
             "paper's value)", "audit @/ig_wrong.csv", ONLY(1), "f32_sumsq"},
    {"table", "audit: NaN l'", "audit @/ig_nan.csv", ONLY(2), "verdict        AGREE"},
    {"13.6", "audit: a missing step", "audit @/ig_gap.csv", ONLY(2), "verdict        AGREE"},
    {"13.6", "audit: a repeated step", "audit @/ig_dup.csv", ONLY(2), "verdict        AGREE"},
    {"13.6", "audit: float64 values labelled float32", "audit @/ig_f32.csv", ONLY(2), "verdict        AGREE"},
    {"table", "audit: a header and no step", "audit @/ig_empty.csv", ONLY(2), "verdict        AGREE"},
    {"13.6", "audit: BCE with |f| > 4096 (reference undefined)", "audit @/bce_huge.jsonl", ONLY(3),
     "verdict        AGREE"},
    {"table", "audit: undamped IGND at j = 0 (the method is undefined)", "audit @/zero_j.jsonl",
     ONLY(3), "verdict        AGREE"},
    /* issue 14: fit statistics are undetermined where they are undefined, never numbers,
     * and only a minimum exits 0 */
    {"14", "fit: rank-deficient J (b1*b2*x): statistics undetermined",
     "fit --model 'b1*b2*x' --data @/lin.csv --start 1,1", ONLY(1), "end point: minimum"},
    {"14", "fit: rank-deficient J, --json: no standard error as a number",
     "fit --model 'b1*b2*x' --data @/lin.csv --start 1,1 --json", ONLY(1), "\"se\":1"},
    {"14", "fit: n = k is an exact minimum, but its statistics are undetermined",
     "fit --model 'b1*x+b2' --data @/two.csv --start 1,0", ONLY(0), "residual SD 0"},
    {"14", "fit: the iteration limit is not a minimum",
     "fit --model 'exp(b1*x)' --data @/exp.csv --start 0.1 --max-iter 1", ONLY(1), NULL},
    {"14", "fit: --xtol out of range", "fit --model 'b1*x' --data @/lin.csv --start 1 --xtol 2",
     ONLY(2), NULL},
    {"14", "fit: --out into a missing directory",
     "fit --model 'b1*x' --data @/lin.csv --start 1 --out @/no/such/o.csv", ONLY(2), NULL},
    /* issue 14 (fituser): named parameters, weights, residual mode */
    {"14", "fit: a weight 0", "fit --model 'a*x' --data @/wzero.csv --start 1 --weights w",
     ONLY(2), NULL},
    {"14", "fit: a negative sigma", "fit --model 'a*x' --data @/sneg.csv --start 1 --sigma s",
     ONLY(2), NULL},
    {"14", "fit: a sigma whose 1/sigma^2 overflows",
     "fit --model 'a*x' --data @/shuge.csv --start 1 --sigma s", ONLY(2), NULL},
    {"14", "fit: a --start name the model lacks (never enters it)",
     "fit --model 'a*x' --data @/lin.csv --start a=1,c=2", ONLY(1), NULL},
    {"14", "fit: a named parameter multiplied away",
     "fit --model 'a*x + 0*c' --data @/lin.csv --start a=1,c=2", ONLY(1), "stop: xtol"},
    {"14", "fit: the response inside the model", "fit --model 'a*x + 0*y' --data @/lin.csv "
     "--start 1", ONLY(2), NULL},
    {"14", "fit: residual mode, a parameter multiplied away",
     "fit --residuals 'a - 1; a - 2; 0*b' --start a=1,b=1", ONLY(1), NULL},
    {"14", "fit: residual mode, fewer residuals than parameters",
     "fit --residuals 'a + b' --start 1,1", ONLY(2), NULL},
    {"14", "fit: residual mode, overflow at the start", "fit --residuals 'exp(a); a' --start 1000",
     ONLY(2), NULL},
    {"14", "fit: residual mode, a domain error at the start",
     "fit --residuals 'log(a); a' --start -1", ONLY(2), NULL},
    {"14", "fit: an MGH file that is missing", "fit --mgh @/missing.mgh", ONLY(2), NULL},
    {"14", "fit: an MGH directory without problems", "fit --mgh-all @", ONLY(2), NULL},
    /* issue 15 (nbdata): user plants and data in the notebooks */
    {"15.3", "notebook lqr: NaN in a plant", "notebook lqr --quick --plant @/pAnan.txt @/pB.txt "
     "--out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: a non-square A", "notebook lqr --quick --plant @/pArect.txt @/pB.txt "
     "--out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: B rows not A's", "notebook lqr --quick --plant @/pA.txt @/pB3.txt "
     "--out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: --continuous without --plant",
     "notebook lqr --quick --continuous 0.1 --out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: --continuous 0", "notebook lqr --quick --plant @/pA.txt @/pB.txt "
     "--continuous 0 --out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: a zero-order hold that overflows", "notebook lqr --quick --plant "
     "@/pAbig.txt @/pB.txt --continuous 1 --out @/nb-lqr", ONLY(2), NULL},
    {"15.3", "notebook lqr: rates that diverge did not learn", "notebook lqr --quick --plant "
     "@/pA.txt @/pB.txt --continuous 0.1 --alpha-ql 1000 --alpha-igndq 1000 --out @/nb-lqr",
     ONLY(1), "ahead"},
    {"15.2", "notebook supervised: a .gz that is not gzip", "notebook supervised --quick "
     "--data @/notgz.csv.gz --target y --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook supervised: a truncated gzip", "notebook supervised --quick "
     "--data @/truncgz.csv.gz --target 1 --no-header --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook supervised: --target out of range", "notebook supervised --quick "
     "--data @/sv.csv --no-header --target 4 --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook supervised: --target 0", "notebook supervised --quick "
     "--data @/sv.csv --no-header --target 0 --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook supervised: a constant feature with --standardize features",
     "notebook supervised --quick --data @/sv.csv --no-header --target 3 --standardize "
     "features --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook supervised: a non-positive --feature-scale", "notebook supervised "
     "--quick --data @/sv.csv --no-header --target 3 --feature-scale 1,-10 --out @/nb-sv",
     ONLY(2), NULL},
    {"15.2", "notebook supervised: --no-header without --data",
     "notebook supervised --quick --no-header --out @/nb-sv", ONLY(2), NULL},
    {"15.2", "notebook scale: a constant feature in --data", "notebook scale --quick --data "
     "@/sv.csv --no-header --target 3 --out @/nb-sc", ONLY(2), NULL},
    {"15.2", "notebook scale: --data without --target",
     "notebook scale --quick --data @/sv.csv --out @/nb-sc", ONLY(2), NULL},
    /* issue 15 (nbpage): a claim's verdict needs 2 finite paired runs; fewer, or runs that
     * all diverged (NaN), give "undetermined", never "reproduced" */
    {"15.1", "notebook scale: one seed, no paired interval",
     "notebook scale --quick --seeds 1 --out @/nb-v1", ONLY(0), "verdict: reproduced"},
    {"15.1", "notebook egn: one seed, no paired interval",
     "notebook egn --quick --seeds 1 --no-cost --out @/nb-v2", ONLY(0), "verdict: reproduced"},
    {"15.1", "notebook overparam: every run diverged (NaN differences)",
     "notebook overparam --scales 1e300 --quick --out @/nb-v3", ONLY(1), "verdict: reproduced"},
    {"15.1", "notebook scale --data: one seed, no paired interval for Figure 1",
     "notebook scale --quick --seeds 1 --data @/fig1.csv --target y --out @/nb-v4", ONLY(0),
     "verdict: reproduced"},
    {"15.1", "notebook supervised --feature-scale: one seed, no paired interval for Figure 1",
     "notebook supervised --quick --seeds 1 --data @/fig1.csv --target y --feature-scale 1,10 "
     "--out @/nb-v5", ONLY(0), "verdict: reproduced"},
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

/* every seed of fuzz/corpus/merge (shard texts joined by NUL bytes) cut into dir/merge/NAME.K */
static void cut_merge_seeds(void)
{
    char sub[128], **paths;
    snprintf(sub, sizeof sub, "%s/merge", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    size_t n = gn_test_list("fuzz/corpus/merge", "", &paths);
    assert_true(n >= 20);
    static char text[1 << 20];
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        assert_non_null(f);
        size_t len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[len] = 0;
        const char *base = strrchr(paths[i], '/') + 1;
        size_t k = 0;
        for (const char *t = text; t < text + len || k == 0; k++) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s.%zu", sub, base, k);
            size_t l = strlen(t);
            FILE *o = fopen(path, "wb");
            assert_non_null(o);
            assert_int_equal(fwrite(t, 1, l, o), l);
            assert_int_equal(fclose(o), 0);
            t += l + 1;
        }
    }
    gn_test_list_free(paths, n);
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
    cut_merge_seeds();
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
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    assert_int_equal(gn_test_capture(rm, NULL, 0), 0);
    if (bad)
        fail_msg("%d of %zu rows of the fail-closed table gave what they must not", bad,
                 sizeof rows / sizeof rows[0]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_failclosed_table),
};

GN_TEST_MAIN(tests)
