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

skip() {
  echo "SKIPPED: $*"
  exit 77
}
die() {
  echo "FAILED: $*"
  exit 1
}

case "$SANITIZE" in
  ON | on | TRUE | true | 1 | YES | yes)
    skip "the demon is a sanitizer build (ATMSIGD_SANITIZE=$SANITIZE): the VM test runs in the normal build only (same kernel-mode code, half the CI time)"
    ;;
esac

QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 is not installed (scripts/setup.sh installs qemu-system-x86)"
"$QEMU" --version >/dev/null 2>&1 || skip "qemu-system-x86_64 does not run: $("$QEMU" --version 2>&1 | head -3)"
for tool in busybox cpio dpkg-deb apt-get apt-cache timeout ldd; do
  command -v $tool >/dev/null 2>&1 || die "$tool is missing (scripts/setup.sh installs it)"
done
BUSYBOX=$(command -v busybox)
# A dynamically linked busybox would need its libraries too; Debian's
# busybox-static replaces /bin/busybox with a static one.
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is not static: install busybox-static"; fi
ATMADDR=$(command -v atmaddr || echo /usr/sbin/atmaddr)
SVC_SEND=$(command -v svc_send || echo /usr/bin/svc_send)
SVC_RECV=$(command -v svc_recv || echo /usr/bin/svc_recv)
for p in "$ATMADDR" "$SVC_SEND" "$SVC_RECV"; do
  [ -x "$p" ] || die "$p is missing (install atm-tools)"
done
[ -x "$DEMON" ] || die "no demon binary at $DEMON"
[ -x "$CALLER" ] || die "no svc_caller at $CALLER"

# --- Debian's kernel -------------------------------------------------------
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}'
}
PKG=$(kernel_package)
if [ -z "$PKG" ] && [ "$(id -u)" -eq 0 ]; then
  echo "apt knows no linux-image-amd64: apt-get update"
  apt-get update -qq >/dev/null 2>&1
  PKG=$(kernel_package)
