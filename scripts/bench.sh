#!/bin/sh
# Benchmark of issue 13, in one run on this machine: our atmsigd against
# Debian's /usr/sbin/atmsigd (through our LD_PRELOAD shim), two demons back to
# back (user side A, network side B, unix-socket mode, UDP loopback link,
# default log level, log to a file), driven by atmsigd-load; callgrind
# instructions per call; the transport floor. Writes performance.md (the
# generated part of docs/performance.md) and SVG plots made with gnuplot.
# A benchmark, never a pass/fail test: it exits non-zero only when it cannot
# run (build, tools), not because a figure misses a target.
#
# Usage: scripts/bench.sh [--quick] [--build-dir DIR] [--out DIR] [--max-k N]
#   --quick        W {1,64} x K {0, 10 000}, small N (two minutes, not ten)
#   --build-dir    build folder (default build/bench; RelWithDebInfo)
#   --out          where performance.md and performance/*.svg go (default docs)
#   --max-k        leave out the cells with more held calls than N
# Environment: BENCH_FAKE_LOAD=1 replaces atmsigd-load by a fake that prints
# made-up figures (to test this script: no demon is started); BENCH_KEEP=1
# keeps the raw results and the demons' logs (the script says where);
# BENCH_NOTE="text" adds a line about the run (e.g. what else the machine did).
set -eu
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

QUICK=0; BUILD=build/bench; OUT=docs; MAX_K=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --build-dir) BUILD="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --max-k) MAX_K="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac

# ---------------------------------------------------------------------------
# CONFIGURATION: the grid and our network side's connection identifiers.
# ---------------------------------------------------------------------------
WS="1 64"
if [ "$QUICK" = 1 ]; then
  KS="0 10000"
  N_W1=1000; N_W64=4000      # measured calls per cell
  CG_N1=20; CG_N2=120        # callgrind: two runs, the difference
  CG_RUNS=1                  # ... made this many times (the median counts)
  LAT_RUNS=1; LAT_N=1000     # W = 1 setup latency: alternate runs, calls each
  RATIO_RUNS=1               # W = 64, K = 0 and the largest K: runs of each
else
  KS="0 10000 100000 1000000"
  # W = 64 runs at 20 000-30 000 calls/s: 100 000 calls measure 4 s, long
  # enough that one hiccup of the box does not make the cell's p99 (20 000
  # calls, 1 s, did: docs/performance.md, "Where issue 13 stands").
  N_W1=20000; N_W64=100000
  CG_N1=50; CG_N2=550
  # Ours: the shell's and Asio's share moves with the loop turns a call
  # takes (±250-900 a call between runs): the median of three is reported,
  # with the spread. The original's count does not move (one run).
  CG_RUNS=3
  # W = 1 setup latency: ours, the original and the wake-up floors, run
  # alternately this many times (fresh processes each: where the scheduler
  # puts the three processes moves one run's p50 by ±15 %); the medians count.
  LAT_RUNS=5; LAT_N=10000
  # CPU per call at the largest K against K = 0 (W = 64): one run of a cell
  # moves by up to a tenth, so both cells are run this many times in all,
  # alternately (the grid's run the first), and the medians compared.
  RATIO_RUNS=3
fi
# Our network side allocates VPCI/VCI from `sig vc_range` (atmsigd.conf(5)):
# 16 VPIs x VCI 32-65535 = 1 048 064 calls. Without the keyword (an older
# build) it has one VPI, VCI 32-65535: the cells above OURS_MAX_K_ONE_VPI are
# left out.
OURS_CONF_B_TEXT="sig vc_range 0-15 32-65535"
OURS_MAX_K_ONE_VPI=60000
# The original's network side has one VPI (65 490 calls at most here) and is
# O(n^2) in held calls: each of its cells is capped in wall time, and once a
# cell is cut, the larger K of that W are not tried.
ORIG_MAX_K=65000
ORIG_CELL_LIMIT_S=$([ "$QUICK" = 1 ] && echo 300 || echo 1800)
OURS_CELL_LIMIT_S=$([ "$QUICK" = 1 ] && echo 300 || echo 3600)
PAIR_UNI=3.1
# ---------------------------------------------------------------------------

say() { echo "bench: $*" >&2; }

# gnuplot (Debian package gnuplot-nox) and the measurement tools, installed
# as scripts/setup.sh installs things.
need_pkgs() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
}
need_pkgs gnuplot-nox valgrind strace atm-tools python3 linux-perf

