#!/bin/sh
# Where a demon's CPU goes at W calls in flight (issue 13: what bounds the CPU
# per call against the transport floor): the pair of bench/demon/pair.sh
# driven by atmsigd-load, both demons sampled by `perf record -e cpu-clock`
# (a software clock: works in a VM without hardware counters) for SECS
# seconds of the measured phase. Prints atmsigd-load's CPU and system-call
# lines, then per demon the share of its samples in user space and in each
# system call (the kernel's work for a sendmmsg on loopback includes
# delivering the datagram and waking its reader). Needs perf and root (or
# perf_event_paranoid <= 1). A benchmark: figures depend on the machine's load.
# Usage: bench/demon/cpu_split.sh [--keys] BUILD_DIR [W K N]   (env: SECS, DELAY, KEEP=DIR)
#   --keys: key-value lines (perf_split.py --keys) for scripts/bench.sh
set -eu
KEYS=""; [ "${1:-}" = --keys ] && { KEYS=1; shift; }
BUILD="${1:?build dir}"; W="${2:-64}"; K="${3:-0}"; N="${4:-100000}"
SECS="${SECS:-3}"; DELAY="${DELAY:-1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
command -v perf >/dev/null || { echo "cpu_split.sh: no perf" >&2; exit 1; }
. "$HERE/pair.sh"
PAIR_DIR="$(mktemp -d /tmp/atmsigd-split.XXXXXX)"
OUT="${KEEP:-$PAIR_DIR/perf}"; mkdir -p "$OUT"
trap 'pair_stop; rm -rf "$PAIR_DIR"' EXIT
pair_start
"$BUILD/daemon/atmsigd-load" --a "$A_SOCK" --b "$B_SOCK" --called "$PAIR_N" \
  --a-pid "$A_PID" --b-pid "$B_PID" -W "$W" -K "$K" -N "$N" --qos ubr \
  --a-dump-dir "$PAIR_DIR" --b-dump-dir "$PAIR_DIR" >"$OUT/load.out" &
load=$!
# Sampling starts DELAY seconds into the run: with K > 0, set DELAY to what
# holding K calls takes on the machine, so that the samples are of the
# measured phase (N large enough that it lasts SECS more).
sleep "$DELAY"
perf record -q -e cpu-clock -F 2999 -g -o "$OUT/a.data" -p "$A_PID" -- sleep "$SECS" 2>/dev/null &
pa=$!
perf record -q -e cpu-clock -F 2999 -g -o "$OUT/b.data" -p "$B_PID" -- sleep "$SECS" 2>/dev/null
wait "$pa" || true
wait "$load"
grep -E '^(calls_per_s|cpu_us_per_call_[ab]|syscalls_per_call_[ab]|failed) ' "$OUT/load.out"
for side in a b; do
  if [ -n "$KEYS" ]; then
    perf script -i "$OUT/$side.data" 2>/dev/null | python3 "$HERE/perf_split.py" --keys "$side"
  else
    echo "demon $side:"
    perf script -i "$OUT/$side.data" 2>/dev/null | python3 "$HERE/perf_split.py"
  fi
done
