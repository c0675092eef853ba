#!/usr/bin/env bash
# ci/check-hermetic.sh must pass a clean project and fail, naming the file, on each way a build can reach outside:
# an absolute #include, an include directory outside the tree, a shared library loaded from outside the system
# library directories. Usage: hermetic_test.sh CHECK_SCRIPT
set -euo pipefail
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A tiny project: src/ (the repository), scratch/ (a place outside it, like /tmp on one machine).
make_project() {  # make_project DIR MAIN_C [extra CMake lines]
  rm -rf "$1"; mkdir -p "$1/src" "$1/scratch"
  printf '#define STRAY 1\n' > "$1/scratch/stray.h"
  printf 'int helper(void) { return 0; }\n' > "$1/scratch/helper.c"
  printf '%s\n' "$2" > "$1/src/main.c"
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(p C)\nadd_executable(p main.c)\n%s\n' "${3:-}" \
    > "$1/src/CMakeLists.txt"
  cmake -S "$1/src" -B "$1/src/build" -G Ninja >/dev/null
  cmake --build "$1/src/build" >/dev/null
}
expect_pass() { "$check" "$1/src/build" "$1/src" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$2: expected a pass"; }; }
expect_fail() {  # expect_fail DIR WHAT PATTERN
  if "$check" "$1/src/build" "$1/src" >"$tmp/out" 2>&1; then cat "$tmp/out"; fail "$2: the check passed"; fi
  grep -q -- "$3" "$tmp/out" || { cat "$tmp/out"; fail "$2: the message does not name $3"; }
  echo "ok: $2 -> $(grep -m1 -- "$3" "$tmp/out")"
}

make_project "$tmp/clean" 'int main(void) { return 0; }'
expect_pass "$tmp/clean" "a clean project"

make_project "$tmp/abs" "#include \"$tmp/abs/scratch/stray.h\"
int main(void) { return STRAY - 1; }"
expect_fail "$tmp/abs" "an absolute #include" "main.c:1: an #include with an absolute path"
grep -q "reads $tmp/abs/scratch/stray.h" "$tmp/out" || fail "the dependency log check did not name the stray header"

make_project "$tmp/incdir" '#include "stray.h"
int main(void) { return STRAY - 1; }' "target_include_directories(p PRIVATE $tmp/incdir/scratch)"
expect_fail "$tmp/incdir" "an include directory outside the tree" "reads $tmp/incdir/scratch/stray.h"

make_project "$tmp/lib" 'int helper(void); int main(void) { return helper(); }' \
  "add_library(helper SHARED $tmp/lib/scratch/helper.c)
set_target_properties(helper PROPERTIES LIBRARY_OUTPUT_DIRECTORY $tmp/lib/scratch/out)
target_link_libraries(p PRIVATE helper)"
expect_fail "$tmp/lib" "a library loaded from outside" "loads $tmp/lib/scratch/out/libhelper.so"
echo "PASS: check-hermetic catches each stray file"
