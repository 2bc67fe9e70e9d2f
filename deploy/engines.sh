#!/usr/bin/env bash
# Builds the device's target engines (Espruino, JerryScript, wasm3) from the pinned source archives
# in ../shared/engines/ into a cache folder, and reuses what is already built there.
#
#   deploy/engines.sh [espruino|espruino-budget|jerryscript|wasm3 ...]   (default: all)
#
# espruino-budget is the same Espruino with a fixed variable budget (ESPRUINO_VARIABLES, a
# Bangle.js 2's 12,000) instead of the Linux port's resizable store: runs that must fit a board.
#
# Cache: $EARSHOT_ENGINE_CACHE, else <repo>/.cache/engines (gitignored). A build is keyed by the
# archive name (which carries the upstream commit) and this script's build flags (ENGINE_KEY below);
# a finished build leaves bin/<engine> and a .key file, so a rerun with the same key is instant.
# Sources: $EARSHOT_ENGINE_SOURCES, else <repo>/../shared/engines. Without them the script says so
# loudly and exits 0 (tests that need an engine then skip, naming this script).
# Binary paths are read back by device/engines/native-engines.ts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=${EARSHOT_ENGINE_SOURCES:-$ROOT/../shared/engines}
CACHE=${EARSHOT_ENGINE_CACHE:-$ROOT/.cache/engines}
JOBS=${EARSHOT_ENGINE_JOBS:-2}
# JerryScript's heap is fixed at build time: the device budget (issue 12: <= 256 KB) is the build.
JERRY_HEAP_KB=256
ESPRUINO_VARIABLES=12000

# Bump a key when its build flags change, so caches rebuild.
declare -A ENGINE_KEY=(
  [wasm3]="wasm3-v1"
  [jerryscript]="jerry-v1-heap${JERRY_HEAP_KB}-memstats"
  [espruino]="espruino-v1"
  [espruino-budget]="espruino-budget-v1-vars${ESPRUINO_VARIABLES}"
)

note() { echo "engines: $*" >&2; }

archive_for() {
  local f
  f=$(ls "$SRC"/"$1"-*.tar.gz 2>/dev/null | head -1 || true)
  echo "$f"
}

# Extracts the archive into a fresh work dir; echoes the dir.
extract() {
  local name=$1 archive=$2 work="$CACHE/src/$1"
  rm -rf "$work"
  mkdir -p "$work"
  tar -xzf "$archive" -C "$work" --strip-components=1
  echo "$work"
}

build_wasm3() {
  local w=$1
  (cd "$w" && gcc -O2 -Dd_m3HasWASI -Isource source/*.c platforms/app/main.c -o wasm3 -lm)
  cp "$w/wasm3" "$CACHE/bin/wasm3"
}

build_jerryscript() {
  local w=$1
  # --mem-stats: `jerry --mem-stats` prints the heap's peak use (the figure bench:device reports).
  (cd "$w" && python3 tools/build.py --builddir=build --jerry-cmdline=ON --lto=OFF \
    --mem-heap="$JERRY_HEAP_KB" --mem-stats=ON >build.log 2>&1) || {
    tail -20 "$w/build.log" >&2
    return 1
  }
  cp "$w/build/bin/jerry" "$CACHE/bin/jerry"
}

build_espruino() {
  local w=$1
  # The build reads its version with git and expects gen/ and bin/ to exist.
  (cd "$w" && git init -q && git add -A && git -c user.name=earshot -c user.email=earshot@localhost commit -qm src \
    && mkdir -p gen bin && make -j"$JOBS" >build.log 2>&1) || {
    tail -20 "$w/build.log" >&2
    return 1
  }
  cp "$w/bin/espruino" "$CACHE/bin/espruino"
}

build_espruino-budget() {
  local w=$1
  # A board file like LINUX.py with fixed variables (0 there means resizable).
  sed -e "s/'variables' *: *0,.*/'variables' : ${ESPRUINO_VARIABLES},/" \
    -e "s/'binary_name' : 'espruino'/'binary_name' : 'espruino_budget'/" \
    "$w/boards/LINUX.py" >"$w/boards/LINUX_BUDGET.py"
  (cd "$w" && git init -q && git add -A && git -c user.name=earshot -c user.email=earshot@localhost commit -qm src \
    && mkdir -p gen bin && make BOARD=LINUX_BUDGET -j"$JOBS" >build.log 2>&1) || {
    tail -20 "$w/build.log" >&2
    return 1
  }
  cp "$w/bin/espruino_budget" "$CACHE/bin/espruino-budget"
}

build_one() {
  local name=$1 bin archive key
  case $name in
    wasm3) bin=wasm3 ;;
    jerryscript) bin=jerry ;;
    espruino) bin=espruino ;;
    espruino-budget) bin=espruino-budget ;;
    *) note "unknown engine '$name' (espruino, espruino-budget, jerryscript, wasm3)"; return 2 ;;
  esac
  archive=$(archive_for "${name%-budget}")
  if [ -z "$archive" ]; then
    note "SKIPPED $name: no $SRC/$name-*.tar.gz (tests that need it will skip)"
    return 0
  fi
  key="$(basename "$archive") ${ENGINE_KEY[$name]}"
  if [ -x "$CACHE/bin/$bin" ] && [ "$(cat "$CACHE/bin/$bin.key" 2>/dev/null)" = "$key" ]; then
    note "$name cached ($CACHE/bin/$bin)"
    return 0
  fi
  note "building $name from $(basename "$archive") ..."
  mkdir -p "$CACHE/bin"
  rm -f "$CACHE/bin/$bin.key"
  local w
  w=$(extract "$name" "$archive")
  "build_$name" "$w"
  echo "$key" >"$CACHE/bin/$bin.key"
  note "$name built ($CACHE/bin/$bin)"
}

if [ ! -d "$SRC" ]; then
  note "**********************************************************************"
  note "SKIPPED: no engine sources at $SRC (set EARSHOT_ENGINE_SOURCES)."
  note "Espruino, JerryScript and wasm3 are not built; their tests will skip."
  note "**********************************************************************"
  exit 0
fi
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(wasm3 jerryscript espruino espruino-budget)
for n in "${names[@]}"; do build_one "$n"; done
