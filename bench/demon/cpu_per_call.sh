#!/bin/sh
# CPU per call of both demons at W calls in flight (one cell of
# scripts/bench.sh, by hand): the pair of bench/demon/pair.sh (unix-socket
# mode, SSCOP over UDP loopback, default log level, -l FILE) driven by
# atmsigd-load. Prints atmsigd-load's report lines for CPU, system calls,
# calls/s and latency. CPU figures depend on the machine's load: run the
# builds being compared alternately, in the same hour.
# Usage: bench/demon/cpu_per_call.sh BUILD_DIR [W K N [LOAD_BUILD_DIR]]
set -eu
BUILD="${1:?build dir}"; W="${2:-64}"; K="${3:-0}"; N="${4:-20000}"; LOAD_BUILD="${5:-$BUILD}"
. "$(dirname "$0")/pair.sh"
PAIR_DIR="$(mktemp -d /tmp/atmsigd-cpu.XXXXXX)"
trap 'pair_stop; rm -rf "$PAIR_DIR"' EXIT
pair_start
"$LOAD_BUILD/daemon/atmsigd-load" --a "$A_SOCK" --b "$B_SOCK" --called "$PAIR_N" \
  --a-pid "$A_PID" --b-pid "$B_PID" -W "$W" -K "$K" -N "$N" --qos ubr \
  --a-dump-dir "$PAIR_DIR" --b-dump-dir "$PAIR_DIR" |
  grep -E '^(calls_per_s|cpu_us_per_call_[ab]|syscalls_per_call_[ab]|setup_p50_us|setup_p99_us|failed|left_[ab]) '
