#!/bin/sh
# Generates the certificates the TLS tests use into DIR (created if
# needed), with the OpenSSL 3 command line. Nothing here is committed: the
# tests run this once in their setup, into a mkdtemp() directory.
#
#   ca.pem ca.key            the test CA
#   other_ca.pem other_ca.key an unrelated CA (verifies nothing of ours)
#   server.pem server.key    CN localhost; DNS:localhost, IP:127.0.0.1,
#                            IP:::1; signed by the CA
#   server_combined.pem      server.pem followed by server.key
#   wrongname.pem .key       DNS:example.invalid only; signed by the CA
#   expired.pem .key         as server.pem, valid 2020-01-01..2021-01-01
#   client.pem client.key    CN mg test client, clientAuth; signed by the CA
#
# Keys are EC P-256 (fast to make). Usage: test/tls_certs.sh DIR
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
command -v openssl >/dev/null || {
  echo "$0: openssl is missing; install it with: apt-get install -y openssl" >&2
  exit 1
}
mkdir -p "$1"
cd "$1"

EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

# new_ca NAME CN: a self-signed CA certificate NAME.pem with key NAME.key.
new_ca() {
  openssl req -x509 $EC -keyout "$1.key" -out "$1.pem" -days 3650 \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# new_csr NAME CN: a key NAME.key and a request NAME.csr.
new_csr() {
  openssl req -new $EC -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
    2>/dev/null
}

# ext NAME USAGE SAN: the extension section [v3] for a leaf certificate.
ext() {
  {
    echo "[v3]"
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$2"
    if [ -n "$3" ]; then echo "subjectAltName=$3"; fi
  } > "$1.ext"
}

# sign NAME SERIAL: NAME.pem from NAME.csr and NAME.ext, signed by the CA.
sign() {
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
    -set_serial "$2" -days 825 -sha256 -extfile "$1.ext" -extensions v3 \
    -out "$1.pem" 2>/dev/null
}

SAN="DNS:localhost,IP:127.0.0.1,IP:::1"

new_ca ca "mg test CA"
new_ca other_ca "mg unrelated CA"

new_csr server localhost
ext server serverAuth "$SAN"
sign server 1001
cat server.pem server.key > server_combined.pem

new_csr wrongname example.invalid
ext wrongname serverAuth "DNS:example.invalid"
sign wrongname 1002

new_csr client "mg test client"
ext client clientAuth ""
sign client 1003

# The expired certificate: `openssl x509 -req` (3.0) cannot set a start
# date in the past, `openssl ca` can. A minimal CA configuration for it.
mkdir -p ca_db
: > ca_db/index.txt
echo 1004 > ca_db/serial
cat > ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = ca_db/index.txt
serial = ca_db/serial
new_certs_dir = ca_db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
[any_policy]
commonName = supplied
EOF
new_csr expired localhost
ext expired serverAuth "$SAN"
openssl ca -batch -config ca.cnf -notext -startdate 20200101000000Z \
  -enddate 20210101000000Z -extfile expired.ext -extensions v3 \
  -in expired.csr -out expired.pem 2>/dev/null

rm -rf ca_db ca.cnf ./*.csr ./*.ext
