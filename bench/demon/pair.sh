# Sourced by the bench scripts (POSIX sh): two demons back to back, user side
# A and network side B, over UDP loopback in unix-socket mode, each with its
# own emulated kernel socket. IMPL=ours runs our atmsigd; IMPL=original runs
# Debian's /usr/sbin/atmsigd with our LD_PRELOAD shim (tests/interop/
# atmsigd_shim.c), whose signaling PVC becomes SSCOP over UDP, the framing of
# our --udp-local/--udp-peer (as tests/interop/interop_test.cpp starts it).
#
# Set before pair_start: BUILD (build dir), IMPL (ours|original), PAIR_DIR
# (a directory for sockets and logs); optional: WRAP_A / WRAP_B (a command
# prefix, e.g. valgrind), PAIR_UNI (UNI version, both demons), PAIR_CONF_A /
# PAIR_CONF_B (our demons' atmsigd.conf; the original reads none),
# ORIGINAL (default /usr/sbin/atmsigd). After: A_PID, B_PID, A_SOCK, B_SOCK.
PAIR_U=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
PAIR_N=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
: "${ORIGINAL:=/usr/sbin/atmsigd}" "${PAIR_UNI:=3.1}" "${IMPL:=ours}"
: "${PAIR_CONF_A:=/dev/null}" "${PAIR_CONF_B:=/dev/null}"
: "${WRAP_A:=}" "${WRAP_B:=}"

# Two consecutive UDP ports on 127.0.0.1, different per run of the caller.
pair_ports() {
  PAIR_PU=$((20000 + ($$ * 7 + ${PAIR_SEQ:-0} * 2) % 20000))
  PAIR_PN=$((PAIR_PU + 1))
  PAIR_SEQ=$((${PAIR_SEQ:-0} + 1))
}

# pair_start [extra options for our demons]
pair_start() {
  pair_ports
  A_SOCK="$PAIR_DIR/a.sock"; B_SOCK="$PAIR_DIR/b.sock"
  rm -f "$A_SOCK" "$B_SOCK" "$PAIR_DIR/a.log" "$PAIR_DIR/b.log"
  if [ "$IMPL" = original ]; then
    shim="$BUILD/tests/interop/atmsigd_shim.so"
    [ -f "$shim" ] || { echo "pair.sh: no shim at $shim" >&2; return 1; }
    # B first: A's first BGN then reaches a peer that is listening.
    LD_PRELOAD="$shim" ATMSIGD_SHIM_LOCAL="127.0.0.1:$PAIR_PN" ATMSIGD_SHIM_PEER="127.0.0.1:$PAIR_PU" \
      ATMSIGD_SHIM_ADDRESS="$PAIR_N" $WRAP_B "$ORIGINAL" -c /dev/null -m network -u "$PAIR_UNI" \
      -l "$PAIR_DIR/b.log" -D "$PAIR_DIR" 0.0.5 "$B_SOCK" >"$PAIR_DIR/b.out" 2>&1 &
    B_PID=$!
    pair_wait_file "$B_SOCK" || return 1
    LD_PRELOAD="$shim" ATMSIGD_SHIM_LOCAL="127.0.0.1:$PAIR_PU" ATMSIGD_SHIM_PEER="127.0.0.1:$PAIR_PN" \
      ATMSIGD_SHIM_ADDRESS="$PAIR_U" $WRAP_A "$ORIGINAL" -c /dev/null -m user -u "$PAIR_UNI" \
      -l "$PAIR_DIR/a.log" -D "$PAIR_DIR" 0.0.5 "$A_SOCK" >"$PAIR_DIR/a.out" 2>&1 &
    A_PID=$!
    pair_wait_file "$A_SOCK" || return 1
    # Its default log level says nothing of the link: the BGN/BGAK exchange
    # takes a round trip, under valgrind a little longer.
    sleep "${PAIR_SETTLE:-1}"
  else
    $WRAP_B "$BUILD/daemon/atmsigd" -c "$PAIR_CONF_B" -m network -u "$PAIR_UNI" \
      -l "$PAIR_DIR/b.log" -D "$PAIR_DIR" --local-address "$PAIR_N" \
      --udp-local "127.0.0.1:$PAIR_PN" --udp-peer "127.0.0.1:$PAIR_PU" "$@" 0.0.5 "$B_SOCK" \
      >"$PAIR_DIR/b.out" 2>&1 &
    B_PID=$!
    $WRAP_A "$BUILD/daemon/atmsigd" -c "$PAIR_CONF_A" -m user -u "$PAIR_UNI" \
      -l "$PAIR_DIR/a.log" -D "$PAIR_DIR" --local-address "$PAIR_U" \
      --udp-local "127.0.0.1:$PAIR_PU" --udp-peer "127.0.0.1:$PAIR_PN" "$@" 0.0.5 "$A_SOCK" \
      >"$PAIR_DIR/a.out" 2>&1 &
    A_PID=$!
    for _ in $(seq 300); do
      grep -q "link up" "$PAIR_DIR/a.log" 2>/dev/null && grep -q "link up" "$PAIR_DIR/b.log" 2>/dev/null &&
        return 0
      sleep 0.1
    done
    echo "pair.sh: the link did not come up" >&2
    return 1
  fi
}

