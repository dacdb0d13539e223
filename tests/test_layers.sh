#!/usr/bin/env bash
# test_layers: the layering of the tree (core < core/ref < core/io < proofs < validate <
# notebooks < cli) holds for includes and calls, and the check catches a planted back-edge.
# Run by `make check` with GN_BUILD, GN_LAYERS and GN_INC_CORE (core's -I flags) set.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${GN_BUILD:-build}
read -r -a layers <<< "${GN_LAYERS:-core core/ref core/io proofs validate notebooks cli}"
inc_core=${GN_INC_CORE:--Icore}
cc=${CC:-cc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..4"

if out=$(bash tests/layers.sh "$build" "${layers[@]}" 2>&1); then
  echo "ok 1 - no include or call reaches up a layer"
else
  echo "not ok 1 - no include or call reaches up a layer"; echo "$out" | sed 's/^/# /'
fi

# negative control: a core object that calls a validate function
sym=$(nm --defined-only -g "$build"/obj/validate/*.o | awk 'NF==3 && $2=="T"{print $3; exit}')
printf 'extern int %s(void);\nint gn_planted(void) { return %s(); }\n' "$sym" "$sym" > "$tmp/plant.c"
$cc -c "$tmp/plant.c" -o "$tmp/plant.o"
if out=$(GN_LAYERS_EXTRA="core:$tmp/plant.o" bash tests/layers.sh "$build" "${layers[@]}" 2>&1); then
  echo "not ok 2 - a planted call from core to validate's $sym is caught"
else
  if grep -q "call back-edge: $tmp/plant.o (core) uses $sym (validate)" <<< "$out"; then
    echo "ok 2 - a planted call from core to validate's $sym is caught"
  else
    echo "not ok 2 - a planted call from core to validate's $sym is caught"; echo "$out" | sed 's/^/# /'
  fi
fi

# negative control: a core source that includes a validate header
printf '#include "val_audit.h"\nint gn_planted2(void) { return 0; }\n' > "$tmp/plant2.c"
if out=$(GN_LAYERS_SRC_EXTRA="core:$tmp/plant2.c" bash tests/layers.sh "$build" "${layers[@]}" 2>&1); then
  echo "not ok 3 - a planted include of val_audit.h in core is caught"
else
  grep -q "include back-edge: $tmp/plant2.c (core) includes val_audit.h (validate)" <<< "$out" \
    && echo "ok 3 - a planted include of val_audit.h in core is caught" \
    || { echo "not ok 3 - a planted include of val_audit.h in core is caught"; echo "$out" | sed 's/^/# /'; }
fi

# and the build itself refuses it: core compiles with core's -I paths only
# shellcheck disable=SC2086
if $cc $inc_core -c "$tmp/plant2.c" -o "$tmp/plant2.o" 2>/dev/null; then
  echo "not ok 4 - core's include path cannot see validate's headers"
else
  echo "ok 4 - core's include path cannot see validate's headers"
fi
