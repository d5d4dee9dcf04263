#!/usr/bin/env bash
# End-to-end check of the status page in a real browser: the built snipool jar with curl traffic flowing through an
# HTTP listener (two routes to three nginx backends, one route to a closed port) and a terminating TLS listener,
# then headless Chromium loads the admin address with no internet and the script reads the DOM it drew: a row per
# backend, a non-zero hit ratio, and uPlot charts holding data (each chart box says how many points it drew in its
# data-points attribute). With STATUS_SCREENSHOT=file.png it also saves a 1400x1000 screenshot there.
# Needs java, nginx, curl, openssl, python3 and chromium; .ci/run installs them.
# Usage: e2e/status.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"
command -v chromium >/dev/null || { echo "no chromium on PATH (apt-get install chromium)" >&2; exit 2; }

port_a=$(e2e_free_port); port_b=$(e2e_free_port); port_api=$(e2e_free_port); port_gone=$(e2e_free_port)
port_http=$(e2e_free_port); port_tls=$(e2e_free_port); port_admin=$(e2e_free_port)

timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=secure.test" -addext "subjectAltName=DNS:secure.test" \
  -keyout "$work/secure.key" -out "$work/secure.pem" 2>/dev/null

backend() { # backend PORT NAME
  printf '  server { listen 127.0.0.1:%s; location / { return 200 "%s\\n"; } }\n' "$1" "$2"
}
e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
$(backend "$port_a" app-a)
$(backend "$port_b" app-b)
$(backend "$port_api" api)
SERVERS
)"

cat > "$work/snipool.yaml" <<CONF
listeners:
  - name: web
    bind: 127.0.0.1:$port_http
    mode: http
    routes:
      - { hosts: [app.test], backends: ["127.0.0.1:$port_a", "127.0.0.1:$port_b"] }
      - hosts: [api.test]
        backends: ["127.0.0.1:$port_api"]
        pool: { max_requests_per_connection: 25 }   # evictions by max_requests, for the chart
      - { hosts: [gone.test], backends: ["127.0.0.1:$port_gone"] }   # nothing listens: connect failures
  - name: edge
    bind: 127.0.0.1:$port_tls
    mode: tls
    tls:
      certificates: [ { cert: secure.pem, key: secure.key } ]
    routes:
      - { hosts: [secure.test], terminate: true, backends: ["127.0.0.1:$port_a"] }
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: false }
CONF
e2e_start_snipool "$work/snipool.yaml"
e2e_wait_port "$port_a" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

# Traffic until the script ends: clients that close after every request, so only the pool reuses connections.
traffic() {
  local close=(-s -o /dev/null --max-time 5 -H 'Connection: close')
  while [ ! -e "$work/stop" ]; do
    curl "${close[@]}" -H 'Host: app.test' "http://127.0.0.1:$port_http/?[1-40]" || true
    curl "${close[@]}" -H 'Host: api.test' "http://127.0.0.1:$port_http/?[1-20]" || true
    curl "${close[@]}" -H 'Host: gone.test' "http://127.0.0.1:$port_http/" || true
    curl "${close[@]}" -k --resolve "secure.test:$port_tls:127.0.0.1" "https://secure.test:$port_tls/?[1-5]" || true
  done
}
traffic &
E2E_PIDS+=($!)

# Until both routes' backends have had a pool hit (a full round of the traffic loop); the checks say if they never do.
busy() {
  curl -sf "http://127.0.0.1:$port_admin/api/stats" | python3 -c '
import json, sys
hits = {row["backend"]: row.get("hits") or 0 for row in json.load(sys.stdin)["backends"]}
sys.exit(0 if all(hits.get("127.0.0.1:" + port, 0) > 0 for port in sys.argv[1:]) else 1)' "$port_a" "$port_api"
}
deadline=$((SECONDS + 30))
until busy; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "no pool hits for app-a and api in /api/stats after 30 s" >&2; break; }
  sleep 0.5
done

