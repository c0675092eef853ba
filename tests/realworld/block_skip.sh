#!/usr/bin/env bash
# LevelDB's 32 KiB block skip through the shipped adapter (docs/real-engines.md, "the block skip"), label `realworld`:
#   block_skip.sh FAULTLINE WORKDIR PROFILE SCENARIO SEED
# One trial: a bit flipped at rest in a log record that is not in the log's last 32 KiB block. With paranoid_checks
# off LevelDB drops the rest of that block and reads on from the next one, so it opens with a hole: operations after
# the damaged one are lost, and later ones (from the next block on) are there. Passes when the report shows exactly
# that shape: a lost-acked-write whose state is no prefix, with a kept operation after the last lost one.
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
# The detail names every key whose acknowledged value is missing (fresh keys: key kN is operation #N's); every
# operation after the last one named is there.
missing = sorted(int(k) for k in re.findall(r"\bk(\d+): expected \S+ got nothing", lost[0]))
operations = failure["expected"]["must_keep_operations"]
later = operations - 1 - missing[-1] if missing else 0
if not missing or later < 1:
    sys.exit(f"expected lost operations followed by kept ones; lost {missing[:3]}...{missing[-1:]} of {operations}")
print(f"bit flip at log offset {offset} (32 KiB block {offset // 32768}): operations #{missing[0]}..#{missing[-1]} "
      f"lost ({len(missing)} keys), the {later} after them kept: LevelDB skipped the rest of the block")
PY
