#!/usr/bin/env bash
# End-to-end check of HTTP/2 to backends with a real h2 server: nghttpd (nghttp2-server) speaking h2c, behind the
# built snipool jar, with gRPC-style trailers on every response. A tls listener terminates *.h2.test (ALPN: the
# default, h2 first): www.h2.test to a plain HTTP/1.1 nginx, grpc.h2.test to nghttpd (backend_protocol: h2c); an http
# listener with h2c prior knowledge routes grpc.h2.test to nghttpd too. Proves: h2 clients reach an h2c backend whole
# (a 1 MiB body under both flow controls), trailers pass end to end (read with nghttp, which prints them), many h2
# streams share a handful of multiplexed backend connections, and a name the connection's certificate does not cover
# is refused on a coalesced connection (421). e2e/http2.sh covers the client side to HTTP/1.1 backends.
# Needs java, nginx, nghttpd, nghttp and h2load (nghttp2-server, nghttp2-client), curl, openssl and python3;
# .ci/run installs them. Usage: e2e/http2-backend.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"

# --- PKI: a root CA and *.h2.test (ECDSA P-256) signed by it.
pki() { timeout 30 openssl "$@" 2>/dev/null; }
pki req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=snipool e2e CA" -keyout "$work/ca.key" -out "$work/ca.pem"
pki req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=*.h2.test" \
  -keyout "$work/h2.key" -out "$work/h2.csr"
printf 'subjectAltName=DNS:*.h2.test\n' > "$work/h2.ext"
pki x509 -req -in "$work/h2.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/h2.ext" -out "$work/h2.pem"

port_plain=$(e2e_free_port); port_h2c=$(e2e_free_port); port_admin=$(e2e_free_port)
port_tls=$(e2e_free_port); port_clear=$(e2e_free_port)

# --- backends: nginx speaking HTTP/1.1 with keep-alive (stub_status counts its connections); nghttpd speaking h2c
# with prior knowledge, serving files with two trailers on every response that has a body.
e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port_plain;
    location = /stub { stub_status; }
    location / { return 200 "plain-backend host=\$host proto=\$http_x_forwarded_proto\n"; }
  }
SERVERS
)"
mkdir -p "$work/htdocs"
printf 'nghttpd-backend\n' > "$work/htdocs/hello.txt"
head -c 1048576 /dev/urandom > "$work/htdocs/big.bin"
nghttpd --no-tls -a 127.0.0.1 -d "$work/htdocs" --trailer 'grpc-status: 0' --trailer 'grpc-message: done' \
  "$port_h2c" > "$work/nghttpd.log" 2>&1 &
E2E_PIDS+=($!)

cat > "$work/snipool.yaml" <<CONF
listeners:
  - name: edge
    bind: 127.0.0.1:$port_tls
    mode: tls
    tls:
      certificates:
        - { cert: h2.pem, key: h2.key }
    routes:
      - { hosts: [www.h2.test], terminate: true, backends: ["127.0.0.1:$port_plain"] }
      - { hosts: [grpc.h2.test], terminate: true, backends: ["127.0.0.1:$port_h2c"], backend_protocol: h2c }
  - name: cleartext
    bind: 127.0.0.1:$port_clear
    mode: http
    http2: prior_knowledge
    routes:
      - { hosts: [www.h2.test], backends: ["127.0.0.1:$port_plain"] }
      - { hosts: [grpc.h2.test], backends: ["127.0.0.1:$port_h2c"], backend_protocol: h2c }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: true, path: "$work/access.log" }
CONF
e2e_start_snipool "$work/snipool.yaml"

e2e_wait_port "$port_plain" 20
e2e_wait_port "$port_h2c" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

# --- helpers
https_curl() { # https_curl NAME [curl args]: curl for NAME through the TLS listener, verifying against the root CA
  local name=$1; shift
  timeout 60 curl -sS --max-time 15 --cacert "$work/ca.pem" --resolve "$name:$port_tls:127.0.0.1" "$@"
}
h2c_backend_connections() { # connections established to nghttpd now
  ss -Htn state established "( sport = :$port_h2c )" | wc -l
}
h2load_ok() { # h2load_ok OUT REQUESTS [h2load args]: every request succeeded, by h2load's own summary
  local out=$1 requests=$2; shift 2
  timeout 120 h2load "$@" > "$out" 2>&1 || true
  grep -q "requests: $requests total, $requests started, $requests done, $requests succeeded" "$out" \
    || { echo "h2load: $(grep -E '^requests:|^status codes:' "$out" | tr '\n' ' ')" >&2; return 1; }
}
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }   # within N LOW HIGH

# --- 1. A name outside the connection's certificate, sent on it (connection coalescing): 421.
code=$(https_curl www.h2.test --http2 -o /dev/null -w '%{http_code}' -H 'Host: other.test' \
  https://www.h2.test:$port_tls/) || true
e2e_check "an :authority the certificate does not cover gets 421" [ "$code" = 421 ]

# --- 2. The h2c backend: trailers end to end, a 1 MiB body under flow control, multiplexed backend connections.
https_curl grpc.h2.test --http2 -o "$work/grpc-body" https://grpc.h2.test:$port_tls/hello.txt || true
e2e_check "the h2c backend's body reaches the h2 client" grep -q "nghttpd-backend" "$work/grpc-body"
# curl does not print trailers; nghttp prints every header it receives, the trailer section after the DATA.
timeout 30 nghttp -v -H ':authority: grpc.h2.test' "http://127.0.0.1:$port_clear/hello.txt" > "$work/nghttp.txt" 2>&1 \
  || true
e2e_check "the h2c backend's trailers reach an h2 client (grpc-status: 0 after the body)" \
  awk '/recv DATA frame/ { data = 1 } data && /recv \(stream_id=[0-9]+\) grpc-status: 0/ { found = 1 } END { exit !found }' \
  "$work/nghttp.txt"
e2e_check "  and grpc-message: done" grep -q "recv (stream_id=[0-9]*) grpc-message: done" "$work/nghttp.txt"
https_curl grpc.h2.test --http2 -o "$work/big.out" https://grpc.h2.test:$port_tls/big.bin || true
e2e_check "a 1 MiB response from the h2c backend arrives whole" cmp -s "$work/big.out" "$work/htdocs/big.bin"
e2e_check "h2load: 1000 h2 requests to the h2c backend route all succeed" \
  h2load_ok "$work/h2load-grpc.txt" 1000 -n 1000 -c 2 -m 50 --connect-to "127.0.0.1:$port_tls" \
  "https://grpc.h2.test:$port_tls/hello.txt"
n=$(h2c_backend_connections)
# 100 streams at once fit in one multiplexed connection (nghttpd allows 100): a handful, not one per stream.
e2e_check "  over a handful of multiplexed h2c backend connections (open: $n)" within "$n" 1 4

# --- 3. The access log and the metrics saw h2.
e2e_check "the access log shows HTTP/2 requests" grep -q 'HTTP/2' "$work/access.log"

if [ "$E2E_FAILURES" -gt 0 ]; then
  echo "--- snipool log"; tail -n 50 "$work/snipool.log"
  echo "$E2E_FAILURES e2e check(s) failed"
  exit 1
fi
echo "e2e/http2-backend.sh: all checks passed"
