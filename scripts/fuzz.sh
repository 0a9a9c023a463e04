#!/bin/sh
# Builds the libFuzzer targets with clang in build/fuzz and runs each one for
# SECONDS (default 20), seeded from its fuzz/<layer>/corpus folder. New inputs go to
# build/fuzz/corpus/<target>, crashes to build/fuzz/artifacts/<target>/.
#   scripts/fuzz.sh [seconds]
set -eu
cd "$(dirname "$0")/.."
SECS="${1:-20}"
JOBS="${JOBS:-2}"
. scripts/ccache.sh
# shellcheck disable=SC2086
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja $LAUNCHER -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DATMSIGD_FUZZ=ON -DATMSIGD_BUILD_TESTS=OFF -DATMSIGD_BUILD_BENCH=OFF >/dev/null
targets="$(cmake --build build/fuzz --target help | sed -n 's/^\([A-Za-z0-9_]*_fuzzer\):.*/\1/p')"
[ -n "$targets" ] || { echo "no fuzz targets" >&2; exit 1; }
# shellcheck disable=SC2086
cmake --build build/fuzz -j "$JOBS" --target $targets
status=0
for t in $targets; do
  bin="$(find build/fuzz/fuzz -type f -name "$t" -perm -u+x | head -n 1)"
  layer="$(basename "$(dirname "$bin")")"
  seeds="fuzz/$layer/corpus"
  work="build/fuzz/corpus/$t"
  art="build/fuzz/artifacts/$t"
  mkdir -p "$work" "$art"
  echo "== $t: ${SECS}s, seeds $seeds =="
  if ! "$bin" -max_total_time="$SECS" -print_final_stats=1 -artifact_prefix="$art/" \
      "$work" $( [ -d "$seeds" ] && echo "$seeds" ); then
    echo "FAILED: $t (artifacts in $art)" >&2
    status=1
  fi
done
exit $status
