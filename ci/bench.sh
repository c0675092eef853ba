#!/usr/bin/env bash
# Runs every benchmark and writes the figures, with the machine they ran on, to docs/PERFORMANCE.md (or $1).
# Benchmarks print figures; none of them is a pass/fail test. Takes about 5 minutes on 2 cores.
#   FAULTLINE_SCALE_TRIALS (default 20000): trials of the memory/report-size run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/PERFORMANCE.md}
ci/install-deps.sh >/dev/null
ci/build.sh release >/dev/null
bin=build/release/bin
scale=${FAULTLINE_SCALE_TRIALS:-20000}
work=$(mktemp -d /dev/shm/faultline-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT

# A fault-free walkv workload of N PUTs, with and without the shim (journaling every write of wal.log), in DIR.
walkv_workload() {  # dir shim(0|1) n
  local dir=$1 shim=$2 n=$3 d
  d=$(mktemp -d "$dir/w.XXXXXX")
  printf 'faultfs-plan 1\nseed 1\njournal %s/j.jsonl\ntarget_dir %s/data\ntarget wal.log\n' "$d" "$d" > "$d/plan"
  mkdir "$d/data"
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "PUT k%d v%d\n", i % 64, i; print "QUIT" }' > "$d/in"
  local t0 t1
  t0=$(date +%s%N)
  if [ "$shim" = 1 ]; then
    LD_PRELOAD=$PWD/$bin/libfaultfs.so FAULTFS_PLAN=$d/plan $bin/walkv serve --dir "$d/data" < "$d/in" > /dev/null 2>&1
  else
    $bin/walkv serve --dir "$d/data" < "$d/in" > /dev/null 2>&1
  fi
  t1=$(date +%s%N)
  rm -rf "$d"
  echo $(( (t1 - t0) / 1000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
shim_ratio() {  # dir n rounds: alternate without/with, median of each, ratio
  local dir=$1 n=$2 rounds=$3 a=() b=()
  for _ in $(seq "$rounds"); do a+=("$(walkv_workload "$dir" 0 "$n")"); b+=("$(walkv_workload "$dir" 1 "$n")"); done
  local ma mb
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  awk -v a="$ma" -v b="$mb" -v n="$n" 'BEGIN { printf "%d PUTs: without shim %.1f ms, with shim %.1f ms, ratio %.3f", n, a/1000, b/1000, b/a }'
}

echo "bench: trial rate" >&2
trials_torn=$($bin/bench_trials 400 torn-tail)
trials_all=$($bin/bench_trials 560 all)
echo "bench: shim overhead" >&2
shim_micro=$($bin/bench_shim 2>&1 | tail -8)
disk_dir=$(mktemp -d "$PWD/build/bench-disk.XXXXXX")
shim_disk=$(shim_ratio "$disk_dir" 2000 5)
rm -rf "$disk_dir"
shim_shm=$(shim_ratio "$work" 20000 5)
echo "bench: recovery" >&2
recovery=$($bin/bench_recovery --runs 3 2>&1 | tail -6)
echo "bench: scale ($scale trials)" >&2
scale_run() {  # trials -> "peak_kb report_bytes seconds"
  /usr/bin/time -f '%M %e' -o "$work/time" $bin/faultline run --scenario all --trials "$1" --seed 1 --jobs 2 --quiet \
    --report "$work/report-$1.json" --work-dir "$work/trials" > /dev/null 2>&1 || true
  echo "$(cut -d' ' -f1 "$work/time") $(stat -c %s "$work/report-$1.json") $(cut -d' ' -f2 "$work/time")"
}
small=$(scale_run 1000)
large=$(scale_run "$scale")

{
  echo "# Performance"
  echo
  echo "Measured by \`ci/bench.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME"). Shared, noisy machines: read ratios, not absolute times."
  echo
  echo "## Trial rate (\`bench_trials\`): campaign against walkv next to the floor of a crash trial, same run"
  echo '```'; echo "$trials_torn"; echo; echo "$trials_all"; echo '```'
  echo "Reading: the goal of 0.5 is not met. A trial starts the engine four times (a fault-free record run that tells where"
  echo "every record lands, the fault run, recovery plus the writes after it, a clean restart) against the bare loop's two,"
  echo "so 0.5 is the ceiling with a free harness; the rest is the shim journaling every write and sync of the log and the"
  echo "harness reading journals. Reaching it means dropping the record run (aiming from a previous trial's layout), which"
  echo "would make aiming depend on engine determinism across trials. Scaling to 2 jobs is near linear."
  echo
  echo "## Shim overhead"
  echo "Fault-free \`walkv\` workload, alternating runs without and with \`libfaultfs.so\` (wal.log a target: every write and"
  echo "fsync journaled), medians of 5:"
  echo "- on disk: $shim_disk"
  echo "- on /dev/shm (fsync nearly free, so the journal's own write shows): $shim_shm"
  echo
  echo "Reading: for files the shim does not target the cost is within the 3 % goal (micro-benchmark below). For the target"
  echo "log every call costs one fstat/lseek and one journal write() (~2.3 µs): hidden by a real fsync on disk (about the"
  echo "goal), visible on tmpfs where fsync is free. A shared-memory journal would remove the write(); not done yet."
  echo
  echo "Micro-benchmark (\`bench_shim\`, 64-byte append + fsync on /dev/shm):"
  echo '```'; echo "$shim_micro"; echo '```'
  echo
  echo "## Recovery speed (\`bench_recovery\`, 1 GiB log of 100-byte records, page cache)"
  echo '```'; echo "$recovery"; echo '```'
  echo
  echo "## Scale (\`faultline run --scenario all --jobs 2\`, \`/usr/bin/time\`)"
  echo "| trials | peak RSS (KiB) | report bytes | seconds |"
  echo "|---|---|---|---|"
  echo "| 1000 | $(echo "$small" | tr ' ' '|' | sed 's/|/ | /g') |"
  echo "| $scale | $(echo "$large" | tr ' ' '|' | sed 's/|/ | /g') |"
  echo
  echo "Passing trials are counted, not kept: memory and report size grow with failures only."
} > "$out"
echo "bench: wrote $out" >&2
