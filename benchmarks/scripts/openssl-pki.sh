#!/usr/bin/env bash
# Fallback PKI for benchmarks/run.sh when `portcullis certs` is unavailable: EC P-256 CA, a
# server certificate for localhost/127.0.0.1 and a client certificate (clientAuth EKU), the same
# file names as `portcullis certs --out DIR`.   usage: openssl-pki.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }
key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/O=Portcullis Bench/CN=Portcullis Bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
issue() {  # name subject extensions
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 30 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server "/O=Portcullis Bench/CN=localhost" \
  "$(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1')"
issue client "/O=Portcullis Bench/CN=bench-client" \
  "$(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth')"
rm -f ca.srl
