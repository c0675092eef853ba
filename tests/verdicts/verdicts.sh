#!/bin/sh
# Verdicts, violations and trace hashes of a fixed set of trials, one line per trial:
#   <scenario> <seed> <verdict> <trace_hash> <violation,violation,...|->
# for walkv, planted-bug variants and a black-box shell engine. The trial refactorings of issue 14 must leave these
# lines unchanged (a trace-hash change is a documented format change, re-recorded with `record`).
#
#   tests/verdicts/verdicts.sh record BINDIR      # writes tests/verdicts/<engine>.txt
#   tests/verdicts/verdicts.sh check  BINDIR      # compares with them; exit 1 and a diff on any difference
#
# BINDIR holds faultline, walkv and walkv-planted (build/release/bin). FAULTLINE_VERDICT_SEEDS overrides 1..280 (ten trials per scenario).
set -eu
mode=$1
bindir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
seeds=${FAULTLINE_VERDICT_SEEDS:-1..280}
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-verdicts.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

# One engine: its name, then the faultline options that select it.
fingerprint() {
  name=$1
  shift
  "$bindir/faultline" run --scenario all --seeds "$seeds" --seed 1 --jobs 2 --work-dir "$work/w-$name" \
    --report "$work/$name.json" --all-trials "$work/$name.jsonl" "$@" >"$work/$name.log" 2>&1 || true
  if [ ! -s "$work/$name.jsonl" ]; then
    echo "verdicts: $name: faultline wrote no trials; its output:" >&2
    cat "$work/$name.log" >&2
    exit 3
  fi
  python3 - "$work/$name.json" "$work/$name.jsonl" >"$work/$name.txt" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
violations = {(f["scenario"], f["seed"]): ",".join(v["name"] for v in f["violations"]) for f in report["failures"]}
lines = []
for line in open(sys.argv[2]):
    t = json.loads(line)
    key = (t["scenario"], t["seed"])
    lines.append(f"{t['scenario']} {t['seed']} {t['verdict']} {t['trace_hash']} {violations.get(key) or '-'}")
print("\n".join(sorted(lines)))
PY
  if [ "$mode" = record ]; then
    cp "$work/$name.txt" "$here/$name.txt"
    echo "verdicts: recorded $here/$name.txt ($(wc -l <"$work/$name.txt") trials)"
  elif ! diff -u "$here/$name.txt" "$work/$name.txt"; then
    echo "verdicts: $name: the trials above differ from $here/$name.txt" >&2
    status=1
  else
    echo "verdicts: $name: $(wc -l <"$work/$name.txt") trials unchanged"
  fi
}

profile() {  # a walkv profile whose command is $2, written to $work/$1.json
  python3 - "$here/../../scenarios/profiles/walkv.json" "$1" "$2" >"$work/$1.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p.update(name=sys.argv[2], command=sys.argv[3], start_timeout_ms=2000, request_timeout_ms=2000)
print(json.dumps(p, indent=2))
PY
  echo "$work/$1.json"
}

status=0
fingerprint walkv --profile "$(profile walkv "$bindir/walkv serve --dir {dir}")"
for bug in no-truncate skip-corrupt retry-fsync; do
  fingerprint "planted-$bug" --profile "$(profile "planted-$bug" "$bindir/walkv-planted serve --dir {dir} --planted-bug $bug")"
done
fingerprint shell-engine --engine "$here/shell-engine.sh {dir}"
exit $status
