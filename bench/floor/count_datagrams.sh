#!/bin/sh
# Datagrams per call of each demon, counted with strace: the defaults of
# floor_probe. Two demons back to back (bench/demon/pair.sh: UDP loopback,
# unix-socket mode, emulated kernels), W=1, both under
# `strace -f -yy` (every descriptor named with its socket type); two runs of
# N1 and N2 calls, the difference divided by N2-N1 (start-up and the
# signaling link's own set-up drop out). A datagram is a successful
# send/sendto/sendmsg/write (out) or recv/recvfrom/recvmsg/read (in) on a UDP
# or UNIX descriptor; sendmmsg/recvmmsg count their return value.
#   --original  Debian's /usr/sbin/atmsigd through our LD_PRELOAD shim
# Usage: bench/floor/count_datagrams.sh [--original] BUILD_DIR [N1 N2]
# Prints `key value` lines: udp_out_a udp_in_a unix_out_a unix_in_a (and _b),
# syscalls_a syscalls_b (all system calls per call, any kind).
set -eu
IMPL=ours
[ "${1:-}" = --original ] && { IMPL=original; shift; }
BUILD="${1:?build dir}"; N1="${2:-20}"; N2="${3:-120}"
. "$(dirname "$0")/../demon/pair.sh"
# count FILE: "udp_out udp_in unix_out unix_in syscalls"
count() {
  awk '
    / = -1 / || /<unfinished/ || /resumed>/ && !/ = [0-9]/ { if (!/resumed>/) calls++; next }
    /^[0-9]+ +[a-z_0-9]+\(/ || /^[a-z_0-9]+\(/ {
      calls++
      line = $0; sub(/^[0-9]+ +/, "", line)
      name = line; sub(/\(.*/, "", name)
      kind = ""
      if (line ~ /^[a-z_0-9]+\([0-9]+<UDP/) kind = "udp"
      else if (line ~ /^[a-z_0-9]+\([0-9]+<UNIX/) kind = "unix"
      if (kind == "") next
      ret = line; sub(/.* = /, "", ret); ret += 0
      n = (name ~ /mmsg$/) ? ret : 1
      if (name ~ /^(send|sendto|sendmsg|sendmmsg|write|writev)$/) out[kind] += n
      else if (name ~ /^(recv|recvfrom|recvmsg|recvmmsg|read|readv)$/) inn[kind] += n
    }
    END { printf "%d %d %d %d %d\n", out["udp"], inn["udp"], out["unix"], inn["unix"], calls }
  ' "$1"
}
run() {
  n="$1"
  PAIR_DIR="$(mktemp -d /tmp/atmsigd-dg.XXXXXX)"
  WRAP_A="strace -f -yy -qq -o $PAIR_DIR/a.strace"
  WRAP_B="strace -f -yy -qq -o $PAIR_DIR/b.strace"
  PAIR_SETTLE=2
  pair_start || { cat "$PAIR_DIR"/*.out >&2; pair_stop; exit 1; }
  pair_calls "$n" || { pair_stop; exit 1; }
  # Let the last RELEASE COMPLETE and SSCOP's POLL/STAT settle, then stop.
  sleep 1
  pair_stop
  echo "$(count "$PAIR_DIR/a.strace") $(count "$PAIR_DIR/b.strace")"
  rm -rf "$PAIR_DIR"
}
R1="$(run "$N1")"; R2="$(run "$N2")"
echo "$R1 $R2" | awk -v d=$((N2 - N1)) '{
  split("udp_out_a udp_in_a unix_out_a unix_in_a syscalls_a udp_out_b udp_in_b unix_out_b unix_in_b syscalls_b", k, " ")
  for (i = 1; i <= 10; i++) printf "%s %.2f\n", k[i], ($(i + 10) - $i) / d
}'
