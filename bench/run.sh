#!/usr/bin/env bash
# Benchmarks snipool side by side with HAProxy and nginx, on this machine, in one run, under identical load, and
# writes a markdown report (medians, ratios to HAProxy, ratios to the direct-to-backend baseline, every sample) to
# bench/results/<UTC date>-<time>.md. Not part of the test run. See bench/README.md for what each scenario
# measures and how to read the report.
#
# Usage: bench/run.sh            (settings through environment variables, e.g.)
#        BENCH_REPEAT=1 BENCH_DURATION=3 BENCH_WARMUP=2 BENCH_IDLE_CONNS=2000 bench/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
. "$here/lib/configs.sh"

REPEAT=${BENCH_REPEAT:-3}               # repetitions of each scenario (the report shows medians)
DURATION=${BENCH_DURATION:-10}          # seconds per wrk run; target length of an h2load run
WARMUP=${BENCH_WARMUP:-10}              # seconds of unmeasured load per target before scenarios 1 to 3, 7 to 9, 12
WARMUP_CHURN=${BENCH_WARMUP_CHURN:-3}   # scenario 1: runs of 1 s after the warm-up, each on new connections
TLS_WARMUP=${BENCH_TLS_WARMUP:-$((2000 * WARMUP))}  # at least this many handshakes per target before scenarios 3, 8, 12
CONNECTIONS=${BENCH_CONNECTIONS:-50}    # wrk connections
WRK_THREADS=${BENCH_WRK_THREADS:-2}     # wrk threads
TLS_CLIENTS=${BENCH_TLS_CLIENTS:-32}    # h2load concurrent clients (connections in flight)
H2LOAD_THREADS=${BENCH_H2LOAD_THREADS:-1}
BULK_MIB=${BENCH_BULK_MIB:-1024}         # size of the file downloaded through the TLS tunnel
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}   # idle TLS connections held through each proxy
IDLE_WARMUP=${BENCH_IDLE_WARMUP:-200}   # connections opened and closed before scenario 5's first reading
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx256m}  # JVM flags after bin/snipool's own (a fixed heap cap keeps RSS comparable)
PROXIES=${BENCH_PROXIES:-snipool haproxy nginx}
SCENARIOS=${BENCH_SCENARIOS:-http close tls bulk tls-ka tls-close tls-resume tls-reenc idle startup burst h2}
TLS_KEYS=${BENCH_TLS_KEYS:-ecdsa rsa}              # key types of the terminated certificates (scenarios 7 to 9, 12)
TLS_PROVIDERS=${BENCH_TLS_PROVIDERS:-openssl jdk}  # snipool's tls.provider, one terminating listener each
JAR=${BENCH_JAR:-$root/proxy-app/target/snipool.jar}
TRANSPORT=${BENCH_TRANSPORT:-auto}      # snipool's transport key: auto (io_uring here), io_uring, epoll or nio
DEFER_ACCEPT=${BENCH_DEFER_ACCEPT:-1s}  # snipool's timeouts.defer_accept (1s, the default; 0s turns it off)
ACCEPT=${BENCH_ACCEPT:-per_loop}        # snipool's accept key: per_loop (the default) or shared
HAPROXY_SPLICE=${BENCH_HAPROXY_SPLICE:-0}  # 1: HAProxy with "option splice-auto" (kernel splicing; off by default)
SYSCALLS=${BENCH_SYSCALLS:-0}           # 1: also count each proxy's system calls and context switches (perf stat)
RESULTS=${BENCH_RESULTS:-$here/results}
IDLE_HISTO=${BENCH_IDLE_HISTOGRAM:-}    # a directory: snipool's live-object histogram with the idle tunnels open
IDLE_HEAPDUMP=${BENCH_IDLE_HEAPDUMP:-0} # 1: with BENCH_IDLE_HISTOGRAM, also a heap dump there (GC.heap_dump)

for n in REPEAT DURATION WARMUP WARMUP_CHURN TLS_WARMUP CONNECTIONS WRK_THREADS TLS_CLIENTS H2LOAD_THREADS BULK_MIB IDLE_CONNS IDLE_WARMUP; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "BENCH_$n must be a whole number, got '${!n}'"
done
[ "$REPEAT" -ge 1 ] && [ "$DURATION" -ge 1 ] || die "BENCH_REPEAT and BENCH_DURATION must be at least 1"
for p in $PROXIES; do
  case $p in snipool|haproxy|nginx) ;; *) die "BENCH_PROXIES: unknown proxy '$p'" ;; esac
done
for s in $SCENARIOS; do
  case $s in
    http|close|tls|bulk|tls-ka|tls-close|tls-resume|tls-reenc|idle|startup|burst|h2) ;;
    *) die "BENCH_SCENARIOS: unknown scenario '$s'" ;;
  esac
done
[ -n "${TLS_KEYS// /}" ] || die "BENCH_TLS_KEYS must name at least one key type (ecdsa, rsa)"
for k in $TLS_KEYS; do
  case $k in ecdsa|rsa) ;; *) die "BENCH_TLS_KEYS: unknown key type '$k' (ecdsa or rsa)" ;; esac
done
# auto is not offered: the report must say which provider ran, and auto does not tell.
[ -n "${TLS_PROVIDERS// /}" ] || die "BENCH_TLS_PROVIDERS must name at least one provider (openssl, jdk)"
for v in $TLS_PROVIDERS; do
  case $v in openssl|jdk) ;; *) die "BENCH_TLS_PROVIDERS: unknown provider '$v' (openssl or jdk)" ;; esac
done
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }
wants_term() { wants tls-ka || wants tls-close || wants tls-resume || wants tls-reenc; }

stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$here/work/$stamp
mkdir -p "$work/out"
# Scenario 12 reads HAProxy's resumed sessions over a stats socket, in a directory of its own under /tmp: HAProxy
# refuses a socket path longer than 97 bytes, which the run's directory under a long checkout path would give.
HAPROXY_STATS_SOCKET=
if wants tls-resume && [[ " $PROXIES " == *" haproxy "* ]]; then
  HAPROXY_STATS_SOCKET=$(mktemp -d /tmp/snipool-bench.XXXXXX)/haproxy.sock
