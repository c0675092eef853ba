#!/usr/bin/env bash
# A real campaign's reports, end to end: `faultline run` against walkv-planted (a bug that loses the last record, so
# there are failures to report), whole and in 3 shards. Checks that every report matches reports/report.schema.json,
# that the JUnit XML is valid, that `report merge` of the shards gives the unsharded campaign's summary, failures and
# coverage and the same causes (groups), that a JUnit consumer (python3-junitparser) counts each failing trial once,
# that `report show` exits as `run` did, and that `report diff` tells the correct engine from the broken one by
# signature.
# usage: real_campaign.sh FAULTLINE SCHEMA VALIDATOR JUNIT_XSD SCENARIO_DIR JUNIT_CONSUMER
set -euo pipefail
faultline=$1 schema=$2 validator=$3 xsd=$4 scenario_dir=$5 consumer=$6
python3 -c 'import jsonschema' 2>/dev/null || { echo "python3-jsonschema is not installed: skipping"; exit 77; }
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

run() {  # exit code of faultline, without stopping the script
  set +e
  "$faultline" "$@" >&2  # its output to the log; only the exit code is captured
  local code=$?
  set -e
  echo "$code"
}
common=(--profile planted.json --scenario torn-tail,zero-tail,bitflip-last-record --trials 30 --seed 4242 --jobs 2
        --work-dir "$dir/work" --quiet)

whole=$(run run "${common[@]}" --report whole.json --junit whole.xml)
[ "$whole" -le 1 ] || { echo "faultline run exited $whole"; exit 1; }
for k in 0 1 2; do
  code=$(run run "${common[@]}" --shard "$k/3" --report "shard-$k.json" --junit "shard-$k.xml")
  [ "$code" -le 1 ] || { echo "faultline run --shard $k/3 exited $code"; exit 1; }
done
"$faultline" report merge shard-2.json shard-0.json shard-1.json -o merged.json

python3 "$validator" "$schema" whole.json shard-0.json shard-1.json shard-2.json merged.json
if command -v xmllint >/dev/null; then
  xmllint --noout --schema "$xsd" whole.xml shard-0.xml shard-1.xml shard-2.xml
fi

python3 - <<'PY'
import json, sys
whole, merged = json.load(open("whole.json")), json.load(open("merged.json"))
# What the merge is responsible for must be equal. Where each fault landed inside its record and the trace hashes are
# compared only as a note: they are equal only if every trial is deterministic, which is the harness's business
# (`faultline run --check-determinism`), not the merge's.
def trials(report):
    return [(f["index"], f["scenario"], f["seed"], f["verdict"], [v["name"] for v in f["violations"]])
            for f in report["failures"]]
def counts(coverage):
    return {kind: (c["trials"], c["fired"], sum(c["fields"].values())) for kind, c in coverage.items()}
problems = []
for key in ("status", "summary", "configuration"):
    if whole[key] != merged[key]:
        problems.append(f"{key}: whole {json.dumps(whole[key])}\n  merged {json.dumps(merged[key])}")
def causes(report):
    return [(g["signature"], g["count"], g["first"]["index"], g["smallest"]["index"]) for g in report["groups"]]
if causes(whole) != causes(merged):
    problems.append(f"groups: whole {causes(whole)}\n  merged {causes(merged)}")
if trials(whole) != trials(merged):
    problems.append(f"failures: whole {trials(whole)}\n  merged {trials(merged)}")
if counts(whole["coverage"]) != counts(merged["coverage"]):
    problems.append(f"coverage counts: whole {counts(whole['coverage'])}\n  merged {counts(merged['coverage'])}")
if whole["summary"]["failed"] == 0:
    problems.append("the planted bug was not caught: nothing to compare in failures")
for p in problems:
    print("merged shards differ from the whole campaign in", p, file=sys.stderr)
if whole["coverage"] != merged["coverage"] or [f["trace_hash"] for f in whole["failures"]] != \
        [f["trace_hash"] for f in merged["failures"]]:
    print("note: fault placement or trace hashes differ between the whole and the sharded runs of the same trials: "
          "the trials are not deterministic (see `faultline run --check-determinism`)", file=sys.stderr)
sys.exit(1 if problems else 0)
PY

shown=$(run report show merged.json --junit merged.xml)
[ "$shown" = "$whole" ] || { echo "report show exited $shown, run exited $whole"; exit 1; }
for xml in whole merged; do
  set +e
  python3 "$consumer" "$xml.xml" "$xml.json"
  code=$?
  set -e
  [ "$code" -eq 0 ] || [ "$code" -eq 77 ] || { echo "the JUnit consumer disagrees with $xml.json"; exit 1; }
done

# The correct engine on the same trials: the broken engine's causes are new against it, and gone the other way.
correct=(--scenario torn-tail,zero-tail,bitflip-last-record --trials 30 --seed 4242 --jobs 2 --work-dir "$dir/work"
         --quiet)
fixed=$(run run "${correct[@]}" --report fixed.json)
[ "$fixed" -eq 0 ] || { echo "walkv itself failed the campaign (exit $fixed)"; exit 1; }
new=$(run report diff fixed.json whole.json)
[ "$new" -eq 1 ] || { echo "report diff fixed broken exited $new, expected 1 (new causes)"; exit 1; }
"$faultline" report diff fixed.json whole.json >diff-new.txt || true
grep -q '^+ [0-9a-f]\{16\} ' diff-new.txt || { cat diff-new.txt; echo "no new signature listed"; exit 1; }
gone=$(run report diff whole.json fixed.json)
[ "$gone" -eq 0 ] || { echo "report diff broken fixed exited $gone, expected 0 (causes only gone)"; exit 1; }
"$faultline" report diff whole.json fixed.json >diff-gone.txt || true
grep -q '^- [0-9a-f]\{16\} ' diff-gone.txt || { cat diff-gone.txt; echo "no gone signature listed"; exit 1; }
same=$(run report diff whole.json merged.json)
[ "$same" -eq 0 ] || { echo "report diff of a campaign and its merged shards exited $same"; exit 1; }
# --exitfirst stops at the first failing trial and finishes the report; --last-failed runs a report's failures first.
first=$(run run "${common[@]}" --report first.json --exitfirst)
[ "$first" -eq 1 ] || { echo "run --exitfirst exited $first, expected 1"; exit 1; }
python3 - <<'PY'
import json, sys
r, whole = json.load(open("first.json")), json.load(open("whole.json"))
ok = (r["run"]["incomplete"] and "--exitfirst" in r["run"]["incomplete_reason"] and r["summary"]["failed"] >= 1
      and r["summary"]["total"] < whole["summary"]["total"])
print(f"--exitfirst: {r['summary']['total']} of {whole['summary']['total']} trials, {r['summary']['failed']} failed, "
      f"incomplete: {r['run']['incomplete_reason']!r}")
sys.exit(0 if ok else 1)
PY
lf=$(run run "${correct[@]}" --last-failed whole.json --report lf.json)
[ "$lf" -eq 0 ] || { echo "run --last-failed on walkv exited $lf"; exit 1; }
python3 - <<'PY'
import json, sys
lf, whole = json.load(open("lf.json")), json.load(open("whole.json"))
failing = sum(1 for f in whole["failures"] if f["verdict"] == "fail")
entries = lf["configuration"]["corpus_entries"]
print(f"--last-failed: {entries} corpus entries for {failing} failing trials")
sys.exit(0 if entries == failing else 1)
PY
echo "reports valid; 3 shards merge into the whole campaign (status exit code $whole); report diff separates walkv from the planted bug"
