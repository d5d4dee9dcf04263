#!/usr/bin/env bash
# End-to-end check of the Grafana dashboard and the alert rules against a real Prometheus: snipool (the built jar)
# serves HTTP, terminated TLS and re-encrypted traffic to nginx, and a route whose two backends are dead; a
# Prometheus scrapes its /metrics every second with deploy/prometheus/snipool-alerts.yaml loaded. Then every query
# of deploy/grafana/snipool-dashboard.json (template variables set to match all, $__rate_interval to 1m) and every
# template variable's label_values() is evaluated through Prometheus's HTTP API and must return data; the alerts
# for the dead backends must be active; and promtool checks and unit-tests the rules.
# Needs java, nginx, curl, openssl, python3 and prometheus (promtool); .ci/run installs them.
# Usage: e2e/prometheus.sh [path/to/snipool.jar]
# With E2E_SCREENSHOTS=DIR (and chromium), also saves Prometheus graph pages of the key dashboard queries to DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"
dashboard=$E2E_ROOT/deploy/grafana/snipool-dashboard.json
rules=$E2E_ROOT/deploy/prometheus/snipool-alerts.yaml

# --- the rules on their own: syntax, then the unit tests (each alert firing and not).
e2e_check "promtool check rules" promtool check rules "$rules"
e2e_check "promtool test rules" promtool test rules "$E2E_ROOT/deploy/prometheus/snipool-alerts.test.yaml"

# --- PKI: a root CA and a *.e2e.test leaf, served by snipool's terminating listener and by the TLS backend.
pki() { timeout 30 openssl "$@" 2>/dev/null; }
pki req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=snipool e2e CA" -keyout "$work/ca.key" -out "$work/ca.pem"
pki req -newkey rsa:2048 -nodes -subj "/CN=*.e2e.test" -keyout "$work/leaf.key" -out "$work/leaf.csr"
printf 'subjectAltName=DNS:*.e2e.test\n' > "$work/leaf.ext"
pki x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 20 \
  -extfile "$work/leaf.ext" -out "$work/leaf.pem"

port_plain=$(e2e_free_port); port_tls_backend=$(e2e_free_port); port_dead1=$(e2e_free_port)
port_dead2=$(e2e_free_port); port_dead3=$(e2e_free_port); port_http=$(e2e_free_port); port_edge=$(e2e_free_port)
port_admin=$(e2e_free_port); port_prom=$(e2e_free_port)

# keepalive_requests 40: nginx closes each connection after 40 requests, so the pool evicts (closed_by_peer) and
# "requests per connection" has data.
e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 40;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port_plain;
    location / { return 200 "plain\n"; }
  }
  server {
    listen 127.0.0.1:$port_tls_backend ssl;
    ssl_certificate $work/leaf.pem;
    ssl_certificate_key $work/leaf.key;
    location / { return 200 "tls\n"; }
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
        backends: ["127.0.0.1:$port_plain"]
        health_check: { type: http, interval: 1s }
      # Requests eject one backend (max_ejection_percent keeps the other in); the checks take down.test's down.
      - hosts: [dead.test]
        backends: ["127.0.0.1:$port_dead1", "127.0.0.1:$port_dead2"]
      - hosts: [down.test]
        backends: ["127.0.0.1:$port_dead3"]
        health_check: { type: tcp, interval: 1s }
      - hosts: [reenc.e2e.test]
        backends: ["127.0.0.1:$port_tls_backend"]
        backend_tls: { ca: $work/ca.pem }
  - name: edge
    bind: 127.0.0.1:$port_edge
    mode: tls
    tls: { certificates: [ { cert: $work/leaf.pem, key: $work/leaf.key } ] }
    routes:
      - { hosts: ["*.e2e.test"], terminate: true, backends: ["127.0.0.1:$port_plain"] }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: false }
CONF
e2e_start_snipool "$work/snipool.yaml"
e2e_wait_port "$port_plain" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

cat > "$work/prometheus.yml" <<CONF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ["$rules"]
scrape_configs:
  - job_name: snipool
    static_configs: [ { targets: ["127.0.0.1:$port_admin"] } ]
CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$port_prom" > "$work/prometheus.log" 2>&1 &
E2E_PIDS+=($!)
e2e_wait_http "http://127.0.0.1:$port_prom/-/ready" 60

