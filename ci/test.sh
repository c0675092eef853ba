#!/usr/bin/env bash
# The whole test suite: install what is missing, then
#   1. release build with warnings as errors, the hermeticity check (ci/check-hermetic.sh), every test (unit,
#      integration, crash, packaging: install tree and .deb);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, every test;
#   3. a bounded (30 s) libFuzzer run of the WAL reader, built with clang.
# FAULTLINE_SKIP_ASAN=1 / FAULTLINE_SKIP_FUZZ=1 skip the second / third part.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
jobs=$(nproc)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# ctest, with its output kept so the closing line can add up every stage.
run_ctest() { ctest "$@" 2>&1 | tee -a "$log"; return "${PIPESTATUS[0]}"; }

# Every reference in the repository resolves inside it (Markdown links, docs/ paths, design-notes sections): fast.
echo "== references" && ci/check-links.sh

echo "== release build and tests"
ci/build.sh release
echo "== hermeticity: the build reads only the repository and /usr"
ci/check-hermetic.sh build/release
run_ctest --preset release -j "$jobs"

if [ "${FAULTLINE_SKIP_ASAN:-0}" != 1 ]; then
  echo "== asan-ubsan build and tests"
  ci/build.sh asan-ubsan
  # An ASan-built engine refuses a preloaded library that comes before the ASan runtime (docs/design-notes.md §6):
  # the harness puts FAULTLINE_PRELOAD_FIRST ahead of the shim in LD_PRELOAD.
  FAULTLINE_PRELOAD_FIRST="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
    run_ctest --preset asan-ubsan -j "$jobs"
fi
if [ "${FAULTLINE_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== bounded fuzz run of the WAL reader (clang, libFuzzer + ASan/UBSan)"
  CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DFAULTLINE_FUZZ=ON -DFAULTLINE_BENCHMARKS=OFF \
    -DFAULTLINE_WERROR=ON >/dev/null
  cmake --build build/fuzz --target walkv_reader_fuzz -j "$jobs"
  run_ctest --test-dir build/fuzz -L fuzz --output-on-failure
fi
total=$(grep -Eo 'tests failed out of [0-9]+' "$log" | awk '{ n += $5 } END { print n + 0 }')
echo "== all tests passed"
echo "$total passed, 0 failed"
