#!/bin/bash
# Who holds a CPU while wrk waits for one: perf sched over 4 s of a steady scenario 1 run, snipool then HAProxy.
set -euo pipefail
root=/work/main; here=$root/bench
. "$here/lib/common.sh"; . "$here/lib/configs.sh"
out=${1:?an output directory}; mkdir -p "$out"
work=$(mktemp -d /dev/shm/sched.XXXX); trap 'bench_cleanup; rm -rf "$work"' EXIT
CONNECTIONS=50; NOFILE=$(ulimit -n); CONN_CAP=1024; IDLE_PER_HOST=64; TRANSPORT=auto
make_certs "$work" "sched CA"; DOCROOT=$work/docroot; mkdir -p "$DOCROOT"
start_backend "$work/backend"
SP=$(free_port); write_snipool_conf "$work/snipool.yaml" "$SP" "$(free_port)" "$(free_port)"
HP=$(free_port); write_haproxy_conf "$work/haproxy.cfg" "$HP" "$(free_port)"
env SNIPOOL_JAR=/tmp/head.jar JAVA_OPTS="-Xmx256m" "$root/bin/snipool" --config "$work/snipool.yaml" > "$work/s.out" 2>&1 & track $!
haproxy -f "$work/haproxy.cfg" -db > "$work/h.out" 2>&1 & track $!
wait_http "http://127.0.0.1:$SP/" 60 app.bench.test; wait_http "http://127.0.0.1:$HP/" 10 app.bench.test
W() { wrk -t2 -c50 -d"$2"s --latency -s "$here/lib/wrk.lua" -H 'Host: app.bench.test' "http://127.0.0.1:$1/" > "$3" 2>&1; }
for p in $SP $HP; do W $p 10 /dev/null; for i in 1 2 3; do W $p 1 /dev/null; done; done
for t in snipool haproxy; do
  port=$SP; [ $t = haproxy ] && port=$HP
  W $port 10 /dev/null     # one full run first: past any first-run effects
  W $port 10 "$out/wrk-$t.txt" &
  w=$!
  sleep 3
  perf sched record -a -o "$work/$t.data" -- sleep 4 > /dev/null 2>&1
  wait $w
  perf script -i "$work/$t.data" -F comm,tid,cpu,time,event,trace > "$out/$t.script" 2>/dev/null
  echo "$t: $(grep -E 'Requests/sec|99%' "$out/wrk-$t.txt" | tr -s ' ' | tr '\n' ' ')"
done