pair_wait_file() {
  for _ in $(seq 300); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
  echo "pair.sh: no socket $1" >&2
  return 1
}

# SIGTERM to both, waited for. Under a wrapper that forks (strace) the demon
# is the wrapper's child: it gets the signal, the wrapper then ends with it.
pair_stop() {
  for p in "$A_PID" "$B_PID"; do
    kill -TERM "$(pgrep -P "$p" | head -1)" "$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  done
  wait "$A_PID" 2>/dev/null || true
  wait "$B_PID" 2>/dev/null || true
}

# pair_calls N: N calls, one at a time (W=1), each connect -> indicate ->
# accept -> okay -> release, played by two emulated kernels (atmsigd-kernel).
pair_calls() {
  n="$1"
  : >"$PAIR_DIR/net.script"; : >"$PAIR_DIR/user.script"
  echo "listen L addr=$PAIR_N qos=ubr" >>"$PAIR_DIR/net.script"
  echo "expect L okay" >>"$PAIR_DIR/net.script"
  i=0
  while [ "$i" -lt "$n" ]; do
    printf 'expect L indicate within=20000\naccept N%d L\nexpect N%d okay within=20000\nexpect N%d close reply=0 within=20000\n' "$i" "$i" "$i" >>"$PAIR_DIR/net.script"
    printf 'connect C%d to=%s qos=ubr\nexpect C%d okay within=20000\nclose C%d\nexpect C%d close within=20000\n' "$i" "$PAIR_N" "$i" "$i" "$i" >>"$PAIR_DIR/user.script"
    i=$((i + 1))
  done
  "$BUILD/daemon/atmsigd-kernel" -s "$B_SOCK" -f "$PAIR_DIR/net.script" >"$PAIR_DIR/nk.out" 2>&1 &
  nk=$!
  sleep 0.5
  if ! "$BUILD/daemon/atmsigd-kernel" -s "$A_SOCK" -f "$PAIR_DIR/user.script" >"$PAIR_DIR/uk.out" 2>&1; then
    cat "$PAIR_DIR/uk.out" >&2
    kill "$nk" 2>/dev/null; wait "$nk" 2>/dev/null
    return 1
  fi
  wait "$nk" && return 0
  # The original's network side answers as_accept with an as_okay that names
  # no PVC (the kernel has it from as_indicate); our emulated kernel flags
  # that. Any other failure is one.
  if [ "$IMPL" = original ] &&
    ! grep '^FAIL' "$PAIR_DIR/nk.out" | grep -qv 'as_okay without a PVC address'; then
    return 0
  fi
  tail -20 "$PAIR_DIR/nk.out" >&2
  return 1
}
