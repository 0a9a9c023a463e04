#!/bin/sh
# The demon's main job on a self-contained default, with what exists so far:
# the demon in unix-socket mode, driven by the emulated kernel.
# Usage: scripts/demo-run.sh BUILD_DIR
set -eu
BUILD="${1:-build/demo}"
DEMON="$BUILD/daemon/atmsigd"
KERNEL="$BUILD/daemon/atmsigd-kernel"
WORK="$(mktemp -d /tmp/atmsigd-demo.XXXXXX)"
ADDR_A=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
ADDR_B=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

run_demon() {  # $1: label, rest: demon options
  label="$1"; shift
  "$DEMON" -c /dev/null -l "$WORK/$label.log" --local-address "$ADDR_A" "$@" 0.0.5 "$WORK/$label.sock" &
  PID=$!
}
stop_demon() {
  kill -TERM "$PID"; wait "$PID" || true; PID=""
}

echo "=== 1. The network refuses: listen, itf_notify, and a connect refused with a cause ==="
run_demon refuse --network refuse --refuse-cause 3
"$KERNEL" -s "$WORK/refuse.sock" -e "itf_notify 0" -e "bind B addr=$ADDR_A" -e "expect B okay" \
  -e "listen L addr=$ADDR_A qos=ubr" -e "expect L okay" \
  -e "connect C to=$ADDR_B qos=ubr,aal5:max_sdu=8192" -e "expect C error reply=-113" \
  -e "close L" -e "expect L close"
stop_demon
echo "--- demon log ---"
cat "$WORK/refuse.log"

echo
echo "=== 2. A call through the demon's loopback network stand-in ==="
run_demon loop --network loopback
"$KERNEL" -s "$WORK/loop.sock" -e "listen L addr=$ADDR_A qos=ubr" -e "expect L okay" \
  -e "connect C to=$ADDR_A qos=ubr,aal5:max_sdu=8192" -e "expect L indicate" \
  -e "accept N L" -e "expect N okay" -e "expect C okay" \
  -e "close C" -e "expect N close reply=0" -e "close L" -e "expect L close"
stop_demon
echo "--- demon log ---"
cat "$WORK/loop.log"
echo
echo "demo passed (Q.2931 between two demons comes with issue 6)"
