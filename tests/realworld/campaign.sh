#!/usr/bin/env bash
# One bounded campaign against a real engine (docs/real-engines.md), label `realworld`:
#   campaign.sh FAULTLINE WORKDIR EXPECT [faultline run options...]
# Passes when the campaign has no error trial (exit 0 or 1, never 2 or 3) and, unless EXPECT is "-", when the
# comma-separated violations in EXPECT were all found (the engine's known findings, still reachable).
set -euo pipefail
faultline=$1 work=$2 expect=$3
shift 3
rm -rf "$work" && mkdir -p "$work"
set +e
"$faultline" run --seed 1 --jobs 2 --report "$work/report.json" -q --work-dir "$work/trials" "$@" >"$work/out.txt" 2>&1
code=$?
set -e
cat "$work/out.txt"
if [ "$code" -gt 1 ]; then
  echo "campaign.sh: faultline exited $code (expected 0 or 1: no usage or harness error)" >&2
  exit 1
fi
python3 - "$work/report.json" "$expect" <<'PY'
import json, sys
report, expect = json.load(open(sys.argv[1])), sys.argv[2]
summary = report["summary"]
print(f"passed {summary['passed']} failed {summary['failed']} void {summary['void']} errors {summary['errors']}; "
      f"violations {summary['per_violation']}; untracked {[u['file'] for u in report['untracked_files']]}")
bad = [f"{f['scenario']} {f['seed']}: {f['error']}" for f in report["failures"] if f["verdict"] == "error"]
if bad:
    sys.exit("error trials:\n  " + "\n  ".join(bad))
missing = [v for v in expect.split(",") if expect != "-" and v not in summary["per_violation"]]
if missing:
    sys.exit(f"the known findings {missing} were not found")
PY
