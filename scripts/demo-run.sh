#!/bin/sh
# The demon's main job on a self-contained default: two demons back to back,
# a user side and a network side, their signaling link carried as SSCOP over
# UDP on loopback, each driven by its emulated kernel in unix-socket mode.
# A call is placed, accepted, used (VPI/VCI and QoS shown) and released.
# Usage: scripts/demo-run.sh BUILD_DIR
set -eu
BUILD="${1:-build/demo}"
DEMON="$BUILD/daemon/atmsigd"
KERNEL="$BUILD/daemon/atmsigd-kernel"
WORK="$(mktemp -d /tmp/atmsigd-demo.XXXXXX)"
USER_ADDR=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
NET_ADDR=47.0005.80ffe1000000f21a26d8.0020ea000ee1.00
PORT_U=$((40000 + $$ % 10000))
PORT_N=$((PORT_U + 1))
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

"$DEMON" -c /dev/null -m user -l "$WORK/user.log" --local-address "$USER_ADDR" \
  --udp-local "127.0.0.1:$PORT_U" --udp-peer "127.0.0.1:$PORT_N" --pcap "$WORK/link.pcap" \
  0.0.5 "$WORK/user.sock" &
PIDS="$PIDS $!"
"$DEMON" -c /dev/null -m network -l "$WORK/net.log" --local-address "$NET_ADDR" \
  --udp-local "127.0.0.1:$PORT_N" --udp-peer "127.0.0.1:$PORT_U" 0.0.5 "$WORK/net.sock" &
PIDS="$PIDS $!"
for i in $(seq 50); do
  grep -q "signaling link up" "$WORK/user.log" 2>/dev/null && grep -q "signaling link up" "$WORK/net.log" 2>/dev/null && break
  sleep 0.1
done

echo "=== network side kernel: listen ==="
"$KERNEL" -s "$WORK/net.sock" -e "listen L addr=$NET_ADDR qos=ubr" -e "expect L okay" \
  -e "expect L indicate within=5000" -e "accept N L" -e "expect N okay" \
  -e "expect N close reply=0 within=5000" > "$WORK/net-kernel.out" 2>&1 &
NK=$!
sleep 0.3
echo "=== user side kernel: connect, use, release ==="
"$KERNEL" -s "$WORK/user.sock" -e "connect C to=$NET_ADDR qos=ubr,aal5:max_sdu=8192" \
  -e "expect C okay within=5000" -e "wait 200" -e "close C" -e "expect C close"
wait "$NK"
echo "=== network side kernel ==="
cat "$WORK/net-kernel.out"
sleep 0.3
for p in $PIDS; do kill -TERM "$p"; wait "$p" || true; done
PIDS=""
echo
echo "=== user-side demon log ==="
cat "$WORK/user.log"
echo
echo "=== network-side demon log ==="
cat "$WORK/net.log"
if command -v tshark >/dev/null 2>&1; then
  echo
  echo "=== the signaling link as tshark decodes it (user side capture) ==="
  tshark -n -r "$WORK/link.pcap" 2>/dev/null | grep -v "Status\|Poll" || true
fi
echo
echo "demo passed: a call placed, accepted and released between two demons (UNI 3.0)"
