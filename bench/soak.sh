#!/usr/bin/env bash
# Soak test: about 10 minutes of mixed load against the built jar, sampling snipool's heap after a full GC every
# 30 s. Fails if the heap after GC grows from the first third of the run to the last third beyond the tolerance,
# if any load client saw an error, if a hostile connection was left open, or if, once the load stops, snipool does
# not get back to no active connection, no leased backend connection and its open descriptors before the load.
# Not part of the test run. See bench/README.md ("Soak").
#
# Usage: bench/soak.sh                                    (10 minutes)
#        SOAK_DURATION=150 bench/soak.sh                  (a short run that checks the harness)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
. "$here/lib/configs.sh"

DURATION=${SOAK_DURATION:-600}                 # seconds of load
INTERVAL=${SOAK_SAMPLE_INTERVAL:-30}           # seconds between heap samples
HEAP_PCT=${SOAK_HEAP_TOLERANCE_PCT:-10}        # allowed growth of the heap after GC, percent...
HEAP_MIB=${SOAK_HEAP_TOLERANCE_MIB:-2}         # ...plus this many MiB (requests in flight at the GC)
KEEPALIVE=${SOAK_KEEPALIVE_CONNECTIONS:-16}    # wrk keep-alive connections
CLOSING=${SOAK_CLOSE_CONNECTIONS:-8}           # wrk connections sending Connection: close
TLS_CLIENTS=${SOAK_TLS_CLIENTS:-4}             # h2load clients, each request a new TLS connection
HOSTILE=${SOAK_HOSTILE_WORKERS:-2}             # hostile connection workers (bench/lib/soak_hostile.py)
QUIET_TIMEOUT=${SOAK_QUIET_TIMEOUT:-60}        # seconds snipool gets to settle once the load stops
SLOW=${SOAK_SLOW_SECONDS:-10}                  # a response slower than this is a failure (wrk's timeout)
JAVA_OPTS=${SOAK_JAVA_OPTS:--Xmx256m}
JAR=${SOAK_JAR:-$root/proxy-app/target/snipool.jar}
TRANSPORT=${SOAK_TRANSPORT:-auto}              # snipool's transport key: auto (io_uring here), io_uring, epoll or nio
ACCEPT=${SOAK_ACCEPT:-per_loop}                # snipool's accept key: per_loop (the default) or shared

for n in DURATION INTERVAL HEAP_PCT HEAP_MIB KEEPALIVE CLOSING TLS_CLIENTS HOSTILE QUIET_TIMEOUT SLOW; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "SOAK_$n must be a whole number, got '${!n}'"
done
[ "$INTERVAL" -ge 5 ] || die "SOAK_SAMPLE_INTERVAL must be at least 5 s"
[ "$DURATION" -gt $((3 * INTERVAL)) ] || die "SOAK_DURATION must exceed 3 sample intervals ($((3 * INTERVAL)) s)"
for tool in java jcmd jstat wrk h2load nginx openssl curl python3; do
  command -v "$tool" > /dev/null || die "$tool is missing (bench/run.sh installs the benchmark tools with apt-get)"
done

if [ ! -f "$JAR" ]; then
  log "building $JAR"
  (cd "$root" && ./mvnw -q -o -DskipTests package) || die "the build failed"
