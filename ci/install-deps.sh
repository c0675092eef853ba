#!/usr/bin/env bash
# Installs what Faultline needs to build and test on Debian 12, with apt-get. Idempotent: installs only what is
# missing, and runs `apt-get update` only when something is.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  patch                             # walkv-planted: its logic mistakes are patches applied at build time
  libboost-filesystem-dev libboost-dev libfmt-dev nlohmann-json3-dev libcli11-dev libisal-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev          # libFuzzer target for the WAL reader
  python3 python3-jsonschema libxml2-utils sqlite3   # report schema, JUnit validation, third-party shim test
  dpkg-dev file                     # cpack -G DEB: dpkg-shlibdeps computes Depends, file finds the ELF files
  python3-junitparser chromium      # a real JUnit consumer; the HTML report in a headless browser
  python3-plyvel                    # tests/realworld: LevelDB behind an adapter (SQLite is Python's stdlib)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
