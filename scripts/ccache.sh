# Sourced by test.sh and fuzz.sh. Compilations are cached outside the clone,
# like the built kernel (scripts/build-kernel.sh): ccache keys each object by
# the compiler, its flags and the preprocessed source, so a run after a small
# change rebuilds in minutes instead of the two full builds' twenty. Paths are
# made relative to the clone (CCACHE_BASEDIR), so a fresh clone elsewhere hits
# the same entries. Without ccache, LAUNCHER stays empty and nothing changes.
LAUNCHER=""
if command -v ccache >/dev/null 2>&1; then
  CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/atmsigd-ccache}"
  CCACHE_BASEDIR="$PWD"
  CCACHE_NOHASHDIR=1
  CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-6G}"
  export CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_MAXSIZE
  LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
fi
