#!/bin/sh
# Hostile engine: leaves a setsid daemon and a double-forked child behind, then serves as walkv ($2 is its path).
setsid sleep 600 </dev/null >/dev/null 2>&1 &
( sleep 600 </dev/null >/dev/null 2>&1 & ) &
exec "$2" serve --dir "$1"
