#!/usr/bin/env bash
# layers.sh BUILD LAYER... : the layering check. LAYERS are listed lowest first (as in the
# Makefile). A source file of a layer may include only headers of its own layer and the
# layers below it, and an object of a layer may call only functions (and use only objects)
# defined in its own layer and the layers below. Prints one line per violation, "layers:
# N back-edges" last, and exits 1 when there is any.
# Extra objects to check: GN_LAYERS_EXTRA="layer:path.o ..."; extra sources:
# GN_LAYERS_SRC_EXTRA="layer:path.c ..." (the test's planted back-edges use these).
# tests/layers.allow lists "FROM TO" pairs of layers whose edges are known and being
# removed (empty when the tree is clean).
set -euo pipefail
build=$1; shift
layers="$*"
{
  # sources: "S layer file" then the file's quoted includes as "I layer file header"
  for l in $layers; do
    for f in "$l"/*.c "$l"/*.h "$l"/*/*.c; do
      [ -e "$f" ] || continue
      echo "F $f"
    done
  done
  for e in ${GN_LAYERS_SRC_EXTRA:-}; do echo "X ${e%%:*} ${e#*:}"; done
  for l in $layers; do
    for h in "$l"/*.h; do [ -e "$h" ] && echo "H $l ${h##*/}"; done
  done
  # objects: defined and undefined global symbols
  for l in $layers; do
    for o in "$build"/obj/"$l"/*.o "$build"/obj/"$l"/*/*.o; do
      [ -e "$o" ] && echo "O $o"
    done
  done
  for e in ${GN_LAYERS_EXTRA:-}; do echo "Y ${e%%:*} ${e#*:}"; done
} | awk -v layers="$layers" -v build="$build" -v allowfile=tests/layers.allow '
function layer_of(p,   d) {
  d = p; sub("^" build "/obj/", "", d); sub(/\/[^\/]*$/, "", d)
  if (d ~ /^cli(\/|$)/) return "cli"
  if (d ~ /^validate\//) return "validate"
  return d
}
function incs(f, l,   line, h) {
  while ((getline line < f) > 0)
    if (match(line, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/)) {
      h = line; sub(/^[^"]*"/, "", h); sub(/".*$/, "", h); sub(/^.*\//, "", h)
      ninc++; incf[ninc] = f; incl[ninc] = l; inch[ninc] = h
    }
  close(f)
}
function syms(o, l,   cmd, line, n, a) {
  cmd = "nm -g " o " 2>/dev/null"
  while ((cmd | getline line) > 0) {
    n = split(line, a, " ")
    if (n == 3 && !(a[3] in def)) def[a[3]] = l
    else if (n == 2 && a[1] == "U") { nuse++; usef[nuse] = o; usel[nuse] = l; uses[nuse] = a[2] }
  }
  close(cmd)
}
BEGIN {
  n = split(layers, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i
  while ((getline line < allowfile) > 0)
    if (line !~ /^#/ && split(line, a, " ") >= 2) allow[a[1] ">" a[2]] = 1
}
$1 == "F" { l = layer_of($2); if (l in rank) incs($2, l) }
$1 == "X" { incs($3, $2) }
$1 == "H" { hdr[$3] = $2 }
$1 == "O" { syms($2, layer_of($2)) }
$1 == "Y" { syms($3, $2) }
END {
  bad = 0
  for (i = 1; i <= ninc; i++) {
    h = inch[i]; if (!(h in hdr)) continue
    if (rank[hdr[h]] > rank[incl[i]] && !((incl[i] ">" hdr[h]) in allow)) {
      printf "include back-edge: %s (%s) includes %s (%s)\n", incf[i], incl[i], h, hdr[h]; bad++
    }
  }
  for (i = 1; i <= nuse; i++) {
    s = uses[i]; if (!(s in def)) continue
    if (rank[def[s]] > rank[usel[i]] && !((usel[i] ">" def[s]) in allow)) {
      printf "call back-edge: %s (%s) uses %s (%s)\n", usef[i], usel[i], s, def[s]; bad++
    }
  }
  printf "layers: %d back-edges\n", bad
  exit bad > 0
}'
