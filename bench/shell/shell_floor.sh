#!/bin/sh
# The I/O shell's floor per call (issue 13): bench/shell/shell_floor (the
# demon's transports and Asio loop with a trivial engine) driven by its own
# driver, W calls in flight.
#   instructions: the shell under callgrind, two runs (N1 and N2 calls, W=1
#                 as bench/demon/callgrind_per_call.sh), the difference per call
#   cpu:          the shell alone, N2 calls at W calls in flight, three runs:
#                 its CPU per call, recvmmsg and sendmmsg calls per call
# Usage: bench/shell/shell_floor.sh BUILD_DIR [N1 N2 W]
# With CG_KEEP=DIR set, the two profiles are kept as DIR/cg.N1 and DIR/cg.N2.
set -eu
BUILD="${1:?build dir}"; N1="${2:-20}"; N2="${3:-120}"; W="${4:-64}"
BIN="$BUILD/bench/shell/shell_floor"
[ -x "$BIN" ] || { echo "shell_floor.sh: no $BIN (cmake --build $BUILD --target shell_floor)" >&2; exit 1; }
DIR="$(mktemp -d /tmp/shell-floor.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
PORT=$((21000 + ($$ * 2) % 20000))

# run N W WRAP...: the shell (under WRAP) and its driver; prints the shell's report.
run() {
  n="$1"; w="$2"; shift 2
  rm -f "$DIR/s.sock" "$DIR/d.sock"
  "$@" "$BIN" shell "$DIR/s.sock" "$PORT" "$((PORT + 1))" "$n" >"$DIR/shell.out" 2>"$DIR/shell.err" &
  pid=$!
  for _ in $(seq 100); do [ -S "$DIR/s.sock" ] && break; sleep 0.1; done
  sleep 0.3
  if ! "$BIN" drive "$DIR/s.sock" "$DIR/d.sock" "$((PORT + 1))" "$PORT" "$n" "$w"; then
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; cat "$DIR/shell.err" >&2; exit 1
  fi
  wait "$pid"
  cat "$DIR/shell.out"
}

cg() {
  n="$1"
  run "$n" 1 valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" >/dev/null
  sed -n 's/^summary: //p' "$DIR/cg.out"
  if [ -n "${CG_KEEP:-}" ]; then mkdir -p "$CG_KEEP" && cp "$DIR/cg.out" "$CG_KEEP/cg.$n"; fi
}
I1="$(cg "$N1")"; I2="$(cg "$N2")"
echo "instructions: $N1 calls $I1, $N2 calls $I2"
echo "instructions per call (W=1): $(( (I2 - I1) / (N2 - N1) ))"
for w in 1 "$W"; do
  for r in 1 2 3; do
    echo "W=$w run $r: $(run 20000 "$w" | tr '\n' ' ')"
  done
done