# --- build ------------------------------------------------------------------
if [ "${BENCH_FAKE_LOAD:-0}" != 1 ]; then
  launcher=""
  command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
  # shellcheck disable=SC2086
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATMSIGD_BUILD_BENCH=ON \
    $launcher >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target atmsigd atmsigd-kernel atmsigd-load \
    atmsigd_interop_shim floor_probe shell_floor wake_chain >/dev/null
fi
BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || echo RelWithDebInfo)"

# The original's network side holds a descriptor per call (its reserved PVC).
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK="$(mktemp -d /tmp/atmsigd-bench.XXXXXX)"
RES="$WORK/results"; mkdir -p "$RES"
PAIR_DIR="$WORK/pair"; mkdir -p "$PAIR_DIR"
cleanup() {
  set +e
  [ -n "${A_PID:-}" ] && kill -TERM "$A_PID" 2>/dev/null
  [ -n "${B_PID:-}" ] && kill -TERM "$B_PID" 2>/dev/null
  wait 2>/dev/null
  if [ -n "${BENCH_KEEP:-}" ]; then say "results kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$ROOT/bench/demon/pair.sh"
export BUILD

# Does our demon know `sig vc_range`? (It exits at once on a keyword it does
# not know; it keeps running on one it does.)
printf '%s\n' "$OURS_CONF_B_TEXT" >"$WORK/b.conf"
rc=0
timeout 2 "$BUILD/daemon/atmsigd" -c "$WORK/b.conf" -m network --local-address "$PAIR_N" \
  --udp-local 127.0.0.1:0 --udp-peer 127.0.0.1:9 -l "$WORK/probe.log" 0.0.5 "$WORK/probe.sock" \
  >/dev/null 2>&1 || rc=$?
if [ "$rc" = 124 ]; then
  OURS_MAX_K=""; OURS_CONF_NOTE="\`$OURS_CONF_B_TEXT\` on B"
else
  : >"$WORK/b.conf"
  OURS_MAX_K=$OURS_MAX_K_ONE_VPI
  OURS_CONF_NOTE="no \`sig vc_range\` in this build: one VPI, cells above K = $OURS_MAX_K_ONE_VPI left out"
fi
rm -f "$WORK/probe.sock"

# fake_load W K N: the keys of atmsigd-load with made-up values.
fake_load() {
  w="$1"; k="$2"; n="$3"
  awk -v w="$w" -v k="$k" -v n="$n" -v orig="$IMPL" 'BEGIN {
    f = (orig == "original") ? 1 + k / 20000 : 1
    printf "W %d\nK %d\nN %d\ncompleted %d\nfailed 0\nelapsed_s %.3f\ncalls_per_s %.0f\n", w, k, n, n, n / (4000 / f), 4000 / f
    printf "setup_p50_us %d\nsetup_p99_us %d\nsetup_p999_us %d\n", 150 * f, 400 * f, 900 * f
    printf "cpu_us_per_call_a %.1f\ncpu_us_per_call_b %.1f\ncpu_us_per_call_load %.1f\n", 100 * f, 120 * f, 20
    printf "syscalls_per_call_a %.1f\nsyscalls_per_call_b %.1f\n", 25, 27
    printf "rss_kb_idle_a 6000\nrss_kb_idle_b 6100\nrss_kb_held_a %d\nrss_kb_held_b %d\n", 6000 + k * 0.7, 6100 + k * 0.55
    if (k > 0) printf "bytes_per_held_call_a 716\nbytes_per_held_call_b 563\n"; else printf "bytes_per_held_call_a na\nbytes_per_held_call_b na\n"
    printf "left_a %s\nleft_b %s\nleft_kernel 0\n", orig == "original" ? "na" : 0, orig == "original" ? "na" : 0
  }'
}

