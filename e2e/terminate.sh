#!/usr/bin/env bash
# End-to-end check of TLS termination with real clients: curl and openssl s_client through the built snipool jar.
# One mode: tls listener per provider (auto, and jdk) holds two terminating routes to a plain HTTP nginx backend
# (an RSA 2048 certificate for a.example.test; an ECDSA P-256 one for *.wild.test, sent with its intermediate) and a
# passthrough route to an nginx TLS backend, and a terminating route that re-encrypts (backend_tls) to a second,
# TLS-only nginx. Proves the point of the feature: HTTPS clients that close their connection after every request
# cost the backend almost no new connections, plain or re-encrypted (each nginx's own stub_status count).
# Needs java, nginx, curl, openssl and python3; .ci/run installs them. Usage: e2e/terminate.sh [path/to/snipool.jar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_setup "$@"

# --- PKI: a root CA; a.example.test (RSA 2048) signed by it; *.wild.test (ECDSA P-256) signed by an intermediate;
# pass.example.test (the passthrough backend's own, RSA 2048) signed by the root; for the re-encrypting route,
# *.reenc.test twice, snipool's (ECDSA) and the TLS backend's own (RSA 2048), both signed by the root.
pki() { timeout 30 openssl "$@" 2>/dev/null; }
pki req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=snipool e2e CA" -keyout "$work/ca.key" -out "$work/ca.pem"
pki req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=snipool e2e intermediate" \
  -keyout "$work/int.key" -out "$work/int.csr"
printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$work/int.ext"
pki x509 -req -in "$work/int.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/int.ext" -out "$work/int.pem"
leaf() { # leaf FILE-PREFIX CN SAN KEY-ARGS ISSUER-PREFIX
  local prefix=$1 cn=$2 san=$3 keyargs=$4 issuer=$5
  # shellcheck disable=SC2086
  pki req -newkey $keyargs -nodes -subj "/CN=$cn" -keyout "$work/$prefix.key" -out "$work/$prefix.csr"
  printf 'subjectAltName=%s\n' "$san" > "$work/$prefix.ext"
  pki x509 -req -in "$work/$prefix.csr" -CA "$work/$issuer.pem" -CAkey "$work/$issuer.key" -CAcreateserial \
    -days 2 -extfile "$work/$prefix.ext" -out "$work/$prefix.pem"
}
leaf a "a.example.test" "DNS:a.example.test" "rsa:2048" ca
leaf wild "*.wild.test" "DNS:*.wild.test" "ec -pkeyopt ec_paramgen_curve:prime256v1" int
leaf pass "pass.example.test" "DNS:pass.example.test" "rsa:2048" ca
leaf reenc "*.reenc.test" "DNS:*.reenc.test" "ec -pkeyopt ec_paramgen_curve:prime256v1" ca
leaf reenc-backend "*.reenc.test" "DNS:*.reenc.test" "rsa:2048" ca
cat "$work/wild.pem" "$work/int.pem" > "$work/wild-chain.pem"   # leaf first, then the intermediate

port_plain=$(e2e_free_port); port_pass=$(e2e_free_port); port_admin=$(e2e_free_port)
port_auto=$(e2e_free_port); port_jdk=$(e2e_free_port); port_reenc=$(e2e_free_port)

# --- backends: plain HTTP with keep-alive and stub_status; TLS for the passthrough route.
e2e_nginx "$work/nginx" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port_plain;
    location = /stub { stub_status; }
    location / { return 200 "plain-backend host=\$host proto=\$http_x_forwarded_proto\n"; }
  }
  server {
    listen 127.0.0.1:$port_pass ssl;
    ssl_certificate $work/pass.pem;
    ssl_certificate_key $work/pass.key;
    location / { return 200 "tls-backend\n"; }
  }
SERVERS
)"
# The re-encrypting route's backend: TLS only, keep-alive, its own nginx so that its stub_status counts only its
# own connections; it answers with the SNI, protocol and cipher snipool's connection to it used.
e2e_nginx "$work/nginx-reenc" "$(cat <<SERVERS
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port_reenc ssl;
    ssl_protocols TLSv1.2;   # so that the suite is chosen from snipool's offer: it must be ECDHE with AEAD
    ssl_certificate $work/reenc-backend.pem;
    ssl_certificate_key $work/reenc-backend.key;
    location = /stub { stub_status; }
    location / {
      return 200 "reenc-backend sni=\$ssl_server_name host=\$host tls=\$ssl_protocol cipher=\$ssl_cipher proto=\$http_x_forwarded_proto\n";
    }
  }
SERVERS
)"

