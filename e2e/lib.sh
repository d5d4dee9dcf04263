# Shared helpers for the end-to-end scripts: free ports, waiting, cleanup of what the script started.
# Every process started here is recorded by PID and stopped by PID on exit.

E2E_PIDS=()
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# e2e_setup [JAR]: the jar under test in $jar (default: the build's), refused before anything starts if missing,
# and a scratch directory in $work, removed on exit after every process started is stopped.
e2e_setup() {
  jar=${1:-$E2E_ROOT/proxy-app/target/snipool.jar}
  [ -f "$jar" ] || { echo "no jar at $jar; build with ./mvnw -q -DskipTests package" >&2; exit 2; }
  work=$(mktemp -d)
  trap 'e2e_cleanup; rm -rf "$work"' EXIT
}

# e2e_start_snipool CONFIG: snipool on CONFIG through bin/snipool, as operators run it, logging to $work/snipool.log.
e2e_start_snipool() {
  SNIPOOL_JAR="$jar" "$E2E_ROOT/bin/snipool" --config "$1" > "$work/snipool.log" 2>&1 &
  E2E_PIDS+=($!)
}

e2e_cleanup() {
  for pid in "${E2E_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${E2E_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}

# A port the kernel just handed out for an ephemeral bind (then released), for servers that cannot bind 0
# and report their port (nginx).
e2e_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# e2e_wait_http URL SECONDS: polls until URL answers 200, or fails after SECONDS.
e2e_wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$url"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "timed out waiting for $url" >&2
      return 1
    fi
    sleep 0.2
  done
}

# e2e_wait_port PORT SECONDS: polls until something accepts on 127.0.0.1:PORT.
e2e_wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(('127.0.0.1',$port)))"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "timed out waiting for port $port" >&2
      return 1
    fi
    sleep 0.2
  done
}

E2E_FAILURES=0
e2e_check() {
  local name=$1; shift
  if "$@"; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    E2E_FAILURES=$((E2E_FAILURES + 1))
  fi
}

# e2e_nginx DIR SERVERS: writes DIR/nginx.conf (a foreground, single-process nginx keeping everything in DIR) with
# SERVERS as the body of its http block, and starts it (tracked for cleanup).
e2e_nginx() {
  local dir=$1 servers=$2
  mkdir -p "$dir/logs"
  cat > "$dir/nginx.conf" <<CONF
daemon off;
master_process off;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
$servers
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" &
  E2E_PIDS+=($!)
}
