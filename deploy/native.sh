#!/usr/bin/env bash
# Builds earshot's optional native Node addon (host/native/c: N-API, plain C) into a cache folder,
# and reuses what is already built there. Nothing needs it: without it earshot runs the wasm
# kernels (host/native/load.ts chooses at start-up; `earshot doctor` names the path in use).
#
#   deploy/native.sh            (also run by deploy/install-test-deps.sh; npm run build:native)
#
# Needs a C compiler ($CC, else gcc, else cc) and Node's headers (node_api.h beside the node
# binary, or $EARSHOT_NODE_INCLUDE). Without them it says so and exits 0.
# Cache: $EARSHOT_NATIVE_CACHE, else <repo>/.cache/native (gitignored): earshot.node and its .key
# (a hash of the sources, flags, compiler and CPU), so a rerun with nothing changed is instant.
# -march=native: the build is for this machine's CPU (the key changes with the CPU); the integer
# kernels give the same bits on any CPU, and -ffp-contract=off keeps the float steps unfused.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${EARSHOT_NATIVE_CACHE:-$ROOT/.cache/native}
SRC_DIR=$ROOT/host/native/c
KERNELS=$ROOT/device/targets/c-kernels
# Order matters (the key hashes them in this order; load.ts repeats it): sorted names.
SOURCES=("$SRC_DIR"/*.c "$KERNELS/kernels.c" "$KERNELS/frontend.c")
HEADERS=("$SRC_DIR"/*.h "$KERNELS/kernels.h" "$KERNELS/frontend.h")
FLAGS=(-O3 -march=native -ffp-contract=off -fPIC -shared -std=gnu11 -Wall -Wextra
       -Wno-unused-parameter -pthread)

note() { echo "native: $*" >&2; }

CC=${CC:-}
if [ -z "$CC" ]; then
  for c in gcc cc clang; do command -v "$c" >/dev/null && { CC=$c; break; }; done
fi
if [ -z "$CC" ]; then
  note "SKIPPED: no C compiler (gcc/cc/clang); earshot uses the wasm kernels"
  exit 0
fi
NODE_BIN=$(command -v node || true)
INC=${EARSHOT_NODE_INCLUDE:-}
if [ -z "$INC" ] && [ -n "$NODE_BIN" ]; then
  INC=$(dirname "$(readlink -f "$NODE_BIN")")/../include/node
fi
if [ -z "$INC" ] || [ ! -f "$INC/node_api.h" ]; then
  note "SKIPPED: no Node headers (node_api.h) at ${INC:-?}; earshot uses the wasm kernels"
  exit 0
fi

cpu=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m)
# The key's first word hashes the sources alone: host/native/load.ts recomputes it and refuses a
# stale addon (one built from other kernels than the checkout's).
src=$(cat "${SOURCES[@]}" "${HEADERS[@]}" | sha256sum | cut -c1-16)
key="$src $(sha256sum <"$INC/node_api.h" | cut -c1-16) $("$CC" --version | head -1 | tr ' ' '_')"
key="$key $(echo "${FLAGS[*]} $cpu" | sha256sum | cut -c1-16)"
out=$CACHE/earshot.node
if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
  note "cached ($out)"
  exit 0
fi
mkdir -p "$CACHE"
rm -f "$out.key"
tmp=$(mktemp "$CACHE/earshot.node.XXXXXX")
if ! "$CC" "${FLAGS[@]}" -I"$INC" "${SOURCES[@]}" -o "$tmp" -lm; then
  rm -f "$tmp"
  note "FAILED to compile the addon; earshot uses the wasm kernels"
  exit 1
fi
chmod 755 "$tmp"
mv "$tmp" "$out"
echo "$key" >"$out.key"
note "built ($out)"