# --- snipool: the same routes on two listeners, one per provider (auto: BoringSSL where it loads; jdk).
listener() { # listener NAME PORT PROVIDER
  cat <<CONF
  - name: $1
    bind: 127.0.0.1:$2
    mode: tls
    tls:
      certificates:
        - { cert: a.pem, key: a.key }
        - { cert: wild-chain.pem, key: wild.key }
        - { cert: reenc.pem, key: reenc.key }
      min_version: TLSv1.2
      alpn: [http/1.1]
      provider: $3
    routes:
      - { hosts: [a.example.test], terminate: true, backends: ["127.0.0.1:$port_plain"] }
      - { hosts: ["*.wild.test"], terminate: true, backends: ["127.0.0.1:$port_plain"] }
      - { hosts: [pass.example.test], backends: ["127.0.0.1:$port_pass"] }
      - hosts: [bad.reenc.test]             # the backend's certificate does not cover the SNI sent: 502
        terminate: true
        backends: ["127.0.0.1:$port_reenc"]
        backend_tls: { sni: other.test, ca: ca.pem }
      - hosts: ["*.reenc.test"]             # SNI to the backend: the request's Host (the default)
        terminate: true
        backends: ["127.0.0.1:$port_reenc"]
        backend_tls: { ca: ca.pem }
CONF
}
cat > "$work/snipool.yaml" <<CONF
listeners:
$(listener edge "$port_auto" auto)
$(listener edge-jdk "$port_jdk" jdk)
metrics: { bind: "127.0.0.1:$port_admin" }
access_log: { enabled: true, path: "$work/access.log" }
CONF
e2e_start_snipool "$work/snipool.yaml"

e2e_wait_port "$port_plain" 20
e2e_wait_port "$port_pass" 20
e2e_wait_port "$port_reenc" 20
e2e_wait_http "http://127.0.0.1:$port_admin/readyz" 60

# --- helpers
https_curl() { # https_curl PORT NAME [curl args]: curl for NAME through snipool, verifying against the root CA
  # (15 s a transfer; 60 s for one curl, which may make the 50 requests below)
  local port=$1 name=$2; shift 2
  timeout 60 curl -sS --max-time 15 --cacert "$work/ca.pem" --resolve "$name:$port:127.0.0.1" "$@"
}
fetch() { # fetch PORT NAME [curl args]: GET / for NAME
  https_curl "$@" "https://$2:$1/"
}
served() { # served PORT NAME [s_client args]: the certificates sent for NAME, as s_client -showcerts prints them
  local port=$1 name=$2; shift 2
  echo | timeout 15 openssl s_client -connect "127.0.0.1:$port" -servername "$name" -showcerts "$@" 2>&1 || true
}
leaf_of() { timeout 10 openssl x509 -noout "$@" 2>/dev/null || true; }   # reads the first PEM block on stdin
fingerprint() { timeout 10 openssl x509 -noout -fingerprint -sha256 -in "$1"; }
accepted() { # connections the plain backend has accepted so far, by its own count (this reading's included)
  timeout 15 curl -sf --max-time 10 "http://127.0.0.1:$port_plain/stub" | awk 'NR == 3 { print $1 }'
}
accepted_reenc() { # the same count of the re-encrypting route's TLS backend
  timeout 15 curl -sf --max-time 10 --cacert "$work/ca.pem" --resolve "stub.reenc.test:$port_reenc:127.0.0.1" \
    "https://stub.reenc.test:$port_reenc/stub" | awk 'NR == 3 { print $1 }'
}
metric() { # metric NAME LABELS: the value of one sample on /metrics (0 when absent)
  timeout 15 curl -sf --max-time 10 "http://127.0.0.1:$port_admin/metrics" \
    | awk -v key="$1{$2}" '$1 == key { v = $2 } END { printf "%d\n", v + 0 }'
}
count_pem() { grep -c -- '-----BEGIN CERTIFICATE-----' || true; }