fi
stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$here/work/soak-$stamp
mkdir -p "$work"
cleanup() {
  bench_cleanup
  if [ "${SOAK_KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$JAR" "$work/snipool.jar"   # a private copy: a build running meanwhile cannot swap it

# --- backend: the benchmark's nginx (HTTP, and TLS closing after each response) -----------------------------------
make_certs "$work" "snipool soak CA"
DOCROOT=$work/docroot NOFILE=8192 CONN_CAP=4096 IDLE_PER_HOST=64
mkdir -p "$DOCROOT"
start_backend "$work/backend"

# --- snipool -------------------------------------------------------------------------------------------------------
HTTP=$(free_port); TLS=$(free_port); ADMIN=$(free_port)
write_snipool_conf "$work/snipool.yaml" "$HTTP" "$TLS" "$ADMIN"
SNIPOOL_JAR="$work/snipool.jar" JAVA_OPTS="$JAVA_OPTS" "$root/bin/snipool" --config "$work/snipool.yaml" > "$work/snipool.log" 2>&1 &
PID=$!
track "$PID"
wait_http "http://127.0.0.1:$ADMIN/readyz" 60 || { tail -20 "$work/snipool.log" >&2; die "snipool is not ready"; }
body=$(curl -sS --max-time 10 -H 'Host: app.bench.test' "http://127.0.0.1:$HTTP/" || true)
[ "$body" = "hello from the backend" ] || die "the HTTP route does not work: '$body'"
body=$(curl -sS --max-time 10 --cacert "$CA" --resolve "tls.bench.test:$TLS:127.0.0.1" "https://tls.bench.test:$TLS/" \
       || true)
[ "$body" = "hello over tls" ] || die "the TLS route does not work: '$body'"

# metrics_text: snipool's Prometheus page.
metrics_text() { curl -sf --max-time 5 "http://127.0.0.1:$ADMIN/metrics"; }
# metric NAME: a Prometheus series summed over its labels.
metric() {
  metrics_text \
    | awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $2 } END { printf "%d\n", sum }'
}
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_mib() { awk '/^VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$PID/status"; }
# heap_after_gc_kib: a full collection (jcmd GC.run), then what it kept: the survivor and old spaces from jstat
# (the same columns for every collector). Eden is left out: the load allocates into it the moment the collection ends.
heap_after_gc_kib() {
  timeout 60 jcmd "$PID" GC.run > /dev/null || die "jcmd GC.run failed"
  timeout 30 jstat -gc "$PID" | awk 'NR == 2 { printf "%d\n", $3 + $4 + $8 }'
}
# open_series: the series settle waits on that are above 0, with their labels (which listener, which backend).
open_series() {
  metrics_text \
    | awk '($1 ~ /^snipool_connections_active[{]/ || $1 ~ /^snipool_pool_active_connections[{]/) && $2 > 0 {
             printf "%s%s %s", sep, $1, $2; sep = "; " }'
}
# open_sockets: snipool's own TCP sockets as ss(8) shows them (state, queues, peer, timer), one line each, but for
# the listening ones and its connections to the HTTP backend (the pool's): what a connection still counted open is
# doing on the wire, on its client's side and its backend's. A client socket that is gone from the kernel (reset, or
# closed) while snipool still counts its connection shows as no line at all.
open_sockets() {
  ss -tnpoH state all 2>/dev/null | awk -v pid="pid=$PID," -v pool=":$B_HTTP" \
    'index($0, pid) && $1 != "LISTEN" && substr($5, length($5) - length(pool) + 1) != pool' | sed 's/^/    /'
}
# settle: waits until snipool has no active client connection and no leased backend connection. Every 5 s of
# waiting it logs the series still above 0 and snipool's sockets, and at the end how long it took when that
# was more than a second.
settle() {
  local start=$SECONDS deadline=$((SECONDS + QUIET_TIMEOUT)) next=$((SECONDS + 5))
  until [ "$(metric snipool_connections_active)" = 0 ] && [ "$(metric snipool_pool_active_connections)" = 0 ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    if [ "$SECONDS" -ge "$next" ]; then
      log "still open after $((SECONDS - start)) s: $(open_series)"
      open_sockets >&2
      next=$((SECONDS + 5))
    fi
    sleep 0.5
  done
  [ $((SECONDS - start)) -le 1 ] || log "settled after $((SECONDS - start)) s"
}

# --- warm-up, then the baseline ------------------------------------------------------------------------------------
log "warming up (10 s)"
timeout 40 wrk -t1 -c "$KEEPALIVE" -d 10s -H 'Host: app.bench.test' "http://127.0.0.1:$HTTP/" > /dev/null 2>&1 || true
timeout 60 h2load --h1 -c "$TLS_CLIENTS" -n 100 --connect-to "127.0.0.1:$TLS" https://tls.bench.test/ \
  > /dev/null 2>&1 || true
python3 "$here/lib/soak_hostile.py" --http "$HTTP" --tls "$TLS" --seconds 2 --workers 1 > /dev/null || true
heap_after_gc_kib > /dev/null   # the first attach also opens the JVM's attach socket, once for the process
settle || die "snipool did not settle after the warm-up"
base_fds=$(fds); base_idle=$(metric snipool_pool_idle_connections)
log "baseline: $base_fds open descriptors with $base_idle idle backend connections"

# --- the load ------------------------------------------------------------------------------------------------------
log "load for ${DURATION} s: wrk $KEEPALIVE keep-alive + $CLOSING Connection: close, h2load $TLS_CLIENTS TLS" \
    "clients, $HOSTILE hostile workers; a heap sample every ${INTERVAL} s"
start=$SECONDS
end=$((start + DURATION))
timeout $((DURATION + 60)) wrk -t1 -c "$KEEPALIVE" -d "${DURATION}s" --timeout "${SLOW}s" -H 'Host: app.bench.test' \
  "http://127.0.0.1:$HTTP/" > "$work/wrk-keepalive.txt" 2>&1 &
LOAD_PIDS=($!)
timeout $((DURATION + 60)) wrk -t1 -c "$CLOSING" -d "${DURATION}s" --timeout "${SLOW}s" -H 'Host: app.bench.test' \
  -H 'Connection: close' "http://127.0.0.1:$HTTP/" > "$work/wrk-close.txt" 2>&1 &
LOAD_PIDS+=($!)
# tls_loop: h2load runs one after another until the end; stopping the loop stops the run in progress.
tls_loop() {
  local child=
  trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 143' TERM INT
  : > "$work/h2load.txt"
  while [ "$SECONDS" -lt "$end" ]; do
    timeout 120 h2load --h1 -c "$TLS_CLIENTS" -n $((TLS_CLIENTS * 100)) --connect-to "127.0.0.1:$TLS" \
      https://tls.bench.test/ > "$work/h2load-run.txt" 2>&1 &
    child=$!
    wait "$child" || true
    child=
    grep -E '^requests:' "$work/h2load-run.txt" >> "$work/h2load.txt" \
      || echo "requests: h2load did not finish" >> "$work/h2load.txt"
  done
}
tls_loop &
LOAD_PIDS+=($!)
python3 "$here/lib/soak_hostile.py" --http "$HTTP" --tls "$TLS" --seconds "$DURATION" --workers "$HOSTILE" \
  > "$work/hostile.txt" 2>&1 &
LOAD_PIDS+=($!)
for pid in "${LOAD_PIDS[@]}"; do track "$pid"; done

# Every sample falls inside the load (the last one at least a second before it stops), so all see the same traffic.
samples=$(((DURATION - 1) / INTERVAL))
HEAP=()
printf '%8s  %14s  %10s  %8s\n' "time" "heap after GC" "RSS" "fds" >&2
for ((i = 1; i <= samples; i++)); do
  while [ "$SECONDS" -lt $((start + i * INTERVAL)) ]; do sleep 1; done
  kib=$(heap_after_gc_kib)
  HEAP+=("$kib")
  printf '%7ss  %10s KiB  %6s MiB  %8s\n' "$((SECONDS - start))" "$kib" "$(rss_mib)" "$(fds)" >&2
done

load_failed=0
for pid in "${LOAD_PIDS[@]}"; do wait "$pid" || load_failed=1; done
log "load done after $((SECONDS - start)) s"

# --- verdicts ------------------------------------------------------------------------------------------------------
failures=()
for f in wrk-keepalive wrk-close; do
  reqs=$(awk '/requests in/ { print $1 }' "$work/$f.txt")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/$f.txt")
  errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/$f.txt")
  log "$f: ${reqs:-0} requests, ${non2xx:-0} non-2xx, ${errors:-0} socket errors (slower than ${SLOW} s included)"
  [ -n "$reqs" ] || failures+=("$f did not report (see $f.txt)")
  [ "${non2xx:-0}" = 0 ] || failures+=("$f: $non2xx responses were not 2xx")
  [ "${errors:-0}" = 0 ] || failures+=("$f: $errors socket errors")
done
read -r tls_total tls_ok tls_bad < <(awk '/^requests:/ { if ($2 !~ /^[0-9]+$/) { bad++ ; next }
  total += $2; ok += $8; bad += $10 + $12 + $14 } END { printf "%d %d %d\n", total, ok, bad }' "$work/h2load.txt")
log "h2load: $tls_total TLS requests (a new connection each), $tls_ok succeeded, $tls_bad failed, errored or timed out"
[ "$tls_total" -gt 0 ] && [ "$tls_bad" = 0 ] && [ "$tls_ok" = "$tls_total" ] \
  || failures+=("h2load: $tls_bad of $tls_total TLS requests failed (see h2load.txt)")
log "$(cat "$work/hostile.txt")"
[ "$load_failed" = 0 ] || failures+=("a load process failed: $(tr '\n' ' ' < "$work/hostile.txt")")

if settle; then
  log "settled: no active client connection, no leased backend connection"
else
  failures+=("not settled after ${QUIET_TIMEOUT} s: active connections $(metric snipool_connections_active), leased" \
             "backend connections $(metric snipool_pool_active_connections)")
fi
# Each idle backend connection holds one descriptor in snipool (the backend is another process).
deadline=$((SECONDS + QUIET_TIMEOUT))
while :; do
  idle=$(metric snipool_pool_idle_connections)
  now_fds=$(fds)
  expected=$((base_fds - base_idle + idle))
  [ "$now_fds" = "$expected" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    failures+=("open descriptors $now_fds, expected $expected (baseline $base_fds with $base_idle idle," \
               "now $idle idle)")
    break
  fi
  sleep 0.5
done
log "descriptors: $now_fds open, $expected expected; $idle idle backend connections"
# One pool per event loop (one loop per core), each keeping at most max_idle_per_host.
[ "$idle" -le $((IDLE_PER_HOST * $(nproc))) ] \
  || failures+=("$idle idle backend connections, over $IDLE_PER_HOST per event loop")

third=$(( (samples + 2) / 3 ))
median() {
  printf '%s\n' "$@" | sort -n \
    | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
first=$(median "${HEAP[@]:0:$third}")
last=$(median "${HEAP[@]: -$third}")
limit=$((first + first * HEAP_PCT / 100 + HEAP_MIB * 1024))
log "heap after GC: median of the first $third samples $first KiB, of the last $third $last KiB, limit $limit KiB" \
    "(+${HEAP_PCT}% +${HEAP_MIB} MiB)"
[ "$last" -le "$limit" ] || failures+=("heap after GC grew from $first KiB to $last KiB (limit $limit KiB)")

if [ ${#failures[@]} -gt 0 ]; then
  for f in "${failures[@]}"; do log "FAIL: $f"; done
  SOAK_KEEP_WORK=1
  exit 1
fi
log "PASS: ${DURATION} s of mixed load, heap after GC stable, nothing left behind"
