#!/usr/bin/env bash
# test_install: what `make install PREFIX=DIR` installs is usable as a user would use it: the
# README's C example compiles with `pkg-config --cflags --libs gnlab` alone and prints what the
# README shows, the man pages gnlab(1) and gnlab-COMMAND(1) render, DESTDIR stages the same tree,
# and docs/claims.md is exactly what `make docs` writes from `gnlab prove --list` (so the
# committed list cannot drift from the program). Reuses the build in GN_BUILD; run by make check.
# Negative controls: the example without gnlab.pc's Libs must fail to link, and a claims page
# with one line changed must be told apart.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${GN_BUILD:-build}
extra=${GN_EXTRA:-}
cc=${CC:-cc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
echo "1..6"
say() { # N OK? TEXT [LOG]
  if [ "$2" = 0 ]; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; [ -n "${4:-}" ] && sed 's/^/# /' "$4"; fi
}

# 1. the installation itself (help2man is needed for the man pages: .ci/deps.sh docs)
if ! command -v help2man >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
  for i in 1 2 3 4 5; do echo "ok $i # SKIP help2man not installed (bash .ci/deps.sh docs as root)"; done
  skip_install=1
fi
if [ -z "${skip_install:-}" ]; then
  make -s --no-print-directory BUILD="$build" EXTRA="$extra" PREFIX="$prefix" install >"$tmp/install.log" 2>&1
  st=$?
  for f in bin/gnlab lib/libgnlab.a include/gnlab/gn.h include/gnlab/gn_mp.h include/gnlab/gn_io.h \
           lib/pkgconfig/gnlab.pc share/man/man1/gnlab.1 share/man/man1/gnlab-fit.1; do
    [ -f "$prefix/$f" ] || { echo "missing $f" >>"$tmp/install.log"; st=1; }
  done
  [ -e "$prefix/include/gnlab/gn_internal.h" ] && { echo "private gn_internal.h installed" >>"$tmp/install.log"; st=1; }
  "$prefix/bin/gnlab" --help >/dev/null 2>>"$tmp/install.log" || st=1
  # every installed header compiles on its own, with only the installed include folder
  for h in "$prefix"/include/gnlab/*.h; do
    printf '#include "%s"\nint gn_probe;\n' "${h##*/}" > "$tmp/h.c"
    # shellcheck disable=SC2086
    $cc -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror $extra \
      -I"$prefix/include/gnlab" -c "$tmp/h.c" -o "$tmp/h.o" >>"$tmp/install.log" 2>&1 \
      || { echo "${h##*/} does not compile alone" >>"$tmp/install.log"; st=1; }
  done
  say 1 $st "make install PREFIX=DIR installs the program, library, self-contained public headers, man pages and gnlab.pc" "$tmp/install.log"

  # 2. the README's example through pkg-config (the first ```c block; the shown output is the
  #    first "# " line after it, as tests/test_readme.c reads it)
  awk '/^```c$/ {c = 1; next} c == 1 && /^```$/ {c = 2; next} c == 1' README.md > "$tmp/example.c"
  shown=$(awk '/^```c$/ {c = 1; next} c == 1 && /^```$/ {c = 2; next} c == 2 && /^# / {print substr($0, 3); exit}' README.md)
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  flags=$(pkg-config --cflags --libs gnlab 2>"$tmp/pc.log")
  st=$?
  if [ $st = 0 ]; then
    # shellcheck disable=SC2086
    $cc -std=c17 -Wall -Wextra -Wpedantic -Werror $extra "$tmp/example.c" $flags -o "$tmp/example" >"$tmp/pc.log" 2>&1 \
      && got=$("$tmp/example" 2>>"$tmp/pc.log") || st=1
    if [ $st = 0 ] && [ "$got" != "$shown" ]; then
      echo "README shows '$shown' but the example prints '$got'" >>"$tmp/pc.log"; st=1
    fi
  fi
  say 2 $st "the README's example compiles with pkg-config --cflags --libs gnlab and prints '$shown'" "$tmp/pc.log"

  # 3. negative control: the Libs of gnlab.pc are what makes it link
  # shellcheck disable=SC2046
  if $cc -std=c17 $extra "$tmp/example.c" $(pkg-config --cflags gnlab) -o "$tmp/example2" >/dev/null 2>&1; then
    say 3 1 "without gnlab.pc's Libs the example does not link"
  else
    say 3 0 "without gnlab.pc's Libs the example does not link"
  fi

  # 4. the man pages render, one per command plus gnlab(1)
  st=0
  ncmd=$("$build/gnlab" help | awk '/^commands:/ {c = 1; next} c && /^  [a-z]/ {n++} c && /^$/ {c = 0} END {print n + 0}')
  npage=$(ls "$prefix"/share/man/man1/gnlab-*.1 2>/dev/null | wc -l)
  [ "$npage" -eq "$ncmd" ] || { echo "$npage gnlab-COMMAND pages for $ncmd commands" >"$tmp/man.log"; st=1; }
  for page in gnlab gnlab-fit; do
    f=$prefix/share/man/man1/$page.1
    if command -v man >/dev/null 2>&1; then
      text=$(MANWIDTH=80 man -l "$f" 2>/dev/null | sed 's/.\x08//g')
    else
      text=$(cat "$f")
    fi
    grep -q "NAME" <<<"$text" && grep -q "$page \\\\\?- " <<<"$text" && grep -q "SYNOPSIS" <<<"$text" \
      || { echo "$page.1 does not render with NAME and SYNOPSIS" >>"$tmp/man.log"; st=1; }
  done
  grep -q -- "--nist-all" <<<"$(MANWIDTH=200 man -l "$prefix/share/man/man1/gnlab-fit.1" 2>/dev/null)" \
    || { echo "gnlab-fit.1 lacks the --nist-all option" >>"$tmp/man.log"; st=1; }
  say 4 $st "man -l renders gnlab(1) and gnlab-fit(1), and there is one gnlab-COMMAND(1) per command" "$tmp/man.log"

  # 5. DESTDIR stages the tree under DESTDIR while gnlab.pc names the real PREFIX
  make -s --no-print-directory BUILD="$build" EXTRA="$extra" PREFIX=/opt/gnlab DESTDIR="$tmp/stage" install \
    >"$tmp/stage.log" 2>&1
  st=$?
  [ -f "$tmp/stage/opt/gnlab/lib/libgnlab.a" ] && grep -qx 'prefix=/opt/gnlab' "$tmp/stage/opt/gnlab/lib/pkgconfig/gnlab.pc" \
    || st=1
  say 5 $st "make install DESTDIR=D PREFIX=P stages under D/P with prefix=P in gnlab.pc" "$tmp/stage.log"
fi

# 6. docs/claims.md is what `make docs` writes; a page with one line changed is told apart
make -s --no-print-directory BUILD="$build" EXTRA="$extra" "$build/docs/claims.md" >"$tmp/claims.log" 2>&1
st=$?
if [ $st = 0 ]; then
  diff docs/claims.md "$build/docs/claims.md" >>"$tmp/claims.log" 2>&1 \
    || { echo "docs/claims.md differs from gnlab prove --list: run make docs" >>"$tmp/claims.log"; st=1; }
  sed '12s/^/x/' docs/claims.md > "$tmp/claims-bad.md"
  cmp -s "$tmp/claims-bad.md" "$build/docs/claims.md" && { echo "negative control not caught" >>"$tmp/claims.log"; st=1; }
fi
say 6 $st "docs/claims.md equals what make docs generates from gnlab prove --list" "$tmp/claims.log"
