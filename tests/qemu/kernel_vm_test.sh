#!/bin/sh
# Our demon as the signaling demon of Debian's own kernel, under QEMU
# (issue #8, docs/kernel.md "Under QEMU with Debian's kernel").
#
#   kernel_vm_test.sh DEMON SVC_CALLER WORKDIR SANITIZE [STRIP]
#
# Fetches the linux-image package that linux-image-amd64 depends on with
# apt-get download into a cache that survives rebuilds
# (${ATMSIGD_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atmsigd-qemu}/PACKAGE_VERSION:
# vmlinuz and the .ko files of atm and adummy with their dependencies),
# builds an initramfs (busybox-static, the demon with its shared libraries,
# atm-tools' atmaddr, svc_send and svc_recv, svc_caller, init.sh as /init),
# boots it with qemu-system-x86_64 and reads the verdict of /init from the
# serial console.
#
# Exit status: 0 passed, 1 failed, 77 skipped (no usable QEMU, or a
# sanitizer build of the demon: this test runs in the normal build only).
# Environment: ATMSIGD_QEMU_ACCEL=kvm|tcg (default: KVM when /dev/kvm is
# usable, i.e. /init runs within 10 s under it, else TCG; a failed probe is
# remembered in the cache directory as kvm-unusable-*),
# ATMSIGD_QEMU_TIMEOUT (seconds for the VM, default 150).
set -u

DEMON=$1
CALLER=$2
WORK=$3
SANITIZE=${4:-OFF}
STRIP=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
MODULES="atm adummy"
TIMEOUT=${ATMSIGD_QEMU_TIMEOUT:-150}

. "$HERE/vm_lib.sh"  # skip(), die(); skips a sanitizer build
ATMADDR=$(command -v atmaddr || echo /usr/sbin/atmaddr)
SVC_SEND=$(command -v svc_send || echo /usr/bin/svc_send)
SVC_RECV=$(command -v svc_recv || echo /usr/bin/svc_recv)
for p in "$ATMADDR" "$SVC_SEND" "$SVC_RECV"; do
  [ -x "$p" ] || die "$p is missing (install atm-tools)"
done
[ -x "$DEMON" ] || die "no demon binary at $DEMON"
[ -x "$CALLER" ] || die "no svc_caller at $CALLER"

# --- Debian's kernel -------------------------------------------------------
vm_debian_kernel $MODULES
echo "kernel: $(cat "$KDIR/version"), modules: $(cat "$KDIR/modules/order")"

# --- initramfs ---------------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK" || die "cannot create $WORK"
ROOT=$WORK/root
vm_root "$ROOT"
cp "$HERE/init.sh" "$ROOT/init"
chmod 755 "$ROOT/init"
cp "$KDIR"/modules/* "$ROOT/lib/modules/"
vm_add "$ROOT" "$DEMON" /sbin/atmsigd "$STRIP"
vm_add "$ROOT" "$ATMADDR" /usr/sbin/atmaddr
vm_add "$ROOT" "$SVC_SEND" /usr/bin/svc_send
vm_add "$ROOT" "$SVC_RECV" /usr/bin/svc_recv
vm_add "$ROOT" "$CALLER" /usr/bin/svc_caller
vm_cpio "$ROOT" "$WORK/initramfs.cpio"

# --- the VM ------------------------------------------------------------------
CONSOLE=$WORK/console.log
vm_run "$KDIR/vmlinuz" "$WORK/initramfs.cpio" "$CONSOLE"
rc=$VM_RC
echo "the VM ran $VM_SECONDS s (qemu exit status $rc)"

if [ $rc -ne 0 ] && ! grep -q 'ATMSIGD-VM: init started' "$CONSOLE.txt"; then
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    die "/init did not start within ${TIMEOUT} s: $(cat "$CONSOLE.stderr")"
  fi
  skip "qemu-system-x86_64 cannot start a VM here ($VM_ACCEL, status $rc): $(cat "$CONSOLE.stderr")"
fi

grep 'ATMSIGD-VM: ok' "$CONSOLE.txt"
# The checks that must have run (so that a shortened /init cannot pass).
missing=
for want in 'demon attached' 'signaling PVC 0.0.5 open' 'demon: ADDR1 added' 'demon: ADDR1 removed' \
  'status dump lists ADDR1' 'a second demon is refused' 'demon exited 0 on SIGTERM' \
  'second demon: the 23rd local address learned' 'second demon running at the end' \
  'refused sockets treated as closed' 'no socket left in the status dump after the refusals'; do
  grep -q "ATMSIGD-VM: ok $want" "$CONSOLE.txt" || missing="$missing; $want"
done
[ "$(grep -c 'ATMSIGD-VM: ok .*: the kernel refused the reply' "$CONSOLE.txt")" -eq 5 ] ||
  missing="$missing; five refused replies"
[ "$(grep -c 'ATMSIGD-VM: ok .*: later atmaddr change followed' "$CONSOLE.txt")" -eq 5 ] ||
  missing="$missing; five later address changes"
[ -z "$missing" ] || echo "checks that did not run or pass:${missing#;}"
if [ -z "$missing" ] && grep -q 'ATMSIGD-VM: all checks passed' "$CONSOLE.txt" &&
  grep -q 'ATMSIGD-VM: end' "$CONSOLE.txt" && ! grep -q 'ATMSIGD-VM: FAIL' "$CONSOLE.txt"; then
  echo "PASSED: every check of /init passed ($CONSOLE.txt has the whole console)"
  exit 0
fi
echo "----- serial console -----"
if grep -q 'ATMSIGD-VM: init started' "$CONSOLE.txt"; then
  sed -n '/ATMSIGD-VM: init started/,$p' "$CONSOLE.txt"
else
  tail -60 "$CONSOLE.txt"
fi
echo "----- qemu stderr -----"
cat "$CONSOLE.stderr"
[ $rc -eq 124 ] || [ $rc -eq 137 ] && die "the VM did not finish within ${TIMEOUT} s"
grep 'ATMSIGD-VM: FAIL' "$CONSOLE.txt"
grep -q 'ATMSIGD-VM: end' "$CONSOLE.txt" || die "/init did not finish (no end marker)"
die "checks failed in the VM"
