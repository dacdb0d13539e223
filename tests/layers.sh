#!/usr/bin/env bash
# layers.sh BUILD LAYER... : the layering check. LAYERS are listed lowest first (as in the
# Makefile). A source file of a layer may include only headers of its own layer and the
# layers below it, and an object of a layer may call only functions (and use only objects)
# defined in its own layer and the layers below. Prints one line per violation, "layers:
# N back-edges" last, and exits 1 when there is any. Extra objects to check can be given in
# GN_LAYERS_EXTRA as "layer:path.o ...", extra sources in GN_LAYERS_SRC_EXTRA as
# "layer:path.c ..." (the test's planted back-edges use these).
set -euo pipefail
build=$1; shift
layers=("$@")
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
layer_of() { # path relative to the tree -> layer name (cli/mpi counts as cli)
  local d; d=$(dirname "$1"); d=${d#./}; d=${d#"$build"/obj/}
  [[ $d == cli/* ]] && d=cli
  [[ $d == validate/* ]] && d=validate
  echo "$d"
}
bad=0
# tests/layers.allow: "FROM TO" pairs of layers whose edges are known and being removed
# (one line each, with the reason); empty when the tree is clean
declare -A allow
if [ -f tests/layers.allow ]; then
  while read -r a b _; do [[ -n ${a:-} && $a != \#* ]] && allow["$a>$b"]=1; done < tests/layers.allow
fi
allowed() { [ -n "${allow["$1>$2"]:-}" ]; }
# 1. includes, from the sources
declare -A hdr_layer
for l in "${layers[@]}"; do
  for h in "$l"/*.h; do [ -e "$h" ] && hdr_layer[$(basename "$h")]=$l; done
done
check_includes() { # FILE LAYER
  local inc hl
  while IFS= read -r inc; do
    hl=${hdr_layer[$(basename "$inc")]:-}
    [ -n "$hl" ] || continue
    if (( ${rank[$hl]} > ${rank[$2]} )) && ! allowed "$2" "$hl"; then
      echo "include back-edge: $1 ($2) includes $inc ($hl)"; bad=$((bad + 1))
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1")
}
for l in "${layers[@]}"; do
  for f in "$l"/*.c "$l"/*.h "$l"/*/*.c; do
    [ -e "$f" ] || continue
    fl=$(layer_of "$f")
    [ -n "${rank[$fl]:-}" ] && check_includes "$f" "$fl"
  done
done
for extra in ${GN_LAYERS_SRC_EXTRA:-}; do check_includes "${extra#*:}" "${extra%%:*}"; done
# 2. calls, from the objects: who defines each global symbol
declare -A def_layer
objs=()
for l in "${layers[@]}"; do
  for o in "$build"/obj/"$l"/*.o "$build"/obj/"$l"/*/*.o; do [ -e "$o" ] && objs+=("$(layer_of "$o"):$o"); done
done
for extra in ${GN_LAYERS_EXTRA:-}; do objs+=("$extra"); done
for lo in "${objs[@]}"; do
  l=${lo%%:*}; o=${lo#*:}
  while read -r sym; do
    [ -z "${def_layer[$sym]:-}" ] && def_layer[$sym]=$l
  done < <(nm --defined-only -g "$o" 2>/dev/null | awk 'NF==3{print $3}')
done
for lo in "${objs[@]}"; do
  l=${lo%%:*}; o=${lo#*:}
  while read -r sym; do
    dl=${def_layer[$sym]:-}
    [ -n "$dl" ] || continue
    if (( ${rank[$dl]} > ${rank[$l]} )) && ! allowed "$l" "$dl"; then
      echo "call back-edge: $o ($l) uses $sym ($dl)"; bad=$((bad + 1))
    fi
  done < <(nm -u "$o" 2>/dev/null | awk '{print $NF}')
done
echo "layers: $bad back-edges"
[ "$bad" -eq 0 ]
