#!/usr/bin/env bash
# `cpack -G DEB` builds faultline_<version>_amd64.deb with computed Depends and the install tree under /usr; its
# extracted tree runs. Under CI as root, with no faultline package already installed, it is also installed with
# apt-get (as README says), run from /usr/bin, and removed again. Usage: deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
tmp=$(mktemp -d)
installed=0
cleanup() {
  [ "$installed" = 1 ] && DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq faultline >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out") >"$tmp/cpack.log" 2>&1 \
  || { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
debs=("$tmp"/out/faultline_*_amd64.deb)
[ -f "${debs[0]}" ] || { ls -l "$tmp/out"; fail "no faultline_<version>_amd64.deb was written"; }
deb=${debs[0]}
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
[ "$(dpkg-deb -f "$deb" Package)" = faultline ] || fail "Package is not faultline"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "Architecture is not amd64"
echo "$depends" | grep -q 'libc6 (>=' || fail "Depends ($depends) does not name libc6 with a version: shlibdeps did not run"
echo "$depends" | grep -q 'libstdc++6' || fail "Depends ($depends) does not name libstdc++6 (faultline links it)"
dpkg-deb -c "$deb" | awk '{print $NF}' > "$tmp/contents"
for f in ./usr/bin/faultline ./usr/bin/walkv ./usr/lib/faultline/libfaultfs.so ./usr/lib/faultline/walkv-planted \
         ./usr/share/faultline/scenarios/torn-tail.json ./usr/share/faultline/profiles/walkv.json \
         ./usr/share/doc/faultline/copyright ./usr/share/doc/faultline/report.schema.json; do
  grep -qxF "$f" "$tmp/contents" || fail "the package lacks $f"
done
while IFS= read -r f; do
  case "$f" in
    ./|./usr/|./usr/bin/*|./usr/lib/|./usr/lib/faultline/*|./usr/share/|./usr/share/faultline/*|./usr/share/doc/) ;;
    ./usr/share/doc/faultline/*) ;;
    *) fail "the package installs $f, outside /usr/bin, /usr/lib/faultline, /usr/share/faultline and /usr/share/doc/faultline" ;;
  esac
done < "$tmp/contents"

dpkg-deb -x "$deb" "$tmp/root"
(cd / && "$tmp/root/usr/bin/faultline" scenarios) | grep -q '^torn-tail ' || fail "the extracted tree does not list scenarios"

if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ] && ! dpkg -s faultline >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log"; fail "apt-get install ./$(basename "$deb")"; }
  installed=1
  (cd / && /usr/bin/faultline run --scenario torn-tail,bitflip-read --trials 20 --quiet --report "$tmp/r.json") \
    || fail "the installed /usr/bin/faultline did not pass a 20-trial campaign"
  echo "installed with apt-get, ran from /usr/bin, removing"
fi
echo "PASS: the Debian package is complete and runs"
