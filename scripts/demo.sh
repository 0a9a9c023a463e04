#!/bin/sh
# Sets up, builds and runs the demon's main job on a self-contained default.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATMSIGD_BUILD_TESTS=OFF -DATMSIGD_BUILD_BENCH=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" >/dev/null
exec sh scripts/demo-run.sh build/demo
