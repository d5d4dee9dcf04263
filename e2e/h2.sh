#!/usr/bin/env bash
# End-to-end check of HTTP/2 with real clients and a real h2 backend: curl --http2 and h2load through the built
# snipool jar. A tls listener terminates *.h2.test (ALPN: the default, h2 first) to a plain HTTP/1.1 nginx and, on
# grpc.h2.test, to nghttpd speaking h2c (backend_protocol: h2c) with gRPC-style trailers; an http listener accepts h2c
# with prior knowledge beside HTTP/1.1. Proves the points of the feature: h2 clients are served through the pool
# (many h2 streams cost the backends a handful of connections), trailers pass end to end, a name the certificate does
# not cover is refused on a coalesced connection, and HTTP/1.1 clients on the same listeners are unaffected.
# Needs java, nginx, nghttpd (nghttp2-server), h2load (nghttp2-client), curl, openssl and python3; .ci/run installs
# them. Usage: e2e/h2.sh [path/to/snipool.jar]
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
accepted() { # connections the nginx backend has accepted so far, by its own count (this reading's included)
  timeout 15 curl -sf --max-time 10 "http://127.0.0.1:$port_plain/stub" | awk 'NR == 3 { print $1 }'
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
metric() { # metric NAME-AND-LABELS-PREFIX: the sum of the matching series
  timeout 15 curl -sf --max-time 10 "http://127.0.0.1:$port_admin/metrics" \
    | awk -v p="$1" 'index($0, p) == 1 { s += $NF } END { print s + 0 }'
}

# --- 1. ALPN picks h2 first; HTTP/1.1 clients on the same listener are unaffected.
v=$(https_curl www.h2.test --http2 -o "$work/body" -w '%{http_version}' https://www.h2.test:$port_tls/) || true
e2e_check "curl --http2 through a terminating route speaks h2" [ "$v" = 2 ]
e2e_check "  and reaches the HTTP/1.1 backend as https" grep -q "plain-backend host=www.h2.test proto=https" "$work/body"
v=$(https_curl www.h2.test --http1.1 -o "$work/body" -w '%{http_version}' https://www.h2.test:$port_tls/) || true
e2e_check "curl --http1.1 on the same listener still speaks HTTP/1.1" [ "$v" = 1.1 ]

# --- 2. h2c with prior knowledge beside HTTP/1.1 on one http listener.
v=$(timeout 30 curl -sS --max-time 15 --http2-prior-knowledge -o "$work/body" -w '%{http_version}' \
  -H 'Host: www.h2.test' "http://127.0.0.1:$port_clear/") || true
e2e_check "curl --http2-prior-knowledge on an http listener speaks h2c" [ "$v" = 2 ]
e2e_check "  and reaches the backend as http" grep -q "proto=http$" "$work/body"
v=$(timeout 30 curl -sS --max-time 15 --http1.1 -o /dev/null -w '%{http_version} %{http_code}' \
  -H 'Host: www.h2.test' "http://127.0.0.1:$port_clear/") || true
e2e_check "curl --http1.1 on the prior-knowledge listener still gets 200 over HTTP/1.1" [ "$v" = "1.1 200" ]
code=$(timeout 30 curl -sS --max-time 15 --http2 -o /dev/null -w '%{http_version} %{http_code}' \
  -H 'Host: www.h2.test' "http://127.0.0.1:$port_clear/") || true
e2e_check "Upgrade: h2c is not honoured (answered over HTTP/1.1)" [ "${code%% *}" = 1.1 ]

# --- 3. A name outside the connection's certificate, sent on it (connection coalescing): 421.
code=$(https_curl www.h2.test --http2 -o /dev/null -w '%{http_code}' -H 'Host: other.test' \
  https://www.h2.test:$port_tls/) || true
e2e_check "an :authority the certificate does not cover gets 421" [ "$code" = 421 ]

# --- 4. h2load: 2,000 requests over 4 connections, 16 streams each, through the pool to the HTTP/1.1 backend.
before=$(accepted)
e2e_check "h2load: 2000 h2 requests through a terminating route all succeed" \
  h2load_ok "$work/h2load-www.txt" 2000 -n 2000 -c 4 -m 16 --connect-to "127.0.0.1:$port_tls" \
  "https://www.h2.test:$port_tls/"
after=$(accepted)
# 4 connections x 16 streams need at most 64 backend connections at once (a few more while the pool warms); each
# reused for many requests. Without the pool each request would cost one.
new=$((after - before - 1))
e2e_check "  cost the HTTP/1.1 backend at most 80 new connections (got $new)" [ "$new" -le 80 ]

# --- 5. The h2c backend: trailers end to end, a 1 MiB body under flow control, multiplexed backend connections.
https_curl grpc.h2.test --http2 -D "$work/grpc-headers" -o "$work/grpc-body" https://grpc.h2.test:$port_tls/hello.txt || true
e2e_check "the h2c backend's body reaches the h2 client" grep -q "nghttpd-backend" "$work/grpc-body"
e2e_check "  with its trailers (grpc-status: 0)" grep -qi "^grpc-status: 0" "$work/grpc-headers"
https_curl grpc.h2.test --http2 -o "$work/big.out" https://grpc.h2.test:$port_tls/big.bin || true
e2e_check "a 1 MiB response from the h2c backend arrives whole" cmp -s "$work/big.out" "$work/htdocs/big.bin"
e2e_check "h2load: 1000 h2 requests to the h2c backend route all succeed" \
  h2load_ok "$work/h2load-grpc.txt" 1000 -n 1000 -c 2 -m 50 --connect-to "127.0.0.1:$port_tls" \
  "https://grpc.h2.test:$port_tls/hello.txt"
n=$(h2c_backend_connections)
# 100 streams at once fit in one multiplexed connection (nghttpd allows 100): a handful, not one per stream.
e2e_check "  over a handful of multiplexed h2c backend connections (open: $n)" within "$n" 1 4

# --- 6. The access log and the metrics saw h2.
e2e_check "the access log shows HTTP/2 requests" grep -q 'HTTP/2' "$work/access.log"

if [ "$E2E_FAILURES" -gt 0 ]; then
  echo "--- snipool log"; tail -n 50 "$work/snipool.log"
  echo "$E2E_FAILURES e2e check(s) failed"
  exit 1
fi
echo "all h2 e2e checks passed"
