#!/bin/sh
# help2man.sh GNLAB [COMMAND] ARGS: runs `GNLAB [COMMAND] ARGS` (help2man passes --help) with
# the usage block put in the form help2man reads as a SYNOPSIS: "Usage:" first, each
# alternative usage on an "  or:" line, option lines that continue a usage joined to it.
# Used by `make man` through one wrapper per page (help2man names the page after it).
gnlab=$1; shift
"$gnlab" "$@" | awk '
  NR == 1 && sub(/^usage:/, "Usage:") { u = $0; head = 1; next }
  head && /^ +\[/      { sub(/^ +/, " "); u = u $0; next }
  head && /^ +gnlab /  { print u; sub(/^ +/, "  or: "); u = $0; next }
  head                 { print u; head = 0 }
                       { print }
  END                  { if (head) print u }'
