#!/usr/bin/env bash
# LevelDB's 32 KiB block skip through the shipped adapter (docs/real-engines.md, "the block skip"), label `realworld`:
#   block_skip.sh FAULTLINE WORKDIR PROFILE SCENARIO SEED
# One trial: a bit flipped at rest in a log record that is not in the log's last 32 KiB block. With paranoid_checks
# off LevelDB drops the rest of that block and reads on from the next one, so it opens with a hole: operations after
# the damaged one are lost, and later ones (from the next block on) are there. Passes when the report shows exactly
# that shape: a lost-acked-write whose state is no prefix, with kept operations after the first lost one, in a
# detail that stays short.
set -euo pipefail
faultline=$1 work=$2 profile=$3 scenario=$4 seed=$5
rm -rf "$work" && mkdir -p "$work"
set +e
"$faultline" run --profile "$profile" --scenario "$scenario" --seeds "$seed..$seed" --jobs 1 -q \
  --report "$work/report.json" --work-dir "$work/trials" >"$work/out.txt" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ]; then
  cat "$work/out.txt"
  echo "block_skip.sh: faultline exited $code (expected 1: the trial fails)" >&2
  exit 1
fi
python3 - "$work/report.json" <<'PY'
import json, re, sys
report = json.load(open(sys.argv[1]))
(failure,) = report["failures"]
offset = failure["faults"][0]["offset"]
lost = [v["detail"] for v in failure["violations"] if v["name"] == "lost-acked-write"]
if not lost or "is no prefix" not in lost[0]:
    sys.exit(f"expected a lost-acked-write with a state that is no prefix, got {failure['violations']}")
# The detail names the first keys whose acknowledged value is missing (fresh keys: key kN is operation #N's) and
# counts them all ("… and N more (M in all)" past the first few, oracle.h kDetailItems). Fewer keys lost than
# operations from the first lost one on: later operations are there.
missing = sorted(int(k) for k in re.findall(r"\bk(\d+): expected \S+ got nothing", lost[0]))
counted = re.search(r"… and \d+ more \((\d+) in all\)$", lost[0])
total = int(counted.group(1)) if counted else len(missing)
operations = failure["expected"]["must_keep_operations"]
later = operations - missing[0] - total if missing else 0
if not missing or later < 1 or len(lost[0]) > 2000:
    sys.exit(f"expected lost operations followed by kept ones in a short detail; lost {missing[:3]}... ({total}) "
             f"of {operations}, detail of {len(lost[0])} bytes")
print(f"bit flip at log offset {offset} (32 KiB block {offset // 32768}): {total} keys lost from operation "
      f"#{missing[0]} on, {later} later operations kept: LevelDB skipped the rest of the block "
      f"(detail: {len(lost[0])} bytes)")
PY
