#!/bin/sh
# Hostile engine: answers PUT with OK, and DUMP with entries that never end (distinct keys, no END).
echo READY
while read -r cmd rest; do
  case "$cmd" in
    DUMP) i=0; while :; do echo "ENTRY k$i v"; i=$((i+1)); done ;;
    *) echo OK ;;
  esac
done
