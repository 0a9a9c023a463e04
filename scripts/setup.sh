#!/bin/sh
# Installs everything the project needs from Debian 12 packages. Idempotent:
# does nothing when all packages are present; runs `apt-get update` once otherwise.
set -eu
PKGS="build-essential cmake ninja-build pkg-config ccache
libboost-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
linux-libc-dev
nlohmann-json3-dev
clang libclang-rt-14-dev
atm-tools libatm1-dev tshark
qemu-system-x86 busybox-static cpio
flex bison bc libelf-dev xz-utils
spin"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing:$missing"
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
