#!/usr/bin/env bash
# browser_check.sh DIR [SHOTS]: open the notebook site in DIR as a reader would, in headless
# Chromium, served over HTTP on 127.0.0.1. A checker page (written into DIR as _check.html)
# loads index.html in a frame, follows every link it has to a notebook page, and on each page
# asserts that every <img> decoded (naturalWidth > 0) and every relative link answers HTTP 200,
# and that no text in a figure's SVG (<figure> <img> of an .svg) is drawn smaller than MIN_PX
# CSS pixels at the size the page shows it (default 11, notebooks/nb.h NB_PLOT_MIN_PX: the
# font size in the SVG's user units, times any scale() of its ancestors, times the shown width
# over the viewBox width; superscripts count). Then it saves a screenshot of the index and of every notebook under SHOTS
# (default build/notebooks-shots). Exit 0 when everything resolves, 1 otherwise, 2 on usage.
set -euo pipefail
dir=${1:?usage: browser_check.sh DIR [SHOTS]}
shots=${2:-build/notebooks-shots}
min_px=${MIN_PX:-11}
case $min_px in ''|*[!0-9.]*) echo "browser_check: MIN_PX must be a number" >&2; exit 2;; esac
[ -f "$dir/index.html" ] || { echo "browser_check: no $dir/index.html" >&2; exit 2; }
command -v chromium >/dev/null || { echo "browser_check: chromium is not installed" >&2; exit 2; }
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

cat > "$dir/_check.html" <<'HTML'
<!doctype html><meta charset="utf-8"><title>check</title><pre id="out"></pre>
<iframe id="f" style="width:1200px;height:900px"></iframe>
<script>
const out = document.getElementById('out'), f = document.getElementById('f');
const log = s => { out.textContent += s + '\n'; };
function load(url) {
  return new Promise(res => { f.onload = () => res(f.contentDocument); f.src = url; });
}
async function status(url) {
  try { const r = await fetch(url, {method: 'HEAD', cache: 'no-store'}); return r.status; }
  catch (e) { return 0; }
}
const MIN_PX = @MIN_PX@;
/* the smallest text of the SVG behind img, in CSS pixels as shown: [px, text] */
async function svgText(url, img) {
  let txt;
  try { txt = await (await fetch(url, {cache: 'no-store'})).text(); } catch (e) { return [NaN, '']; }
  const svg = new DOMParser().parseFromString(txt, 'image/svg+xml').documentElement;
  const vb = (svg.getAttribute('viewBox') || '').trim().split(/[\s,]+/).map(Number);
  const vw = vb.length === 4 && vb[2] > 0 ? vb[2] : parseFloat(svg.getAttribute('width'));
  const k = img.getBoundingClientRect().width / vw;
  let worst = Infinity, what = '';
  for (const t of svg.querySelectorAll('text, tspan')) {
    let own = '';
    for (const n of t.childNodes) if (n.nodeType === 3) own += n.textContent;
    if (!own.trim()) continue;
    let size = NaN, s = 1;
    for (let e = t; e && e.nodeType === 1; e = e.parentNode) {
      if (isNaN(size)) {
        const a = e.getAttribute('font-size') ||
                  ((e.getAttribute('style') || '').match(/font-size:\s*([\d.]+)/) || [])[1];
        if (a) size = parseFloat(a);
      }
      const tr = (e.getAttribute('transform') || '').match(/scale\(\s*([\d.]+)/);
      if (tr) s *= parseFloat(tr[1]);
    }
    if (isNaN(size)) size = 16;
    const px = size * s * k;
    if (px < worst) { worst = px; what = own.trim().slice(0, 30); }
  }
  return [worst, what];
}
async function checkPage(url) {
  const doc = await load(url);
  let bad = 0;
  if (!doc || !doc.body || doc.title === '' && doc.body.textContent.trim() === '') {
    log('FAIL ' + url + ': page did not load'); return [];
  }
  for (const img of doc.images) {
    if (!img.complete) await new Promise(r => { img.onload = img.onerror = r; });
    if (!(img.naturalWidth > 0)) { log('FAIL ' + url + ': image ' + img.getAttribute('src')); bad++; }
    else if (img.closest('figure') && /\.svg$/.test(img.getAttribute('src'))) {
      const [px, what] = await svgText(new URL(img.getAttribute('src'), doc.baseURI).href, img);
      if (!(px >= MIN_PX)) {
        log('FAIL ' + url + ': ' + img.getAttribute('src') + ' draws "' + what + '" at ' +
            px.toFixed(1) + ' px (minimum ' + MIN_PX + ')');
        bad++;
      }
    }
  }
  const pages = [];
  for (const a of doc.querySelectorAll('a[href]')) {
    const h = a.getAttribute('href');
    if (/^([a-z]+:|#|\/\/)/i.test(h)) continue;   /* only the site's own links */
    const abs = new URL(h, doc.baseURI).href;
    const st = await status(abs);
    if (st !== 200) { log('FAIL ' + url + ': link ' + h + ' -> HTTP ' + st); bad++; }
    else if (/\/index\.html$/.test(abs)) pages.push(abs);
  }
  log((bad ? 'BAD  ' : 'OK   ') + url + ' (' + doc.images.length + ' images)');
  return pages;
}
(async () => {
  const first = await checkPage(new URL('index.html', location.href).href);
  const seen = new Set();
  for (const p of first) if (!seen.has(p)) { seen.add(p); await checkPage(p); }
  log('PAGES ' + (seen.size + 1));
  log('DONE');
})();
</script>
HTML
sed -i "s/@MIN_PX@/$min_px/" "$dir/_check.html"

port=$((20000 + RANDOM % 20000))
"$py" -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null || true; rm -f "$dir/_check.html"' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.1
done

profile=$(mktemp -d)
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")
result=$(timeout 120 chromium "${flags[@]}" --virtual-time-budget=60000 --dump-dom \
         "http://127.0.0.1:$port/_check.html" 2>/dev/null |
         awk '/<pre id="out">/ { sub(/.*<pre id="out">/, ""); p = 1 }
              p { if (/<\/pre>/) { sub(/<\/pre>.*/, ""); print; exit } print }')
echo "$result" | sed -e 's/<[^>]*>//g' -e '/^$/d' | sed 's/^/# /'
mkdir -p "$shots"
pages=$(cd "$dir" && ls */index.html 2>/dev/null)
for p in index.html $pages; do
  name=$(dirname "$p"); [ "$name" = . ] && name=index
  timeout 60 chromium "${flags[@]}" --window-size=1200,1600 --hide-scrollbars \
    --screenshot="$(realpath "$shots")/$name.png" "http://127.0.0.1:$port/$p" >/dev/null 2>&1 || true
done
rm -rf "$profile"
nshots=$(ls "$shots"/*.png 2>/dev/null | wc -l)
echo "# screenshots: $nshots in $shots"
if echo "$result" | grep -q DONE && ! echo "$result" | grep -q -e FAIL -e 'BAD '; then
  echo "browser_check: every page, image and link resolves"
  exit 0
fi
echo "browser_check: FAILED (see above)" >&2
exit 1
