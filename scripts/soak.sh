#!/bin/bash
# The soak (issue 14 item 6; not in CI): CALLS calls (default 1 000 000)
# through the fault-injecting relay (atmsigd-relay: seeded loss, duplication,
# reordering, corruption, jitter) between two of our demons, with outages of
# random length at random times and random restarts of either demon (SIGKILL,
# or SIGTERM and start again), driven by one atmsigd-load --reconnect run.
# Reports calls placed, faults injected (the relay's counters), restarts,
# calls failed by errno, calls lost (must be 0), peak RSS of each demon.
# Exit status 0 iff no call is lost, nothing is left in either demon or
# kernel. (That the demons serve calls after restarts is shown by
# tests/loadgen/restart_e2e_test.cpp: a demon keeps its first sender as its
# kernel, so only the same generator could place calls afterwards, and the
# last event may fall at its very end.)
#
# Environment: CALLS (1000000), SEED (1), W (64), BIN (build/cc/daemon),
# EVENT_MAX_S (most seconds between two events, 3), OUTAGE_MAX_MS (2000),
# MAX_EVENTS (most outages + restarts, default no limit), FAST_TIMERS (1, the
# default; 0 keeps the standard timers):
# (Q.2931 timers T303 1 s, T308 1 s, T309 2 s, T310 2 s, T313 1 s, T322 1 s:
# and the SSCOP POLL timer 50 ms: calls whose messages an SSCOP recovery
# dropped end in seconds, and a lost SD is asked for again at once, not in half
# a minute), SIG_LEVEL, CONF_EXTRA (more atmsigd.conf lines, printf %b),
# KEEP (keep the work directory). A 10 000-call run is in the test command.
set -u
CALLS=${CALLS:-1000000}
SEED=${SEED:-1}
W=${W:-64}
BIN=${BIN:-$(dirname "$0")/../build/cc/daemon}
EVENT_MAX_S=${EVENT_MAX_S:-3}
OUTAGE_MAX_MS=${OUTAGE_MAX_MS:-2000}
RANDOM=$SEED

U=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
N=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
WORK=$(mktemp -d /tmp/atmsigd-soak.XXXXXX)
BASE=$((40000 + ($$ % 2000) * 4)) # A, B, relay-for-A, relay-for-B
PA=$BASE PB=$((BASE + 1)) RA=$((BASE + 2)) RB=$((BASE + 3))
mkdir -p "$WORK/da" "$WORK/db"
# Default timers; call control's warnings only (the log is not the point).
printf "sig level %s\n%b" "${SIG_LEVEL:-warn}" "${CONF_EXTRA:-}" >"$WORK/conf"
[ "${FAST_TIMERS:-1}" = 1 ] && printf "sig timer %s\n" "t303 1s" "t308 1s" "t309 2s" "t310 2s" \
  "t313 1s" "t322 1s" >>"$WORK/conf" && echo "saal timer poll 50ms" >>"$WORK/conf"

A= B= R= L=
peak_a=0 peak_b=0
restarts_kill=0 restarts_term=0 outages=0

cleanup() {
  for p in $L $A $B $R; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
note_peak() { # the peak RSS of both demons so far (before one goes)
  local h
  h=$(hwm "$A"); [ "${h:-0}" -gt "$peak_a" ] && peak_a=$h
  h=$(hwm "$B"); [ "${h:-0}" -gt "$peak_b" ] && peak_b=$h
}
start_a() {
  rm -f "$WORK/a.sock"
  "$BIN/atmsigd" -c "$WORK/conf" -D "$WORK/da" -m user -l "$WORK/a.log" --local-address $U \
    --udp-local 127.0.0.1:$PA --udp-peer 127.0.0.1:$RA 0.0.5 "$WORK/a.sock" &
  A=$!
}
start_b() {
  rm -f "$WORK/b.sock"
  "$BIN/atmsigd" -c "$WORK/conf" -D "$WORK/db" -m network -l "$WORK/b.log" --local-address $N \
    --udp-local 127.0.0.1:$PB --udp-peer 127.0.0.1:$RB 0.0.5 "$WORK/b.sock" &
  B=$!
}
wait_sock() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }
# Sockets + calls a demon still holds, from its SIGUSR1 status dump; polled
# for up to 90 s (a release may still wait for T308, twice, over a lossy link).
left_once() { # pid dir
  local before after f
  before=$(ls "$2" | wc -l)
  kill -USR1 "$1"
  for _ in $(seq 100); do
    after=$(ls "$2" | wc -l)
    [ "$after" -gt "$before" ] && break
    sleep 0.05
  done
  sleep 0.1
  f=$(ls -t "$2"/atmsigd."$1".status.* 2>/dev/null | head -1)
  [ -n "$f" ] || { echo na; return; }
  awk -F': ' '/^sockets: / {s=$2} /^calls held by the network side: / {c=$2} END {print s+c}' "$f"
}
left_in() {
  local n
  for _ in $(seq 90); do
    n=$(left_once "$1" "$2")
    [ "$n" = 0 ] && break
    sleep 1
  done
  echo "$n"
}

