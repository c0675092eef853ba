#!/usr/bin/env bash
# `cmake --install` lays out a tree that works on its own: installed into a temporary prefix, moved elsewhere, and run
# from / with the source and build trees out of reach (hidden under an empty tmpfs in a private mount namespace when
# this runs as root; otherwise only moved away from), it lists its scenarios and runs a short campaign that passes.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
for f in bin/faultline bin/walkv lib/faultline/libfaultfs.so lib/faultline/walkv-planted \
         share/faultline/scenarios/torn-tail.json share/faultline/profiles/walkv.json \
         share/doc/faultline/README.md share/doc/faultline/report.schema.json share/doc/faultline/copyright; do
  [ -e "$tmp/prefix/$f" ] || fail "the install tree lacks $f"
done
[ ! -e "$tmp/prefix/share/faultline/scenarios/CMakeLists.txt" ] || fail "build files were installed as scenarios"
mv "$tmp/prefix" "$tmp/moved"   # nothing may depend on the prefix it was installed to
p=$tmp/moved

cat > "$tmp/run.sh" <<SH
set -eu
cd /
$p/bin/faultline --version
$p/bin/faultline scenarios | grep -q '^torn-tail '
$p/bin/faultline run --scenario all --trials 50 --jobs 2 --seed 7 --quiet --report $tmp/report.json
SH
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  echo "running the installed tree with $source and $build hidden under empty tmpfs mounts"
  hide="mount -t tmpfs tmpfs '$source'"
  case "$build" in "$source"/*) ;; *) hide="$hide && mount -t tmpfs tmpfs '$build'" ;; esac
  unshare -m sh -c "$hide && test ! -e '$source/CMakeLists.txt' && sh '$tmp/run.sh'" >"$tmp/out" 2>&1 \
    || { cat "$tmp/out"; fail "the installed faultline failed with the source tree hidden"; }
else
  echo "not root (or no mount namespaces): running the relocated install tree from / without hiding the source tree"
  sh "$tmp/run.sh" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the installed faultline failed"; }
fi
cat "$tmp/out"
grep -q "^faultline [0-9][0-9.]* (git " "$tmp/out" || fail "--version does not name the version and git revision"
grep -q "shim *$p/lib/faultline/libfaultfs.so" "$tmp/out" || fail "--version does not show the installed shim"
python3 - "$tmp/report.json" <<'PY' || fail "the report is not a passing 50-trial campaign"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["total"] == 50 and s["passed"] + s["void"] == 50 and s["failed"] == 0 and s["errors"] == 0, s
PY
echo "PASS: the relocated install tree runs a campaign from /"