# cell IMPL W K [SUFFIX]: one grid cell, demons started fresh; result file +
# status (a SUFFIX names another run of the cell: .run2, ...).
cell() {
  IMPL="$1"; w="$2"; k="$3"
  f="$RES/$IMPL-W$w-K$k${4:-}"
  n=$N_W1; [ "$w" -gt 1 ] && n=$N_W64
  if [ "${BENCH_FAKE_LOAD:-0}" = 1 ]; then
    fake_load "$w" "$k" "$n" >"$f.txt"; echo "ok" >"$f.status"; return 0
  fi
  if [ "$IMPL" = ours ]; then PAIR_CONF_B="$WORK/b.conf"; limit=$OURS_CELL_LIMIT_S; else
    PAIR_CONF_B=/dev/null; limit=$ORIG_CELL_LIMIT_S; fi
  rm -rf "$PAIR_DIR"; mkdir -p "$PAIR_DIR"
  if ! pair_start; then
    echo "demons did not start" >"$f.status"; pair_stop; return 0
  fi
  say "$IMPL W=$w K=$k N=$n (limit ${limit}s)"
  rc=0
  timeout -s TERM "$limit" "$BUILD/daemon/atmsigd-load" --a "$A_SOCK" --b "$B_SOCK" --called "$PAIR_N" \
    --a-pid "$A_PID" --b-pid "$B_PID" -W "$w" -K "$k" -N "$n" --qos ubr \
    --a-dump-dir "$PAIR_DIR" --b-dump-dir "$PAIR_DIR" >"$f.txt" 2>"$f.err" || rc=$?
  pair_stop
  A_PID=""; B_PID=""
  case "$rc" in
    0) echo ok >"$f.status" ;;
    124) echo "stopped: time limit ${limit} s" >"$f.status" ;;
    *) echo "failed (exit $rc): $(head -1 "$f.err")" >"$f.status" ;;
  esac
  cp "$PAIR_DIR/a.log" "$f.a.log" 2>/dev/null || true
  cp "$PAIR_DIR/b.log" "$f.b.log" 2>/dev/null || true
}

# --- the grid -----------------------------------------------------------------
for IMPL in ours original; do
  for w in $WS; do
    cut=""
    for k in $KS; do
      f="$RES/$IMPL-W$w-K$k"
      if [ -n "$MAX_K" ] && [ "$k" -gt "$MAX_K" ]; then echo "not run (--max-k $MAX_K)" >"$f.status"; continue; fi
      if [ "$IMPL" = ours ] && [ -n "$OURS_MAX_K" ] && [ "$k" -gt "$OURS_MAX_K" ]; then
        echo "not run: one VPI (no sig vc_range)" >"$f.status"; continue; fi
      if [ "$IMPL" = original ] && [ "$k" -gt "$ORIG_MAX_K" ]; then
        echo "not run: beyond the original's one VPI (65 490 calls)" >"$f.status"; continue; fi
      if [ -n "$cut" ]; then echo "not run: $cut" >"$f.status"; continue; fi
      cell "$IMPL" "$w" "$k"
      st="$(cat "$f.status")"
      case "$st" in ok) ;; *) cut="K = $k was $st" ;; esac
    done
  done
done

# --- the CPU ratio's cells again ------------------------------------------------
# Ours, W = 64: K = 0 and the largest K that ran, RATIO_RUNS - 1 more times
# each, alternately; the report takes the median of each cell's runs.
IMPL=ours
kbig=""
for k in $KS; do [ "$(cat "$RES/ours-W64-K$k.status" 2>/dev/null)" = ok ] && kbig=$k; done
if [ -n "$kbig" ] && [ "$kbig" != 0 ]; then
  r=1
  while [ "$r" -lt "$RATIO_RUNS" ]; do
    r=$((r + 1))
    for k in 0 "$kbig"; do
      [ "$r" = 2 ] && cp "$RES/ours-W64-K$k.txt" "$RES/ours-W64-K$k.run1.txt"
      cell ours 64 "$k" ".run$r"
    done
  done
fi

