#!/usr/bin/env bash
# Builds the device's target engines (Espruino, JerryScript, wasm3) from the pinned source archives
# in ../shared/engines/ into a cache folder, and reuses what is already built there.
#
#   deploy/engines.sh [espruino|espruino-budget|espruino-native|jerryscript|jerryscript-native|wasm3|wasm3-cli ...]
#   (default: all)
#
# espruino-budget is the same Espruino with a fixed variable budget (ESPRUINO_VARIABLES, a
# Bangle.js 2's 12,000) instead of the Linux port's resizable store: runs that must fit a board.
# espruino-native is Espruino with earshot's C kernels compiled in as its `earshot` library
# (device/targets/espruino/jswrap_earshot.c + device/targets/c-kernels), same flags as `espruino`;
# it starts from the espruino build's tree, so only the library and the wrapper table compile.
# jerryscript-native is earshot's JerryScript embedding host (device/targets/jerryscript-host)
# linked against the jerryscript build's libraries (same 256 KB heap).
# wasm3 is that host built with -DEARSHOT_WASM3 (`earshot-wasm3`): JerryScript runs the runtime and
# the kernels run as the scalar wasm kernels inside wasm3's interpreter, compiled in from the
# wasm3 archive (device/targets/wasm3-host). wasm3-cli is wasm3's own command line (the layer
# probe, device/engines/wasm-probe.ts).
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
# Espruino's Makefile leaves OPTIMIZEFLAGS empty for its LINUX board (gcc's -O0); the boards
# build with -Os or -O3. Built as a board would be, the interpreter, TFLM and earshot's library
# alike, so instruction counts (and the test suite's Espruino runs) are not those of unoptimised code.
ESPRUINO_OPT=-O2

# Bump a key when its build flags change, so caches rebuild.
declare -A ENGINE_KEY=(
  [wasm3-cli]="wasm3-v1"
  [wasm3]="wasm3-host-v1-heap${JERRY_HEAP_KB}"
  [jerryscript]="jerry-v1-heap${JERRY_HEAP_KB}-memstats"
  [espruino]="espruino-v1${ESPRUINO_OPT}"
  [espruino-budget]="espruino-budget-v1-vars${ESPRUINO_VARIABLES}${ESPRUINO_OPT}"
  [espruino-native]="espruino-native-v1${ESPRUINO_OPT}"
  [jerryscript-native]="jerry-native-v1-heap${JERRY_HEAP_KB}"
)

