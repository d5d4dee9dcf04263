#!/usr/bin/env bash
# End-to-end check of the TLS path with real clients: curl --resolve and openssl s_client through the built
# snipool jar to nginx TLS backends. Needs java, nginx, curl, openssl and python3 (for free ports);
# .ci/run installs them. Usage: e2e/tls.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"

# A CA and one certificate per backend name.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=snipool e2e CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
for name in a.example.test any.wild.test; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\n' "$name" > "$work/$name.ext"
  openssl x509 -req -in "$work/$name.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
done

port_a=$(e2e_free_port); port_b=$(e2e_free_port); port_tls=$(e2e_free_port); port_admin=$(e2e_free_port)

e2e_nginx "$work/nginx" "$(cat <<SERVERS
  server {
    listen 127.0.0.1:$port_a ssl;
    ssl_certificate $work/a.example.test.pem;
    ssl_certificate_key $work/a.example.test.key;
    location / { return 200 "backend-a\n"; }
  }
  server {
    listen 127.0.0.1:$port_b ssl;
    ssl_certificate $work/any.wild.test.pem;
    ssl_certificate_key $work/any.wild.test.key;
    location / { return 200 "backend-b\n"; }
  }
SERVERS
)"

cat > "$work/snipool.yaml" <<CONF
listeners:
  - name: edge
    bind: 127.0.0.1:$port_tls
    mode: tls
    routes:
      - { hosts: [a.example.test], backends: ["127.0.0.1:$port_a"] }
      - { hosts: ["*.wild.test"], backends: ["127.0.0.1:$port_b"] }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: false }
CONF
e2e_start_snipool "$work/snipool.yaml"

e2e_wait_port "$port_a" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

fetch() { # fetch NAME: GET / through snipool for NAME, verifying the backend's certificate against the CA
  curl -sS --max-time 10 --cacert "$work/ca.pem" --resolve "$1:$port_tls:127.0.0.1" "https://$1:$port_tls/"
}

e2e_check "curl exact name reaches backend a" test "$(fetch a.example.test)" = "backend-a"
e2e_check "curl wildcard name reaches backend b" test "$(fetch any.wild.test)" = "backend-b"
e2e_check "curl with HTTP/1.1 ALPN reaches backend a" \
  test "$(curl -sS --http1.1 --max-time 10 --cacert "$work/ca.pem" \
          --resolve "a.example.test:$port_tls:127.0.0.1" "https://a.example.test:$port_tls/")" = "backend-a"

s_client_out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port_tls" -servername a.example.test \
  -CAfile "$work/ca.pem" -verify_return_error 2>&1 || true)
e2e_check "openssl s_client verifies backend a's certificate" grep -q "Verify return code: 0 (ok)" <<<"$s_client_out"
e2e_check "openssl s_client sees subject a.example.test" grep -q "CN = a.example.test" <<<"$s_client_out"

unknown_out=$(curl -sS --max-time 10 --cacert "$work/ca.pem" --resolve "nope.test:$port_tls:127.0.0.1" \
  "https://nope.test:$port_tls/" 2>&1 || true)
e2e_check "an unknown name gets the unrecognized_name alert" grep -qi "unrecognized name" <<<"$unknown_out"

metrics=$(curl -sf "http://127.0.0.1:$port_admin/metrics")
e2e_check "metrics count the tunnels" \
  grep -Eq '^snipool_connections_total\{listener="edge",outcome="tunnelled"\} [4-9]' <<<"$metrics"
e2e_check "metrics count the refused name" \
  grep -q '^snipool_connections_total{listener="edge",outcome="no_route"} 1.0' <<<"$metrics"

if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; cat "$work/snipool.log"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/tls.sh: all checks passed"
