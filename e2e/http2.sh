#!/usr/bin/env bash
# End-to-end check of HTTP/2 from clients with real h2 clients: curl --http2 and h2load through the built snipool
# jar, to a plain HTTP/1.1 nginx backend with keep-alive. A tls listener terminates a.example.test with the default
# ALPN ([h2, http/1.1]); an http listener takes h2c with prior knowledge beside HTTP/1.1. Proves: both negotiate
# h2, HTTP/1.1 clients still work on both, Upgrade: h2c is not honoured, and thousands of h2 streams reach the
# backend over few pooled connections (nginx's own stub_status count).
# Needs java, nginx, curl (with HTTP/2), h2load, openssl and python3. Usage: e2e/http2.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"

pki() { timeout 30 openssl "$@" 2>/dev/null; }
pki req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=snipool e2e CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem"
pki req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=a.example.test" \
  -keyout "$work/a.key" -out "$work/a.csr"
printf 'subjectAltName=DNS:a.example.test\n' > "$work/a.ext"
pki x509 -req -in "$work/a.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/a.ext" -out "$work/a.pem"

port_plain=$(e2e_free_port); port_tls=$(e2e_free_port); port_h2c=$(e2e_free_port); port_admin=$(e2e_free_port)

e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
  client_max_body_size 10m;
  server {
    listen 127.0.0.1:$port_plain;
    location = /stub { stub_status; }
    # Reads the whole request body before it answers (proxy_request_buffering), as an upload's endpoint does.
    location = /upload { proxy_pass http://127.0.0.1:$port_plain/uploaded; }
    location = /uploaded { return 200 "uploaded\n"; }
    location / { return 200 "plain-backend host=\$host proto=\$http_x_forwarded_proto upgrade=\$http_upgrade\n"; }
  }
SERVERS
)"

cat > "$work/snipool.yaml" <<CONF
listeners:
  - name: edge
    bind: 127.0.0.1:$port_tls
    mode: tls
    tls:
      certificates:
        - { cert: a.pem, key: a.key }
    routes:
      - { hosts: [a.example.test], terminate: true, backends: ["127.0.0.1:$port_plain"] }
  - name: web
    bind: 127.0.0.1:$port_h2c
    mode: http
    http2: prior_knowledge
    routes:
      - { hosts: [a.example.test], backends: ["127.0.0.1:$port_plain"] }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: true, path: "$work/access.log" }
CONF
e2e_start_snipool "$work/snipool.yaml"
e2e_wait_port "$port_plain" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

tls_curl() { # tls_curl [curl args] URL-PATH: curl to a.example.test on the tls listener, verifying against the CA
  timeout 60 curl -sS --max-time 15 --cacert "$work/ca.pem" --resolve "a.example.test:$port_tls:127.0.0.1" "$@"
}
h2c_curl() {
  timeout 60 curl -sS --max-time 15 -H "Host: a.example.test" "$@"
}
accepted() { # connections the backend has accepted so far, by its own count (this reading's included)
  timeout 15 curl -sf --max-time 10 "http://127.0.0.1:$port_plain/stub" | awk 'NR == 3 { print $1 }'
}
version_and_body() { # prints "<http version> <body>"
  local out; out=$("$@" -w ' %{http_version}' 2>&1) || true
  echo "${out##* } ${out% *}"
}

result=$(version_and_body tls_curl --http2 "https://a.example.test:$port_tls/")
e2e_check "curl --http2 on the terminating route negotiates h2 (got: $result)" \
  test "$result" = "2 plain-backend host=a.example.test proto=https upgrade="
result=$(version_and_body tls_curl --http1.1 "https://a.example.test:$port_tls/")
e2e_check "curl --http1.1 on the same listener gets HTTP/1.1 (got: $result)" \
  test "$result" = "1.1 plain-backend host=a.example.test proto=https upgrade="
result=$(version_and_body h2c_curl --http2-prior-knowledge "http://127.0.0.1:$port_h2c/")
e2e_check "curl --http2-prior-knowledge on the http listener gets h2c (got: $result)" \
  test "$result" = "2 plain-backend host=a.example.test proto=http upgrade="
result=$(version_and_body h2c_curl --http1.1 "http://127.0.0.1:$port_h2c/")
e2e_check "curl --http1.1 on the same listener gets HTTP/1.1 (got: $result)" \
  test "$result" = "1.1 plain-backend host=a.example.test proto=http upgrade="
result=$(version_and_body h2c_curl --http2 "http://127.0.0.1:$port_h2c/")
e2e_check "curl --http2 (Upgrade: h2c) stays HTTP/1.1 and no Upgrade reaches the backend (got: $result)" \
  test "$result" = "1.1 plain-backend host=a.example.test proto=http upgrade="
head -c 3000000 /dev/urandom > "$work/big.bin"
e2e_check "a 3 MB upload over h2c (beyond every window) is answered 200" \
  test "$(h2c_curl --http2-prior-knowledge -o /dev/null -w '%{http_code}' --data-binary @"$work/big.bin" \
    "http://127.0.0.1:$port_h2c/upload")" = 200

before=$(accepted)
timeout 120 h2load -n 4000 -c 4 -m 10 --connect-to="127.0.0.1:$port_tls" "https://a.example.test:$port_tls/" \
  > "$work/h2load-tls.txt" 2>&1 || true
timeout 120 h2load -n 4000 -c 4 -m 10 -H ":authority: a.example.test" "http://127.0.0.1:$port_h2c/" \
  > "$work/h2load-h2c.txt" 2>&1 || true
after=$(accepted)
for run in tls h2c; do
  e2e_check "h2load ($run): 4000 streams on 4 connections all succeed" \
    grep -q "4000 succeeded, 0 failed, 0 errored" "$work/h2load-$run.txt"
done
grep -E "^requests:|Application protocol" "$work/h2load-tls.txt" "$work/h2load-h2c.txt" | sed 's/^/     /'
# 8000 streams, at most 40 in flight on each listener at once (4 connections x 10): the pool reuses connections.
e2e_check "8000 h2 streams reached the backend on at most 100 new connections (got $((after - before - 1)))" \
  test $((after - before - 1)) -le 100
metrics=$(timeout 15 curl -sf "http://127.0.0.1:$port_admin/metrics")
e2e_check "snipool_http2_streams_total counts the streams" \
  grep -qE 'snipool_http2_streams_total\{listener="edge"\} 400[0-9]' <<<"$metrics"

if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; cat "$work/snipool.log"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/http2.sh: all checks passed"