# Seeded fault rates (per datagram, each way). rnd sets V without a
# subshell: bash reseeds RANDOM in subshells, which would lose the seed.
rnd() { V=$(($1 + RANDOM % ($2 - $1 + 1))); }
# Each may be fixed from the environment (LOSS, DUP, REORDER, CORRUPT, JITTER).
rnd 0 2; LOSS=${LOSS:-0.0$V}
rnd 0 5; DUP=${DUP:-0.00$V}
rnd 0 5; REORDER=${REORDER:-0.00$V}
rnd 0 2; CORRUPT=${CORRUPT:-0.00$V}
rnd 0 2; JITTER=${JITTER:-$V}
"$BIN/atmsigd-relay" --a $PA --b $PB --a-listen $RA --b-listen $RB --seed "$SEED" \
  --loss "$LOSS" --dup "$DUP" --reorder "$REORDER" --corrupt "$CORRUPT" --delay 1 \
  --jitter "$JITTER" --exit-after 86400 >"$WORK/relay.out" 2>&1 &
R=$!
start_a
start_b
wait_sock "$WORK/a.sock" && wait_sock "$WORK/b.sock" || { echo "soak: demons did not start" >&2; exit 1; }
for _ in $(seq 200); do
  grep -q "signaling link up" "$WORK/a.log" 2>/dev/null && grep -q "signaling link up" "$WORK/b.log" && break
  sleep 0.05
done

T0=$(date +%s)
# Release/restart of calls can take T308 twice and T309 (tens of seconds):
# the generator waits up to 90 s for each expected reply before calling a
# call lost.
"$BIN/atmsigd-load" --a "$WORK/a.sock" --b "$WORK/b.sock" --called $N --reconnect \
  -W "$W" -N "$CALLS" --timeout-ms 90000 >"$WORK/load.out" 2>"$WORK/load.err" &
L=$!

# Events until the generator is done: an outage, or a demon restarted.
events=0
while kill -0 $L 2>/dev/null; do
  if [ -n "${MAX_EVENTS:-}" ] && [ "$events" -ge "$MAX_EVENTS" ]; then
    sleep 0.2
    continue
  fi
  events=$((events + 1))
  rnd 1 "$EVENT_MAX_S"; sleep "$V"
  kill -0 $L 2>/dev/null || break
  note_peak
  rnd 0 4
  case $V in
    0) # an outage of random length (the relay drops everything meanwhile)
      rnd 1 "$OUTAGE_MAX_MS"
      kill -USR1 $R; sleep "$((V / 1000)).$(printf %03d $((V % 1000)))"
      kill -USR2 $R; outages=$((outages + 1)) ;;
    1) kill -9 $A; wait $A 2>/dev/null; start_a; restarts_kill=$((restarts_kill + 1)) ;;
    2) kill -9 $B; wait $B 2>/dev/null; start_b; restarts_kill=$((restarts_kill + 1)) ;;
    3) kill -TERM $A; wait $A 2>/dev/null; start_a; restarts_term=$((restarts_term + 1)) ;;
    4) kill -TERM $B; wait $B 2>/dev/null; start_b; restarts_term=$((restarts_term + 1)) ;;
  esac
done
wait $L
LRC=$?
T1=$(date +%s)
note_peak
left_a=$(left_in "$A" "$WORK/da")
left_b=$(left_in "$B" "$WORK/db")
kill -TERM $R; wait $R 2>/dev/null; R=

get() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
echo "calls_placed $CALLS"
echo "seconds $((T1 - T0))"
echo "faults loss=$LOSS dup=$DUP reorder=$REORDER corrupt=$CORRUPT delay=1ms jitter=${JITTER}ms seed=$SEED"
for k in lost lost_in_outage duplicated reordered corrupted received delivered; do
  echo "relay_$k $(get $k "$WORK/relay.out")"
done
echo "outages $outages"
echo "restarts_sigkill $restarts_kill"
echo "restarts_sigterm $restarts_term"
grep -E '^(completed|failed|lost|restarts_a|restarts_b|left_kernel|failed_errno_)' "$WORK/load.out"
echo "left_a $left_a"
echo "left_b $left_b"
echo "peak_rss_kb_a $peak_a"
echo "peak_rss_kb_b $peak_b"
echo "load_exit $LRC"
lost=$(get lost "$WORK/load.out")
if [ "$LRC" -ne 0 ] || [ "${lost:-x}" != 0 ] || [ "$left_a" != 0 ] || [ "$left_b" != 0 ]; then
  echo "soak: FAILED (calls lost or something left); the generator said:" >&2
  head -30 "$WORK/load.err" >&2
  KEEP=1
  echo "soak: work directory kept: $WORK" >&2
  exit 1
fi
exit 0
