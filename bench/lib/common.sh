# Shared helpers for bench/run.sh and bench/soak.sh: free ports, process tracking by PID, waiting, logging, certificates.
# Same approach as e2e/lib.sh: ports come from the kernel, every process started is recorded by PID and stopped
# by PID on exit, nothing is ever stopped by name.

BENCH_PIDS=()      # processes started directly by the script
BENCH_PIDFILES=()  # files holding the PID of a process started by a helper (startup.py)

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# track PID: stop PID on exit.
track() { BENCH_PIDS+=("$1"); }

# untrack PID: a tracked process the script has stopped and reaped itself, so that the exit does not signal its PID
# again (by then perhaps another process's).
untrack() {
  local pid kept=()
  for pid in "${BENCH_PIDS[@]:-}"; do [ -z "$pid" ] || [ "$pid" = "$1" ] || kept+=("$pid"); done
  BENCH_PIDS=("${kept[@]:-}")
}

# install_packages PACKAGE...: installs the Debian packages given (none: nothing), as root, or dies saying why.
install_packages() {
  [ "$#" -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || die "missing $* and not root to install them (apt-get)"
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# stop_pid PID [SECONDS]: SIGTERM, wait up to SECONDS (default 10) for it to go, then SIGKILL.
stop_pid() {
  local pid=$1 limit=${2:-10} waited=0
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((limit * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "PID $pid ignored SIGTERM for ${limit}s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid f
  for f in "${BENCH_PIDFILES[@]:-}"; do
    [ -n "$f" ] && [ -s "$f" ] && stop_pid "$(cat "$f")" 5
  done
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] && stop_pid "$pid" 10
  done
}

# A port the kernel just handed out for an ephemeral bind (then released), for servers that cannot report the
# port they bound.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT SECONDS: polls until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  local probe="import socket, sys; s = socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(('127.0.0.1', $port)))"
  until python3 -c "$probe"; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out waiting for port $port"; return 1; }
    sleep 0.1
  done
}

# wait_http URL SECONDS [HOST]: polls until URL answers 200 (with Host: HOST if given).
wait_http() {
  local url=$1 deadline=$((SECONDS + $2)) host=${3:-}
  local args=(-sf -o /dev/null --max-time 2)
  [ -n "$host" ] && args+=(-H "Host: $host")
  until curl "${args[@]}" "$url"; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out waiting for $url"; return 1; }
    sleep 0.1
  done
}

# children PID: direct children of PID (nginx workers of a master), by parent PID.
children() {
  ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | tr '\n' ' '
}

# make_certs DIR CA_NAME: a throwaway CA and one backend certificate for every bench name, in DIR; sets CERT, KEY
# and CA. ECDSA P-256 keeps each handshake as cheap as it gets for the client and the backend, which share the CPU
# with the proxy under test. backend.reenc.bench.test is the name the proxies send as SNI to the TLS backend of
# scenario 9 (re-encryption), and verify its certificate against.
make_certs() {
  local dir=$1 ca_name=$2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$ca_name" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=bench.test" \
    -keyout "$dir/backend.key" -out "$dir/backend.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' \
    "DNS:tls.bench.test,DNS:bulk.bench.test,DNS:idle.bench.test,DNS:backend.reenc.bench.test" > "$dir/backend.ext"
  openssl x509 -req -in "$dir/backend.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/backend.ext" -out "$dir/backend.pem" 2>/dev/null
  CERT=$dir/backend.pem
  KEY=$dir/backend.key
  CA=$dir/ca.pem
}

# make_term_certs DIR: the certificates the proxies present on their terminating listeners, signed by the CA of
# make_certs (call it first): ecdsa.term.bench.test with an ECDSA P-256 key and rsa.term.bench.test with an RSA 2048
# key, so that the name a client asks for picks the key type at every proxy alike. Each also covers
# KIND.reenc.bench.test, the name of scenario 9's re-encrypting route on the same listeners. Writes
# DIR/term-KIND.pem and .key, and DIR/term-KIND.combined.pem (certificate then key, the form HAProxy's crt takes), for
# KIND ecdsa and rsa.
make_term_certs() {
  local dir=$1 kind
  local -a keyargs
  for kind in ecdsa rsa; do
    case $kind in
      ecdsa) keyargs=(ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
      rsa) keyargs=(rsa:2048) ;;
    esac
    openssl req -newkey "${keyargs[@]}" -nodes -subj "/CN=$kind.term.bench.test" \
      -keyout "$dir/term-$kind.key" -out "$dir/term-$kind.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s.term.bench.test,DNS:%s.reenc.bench.test\n' "$kind" "$kind" > "$dir/term-$kind.ext"
    openssl x509 -req -in "$dir/term-$kind.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
      -extfile "$dir/term-$kind.ext" -out "$dir/term-$kind.pem" 2>/dev/null
    cat "$dir/term-$kind.pem" "$dir/term-$kind.key" > "$dir/term-$kind.combined.pem"
  done
}
