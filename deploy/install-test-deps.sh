#!/usr/bin/env bash
# Installs and starts what earshot's test suite needs on a fresh Debian machine (run as root):
# device engines (duk, libduktape, lua5.3, wabt), the C toolchain for the Duktape host,
# mosquitto and PostgreSQL for the fleet tests, numpy for the feature cross-check, valgrind for
# `device run --callgrind-out` and bench:device, gdb for `device run --js-profile`, chromium for
# the dashboard test (driven by playwright-core); then builds the device's target engines
# (deploy/engines.sh) and earshot's optional native addon (deploy/native.sh).
# Idempotent: packages already present are not reinstalled, running servers are left alone.
set -euo pipefail

PKGS=(duktape duktape-dev lua5.3 liblua5.3-dev wabt mosquitto mosquitto-clients postgresql
      python3 python3-numpy build-essential chromium cmake git valgrind gdb)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL: tests create and drop their own databases on the local server.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi
# The tests connect as postgres@127.0.0.1 without a password (EARSHOT_TEST_PG); Debian's default
# pg_hba.conf asks for one on 127.0.0.1. Trust that one user on loopback (test machines only).
if command -v pg_ctlcluster >/dev/null; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  line="host all postgres 127.0.0.1/32 trust # earshot tests"
  if [ -f "$hba" ] && ! grep -qF "$line" "$hba"; then
    { echo "$line"; cat "$hba"; } > "$hba.new" && mv "$hba.new" "$hba"
    chown postgres:postgres "$hba" 2>/dev/null || true
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true
  fi
fi
# Mosquitto: tests start their own brokers on free ports with their own configs; the system
# broker is only started so `earshot fleet` works out of the box.
if command -v mosquitto >/dev/null && ! (echo > /dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
fi
# Device engines (Espruino, JerryScript, wasm3) from the pinned sources in ../shared/engines, built
# once into .cache/engines (deploy/engines.sh skips loudly when the sources are absent). Runs as
# the invoking user so the cache stays writable by the test runner.
if [ -n "${SUDO_USER:-}" ]; then
  sudo -u "$SUDO_USER" "$(dirname "$0")/engines.sh"
else
  "$(dirname "$0")/engines.sh"
fi
# The native addon (host inference and training kernels; optional, earshot falls back to wasm).
if [ -n "${SUDO_USER:-}" ]; then
  sudo -u "$SUDO_USER" "$(dirname "$0")/native.sh" || echo "native addon not built (wasm kernels will run)"
else
  "$(dirname "$0")/native.sh" || echo "native addon not built (wasm kernels will run)"
fi
echo "test dependencies ready"