# --- traffic for TRAFFIC_SECONDS: keep-alive and Connection: close HTTP, HTTPS to the terminating listener,
# re-encrypted requests, requests to the dead route (502s, connect errors, retries, ejections), a client that does
# not speak TLS to the TLS listener, and one reload.
traffic() {
  local until=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$until" ]; do
    curl -s --max-time 10 -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$port_http/?[1-100]" || true
    curl -s --max-time 10 -o /dev/null -H 'Host: app.test' -H 'Connection: close' "http://127.0.0.1:$port_http/?[1-20]" || true
    curl -s --max-time 10 -o /dev/null --cacert "$work/ca.pem" --resolve "a.e2e.test:$port_edge:127.0.0.1" \
      "https://a.e2e.test:$port_edge/?[1-10]" || true
    curl -s --max-time 10 -o /dev/null -H 'Host: reenc.e2e.test' "http://127.0.0.1:$port_http/?[1-10]" || true
    curl -s --max-time 10 -o /dev/null -H 'Host: dead.test' "http://127.0.0.1:$port_http/?[1-3]" || true
    curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port_edge/" || true
    sleep 0.2
  done
}
# Screenshots want a minute of graph: traffic then runs longer.
traffic "${TRAFFIC_SECONDS:-$([ -n "${E2E_SCREENSHOTS:-}" ] && echo 100 || echo 25)}" &
traffic_pid=$!
E2E_PIDS+=("$traffic_pid")
e2e_check "a reload succeeds" \
  test "$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port_admin/api/reload")" = 200

# Waits until Prometheus has scraped snipool for a while (at least 15 samples of the last minute).
samples() {
  curl -sf --max-time 10 "http://127.0.0.1:$port_prom/api/v1/query" --data-urlencode 'query=count_over_time(up{job="snipool"}[1m])' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' \
    2>/dev/null || echo 0
}
deadline=$((SECONDS + 90))
until [ "$(samples)" -ge 15 ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
e2e_check "Prometheus scrapes snipool" test "$(samples)" -ge 15

# --- every dashboard query, and every template variable, evaluated while traffic still flows.
e2e_check "every dashboard query returns data" \
  python3 "$here/dashboard_queries.py" check "$dashboard" "http://127.0.0.1:$port_prom"

# --- the rules against live series: a backend of dead.test is ejected, down.test's only one is down.
active_alerts() {
  curl -sf --max-time 10 "http://127.0.0.1:$port_prom/api/v1/alerts" | python3 -c '
import json, sys
for alert in json.load(sys.stdin)["data"]["alerts"]:
    print(alert["labels"]["alertname"], alert["labels"].get("route", ""), alert["state"])'
}
alerts=$(active_alerts)
echo "$alerts" | sed 's/^/     active: /'
e2e_check "Prometheus loaded the rules" \
  test "$(curl -sf --max-time 10 "http://127.0.0.1:$port_prom/api/v1/rules" | python3 -c 'import json,sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))')" \
  = "$(grep -c '^      - alert:' "$rules")"
e2e_check "SnipoolBackendDown is active for the ejected backend" grep -q '^SnipoolBackendDown dead.test' <<<"$alerts"
e2e_check "SnipoolBackendDown is active for the backend down" grep -q '^SnipoolBackendDown down.test' <<<"$alerts"
e2e_check "SnipoolRouteWithoutBackend is active for down.test only" \
  test "$(grep '^SnipoolRouteWithoutBackend' <<<"$alerts" | cut -d' ' -f2 | tr '\n' ' ')" = "down.test "
e2e_check "no alert about the live route" test -z "$(grep ' app.test ' <<<"$alerts" || true)"

# --- optional: Prometheus's graph page for the dashboard's key queries, as PNGs (docs/img in the repository).
if [ -n "${E2E_SCREENSHOTS:-}" ]; then
  mkdir -p "$E2E_SCREENSHOTS"
  deadline=$((SECONDS + 120))
  until [ "$(samples)" -ge 60 ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
  screenshot() { # screenshot NAME EXPR: Prometheus's graph page of EXPR over the last 2 minutes, as NAME.png
    local url
    url="http://127.0.0.1:$port_prom/graph?g0.tab=0&g0.range_input=2m&g0.expr=$(python3 -c \
      'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$(mktemp -d -p "$work")" \
      --window-size=1400,900 --virtual-time-budget=8000 --screenshot="$E2E_SCREENSHOTS/$1.png" \
      "$url" > "$work/chromium-$1.log" 2>&1 || echo "     screenshot $1 failed: see $work/chromium-$1.log"
  }
  panel_expr() { # panel_expr TITLE [REFID]: a dashboard query with the variables set to match all
    python3 "$here/dashboard_queries.py" expr "$dashboard" "$@"
  }
  screenshot prometheus-hit-ratio "$(panel_expr 'Pool hit ratio')"
  screenshot prometheus-evictions "$(panel_expr 'Evictions/s by reason')"
  screenshot prometheus-requests "$(panel_expr 'Requests/s by status class')"
  screenshot prometheus-latency-p99 "$(panel_expr 'Request latency p50 / p99' B)"
  echo "     screenshots in $E2E_SCREENSHOTS"
fi

kill "$traffic_pid" 2>/dev/null || true
if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; tail -50 "$work/snipool.log"
  echo "--- prometheus log"; tail -20 "$work/prometheus.log"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/prometheus.sh: all checks passed"
