# Configuration writers for bench/run.sh: the nginx backend and the three proxies, each given the same routes,
# the same worker count (2), logs off, the same forwarding headers (X-Forwarded-For/-Proto/-Host), and a request id
# generated for every request and sent to the backend (X-Request-Id), as snipool always does.
#
# Names routed by every proxy:
#   app.bench.test   HTTP listener     -> backend HTTP server (port $B_HTTP)
#   tls.bench.test   TLS passthrough   -> backend TLS server that closes after each response ($B_TLS)
#   bulk.bench.test  TLS passthrough   -> backend TLS server with the large file and long timeouts ($B_BULK)
#   idle.bench.test  TLS passthrough   -> the same server as bulk.bench.test
#   ecdsa.term.bench.test, rsa.term.bench.test
#                    TLS terminated (a listener of its own, given a port) -> backend HTTP server, as app.bench.test;
#                    the name picks the certificate: ECDSA P-256 or RSA 2048 (make_term_certs)
#   ecdsa.reenc.bench.test, rsa.reenc.bench.test
#                    only when B_REENC is set (scenario 9): TLS terminated on the same listeners and certificates as
#                    the term.bench.test names, re-encrypted over pooled keep-alive connections to the TLS backend
#                    (port $B_REENC, a separate nginx), sending the SNI backend.reenc.bench.test and verifying the
#                    backend's certificate against the bench CA
#
# Globals read: B_HTTP B_TLS B_BULK B_REENC CERT KEY CA DOCROOT NOFILE CONN_CAP IDLE_PER_HOST TERM_DIR; TRANSPORT, ACCEPT and
# DEFER_ACCEPT when set (snipool's defaults otherwise)

NGINX_STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so

# nginx's temp paths, so that it never writes outside its own directory.
nginx_temp_paths() {
  local dir=$1
  cat <<CONF
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
CONF
}

# nginx_process_head DIR: the start of a backend nginx.conf, up to and into its http block: one foreground process
# keeping its pid, logs and temp files in DIR.
#
# worker_connections is an eighth above CONN_CAP: once at most a 16th of its connections are free, nginx closes idle
# ones to make room ("worker_connections are not enough, reusing connections"); at CONN_CAP itself that cut about 290
# of scenario 5's 9,150 idle tunnels before the reading.
nginx_process_head() {
  local dir=$1
  cat <<CONF
daemon off;
master_process off;
worker_rlimit_nofile $NOFILE;
error_log $dir/logs/error.log error;
pid $dir/nginx.pid;
events { worker_connections $((CONN_CAP + CONN_CAP / 8)); }
http {
  access_log off;
$(nginx_temp_paths "$dir")
CONF
}

# start_backend DIR: the backend's ports (B_HTTP, B_TLS, B_BULK, from the kernel), its configuration in DIR, the
# process started and tracked, and its ports answering. Needs common.sh and what write_backend_conf reads.
start_backend() {
  local dir=$1
  B_HTTP=$(free_port); B_TLS=$(free_port); B_BULK=$(free_port)
  write_backend_conf "$dir"
  nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/stdout.log" 2>&1 &
  track $!
  wait_port "$B_HTTP" 20 && wait_port "$B_TLS" 20 && wait_port "$B_BULK" 20 || die "the nginx backend did not start"
}

# write_backend_conf DIR: the backend, one nginx process (daemon off, master_process off, as in e2e/).
write_backend_conf() {
  local dir=$1
  mkdir -p "$dir/logs"
  cat > "$dir/nginx.conf" <<CONF
$(nginx_process_head "$dir")
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  default_type application/octet-stream;

  # HTTP scenarios: a tiny response on keep-alive, stub_status to count accepted connections, the bulk file.
  server {
    listen 127.0.0.1:$B_HTTP backlog=4096;
    location = /stub { stub_status; }
    location = / { default_type text/plain; return 200 "hello from the backend\n"; }
    location / { root $DOCROOT; }
  }

  # TLS handshake scenario: no session cache, no tickets, and one request per connection, so every request
  # through a proxy is a new TCP connection with a full TLS handshake carrying SNI.
  server {
    listen 127.0.0.1:$B_TLS ssl backlog=4096;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_session_cache off;
    ssl_session_tickets off;
    keepalive_timeout 0;
    location / { default_type text/plain; return 200 "hello over tls\n"; }
  }

  # TLS bulk and idle scenarios: the large file, and connections that may stay silent for minutes.
  server {
    listen 127.0.0.1:$B_BULK ssl backlog=4096;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_session_cache off;
    ssl_session_tickets off;
    client_header_timeout 300s;
    location / { root $DOCROOT; }
  }
}
CONF
}