fi
[ -n "$PKG" ] || die "apt-cache depends linux-image-amd64 names no linux-image package (apt-get update?)"
VER=$(apt-cache policy "$PKG" | awk '$1 == "Candidate:" {print $2}')
[ -n "$VER" ] && [ "$VER" != "(none)" ] || die "no candidate version of $PKG"
CACHE_ROOT=${ATMSIGD_QEMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/atmsigd-qemu}
KDIR=$CACHE_ROOT/${PKG}_$VER
if [ ! -f "$KDIR/complete" ]; then
  echo "fetching $PKG $VER into $KDIR"
  mkdir -p "$CACHE_ROOT" || die "cannot create $CACHE_ROOT"
  TMP=$(mktemp -d "$CACHE_ROOT/.fetch.XXXXXX") || die "mktemp in $CACHE_ROOT"
  trap 'rm -rf "$TMP"' EXIT
  (cd "$TMP" && apt-get download "$PKG=$VER") >"$TMP/apt.log" 2>&1 ||
    die "apt-get download $PKG=$VER failed: $(cat "$TMP/apt.log")"
  DEB=$(ls "$TMP"/*.deb 2>/dev/null | head -1)
  [ -n "$DEB" ] || die "apt-get download left no .deb: $(cat "$TMP/apt.log")"
  dpkg-deb -x "$DEB" "$TMP/root" || die "dpkg-deb -x $DEB failed"
  mkdir -p "$TMP/out/modules"
  cp "$TMP"/root/boot/vmlinuz-* "$TMP/out/vmlinuz" || die "no vmlinuz in $DEB"
  MODROOT=$(ls -d "$TMP"/root/lib/modules/* | head -1)
  [ -d "$MODROOT" ] || die "no /lib/modules in $DEB"
  # The modules with their dependencies (from each module's .modinfo
  # "depends=", as modules.dep is made by depmod at install), in load order.
  order=
  add_module() {
    case " $order " in *" $1 "*) return 0 ;; esac
    f=$(find "$MODROOT" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" -o -name "$1.ko.gz" | head -1)
    [ -n "$f" ] || die "module $1 is not in $DEB"
    case "$f" in
      *.ko) cp "$f" "$TMP/out/modules/$1.ko" ;;
      *.xz) xz -dc "$f" >"$TMP/out/modules/$1.ko" || die "cannot decompress $f" ;;
      *.zst) zstd -dc "$f" >"$TMP/out/modules/$1.ko" || die "cannot decompress $f" ;;
      *.gz) gzip -dc "$f" >"$TMP/out/modules/$1.ko" || die "cannot decompress $f" ;;
    esac
    deps=$(tr '\0' '\n' <"$TMP/out/modules/$1.ko" | sed -n 's/^depends=//p' | head -1 | tr ',' ' ')
    for d in $deps; do add_module "$d"; done
    order="$order $1"
  }
  for m in $MODULES; do add_module $m; done
  echo $order >"$TMP/out/modules/order"
  echo "$PKG $VER $(basename "$MODROOT")" >"$TMP/out/version"
  touch "$TMP/out/complete"
  rm -rf "$KDIR"
  mv "$TMP/out" "$KDIR" || die "cannot move the kernel into $KDIR"
  rm -rf "$TMP"
  trap - EXIT
fi
echo "kernel: $(cat "$KDIR/version"), modules: $(cat "$KDIR/modules/order")"

# --- initramfs ---------------------------------------------------------------
rm -rf "$WORK"
ROOT=$WORK/root
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/usr/sbin" "$ROOT/usr/bin" "$ROOT/lib/modules" "$ROOT/tmp" ||
  die "cannot create $ROOT"
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$HERE/init.sh" "$ROOT/init"
chmod 755 "$ROOT/init"
cp "$KDIR"/modules/* "$ROOT/lib/modules/"
if [ -n "$STRIP" ] && command -v "$STRIP" >/dev/null 2>&1; then
  "$STRIP" --strip-debug -o "$ROOT/sbin/atmsigd" "$DEMON" || die "$STRIP $DEMON failed"
else
  cp "$DEMON" "$ROOT/sbin/atmsigd"
fi
cp "$ATMADDR" "$ROOT/usr/sbin/atmaddr"
cp "$SVC_SEND" "$SVC_RECV" "$ROOT/usr/bin/"
cp "$CALLER" "$ROOT/usr/bin/svc_caller"
# Shared libraries as ldd lists them, and the dynamic loader, at the same paths.
: >"$WORK/libs"
for bin in "$DEMON" "$ATMADDR" "$SVC_SEND" "$SVC_RECV"; do
  ldd "$bin" >"$WORK/ldd.out" 2>&1 || die "ldd $bin failed: $(cat "$WORK/ldd.out")"
  if grep -q 'not found' "$WORK/ldd.out"; then die "ldd $bin: $(grep 'not found' "$WORK/ldd.out")"; fi
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' "$WORK/ldd.out" >>"$WORK/libs"
done
for lib in $(sort -u "$WORK/libs"); do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib" || die "cannot copy $lib"
done
(cd "$ROOT" && find . | cpio -o -H newc --quiet >"$WORK/initramfs.cpio") || die "cpio failed"

# --- the VM ------------------------------------------------------------------
CONSOLE=$WORK/console.log
# run_vm ACCEL PROBE: boots the VM; with PROBE > 0 gives up (status 200) when
# /init has not said it started within PROBE seconds.
run_vm() {
  case "$1" in
    kvm) accel_args="-enable-kvm" ;;
    *) accel_args="-accel tcg" ;;
  esac
  : >"$CONSOLE"
  # shellcheck disable=SC2086
  timeout -k 5 "$TIMEOUT" "$QEMU" $accel_args -m 512 -smp 1 -nographic -no-reboot \
    -nodefaults -serial stdio -monitor none -display none \
    -kernel "$KDIR/vmlinuz" -initrd "$WORK/initramfs.cpio" \
    -append "console=ttyS0 panic=-1 loglevel=4 edd=off" </dev/null >"$CONSOLE" 2>"$WORK/qemu.stderr" &
  vm=$!
  if [ "$2" -gt 0 ]; then
    i=0
    while [ $i -lt $(($2 * 10)) ] && kill -0 $vm 2>/dev/null && ! grep -q -a 'ATMSIGD-VM: init started' "$CONSOLE"; do
      sleep 0.1
      i=$((i + 1))
    done
    if kill -0 $vm 2>/dev/null && ! grep -q -a 'ATMSIGD-VM: init started' "$CONSOLE"; then
      kill $vm
      wait $vm
      return 200
    fi
  fi
  wait $vm
}
# KVM when /dev/kvm is there and actually boots the kernel (nested KVM in
# some CI sandboxes opens fine and then hangs or aborts); else TCG.
# A failed probe is remembered in the cache (per host kernel and QEMU) so
# that it costs its 10 s once.
ACCEL=${ATMSIGD_QEMU_ACCEL:-}
NOKVM=$CACHE_ROOT/kvm-unusable-$(uname -r)-$("$QEMU" --version | head -1 | tr -c 'A-Za-z0-9.\n' '_')
start=$(date +%s)
rc=
if [ -z "$ACCEL" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  if [ -f "$NOKVM" ]; then
    echo "KVM did not work here before ($NOKVM: $(head -c 300 "$NOKVM")); software emulation (TCG)"
  else
    echo "booting under qemu-system-x86_64 with KVM, time limit ${TIMEOUT} s"
    run_vm kvm 10
    rc=$?
    if ! grep -q -a 'ATMSIGD-VM: init started' "$CONSOLE"; then
      why="status $rc: $(head -c 300 "$WORK/qemu.stderr")"
      echo "KVM did not boot the VM ($why); software emulation (TCG) instead"
      echo "$why" >"$NOKVM"
      rc=
    else
      ACCEL=kvm
    fi
  fi
fi
if [ -z "$rc" ]; then
  case "${ACCEL:-tcg}" in
    kvm | tcg) ACCEL=${ACCEL:-tcg} ;;
    *) die "ATMSIGD_QEMU_ACCEL must be kvm or tcg, not $ACCEL" ;;
  esac
  echo "booting under qemu-system-x86_64 ($ACCEL), time limit ${TIMEOUT} s"
  start=$(date +%s)
  run_vm "$ACCEL" 0
  rc=$?
fi
end=$(date +%s)
echo "the VM ran $((end - start)) s (qemu exit status $rc)"
tr -d '\r' <"$CONSOLE" >"$CONSOLE.txt"

if [ $rc -ne 0 ] && ! grep -q 'ATMSIGD-VM: init started' "$CONSOLE.txt"; then
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    die "/init did not start within ${TIMEOUT} s: $(cat "$WORK/qemu.stderr")"
  fi
  skip "qemu-system-x86_64 cannot start a VM here ($ACCEL, status $rc): $(cat "$WORK/qemu.stderr")"
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
cat "$WORK/qemu.stderr"
[ $rc -eq 124 ] || [ $rc -eq 137 ] && die "the VM did not finish within ${TIMEOUT} s"
grep 'ATMSIGD-VM: FAIL' "$CONSOLE.txt"
grep -q 'ATMSIGD-VM: end' "$CONSOLE.txt" || die "/init did not finish (no end marker)"
die "checks failed in the VM"
