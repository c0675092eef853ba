#!/usr/bin/env bash
# The HTML report in a real browser: a small campaign against walkv-planted (drop-last-record, so there are causes,
# timelines and hex views to show) writes `--html`; headless Chromium loads the page from disk with the network
# disabled, its DOM must hold the causes, a timeline with the operations acknowledged and not, the transcript rows and
# a hex view, no console error may be logged, and a screenshot
# must show something (tests/reports/png_stats.py). Also: `report html` writes the same page as `run --html`, the page
# is under the documented bound, and it loads nothing (no script, stylesheet, image or font from anywhere).
# usage: html_browser.sh FAULTLINE SCENARIO_DIR PNG_STATS [KEEP_DIR]   (KEEP_DIR: where to leave page and screenshot)
set -euo pipefail
faultline=$1 scenario_dir=$2 png_stats=$3 keep=${4:-}
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium is not installed (Debian: chromium): skipping"; exit 77; }
planted="$(dirname "$faultline")/walkv-planted"
[ -x "$planted" ] || { echo "walkv-planted is not built: skipping"; exit 77; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
sed -e 's/"name": *"[^"]*"/"name": "walkv-drop-last-record"/' \
    -e "s|\"command\": *\"[^\"]*\"|\"command\": \"$planted serve --dir {dir} --planted-bug drop-last-record\"|" \
    "$scenario_dir/profiles/walkv.json" > planted.json
set +e
"$faultline" run --profile planted.json --scenario 'torn-*,zero-tail,bitflip-last-record' --trials 16 --seed 4242 \
  --jobs 2 --work-dir "$dir/work" --quiet --report report.json --html page.html >run.log 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat run.log; echo "faultline run exited $code, expected 1 (the planted bug is caught)"; exit 1; }
"$faultline" report html report.json -o again.html >/dev/null
cmp -s page.html again.html || { echo "report html and run --html wrote different pages"; exit 1; }
size=$(stat -c %s page.html)
[ "$size" -lt 4000000 ] || { echo "page.html is $size bytes, over the 4 MB bound"; exit 1; }
if grep -Eoi '<script|<link|<img|<iframe|src=|url\(|@import|https?://' page.html | head -3 | grep -q .; then
  echo "page.html refers to something outside itself:"; grep -Eoi '<script|<link|<img|<iframe|src=|url\(|@import|https?://' page.html | sort | uniq -c
  exit 1
fi

browse() {  # chromium headless, no network, its own profile; extra arguments follow
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$dir/profile" --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
    --enable-logging=stderr --v=0 --window-size=1280,2400 "$@"
}
browse --dump-dom "file://$dir/page.html" >dom.html 2>chrome.log || { cat chrome.log; echo "chromium --dump-dom failed"; exit 1; }
for want in 'class="group-row"' 'class="group fail"' 'class="timeline"' 'class="ev-write"' 'class="ev-fault"' \
            'class="hex"' '<mark>' 'id="scenarios"' 'id="coverage"' 'Damaged region' 'after recovery' \
            'before the damage' 'class="op op-ok"' 'class="op op-no-reply"' '<tr class="ack-ok">' \
            '<tr class="ack-no-reply">' 'class="transcript"' 'bytes after recovery: it ends before these bytes'; do
  grep -qF "$want" dom.html || { echo "the rendered DOM has no $want"; exit 1; }
done
# Each operation's acknowledgement, as the browser parsed it: every transcript row says acknowledged or not, and the
# timeline's operations are as many as the rows (both come from failures[].transcript).
python3 - dom.html <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
rows = re.findall(r'<tr class="ack-(ok|error|no-reply)"><td class="n">\d+</td><td><code>[^<]*</code></td>'
                  r'<td><code>[^<]*</code></td><td>(acknowledged|refused \(error reply\)|no reply \(not acknowledged\))</td>', dom)
assert rows, "no transcript row with its acknowledgement"
words = {"ok": "acknowledged", "error": "refused (error reply)", "no-reply": "no reply (not acknowledged)"}
assert all(words[a] == w for a, w in rows), "a row's class and words disagree"
lanes = re.findall(r'class="op op-(ok|error|no-reply)"', dom)
assert sorted(lanes) == sorted(a for a, _ in rows), f"{len(lanes)} operations in the timelines, {len(rows)} rows"
print(f"{len(rows)} operations with their acknowledgements ({sum(a == 'ok' for a, _ in rows)} acknowledged)")
PY
if grep -E 'CONSOLE|Uncaught' chrome.log | grep -qiE 'error|uncaught'; then
  echo "console errors:"; grep -E 'CONSOLE|Uncaught' chrome.log; exit 1
fi
browse --screenshot="$dir/shot.png" "file://$dir/page.html" 2>>chrome.log >/dev/null || {
  cat chrome.log; echo "chromium --screenshot failed"; exit 1; }
python3 "$png_stats" shot.png 12 0.05 || { echo "the screenshot is blank"; exit 1; }
if [ -n "$keep" ]; then mkdir -p "$keep" && cp page.html shot.png dom.html "$keep/"; fi
echo "HTML report: $size bytes, rendered by $("$chromium" --version 2>/dev/null | head -1) with causes, timeline and hex view"
