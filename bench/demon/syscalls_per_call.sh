#!/bin/sh
# System calls per call of each demon, W calls in flight: two demons back to
# back over UDP loopback in unix-socket mode (A user side, B network side),
# each driven by the emulated kernel. The calls go in rounds of W: W connects,
# then W okays awaited, W closes, W close confirmations awaited (the network
# side answers each indication as it comes). perf counts raw_syscalls:sys_enter
# of each demon from link up to the end of the last call (and CPU time from
# /proc/PID/schedstat, inflated by perf itself); with STRACE=1 an
# `strace -c` table of each demon is printed as well (slower; counts only).
# A benchmark, never a pass/fail test.
# Usage: [LEVEL=warn] [STRACE=1] bench/demon/syscalls_per_call.sh BUILD_DIR [N [W]] [extra demon options...]
set -eu
BUILD="${1:?build dir}"; N="${2:-1000}"; WIN="${3:-1}"
shift 3 2>/dev/null || shift $#
DEMON="$BUILD/daemon/atmsigd"; KERNEL="$BUILD/daemon/atmsigd-kernel"
U=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
NA=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
W="$(mktemp -d /tmp/atmsigd-sc.XXXXXX)"
# LEVEL=warn: the demons' default log level ("debug level LEVEL" in atmsigd.conf).
CONF=/dev/null
if [ -n "${LEVEL:-}" ]; then CONF="$W/atmsigd.conf"; echo "debug level $LEVEL" >"$CONF"; fi
PU=$((30000 + $$ % 10000)); PN=$((PU + 1))
"$DEMON" -c "$CONF" -m user -l "$W/a.log" --local-address "$U" --udp-local "127.0.0.1:$PU" \
  --udp-peer "127.0.0.1:$PN" "$@" 0.0.5 "$W/a.sock" &
A=$!
"$DEMON" -c "$CONF" -m network -l "$W/b.log" --local-address "$NA" \
  --udp-local "127.0.0.1:$PN" --udp-peer "127.0.0.1:$PU" "$@" 0.0.5 "$W/b.sock" &
B=$!
cleanup() { kill -TERM "$A" "$B" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
for i in $(seq 200); do
  grep -q "link up" "$W/a.log" 2>/dev/null && grep -q "link up" "$W/b.log" 2>/dev/null && break
  sleep 0.1
done
echo "listen L addr=$NA qos=ubr" >"$W/net.script"; echo "expect L okay" >>"$W/net.script"
: >"$W/user.script"
i=0
while [ "$i" -lt "$N" ]; do
  j=$i; e=$((i + WIN)); [ "$e" -gt "$N" ] && e=$N
  while [ "$j" -lt "$e" ]; do
    printf 'connect C%d to=%s qos=ubr\n' "$j" "$NA" >>"$W/user.script"
    printf 'expect L indicate within=20000\naccept N%d L\n' "$j" >>"$W/net.script"
    j=$((j + 1))
  done
  j=$i; while [ "$j" -lt "$e" ]; do
    printf 'expect C%d okay within=20000\n' "$j" >>"$W/user.script"
    printf 'expect N%d okay within=20000\n' "$j" >>"$W/net.script"; j=$((j + 1)); done
  j=$i; while [ "$j" -lt "$e" ]; do printf 'close C%d\n' "$j" >>"$W/user.script"; j=$((j + 1)); done
  j=$i; while [ "$j" -lt "$e" ]; do
    printf 'expect C%d close within=20000\n' "$j" >>"$W/user.script"
    printf 'expect N%d close reply=0 within=20000\n' "$j" >>"$W/net.script"; j=$((j + 1)); done
  i=$e
done
"$KERNEL" -s "$W/b.sock" -f "$W/net.script" >"$W/nk.out" 2>&1 &
NK=$!
sleep 0.3
perf stat -e raw_syscalls:sys_enter -x, -o "$W/pa" -p "$A" &
PA=$!
perf stat -e raw_syscalls:sys_enter -x, -o "$W/pb" -p "$B" &
PB=$!
if [ "${STRACE:-0}" = 1 ]; then
  strace -c -f -o "$W/sa" -p "$A" 2>/dev/null & SA=$!
  strace -c -f -o "$W/sb" -p "$B" 2>/dev/null & SB=$!
fi
sleep 0.3
CA0=$(cut -d' ' -f1 /proc/$A/schedstat); CB0=$(cut -d' ' -f1 /proc/$B/schedstat)
T0=$(date +%s.%N)
"$KERNEL" -s "$W/a.sock" -f "$W/user.script" >"$W/uk.out" 2>&1 || { tail "$W/uk.out" >&2; exit 1; }
wait "$NK" || { tail "$W/nk.out" >&2; exit 1; }
T1=$(date +%s.%N)
CA1=$(cut -d' ' -f1 /proc/$A/schedstat); CB1=$(cut -d' ' -f1 /proc/$B/schedstat)
kill -INT "$PA" "$PB"; wait "$PA" || true; wait "$PB" || true
if [ "${STRACE:-0}" = 1 ]; then
  kill -INT "$SA" "$SB"; wait "$SA" || true; wait "$SB" || true
  echo "--- strace -c A"; cat "$W/sa"; echo "--- strace -c B"; cat "$W/sb"
fi
SCA=$(grep sys_enter "$W/pa" | cut -d, -f1); SCB=$(grep sys_enter "$W/pb" | cut -d, -f1)
echo "N=$N W=$WIN: system calls A $SCA B $SCB; per call A $(echo "scale=2; $SCA / $N" | bc) B $(echo "scale=2; $SCB / $N" | bc); CPU per call (schedstat, under perf) A $(( (CA1 - CA0) / N / 1000 )) us B $(( (CB1 - CB0) / N / 1000 )) us; $(echo "scale=0; $N / ($T1 - $T0)" | bc) calls/s"
