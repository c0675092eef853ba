#!/usr/bin/env bash
# Checks that a build uses only the repository and what ci/install-deps.sh installs (Debian packages under /usr):
#   1. no compiled source read a header outside the source tree, the build tree and /usr (ninja's dependency log);
#      /usr/local counts as outside: nothing the project installs goes there;
#   2. every ELF program and shared library in the build tree resolves its libraries (ldd) from the system's library
#      directories or the build tree, and none is "not found";
#   3. no source file has an #include with an absolute path.
# Usage: ci/check-hermetic.sh BUILD_DIR [SOURCE_DIR]   (SOURCE_DIR defaults to the repository this script is in)
# Exit 0 when the build is hermetic, 1 with one line per problem otherwise, 2 on bad usage.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]" >&2
  exit 2
fi
build=$(realpath "$1")
source=$(realpath "${2:-$(dirname "$0")/..}")
[ -f "$build/build.ninja" ] || { echo "check-hermetic: $build/build.ninja not found: configure with -G Ninja first" >&2; exit 2; }
problems=0
report() { echo "check-hermetic: $*"; problems=$((problems + 1)); }
inside() {  # inside PATH: under the source tree, the build tree or /usr (but not /usr/local)
  case "$1" in
    "$source"/*|"$build"/*) return 0 ;;
    /usr/local/*) return 1 ;;
    /usr/*) return 0 ;;
  esac
  return 1
}

# 1. Headers read by the compiler, per object file. Relative paths in the log are relative to the build directory;
#    they are resolved once each (realpath on the unique ones), absolute ones are compared as they stand.
deps=$(ninja -C "$build" -t deps 2>/dev/null | awk '
  /^[^ \t].*: #deps/ { sub(/: #deps.*/, ""); target = $0; next }
  NF { sub(/^[ \t]+/, ""); print target "\t" $0 }')
declare -A resolved=()
while IFS= read -r rel; do
  [ -n "$rel" ] && resolved[$rel]=$(cd "$build" && realpath -m -- "$rel")
done < <(printf '%s\n' "$deps" | cut -f2 | grep -v '^/' | sort -u)
while IFS=$'\t' read -r target dep; do
  [ -n "$dep" ] || continue
  case "$dep" in /*) path=$dep ;; *) path=${resolved[$dep]} ;; esac
  inside "$path" || report "$target reads $path, which is outside the repository and /usr: a fresh machine does not" \
    "have it. Put the file in the repository, or install it from a Debian package in ci/install-deps.sh."
done < <(printf '%s\n' "$deps" | awk -F'\t' -v s="$source/" -v b="$build/" \
           'index($2, s) != 1 && index($2, b) != 1 && (index($2, "/usr/") != 1 || index($2, "/usr/local/") == 1)')

# 2. Shared libraries of every ELF file the build made (CMake's own probes under CMakeFiles/ excluded).
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  out=$(ldd "$f" 2>/dev/null) || continue   # "not a dynamic executable": static, nothing to resolve
  while IFS= read -r l; do
    if [[ "$l" == *"not found"* ]]; then
      report "${f#"$build"/} needs ${l%% *}, which is not found: install its Debian package from ci/install-deps.sh."
      continue
    fi
    lib=""
    if [[ "$l" =~ =\>\ (/[^ ]+) ]]; then lib=${BASH_REMATCH[1]}
    elif [[ "$l" =~ ^[[:space:]]*(/[^ ]+)\ \( ]]; then lib=${BASH_REMATCH[1]}
    fi
    [ -n "$lib" ] || continue
    lib=$(realpath -m "$lib")
    case "$lib" in
      /lib/*|/lib64/*|/usr/lib/*|/usr/lib64/*|"$build"/*) ;;
      *) report "${f#"$build"/} loads $lib from outside the system library directories and the build tree:" \
           "link against the Debian package's library instead (ci/install-deps.sh), without an rpath to it." ;;
    esac
  done <<< "$out"
done < <(find "$build" -path "$build/CMakeFiles" -prune -o -path '*/CMakeFiles/*' -prune -o \
           -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) -print0)

# 3. Absolute includes in the sources (build trees and .git left out).
while IFS= read -r hit; do
  file=${hit%%:*} rest=${hit#*:}
  report "${file#"$source"/}:${rest%%:*}: an #include with an absolute path (${rest#*:}); a fresh machine may not" \
    "have that file: include a file of the repository by its relative path."
done < <(find "$source" \( -path "$build" -o -path "$source/build" -o -name .git \) -prune -o -type f \
           \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) -print0 |
         xargs -0 -r grep -nHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]/' || true)

if [ "$problems" -gt 0 ]; then
  echo "check-hermetic: $problems problem(s) in $build (source $source)"
  exit 1
fi
echo "check-hermetic: $build reads only the repository and /usr, and loads only system libraries"
