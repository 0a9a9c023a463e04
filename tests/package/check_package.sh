#!/bin/sh
# check_package.sh BUILD_DIR - build the Debian package of an already built
# tree (cpack -G DEB), unpack it into a scratch root (dpkg -x) and check what
# it contains: every expected path, no file in /etc (atm-tools owns
# /etc/atmsigd.conf), the binaries run from the scratch root, the man pages
# render without warnings, the control fields (dpkg-deb -I), the diversion of
# atm-tools' atmsigd, the unit, and the example configuration.
# Builds nothing itself. Exit status: 0 pass, 1 fail, 77 skipped.
set -u

build=${1:?usage: check_package.sh BUILD_DIR}
build=$(cd "$build" && pwd) || exit 1

skip() { echo "SKIP: $*"; exit 77; }
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check() {  # check DESCRIPTION COMMAND...
  what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

command -v dpkg-deb >/dev/null 2>&1 || skip "dpkg-deb not installed"
[ -f "$build/CPackConfig.cmake" ] || skip "$build has no CPackConfig.cmake (cmake/Packaging.cmake not included)"

# cpack next to the cmake that configured the tree, else from PATH.
cpack=cpack
cmake=$(sed -n 's/^CMAKE_COMMAND:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null)
if [ -n "$cmake" ] && [ -x "$(dirname "$cmake")/cpack" ]; then cpack=$(dirname "$cmake")/cpack; fi
command -v "$cpack" >/dev/null 2>&1 || skip "cpack not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/atmsigd-package.XXXXXX") || exit 1
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- build the package -------------------------------------------------------
if ! (cd "$build" && "$cpack" -G DEB -B "$tmp/out" --config "$build/CPackConfig.cmake") \
    >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  bad "cpack -G DEB"
  exit 1
fi
deb=$(ls "$tmp"/out/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { cat "$tmp/cpack.log"; bad "cpack produced a .deb"; exit 1; }
ok "cpack -G DEB: $(basename "$deb")"

# --- control fields ---------------------------------------------------------
dpkg-deb -I "$deb" >"$tmp/info" || bad "dpkg-deb -I"
field() { dpkg-deb -f "$deb" "$1"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\([^"]*\)")$/\1/p' "$build/CPackConfig.cmake" | head -n 1)
check "Package is atmsigd-ng" [ "$(field Package)" = atmsigd-ng ]
check "Version $(field Version) starts with the project version ${version:-?}" \
  sh -c 'case "$1" in "$2"-*|"$2") exit 0;; *) exit 1;; esac' - "$(field Version)" "${version:-none}"
check "Architecture is dpkg's ($(field Architecture))" \
  [ "$(field Architecture)" = "$(dpkg --print-architecture 2>/dev/null || field Architecture)" ]
check "Maintainer set" [ -n "$(field Maintainer)" ]
check "Section net" [ "$(field Section)" = net ]
check "Description set" [ -n "$(field Description)" ]
check "Depends from dpkg-shlibdeps (libc6): $(field Depends)" \
  sh -c 'printf "%s\n" "$1" | grep -q "libc6 (>= "' - "$(field Depends)"
# libstdc++ is linked in (daemon/CMakeLists.txt: idle RSS); the shared
# libraries the demon does link are found.
check "Depends on libatm1" \
  sh -c 'printf "%s\n" "$1" | grep -q "libatm1"' - "$(field Depends)"
# libsystemd0 is loaded with dlopen() for the journal sink only (issue 13,
# idle RSS): recommended, never a dependency.
check "Recommends libsystemd0, does not depend on it" \
  sh -c 'printf "%s\n" "$1" | grep -q "libsystemd0" && ! printf "%s\n" "$2" | grep -q "libsystemd"' - \
  "$(field Recommends)" "$(field Depends)"
check "no Conflicts with atm-tools" [ -z "$(field Conflicts)" ]

mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control" || bad "dpkg-deb -e"
check "no conffiles" [ ! -s "$tmp/control/conffiles" ]
check "preinst diverts /usr/sbin/atmsigd" \
  grep -q "dpkg-divert --package atmsigd-ng --add --rename --divert /usr/sbin/atmsigd.atm-tools /usr/sbin/atmsigd" \
  "$tmp/control/preinst"
check "postrm removes the diversion" \
  grep -q "dpkg-divert --package atmsigd-ng --remove --rename --divert /usr/sbin/atmsigd.atm-tools /usr/sbin/atmsigd" \
  "$tmp/control/postrm"
for s in preinst postinst prerm postrm; do
  check "$s is an executable sh script" sh -c '[ -x "$1" ] && sh -n "$1"' - "$tmp/control/$s"
done

# --- contents --------------------------------------------------------------
root=$tmp/root
dpkg -x "$deb" "$root" 2>/dev/null || dpkg-deb -x "$deb" "$root" || { bad "dpkg -x"; exit 1; }
ok "dpkg -x into a scratch root"
man_page() {  # the page, compressed or not
  for f in "$root/usr/share/man/man$1/$2.$1.gz" "$root/usr/share/man/man$1/$2.$1"; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}
for p in usr/sbin/atmsigd usr/sbin/atmsigctl usr/bin/atmsigd-kernel; do
  check "/$p executable" [ -f "$root/$p" -a -x "$root/$p" ]
done
for p in usr/lib/systemd/system/atmsigd.service \
         usr/share/doc/atmsigd/examples/atmsigd.conf \
         usr/share/doc/atmsigd/README.md \
         usr/share/doc/atmsigd/LICENSE \
         usr/share/bash-completion/completions/atmsigctl; do
  check "/$p" [ -f "$root/$p" ]
done
man8=$(man_page 8 atmsigd); check "atmsigd(8) installed" [ -n "$man8" ]
man5=$(man_page 5 atmsigd.conf); check "atmsigd.conf(5) installed" [ -n "$man5" ]
man8ctl=$(man_page 8 atmsigctl); check "atmsigctl(8) installed" [ -n "$man8ctl" ]
check "atmsigctl's bash completion parses" bash -n "$root/usr/share/bash-completion/completions/atmsigctl"
check "nothing in /etc (atm-tools owns /etc/atmsigd.conf)" [ ! -e "$root/etc" ]
check "no file outside /usr" \
  sh -c '[ -z "$(ls -A "$1" | grep -v "^usr$")" ]' - "$root"
check "example equals conf/atmsigd.conf" \
  cmp -s "$root/usr/share/doc/atmsigd/examples/atmsigd.conf" "$(dirname "$0")/../../conf/atmsigd.conf"

# --- the binaries run from the scratch root --------------------------------
out=$("$root/usr/sbin/atmsigd" -V 2>&1); rc=$?
check "atmsigd -V exits 0 and prints ${version:-the version} ($out)" \
  sh -c '[ "$1" -eq 0 ] && printf "%s\n" "$2" | grep -q "^atmsigd .*$3"' - "$rc" "$out" "$version"
"$root/usr/sbin/atmsigd" -Z >/dev/null 2>&1; rc=$?
check "atmsigd with a wrong option exits 2" [ "$rc" -eq 2 ]
check "atmsigd-kernel --help exits 0" sh -c '"$1" --help >/dev/null 2>&1' - "$root/usr/bin/atmsigd-kernel"
check "atmsigctl --help exits 0" sh -c '"$1" --help >/dev/null 2>&1' - "$root/usr/sbin/atmsigctl"
"$root/usr/sbin/atmsigctl" -s "$tmp/none.ctl" status >/dev/null 2>"$tmp/ctl.err"; rc=$?
check "atmsigctl without a demon exits 1 and says so" \
  sh -c '[ "$1" -eq 1 ] && grep -q "not running" "$2"' - "$rc" "$tmp/ctl.err"

# The shipped example configuration starts the demon (unix-socket mode).
sock=$tmp/sig.sock
# (--network loopback: this machine has no ATM PVC for the Q.2931 link)
"$root/usr/sbin/atmsigd" -c "$root/usr/share/doc/atmsigd/examples/atmsigd.conf" \
  --network loopback -l "$tmp/demon.log" 0.0.5 "$sock" 2>"$tmp/demon.err" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if [ -S "$sock" ]; then
  kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
  check "the example configuration starts the demon; SIGTERM ends it with 0 (rc $rc)" [ "$rc" -eq 0 ]
  check "the socket is removed at exit" [ ! -e "$sock" ]
else
  cat "$tmp/demon.err" "$tmp/demon.log" 2>/dev/null
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
  bad "the example configuration starts the demon"
fi

# Type=notify: READY=1 once the socket is open, STOPPING=1 on SIGTERM.
if command -v python3 >/dev/null 2>&1; then
  check "sd_notify READY=1 after the socket is open, STOPPING=1 at SIGTERM" \
    python3 - "$root/usr/sbin/atmsigd" "$tmp" <<'EOF_PY'
import os, signal, socket, subprocess, sys
demon, tmp = sys.argv[1], sys.argv[2]
ns, sock = os.path.join(tmp, "notify"), os.path.join(tmp, "n.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(ns)
s.settimeout(5)
p = subprocess.Popen([demon, "-c", "/dev/null", "--network", "loopback", "-l", os.path.join(tmp, "n.log"),
                      "--local-address", "+4121", "0.0.5", sock],
                     env=dict(os.environ, NOTIFY_SOCKET=ns))
ok = False
try:
    ready = s.recv(4096).decode()
    ok = "READY=1" in ready and os.path.exists(sock)
    p.send_signal(signal.SIGTERM)
    stopping = s.recv(4096).decode()
    ok = ok and "STOPPING=1" in stopping and p.wait(5) == 0
except Exception as e:
    print(e)
finally:
    if p.poll() is None:
        p.kill()
        p.wait()
sys.exit(0 if ok else 1)
EOF_PY
fi

# --- man pages render without warnings -------------------------------------
cat_page() { case "$1" in *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac; }
for page in "$man8" "$man5" "$man8ctl"; do
  [ -n "$page" ] || continue
  name=$(basename "$page")
  check "$name: .TH names version ${version:-?}" \
    sh -c 'cat_page() { case "$1" in *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac; }
           cat_page "$1" | grep -q "^\.TH .*\"atmsigd $2\""' - "$page" "$version"
  if command -v groff >/dev/null 2>&1; then
    warn=$(cat_page "$page" | groff -man -Tutf8 -ww -z 2>&1)
    check "groff -ww: $name renders without warnings${warn:+ ($warn)}" [ -z "$warn" ]
  fi
  if command -v man >/dev/null 2>&1; then
    check "man -l $name" sh -c 'LC_ALL=C MANWIDTH=80 man -l "$1" 2>"$2" | grep -q "^NAME" && [ ! -s "$2" ]' \
      - "$page" "$tmp/man.err"
  fi
done

# --- the unit --------------------------------------------------------------
unit=$root/usr/lib/systemd/system/atmsigd.service
if [ -f "$unit" ]; then
  for k in "Type=notify" "Restart=on-failure" "ExecStart=/usr/sbin/atmsigd" \
           "CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_RAWIO CAP_NET_BIND_SERVICE CAP_CHOWN CAP_SETPCAP" "NoNewPrivileges=yes" \
           "ProtectSystem=strict" "ExecReload=/bin/kill -HUP \$MAINPID" \
           "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_ATMPVC AF_ATMSVC"; do
    check "unit: $k" grep -q "^$k" "$unit"
  done
  check "unit: no -b" sh -c '! grep "^ExecStart=" "$1" | grep -q -- " -b"' - "$unit"
  if command -v systemd-analyze >/dev/null 2>&1 && [ -x /usr/sbin/atmsigd ]; then
    check "systemd-analyze verify" sh -c 'systemd-analyze verify --man=no "$1" >"$2" 2>&1 || { cat "$2"; exit 1; }' \
      - "$unit" "$tmp/verify.log"
  fi
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all package checks passed"
exit 0