for listener in edge edge-jdk; do
  if [ "$listener" = edge ]; then port=$port_auto; else port=$port_jdk; fi
  echo "--- listener $listener (provider $([ "$listener" = edge ] && echo auto || echo jdk))"

  # Requests reach the plain backend through each terminating route, as HTTPS verified against the root CA.
  e2e_check "$listener: a.example.test (RSA) reaches the plain backend, X-Forwarded-Proto https" \
    test "$(fetch "$port" a.example.test)" = "plain-backend host=a.example.test proto=https"
  e2e_check "$listener: x.wild.test (ECDSA, via the intermediate) reaches the plain backend" \
    test "$(fetch "$port" x.wild.test)" = "plain-backend host=x.wild.test proto=https"
  e2e_check "$listener: the passthrough route still reaches the TLS backend" \
    test "$(fetch "$port" pass.example.test)" = "tls-backend"

  # The certificate served is snipool's (subject, SAN, key type, the very file) for terminated names, and the
  # backend's own for the passthrough name.
  out=$(served "$port" a.example.test)
  e2e_check "$listener: a.example.test is served snipool's RSA certificate" \
    grep -q 'subject=CN = a.example.test' <<<"$(leaf_of -subject <<<"$out")"
  e2e_check "$listener: its SAN is DNS:a.example.test" \
    grep -qx ' *DNS:a.example.test' <<<"$(leaf_of -ext subjectAltName <<<"$out")"
  e2e_check "$listener: its key is RSA 2048" \
    grep -q 'Public-Key: (2048 bit)' <<<"$(leaf_of -text <<<"$out" | grep -A1 'rsaEncryption')"
  e2e_check "$listener: it is the very certificate of a.pem" \
    test "$(leaf_of -fingerprint -sha256 <<<"$out")" = "$(fingerprint "$work/a.pem")"

  out=$(served "$port" x.wild.test)
  e2e_check "$listener: x.wild.test is served snipool's ECDSA wildcard certificate" \
    grep -q 'subject=CN = \*.wild.test' <<<"$(leaf_of -subject <<<"$out")"
  e2e_check "$listener: its SAN is DNS:*.wild.test" \
    grep -qx ' *DNS:\*.wild.test' <<<"$(leaf_of -ext subjectAltName <<<"$out")"
  e2e_check "$listener: its key is ECDSA P-256" \
    grep -q 'NIST CURVE: P-256' <<<"$(leaf_of -text <<<"$out")"
  e2e_check "$listener: it is the very certificate of wild.pem, sent with the intermediate" \
    test "$(leaf_of -fingerprint -sha256 <<<"$out")" = "$(fingerprint "$work/wild.pem")" -a \
         "$(count_pem <<<"$out")" = 2

  out=$(served "$port" pass.example.test -CAfile "$work/ca.pem" -verify_return_error)
  e2e_check "$listener: pass.example.test shows the backend's certificate, not snipool's" \
    test "$(leaf_of -fingerprint -sha256 <<<"$out")" = "$(fingerprint "$work/pass.pem")"
  e2e_check "$listener: ... and it verifies" grep -q 'Verify return code: 0 (ok)' <<<"$out"

  # The pool: 50 HTTPS requests, each on its own TLS connection that the client closes, and the backend hardly
  # sees a new connection.
  handshakes_before=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"ok\"")
  before=$(accepted)
  results=$(https_curl "$port" a.example.test -o /dev/null -H 'Connection: close' \
    -w '%{http_code} %{num_connects}\n' "https://a.example.test:$port/?[1-50]" | sort | uniq -c)
  after=$(accepted)
  handshakes_after=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"ok\"")
  new_backend=$((after - before - 1))   # the "after" reading's own connection is not snipool's
  echo "     nginx accepts $before -> $after: $new_backend new backend connections for 50 new TLS connections;" \
    "snipool handshakes ok $handshakes_before -> $handshakes_after"
  e2e_check "$listener: 50 requests with Connection: close, each on a new connection, all 200" \
    grep -Eq '^ *50 200 1$' <<<"$results"
  e2e_check "$listener: ... 50 more handshakes done" test $((handshakes_after - handshakes_before)) -ge 50
  e2e_check "$listener: ... the backend accepted at most 4 new connections" test "$new_backend" -le 4

  # Re-encryption: the route's requests go to the TLS backend over verified TLS, with the Host as SNI, in an
  # ECDHE-AEAD suite; backend connections are pooled per SNI, so interleaved names each see their own.
  out=$(fetch "$port" x.reenc.test)
  e2e_check "$listener: x.reenc.test is re-encrypted to the TLS backend with SNI x.reenc.test" \
    grep -Eq '^reenc-backend sni=x.reenc.test host=x.reenc.test tls=TLSv1.2 cipher=ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305) proto=https$' <<<"$out"
  echo "     $out"
  interleaved=ok
  for name in x y x y x y; do
    out=$(fetch "$port" x.reenc.test -H "Host: $name.reenc.test")
    [ "$out" = "reenc-backend sni=$name.reenc.test host=$name.reenc.test ${out#*host=$name.reenc.test }" ] \
      || { interleaved="Host $name.reenc.test got: $out"; break; }
  done
  e2e_check "$listener: interleaved Hosts x and y on x.reenc.test connections each reach the backend with their own SNI" \
    test "$interleaved" = ok
  before=$(accepted_reenc)
  results=$(https_curl "$port" x.reenc.test -o /dev/null -H 'Connection: close' \
    -w '%{http_code} %{num_connects}\n' "https://x.reenc.test:$port/?[1-50]" | sort | uniq -c)
  after=$(accepted_reenc)
  new_backend=$((after - before - 1))
  echo "     TLS nginx accepts $before -> $after: $new_backend new re-encrypted backend connections for 50 new client TLS connections"
  e2e_check "$listener: 50 re-encrypted requests with Connection: close, each on a new connection, all 200" \
    grep -Eq '^ *50 200 1$' <<<"$results"
  e2e_check "$listener: ... the TLS backend accepted at most 4 new connections" test "$new_backend" -le 4
  errors_before=$(metric snipool_backend_tls_errors_total "backend=\"127.0.0.1:$port_reenc\",reason=\"verify\"")
  code=$(fetch "$port" bad.reenc.test -o /dev/null -w '%{http_code}')
  errors_after=$(metric snipool_backend_tls_errors_total "backend=\"127.0.0.1:$port_reenc\",reason=\"verify\"")
  e2e_check "$listener: a backend whose certificate does not cover the SNI sent gets 502" test "$code" = 502
  e2e_check "$listener: ... counted as a verify error" test $((errors_after - errors_before)) -ge 1

  # A Host the connection's certificate does not cover: 421, even when a route serves it.
  e2e_check "$listener: Host other.test on an a.example.test connection gets 421" \
    test "$(fetch "$port" a.example.test -o /dev/null -w '%{http_code}' -H 'Host: other.test')" = 421
  e2e_check "$listener: Host a.example.test on an x.wild.test connection gets 421" \
    test "$(fetch "$port" x.wild.test -o /dev/null -w '%{http_code}' -H 'Host: a.example.test')" = 421
  e2e_check "$listener: Host y.wild.test on an x.wild.test connection is served (the wildcard covers it)" \
    test "$(fetch "$port" x.wild.test -H 'Host: y.wild.test')" = "plain-backend host=y.wild.test proto=https"

  # TLS 1.1 is refused by snipool (SECLEVEL=0 lets OpenSSL 3 offer it at all), with the protocol_version alert.
  refused_before=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"protocol_version\"")
  out=$(served "$port" a.example.test -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
  refused_after=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"protocol_version\"")
  e2e_check "$listener: TLS 1.1 is refused with alert protocol_version" grep -qi 'alert protocol version' <<<"$out"
  e2e_check "$listener: ... and counted as protocol_version" test $((refused_after - refused_before)) -eq 1

  # A client that offers only h2 gets no_application_protocol.
  refused_before=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"no_alpn\"")
  out=$(served "$port" a.example.test -alpn h2)
  refused_after=$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"no_alpn\"")
  e2e_check "$listener: ALPN h2 only is refused with alert no_application_protocol" \
    grep -qi 'alert no application protocol' <<<"$out"
  e2e_check "$listener: ... and counted as no_alpn" test $((refused_after - refused_before)) -eq 1
  e2e_check "$listener: ALPN h2,http/1.1 is served http/1.1" \
    grep -q 'ALPN protocol: http/1.1' <<<"$(served "$port" a.example.test -alpn h2,http/1.1)"

  e2e_check "$listener: snipool_tls_handshakes_total{outcome=\"ok\"} is positive" \
    test "$(metric snipool_tls_handshakes_total "listener=\"$listener\",outcome=\"ok\"")" -gt 0
done

# The access log line of a terminated request carries tls_version, cipher and sni (the log is written
# asynchronously: give it a moment).
access_ok() {
  timeout 10 python3 - "$work/access.log" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if (d.get("kind") == "http" and d.get("sni") == "a.example.test" and d.get("status") == 200
            and d.get("tls_version", "").startswith("TLSv1.") and d.get("cipher")):
        print(line.strip())
        sys.exit(0)
sys.exit(1)
PY
}
: > "$work/access-line"
for _ in $(seq 50); do access_ok > "$work/access-line" 2>/dev/null && break; sleep 0.1; done
e2e_check "the access log line of a terminated request has tls_version, cipher and sni" test -s "$work/access-line"
echo "     $(cat "$work/access-line")"

if [ "$E2E_FAILURES" -ne 0 ]; then
  echo "--- snipool log"; cat "$work/snipool.log"
  echo "$E2E_FAILURES end-to-end check(s) failed" >&2
  exit 1
fi
echo "e2e/terminate.sh: all checks passed"
