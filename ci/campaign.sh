#!/usr/bin/env bash
# The main job: install what is missing, build, and run the default crash campaign against the built-in engine.
# Extra arguments go to `faultline run` (e.g. --trials 2000 --seed 7). Exit code: faultline's (README).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh release
set +e
build/release/bin/faultline run --scenario all --trials 300 --report faultline-report.json "$@"
code=$?
set -e
echo "JSON report: $(pwd)/faultline-report.json (exit code $code)"
exit $code
