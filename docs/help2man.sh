#!/bin/sh
# help2man.sh GNLAB [COMMAND] ARGS: runs `GNLAB [COMMAND] ARGS` (help2man passes --help) and
# joins the option lines that continue a "Usage:" or "  or:" line (an indented "[") onto it,
# since help2man takes only whole lines for the SYNOPSIS. The help texts already use
# help2man's "Usage:" / "  or:" form. Used by `make man` through one wrapper per page
# (help2man names the page after it).
gnlab=$1; shift
"$gnlab" "$@" | awk '
  NR == 1 || (u != "" && /^  or: /) { if (u != "") print u; u = $0; next }
  u != "" && /^ +\[/                { sub(/^ +/, " "); u = u $0; next }
  u != ""                           { print u; u = "" }
                                    { print }
  END                               { if (u != "") print u }'