# REENC_SNI: the name the proxies send to the TLS backend of scenario 9, and check its certificate against.
REENC_SNI=backend.reenc.bench.test

# write_reenc_backend_conf DIR: the TLS backend of scenario 9, an nginx process of its own (so that its stub_status
# counts only re-encrypted traffic): the same tiny response as the HTTP backend, long keep-alive, stub_status at /stub.
write_reenc_backend_conf() {
  local dir=$1
  mkdir -p "$dir/logs"
  cat > "$dir/nginx.conf" <<CONF
$(nginx_process_head "$dir")
  keepalive_requests 1000000;
  keepalive_timeout 300s;

  server {
    listen 127.0.0.1:$B_REENC ssl backlog=4096;
    server_name $REENC_SNI;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /stub { stub_status; }
    location = / { default_type text/plain; return 200 "hello from the backend\n"; }
  }
}
CONF
}

# write_snipool_conf FILE HTTP_PORT TLS_PORT ADMIN_PORT [PROVIDER:PORT ...]
# Every client of the benchmark is 127.0.0.1, so the per-client limits are off (0 = unlimited), as HAProxy and
# nginx have none unless configured. Each PROVIDER:PORT adds a TLS listener "term-PROVIDER" on PORT whose route
# terminates the term.bench.test names on that tls.provider (openssl or jdk), and with B_REENC the reenc.bench.test
# names too.
write_snipool_conf() {
  local file=$1 http=$2 tls=$3 admin=$4 spec
  shift 4
  cat > "$file" <<CONF
listeners:
  - name: web
    bind: 127.0.0.1:$http
    mode: http
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    routes:
      - hosts: [app.bench.test]
        backends: ["127.0.0.1:$B_HTTP"]
  - name: edge
    bind: 127.0.0.1:$tls
    mode: tls
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    routes:
      - { hosts: [tls.bench.test], backends: ["127.0.0.1:$B_TLS"] }
      - { hosts: [bulk.bench.test, idle.bench.test], backends: ["127.0.0.1:$B_BULK"] }
$(for spec in "$@"; do snipool_term_listener "${spec%%:*}" "${spec#*:}"; done)
pool: { max_idle_per_host: $IDLE_PER_HOST }
limits: { max_connections: $CONN_CAP }
timeouts: { defer_accept: ${DEFER_ACCEPT:-1s} }
metrics: { bind: "127.0.0.1:$admin" }
shutdown: { drain_timeout: 0 }
access_log: { enabled: false }
logging: { level: warn }
transport: ${TRANSPORT:-auto}
accept: ${ACCEPT:-per_loop}
CONF
}

