#!/usr/bin/env bash
# ci/check-links.sh on hand-made trees: a clean one passes; each planted broken reference is caught and named.
# Usage: check_links_test.sh PATH/TO/check-links.sh
set -euo pipefail
check=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# The references planted below are spelt through these variables, so that this file itself holds none that the
# check of the real repository (LinkCheck.EveryReferenceInTheRepositoryResolves) would find broken.
D=docs
N=design-notes.md

# A tree whose every reference resolves.
make_tree() {  # dir
  mkdir -p "$1/$D" "$1/src"
  printf '# Notes\n\n## 1. Cases\n\n### 1.1 First\n\n## 2. Other\n' > "$1/$D/$N"
  printf '[notes](%s/%s#1-cases) [src](src) [web](https://example.org) [top](#notes)\n' "$D" "$N" > "$1/README.md"
  printf 'See [the case](%s) and [readme](../README.md), [%s §1.1](%s).\n' "$N" "$N" "$N" > "$1/$D/a.md"
  printf '// %s/%s §1.1, §2 and %s/a.md\n' "$D" "$N" "$D" > "$1/src/x.cc"
}

expect() {  # name want-exit want-text dir
  local name=$1 want=$2 text=$3 dir=$4 out rc=0
  out=$("$check" "$dir" 2>&1) || rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$text" <<< "$out"; then
    echo "FAIL $name: exit $rc (want $want), output:"; echo "$out"; echo "(wanted it to contain: $text)"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

make_tree "$work/clean"
expect clean-tree 0 "every reference resolves" "$work/clean"

plant() {  # name file line want-text
  local dir="$work/$1"
  make_tree "$dir"
  printf '%s\n' "$3" >> "$dir/$2"
  expect "$1" 1 "$4" "$dir"
}
plant missing-link README.md "[gone]($D/gone.md)" "README.md:2: link '$D/gone.md' names $D/gone.md, which does not exist"
plant missing-relative-link "$D/a.md" '[gone](../src/y.cc#L3)' "$D/a.md:2: link '../src/y.cc#L3' names $D/../src/y.cc, which does not exist"
plant link-outside README.md '[up](../../etc/passwd)' "README.md:2: link '../../etc/passwd' points outside the repository"
plant absolute-link README.md '[abs](/etc/passwd)' "README.md:2: link '/etc/passwd' is an absolute path"
plant missing-doc-path src/x.cc "// see $D/missing.md" "src/x.cc:2: '$D/missing.md' does not exist"
plant missing-section src/x.cc "// $D/$N §1.2" "src/x.cc:2: cites §1.2 of $D/$N, which has no such section"
plant missing-section-in-list src/x.cc "// $D/$N §1.1, §3" "src/x.cc:2: cites §3 of $D/$N"
plant missing-section-md "$D/a.md" "([$N §9]($N))" "$D/a.md:2: cites §9 of $D/$N"
# The words are split so that this file does not itself cite the outside notes.
plant outside-notes src/x.cc "// (N""OTES §1.4)" "src/x.cc:2: 'N""OTES §1.4' cites a file outside the repository"
plant outside-shared src/x.cc "// ../sha""red/STYLE.md" "src/x.cc:2: '../sha""red/STYLE.md' cites a file outside the repository"

# Several broken references are all reported, with their count.
dir="$work/several"
make_tree "$dir"
printf '[a](no-a.md) [b](no-b.md)\n' >> "$dir/README.md"
expect several 1 "2 broken reference(s)" "$dir"

if [ "$failures" -gt 0 ]; then
  echo "$failures case(s) failed"
  exit 1
fi
echo "all cases passed"
