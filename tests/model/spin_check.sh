#!/bin/sh
# Model-checks the kernel protocol (model/atmsvc.pml, docs/model.md) with spin:
#   safety-2  two incoming calls, the demon alive: assertions and invalid end
#             states (deadlock; every process at an end label) over the whole
#             state space
#   safety-1  one incoming call, the demon may die at any point: the same
#   live-1    one incoming call, the demon may die: LTL "terminates" (<> finished:
#             every run reaches the final check), acceptance cycles
#   modify-1  one incoming call, Q.2963.1 modifications of the caller's call
#             both ways (MODIFY): assertions and invalid end states
#   order     a kernel that rejects indications out of order: must be caught
# Fails on any error, an incomplete search, and on any statement of the model
# that no safety run reached (except the assert(false) branches): so the
# crossings the model describes do happen in the explored state space.
# Usage: spin_check.sh MODEL WORKDIR [CC]
set -eu
model="$1"
work="$2"
cc="${3:-cc}"
if ! command -v spin >/dev/null 2>&1; then
  echo "spin_check: spin is not installed (scripts/setup.sh installs the Debian package)" >&2
  exit 1
fi
mkdir -p "$work"
cd "$work"
cp "$model" atmsvc.pml
status=0

run() {
  name="$1" spin_opts="$2" cc_opts="$3" pan_opts="$4"
  rm -f pan pan.* ./*.trail
  # shellcheck disable=SC2086 # the option lists are split on purpose
  if ! spin $spin_opts -a atmsvc.pml >"$name.spin" 2>&1; then
    cat "$name.spin"
    echo "spin_check: $name: spin -a failed" >&2
    exit 1
  fi
  # pan.c is generated code: its warnings are not ours; -O0 compiles it five
  # times faster than -O1 and the search runs about as fast.
  # shellcheck disable=SC2086
  "$cc" -w -O0 -DMEMLIM=1024 $cc_opts -o pan pan.c
  # shellcheck disable=SC2086
  ./pan -m100000 $pan_opts >"$name.out" 2>&1 || true
  stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$name.out")
  depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' "$name.out")
  secs=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' "$name.out")
  errors=$(sed -n 's/.*errors: \([0-9]*\)$/\1/p' "$name.out")
  echo "spin_check: $name ($spin_opts; pan $pan_opts): ${stored:-?} states, depth ${depth:-?}, errors ${errors:-?}, ${secs:-?} s"
  if [ "${errors:-1}" != 0 ] || grep -q "Search not completed\|reached -DMEMLIM\|out of memory" "$name.out" || ls ./*.trail >/dev/null 2>&1; then
    cat "$name.out"
    if ls ./*.trail >/dev/null 2>&1; then
      echo "--- counterexample (spin -t -p):"
      # shellcheck disable=SC2086
      spin $spin_opts -t -p -T atmsvc.pml | tail -60
    fi
    echo "spin_check: $name FAILED" >&2
    status=1
  fi
  # Statements no run reached, other than the assert(false) branches.
  sed -n 's/^[[:space:]]*atmsvc\.pml:\([0-9]*\), state [0-9]*, "\(.*\)"$/\1 \2/p' "$name.out" |
    grep -v ' assert(0)$' | cut -d' ' -f1 | sort -u >"$name.unreached" || true
}

# A kernel side that answers indications out of order (as the emulated kernel
# does with those crossing its listener's close) must be caught by the FIFO
# order assertion: the check has teeth.
expect_order_violation() {
  rm -f pan pan.* ./*.trail
  spin -DKERNEL_REJECTS_AT_ONCE -DNCALL=2 -DDEATH=0 -DVARIANTS=0 -a atmsvc.pml >order.spin 2>&1
  "$cc" -w -O0 -DSAFETY -DMEMLIM=1024 -o pan pan.c
  ./pan -m100000 >order.out 2>&1 || true
  if grep -q 'assertion violated ((flen>0)&&(fcall\[0\]==s_c))' order.out; then
    echo "spin_check: out-of-order kernel: the FIFO order assertion fails, as it must"
  else
    cat order.out
    echo "spin_check: out-of-order kernel: no FIFO order violation found" >&2
    status=1
  fi
  rm -f ./*.trail
}

run safety-2 "-DNCALL=2 -DDEATH=0 -DVARIANTS=0" "-DSAFETY -DCOLLAPSE" ""
run safety-1 "-DNCALL=1 -DDEATH=1 -DVARIANTS=1" "-DSAFETY -DCOLLAPSE" ""
run live-1 "-DLTL -DNCALL=1 -DDEATH=1 -DVARIANTS=1" "-DCOLLAPSE" "-a"
run modify-1 "-DNCALL=1 -DDEATH=0 -DVARIANTS=0 -DMODIFY=1" "-DSAFETY -DCOLLAPSE" ""
expect_order_violation

# The trace output's helpers are expanded in many places; some expansions
# print an empty FIFO only, which is not a protocol statement left unreached.
from=$(grep -n 'begin trace output' atmsvc.pml | cut -d: -f1)
to=$(grep -n 'end trace output' atmsvc.pml | cut -d: -f1)
never=$(comm -12 safety-2.unreached safety-1.unreached | comm -12 - modify-1.unreached |
  awk -v a="$from" -v b="$to" '$1 < a || $1 > b')
if [ -n "$never" ]; then
  echo "spin_check: lines of model/atmsvc.pml no run reached: $(echo "$never" | tr '\n' ' ')" >&2
  status=1
fi
[ "$status" = 0 ] && echo "spin_check: no assertion violated, no invalid end state, no non-terminating run; every statement reached"
exit "$status"