# snipool_term_listener PROVIDER PORT: one terminating TLS listener of snipool, both certificates, on that provider.
snipool_term_listener() {
  cat <<CONF
  - name: term-$1
    bind: 127.0.0.1:$2
    mode: tls
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    tls:
      certificates:
        - { cert: "$TERM_DIR/term-ecdsa.pem", key: "$TERM_DIR/term-ecdsa.key" }
        - { cert: "$TERM_DIR/term-rsa.pem", key: "$TERM_DIR/term-rsa.key" }
      min_version: TLSv1.2
      alpn: [http/1.1]
      provider: $1
    routes:
      - hosts: [ecdsa.term.bench.test, rsa.term.bench.test]
        terminate: true
        backends: ["127.0.0.1:$B_HTTP"]
CONF
  [ -n "${B_REENC:-}" ] || return 0
  cat <<CONF
      - hosts: [ecdsa.reenc.bench.test, rsa.reenc.bench.test]
        terminate: true
        backends: ["127.0.0.1:$B_REENC"]
        backend_tls: { sni: $REENC_SNI, verify: true, ca: "$CA" }
CONF
}

# write_haproxy_conf FILE HTTP_PORT TLS_PORT [TERM_PORT]
# With TERM_PORT, a TLS-terminating HTTP frontend there ("bind ... ssl", both certificates, chosen by SNI) that sends
# the term.bench.test names to the same reusing backend as the HTTP frontend, and with B_REENC the reenc.bench.test
# names to a reusing TLS backend (verified, with the SNI REENC_SNI); with TERM_PORT and HAPROXY_STATS_SOCKET, a stats
# socket there (scenario 12 reads the frontend's resumed sessions).
write_haproxy_conf() {
  local file=$1 http=$2 tls=$3 term=${4:-}
  cat > "$file" <<CONF
global
  nbthread 2
  maxconn $CONN_CAP$([ "${HAPROXY_SPLICE:-0}" = 1 ] && printf '\n  # pipes cost two descriptors each: maxconn/4 of them (the default) would pass the open-files limit\n  maxpipes 256')
$([ -n "$term" ] && [ -n "${HAPROXY_STATS_SOCKET:-}" ] && printf '  # scenario 12 reads the terminating frontend'"'"'s count of resumed TLS sessions here ("show stat")\n  stats socket %s mode 600 level user\n' "$HAPROXY_STATS_SOCKET")
  # no "log" line: HAProxy logs nothing

defaults
  maxconn $CONN_CAP$([ "${HAPROXY_SPLICE:-0}" = 1 ] && printf '\n  option splice-auto')
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-request 10s
  timeout http-keep-alive 300s

frontend web
  mode http
  bind 127.0.0.1:$http
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  unique-id-format %[uuid()]
  unique-id-header X-Request-Id
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  use_backend app if { req.hdr(host),field(1,:) -i app.bench.test }

backend app
  mode http
  http-reuse always
  server app1 127.0.0.1:$B_HTTP

frontend edge
  mode tcp
  bind 127.0.0.1:$tls
  tcp-request inspect-delay 5s
  tcp-request content accept if { req.ssl_hello_type 1 }
  use_backend tls_handshake if { req.ssl_sni -i tls.bench.test }
  use_backend tls_bulk if { req.ssl_sni -i bulk.bench.test idle.bench.test }

backend tls_handshake
  mode tcp
  server s1 127.0.0.1:$B_TLS

backend tls_bulk
  mode tcp
  server s1 127.0.0.1:$B_BULK
CONF
  [ -n "$term" ] || return 0
  cat >> "$file" <<CONF

frontend term
  mode http
  bind 127.0.0.1:$term ssl crt $TERM_DIR/term-ecdsa.combined.pem crt $TERM_DIR/term-rsa.combined.pem alpn http/1.1 ssl-min-ver TLSv1.2
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  unique-id-format %[uuid()]
  unique-id-header X-Request-Id
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  use_backend app if { req.hdr(host),field(1,:) -i ecdsa.term.bench.test rsa.term.bench.test }
CONF
  [ -n "${B_REENC:-}" ] || return 0
  cat >> "$file" <<CONF
  use_backend app_tls if { req.hdr(host),field(1,:) -i ecdsa.reenc.bench.test rsa.reenc.bench.test }

backend app_tls
  mode http
  http-reuse always
  server app1 127.0.0.1:$B_REENC ssl verify required ca-file $CA sni str($REENC_SNI) ssl-min-ver TLSv1.2
CONF
}

