#!/usr/bin/env bash
# `faultline run --shrink` on a planted-bug campaign (walkv-planted drop-last-record): one bundle per fail group, each
# replayed by `repro --bundle` showing the group's violation; and a tiny --shrink-budget leaves the groups it did not
# reach saying out-of-time, with the report still written.
# usage: run_shrink.sh FAULTLINE SCENARIO_DIR
set -euo pipefail
faultline=$1 scenario_dir=$2
planted="$(dirname "$faultline")/walkv-planted"
[ -x "$planted" ] || { echo "walkv-planted is not built: skipping"; exit 77; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
python3 - "$scenario_dir/profiles/walkv.json" "$planted" <<'PY'
import json, sys
profile = json.load(open(sys.argv[1]))
profile["name"] = "walkv-drop-last-record"
profile["command"] = sys.argv[2] + " serve --dir {dir} --planted-bug drop-last-record"
json.dump(profile, open("planted.json", "w"), indent=2)
PY
common=(--profile planted.json --scenario torn-tail,zero-tail --trials 6 --seed 4242 --work-dir "$dir/work"
        --quiet)
set +e
"$faultline" run "${common[@]}" --jobs 2 --report shrunk.json --shrink --shrink-group-budget 120 >&2
code=$?
"$faultline" run "${common[@]}" --jobs 2 --report tiny.json --artifacts tiny-artifacts --shrink --shrink-budget 0.001 >&2
tiny=$?
"$faultline" run "${common[@]}" --jobs 1 --report serial.json --artifacts serial-artifacts --shrink \
  --shrink-group-budget 120 >&2
set -e
# Same campaign, same bundles on any --jobs.
for b in shrunk-artifacts/bundles/*.json; do
  cmp -s "$b" "serial-artifacts/bundles/$(basename "$b")" || { echo "--jobs 1 wrote another $(basename "$b")"; exit 1; }
done
[ "$(ls serial-artifacts/bundles | wc -l)" = "$(ls shrunk-artifacts/bundles | wc -l)" ] || { echo "--jobs 1: other bundles"; exit 1; }
[ "$code" = 1 ] || { echo "run --shrink exited $code, expected 1 (failures)"; exit 1; }
[ "$tiny" = 1 ] || { echo "run --shrink --shrink-budget 0.001 exited $tiny, expected 1"; exit 1; }

python3 - <<'PY' > bundles.txt
import json, os, sys
r = json.load(open("shrunk.json"))
fail = [g for g in r["groups"] if g["verdict"] == "fail"]
assert fail, "the planted bug gave no fail group"
for g in fail:
    s = g.get("shrink")
    assert s and s["status"] == "shrunk", f"group {g['signature']}: {s}"
    assert g["bundle"] and os.path.isfile(g["bundle"]), f"group {g['signature']}: no bundle file {g['bundle']}"
    assert os.path.basename(g["bundle"]) == g["signature"] + ".json", g["bundle"]
    assert s["operations"] <= s["original_operations"], s
    print(g["bundle"], g["signature"], " ".join(g["violations"]))
bundles = {g["bundle"] for g in fail}
assert len(bundles) == len(fail), "two groups share a bundle"
t = json.load(open("tiny.json"))
tfail = [g for g in t["groups"] if g["verdict"] == "fail"]
assert [g["signature"] for g in tfail] == [g["signature"] for g in fail], "the same campaign gave other groups"
for g in tfail:
    assert g["shrink"]["status"] == "out-of-time" and g["bundle"] is None, f"tiny budget: {g}"
PY
while read -r bundle signature violations; do
  out=$("$faultline" repro --bundle "$bundle" --engine-from-bundle --work-dir "$dir/repro" 2>&1 || true)
  for v in $violations; do
    grep -q -- "$v" <<<"$out" || { echo "repro --bundle $bundle (group $signature) does not show $v:"; echo "$out"; exit 1; }
  done
done < bundles.txt
shown=$("$faultline" report show tiny.json || true)  # exit 1: the campaign failed
grep -q "out of time" <<<"$shown" || { echo "report show does not say out of time:"; echo "$shown"; exit 1; }
echo "ok: $(wc -l < bundles.txt) groups, one bundle each, each replayed"
