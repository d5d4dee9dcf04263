#!/usr/bin/env bash
# Call-graph profile of scenario 3 (new TLS passthrough connections), snipool and HAProxy in turn, by hand: the
# nginx backend and both proxies configured as bench/run.sh configures them (bench/lib/configs.sh), each warmed up
# with WARM handshakes (h2load, 32 clients, one request per connection), then RECORD more handshakes under
# `perf record -g -p PID` (999 Hz) and `perf stat` of the same process. snipool runs with frame pointers kept and a
# perf map of its JIT-compiled code written (jcmd Compiler.perfmap) just before the recording ends.
#
# Usage: flock /work/bench.lock profile.sh JAR OUTDIR
#        (environment: WARM=20000 RECORD=12000 TRANSPORT=io_uring PROXIES="snipool haproxy")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
jar=$1 out=$2
WARM=${WARM:-20000} RECORD=${RECORD:-12000}
TRANSPORT=${TRANSPORT:-io_uring}
. "$root/bench/lib/common.sh"
. "$root/bench/lib/configs.sh"
mkdir -p "$out"
work=$(mktemp -d /tmp/hs-profile.XXXXXX)
trap 'bench_cleanup; rm -rf "$work"' EXIT
NOFILE=$(ulimit -Hn); ulimit -n "$NOFILE"; CONN_CAP=4000; IDLE_PER_HOST=64; DEFER_ACCEPT=1s
make_certs "$work" "snipool bench CA"
DOCROOT=$work/docroot; mkdir -p "$DOCROOT"
B_HTTP=$(free_port); B_TLS=$(free_port); B_BULK=$(free_port); B_REENC=
write_backend_conf "$work/backend"
nginx -c "$work/backend/nginx.conf" -p "$work/backend" > "$work/backend/stdout.log" 2>&1 &
track $!
wait_port "$B_TLS" 20

h2() { # h2 PORT N
  h2load --h1 -t 1 -c 32 -n "$2" --connect-to "127.0.0.1:$1" "https://tls.bench.test:$1/" 2>&1 \
    | grep -E "^finished in|^requests:" | tr '\n' ' '; echo
}

profile() { # profile NAME PID PORT
  local name=$1 pid=$2 port=$3
  log "$name: warm-up, $WARM handshakes: $(h2 "$port" "$WARM")"
  perf record -g -F 999 -p "$pid" -o "$out/$name.perf.data" > "$out/$name.record.log" 2>&1 &
  local rec=$!
  perf stat -e task-clock,raw_syscalls:sys_enter,context-switches -p "$pid" -o "$out/$name.stat.txt" &
  local st=$!
  sleep 0.5
  log "$name: recorded, $RECORD handshakes: $(h2 "$port" "$RECORD" | tee "$out/$name.h2load.txt")"
  if [ "$name" = snipool ]; then jcmd "$pid" Compiler.perfmap > /dev/null; fi
  kill -INT "$st" "$rec"; wait "$st" "$rec" || true
}

PROXIES=${PROXIES:-snipool haproxy}
if [[ " $PROXIES " == *" snipool "* ]]; then
http=$(free_port) tls=$(free_port) admin=$(free_port)
write_snipool_conf "$work/snipool.yaml" "$http" "$tls" "$admin"
SNIPOOL_JAR=$jar SNIPOOL_CDS=off JAVA_OPTS="-Xmx256m -XX:+PreserveFramePointer" \
  "$root/bin/snipool" --config "$work/snipool.yaml" > "$out/snipool.log" 2>&1 &
spid=$!; track $spid
wait_http "http://127.0.0.1:$admin/readyz" 60
profile snipool "$spid" "$tls"
cp "/tmp/perf-$spid.map" "$out/" 2>/dev/null || true
stop_pid "$spid"
fi

if [[ " $PROXIES " == *" haproxy "* ]]; then

http=$(free_port) tls=$(free_port)
write_haproxy_conf "$work/haproxy.cfg" "$http" "$tls"
haproxy -db -f "$work/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
hpid=$!; track $hpid
wait_port "$tls" 20
profile haproxy "$hpid" "$tls"
stop_pid "$hpid"
fi
