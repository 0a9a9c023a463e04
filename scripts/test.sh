#!/bin/sh
# Sets up, builds (normal and ASan+UBSan) and runs every test. Used by .ci/run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
JOBS="$(nproc)"
run_build() {
  dir="$1"; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  ctest --test-dir "$dir" -j "$JOBS" --output-on-failure
}
echo "== normal build =="
run_build build/ci-release -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ASan+UBSan build =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build/ci-asan -DCMAKE_BUILD_TYPE=Debug -DATMSIGD_SANITIZE=ON -DATMSIGD_BUILD_BENCH=OFF
echo "== fuzzers (short run; longer: scripts/fuzz.sh SECONDS) =="
sh scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
echo "fuzzers: no crash"
