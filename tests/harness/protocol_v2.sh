#!/usr/bin/env bash
# Engine protocol v2 end to end (docs/engine-protocol.md), label `integration`:
#   protocol_v2.sh FAULTLINE WALKV WORKDIR SCENARIO_DIR
# 1. walkv's shipped profile speaks v2: the `*-bigvalue` scenarios (values of up to 60000 bytes of any byte) run
#    without a failing or error trial.
# 2. walkv speaking v1 (`walkv serve` alone) and a scenario with value_bytes: exit 2 before any trial, naming the
#    scenario and the field, never a failure of the engine.
set -euo pipefail
faultline=$1 walkv=$2 work=$3 dir=$4
rm -rf "$work" && mkdir -p "$work"
for s in torn-tail-bigvalue bitflip-midlog-bigvalue power-loss-bigvalue; do
  set +e
  "$faultline" run --scenario "$dir/$s.json" --trials 4 --seed 1 --jobs 2 -q --report "$work/$s.json" \
    --work-dir "$work/trials" >"$work/$s.out" 2>&1
  code=$?
  set -e
  if [ "$code" -ne 0 ]; then
    cat "$work/$s.out"
    echo "protocol_v2.sh: $s on walkv (v2) exited $code, expected 0" >&2
    exit 1
  fi
  python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(sys.argv[2], s['passed'], 'passed', s['void'], 'void'); sys.exit(s['passed'] == 0)" "$work/$s.json" "$s"
done
set +e
"$faultline" run --engine "$walkv serve --dir {dir}" --scenario "$dir/torn-tail-bigvalue.json" --trials 2 --seed 1 \
  --work-dir "$work/trials" >"$work/v1.out" 2>&1
code=$?
set -e
if [ "$code" -ne 2 ] || ! grep -q "field 'workload.value_bytes'.*needs engine protocol v2" "$work/v1.out"; then
  cat "$work/v1.out"
  echo "protocol_v2.sh: a v1 engine with a value_bytes scenario exited $code, expected 2 naming the field" >&2
  exit 1
fi
echo "v1 engine refused with exit 2: $(grep -o "field 'workload.value_bytes'[^:]*" "$work/v1.out" | head -1)"
