#!/bin/sh
# merge_seeds.sh [GNLAB]: the seed corpus of fuzz_merge.c in fuzz/corpus/merge.
# A seed is up to 4 shard files joined by NUL bytes (the harness's input format). The
# name says what `gnlab merge` must answer, and tests/test_fuzz_corpus replays them so:
# ok_* exit 0, fail_* exit 1 (a failing check, or INCOMPLETE), bad_* exit 2 (refused).
# The bad_ seeds are the edits of issue 13's findings 3 and 10.
set -eu
G=${1:-build/gnlab}
case $G in /*) ;; *) G=$PWD/$G ;; esac
OUT=$PWD/fuzz/corpus/merge
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
export GN_NO_PROGRESS=1
V="$G validate --seed 7 --scale 0.005 --only rank1 --blocks 6"
P="$G prove --seed 7 --instances 2 --blocks 6"
for k in 0 1 2; do
    $V --shard $k/3 --out v$k
    $V --inject mu-after-outer --shard $k/3 --out i$k || true
    $P --shard $k/3 --out p$k eq-3.5-3.6 degenerate
    $P --mutants --shard $k/3 --out m$k degenerate || true
done
$V --ranges 1-3 --out over
$G validate --seed 8 --scale 0.005 --only rank1 --blocks 6 --shard 1/3 --out other
join() { o=$1; shift; : > "$OUT/$o"; f=1; for x in "$@"; do
    [ $f = 1 ] || printf '\0' >> "$OUT/$o"; f=0; cat "$x" >> "$OUT/$o"; done; }
ed() { sed -e "$2" "$1"; }
mkdir -p "$OUT"
join ok_validate v0 v1 v2
join ok_prove p2 p0 p1
join ok_prove_mutants m0 m1 m2
cat v0 v1 v2 > v012 && join ok_validate_one_text v012
join fail_validate_inject i0 i1 i2
join fail_validate_incomplete v0 v2
join fail_prove_incomplete p1
join bad_overlap v0 over
join bad_other_seed v0 other v2
join bad_mixed_kinds v0 p1 v2
ed v0 '2s/"max_err":"[^"]*"/"max_err":"0x1p+20"/' > e && join bad_max_err_2p20 e v1 v2
ed v0 '2s/"max_err":"[^"]*"/"max_err":"inf"/' > e && join bad_max_err_inf e v1 v2
ed v1 '2s/"max_err":"[^"]*"/"max_err":"nan"/' > e && join bad_max_err_nan v0 e v2
ed v0 '2s/"pass":1/"pass":0/' > e && join bad_pass_flag e v1 v2
ed v0 '1s/"prec":[0-9]*,//' > e && join bad_no_prec e v1 v2
ed v0 '1s/"ranges":"[^"]*"/"ranges":""/' > e && join bad_empty_ranges e v1 v2
ed p0 '2s/"resid":"[^"]*"/"resid":"0x1p+20"/' > e && join bad_prove_resid e p1 p2
ed p0 '2s/"failed":0/"failed":1/' > e && join bad_prove_failed e p1 p2
for k in 0 1 2; do ed m$k '1s/"mutants":[01],//' > u$k; done
join bad_prove_no_mutants u0 u1 u2
ed p0 '1s/"mutants":0/"mutants":1/' > e && join bad_prove_mutants_flag e p1 p2
head -n 2 v0 > e && join bad_truncated e v1 v2
join bad_empty_text v0 /dev/null v1 v2
