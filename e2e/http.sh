#!/usr/bin/env bash
# End-to-end check of the HTTP path with real peers: curl through the built snipool jar to an nginx backend.
# Proves the pool is real: with every client request sending "Connection: close", nginx itself (stub_status)
# sees almost no new connections. Needs java, nginx, curl and python3; .ci/run installs them.
# Usage: e2e/http.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"

port_backend=$(e2e_free_port); port_http=$(e2e_free_port); port_admin=$(e2e_free_port)

e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port_backend;
    location = /stub { stub_status; }
    location / { add_header X-Seen-Forwarded-For \$http_x_forwarded_for; return 200 "backend says hi\n"; }
  }
SERVERS
)"

cat > "$work/snipool.yaml" <<CONF
listeners:
  - name: web
    bind: 127.0.0.1:$port_http
    mode: http
    routes:
      - hosts: [app.test]
        backends: ["127.0.0.1:$port_backend"]
        pool: { min_idle_per_host: 2 }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: false }
CONF
e2e_start_snipool "$work/snipool.yaml"

e2e_wait_port "$port_backend" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

accepted() { # connections nginx has accepted so far (its own count; this request adds one through snipool)
  curl -sf -H 'Host: app.test' "http://127.0.0.1:$port_http/stub" | awk 'NR == 3 { print $1 }'
}

body=$(curl -sS --max-time 10 -H 'Host: app.test' "http://127.0.0.1:$port_http/")
e2e_check "a request reaches the backend" test "$body" = "backend says hi"
headers=$(curl -sS --max-time 10 -D - -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$port_http/")
e2e_check "the backend saw X-Forwarded-For" grep -qi '^x-seen-forwarded-for: 127.0.0.1' <<<"$headers"
e2e_check "an unknown host gets 421" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: other.test' "http://127.0.0.1:$port_http/")" = 421
e2e_check "obs-fold is refused with 400" test "$(printf 'GET / HTTP/1.1\r\nHost: app.test\r\nX: a\r\n b\r\n\r\n' \
  | timeout 10 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",'"$port_http"')); s.sendall(sys.stdin.buffer.read()); print(s.recv(100).split()[1].decode())')" = 400

before=$(accepted)
# 500 requests, each on its own client connection that the client closes ("Connection: close").
codes=$(curl -s -o /dev/null -w '%{http_code}\n' -H 'Host: app.test' -H 'Connection: close' \
  "http://127.0.0.1:$port_http/?[1-500]" | sort | uniq -c)
e2e_check "500 requests with Connection: close all answered 200" grep -Eq '^ *500 200$' <<<"$codes"
after=$(accepted)
new_backend_connections=$((after - before - 1))
echo "     nginx accepted $new_backend_connections new connections for 500 client connections"
e2e_check "the backend saw at most 2 new connections" test "$new_backend_connections" -le 2

metrics=$(curl -sf "http://127.0.0.1:$port_admin/metrics")
hits=$(awk '/^snipool_pool_hits_total/ { print $2 }' <<<"$metrics")
misses=$(awk '/^snipool_pool_misses_total/ { print $2 }' <<<"$metrics")
ratio=$(python3 -c "print(f'{$hits / ($hits + $misses):.4f}')")
echo "     pool hits $hits, misses $misses, hit ratio $ratio"
e2e_check "pool hit ratio at least 0.99" python3 -c "import sys; sys.exit(0 if $ratio >= 0.99 else 1)"
pools=$(curl -sf "http://127.0.0.1:$port_admin/api/pools")
e2e_check "/api/pools reports the backend" grep -q "\"backend\" : \"127.0.0.1:$port_backend\"" <<<"$pools"

if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; cat "$work/snipool.log"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/http.sh: all checks passed"