# The earshot C sources a native engine compiles in: their hash is part of its cache key.
native_sources() {
  case $1 in
    espruino-native) ls "$ROOT"/device/targets/espruino/*.[ch] "$ROOT"/device/targets/c-kernels/*.[ch] ;;
    jerryscript-native) ls "$ROOT"/device/targets/jerryscript-host/*.[ch] "$ROOT"/device/targets/c-kernels/*.[ch] ;;
    wasm3) ls "$ROOT"/device/targets/jerryscript-host/*.[ch] "$ROOT"/device/targets/wasm3-host/*.[ch] \
      "$ROOT"/device/targets/c-kernels/*.[ch] ;;
  esac
}
sources_hash() {
  local f
  [ -z "$(native_sources "$1")" ] && return 0
  for f in $(native_sources "$1"); do echo "${f#"$ROOT"/}"; cat "$f"; done | sha256sum | cut -c1-16
}

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

build_wasm3-cli() {
  local w=$1
  (cd "$w" && gcc -O2 -Dd_m3HasWASI -Isource source/*.c platforms/app/main.c -o wasm3 -lm)
  cp "$w/wasm3" "$CACHE/bin/wasm3"
}

build_wasm3() {
  local w=$1 lib="$CACHE/src/jerryscript/build/lib" inc="$CACHE/src/jerryscript"
  local k="$ROOT/device/targets/c-kernels" h="$ROOT/device/targets/jerryscript-host"
  local x="$ROOT/device/targets/wasm3-host"
  if [ ! -f "$lib/libjerry-core.a" ]; then
    rm -f "$CACHE/bin/jerry.key"
    build_one jerryscript
  fi
  # wasm3's interpreter as the CLI builds it (-O2, no WASI); the host with the Duktape host's flags.
  # The kernels' arithmetic runs in wasm3, the front end in C: -ffp-contract=off for both.
  (cd "$w" && for f in source/*.c; do gcc -O2 -ffp-contract=off -Isource -c "$f" -o "${f%.c}.o" || exit 1; done) || return 1
  gcc -O2 -ftree-vectorize -fvect-cost-model=dynamic -ffp-contract=off -mpopcnt -Wall -Wextra \
    -DEARSHOT_WASM3 -I"$k" -I"$x" -I"$w/source" -I"$inc/jerry-core/include" -I"$inc/jerry-ext/include" \
    "$h/host.c" "$x/wasm3-kernels.c" "$k/frontend.c" "$k/frontend-tables.c" "$w"/source/*.o \
    "$lib/libjerry-ext.a" "$lib/libjerry-core.a" "$lib/libjerry-port.a" -lm -o "$w/earshot-wasm3"
  cp "$w/earshot-wasm3" "$CACHE/bin/earshot-wasm3"
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
    && mkdir -p gen bin && make OPTIMIZEFLAGS="$ESPRUINO_OPT" -j"$JOBS" >build.log 2>&1) || {
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
    && mkdir -p gen bin && make BOARD=LINUX_BUDGET OPTIMIZEFLAGS="$ESPRUINO_OPT" -j"$JOBS" >build.log 2>&1) || {
    tail -20 "$w/build.log" >&2
    return 1
  }
  cp "$w/bin/espruino_budget" "$CACHE/bin/espruino-budget"
}

build_espruino-native() {
  local w=$1 base="$CACHE/src/espruino"
  # Start from the espruino build (same archive, same flags): make then compiles only what the
  # library adds. Without that tree, the extracted archive builds in full (~2 min on 2 cores).
  if [ -f "$base/bin/espruino" ] && [ -d "$base/obj" ]; then
    rm -rf "$w"
    cp -a "$base" "$w"
  else
    (cd "$w" && git init -q && git add -A && git -c user.name=earshot -c user.email=earshot@localhost commit -qm src)
  fi
  mkdir -p "$w/libs/earshot" "$w/gen" "$w/bin"
  cp $(native_sources espruino-native) "$w/libs/earshot/"
  (cd "$w" && make OPTIMIZEFLAGS="$ESPRUINO_OPT" -j"$JOBS" \
    ESPRUINO_WRAPPERSOURCES="libs/earshot/jswrap_earshot.c libs/earshot/kernels.c libs/earshot/frontend.c libs/earshot/frontend-tables.c" \
    >build.log 2>&1) || {
    tail -20 "$w/build.log" >&2
    return 1
  }
  cp "$w/bin/espruino" "$CACHE/bin/espruino-native"
}

build_jerryscript-native() {
  local w=$1 lib="$CACHE/src/jerryscript/build/lib" inc="$CACHE/src/jerryscript"
  local k="$ROOT/device/targets/c-kernels" h="$ROOT/device/targets/jerryscript-host"
  if [ ! -f "$lib/libjerry-core.a" ]; then
    # The jerryscript build's tree is gone (cache pruned): rebuild it for its libraries.
    rm -f "$CACHE/bin/jerry.key"
    build_one jerryscript
  fi
  # Same C flags as the Duktape host (device/tools/build.ts C_FLAGS).
  gcc -O2 -ftree-vectorize -fvect-cost-model=dynamic -ffp-contract=off -mpopcnt -Wall -Wextra \
    -I"$k" -I"$inc/jerry-core/include" -I"$inc/jerry-ext/include" \
    "$h/host.c" "$k/kernels.c" "$k/frontend.c" "$k/frontend-tables.c" \
    "$lib/libjerry-ext.a" "$lib/libjerry-core.a" "$lib/libjerry-port.a" -lm -o "$w/earshot-jerry"
  cp "$w/earshot-jerry" "$CACHE/bin/earshot-jerry"
}

build_one() {
  local name=$1 bin archive key base dep=""
  case $name in
    wasm3-cli) bin=wasm3 ;;
    wasm3) bin=earshot-wasm3 ;;
    jerryscript) bin=jerry ;;
    jerryscript-native) bin=earshot-jerry ;;
    espruino) bin=espruino ;;
    espruino-budget) bin=espruino-budget ;;
    espruino-native) bin=espruino-native ;;
    *) note "unknown engine '$name' (espruino, espruino-budget, espruino-native, jerryscript, jerryscript-native, wasm3, wasm3-cli)"; return 2 ;;
  esac
  # The archive an engine is built from, and the engine whose build tree it builds on
  # (espruino's objects, jerryscript's libraries).
  case $name in
    espruino-budget) base=espruino ;;
    espruino-native) base=espruino dep=espruino ;;
    jerryscript-native) base=jerryscript dep=jerryscript ;;
    wasm3 | wasm3-cli) base=wasm3 ;;
    *) base=$name ;;
  esac
  [ "$name" = wasm3 ] && dep=jerryscript
  [ -n "$dep" ] && build_one "$dep"
  archive=$(archive_for "$base")
  if [ -z "$archive" ]; then
    note "SKIPPED $name: no $SRC/$name-*.tar.gz (tests that need it will skip)"
    return 0
  fi
  local src_hash
  src_hash=$(sources_hash "$name")
  key="$(basename "$archive") ${ENGINE_KEY[$name]}${src_hash:+ $src_hash}"
  if [ -x "$CACHE/bin/$bin" ] && [ "$(cat "$CACHE/bin/$bin.key" 2>/dev/null)" = "$key" ]; then
    note "$name cached ($CACHE/bin/$bin)"
    return 0
  fi
  note "building $name from $(basename "$archive") ..."
  mkdir -p "$CACHE/bin"
  rm -f "$CACHE/bin/$bin.key"
  local w
  if [ "$name" = jerryscript-native ]; then
    w="$CACHE/src/$name"
    rm -rf "$w" && mkdir -p "$w"
  else
    w=$(extract "$name" "$archive")
  fi
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
[ ${#names[@]} -eq 0 ] && names=(wasm3-cli jerryscript jerryscript-native wasm3 espruino espruino-budget espruino-native)
for n in "${names[@]}"; do build_one "$n"; done
