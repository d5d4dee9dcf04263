# Shared helpers for the end-to-end scripts: free ports, waiting, cleanup of what the script started.
# Every process started here is recorded by PID and stopped by PID on exit.

E2E_PIDS=()

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
