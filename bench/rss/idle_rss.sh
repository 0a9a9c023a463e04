#!/bin/sh
# Idle RSS of our demon against its floor (issue 13): bench/rss/idle_floor (a
# waiting program linked as the demon) and the two demons of
# bench/demon/pair.sh (user side A, network side B, -l FILE, link up, no
# call), RUNS starts each. Prints VmRSS and, from `pmap -x`, the resident kB
# per mapping group (our binary, libc, ld.so, other libraries, heap, stack,
# anonymous). Usage: bench/rss/idle_rss.sh BUILD_DIR [RUNS]
set -eu
BUILD="${1:?build dir}"; RUNS="${2:-3}"
. "$(dirname "$0")/../demon/pair.sh"

groups() {  # pmap -x PID -> "group kB" lines
  pmap -x "$1" | awk '
    NF >= 6 && $1 ~ /^[0-9a-f]+$/ {
      name = $6 $7
      if (name ~ /atmsigd$|idle_floor$/) g = "binary"
      else if (name ~ /libc\.so/) g = "libc"
      else if (name ~ /ld-linux/) g = "ld.so"
      else if (name ~ /\.so/) g = "other-libs"
      else if (name ~ /heap/) g = "heap"
      else if (name ~ /stack/) g = "stack"
      else g = "anon"
      rss[g] += $3
    }
    END { for (g in rss) printf "%s %d\n", g, rss[g] }' | sort
}
report() {  # report LABEL PID
  printf '%s VmRSS %s kB:' "$1" "$(awk '/^VmRSS/ {print $2}' "/proc/$2/status")"
  groups "$2" | tr '\n' ' ' | sed 's/ \([0-9]\)/=\1/g'
  echo
}

i=0
while [ "$i" -lt "$RUNS" ]; do
  i=$((i + 1))
  "$BUILD/bench/rss/idle_floor" &
  f=$!
  sleep 0.5
  report "floor run $i" "$f"
  kill "$f"; wait "$f" 2>/dev/null || true
  PAIR_DIR="$(mktemp -d /tmp/atmsigd-rss.XXXXXX)"
  pair_start
  sleep 1
  report "A run $i" "$A_PID"
  report "B run $i" "$B_PID"
  pair_stop
  rm -rf "$PAIR_DIR"
done
