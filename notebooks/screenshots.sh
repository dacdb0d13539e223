#!/bin/sh
# screenshots.sh [DIR]: look at the notebook pages as a reader does. Opens DIR/index.html
# and every DIR/NAME/index.html (DIR defaults to build/notebooks) in headless Chromium
# (Debian's `chromium`) and saves full-height PNGs under DIR/screenshots/.
set -eu
dir=${1:-build/notebooks}
command -v chromium >/dev/null 2>&1 || { echo "screenshots.sh: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
[ -f "$dir/index.html" ] || { echo "screenshots.sh: no $dir/index.html (run make notebooks)" >&2; exit 2; }
abs=$(cd "$dir" && pwd)
mkdir -p "$abs/screenshots"
for page in "$abs/index.html" "$abs"/*/index.html; do
  name=$(basename "$(dirname "$page")")
  [ "$page" = "$abs/index.html" ] && name=index
  [ "$name" = screenshots ] && continue
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,3000 \
    --screenshot="$abs/screenshots/$name.png" "file://$page" >/dev/null 2>&1
  echo "$abs/screenshots/$name.png"
done
