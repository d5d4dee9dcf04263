#!/usr/bin/env bash
# Call-graph profile of scenario 3 (new TLS passthrough connections), snipool and HAProxy in turn, by hand: the
# nginx backend and both proxies configured as bench/run.sh configures them (bench/lib/configs.sh), each warmed up
# with WARM handshakes (h2load, 32 clients, one request per connection), then RECORD more handshakes under
# `perf record -g -p PID` (999 Hz) and `perf stat` of the same process. snipool runs with frame pointers kept and a
# perf map of its JIT-compiled code written (jcmd Compiler.perfmap) just before the recording ends.
#
# Usage: flock /work/bench.lock profile.sh JAR OUTDIR
#        (environment: WARM=20000 RECORD=12000 OPS=2000 TRANSPORT=io_uring PROXIES="snipool haproxy")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
jar=$1 out=$2
WARM=${WARM:-20000} RECORD=${RECORD:-12000} OPS=${OPS:-2000}
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
  perf stat -e task-clock,raw_syscalls:sys_enter,context-switches,io_uring:io_uring_submit_req \
    -p "$pid" -o "$out/$name.stat.txt" &
  local st=$!
  sleep 0.5
  log "$name: recorded, $RECORD handshakes: $(h2 "$port" "$RECORD" | tee "$out/$name.h2load.txt")"
  if [ "$name" = snipool ]; then jcmd "$pid" Compiler.perfmap > /dev/null; fi
  kill -INT "$st" "$rec"; wait "$st" "$rec" || true
  # Then which io_uring operations and system calls a connection costs: OPS more handshakes, every submission and
  # system call recorded (no call graphs), counted by opcode and by call number.
  perf record -e io_uring:io_uring_submit_req -e raw_syscalls:sys_enter -p "$pid" -o "$out/$name.ops.data" \
    > /dev/null 2>&1 &
  rec=$!
  sleep 0.5
  log "$name: ops, $OPS handshakes: $(h2 "$port" "$OPS")"
  kill -INT "$rec"; wait "$rec" || true
  perf script -i "$out/$name.ops.data" -F event,trace 2>/dev/null | python3 -c "
import collections, re, sys
ops = collections.Counter(); calls = collections.Counter()
for line in sys.stdin:
    m = re.search(r'opcode ([A-Z_0-9]+)', line)
    if 'io_uring_submit_req' in line and m:
        ops[m.group(1)] += 1
    m = re.search(r'NR (\\d+)', line)
    if 'sys_enter' in line and m:
        calls[int(m.group(1))] += 1
names = {0: 'read', 1: 'write', 3: 'close', 16: 'ioctl', 41: 'socket', 42: 'connect', 43: 'accept', 44: 'sendto',
         45: 'recvfrom', 48: 'shutdown', 51: 'getsockname', 52: 'getpeername', 54: 'setsockopt', 55: 'getsockopt',
         72: 'fcntl', 202: 'futex', 228: 'clock_gettime', 232: 'epoll_wait', 233: 'epoll_ctl', 281: 'epoll_pwait',
         288: 'accept4', 426: 'io_uring_enter'}
calls = collections.Counter({names.get(k, k): v for k, v in calls.items()})
n = int(sys.argv[1])
print('per connection, io_uring operations:', ', '.join(f'{k} {v / n:.2f}' for k, v in ops.most_common()))
print('per connection, system calls:', ', '.join(f'{k} {v / n:.2f}' for k, v in calls.most_common(14)))
" "$OPS" > "$out/$name.ops.txt"
  rm -f "$out/$name.ops.data"
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
