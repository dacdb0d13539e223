#!/usr/bin/env bash
# Strong scaling of the MPI front end on this machine (issue 9): the same campaign on P = 1
# and P = 2 ranks over loopback/shared memory; efficiency = T1 / (2 T2) from the wall
# times gnlab-mpi reports (start barrier to the merged report), and from mpirun's
# end-to-end time. Target: >= 0.90. Usage: validate/mpi/bench.sh [BUILD]
# (BENCH_SCALE, BENCH_INSTANCES and BENCH_BLOCKS override the sizes).
set -euo pipefail
B=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
scale=${BENCH_SCALE:-1}
inst=${BENCH_INSTANCES:-300}
blocks=${BENCH_BLOCKS:-256}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
run() { # name P args... -> prints "wall elapsed"
  local name=$1 p=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  mpirun --oversubscribe -n "$p" "$B/gnlab-mpi" "$@" --blocks "$blocks" >"$tmp/$name-$p.out" 2>"$tmp/$name-$p.err" || true
  t1=$(date +%s.%N)
  local w
  w=$(sed -n 's/.*wall \([0-9.]*\) s.*/\1/p' "$tmp/$name-$p.err")
  echo "$w $(echo "$t1 - $t0" | bc -l)"
}
printf '%-9s %3s %10s %10s %8s %8s  %s\n' campaign P wall_s mpirun_s eff eff_e2e "blocks per rank; busy s"
for c in validate prove; do
  if [ $c = validate ]; then args=(validate --scale "$scale"); else args=(prove --instances "$inst"); fi
  read -r w1 e1 < <(run $c 1 "${args[@]}")
  read -r w2 e2 < <(run $c 2 "${args[@]}")
  cmp -s "$tmp/$c-1.out" "$tmp/$c-2.out" || { echo "mpi-bench: $c: P=1 and P=2 reports differ" >&2; status=1; }
  eff=$(echo "$w1 / (2 * $w2)" | bc -l)
  effe=$(echo "$e1 / (2 * $e2)" | bc -l)
  printf '%-9s %3d %10.3f %10.3f %8s %8s  %s\n' $c 1 "$w1" "$e1" - - "$(sed -n 's/.*blocks per rank: //p' "$tmp/$c-1.err")"
  printf '%-9s %3d %10.3f %10.3f %8.3f %8.3f  %s\n' $c 2 "$w2" "$e2" "$eff" "$effe" "$(sed -n 's/.*blocks per rank: //p' "$tmp/$c-2.err")"
  if [ "$(echo "$eff < 0.90" | bc -l)" = 1 ]; then
    echo "mpi-bench: $c: efficiency $eff below 0.90 (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    status=1
  fi
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(mpirun --version | head -1)"
exit $status
