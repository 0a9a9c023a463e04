#!/bin/sh
# Sets up, builds (normal and ASan+UBSan) and runs every test. Used by .ci/run.
set -eu
cd "$(dirname "$0")/.."
# Each phase says when it starts, so a CI log shows where its time went
# (CI's budget: 30 minutes on 2 cores).
phase() { echo "== $1 ($(date -u +%H:%M:%S) UTC) =="; }
phase "setup"
sh scripts/setup.sh
JOBS="$(nproc)"
. scripts/ccache.sh
# No test may leave a process behind (issue 14): a demon or tool of this
# build, or Debian's atmsigd of the interop tests, still running after the
# tests is a failure (and is killed).
no_survivors() {
  left=""
  for e in /proc/[0-9]*/exe; do
    t="$(readlink "$e" 2>/dev/null)" || continue
    case "$t" in
      "$PWD"/build/ci-*/*|/usr/sbin/atmsigd*)
        pid="${e#/proc/}"; pid="${pid%/exe}"
        left="$left $pid"
        echo "left behind by the tests: pid $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2 ;;
    esac
  done
  [ -z "$left" ] && return 0
  kill -KILL $left 2>/dev/null || true
  return 1
}
run_build() {
  dir="$1"; shift
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" -G Ninja $LAUNCHER "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  ctest --test-dir "$dir" -j "$JOBS" --output-on-failure
  sleep 1  # a demon told to stop by a test's last step may still be exiting
  no_survivors
}
phase "normal build"
run_build build/ci-release -DCMAKE_BUILD_TYPE=RelWithDebInfo
phase "ASan+UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build/ci-asan -DCMAKE_BUILD_TYPE=Debug -DATMSIGD_SANITIZE=ON -DATMSIGD_BUILD_BENCH=OFF
phase "fuzzers (short run; longer: scripts/fuzz.sh SECONDS)"
sh scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
echo "fuzzers: no crash"
phase "done"
[ -z "$LAUNCHER" ] || ccache --show-stats | sed -n "s/^\(cache hit\|cache miss\|cache size\)/ccache: &/p"
