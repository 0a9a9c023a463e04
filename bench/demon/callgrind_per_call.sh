#!/bin/sh
# Instructions per call of one demon (default: the user side, A), one call in
# flight (W=1): two demons back to back over UDP loopback in unix-socket mode,
# each driven by the emulated kernel (bench/demon/pair.sh); the measured side
# runs under callgrind, dumped (callgrind_control -d) after the last call. Two
# runs (N1 and N2 calls); the difference divided by N2-N1 removes start-up.
#   --original  both demons are Debian's /usr/sbin/atmsigd through our
#               LD_PRELOAD shim (BUILD/tests/interop/atmsigd_shim.so)
#   --side a|b  which demon runs under callgrind (default a)
# Usage: bench/demon/callgrind_per_call.sh [--original] [--side a|b] BUILD_DIR [N1 N2]
#        [extra options for our demons...]
# Prints `instructions: ...` and `per call: N`. With CG_KEEP=DIR set, the two
# profiles are kept as DIR/cg.N1 and DIR/cg.N2 (bench/demon/cg_layers.py
# splits their difference by layer, bench/demon/cg_diff.py by function).
set -eu
IMPL=ours; SIDE=a
while [ $# -gt 0 ]; do
  case "$1" in
    --original) IMPL=original; shift ;;
    --side) SIDE="$2"; shift 2 ;;
    *) break ;;
  esac
done
BUILD="${1:?build dir}"; N1="${2:-20}"; N2="${3:-120}"
shift 3 2>/dev/null || shift $#
. "$(dirname "$0")/pair.sh"
run() {
  n="$1"; shift
  PAIR_DIR="$(mktemp -d /tmp/atmsigd-cg.XXXXXX)"
  cg="valgrind --tool=callgrind --callgrind-out-file=$PAIR_DIR/cg.out"
  WRAP_A=""; WRAP_B=""
  if [ "$SIDE" = b ]; then WRAP_B="$cg"; else WRAP_A="$cg"; fi
  PAIR_SETTLE=3
  pair_start "$@" || { cat "$PAIR_DIR"/*.out >&2; pair_stop; exit 1; }
  pair_calls "$n" || { pair_stop; exit 1; }
  # A dump while it runs: the original dies of SIGTERM without writing one.
  if [ "$SIDE" = b ]; then pid=$B_PID; else pid=$A_PID; fi
  callgrind_control -d "$pid" >/dev/null 2>&1
  pair_stop
  cat "$PAIR_DIR"/cg.out.* | sed -n 's/^summary: //p' | head -1
  echo "log lines: A $(wc -l <"$PAIR_DIR/a.log") B $(wc -l <"$PAIR_DIR/b.log")" >&2
  grep -h "^cmd:" "$PAIR_DIR"/cg.out.* >&2
  if [ -n "${CG_KEEP:-}" ]; then mkdir -p "$CG_KEEP" && cp "$(ls "$PAIR_DIR"/cg.out.* | head -1)" "$CG_KEEP/cg.$n"; fi
  rm -rf "$PAIR_DIR"
}
I1="$(run "$N1" "$@")"; I2="$(run "$N2" "$@")"
echo "instructions: $N1 calls $I1, $N2 calls $I2"
echo "per call: $(( (I2 - I1) / (N2 - N1) ))"
