#!/usr/bin/env bash
# test_contracts: every function declared in a public header has a contract block directly
# above it that cites the mathematics ("MATH.md (3.13)", "MATH.md §9") or says honestly that
# none applies ("No equation: <what it is for>"), STYLE.md "Contracts and comments"; and the
# check catches a planted header whose function has no such block.
# Run by `make check`; `bash tests/test_contracts.sh -v` also prints the counts per header.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

headers() {
  local h
  for h in core/*.h core/ref/*.h core/io/*.h proofs/*.h validate/*.h notebooks/nb.h; do
    case $h in core/gn_internal.h|core/scaled.h) continue ;; esac
    printf '%s\n' "$h"
  done
}

# contracts FILE...: one line per function declaration at file scope,
#   "ok|bad <header>:<line> <name>"
# A declaration is a statement at brace depth 0 (outside comments, preprocessor lines and
# #ifdef __cplusplus blocks) that is not a typedef and reads "<type> <name> (" ; it may span
# lines and may be a static inline definition (its body is skipped). Its comment block is
# the run of comment lines ending on the line just above the statement's first line.
contracts() {
  awk '
    function flush_decl(   s, name) {
      s = stmt; gsub(/[ \t]+/, " ", s); sub(/^ /, "", s)
      if (s !~ /^typedef[ (]/ && s !~ /^(struct|union|enum) [A-Za-z_0-9]* ?\{/ &&
          match(s, /^[A-Za-z_][A-Za-z_0-9 *]*[ *]\**[A-Za-z_][A-Za-z_0-9]* ?\(/)) {
        name = substr(s, 1, RLENGTH); sub(/ ?\($/, "", name); sub(/.*[ *]/, "", name)
        ok = (above ~ /MATH\.md/ || above ~ /No equation:/) ? "ok" : "bad"
        printf "%s %s:%d %s\n", ok, FILENAME, first, name
      }
      stmt = ""; first = 0
    }
    FNR == 1 { incomment = 0; depth = 0; skipcpp = 0; cont = 0; stmt = ""; first = 0
               block = ""; blockend = -1; above = "" }
    {
      line = $0
      if (cont) { cont = (line ~ /\\$/); next }
      if (!incomment && line ~ /^[ \t]*#/) {
        if (line ~ /^[ \t]*#[ \t]*ifdef[ \t]+__cplusplus/) skipcpp = 1
        else if (skipcpp && line ~ /^[ \t]*#[ \t]*endif/) skipcpp = 0
        cont = (line ~ /\\$/); next
      }
      if (skipcpp) next
      # split the line into code and comment text
      code = ""; com = ""; hadcom = incomment
      while (line != "") {
        if (incomment) {
          p = index(line, "*/")
          if (p == 0) { com = com " " line; line = "" }
          else { com = com " " substr(line, 1, p - 1); line = substr(line, p + 2); incomment = 0 }
        } else {
          p = index(line, "/*"); q = index(line, "//")
          if (q > 0 && (p == 0 || q < p)) { com = com " " substr(line, q + 2); code = code substr(line, 1, q - 1); line = "" }
          else if (p == 0) { code = code line; line = "" }
          else { code = code substr(line, 1, p - 1); line = substr(line, p + 2); incomment = 1; hadcom = 1 }
        }
      }
      if (hadcom && code ~ /^[ \t]*$/) {           # a comment-only line
        if (blockend != FNR - 1) block = ""
        block = block " " com; blockend = FNR; next
      }
      if (code ~ /^[ \t]*$/) next                   # blank line
      for (i = 1; i <= length(code); i++) {
        c = substr(code, i, 1)
        if (depth > 0) {
          if (c == "{") depth++
          else if (c == "}") depth--
          continue
        }
        if (stmt == "" && c ~ /[ \t]/) continue
        if (stmt == "") { first = FNR; above = (blockend == FNR - 1) ? block : "" }
        if (c == ";") { flush_decl(); continue }
        if (c == "{") { if (paren == 0) { flush_decl(); depth = 1; continue } }
        if (c == "(") paren++
        else if (c == ")") paren--
        stmt = stmt c
      }
      if (stmt != "") stmt = stmt " "
    }
  ' "$@"
}

mapfile -t hs < <(headers)
contracts "${hs[@]}" > "$tmp/all"
total=$(wc -l < "$tmp/all")
good=$(grep -c '^ok ' "$tmp/all")
if [ "${1:-}" = -v ]; then
  awk '{ split($2, a, ":"); n[a[1]]++; if ($1 == "ok") g[a[1]]++ }
       END { for (h in n) printf "%-28s %3d of %3d\n", h, g[h], n[h] }' "$tmp/all" | sort
  grep '^bad ' "$tmp/all"
fi

echo "1..3"
if [ "$total" -ge 100 ]; then
  echo "ok 1 - the parser finds the public declarations ($total in ${#hs[@]} headers)"
else
  echo "not ok 1 - the parser finds the public declarations (only $total in ${#hs[@]} headers)"
fi

if [ "$good" -eq "$total" ]; then
  echo "ok 2 - every public function cites MATH.md or says \"No equation:\" ($good of $total)"
else
  echo "not ok 2 - every public function cites MATH.md or says \"No equation:\" ($good of $total)"
  grep '^bad ' "$tmp/all" | sed 's/^bad /# no MATH.md or "No equation:" above /'
fi

# negative control: a planted header with one good, one bare, one multi-line declaration
# under a comment that cites nothing, one separated from its contract by a blank line, and
# things that are not function declarations (typedefs, a struct, a macro, a variable)
cat > "$tmp/plant.h" <<'EOF'
#ifndef PLANT_H
#define PLANT_H
#define PLANT_MAX(a, b) ((a) > (b) ? (a) : (b))
typedef int (*plant_fn)(int);
typedef struct { int (*cb)(void); double x; } plant_s;
extern const int plant_table[];

/* plant_good: xi, MATH.md (3.13). */
double plant_good(double x);

double plant_bare(double x);

/* plant_multi: a comment that names no equation
 * and does not say why. */
const char *
plant_multi(const double *x,
            size_t n);

/* plant_gap: No equation: a reader. */

int plant_gap(void);
/* plant_inline: No equation: a helper. */
static inline int plant_inline(int a) { if (a) { return 1; } return 0; }
#endif
EOF
contracts "$tmp/plant.h" > "$tmp/plant"
want="ok $tmp/plant.h:9 plant_good
bad $tmp/plant.h:11 plant_bare
bad $tmp/plant.h:15 plant_multi
bad $tmp/plant.h:21 plant_gap
ok $tmp/plant.h:23 plant_inline"
if [ "$(cat "$tmp/plant")" = "$want" ]; then
  echo "ok 3 - a planted header's uncited declarations are caught (header:line and name)"
else
  echo "not ok 3 - a planted header's uncited declarations are caught (header:line and name)"
  sed 's/^/# got: /' "$tmp/plant"
fi
