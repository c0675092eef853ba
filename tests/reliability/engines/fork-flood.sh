#!/bin/sh
# Hostile engine: starts 40 sleeping children in its group, then hangs.
i=0
while [ $i -lt 40 ]; do sleep 600 </dev/null >/dev/null 2>&1 & i=$((i+1)); done
echo READY
exec sleep 600
