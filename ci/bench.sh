#!/usr/bin/env bash
# Runs every benchmark and writes the figures, with the machine they ran on, to docs/PERFORMANCE.md (or $1).
# Benchmarks print figures; none of them is a pass/fail test. Takes about 10 minutes on 2 cores.
#   FAULTLINE_SCALE_TRIALS (default 100000): trials of the memory/report-size run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/PERFORMANCE.md}
ci/install-deps.sh >/dev/null
ci/build.sh release >/dev/null
bin=build/release/bin
scale=${FAULTLINE_SCALE_TRIALS:-100000}
work=$(mktemp -d /dev/shm/faultline-bench.XXXXXX 2>/dev/null || mktemp -d)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
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

# Process start-up: N starts of a command from one bash loop (the loop's own fork+exec is in every figure alike).
starts() {  # n command... -> microseconds per start
  local n=$1 t0 t1; shift
  t0=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" > /dev/null 2>&1; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 / n ))
}
echo "bench: start-up" >&2
startup_true=$(starts 500 /bin/true)
startup_walkv=$(starts 500 $bin/walkv --version)
startup_shim=$(LD_PRELOAD=$PWD/$bin/libfaultfs.so starts 500 $bin/walkv --version)
startup_true2=$(starts 500 /bin/true)

echo "bench: trial rate" >&2
trials_torn=$($bin/bench_trials 400 torn-tail 60)
trials_all=$($bin/bench_trials 560 all)
echo "bench: shim overhead" >&2
shim_micro=$($bin/bench_shim 2>&1 | tail -8)
disk_dir=$(mktemp -d "$PWD/build/bench-disk.XXXXXX")
shim_disk=$(shim_ratio "$disk_dir" 2000 9)
rm -rf "$disk_dir"
shim_shm=$(shim_ratio "$work" 20000 9)
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
  echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. Command:"
  echo "\`FAULTLINE_SCALE_TRIALS=$scale ci/bench.sh\`."
  echo
  echo "## Trial rate (\`bench_trials\`): campaign against walkv next to the floor of a crash trial, same run"
  echo "Exec'd starts and fork-server starts (docs/fork-server.md), and a Python engine behind a deferred fork point"
  echo "(tests/harness/fork_engine.py, first block only)."
  echo '```'; echo "$trials_torn"; echo; echo "$trials_all"; echo '```'
  echo "Reading: a trial starts the engine three times (the fault run, recovery plus the writes after it, a clean restart)"
  echo "and exchanges about 20 requests with it; the bare loop starts it twice and sends nothing. With the fork server"
  echo "(docs/fork-server.md) a start is a fork() of the engine stopped before main, not an exec, and the goal is a whole"
  echo "trial, harness included, in less time than the bare loop's two exec'd starts without the shim (ratio >= 1.0). The"
  echo "last lines of each block split the CPU time (getrusage): the engines' CPU per trial falls by a fifth to a third with"
  echo "the fork server (three starts without execve and the dynamic loader), but a forked start still costs its child"
  echo "copy-on-write and file page faults (fork() copies no page table entries of file mappings: the child faults its"
  echo "code in again), the shim's plan, journal and step counter, and walkv's own start-up; the harness spends ~1.5 ms per"
  echo "trial. On a loaded machine (load ~10 or more on 2 cores, as in every run here since 2026-12-01) the wall-clock rate"
  echo "is set less by CPU than by wake-ups: a trial wakes the harness ~23 times and its engines ~27 times (a request and"
  echo "its reply, a start, an end), and each wake-up waits for a core (\`perf sched\`, 2026-12-02, below: ~9 ms of such"
  echo "waiting per trial against ~5.7 ms of CPU), while a start of the bare loop needs two or three. Single runs of"
  echo "\`bench_trials\` then swing by 2x between blocks (compare the fork/exec ratios of the two blocks); only ratios"
  echo "measured alternately in one run mean anything (the before/after table below). The goal of 1.0 is not met on this"
  echo "machine: a forked engine still costs ~1.1 ms of CPU (its share of the workload included), and the trial's ~20"
  echo "request round trips are the protocol itself."
  echo
  echo "## Start-up (\`walkv --version\`, 500 starts from a bash loop, µs per start)"
  echo "| command | µs per start |"
  echo "|---|---|"
  echo "| /bin/true (before, after) | $startup_true, $startup_true2 |"
  echo "| walkv (libstdc++ static; glibc and libisal shared) | $startup_walkv |"
  echo "| walkv under libfaultfs.so (no plan) | $startup_shim |"
  echo
  echo "Reading: walkv links libstdc++ statically (a dynamically linked libstdc++ costs a further ~0.6 ms per start on"
  echo "this kind of machine, docs/design-notes.md §7.1) and keeps glibc shared, because the shim must be preloadable into it; the shim itself"
  echo "links only libc. Most of what remains is exec and glibc's own start-up (CPU feature probing is slow in a VM)."
  echo
  echo "## Shim overhead"
  echo "Fault-free \`walkv\` workload, alternating runs without and with \`libfaultfs.so\` (wal.log a target: every write and"
  echo "fsync journaled), medians of 9:"
  echo "- on disk: $shim_disk"
  echo "- on /dev/shm (fsync nearly free, so whatever the shim adds shows): $shim_shm"
  echo
  echo "Reading: for files the shim does not target the cost is within the 3 % goal (micro-benchmark below). The journal"
  echo "is shared memory (docs/fault-plan.md, 'Event journal'): an event is formatted on the stack, its bytes reserved with"
  echo "one compare-and-swap and copied into a shared mapping, no system call (it was one write() per event, 5.3x in the"
  echo "micro-benchmark and 3.99 on tmpfs before). What is left for the target log is the position of each write (an"
  echo "fstat, since wal.log is O_APPEND), the file size after each fsync (an fstat) and formatting two events: ~1.4 µs"
  echo "per PUT, hidden by a real fsync on disk, visible on tmpfs, where a PUT costs the engine itself under 1 µs and no"
  echo "system call fits in 3 % of it."
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
  echo "Passing trials are counted, not kept, and trials are planned on demand: memory and report size grow with failures"
  echo "only."
  echo
  cat <<'PROFILE'
