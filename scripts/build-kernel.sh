#!/bin/sh
# Builds the kernel the QEMU SVC test boots (issue 16, docs/kernel.md):
# Debian's linux-source-6.1 with the patch in docs/kernel/*.patch applied,
# configured as tinyconfig plus docs/kernel/qemu.config (ATM and adummy built
# in, unix and inet sockets, initramfs, serial console), and keeps the
# bzImage in a cache outside the clone, keyed by the source version and the
# hashes of the patches, the configuration and this script, so later runs
# reuse it.
#
#   scripts/build-kernel.sh [--print] [--no-build]
#     --print     print only the path of the bzImage (build it if missing)
#     --no-build  exit 3 if it is not in the cache (print the path it would have)
#
# Environment: ATMSIGD_KERNEL_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/atmsigd-kernel), ATMSIGD_KERNEL_SOURCE_VERSION
# (default: the candidate version of linux-source-6.1 in apt), JOBS (default:
# the number of CPUs).
# Needs: apt-get, dpkg-deb, xz, make, gcc, flex, bison, bc, libelf-dev
# (scripts/setup.sh installs them). Exit status: 0 built or cached, 1 failed,
# 3 not cached (--no-build).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRINT=0; NOBUILD=0
for a in "$@"; do
  case "$a" in
    --print) PRINT=1 ;;
    --no-build) NOBUILD=1 ;;
    *) echo "build-kernel.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { [ "$PRINT" = 1 ] && echo "$*" >&2 || echo "$*"; }
die() { echo "build-kernel.sh: $*" >&2; exit 1; }

PKG=linux-source-6.1
VER=${ATMSIGD_KERNEL_SOURCE_VERSION:-$(apt-cache policy $PKG 2>/dev/null | awk '$1 == "Candidate:" {print $2}')}
[ -n "$VER" ] && [ "$VER" != "(none)" ] || die "apt knows no $PKG (apt-get update?)"
KEY=$(cat "$ROOT"/docs/kernel/*.patch "$ROOT/docs/kernel/qemu.config" "$0" | sha256sum | cut -c1-16)
CACHE=${ATMSIGD_KERNEL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/atmsigd-kernel}
OUT=$CACHE/${PKG}_${VER}-$KEY
if [ -f "$OUT/bzImage" ]; then
  [ "$PRINT" = 1 ] && echo "$OUT/bzImage" || say "cached: $OUT/bzImage"
  exit 0
fi
if [ "$NOBUILD" = 1 ]; then echo "$OUT/bzImage"; exit 3; fi
for t in apt-get dpkg-deb xz make gcc flex bison bc; do
  command -v $t >/dev/null 2>&1 || die "$t is missing (scripts/setup.sh installs it)"
done

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)
say "build-kernel: $PKG $VER + $(ls "$ROOT"/docs/kernel/*.patch | wc -l) patch(es), key $KEY, in $WORK"
# The source package is kept (140 MB): a new patch or configuration does not fetch it again.
DEB=$(ls "$CACHE"/${PKG}_${VER}_all.deb 2>/dev/null || true)
if [ -z "$DEB" ]; then
  (cd "$WORK" && apt-get download "$PKG=$VER" >/dev/null 2>&1) || die "apt-get download $PKG=$VER failed"
  mv "$WORK"/${PKG}_*.deb "$CACHE/" && DEB=$(ls "$CACHE"/${PKG}_${VER}_all.deb 2>/dev/null || ls "$CACHE"/${PKG}_*_all.deb | head -1)
fi
dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$WORK" ./usr/src/$PKG.tar.xz
tar -xJf "$WORK/usr/src/$PKG.tar.xz" -C "$WORK"
SRC=$WORK/$PKG
for p in "$ROOT"/docs/kernel/*.patch; do
  patch -d "$SRC" -p1 --quiet --forward < "$p" || die "$(basename "$p") does not apply to $PKG $VER"
done
J=${JOBS:-$(nproc)}
make -C "$SRC" -s tinyconfig >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" "$SRC/.config" "$ROOT/docs/kernel/qemu.config" >/dev/null
make -C "$SRC" -s olddefconfig >/dev/null
# every line of the fragment must have survived (a dependency missing would drop it)
grep '^CONFIG_' "$ROOT/docs/kernel/qemu.config" | while read -r line; do
  grep -qx "$line" "$SRC/.config" || die "the configuration lost $line"
done
make -C "$SRC" -s -j"$J" bzImage KBUILD_BUILD_TIMESTAMP="1970-01-01 00:00 UTC" KBUILD_BUILD_USER=atmsigd KBUILD_BUILD_HOST=build \
  || die "the kernel build failed"
mkdir -p "$OUT.tmp"
cp "$SRC/arch/x86/boot/bzImage" "$SRC/.config" "$OUT.tmp/"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
say "build-kernel: built in $(( $(date +%s) - START )) s: $OUT/bzImage"
[ "$PRINT" = 1 ] && echo "$OUT/bzImage"
exit 0
