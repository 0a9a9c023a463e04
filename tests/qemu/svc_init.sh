#!/bin/busybox sh
# /init of the SVC-path VM (tests/qemu/svc_path_vm_test.sh, issue 16): real
# SVC sockets served end to end. Inside the VM:
#   demon A: our atmsigd, the kernel's signaling demon (kernel mode, user
#            side), its signaling link SSCOP over UDP on the VM's loopback;
#   demon B: our atmsigd on the network side of that link, in unix-socket
#            mode; its "kernel" is the emulated one (atmsigd-kernel), which
#            runs one script for every scenario below;
#   svc_probe: real SVC sockets on A's kernel (data VCs on adummy, itf 0).
# Scenarios: A calls B (data sent, A closes); B rejects; B hangs up first;
# B calls A's listener (bind, listen, accept, B closes); A's listener closed
# with an indication pending; demon A killed while callers wait in bind,
# listen and connect (they must be woken with EUNATCH, nobody left in D).
# Every check prints "ATMSIGD-VM: ok <what>" or "ATMSIGD-VM: FAIL <what>";
# the last line is "ATMSIGD-VM: end".
#
# With atmsigd_kernel=unpatched on the kernel command line (Debian's kernel,
# modules in /lib/modules) it shows today's failure instead: the first
# connect and bind never return, the demon logs the refused replies, and
# killing the demon leaves the callers asleep. Those lines are
# "ATMSIGD-VM: seen <what>".
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "ATMSIGD-VM: init started, kernel $(uname -r)"

MODE=patched
grep -q 'atmsigd_kernel=unpatched' /proc/cmdline && MODE=unpatched
ADDR_A=47.0005.80.ffe100.0000.f215.1010.0020ea000ee0.00
ADDR_A2=47.0005.80.ffe100.0000.f215.1010.0020ea000ee2.00
ADDR_B=47.0005.80.ffe100.0000.f215.1010.0020ea000ee1.00
LOG_A=/tmp/a.log
LOG_B=/tmp/b.log
KOUT=/tmp/kernel_b.out
failed=0
PROBES=

ok() { echo "ATMSIGD-VM: ok $* [$(cut -d" " -f1 /proc/uptime) s]"; }
seen() { echo "ATMSIGD-VM: seen $* [$(cut -d" " -f1 /proc/uptime) s]"; }
fail() {
  echo "ATMSIGD-VM: FAIL $*"
  failed=1
}
finish() {
  echo "ATMSIGD-VM: --- demon A log (without hex dumps) ---"
  grep -v -E '(from|to) (kernel|network): [0-9a-f]{2} ' $LOG_A 2>/dev/null | tail -120
  echo "ATMSIGD-VM: --- demon B log ---"
  grep -v -E '(from|to) (kernel|network): [0-9a-f]{2} ' $LOG_B 2>/dev/null | tail -60
  echo "ATMSIGD-VM: --- emulated kernel of B ---"
  cat $KOUT 2>/dev/null
  echo "ATMSIGD-VM: --- probes ---"
  for f in /tmp/probe.*; do echo "== $f"; cat "$f"; done
  echo "ATMSIGD-VM: --- /proc/net/atm/vc ---"
  cat /proc/net/atm/vc 2>/dev/null
  echo "ATMSIGD-VM: --- kernel messages ---"
  dmesg | grep -i -E 'atm|sigd|adummy|vcc' | grep -v -i 'atmel'
  if [ $failed = 0 ]; then echo "ATMSIGD-VM: all checks passed ($MODE)"; fi
  echo "ATMSIGD-VM: end"
  sync
  # -no-reboot: QEMU exits on a reboot (the patched kernel has no ACPI to power off with)
  reboot -f
  sleep 10
}

# wait_file FILE PATTERN [tenths]: until FILE has a line matching PATTERN.
wait_file() {
  n=0
  while [ $n -lt ${3:-100} ]; do
    grep -q -E "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    n=$((n + 1))
  done
  return 1
}
state_of() { cut -d' ' -f3 /proc/$1/stat 2>/dev/null; }
wchan_of() { cat /proc/$1/wchan 2>/dev/null; }
# probe NAME OPS...: svc_probe in the background, its output in /tmp/probe.NAME.
probe() {
  name=$1
  shift
  svc_probe "$@" >/tmp/probe.$name 2>&1 &
  eval "PID_$name=$!"
  PROBES="$PROBES $!"
}
# done_within NAME SECONDS: the probe exited within SECONDS; its status in RC.
done_within() {
  eval "p=\$PID_$1"
  n=0
  while [ $n -lt $(($2 * 10)) ] && [ -d /proc/$p ] && [ "$(state_of $p)" != Z ]; do
    sleep 0.1
    n=$((n + 1))
  done
  if [ -d /proc/$p ] && [ "$(state_of $p)" != Z ]; then
    RC=
    return 1
  fi
  wait $p
  RC=$?
  return 0
}
# result NAME OP: the result text svc_probe printed for OP.
result() { sed -n "s/^svc_probe $2: //p" /tmp/probe.$1 | head -1; }
# check NAME OP WANT WHAT: the probe's OP returned WANT (a prefix).
check() {
  r=$(result "$1" "$2")
  case "$r" in
    "$3"*) ok "$4: $2 returned $r" ;;
    *) fail "$4: $2 returned '${r:-nothing}', expected $3" ;;
  esac
}
# /proc/net/atm/vc: Address Itf VPI VCI ...
vc_listed() { awk -v vci="$1" '$2 == "0" && $3 == "0" && $4 == vci' /proc/net/atm/vc | grep -q .; }

