#!/bin/sh
# A black-box engine for tests/verdicts: engine protocol v1 in a POSIX shell, one "P key value" or "D key" line
# appended to $1/kv.log per write, the state replayed by awk. It checks nothing on recovery (a torn line is read as
# it is), so its verdicts exercise the oracle on an engine whose format Faultline knows nothing about.
log="$1/kv.log"
: >> "$log"
echo READY
while read -r cmd key value; do
  case "$cmd" in
    PUT) printf 'P %s %s\n' "$key" "$value" >> "$log" && echo OK || echo "ERR write" ;;
    DEL) printf 'D %s\n' "$key" >> "$log" && echo OK || echo "ERR write" ;;
    GET) awk -v k="$key" '$1=="P"&&$2==k{v=$3;f=1} $1=="D"&&$2==k{f=0} END{if(f)print "VALUE " v; else print "NOTFOUND"}' "$log" ;;
    DUMP) awk '$1=="P"{s[$2]=$3} $1=="D"{delete s[$2]} END{for(k in s) print "ENTRY " k " " s[k]; print "END"}' "$log" ;;
    QUIT) exit 0 ;;
    *) echo "ERR unknown" ;;
  esac
done
