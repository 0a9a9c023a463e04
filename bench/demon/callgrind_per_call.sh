#!/bin/sh
# Instructions per call of the user-side demon (A), one call in flight (W=1):
# two demons back to back over UDP loopback in unix-socket mode, each driven by
# the emulated kernel; A runs under callgrind. Two runs (N1 and N2 calls); the
# difference divided by N2-N1 removes start-up and shutdown.
# Usage: bench/demon/callgrind_per_call.sh BUILD_DIR [N1 N2] [extra demon options...]
set -eu
BUILD="${1:?build dir}"; N1="${2:-20}"; N2="${3:-120}"
shift 3 2>/dev/null || shift $#
DEMON="$BUILD/daemon/atmsigd"; KERNEL="$BUILD/daemon/atmsigd-kernel"
U=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
N=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
run() {
  n="$1"; shift
  W="$(mktemp -d /tmp/atmsigd-cg.XXXXXX)"
  PU=$((30000 + $$ % 10000)); PN=$((PU + 1))
  valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$DEMON" -c /dev/null -m user \
    -l "$W/a.log" --local-address "$U" --udp-local "127.0.0.1:$PU" --udp-peer "127.0.0.1:$PN" \
    "$@" 0.0.5 "$W/a.sock" 2>"$W/vg.err" &
  A=$!
  "$DEMON" -c /dev/null -m network -l "$W/b.log" --local-address "$N" \
    --udp-local "127.0.0.1:$PN" --udp-peer "127.0.0.1:$PU" "$@" 0.0.5 "$W/b.sock" &
  B=$!
  for i in $(seq 200); do
    grep -q "link up" "$W/a.log" 2>/dev/null && grep -q "link up" "$W/b.log" 2>/dev/null && break
    sleep 0.1
  done
  : >"$W/net.script"; : >"$W/user.script"
  echo "listen L addr=$N qos=ubr" >>"$W/net.script"; echo "expect L okay" >>"$W/net.script"
  i=0
  while [ "$i" -lt "$n" ]; do
    printf 'expect L indicate within=20000\naccept N%d L\nexpect N%d okay within=20000\nexpect N%d close reply=0 within=20000\n' "$i" "$i" "$i" >>"$W/net.script"
    printf 'connect C%d to=%s qos=ubr\nexpect C%d okay within=20000\nclose C%d\nexpect C%d close within=20000\n' "$i" "$N" "$i" "$i" "$i" >>"$W/user.script"
    i=$((i + 1))
  done
  "$KERNEL" -s "$W/b.sock" -f "$W/net.script" >"$W/nk.out" 2>&1 &
  NK=$!
  sleep 0.5
  "$KERNEL" -s "$W/a.sock" -f "$W/user.script" >"$W/uk.out" 2>&1 || { cat "$W/uk.out" >&2; exit 1; }
  wait "$NK"
  kill -TERM "$A" "$B"; wait "$A" || true; wait "$B" || true
  sed -n 's/^summary: //p' "$W/cg.out"
  echo "log lines: A $(wc -l <"$W/a.log") B $(wc -l <"$W/b.log")" >&2
  rm -rf "$W"
}
I1="$(run "$N1" "$@")"; I2="$(run "$N2" "$@")"
echo "instructions: $N1 calls $I1, $N2 calls $I2"
echo "per call: $(( (I2 - I1) / (N2 - N1) ))"
