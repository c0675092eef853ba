#!/usr/bin/env bash
# `faultline explore` against a real engine (docs/real-engines.md, "SQLite, rollback journal: the journal's unlink"),
# label `realworld`:
#   explore.sh FAULTLINE WORKDIR PROFILE EXPECT
# EXPECT "clean": explore exits 0 with no finding under any model. EXPECT "unlink:MODELS" (comma-separated): explore
# exits 1, and a lost-acked-write finding whose state undoes nothing but the unlink of kv.db-journal holds under
# exactly MODELS; then that finding's reproducer (`--state ID`) is run and must give the same verdict, undoing the same
# recorded calls. (Not the same bytes: SQLite writes a random nonce into each journal header, so a new recording
# differs in the journal's bytes and the state's content hash differs with them.)
set -euo pipefail
faultline=$1 work=$2 profile=$3 expect=$4
rm -rf "$work" && mkdir -p "$work"
explore() {  # explore REPORT [options...]: runs explore with the shared options, prints its output, returns its code
  local report=$1
  shift
  set +e
  "$faultline" explore --profile "$profile" --seed 1 --ops 4 --work-dir "$work/states" --report "$report" "$@" \
    >"$report.txt" 2>&1
  local code=$?
  set -e
  tail -n 30 "$report.txt"
  return $code
}
code=0
explore "$work/all.json" --model all || code=$?
if [ "$expect" = clean ]; then
  [ "$code" -eq 0 ] || { echo "explore.sh: exit $code, expected 0 (no finding)" >&2; exit 1; }
  python3 - "$work/all.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["verdict"] == "pass" and not doc["findings"], doc["findings"]
assert all(c["states_built"] > 0 for c in doc["coverage"]), doc["coverage"]
print("coverage:", doc["coverage"])
PY
  exit 0
fi
[ "$code" -eq 1 ] || { echo "explore.sh: exit $code, expected 1 (a finding)" >&2; exit 1; }
state=$(python3 - "$work/all.json" "${expect#unlink:}" <<'PY'
import json, sys
doc, models = json.load(open(sys.argv[1])), sys.argv[2].split(",")
hits = [f for f in doc["findings"]
        if [u["call"].rsplit(" #", 1)[0] for u in f["undone"]] == ["unlink kv.db-journal"]
        and any(v["name"] == "lost-acked-write" for v in f["violations"])]
if not hits:
    sys.exit("no lost-acked-write finding undoes the journal's unlink alone")
for f in hits:
    if sorted(f["models"]) != sorted(models):
        sys.exit(f"finding {f['state']} holds under {f['models']}, expected {models}")
print(hits[0]["state"])
PY
)
id=$state
echo "explore.sh: reproducing $id"
code=0
explore "$work/one.json" --state "$id" || code=$?
[ "$code" -eq 1 ] || { echo "explore.sh: --state $id exited $code, expected 1 (the same finding)" >&2; exit 1; }
python3 - "$work/one.json" "$work/all.json" "$id" <<'PY'
import json, sys
one, all_, sid = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
[f] = one["findings"]
[g] = [g for g in all_["findings"] if g["state"] == sid]
assert f["state"] == sid and f["undone"] == g["undone"], (f, g)
assert [v["name"] for v in f["violations"]] == [v["name"] for v in g["violations"]], (f, g)
print("explore.sh:", sid, "reproduced:", [v["name"] for v in f["violations"]], [u["call"] for u in f["undone"]])
PY
