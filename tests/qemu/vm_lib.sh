# Shared by the QEMU tests (kernel_vm_test.sh, svc_path_vm_test.sh): skip()
# and die() with ctest's skip code, the sanitizer-build skip, Debian's kernel
# fetched into a cache, an initramfs of our binaries with their shared
# libraries, and one boot of the VM with the KVM probe. Sourced, not run; the
# caller sets SANITIZE (the build's ATMSIGD_SANITIZE), WORK and TIMEOUT first.

skip() {
  echo "SKIPPED: $*"
  exit 77
}
die() {
  echo "FAILED: $*"
  exit 1
}

case "${SANITIZE:-OFF}" in
  ON | on | TRUE | true | 1 | YES | yes)
    skip "the demon is a sanitizer build (ATMSIGD_SANITIZE=$SANITIZE): the VM tests run in the normal build only (same kernel-mode code, half the CI time)"
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
CACHE_ROOT=${ATMSIGD_QEMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/atmsigd-qemu}

# vm_debian_kernel MODULES...: sets KDIR to the cached Debian kernel (vmlinuz,
# modules/NAME.ko with their dependencies, modules/order, version), fetching
# the package linux-image-amd64 depends on with apt-get download if needed.
vm_debian_kernel() {
  PKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  if [ -z "$PKG" ] && [ "$(id -u)" -eq 0 ]; then
    echo "apt knows no linux-image-amd64: apt-get update"
    apt-get update -qq >/dev/null 2>&1
    PKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  fi
  [ -n "$PKG" ] || die "apt-cache depends linux-image-amd64 names no linux-image package (apt-get update?)"
  VER=$(apt-cache policy "$PKG" | awk '$1 == "Candidate:" {print $2}')
  [ -n "$VER" ] && [ "$VER" != "(none)" ] || die "no candidate version of $PKG"
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
    for m in "$@"; do add_module $m; done
    echo $order >"$TMP/out/modules/order"
    echo "$PKG $VER $(basename "$MODROOT")" >"$TMP/out/version"
    touch "$TMP/out/complete"
    rm -rf "$KDIR"
    mv "$TMP/out" "$KDIR" || die "cannot move the kernel into $KDIR"
    rm -rf "$TMP"
    trap - EXIT
  fi
}

# vm_root DIR: an initramfs tree with busybox in it.
vm_root() {
  rm -rf "$1"
  mkdir -p "$1/bin" "$1/sbin" "$1/usr/sbin" "$1/usr/bin" "$1/lib/modules" "$1/tmp" || die "cannot create $1"
  cp "$BUSYBOX" "$1/bin/busybox"
  : >"$1.libs"
}
# vm_add ROOT SRC DEST [strip]: a program, its shared libraries (as ldd lists
# them, and the dynamic loader) at the same paths; with a strip tool, without
# debug information.
vm_add() {
  mkdir -p "$1$(dirname "$3")"
  if [ -n "${4:-}" ] && command -v "$4" >/dev/null 2>&1; then
    "$4" --strip-debug -o "$1$3" "$2" || die "$4 $2 failed"
  else
    cp "$2" "$1$3" || die "cannot copy $2"
  fi
  if ldd "$2" >"$1.ldd" 2>&1; then
    if grep -q 'not found' "$1.ldd"; then die "ldd $2: $(grep 'not found' "$1.ldd")"; fi
    awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' "$1.ldd" >>"$1.libs"
  fi
}
# vm_cpio ROOT OUT: the libraries collected by vm_add, then the archive.
vm_cpio() {
  for lib in $(sort -u "$1.libs"); do
    mkdir -p "$1$(dirname "$lib")"
    cp -L "$lib" "$1$lib" || die "cannot copy $lib"
  done
  (cd "$1" && find . | cpio -o -H newc --quiet >"$2") || die "cpio failed"
}

# vm_run KERNEL INITRD CONSOLE: boots the VM under `timeout` (TIMEOUT s);
# KVM when /dev/kvm is usable (the VM's /init says "ATMSIGD-VM: init started"
# within 10 s under it), else TCG (ATMSIGD_QEMU_ACCEL=kvm|tcg forces one). A
# failed KVM probe is remembered in the cache (per host kernel and QEMU), so
# it costs its 10 s once. Sets VM_RC (qemu's exit status), VM_ACCEL and
# VM_SECONDS; writes CONSOLE.txt (the console without carriage returns).
vm_run() {
  vm_kernel=$1 vm_initrd=$2 vm_console=$3
  VM_ACCEL=${ATMSIGD_QEMU_ACCEL:-}
  nokvm=$CACHE_ROOT/kvm-unusable-$(uname -r)-$("$QEMU" --version | head -1 | tr -c 'A-Za-z0-9.\n' '_')
  vm_start=$(date +%s)
  VM_RC=
  if [ -z "$VM_ACCEL" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    if [ -f "$nokvm" ]; then
      echo "KVM did not work here before ($nokvm: $(head -c 300 "$nokvm")); software emulation (TCG)"
    else
      echo "booting under qemu-system-x86_64 with KVM, time limit ${TIMEOUT} s"
      vm_boot kvm 10
      VM_RC=$?
      if ! grep -q -a 'ATMSIGD-VM: init started' "$vm_console"; then
        why="status $VM_RC: $(head -c 300 "$vm_console.stderr")"
        echo "KVM did not boot the VM ($why); software emulation (TCG) instead"
        mkdir -p "$CACHE_ROOT" && echo "$why" >"$nokvm"
        VM_RC=
      else
        VM_ACCEL=kvm
      fi
    fi
  fi
  if [ -z "$VM_RC" ]; then
    case "${VM_ACCEL:-tcg}" in
      kvm | tcg) VM_ACCEL=${VM_ACCEL:-tcg} ;;
      *) die "ATMSIGD_QEMU_ACCEL must be kvm or tcg, not $VM_ACCEL" ;;
    esac
    echo "booting under qemu-system-x86_64 ($VM_ACCEL), time limit ${TIMEOUT} s"
    vm_start=$(date +%s)
    vm_boot "$VM_ACCEL" 0
    VM_RC=$?
  fi
  VM_SECONDS=$(($(date +%s) - vm_start))
  tr -d '\r' <"$vm_console" >"$vm_console.txt"
}
# vm_boot ACCEL PROBE: one boot; with PROBE > 0 gives up (status 200) when
# /init has not said it started within PROBE seconds.
vm_boot() {
  case "$1" in
    kvm) accel_args="-enable-kvm" ;;
    *) accel_args="-accel tcg" ;;
  esac
  : >"$vm_console"
  # shellcheck disable=SC2086
  timeout -k 5 "$TIMEOUT" "$QEMU" $accel_args -m 512 -smp 1 -nographic -no-reboot \
    -nodefaults -serial stdio -monitor none -display none \
    -kernel "$vm_kernel" -initrd "$vm_initrd" \
    -append "console=ttyS0 panic=-1 loglevel=4 edd=off ${VM_APPEND:-}" </dev/null >"$vm_console" 2>"$vm_console.stderr" &
  vm=$!
  if [ "$2" -gt 0 ]; then
    i=0
    while [ $i -lt $(($2 * 10)) ] && kill -0 $vm 2>/dev/null && ! grep -q -a 'ATMSIGD-VM: init started' "$vm_console"; do
      sleep 0.1
      i=$((i + 1))
    done
    if kill -0 $vm 2>/dev/null && ! grep -q -a 'ATMSIGD-VM: init started' "$vm_console"; then
      kill $vm
      wait $vm
      return 200
    fi
  fi
  wait $vm
}
