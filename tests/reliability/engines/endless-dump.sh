#!/bin/sh
# Hostile engine: appends each request to its log and answers OK; answers DUMP with entries that never end (distinct
# keys, no END).
echo READY
while read -r cmd rest; do
  case "$cmd" in
    DUMP) i=0; while :; do echo "ENTRY k$i v"; i=$((i+1)); done ;;
    *) echo "$cmd $rest" >> "$1/log"; echo OK ;;
  esac
done
