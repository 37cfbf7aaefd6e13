#!/usr/bin/env bash
# Local TLS material for the Pedregal Spark gateway, generated with openssl.
#
#   certs.sh DIR
#
# Writes into DIR (idempotent: valid existing files are kept):
#   ca.crt, ca.key          a local CA (RSA 2048, 10 years)
#   server.crt, server.key  a server certificate signed by that CA (RSA 2048, 825 days), CN=localhost,
#                           SAN DNS:localhost, IP:127.0.0.1, DNS:*.spark.local; keys are PEM (PKCS#8), unencrypted
# and prints the four paths. Clients trust the gateway with ca.crt.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "${SCRIPT_DIR}/lib.sh"

[[ $# -eq 1 ]] || usage
command -v openssl >/dev/null 2>&1 || die "openssl not found"

mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
CA_CRT="${DIR}/ca.crt"
CA_KEY="${DIR}/ca.key"
SRV_CRT="${DIR}/server.crt"
SRV_KEY="${DIR}/server.key"

CA_DAYS=3650
SRV_DAYS=825
SAN="DNS:localhost,IP:127.0.0.1,DNS:*.spark.local"
MIN_VALIDITY=$((30 * 24 * 3600))   # regenerate what expires within 30 days

umask 077
WORK="$(mktemp -d "${DIR}/.certs.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT

pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }

ca_ok() {
  [[ -s "${CA_CRT}" && -s "${CA_KEY}" ]] || return 1
  openssl x509 -in "${CA_CRT}" -noout -checkend "${MIN_VALIDITY}" >/dev/null 2>&1 || return 1
  [[ "$(pubkey_of_cert "${CA_CRT}")" == "$(pubkey_of_key "${CA_KEY}")" ]] || return 1
}

server_ok() {
  [[ -s "${SRV_CRT}" && -s "${SRV_KEY}" ]] || return 1
  openssl verify -CAfile "${CA_CRT}" "${SRV_CRT}" >/dev/null 2>&1 || return 1
  openssl x509 -in "${SRV_CRT}" -noout -checkend "${MIN_VALIDITY}" >/dev/null 2>&1 || return 1
  [[ "$(pubkey_of_cert "${SRV_CRT}")" == "$(pubkey_of_key "${SRV_KEY}")" ]] || return 1
  # the SANs we promise must all be there
  local san
  san="$(openssl x509 -in "${SRV_CRT}" -noout -text 2>/dev/null | grep -A1 'Subject Alternative Name' | tail -n 1)"
  [[ "${san}" == *"DNS:localhost"* && "${san}" == *"IP Address:127.0.0.1"* && "${san}" == *"DNS:*.spark.local"* ]]
}

serial() { echo "0x$(openssl rand -hex 16)"; }

make_ca() {
  log "generating local CA in ${DIR}"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${WORK}/ca.key" 2>/dev/null
  cat > "${WORK}/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = Pedregal local development
CN = Pedregal Local CA
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  openssl req -new -x509 -config "${WORK}/ca.cnf" -key "${WORK}/ca.key" -sha256 \
    -days "${CA_DAYS}" -set_serial "$(serial)" -out "${WORK}/ca.crt"
  mv -f "${WORK}/ca.key" "${CA_KEY}"
  mv -f "${WORK}/ca.crt" "${CA_CRT}"
}

make_server() {
  log "generating server certificate (CN=localhost, SAN ${SAN}) in ${DIR}"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${WORK}/server.key" 2>/dev/null
  openssl req -new -key "${WORK}/server.key" -subj "/O=Pedregal local development/CN=localhost" \
    -out "${WORK}/server.csr"
  cat > "${WORK}/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = ${SAN}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF
  openssl x509 -req -in "${WORK}/server.csr" -CA "${CA_CRT}" -CAkey "${CA_KEY}" -set_serial "$(serial)" \
    -sha256 -days "${SRV_DAYS}" -extfile "${WORK}/server.ext" -out "${WORK}/server.crt" 2>/dev/null
  openssl verify -CAfile "${CA_CRT}" "${WORK}/server.crt" >/dev/null || die "freshly signed server.crt does not verify"
  mv -f "${WORK}/server.key" "${SRV_KEY}"
  mv -f "${WORK}/server.crt" "${SRV_CRT}"
}

if ca_ok; then
  if server_ok; then
    log "existing CA and server certificate in ${DIR} are valid; kept"
  else
    make_server
  fi
else
  make_ca
  make_server
fi

chmod 600 "${CA_KEY}" "${SRV_KEY}"
chmod 644 "${CA_CRT}" "${SRV_CRT}"
openssl verify -CAfile "${CA_CRT}" "${SRV_CRT}" >&2 || die "server.crt does not verify against ca.crt"

echo "${CA_CRT}"
echo "${CA_KEY}"
echo "${SRV_CRT}"
echo "${SRV_KEY}"