## Profile of the harness (`perf`, measured once, 2026-11-24)
Command: `perf record -F 4000 --call-graph dwarf -o perf.data build/release/bin/faultline run --scenario torn-tail
--trials 300 --jobs 1`, then `perf report --sort comm,pid` and `--tid <worker>`. Before the changes below the engine
processes took ~67 % of the samples, the harness's worker thread ~23 %. What dominated beyond process creation, and
what was done about it (each step measured with `bench_trials`, same run as the bare loop):

| finding | share | change |
|---|---|---|
| a fourth engine start per trial: a fault-free rehearsal to learn the record layout | ~25 % of a trial | faults aimed through the shim's step counter while the workload runs (3 starts) |
| the shim scanned its whole 2 MiB file table on every open: ~512 page faults per engine start | 8 % of all samples | scan only the slots ever used |
| `fork()` copied the harness's page tables, then copy-on-write faults in the parent | ~5 % | Boost.Process's vfork executor, environment built once per spawn instead of `bp::environment` |
| walkv zero-filled 1 MiB buffers to save a torn tail of a few bytes (memset, page faults, munmap) | ~6 % of walkv | uninitialised buffers (`make_unique_for_overwrite`) |
| the trace hash parsed every journal line again and ran a `std::regex` over it | ~2 % | hash the journal text with the pid cut out |
| evidence copied to `evidence-N/` on every trial, then deleted | ~2 % | kept in memory, written only when the trial is kept |
| a `stat()` of the journal path around every request | ~1 % | `fstat` on a descriptor kept open |
| the shim's rename/unlink/truncate wrappers scanned the whole 2 MiB file table too (walkv truncates a torn tail at every recovery) | ~5 % of all samples | the same fix: scan only the slots ever used |
| one `write()` per journal event in the engine, three `fstat`s of the journal per request in the harness | ~3 % | the journal in shared memory; the harness reads `end` from a mapped page |
| the bypass check resolved every path component of every data file (`fs::relative`: a `readlink` each) | ~1 % of the harness | lexical relative paths |

Now the engine processes take ~80 % of the samples, most of it exec, the dynamic loader and glibc start-up (the floor
the bare loop measures; glibc's cache-size probing through `cpuid`, `handle_amd`, alone is ~15 % of walkv's user time,
since `cpuid` traps in a VM); the harness thread ~19 %, most of it in the kernel: `vfork`, pipes and pidfds, waiting
(context switches), and creating and unlinking the trial directory's files (unlink alone ~15 % of the thread).

## Profile with the fork server (measured once, 2026-12-02, load ~10 on 2 cores)
Commands: `perf sched record` and `perf sched timehist -s` of `faultline run --scenario torn-tail --trials 100 --jobs
1 --seed 1`; `perf record -F 2000 -g` of 300 trials, `perf report --sort comm,dso`; `strace -f -c` of 100 trials.

| where | per trial |
|---|---|
| harness worker thread: CPU / waiting for a core / sleeping | 1.56 ms / 3.75 ms / 12 ms, 23 wake-ups |
| fork server (3 forks, their replies, 3 reaps) | 0.63 ms CPU |
| forked engines (3 starts and the workload) | 3.5 ms CPU, 5.3 ms waiting for a core, 27 wake-ups |
| system calls, all processes | ~340 (newfstatat 83, close 86, openat 56, read 57, write 52, poll 37, unlinkat 14) |

Of all samples 64 % are in the engines (45 % in their kernel: file page faults of the child's code, `fork`'s page
table copy, opening the plan, journal, step counter and walkv's files, exits; 5.5 % in `ld.so`, lazy binding in
each child), 36 % in the harness (22 % in its kernel: pipes, polls, page faults, the trial directory). Per start the
harness woke twice for the server (its `spawned` reply, then READY; the engine's pidfd, then the server's `exited`).

| change | measured |
|---|---|
| the harness waits for the engine's first line, not for the server's `spawned` reply (then already there), and for the server's `exited`, not for the pidfd first | alternating runs, old and new binary, 10 rounds of `faultline run --scenario torn-tail --trials 150 --jobs 1 --seed 1 --no-preflight` under `perf stat`, medians: 105.5 → 109.3 trials/s (1.04), CPU 4.07 → 3.93 ms per trial (0.97), context switches 46.6 → 44.6 per trial |
| `LD_BIND_NOW=1` for the server (bind every symbol once, not in each child) | tried, not kept: page faults -5 %, CPU per trial unchanged within the noise (5 alternating rounds) |
PROFILE
} > "$out"
echo "bench: wrote $out" >&2