# --- callgrind, datagram counts, floor ----------------------------------------
if [ "${BENCH_FAKE_LOAD:-0}" = 1 ]; then
  for s in ours-a ours-b original-a original-b; do echo 99999 >"$RES/cg-$s"; done
  printf 'udp_out_a 3.24\nudp_in_a 3.24\nunix_out_a 2\nunix_in_a 2\nsyscalls_a 26\nudp_out_b 3.24\nudp_in_b 3.24\nunix_out_b 3\nunix_in_b 2\nsyscalls_b 26\n' |
    tee "$RES/dg-ours" >"$RES/dg-original"
  printf 'instructions per call (W=1): 3400\nW=64 run 1: calls 20000 cpu_us_per_call 8.5 recv_calls_per_call 0.2 send_calls_per_call 0.3\nW=64 run 2: calls 20000 cpu_us_per_call 8.9 recv_calls_per_call 0.2 send_calls_per_call 0.3\n' >"$RES/shell-floor"
  for r in 1 2 3; do
    echo "12$r" >>"$RES/lat-ours.p50"; echo "13$r" >>"$RES/lat-original.p50"
    echo "7$r" >>"$RES/lat-wake-chain.p50"; echo "9$r" >>"$RES/lat-call-chain.p50"
    echo "8$r" >>"$RES/lat-original-chain.p50"
    echo "25$r" >>"$RES/lat-ours.p99"; echo "26$r" >>"$RES/lat-original.p99"
    echo "15$r" >>"$RES/lat-wake-chain.p99"; echo "19$r" >>"$RES/lat-call-chain.p99"
    echo "17$r" >>"$RES/lat-original-chain.p99"
    echo "11$r" >>"$RES/lat-isolated-chain.p50"; echo "21$r" >>"$RES/lat-isolated-chain.p99"
    echo "15$r" >>"$RES/lat-ours-isolated.p50"; echo "30$r" >>"$RES/lat-ours-isolated.p99"
    echo "18$r" >>"$RES/lat-original-isolated.p50"; echo "40$r" >>"$RES/lat-original-isolated.p99"
  done
  printf 'calls_per_s 26000\ncpu_us_per_call_a 23.0\ncpu_us_per_call_b 24.0\nsyscalls_per_call_a 1.6\nsyscalls_per_call_b 1.3\n' >"$RES/split"
  for s in a b; do
    printf 'split_user_pct_%s 31.0\nsplit_sendmmsg_pct_%s 42.0\nsplit_recvmmsg_pct_%s 18.0\nsplit_epoll_wait_pct_%s 5.0\nsplit_other_pct_%s 4.0\nsplit_samples_%s 2000\n' \
      "$s" "$s" "$s" "$s" "$s" "$s" >>"$RES/split"
  done
  printf 'batch 32\nudp_size 64\nunix_size 252\nudp_send_us 1.2\nudp_recv_us 0.5\nudp_send_batched_us 1.0\nudp_recv_batched_us 0.4\nunix_send_us 0.7\nunix_recv_us 0.8\nunix_send_batched_us 0.6\nunix_recv_batched_us 0.7\nfloor_us_per_call_a 8.6\nfloor_batched_us_per_call_a 7.6\nfloor_us_per_call_b 9.3\nfloor_batched_us_per_call_b 8.2\ndatagrams_a udp_out=3 udp_in=3 unix_out=2 unix_in=2\ndatagrams_b udp_out=3 udp_in=3 unix_out=3 unix_in=2\n' >"$RES/floor"