fi
cleanup() {
  bench_cleanup
  [ -z "$HAPROXY_STATS_SOCKET" ] || rm -rf "${HAPROXY_STATS_SOCKET%/*}"
  if [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SAMPLES=$work/samples.tsv
NOTES=$work/notes.txt
: > "$SAMPLES"
: > "$NOTES"
sample() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$SAMPLES"; }   # scenario metric target rep value
note() { echo "$*" >> "$NOTES"; log "note: $*"; }

# --- tools ------------------------------------------------------------------------------------------------------
install_missing() {
  local need=() pair
  for pair in wrk:wrk haproxy:haproxy nginx:nginx openssl:openssl python3:python3 curl:curl h2load:nghttp2-client \
              java:openjdk-17-jdk-headless; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
  done
  [ -f "$NGINX_STREAM_MODULE" ] || need+=(libnginx-mod-stream)
  install_packages "${need[@]}"
}
install_missing

if [ ! -f "$JAR" ]; then
  log "no jar at $JAR: building it"
  (cd "$root" && { timeout 1200 ./mvnw -q -o -DskipTests package || timeout 1200 ./mvnw -q -DskipTests package; })
fi
# Benchmark a private copy, so a build running meanwhile cannot swap the jar mid-run.
cp "$JAR" "$work/snipool.jar"
# bin/snipool's class-data archive (docs/operations.md) is made here, once, so that no measured start is its
# training run; SNIPOOL_CDS=off in the environment measures without it.
if [ "${SNIPOOL_CDS:-auto}" != off ] && [[ " $PROXIES " == *" snipool "* ]]; then
  log "making snipool's class-data archive"
  SNIPOOL_JAR="$work/snipool.jar" SNIPOOL_CDS=make "$root/bin/snipool" || note "no class-data archive for snipool"
fi

# --- file descriptors -------------------------------------------------------------------------------------------
need_fds=$((2 * IDLE_CONNS + 2 * CONNECTIONS + 2 * TLS_CLIENTS + 2048))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need_fds" ]; then
  ulimit -Hn "$need_fds" 2>/dev/null || true   # needs CAP_SYS_RESOURCE; a container may refuse
  hard=$(ulimit -Hn)
fi
[ "$hard" = unlimited ] && hard=1048576
NOFILE=$(( need_fds < hard ? need_fds : hard ))
ulimit -n "$NOFILE"
# Each idle tunnel costs a proxy two descriptors (client and backend side).
idle_max=$(( (NOFILE - 1024) / 2 - CONNECTIONS - TLS_CLIENTS - 256 ))
if [ "$IDLE_CONNS" -gt "$idle_max" ]; then
  wants idle && note "idle connections capped at $idle_max (asked for $IDLE_CONNS): the open-files hard limit" \
    "is $hard and cannot be raised here"
  IDLE_CONNS=$idle_max
fi
CONN_CAP=$((IDLE_CONNS + CONNECTIONS + TLS_CLIENTS + 256))
IDLE_PER_HOST=$(( CONNECTIONS > 64 ? CONNECTIONS : 64 ))

# --- machine ----------------------------------------------------------------------------------------------------
first_line() { { "$@" 2>&1 || true; } | head -n 1; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$({ git -C "$root" status --porcelain --untracked-files=no 2>/dev/null || true; } | awk '{ print $2 }' \
          | head -n 5 | paste -sd, - | sed 's/,/, /g')
[ -z "$changed" ] || commit="$commit (tree with uncommitted changes to: $changed)"
# The JVM flags snipool runs with: the launcher's own, then BENCH_JAVA_OPTS.
jvm_flags=$(SNIPOOL_JAR="$work/snipool.jar" JAVA_OPTS="$JAVA_OPTS" SNIPOOL_PRINT_COMMAND=1 "$root/bin/snipool" \
            | sed -e 's/^env --default-signal=[^ ]* //' -e 's/^[^ ]* //' -e 's/ -jar .*//')
jar_info="sha256 $(sha256sum "$work/snipool.jar" | cut -c1-12), built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%S') UTC"
tcnative=$(python3 -c '
import sys, zipfile
props = zipfile.ZipFile(sys.argv[1]).read("META-INF/maven/io.netty/netty-tcnative-classes/pom.properties").decode()
print(next(l.split("=", 1)[1] for l in props.splitlines() if l.startswith("version=")))' "$work/snipool.jar" 2>/dev/null \
           || echo "?")

# --- certificates, backend --------------------------------------------------------------------------------------
make_certs "$work" "snipool bench CA"
TERM_DIR=$work
make_term_certs "$TERM_DIR"

DOCROOT=$work/docroot
mkdir -p "$DOCROOT"
BULK_BYTES=$((BULK_MIB * 1048576))
truncate -s "$BULK_BYTES" "$DOCROOT/bulk.bin"   # sparse: no disk, served from the page cache

start_backend "$work/backend"

# Scenario 9's TLS backend, a process of its own so that its stub_status counts only the re-encrypted traffic. B_REENC
# stays empty without that scenario: then the proxies get no re-encrypting routes (bench/lib/configs.sh).
B_REENC=
if wants tls-reenc; then
  B_REENC=$(free_port)
  write_reenc_backend_conf "$work/backend-reenc"
  nginx -c "$work/backend-reenc/nginx.conf" -p "$work/backend-reenc" > "$work/backend-reenc/stdout.log" 2>&1 &
  track $!
  wait_port "$B_REENC" 20 || die "the nginx TLS backend of scenario 9 did not start"
fi

# --- proxies ----------------------------------------------------------------------------------------------------
# prepare_instance NAME DIR [term]: fresh ports and configuration; sets INST_HTTP INST_TLS INST_ADMIN and CMD (the
# command line that runs it in the foreground). With "term", also the TLS-terminating listeners of scenarios 7 to 9
# and 12,
# in INST_TERM (target -> port; snipool has one target per provider, "snipool/openssl"). The instances of scenarios
# 5 and 6 have none, so that their memory and start-up stay comparable with runs from before termination.
declare -A INST_TERM
prepare_instance() {
  local name=$1 dir=$2 term=${3:-} v port
  local -a specs=()
  mkdir -p "$dir"
  INST_HTTP=$(free_port); INST_TLS=$(free_port); INST_ADMIN=$(free_port)
  INST_TERM=()
  if [ "$term" = term ]; then
    if [ "$name" = snipool ]; then
      for v in $TLS_PROVIDERS; do
        port=$(free_port); INST_TERM[snipool/$v]=$port; specs+=("$v:$port")
      done
    else
      INST_TERM[$name]=$(free_port)
    fi
  fi
  case $name in
    snipool)
      write_snipool_conf "$dir/snipool.yaml" "$INST_HTTP" "$INST_TLS" "$INST_ADMIN" "${specs[@]}"
      CMD=(env SNIPOOL_JAR="$work/snipool.jar" JAVA_OPTS="$JAVA_OPTS" "$root/bin/snipool" --config "$dir/snipool.yaml") ;;
    haproxy)
      write_haproxy_conf "$dir/haproxy.cfg" "$INST_HTTP" "$INST_TLS" "${INST_TERM[haproxy]:-}"
      CMD=(haproxy -db -f "$dir/haproxy.cfg") ;;
    nginx)
      write_nginx_proxy_conf "$dir" "$INST_HTTP" "$INST_TLS" "${INST_TERM[nginx]:-}"
      CMD=(nginx -c "$dir/nginx.conf" -p "$dir") ;;
  esac
}

# give_up NAME DIR MESSAGE: shows the end of the instance's log and stops the run.
give_up() {
  tail -20 "$2/process.log" >&2 || true
  die "$1: $3"
}

# start_instance NAME DIR [term]: starts it, waits until it proxies every listener; sets INST_PID.
start_instance() {
  local name=$1 dir=$2 target kind
  prepare_instance "$name" "$dir" "${3:-}"
  "${CMD[@]}" > "$dir/process.log" 2>&1 &
  INST_PID=$!
  track "$INST_PID"
  if [ "$name" = snipool ]; then
    wait_http "http://127.0.0.1:$INST_ADMIN/readyz" 60 || give_up "$name" "$dir" "not ready"
  fi
  wait_port "$INST_HTTP" 30 && wait_port "$INST_TLS" 30 || give_up "$name" "$dir" "did not start"
  local body
  body=$(curl -sS --max-time 10 -H 'Host: app.bench.test' "http://127.0.0.1:$INST_HTTP/" || true)
  [ "$body" = "hello from the backend" ] || give_up "$name" "$dir" "the HTTP route does not work: '$body'"
  body=$(curl -sS --max-time 10 --cacert "$CA" --resolve "tls.bench.test:$INST_TLS:127.0.0.1" \
         "https://tls.bench.test:$INST_TLS/" || true)
  [ "$body" = "hello over tls" ] || give_up "$name" "$dir" "the TLS route does not work: '$body'"
  for target in "${!INST_TERM[@]}"; do
    wait_port "${INST_TERM[$target]}" 30 || give_up "$name" "$dir" "$target: the terminating listener did not start"
    for kind in $TLS_KEYS; do
      body=$(curl -sS --max-time 10 --cacert "$CA" --resolve "$kind.term.bench.test:${INST_TERM[$target]}:127.0.0.1" \
             "https://$kind.term.bench.test:${INST_TERM[$target]}/" || true)
      [ "$body" = "hello from the backend" ] || give_up "$name" "$dir" "$target: $kind termination does not work: '$body'"
      [ -n "$B_REENC" ] || continue
      body=$(curl -sS --max-time 10 --cacert "$CA" --resolve "$kind.reenc.bench.test:${INST_TERM[$target]}:127.0.0.1" \
             "https://$kind.reenc.bench.test:${INST_TERM[$target]}/" || true)
      [ "$body" = "hello from the backend" ] || give_up "$name" "$dir" "$target: $kind re-encryption does not work: '$body'"
    done
  done
}

# pids_of NAME PID: the PIDs whose memory is the proxy's (an nginx master and its workers).
pids_of() {
  local name=$1 pid=$2 kids
  if [ "$name" = nginx ]; then
    kids=$(children "$pid")
    echo "$pid${kids:+ $kids}" | xargs | tr ' ' ','
  else
    echo "$pid"
  fi
}

# cpu_ticks TARGET: clock ticks of user plus system CPU time the target's processes have used so far (every thread,
# nginx's workers too); nothing for direct. The difference over a run, per request, is what the proxy costs in CPU:
# unlike a rate, it hardly depends on what else the shared machine is doing. A snipool target of the terminated
# scenarios ("snipool/jdk") is the one snipool process, whichever listener is loaded.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
  local t=${1%%/*} pid total=0 ticks
  [ "$t" = direct ] && { echo 0; return; }
  for pid in $(pids_of "$t" "${MAIN_PID[$t]}" | tr ',' ' '); do
    ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo "$total"
}
# cpu_sample SCENARIO METRIC TARGET REP TICKS_BEFORE TICKS_AFTER COUNT: microseconds of CPU per counted unit
cpu_sample() {
  [ "$3" = direct ] && return 0
  [ "$7" -gt 0 ] || return 0
  sample "$1" "$2" "$3" "$4" "$(python3 -c "print(($6 - $5) * 1e6 / $CLK_TCK / $7)")"
}

# syscalls_begin TARGET / syscalls_end SCENARIO TARGET REP COUNT: with BENCH_SYSCALLS=1, the load tool of the one
# measured run between them runs under perf stat, which counts the target's system calls and context switches while
# the tool runs (every thread that exists when it starts: the JVM's and HAProxy's are all up by then); the end
# samples both per counted unit. Nothing for direct, nor for scenario 8 (its load is many curl processes).
MEASURE=(); COUNTING=0
syscalls_begin() {
  MEASURE=(); COUNTING=0
  [ "$SYSCALLS" = 1 ] && [ "${1%%/*}" != direct ] || return 0
  rm -f "$work/out/perf-stat.csv"
  COUNTING=1
  MEASURE=(perf stat -x, -e raw_syscalls:sys_enter,context-switches -o "$work/out/perf-stat.csv"
           -p "$(pids_of "${1%%/*}" "${MAIN_PID[${1%%/*}]}")" --)
}
# measured COMMAND...: runs COMMAND under the perf stat of syscalls_begin, if any, once.
measured() {
  local prefix=("${MEASURE[@]}")
  MEASURE=()
  "${prefix[@]}" "$@"
}
syscalls_end() {
  [ "$COUNTING" = 1 ] || return 0
  COUNTING=0
  [ "$4" -gt 0 ] || return 0
  local file=$work/out/perf-stat.csv calls switches
  calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$file" 2>/dev/null || true)
  switches=$(awk -F, '$3 == "context-switches" { print $1 }' "$file" 2>/dev/null || true)
  if [[ $calls =~ ^[0-9]+$ && $switches =~ ^[0-9]+$ ]]; then
    sample "$1" syscalls "$2" "$3" "$(python3 -c "print($calls / $4)")"
    sample "$1" ctx_switches "$2" "$3" "$(python3 -c "print($switches / $4)")"
  else
    note "$1, $2, run $3: perf stat counted nothing ($(head -c 300 "$file" 2>/dev/null | tr '\n' ' '))"
  fi
}

declare -A HTTP_PORT TLS_PORT TERM_PORT MAIN_PID
HTTP_PORT[direct]=$B_HTTP
SNIPOOL_ADMIN=
start_main() {
  local p t term=
  wants_term && term=term
  for p in $PROXIES; do
    log "starting $p"
    start_instance "$p" "$work/$p" "$term"
    HTTP_PORT[$p]=$INST_HTTP; TLS_PORT[$p]=$INST_TLS; MAIN_PID[$p]=$INST_PID
    for t in "${!INST_TERM[@]}"; do TERM_PORT[$t]=${INST_TERM[$t]}; done
    if [ "$p" = snipool ]; then SNIPOOL_ADMIN=$INST_ADMIN; fi
  done
}
stop_main() {
  local p
  for p in $PROXIES; do stop_pid "${MAIN_PID[$p]}" 15; done
}

# tls_port TARGET PURPOSE: where a TLS client connects; direct means the backend server for that purpose.
tls_port() {
  if [ "$1" = direct ]; then
    [ "$2" = handshake ] && echo "$B_TLS" || echo "$B_BULK"
  else
    echo "${TLS_PORT[$1]}"
  fi
}

TARGETS="$PROXIES direct"
# The targets of the terminated scenarios: snipool once per provider; no direct (the backend speaks plain HTTP).
TERM_TARGETS=
for p in $PROXIES; do
  if [ "$p" = snipool ]; then
    for v in $TLS_PROVIDERS; do TERM_TARGETS+=" snipool/$v"; done
  else
    TERM_TARGETS+=" $p"
  fi
done
key_label() { case $1 in ecdsa) echo "ECDSA P-256" ;; rsa) echo "RSA 2048" ;; esac; }

# --- 1. HTTP keep-alive, 2. Connection: close ---------------------------------------------------------------------
wrk_run() { # wrk_run OUT TARGET SECONDS [extra wrk args]
  local out=$1 target=$2 seconds=$3; shift 3
  measured timeout $((seconds + 30)) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${seconds}s" --latency \
    -s "$here/lib/wrk.lua" -H 'Host: app.bench.test' "$@" "http://127.0.0.1:${HTTP_PORT[$target]}/" > "$out" 2>&1 || true
}

# backend_counters: "accepted-connections requests" the backend has counted so far (stub_status), this request's
# own connection and request included.
backend_counters() {
  curl -sf --max-time 5 "http://127.0.0.1:$B_HTTP/stub" | awk 'NR == 3 { print $1, $3 }'
}

# check_backend_saw TARGET REP SCENARIO WRK_REQUESTS REQUESTS_BEFORE REQUESTS_AFTER: every request wrk counted
# must have reached the backend (a proxy answering from elsewhere would make its numbers meaningless).
check_backend_saw() {
  local seen=$(($6 - $5 - 1))
  if [ "$seen" -lt "$4" ]; then
    note "$3, $1, run $2: wrk counted $4 responses but the backend saw only $seen requests"
  fi
}

scenario_http() {
  local t i rep out parsed rps p50 p99 requests errors before after cpu_before cpu_after
  log "1. HTTP keep-alive: $CONNECTIONS connections, ${DURATION}s x $REPEAT"
  if [ "$WARMUP" -gt 0 ]; then
    for t in $TARGETS; do
      wrk_run "$work/out/warmup-http-$t.txt" "$t" "$WARMUP"
      for i in $(seq "$WARMUP_CHURN"); do wrk_run "$work/out/warmup-http-$t-churn$i.txt" "$t" 1; done
    done
  fi
  for rep in $(seq "$REPEAT"); do
    for t in $TARGETS; do
      out=$work/out/http-$t-$rep.txt
      read -r _ before <<< "$(backend_counters)"
      cpu_before=$(cpu_ticks "$t")
      syscalls_begin "$t"
      wrk_run "$out" "$t" "$DURATION"
      cpu_after=$(cpu_ticks "$t")
      read -r _ after <<< "$(backend_counters)"
      if ! parsed=$(python3 "$here/lib/parse.py" wrk "$out"); then
        note "HTTP keep-alive, $t, run $rep: no wrk result ($(tail -1 "$out"))"; continue
      fi
      read -r rps p50 p99 requests errors p999 <<< "$parsed"
      sample http_keepalive rps "$t" "$rep" "$rps"
      sample http_keepalive p50_ms "$t" "$rep" "$p50"
      sample http_keepalive p99_ms "$t" "$rep" "$p99"
      cpu_sample http_keepalive cpu_us "$t" "$rep" "$cpu_before" "$cpu_after" "$requests"
      syscalls_end http_keepalive "$t" "$rep" "$requests"
      [ "$p999" = nan ] || sample http_keepalive p999_ms "$t" "$rep" "$p999"
      [ "$errors" -eq 0 ] || note "HTTP keep-alive, $t, run $rep: $errors errors or non-2xx responses of $requests"
      check_backend_saw "$t" "$rep" "HTTP keep-alive" "$requests" "$before" "$after"
      log "   $t run $rep: $rps req/s, p50 $p50 ms, p99 $p99 ms"
    done
  done
}

scenario_close() {
  local t rep out parsed rps p50 p99 requests errors before after conns requests_before requests_after
  local cpu_before cpu_after
  log "2. Connection: close from clients: $CONNECTIONS connections, ${DURATION}s x $REPEAT"
  if [ "$WARMUP" -gt 0 ]; then
    for t in $TARGETS; do wrk_run "$work/out/warmup-close-$t.txt" "$t" "$WARMUP" -H 'Connection: close'; done
  fi
  for rep in $(seq "$REPEAT"); do
    for t in $TARGETS; do
      out=$work/out/close-$t-$rep.txt
      read -r before requests_before <<< "$(backend_counters)"
      cpu_before=$(cpu_ticks "$t")
      syscalls_begin "$t"
      wrk_run "$out" "$t" "$DURATION" -H 'Connection: close'
      cpu_after=$(cpu_ticks "$t")
      read -r after requests_after <<< "$(backend_counters)"
      if ! parsed=$(python3 "$here/lib/parse.py" wrk "$out"); then
        note "Connection: close, $t, run $rep: no wrk result ($(tail -1 "$out"))"; continue
      fi
      read -r rps p50 p99 requests errors p999 <<< "$parsed"
      conns=$((after - before - 1))
      sample http_close rps "$t" "$rep" "$rps"
      cpu_sample http_close cpu_us "$t" "$rep" "$cpu_before" "$cpu_after" "$requests"
      syscalls_end http_close "$t" "$rep" "$requests"
      sample http_close backend_conns "$t" "$rep" "$conns"
      sample http_close backend_conns_per_1k "$t" "$rep" \
        "$(python3 -c "print($conns * 1000 / max($requests, 1))")"
      [ "$errors" -eq 0 ] || note "Connection: close, $t, run $rep: $errors errors or non-2xx responses of $requests"
      check_backend_saw "$t" "$rep" "Connection: close" "$requests" "$requests_before" "$requests_after"
      log "   $t run $rep: $rps req/s, $conns new backend connections for $requests requests"
    done
  done
}

# --- 3. TLS handshakes ------------------------------------------------------------------------------------------
h2load_run() { # h2load_run OUT PORT REQUESTS TIMEOUT: one request per connection (the backend closes after it)
  measured timeout "$4" h2load --h1 -t "$H2LOAD_THREADS" -c "$TLS_CLIENTS" -n "$3" --connect-to "127.0.0.1:$2" \
    "https://tls.bench.test:$2/" > "$1" 2>&1 || true
}

scenario_tls() {
  local t rep out parsed cps ok failed port cpu_before cpu_after warm
  declare -A count
  log "3. TLS passthrough handshakes: h2load, $TLS_CLIENTS clients, about ${DURATION}s x $REPEAT"
  # A first run per target warms it up and measures its rate, so that every measured run lasts about DURATION
  # (h2load's own duration mode never ends when the server closes each connection).
  for t in $TARGETS; do
    port=$(tls_port "$t" handshake)
    h2load_run "$work/out/calibrate-tls-$t.txt" "$port" $((TLS_CLIENTS * 20)) 120
    if parsed=$(python3 "$here/lib/parse.py" h2load "$work/out/calibrate-tls-$t.txt"); then
      read -r cps ok failed <<< "$parsed"
      count[$t]=$(python3 -c "print(max($TLS_CLIENTS * 10, int($cps * $DURATION)))")
      # Then BENCH_WARMUP seconds of unmeasured handshakes, and at least BENCH_TLS_WARMUP: the calibration alone is
      # over before the JIT has compiled snipool's accept and tunnel paths, and its compiler threads would be
      # counted in the CPU figure. Seconds at the cold rate were too few: the JIT compiles the per-connection path
      # after some 10,000 to 14,000 connections, and 10 s at the calibration's rate were about 5,000.
      if [ "$WARMUP" -gt 0 ]; then
        warm=$(python3 -c "print(max($TLS_CLIENTS, int($cps * $WARMUP), $TLS_WARMUP))")
        out=$work/out/warmup-tls-$t.txt
        h2load_run "$out" "$port" "$warm" "$(python3 -c "print(int(60 + 6 * $warm / max($cps, 1)))")"
        # The warm rate sizes the measured runs, as in scenario 8: at the cold one they were shorter than DURATION.
        if parsed=$(python3 "$here/lib/parse.py" h2load "$out"); then
          read -r cps ok failed <<< "$parsed"
          count[$t]=$(python3 -c "print(max($TLS_CLIENTS * 10, int($cps * $DURATION)))")
        fi
      fi
    else
      count[$t]=$((TLS_CLIENTS * 10))
      note "TLS handshakes, $t: the calibration run gave no result ($(tail -1 "$work/out/calibrate-tls-$t.txt"))"
    fi
  done
  for rep in $(seq "$REPEAT"); do
    for t in $TARGETS; do
      out=$work/out/tls-$t-$rep.txt
      port=$(tls_port "$t" handshake)
      cpu_before=$(cpu_ticks "$t")
      syscalls_begin "$t"
      h2load_run "$out" "$port" "${count[$t]}" $((DURATION * 6 + 60))
      cpu_after=$(cpu_ticks "$t")
      if ! parsed=$(python3 "$here/lib/parse.py" h2load "$out"); then
        note "TLS handshakes, $t, run $rep: no h2load result (timed out or failed: $(tail -1 "$out"))"; continue
      fi
      read -r cps ok failed <<< "$parsed"
      sample tls_handshake cps "$t" "$rep" "$cps"
      cpu_sample tls_handshake cpu_us "$t" "$rep" "$cpu_before" "$cpu_after" "$ok"
      syscalls_end tls_handshake "$t" "$rep" "$ok"
      [ "$failed" -eq 0 ] || note "TLS handshakes, $t, run $rep: $failed of ${count[$t]} requests failed"
      log "   $t run $rep: $cps new connections/s ($ok connections)"
    done
  done
}

# --- 4. TLS bulk ------------------------------------------------------------------------------------------------
curl_bulk() { # curl_bulk PORT [curl args]: prints "size seconds" (under syscalls_begin's perf stat, if any)
  local port=$1; shift
  measured curl -sS -o /dev/null --max-time 600 --cacert "$CA" --resolve "bulk.bench.test:$port:127.0.0.1" \
    -w '%{size_download} %{time_total}\n' "$@" "https://bulk.bench.test:$port/bulk.bin"
}

scenario_bulk() {
  local t rep port result mbps cpu_before cpu_after
  log "4. TLS passthrough bulk: ${BULK_MIB} MiB download x $REPEAT"
  # One whole untimed download per target first: a JIT compiler that has not yet compiled the relay path makes the
  # first timed run of snipool several times slower, which says nothing about its steady state.
  for t in $TARGETS; do curl_bulk "$(tls_port "$t" bulk)" > /dev/null || true; done
  for rep in $(seq "$REPEAT"); do
    for t in $TARGETS; do
      port=$(tls_port "$t" bulk)
      syscalls_begin "$t"
      cpu_before=$(cpu_ticks "$t")
      result=$(curl_bulk "$port" 2>&1 || true)
      cpu_after=$(cpu_ticks "$t")
      if ! mbps=$(python3 "$here/lib/parse.py" curl "$BULK_BYTES" "$result" 2>/dev/null); then
        note "TLS bulk, $t, run $rep: incomplete download ($result)"; COUNTING=0; continue
      fi
      sample tls_bulk mbps "$t" "$rep" "$mbps"
      # CPU per MB (10^6 bytes, as MB/s): the download's bytes, whatever the ticks' resolution (10 ms) rounds.
      [ "$t" = direct ] || sample tls_bulk cpu_us "$t" "$rep" \
        "$(python3 -c "print(($cpu_after - $cpu_before) * 1e6 / $CLK_TCK / ($BULK_BYTES / 1e6))")"
      syscalls_end tls_bulk "$t" "$rep" "$((BULK_BYTES / 1000000))"
      log "   $t run $rep: $mbps MB/s, $(python3 -c "print(round(($cpu_after - $cpu_before) * 1e6 / $CLK_TCK / ($BULK_BYTES / 1e6), 1))") µs CPU per MB"
    done
  done
}

# --- 7. TLS terminated keep-alive, 8. TLS terminated Connection: close ------------------------------------------
# snipool_metric NAME LABELS [ABSENT]: one sample of the main snipool's /metrics; ABSENT (0 by default; "" prints
# nothing) when it is absent, cannot be read or snipool is not run.
snipool_metric() {
  local absent=${3-0}
  [ -n "$SNIPOOL_ADMIN" ] || { [ -z "$absent" ] || echo "$absent"; return; }
  { curl -sf --max-time 5 "http://127.0.0.1:$SNIPOOL_ADMIN/metrics" || true; } \
    | awk -v key="$1{$2}" -v absent="$absent" \
        '$1 == key { v = $2; found = 1 } END { if (found) printf "%d\n", v; else if (absent != "") print absent }'
}

# wrk_term_run OUT TARGET NAME SECONDS [extra wrk args]: wrk over TLS to NAME (the SNI and Host wrk sends:
# KIND.term.bench.test, or KIND.reenc.bench.test in scenario 9), connecting to 127.0.0.1 (bench/lib/wrk.lua).
wrk_term_run() {
  local out=$1 target=$2 name=$3 seconds=$4; shift 4
  measured timeout $((seconds + 30)) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${seconds}s" --latency \
    -s "$here/lib/wrk.lua" "$@" "https://$name:${TERM_PORT[$target]}/" > "$out" 2>&1 || true
}

# haproxy_resumed: the TLS sessions HAProxy's terminating frontend has resumed so far ("ssl_reused_sess" of "show
# stat" on HAPROXY_STATS_SOCKET), nothing when it cannot be read.
haproxy_resumed() {
  [ -n "$HAPROXY_STATS_SOCKET" ] || return 0
  python3 - "$HAPROXY_STATS_SOCKET" <<'PY' 2>/dev/null || true
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
lines = data.decode().splitlines()
header = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    row = dict(zip(header, line.split(",")))
    if row.get("pxname") == "term" and row.get("svname") == "FRONTEND":
        print(int(row["ssl_reused_sess"]))
        break
PY
}

# resumed_so_far TARGET: the TLS sessions TARGET's terminating listener has resumed so far (snipool by its counter,
# HAProxy by its frontend's), nothing when that cannot be read (and for nginx, which does not count them).
resumed_so_far() {
  case $1 in
    snipool/*) snipool_metric snipool_tls_sessions_resumed_total "listener=\"term-${1#snipool/}\"" "" ;;
    haproxy) haproxy_resumed ;;
  esac
}

# terminated_keepalive ID ZONE COUNTERS LABEL TITLE [conns|close]: scenarios 7, 9 and 12, per key type: wrk over
# TLS to KIND.ZONE.bench.test on each terminating target, samples under ID (dashes as underscores), the backend's
# COUNTERS ("accepted-connections requests") before and after each run; with "conns", its new connections too; with
# "close", every request sends "Connection: close", so each is a new TLS connection whose handshake resumes the
# session of the one before it (wrk keeps each connection's OpenSSL session), which snipool's and HAProxy's counters
# check.
terminated_keepalive() {
  local id=$1 zone=$2 counters=$3 label=$4 title=$5 conns_too= close=
  case ${6:-} in conns) conns_too=1 ;; close) close=1 ;; esac
  local metric=${id//-/_} kind t rep out parsed rps p50 p99 requests errors before after requests_before
  local requests_after conns cpu_before cpu_after resumed_before resumed warm_runs warmed wrk_args=()
  [ -z "$close" ] || wrk_args=(-H 'Connection: close')
  for kind in $TLS_KEYS; do
    log "$title, $(key_label "$kind"): $CONNECTIONS connections, ${DURATION}s x $REPEAT"
    if [ "$WARMUP" -gt 0 ]; then
      for t in $TERM_TARGETS; do
        # One run of BENCH_WARMUP seconds; with "close" (a new connection per request), as in scenarios 3 and 8, at
        # least BENCH_TLS_WARMUP connections (the JIT compiles snipool's per-connection path after some ten
        # thousand), in up to six runs.
        warm_runs=0 warmed=0
        while :; do
          out=$work/out/warmup-$id-$kind-${t//\//-}${close:+-$warm_runs}.txt
          wrk_term_run "$out" "$t" "$kind.$zone.bench.test" "$WARMUP" "${wrk_args[@]}"
          [ -n "$close" ] || break
          if ! parsed=$(python3 "$here/lib/parse.py" wrk "$out"); then
            note "$label $kind, $t: a warm-up run gave no wrk result ($(tail -1 "$out"))"; break
          fi
          read -r rps p50 p99 requests errors p999 <<< "$parsed"
          warmed=$((warmed + requests)) warm_runs=$((warm_runs + 1))
          [ "$warmed" -lt "$TLS_WARMUP" ] || break
          if [ "$warm_runs" -ge 6 ]; then
            note "$label $kind, $t: warmed up with $warmed connections, fewer than BENCH_TLS_WARMUP ($TLS_WARMUP)"
            break
          fi
        done
      done
    fi
    for rep in $(seq "$REPEAT"); do
      for t in $TERM_TARGETS; do
        out=$work/out/$id-$kind-${t//\//-}-$rep.txt
        [ -z "$close" ] || resumed_before=$(resumed_so_far "$t")
        read -r before requests_before <<< "$($counters)"
        cpu_before=$(cpu_ticks "$t")
        syscalls_begin "$t"
        wrk_term_run "$out" "$t" "$kind.$zone.bench.test" "$DURATION" "${wrk_args[@]}"
        cpu_after=$(cpu_ticks "$t")
        read -r after requests_after <<< "$($counters)"
        if ! parsed=$(python3 "$here/lib/parse.py" wrk "$out"); then
          note "$label $kind, $t, run $rep: no wrk result ($(tail -1 "$out"))"; continue
        fi
        read -r rps p50 p99 requests errors p999 <<< "$parsed"
        sample "${metric}_$kind" rps "$t" "$rep" "$rps"
        sample "${metric}_$kind" p50_ms "$t" "$rep" "$p50"
        sample "${metric}_$kind" p99_ms "$t" "$rep" "$p99"
        cpu_sample "${metric}_$kind" cpu_us "$t" "$rep" "$cpu_before" "$cpu_after" "$requests"
        syscalls_end "${metric}_$kind" "$t" "$rep" "$requests"
        [ "$p999" = nan ] || sample "${metric}_$kind" p999_ms "$t" "$rep" "$p999"
        conns=""
        if [ -n "$conns_too" ]; then
          conns=$((after - before - 1))
          sample "${metric}_$kind" backend_conns "$t" "$rep" "$conns"
          sample "${metric}_$kind" backend_conns_per_1k "$t" "$rep" \
            "$(python3 -c "print($conns * 1000 / max($requests, 1))")"
        fi
        [ "$errors" -eq 0 ] || note "$label $kind, $t, run $rep: $errors errors or non-2xx responses of $requests"
        check_backend_saw "$t" "$rep" "$label $kind" "$requests" "$requests_before" "$requests_after"
        if [[ -n $close && $t != nginx ]]; then
          resumed=$(resumed_so_far "$t")
          # At most one more handshake than requests per connection slot (wrk's last connections get no answer).
          if [[ -z $resumed || -z $resumed_before ]] || (( resumed - resumed_before < 0
              || resumed - resumed_before > requests + CONNECTIONS )); then
            note "$label $kind, $t, run $rep: its resumed sessions could not be counted (before '$resumed_before'," \
              "after '$resumed')"
          else
            sample "${metric}_$kind" resumed_pct "$t" "$rep" \
              "$(python3 -c "print($((resumed - resumed_before)) * 100 / max($requests, 1))")"
          fi
        fi
        log "   $t run $rep: $rps req/s, p50 $p50 ms, p99 $p99 ms${conns:+, $conns new backend TLS connections}"
      done
    done
  done
}

scenario_tls_ka() {
  terminated_keepalive tls-ka term backend_counters "TLS keep-alive" "7. TLS terminated keep-alive"
}

scenario_tls_resume() {
  terminated_keepalive tls-resume term backend_counters "TLS resumed" \
    "12. TLS terminated, clients send Connection: close and resume their sessions" close
}

# curl_close_run OUT TARGET KIND COUNT TIMEOUT: COUNT requests with "Connection: close", BENCH_TLS_CLIENTS at once,
# each on a new TLS connection with a full handshake (--no-sessionid: curl offers no session to resume). OUT gets
# one status code per request, OUT.seconds the wall time.
curl_close_run() {
  local out=$1 port=${TERM_PORT[$2]} kind=$3 count=$4 limit=$5 start
  start=$(date +%s.%N)
  timeout "$limit" curl -s --no-progress-meter -Z --parallel-max "$TLS_CLIENTS" --no-sessionid -k \
    -H 'Connection: close' --resolve "$kind.term.bench.test:$port:127.0.0.1" -o /dev/null -w '%{http_code}\n' \
    "https://$kind.term.bench.test:$port/?[1-$count]" > "$out" 2> "$out.err" || true
  python3 -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$start" > "$out.seconds"
}

scenario_tls_close() {
  local kind t rep out parsed rps ok failed before after requests_before requests_after conns cpu_before cpu_after
  local resumed_before resumed_after listener warm
  declare -A count
  for kind in $TLS_KEYS; do
    log "8. TLS terminated, clients send Connection: close, $(key_label "$kind"): curl, $TLS_CLIENTS at once," \
      "about ${DURATION}s x $REPEAT"
    # As in scenario 3: a first run per target warms it up and measures its rate, so that each measured run lasts
    # about DURATION; then BENCH_WARMUP seconds of unmeasured load, and at least BENCH_TLS_WARMUP handshakes: the
    # JIT compiles snipool's per-connection path only after some ten thousand connections (on this machine its CPU
    # per connection fell from 2.9 ms over the first 2,000 to 0.4 ms after 20,000 and stayed there), and 10 s of
    # cold handshakes are only a few thousand.
    for t in $TERM_TARGETS; do
      out=$work/out/calibrate-tls-close-$kind-${t//\//-}.txt
      curl_close_run "$out" "$t" "$kind" $((TLS_CLIENTS * 20)) 120
      if parsed=$(python3 "$here/lib/parse.py" codes "$out" $((TLS_CLIENTS * 20)) "$(cat "$out.seconds")"); then
        read -r rps ok failed <<< "$parsed"
        count[$t]=$(python3 -c "print(max($TLS_CLIENTS * 10, int($rps * $DURATION)))")
        warm=$(python3 -c "print(max(int($rps * $WARMUP), $TLS_WARMUP))")
        if [ "$warm" -gt 0 ]; then
          out=$work/out/warmup-tls-close-$kind-${t//\//-}.txt
          curl_close_run "$out" "$t" "$kind" "$warm" "$(python3 -c "print(int(60 + 6 * $warm / max($rps, 1)))")"
          # The warm rate sizes the measured runs: snipool's cold one is a third of it, and would make them short.
          if parsed=$(python3 "$here/lib/parse.py" codes "$out" "$warm" "$(cat "$out.seconds")"); then
            read -r rps ok failed <<< "$parsed"
            count[$t]=$(python3 -c "print(max($TLS_CLIENTS * 10, int($rps * $DURATION)))")
          fi
        fi
      else
        count[$t]=$((TLS_CLIENTS * 10))
        note "TLS Connection: close $kind, $t: the calibration run gave no result ($(tail -1 "$out.err"))"
      fi
    done
    for rep in $(seq "$REPEAT"); do
      for t in $TERM_TARGETS; do
        out=$work/out/tls-close-$kind-${t//\//-}-$rep.txt
        listener="listener=\"term-${t#snipool/}\""
        [[ $t == snipool/* ]] && resumed_before=$(snipool_metric snipool_tls_sessions_resumed_total "$listener")
        read -r before requests_before <<< "$(backend_counters)"
        cpu_before=$(cpu_ticks "$t")
        curl_close_run "$out" "$t" "$kind" "${count[$t]}" $((DURATION * 6 + 60))
        cpu_after=$(cpu_ticks "$t")
        read -r after requests_after <<< "$(backend_counters)"
        if ! parsed=$(python3 "$here/lib/parse.py" codes "$out" "${count[$t]}" "$(cat "$out.seconds")"); then
          note "TLS Connection: close $kind, $t, run $rep: no curl result ($(tail -1 "$out.err"))"; continue
        fi
        read -r rps ok failed <<< "$parsed"
        conns=$((after - before - 1))
        sample "tls_close_$kind" rps "$t" "$rep" "$rps"
        cpu_sample "tls_close_$kind" cpu_us "$t" "$rep" "$cpu_before" "$cpu_after" "$ok"
        sample "tls_close_$kind" backend_conns "$t" "$rep" "$conns"
        sample "tls_close_$kind" backend_conns_per_1k "$t" "$rep" "$(python3 -c "print($conns * 1000 / max($ok, 1))")"
        [ "$failed" -eq 0 ] || note "TLS Connection: close $kind, $t, run $rep: $failed of ${count[$t]} requests failed" \
          "($(sort "$out" | uniq -c | sort -rn | head -3 | xargs))"
        check_backend_saw "$t" "$rep" "TLS Connection: close $kind" "$ok" "$requests_before" "$requests_after"
        if [[ $t == snipool/* ]]; then
          resumed_after=$(snipool_metric snipool_tls_sessions_resumed_total "$listener")
          [ "$resumed_after" -eq "$resumed_before" ] || note "TLS Connection: close $kind, $t, run $rep:" \
            "$((resumed_after - resumed_before)) handshakes resumed a session (every one should be full)"
        fi
        log "   $t run $rep: $rps req/s ($ok requests, each a new TLS connection), $conns new backend connections"
      done
    done
  done
}

# --- 9. TLS terminated keep-alive, re-encrypted to a TLS backend ----------------------------------------------
# reenc_counters: "accepted-connections requests" scenario 9's TLS backend has counted so far (its stub_status,
# over TLS, verified), this reading's own connection and request included.
reenc_counters() {
  curl -sf --max-time 5 --cacert "$CA" --resolve "$REENC_SNI:$B_REENC:127.0.0.1" "https://$REENC_SNI:$B_REENC/stub" \
    | awk 'NR == 3 { print $1, $3 }'
}

scenario_tls_reenc() {
  terminated_keepalive tls-reenc reenc reenc_counters "TLS re-encrypted" \
    "9. TLS terminated keep-alive, re-encrypted to a TLS backend" conns
}

# --- 5. idle TLS tunnels ----------------------------------------------------------------------------------------
scenario_idle() {
  local p rep dir pids json fields opened still failed before after per_conn seconds first_error
  log "5. $IDLE_CONNS idle TLS tunnels per proxy, fresh process each run, x $REPEAT"
  for rep in $(seq "$REPEAT"); do
    for p in $PROXIES; do
      dir=$work/idle-$p-$rep
      start_instance "$p" "$dir"
      sleep 1
      pids=$(pids_of "$p" "$INST_PID")
      local hold=()
      if [ "$p" = snipool ] && [ -n "$IDLE_HISTO" ]; then
        # What the Java heap holds per idle tunnel: a histogram of live objects, all connections still open.
        # Before it (the histogram collects the whole heap) the heap's regions, the process's memory map (also before the
        # tunnels open, to compare mapping by mapping), and
        # native memory by category (against the "before" reading) where BENCH_JAVA_OPTS has -XX:NativeMemoryTracking=summary (harmless without).
        hold=(--after-before "jcmd $INST_PID GC.heap_info > '$IDLE_HISTO/idle-heap-before-$rep.txt';
          cat /proc/$INST_PID/smaps > '$IDLE_HISTO/idle-smaps-before-$rep.txt';
          jcmd $INST_PID VM.native_memory baseline > /dev/null 2>&1 || true"
          --while-open "jcmd $INST_PID GC.heap_info > '$IDLE_HISTO/idle-heap-$rep.txt';
          cat /proc/$INST_PID/smaps > '$IDLE_HISTO/idle-smaps-$rep.txt';
          jcmd $INST_PID VM.native_memory summary.diff > '$IDLE_HISTO/idle-nmt-$rep.txt' 2>&1 || true;
          jcmd $INST_PID GC.class_histogram > '$IDLE_HISTO/idle-histogram-$rep.txt'")
        # With BENCH_IDLE_HEAPDUMP=1 also a dump of the live heap (tens of MB: who holds what).
        if [ "$IDLE_HEAPDUMP" = 1 ]; then
          hold[3]+="; jcmd $INST_PID GC.heap_dump '$IDLE_HISTO/idle-heap-$rep.hprof' > /dev/null"
        fi
      fi
      json=$(timeout 900 python3 "$here/lib/idle_conns.py" --port "$INST_TLS" --sni idle.bench.test --cafile "$CA" \
               --pids "$pids" --count "$IDLE_CONNS" --warmup "$IDLE_WARMUP" --deadline 840 "${hold[@]}" 2> "$dir/idle_conns.err" || true)
      stop_pid "$INST_PID" 15
      if ! fields=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["opened"], d["still_open"], d["failed"], d["rss_before_kib"], d["rss_after_kib"], d["per_conn_bytes"],
      d["open_seconds"], d["first_error"])' "$json" 2>/dev/null); then
        note "idle tunnels, $p, run $rep: no result (${json:-$(tail -1 "$dir/idle_conns.err")})"; continue
      fi
      read -r opened still failed before after per_conn seconds first_error <<< "$fields"
      if [ "$opened" -eq 0 ]; then note "idle tunnels, $p, run $rep: no connection opened ($first_error)"; continue; fi
      sample idle opened "$p" "$rep" "$opened"
      sample idle rss_before_mib "$p" "$rep" "$(python3 -c "print($before / 1024)")"
      sample idle rss_after_mib "$p" "$rep" "$(python3 -c "print($after / 1024)")"
      sample idle per_conn_kib "$p" "$rep" "$(python3 -c "print($per_conn / 1024)")"
      [ "$failed" -eq 0 ] || note "idle tunnels, $p, run $rep: $failed of $IDLE_CONNS failed ($first_error)"
      [ "$still" -eq "$opened" ] || note "idle tunnels, $p, run $rep: only $still of $opened still open at the reading"
      log "   $p run $rep: $opened open in ${seconds}s, RSS $((before / 1024)) -> $((after / 1024)) MiB," \
        "$per_conn bytes each"
    done
  done
}

# --- 6. start-up ------------------------------------------------------------------------------------------------
scenario_startup() {
  local p rep dir json ready first args
  log "6. start-up time x $REPEAT"
  for rep in $(seq "$REPEAT"); do
    for p in $PROXIES; do
      dir=$work/startup-$p-$rep
      prepare_instance "$p" "$dir"
      BENCH_PIDFILES+=("$dir/pid")
      args=(--pidfile "$dir/pid" --url "http://127.0.0.1:$INST_HTTP/" --host app.bench.test --log "$dir/process.log")
      [ "$p" = snipool ] && args+=(--ready-url "http://127.0.0.1:$INST_ADMIN/readyz")
      json=$(timeout 120 python3 "$here/lib/startup.py" "${args[@]}" -- "${CMD[@]}" || true)
      read -r ready first <<< "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["ready_ms"], d["first_request_ms"])' "$json" 2>/dev/null || echo "None None")"
      if [ "$first" = None ]; then note "start-up, $p, run $rep: no proxied 200 within the limit"; continue; fi
      sample startup first_ms "$p" "$rep" "$first"
      [ "$ready" = None ] || sample startup ready_ms "$p" "$rep" "$ready"
      if [ "$ready" = None ]; then ready=; else ready=" (/readyz 200 after $ready ms)"; fi
      log "   $p run $rep: first proxied 200 after $first ms$ready"
    done
  done
}

# --- 10. bursts after idle, pool.adaptive off and on (snipool alone) ---------------------------------------------
scenario_burst() {
  [[ " $PROXIES " == *" snipool "* ]] || return 0
  log "10. bursts after idle: pool.adaptive off and on"
  if ! timeout 600 python3 "$here/lib/burst.py" --snipool "$root/bin/snipool" --jar "$work/snipool.jar" \
      --out "$work/burst.md" 2> "$work/burst.log"; then
    note "bursts after idle: bench/lib/burst.py failed: $(tail -1 "$work/burst.log")"
    rm -f "$work/burst.md"
  fi
}

# --- 11. HTTP/2 (snipool, HAProxy and nginx, each terminating h2; processes of its own) ---------------------------
scenario_h2() {
  log "11. HTTP/2: h2load through each proxy, h2c or HTTP/1.1 to the backend"
  if ! timeout 1800 python3 "$here/lib/h2.py" --snipool "$root/bin/snipool" --jar "$work/snipool.jar" \
      --repeat "$REPEAT" --duration "$DURATION" --java-opts="$JAVA_OPTS" --out "$work/h2.md" 2> "$work/h2.log"; then
    note "HTTP/2: bench/lib/h2.py failed: $(tail -1 "$work/h2.log")"
    rm -f "$work/h2.md"
  fi
}

# --- run --------------------------------------------------------------------------------------------------------
started_at=$SECONDS
if wants http || wants close || wants tls || wants bulk || wants_term; then
  start_main
  wants http && scenario_http
  wants close && scenario_close
  wants tls && scenario_tls
  wants bulk && scenario_bulk
  wants tls-ka && scenario_tls_ka
  wants tls-close && scenario_tls_close
  wants tls-resume && scenario_tls_resume
  wants tls-reenc && scenario_tls_reenc
  stop_main
fi
wants idle && scenario_idle
wants startup && scenario_startup
wants burst && scenario_burst
wants h2 && scenario_h2
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
report=$RESULTS/$stamp.md
{
  echo "# snipool benchmark, $stamp UTC"
  echo
  echo "snipool, HAProxy and nginx as proxies in front of the same nginx backend, one after another under the same"
  echo "load, repetitions interleaved. Compare the **ratios** within this report; absolute numbers depend on the"
  echo "machine and on whatever else ran on it (see bench/README.md)."
  echo
  if [ "$REPEAT" -lt 3 ] || [ "$DURATION" -lt 10 ] || [ "${BENCH_IDLE_CONNS:-10000}" -lt 10000 ]; then
    echo "**Short settings** (fewer repetitions, shorter runs or fewer idle connections than the defaults): this"
    echo "run shows that the harness works more than it measures anything."
    echo
  fi
  echo "## Machine"
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| CPU | $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
  echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
  echo "| kernel | $(uname -sr) |"
  echo "| load average (1, 5, 15 min) | at start $load_start; at end $load_end |"
  echo "| JDK | $(first_line java -version) |"
  echo "| snipool | commit $commit; jar $jar_info; JVM flags (bin/snipool and BENCH_JAVA_OPTS) \`$jvm_flags\` |"
  echo "| HAProxy | $(first_line haproxy -v); TLS: $({ haproxy -vv 2>&1 || true; } \
         | sed -n 's/^Running on OpenSSL version : //p') |"
  echo "| nginx | $(first_line nginx -v) (backend and proxy); TLS: $({ nginx -V 2>&1 || true; } \
         | sed -n 's/^built with //p') |"
  echo "| wrk | $(first_line wrk -v) |"
  echo "| h2load | $(first_line h2load --version) |"
  echo "| curl | $(first_line curl --version) |"
  echo "| OpenSSL | $(first_line openssl version) |"
  echo "| Python | $(first_line python3 --version) |"
  echo "| open files limit | $NOFILE (hard limit $hard) |"
  echo
  echo "## Settings"
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| repetitions | $REPEAT (BENCH_REPEAT) |"
  echo "| run length | ${DURATION}s (BENCH_DURATION), warm-up ${WARMUP}s per target (BENCH_WARMUP)$(
         wants http && [ "$WARMUP" -gt 0 ] && [ "$WARMUP_CHURN" -gt 0 ] && echo ", then $WARMUP_CHURN runs of 1s on new connections before" \
           "scenario 1 (BENCH_WARMUP_CHURN)")$(
         wants tls || wants tls-close && echo ", and at least $TLS_WARMUP handshakes per target (and key type)" \
         "before scenarios 3 and 8 (BENCH_TLS_WARMUP)") |"
  echo "| HTTP load | wrk, $WRK_THREADS threads, $CONNECTIONS connections (BENCH_WRK_THREADS, BENCH_CONNECTIONS) |"
  echo "| TLS handshake load | h2load, $H2LOAD_THREADS thread(s), $TLS_CLIENTS clients, one request per connection" \
       "(BENCH_H2LOAD_THREADS, BENCH_TLS_CLIENTS) |"
  echo "| bulk download | $BULK_MIB MiB, one curl (BENCH_BULK_MIB) |"
  echo "| HAProxy splice | $([ "$HAPROXY_SPLICE" = 1 ] && echo 'option splice-auto' || echo 'off, its default') (BENCH_HAPROXY_SPLICE) |"
  echo "| idle tunnels | $IDLE_CONNS per proxy (BENCH_IDLE_CONNS), after $IDLE_WARMUP opened and closed (BENCH_IDLE_WARMUP) |"
  if wants_term; then
    echo "| TLS termination (7 to 9, 12) | key types: $TLS_KEYS (BENCH_TLS_KEYS); snipool's tls.provider: $TLS_PROVIDERS" \
         "(BENCH_TLS_PROVIDERS; openssl is BoringSSL from netty-tcnative-boringssl-static $tcnative, jdk the" \
         "JDK's own TLS); HAProxy and nginx use the system OpenSSL (above) |"
    echo "| terminated load | 7: wrk as in scenario 1, over TLS; 8: curl -Z, $TLS_CLIENTS transfers at once" \
         "(BENCH_TLS_CLIENTS), --no-sessionid, Connection: close: a full handshake per request; 12: wrk as in 7" \
         "with Connection: close, each connection resuming its slot's session |"
  fi
  if wants tls-reenc; then
    echo "| re-encryption (9) | wrk as in scenario 7 to KIND.reenc.bench.test, on the same terminating listeners;" \
         "each proxy re-encrypts over pooled keep-alive connections to a second nginx backend (TLS 1.2 and 1.3," \
         "ECDSA P-256 certificate), sending the SNI $REENC_SNI and verifying the certificate against the bench CA;" \
         "snipool's backend TLS runs on BoringSSL when it loads, whatever the listener's provider |"
  fi
  echo "| proxies, scenarios | $PROXIES; $SCENARIOS |"
  echo "| snipool transport | $TRANSPORT (BENCH_TRANSPORT) |"
  echo "| snipool accept | $ACCEPT (BENCH_ACCEPT) |"
  echo "| workers | snipool: one event loop per core ($(nproc)); HAProxy: nbthread 2; nginx: worker_processes 2 |"
  echo "| total time | $((SECONDS - started_at)) s |"
} > "$work/header.md"
python3 "$here/lib/report.py" --samples "$SAMPLES" --header "$work/header.md" --notes "$NOTES" --out "$report"
for section in burst h2; do
  if [ -f "$work/$section.md" ]; then
    { echo; cat "$work/$section.md"; } >> "$report"
  fi
done
log "report written to $report"