# nginx_proxy_location [tls]: the proxying location of nginx's HTTP and terminating servers, to the keep-alive
# upstream, with the forwarding headers; with "tls", to the TLS backend's keep-alive upstream (scenario 9), verified,
# with the SNI REENC_SNI and session reuse.
nginx_proxy_location() {
  local upstream=http://app tls=
  if [ "${1:-}" = tls ]; then
    upstream=https://app_tls
    tls="
      proxy_ssl_server_name on;
      proxy_ssl_name $REENC_SNI;
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
      proxy_ssl_session_reuse on;
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 2;
      proxy_ssl_trusted_certificate $CA;"
  fi
  cat <<CONF
    location / {
      proxy_pass $upstream;$tls
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Request-Id \$request_id;
    }
CONF
}

# nginx_term_servers PORT: the terminating servers, one per certificate (nginx picks the server, and so the
# certificate, by SNI), and with B_REENC one more per certificate for the reenc.bench.test names, to the TLS backend.
# The socket's options go on the first listen only.
nginx_term_servers() {
  local kind options=" default_server backlog=4096" domain location
  local domains=term
  [ -z "${B_REENC:-}" ] || domains+=" reenc"
  for domain in $domains; do
    if [ "$domain" = reenc ]; then location=$(nginx_proxy_location tls); else location=$(nginx_proxy_location); fi
    for kind in ecdsa rsa; do
      cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl$options;
    server_name $kind.$domain.bench.test;
    ssl_certificate $TERM_DIR/term-$kind.pem;
    ssl_certificate_key $TERM_DIR/term-$kind.key;
    ssl_protocols TLSv1.2 TLSv1.3;
$location
  }
CONF
      options=
    done
  done
}

# nginx_tls_upstream: the keep-alive upstream of the TLS backend (scenario 9), kept like the plain one.
nginx_tls_upstream() {
  cat <<CONF

  upstream app_tls {
    server 127.0.0.1:$B_REENC;
    keepalive $IDLE_PER_HOST;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
CONF
}

# write_nginx_proxy_conf DIR HTTP_PORT TLS_PORT [TERM_PORT]: nginx as the proxy, with a master and 2 workers; with
# TERM_PORT, the terminating servers there.
write_nginx_proxy_conf() {
  local dir=$1 http=$2 tls=$3 term=${4:-}
  mkdir -p "$dir/logs"
  cat > "$dir/nginx.conf" <<CONF
load_module $NGINX_STREAM_MODULE;
daemon off;
worker_processes 2;
worker_rlimit_nofile $NOFILE;
error_log $dir/logs/error.log error;
pid $dir/nginx.pid;
events { worker_connections $NOFILE; }
http {
  access_log off;
$(nginx_temp_paths "$dir")
  keepalive_requests 1000000;
  keepalive_timeout 300s;

  upstream app {
    server 127.0.0.1:$B_HTTP;
    keepalive $IDLE_PER_HOST;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
$([ -z "$term" ] || [ -z "${B_REENC:-}" ] || nginx_tls_upstream)

  server {
    listen 127.0.0.1:$http default_server backlog=4096;
    return 421;
  }
  server {
    listen 127.0.0.1:$http;
    server_name app.bench.test;
$(nginx_proxy_location)
  }
$([ -z "$term" ] || nginx_term_servers "$term")
}
stream {
  map \$ssl_preread_server_name \$tls_backend {
    tls.bench.test  127.0.0.1:$B_TLS;
    bulk.bench.test 127.0.0.1:$B_BULK;
    idle.bench.test 127.0.0.1:$B_BULK;
  }
  server {
    listen 127.0.0.1:$tls backlog=4096;
    ssl_preread on;
    proxy_pass \$tls_backend;
    proxy_connect_timeout 5s;
    proxy_timeout 300s;
  }
}
CONF
}
