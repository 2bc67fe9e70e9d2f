#!/usr/bin/env bash
# Private CA + broker certificate for deploy/mosquitto/tls.conf (openssl).
# usage: gen-certs.sh OUT_DIR BROKER_HOSTNAME [DAYS]
set -euo pipefail
out=${1:?usage: gen-certs.sh OUT_DIR BROKER_HOSTNAME [DAYS]}
host=${2:?broker hostname (what devices connect to)}
days=${3:-825}
mkdir -p "$out"
cd "$out"
umask 077
if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=earshot fleet CA" 2>/dev/null
fi
openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=$host" 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$host" > broker.ext
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt \
  -days "$days" -extfile broker.ext 2>/dev/null
rm -f broker.csr broker.ext
chmod 644 ca.crt broker.crt
echo "wrote $out/ca.crt (give to devices), $out/broker.crt, $out/broker.key"
openssl verify -CAfile ca.crt broker.crt