if [ -f /lib/modules/order ]; then
  for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || fail "insmod $m"; done
fi
grep -q adummy /proc/net/atm/devices 2>/dev/null || {
  fail "no adummy in /proc/net/atm/devices"
  finish
}
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
ok "adummy is ATM interface 0, loopback up ($MODE kernel)"

# Demon B first (network side, unix-socket mode), then its emulated kernel.
atmsigd -m network -d -l $LOG_B --udp-local 127.0.0.1:5101 --udp-peer 127.0.0.1:5102 0.0.5 /tmp/b.sock &
DEMON_B=$!
# Demon A: the kernel's signaling demon; its link is UDP, not the PVC 0.0.5.
atmsigd -m user -d -l $LOG_A -D /tmp --udp-local 127.0.0.1:5102 --udp-peer 127.0.0.1:5101 &
DEMON_A=$!
if wait_file $LOG_A 'serving the user of signaling on kernel signaling socket'; then
  ok "demon A attached (ATMSIGD_CTRL)"
else
  fail "demon A did not attach"
  finish
fi
atmaddr -a 0 $ADDR_A
wait_file $LOG_A 'added local ATM address' || fail "demon A did not learn its address"
wait_file $LOG_A 'signaling link up' 150 ||
  fail "the signaling link between A and B did not come up"

# The emulated kernel of B: one script for all scenarios (each expect waits
# for what the probes on A do; within= is generous for a slow TCG guest).
W=within=30000
cat >/tmp/b.script <<EOF
listen L addr=$ADDR_B qos=ubr
expect L okay
# 1: A calls B, sends data, closes
expect L indicate $W
accept N1 L
expect N1 okay $W
expect N1 close $W
# 2: B rejects A's call
expect L indicate $W
reject L reply=-111
# 3: B hangs up first
expect L indicate $W
accept N3 L
expect N3 okay $W
wait 1000
close N3
expect N3 close $W
# 4: A listens (its call here is the sign that it does), B calls A, hangs up
expect L indicate $W
reject L reply=-111
connect C4 to=$ADDR_A qos=ubr
expect C4 okay $W
wait 1000
close C4
expect C4 close $W
# 5: A's listener closed with B's call pending
expect L indicate $W
reject L reply=-111
connect C5 to=$ADDR_A qos=ubr
expect C5 error $W
EOF
if [ $MODE = unpatched ]; then
  # Only the first scenario: it shows the refusal.
  sed -n '1,/^accept N1 L/p' /tmp/b.script >/tmp/b.short && mv /tmp/b.short /tmp/b.script
fi
atmsigd-kernel -s /tmp/b.sock -f /tmp/b.script >$KOUT 2>&1 &
KERNEL_B=$!
# (the emulated kernel's output is buffered: B's demon log says what it was sent)
wait_file $LOG_B 'to kernel: as_okay vcc=0x1000' 100 || fail "B's listener was not confirmed"

if [ $MODE = unpatched ]; then
  # Today's kernel: the reply to connect() is refused, the caller stays.
  probe u1 pid socket connect $ADDR_B
  if done_within u1 15; then
    fail "connect on the unpatched kernel returned: $(cat /tmp/probe.u1)"
  else
    seen "connect never returns on the unpatched kernel (state $(state_of $PID_u1), wchan $(wchan_of $PID_u1))"
  fi
  probe u2 pid socket bind $ADDR_A2
  if done_within u2 5; then
    fail "bind on the unpatched kernel returned: $(cat /tmp/probe.u2)"
  else
    seen "bind never returns on the unpatched kernel (state $(state_of $PID_u2), wchan $(wchan_of $PID_u2))"
  fi
  grep -q 'the kernel refused a frame' $LOG_A && seen "demon A logged the refused replies"
  kill -KILL $DEMON_A
  sleep 2
  if [ "$(state_of $PID_u2)" = D ]; then
    seen "bind caller still in D state after the demon died"
  else
    fail "bind caller woke on the unpatched kernel: $(cat /tmp/probe.u2)"
  fi
  finish
fi

