#!/bin/sh
# Regenerates daemon/atmsigd-hot.ld (issue 13, idle RSS): the functions the
# demon runs, placed together at the start of its text. The two demons of
# bench/demon/pair.sh (user side A, network side B) run under callgrind
# (--demangle=no): start-up, link up, a few seconds idle (SSCOP's POLLs),
# CALLS calls (W=1), stop. Every function either of them ran, in our binary,
# becomes one input section of the script: those the calls ran (on either
# side) first, then those only start-up and idle ran. What neither ran stays
# in .text, never touched, so never resident.
# Usage: bench/rss/hot_order.sh BUILD_DIR [CALLS]  (writes daemon/atmsigd-hot.ld;
# with HOT_KEEP=DIR set, the callgrind dumps are kept in DIR)
# A stale list is harmless: a name no longer there matches nothing, a new
# function lands in .text (bench/rss/idle_rss.sh shows what that costs).
set -eu
BUILD="${1:?build dir}"; CALLS="${2:-20}"
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/../../daemon/atmsigd-hot.ld"
. "$HERE/../demon/pair.sh"
PAIR_DIR="$(mktemp -d /tmp/atmsigd-hot.XXXXXX)"
cg="valgrind --tool=callgrind --demangle=no --dump-instr=no"
WRAP_A="$cg --callgrind-out-file=$PAIR_DIR/a.cg"
WRAP_B="$cg --callgrind-out-file=$PAIR_DIR/b.cg"
PAIR_SETTLE=3
pair_start || { cat "$PAIR_DIR"/*.out >&2; pair_stop; exit 1; }
sleep 3
# Start-up and idle: dumped before the calls (callgrind_control -z zeroes).
callgrind_control -d startup "$A_PID" >/dev/null
callgrind_control -d startup "$B_PID" >/dev/null
callgrind_control -z "$A_PID" >/dev/null
callgrind_control -z "$B_PID" >/dev/null
pair_calls "$CALLS" || { pair_stop; exit 1; }
callgrind_control -d calls "$A_PID" >/dev/null
callgrind_control -d calls "$B_PID" >/dev/null
pair_stop
python3 "$HERE/hot_order.py" "$BUILD/daemon/atmsigd" "$PAIR_DIR" >"$OUT"
echo "wrote $OUT: $(grep -c "^\*(" "$OUT") sections"
if [ -n "${HOT_KEEP:-}" ]; then mkdir -p "$HOT_KEEP" && cp "$PAIR_DIR"/*.cg* "$HOT_KEEP"; fi
rm -rf "$PAIR_DIR"
