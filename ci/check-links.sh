#!/usr/bin/env bash
# Every reference in the repository must resolve inside it. Checks, in the tree at $1 (default: this checkout):
#   1. every relative Markdown link [text](target) in a *.md file names a file or folder that exists in the tree
#      (http(s)/mailto links and in-page #anchors are not checked; a #fragment after a path is ignored);
#   2. every path of the form docs/<name>.md mentioned in any file exists;
#   3. every citation "design-notes.md §N" or "§N.M" (also "§A, §B" lists after it) names a section heading of
#      docs/design-notes.md ("## N." or "### N.M");
#   4. nothing cites notes kept outside the repository (the shared folder beside the checkout).
# Prints one line per broken reference (file:line, the reference, what to do) and exits 1 if there is any, 0 if none.
# Files: those git tracks when the tree is a git checkout, otherwise every file under it (build/ and .git/ skipped).
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$root"

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
   [ "$(git -C "$root" rev-parse --show-toplevel)" = "$root" ]; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort)
fi

broken=0
fail() {  # file:line  message
  echo "ci/check-links.sh: $1: $2" >&2
  broken=$((broken + 1))
}

# Inside the tree, after resolving . and .. lexically (the target need not exist for this test).
inside() {  # path relative to root
  local p=$1 part out=()
  IFS=/ read -r -a parts <<< "$p"
  for part in "${parts[@]}"; do
    case $part in
      ''|.) ;;
      ..) [ ${#out[@]} -eq 0 ] && return 1; unset 'out[${#out[@]}-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  return 0
}

# 1. Markdown links, in every *.md file.
mapfile -t md < <(printf '%s\n' "${files[@]}" | grep -E '\.md$' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
while IFS=: read -r f line target; do
  target=${target#](}
  case $target in
    http://*|https://*|mailto:*|'#'*|'') continue ;;
  esac
  path=${target%%#*}
  path=${path%%\?*}
  if [ "${path:0:1}" = / ]; then
    fail "$f:$line" "link '$target' is an absolute path: link to a file in the repository with a relative path"
    continue
  fi
  dir=$(dirname "$f")
  rel="$dir/$path"
  [ "$dir" = . ] && rel=$path
  if ! inside "$rel"; then
    fail "$f:$line" "link '$target' points outside the repository: cite a file in the repository instead"
  elif [ ! -e "$rel" ]; then
    fail "$f:$line" "link '$target' names $rel, which does not exist: fix the link or add the file"
  fi
done < <([ ${#md[@]} -eq 0 ] || grep -HnoE '\]\([^) ]*' -- "${md[@]}" || true)

# The text files of the tree (grep -I skips binary files), for the two checks below.
mapfile -t text < <(for f in "${files[@]}"; do [ -f "$f" ] && echo "$f"; done)
[ ${#text[@]} -gt 0 ] || text=(/dev/null)

# 2. docs/<name>.md mentioned anywhere (code comments, scripts, docs), as a path from the top of the tree.
while IFS=: read -r f line ref; do
  ref=docs/${ref#*docs/}
  [ -e "$ref" ] || fail "$f:$line" "'$ref' does not exist: fix the reference or add the document"
done < <(grep -HInoE '(^|[^A-Za-z0-9_./-])docs/[A-Za-z0-9_.-]+\.md' -- "${text[@]}" || true)

# 3. Section citations into docs/design-notes.md.
notes=docs/design-notes.md
if [ -f "$notes" ]; then
  sections=" $(sed -nE 's/^##+ ([0-9]+(\.[0-9]+)?)\.? .*/\1/p' "$notes" | tr '\n' ' ') "
  while IFS=: read -r f line cite; do
    for n in $(grep -oE '§[0-9]+(\.[0-9]+)?' <<< "$cite" | tr -d '§'); do
      case $sections in
        *" $n "*) ;;
        *) fail "$f:$line" "cites §$n of $notes, which has no such section: fix the number or add the section" ;;
      esac
    done
  done < <(grep -HInoE 'design-notes\.md\]?(\([^)]*\))? §[0-9]+(\.[0-9]+)?(, §[0-9]+(\.[0-9]+)?)*' -- "${text[@]}" || true)
fi

# 4. Citations of notes kept outside the repository (the shared folder beside the checkout, the old notes file in it).
while IFS=: read -r f line ref; do
  fail "$f:$line" "'$ref' cites a file outside the repository: state the fact in docs/design-notes.md and cite that"
done < <(grep -HInoE '\.\.[/]shared/[A-Za-z0-9_./-]*|N[O]TES( §[0-9.]+|\.md)' -- "${text[@]}" || true)

if [ $broken -gt 0 ]; then
  echo "ci/check-links.sh: $broken broken reference(s) in $root" >&2
  exit 1
fi
echo "ci/check-links.sh: every reference resolves inside $root"