# The browser, its profile in the scratch directory; a failure (or its time running out on a loaded machine) is
# said, and the checks that follow fail, rather than set -e ending the script without a word.
browser() {
  timeout "${BROWSER_SECONDS:-120}" chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" "$@" 2>>"$work/chromium.log" \
    || { echo "chromium failed (exit $?) on: $*" >&2; return 0; }
}
# Virtual time: the page's 2 s polls run back to back, so four or five snapshots cost well under a second.
browser --virtual-time-budget=8000 --dump-dom "http://127.0.0.1:$port_admin/" > "$work/dom.html"

# dom_check WHAT: asks the drawn DOM one question (python3, on $work/dom.html).
dom_check() {
  python3 - "$work/dom.html" "$1" "$port_a" "$port_b" "$port_api" "$port_gone" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
what, ports = sys.argv[2], sys.argv[3:]

def row(port):
    match = re.search(r'<tr data-backend="127\.0\.0\.1:%s">(.*?)</tr>' % port, dom, re.S)
    return match.group(1) if match else None

def hit_ratio(port):
    cells = row(port)
    match = cells and re.search(r'data-hit-ratio="([0-9.]+)"', cells)
    return float(match.group(1)) if match else 0.0

points = [int(n) for n in re.findall(r'data-points="(\d+)"', dom)]
if what == "rows":
    ok = all(row(port) is not None for port in ports)
elif what == "hit-ratio":
    ok = hit_ratio(ports[0]) > 0 and hit_ratio(ports[2]) > 0
    print("     hit ratio app-a %.4f, api %.4f" % (hit_ratio(ports[0]), hit_ratio(ports[2])))
elif what == "headline":
    match = re.search(r'class="big" data-hit-ratio="([0-9.]+)"', dom)
    ok = bool(match) and float(match.group(1)) > 0
elif what == "charts":
    drawn = [n for n in points if n >= 2]
    canvases = dom.count("<canvas")
    print("     %d charts, %d with at least 2 points, %d canvases" % (len(points), len(drawn), canvases))
    ok = len(drawn) >= 8 and canvases >= len(points)   # 3 per listener (4 on TLS), 2 per busy backend
else:
    raise SystemExit("unknown check " + what)
sys.exit(0 if ok else 1)
PY
}
e2e_check "a row per backend, the closed port's too" dom_check rows
e2e_check "a non-zero hit ratio for the busy backends" dom_check hit-ratio
e2e_check "the headline shows the overall hit ratio" dom_check headline
e2e_check "charts drawn with data" dom_check charts
e2e_check "the connect failures are in the event feed" grep -q 'class="event connect_failure"' "$work/dom.html"
e2e_check "the certificate is listed with its days left" grep -q '<td class="name">secure.pem</td>' "$work/dom.html"

if [ -n "${STATUS_SCREENSHOT:-}" ]; then
  # Under virtual time the page's polls come milliseconds apart, and its charts would span no time. Virtual time
  # waits for network fetches, so a proxy that holds each /api/stats for 2 s makes the polls 2 s apart in real time.
  port_slow=$(e2e_free_port)
  python3 - "$port_slow" "$port_admin" <<'PY' &
import http.server, sys, time, urllib.error, urllib.request
listen, admin = int(sys.argv[1]), sys.argv[2]

class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/api/stats"):
            time.sleep(2)
        try:
            answer = urllib.request.urlopen("http://127.0.0.1:%s%s" % (admin, self.path))
        except urllib.error.HTTPError as refused:  # the browser's /favicon.ico: 404, passed on
            answer = refused
        with answer:
            body = answer.read()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers["Content-Type"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            pass  # the browser's time budget ran out while this poll was held

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", listen), Slow).serve_forever()
PY
  E2E_PIDS+=($!)
  e2e_wait_port "$port_slow" 30
  BROWSER_SECONDS=300 browser --virtual-time-budget=40000 --window-size=1400,1000 --hide-scrollbars \
    --screenshot="$STATUS_SCREENSHOT" "http://127.0.0.1:$port_slow/" > /dev/null
  e2e_check "screenshot saved to $STATUS_SCREENSHOT" test -s "$STATUS_SCREENSHOT"
fi
touch "$work/stop"

if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; cat "$work/snipool.log"
  echo "--- chromium log"; tail -20 "$work/chromium.log"
  echo "--- page"; head -c 4000 "$work/dom.html"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/status.sh: all checks passed"