else
  for impl in ours original; do
    o=""; [ "$impl" = original ] && o=--original
    for side in a b; do
      runs=1; [ "$impl" = ours ] && runs=$CG_RUNS
      : >"$RES/cg-$impl-$side"
      r=0
      while [ "$r" -lt "$runs" ]; do
        r=$((r + 1))
        say "callgrind $impl $side ($CG_N1 and $CG_N2 calls, run $r of $runs)"
        # One figure per line; the report takes their median.
        # shellcheck disable=SC2086
        sh "$ROOT/bench/demon/callgrind_per_call.sh" $o --side "$side" "$BUILD" "$CG_N1" "$CG_N2" \
          2>>"$RES/cg-$impl-$side.err" | sed -n 's/^per call: //p' >>"$RES/cg-$impl-$side" || true
      done
    done
    say "datagrams per call ($impl, strace)"
    # shellcheck disable=SC2086
    sh "$ROOT/bench/floor/count_datagrams.sh" $o "$BUILD" "$CG_N1" "$CG_N2" >"$RES/dg-$impl" \
      2>"$RES/dg-$impl.err" || true
  done
  say "transport floor"
  "$BUILD/bench/floor/floor_probe" >"$RES/floor"
  # W = 1 setup latency against its floors (bench/floor/wake_chain: the six
  # hops of a setup, and every datagram of a whole call, ours and the
  # original's, back to back and isolated, between processes that do no
  # work), alternately, LAT_RUNS times: one p50 and p99 a line.
  r=0
  while [ "$r" -lt "$LAT_RUNS" ]; do
    r=$((r + 1))
    for IMPL in ours original; do
      # Back to back, then isolated (1 ms between calls: no release under
      # way at a setup), each with demons of its own (a demon takes the
      # first sender on its socket for its kernel).
      for mode in "" -isolated; do
        n=$LAT_N; gap=0
        [ -n "$mode" ] && { n=$((LAT_N / 5)); gap=1000; }
        say "W = 1 setup latency: $IMPL$mode (run $r of $LAT_RUNS, $n calls)"
        PAIR_CONF_B=/dev/null; [ "$IMPL" = ours ] && PAIR_CONF_B="$WORK/b.conf"  # as the grid's
        rm -rf "$PAIR_DIR"; mkdir -p "$PAIR_DIR"
        if pair_start; then
          "$BUILD/daemon/atmsigd-load" --a "$A_SOCK" --b "$B_SOCK" --called "$PAIR_N" \
            -W 1 -K 0 -N "$n" --gap-us "$gap" --qos ubr >"$RES/lat-run" \
            2>>"$RES/lat-$IMPL$mode.err" || true
          sed -n 's/^setup_p50_us //p' "$RES/lat-run" >>"$RES/lat-$IMPL$mode.p50"
          sed -n 's/^setup_p99_us //p' "$RES/lat-run" >>"$RES/lat-$IMPL$mode.p99"
        fi
        pair_stop
        A_PID=""; B_PID=""
      done
    done
    say "W = 1 setup latency: wake-up floors (bench/floor/wake_chain, run $r of $LAT_RUNS)"
    "$BUILD/bench/floor/wake_chain" 20000 >"$RES/lat-run" 2>>"$RES/lat-wake.err" || true
    for c in wake call original isolated; do
      sed -n "s/^${c}_chain_p50_us //p" "$RES/lat-run" >>"$RES/lat-$c-chain.p50"
      sed -n "s/^${c}_chain_p99_us //p" "$RES/lat-run" >>"$RES/lat-$c-chain.p99"
    done
  done
  # What bounds the CPU per call beyond the floor: the demon's transports and
  # loop with an engine that does nothing, and where our demons' CPU goes.
  say "shell floor (bench/shell/shell_floor.sh)"
  sh "$ROOT/bench/shell/shell_floor.sh" "$BUILD" 20 120 64 >"$RES/shell-floor" \
    2>"$RES/shell-floor.err" || true
  if perf record -q -e cpu-clock -o /dev/null -- true >/dev/null 2>&1; then
    say "where the CPU goes (perf, ours, W = 64, K = 0)"
    sh "$ROOT/bench/demon/cpu_split.sh" --keys "$BUILD" 64 0 "$N_W64" >"$RES/split" \
      2>"$RES/split.err" || true
  else
    echo "perf cannot sample here (perf_event_paranoid, or no perf)" >"$RES/split.err"
  fi
fi

# --- the report ---------------------------------------------------------------
mkdir -p "$OUT/performance"
MACHINE_MODEL="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
MACHINE_CPUS="$(nproc)"
MACHINE_RAM="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
MACHINE_KERNEL="$(uname -r)"
MACHINE_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
RUN_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
ORIG_VERSION="$(dpkg-query -W -f='${Version}' atm-tools 2>/dev/null || echo unknown)"
GEN="$WORK/generated.md"
export RES KS WS QUICK MACHINE_MODEL MACHINE_CPUS MACHINE_RAM MACHINE_KERNEL MACHINE_LOAD RUN_DATE REV \
  BUILD_TYPE ORIG_VERSION OURS_CONF_NOTE N_W1 N_W64 CG_N1 CG_N2 CG_RUNS LAT_RUNS LAT_N RATIO_RUNS ORIG_CELL_LIMIT_S
python3 "$ROOT/bench/report.py" "$GEN" "$OUT/performance"

# docs/performance.md: the hand-written head and tail of the repository's copy,
# the generated part between the markers replaced.
HEAD_SRC="$ROOT/docs/performance.md"
BEGIN='<!-- generated by scripts/bench.sh: begin -->'
END='<!-- generated by scripts/bench.sh: end -->'
{
  if [ -f "$HEAD_SRC" ] && grep -qF "$BEGIN" "$HEAD_SRC"; then
    sed "/$(echo "$BEGIN" | sed 's/[\/.*]/\\&/g')/q" "$HEAD_SRC"
  else
    echo "# Performance"; echo; echo "$BEGIN"
  fi
  cat "$GEN"
  echo "$END"
  if [ -f "$HEAD_SRC" ] && grep -qF "$END" "$HEAD_SRC"; then
    sed "1,/$(echo "$END" | sed 's/[\/.*]/\\&/g')/d" "$HEAD_SRC"
  fi
} >"$WORK/performance.md"
mv "$WORK/performance.md" "$OUT/performance.md"
say "wrote $OUT/performance.md and $OUT/performance/*.svg"