# 1: A calls B, sends data, closes.
probe s1 socket connect $ADDR_B pvc send 64 sleep 1500 close
if wait_file /tmp/probe.s1 '^svc_probe send' 300; then
  check s1 connect 0 "1: A calls B"
  vci=$(result s1 pvc | sed -n 's/.* pvc 0\.0\.\([0-9]*\)$/\1/p')
  if [ -n "$vci" ] && vc_listed "$vci"; then
    ok "1: the data VC 0.0.$vci is open on adummy (/proc/net/atm/vc)"
  else
    fail "1: no data VC 0.0.${vci:-?} in /proc/net/atm/vc"
  fi
  grep -q -E "to kernel: as_indicate .* pvc=0\.0\.$vci( |\$)" $LOG_B &&
    ok "1: B's kernel was given the same VC 0.0.$vci" || fail "1: B's kernel had another VC than 0.0.$vci"
  check s1 send 64 "1: A sends 64 octets"
fi
done_within s1 30 || fail "1: the probe did not finish: $(cat /tmp/probe.s1)"
check s1 close 0 "1: A closes"
wait_file $LOG_B 'to kernel: as_close' 100 && ok "1: B's kernel saw the call closed" || fail "1: B's kernel was not told"

# 2: B rejects.
probe s2 socket connect! $ADDR_B close
done_within s2 30 || fail "2: the probe did not finish: $(cat /tmp/probe.s2)"
check s2 'connect!' '-1 ECONNREFUSED' "2: B rejects A's call"

# 3: B hangs up first.
probe s3 socket connect $ADDR_B pvc hangup 30000 close
done_within s3 40 || fail "3: the probe did not finish: $(cat /tmp/probe.s3)"
check s3 connect 0 "3: A calls B"
check s3 hangup 0 "3: B hangs up, A's socket sees it"
check s3 close 0 "3: A closes after B's hang-up"

# 4 and 5: A binds and listens; B calls it; then A closes its listener with
# B's next call pending.
probe s4 socket bind $ADDR_A listen 5 socket connect! $ADDR_B close accept 30000 pvc send 64 hangup 30000 close \
  socket connect! $ADDR_B close ready 30000 close
done_within s4 90 || fail "4: the probe did not finish: $(cat /tmp/probe.s4)"
check s4 bind 0 "4: A binds"
check s4 listen 0 "4: A listens"
check s4 accept 0 "4: A accepts B's call"
vci=$(result s4 pvc | sed -n 's/.* pvc 0\.0\.\([0-9]*\)$/\1/p')
[ -n "$vci" ] && ok "4: the accepted call's VC is 0.0.$vci" || fail "4: no VC for the accepted call"
check s4 send 64 "4: A sends 64 octets on the accepted call"
check s4 hangup 0 "4: B hangs up, A's accepted socket sees it"
check s4 ready 0 "5: B's call is pending on A's listener"
[ "$(grep -c '^svc_probe close: 0' /tmp/probe.s4)" -ge 4 ] && ok "5: A closes its listener with the call pending" ||
  fail "5: a close failed: $(grep '^svc_probe close' /tmp/probe.s4 | tr '\n' ' ')"

# B's script ran to its end: every expect was met.
n=0
while [ $n -lt 300 ] && kill -0 $KERNEL_B 2>/dev/null; do
  sleep 0.1
  n=$((n + 1))
done
if kill -0 $KERNEL_B 2>/dev/null; then
  fail "B's emulated kernel did not finish its script"
elif wait $KERNEL_B; then
  ok "B's emulated kernel saw every expected frame (5: its call was rejected)"
else
  fail "B's emulated kernel: $(grep FAIL $KOUT | head -3)"
fi

# 6: demon A dies while callers wait for its replies.
kill -STOP $DEMON_A
probe w1 socket bind $ADDR_A2
probe w2 socket listen 5
probe w3 socket connect $ADDR_B
sleep 2
for w in w1 w2 w3; do
  eval "p=\$PID_$w"
  [ "$(state_of $p)" = D ] || [ "$(state_of $p)" = S ] || fail "6: $w is not waiting (state $(state_of $p))"
done
ok "6: bind, listen and connect wait for the stopped demon"
kill -KILL $DEMON_A
for w in w1 w2 w3; do
  if done_within $w 10; then
    op=$(sed -n 's/^svc_probe \([a-z]*\): .*/\1/p' /tmp/probe.$w | tail -1)
    check $w "$op" '-1 EUNATCH' "6: the demon died"
  else
    eval "p=\$PID_$w"
    fail "6: $w still asleep after the demon died (state $(state_of $p), wchan $(wchan_of $p))"
  fi
done

# Nothing left asleep in the kernel.
left=
for d in /proc/[0-9]*; do
  [ "$(cut -d' ' -f3 $d/stat 2>/dev/null)" = D ] && left="$left $(basename $d):$(cat $d/comm)"
done
[ -z "$left" ] && ok "no process in D state" || fail "processes in D state:$left"
kill $DEMON_B 2>/dev/null
finish
