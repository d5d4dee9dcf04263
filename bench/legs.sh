#!/usr/bin/env bash
# Where the keep-alive tail goes: scenario 1 of bench/run.sh (wrk, 50 connections, the same nginx backend and proxy
# configurations), each measured run captured on the loopback interface with tcpdump, and every request's time split
# into the proxy's inbound path, the backend, and the proxy's outbound path (bench/lib/legs.py). snipool also logs its
# JIT compilations and GC pauses with wall-clock times, so the report's per-second tables show them beside each
# second's p99. Writes bench/results/legs-<UTC date>-<time>.md. Not part of the test run; see bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
. "$here/lib/configs.sh"

ROUNDS=${LEGS_ROUNDS:-3}                # measured runs per proxy, interleaved
DURATION=${LEGS_DURATION:-10}           # seconds per wrk run
WARMUP=${LEGS_WARMUP:-10}               # seconds of unmeasured load per proxy first, as bench/run.sh
WARMUP_CHURN=${LEGS_WARMUP_CHURN:-${BENCH_WARMUP_CHURN:-3}}   # then runs of 1 s on new connections, as bench/run.sh
CONNECTIONS=${LEGS_CONNECTIONS:-50}
PROXIES=${LEGS_PROXIES:-snipool haproxy}
WRK_NICE=${LEGS_WRK_NICE:-0}            # wrk's nice value: below 0, the scheduler favours wrk over the proxy
JAR=${BENCH_JAR:-$root/proxy-app/target/snipool.jar}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx256m}
RESULTS=${BENCH_RESULTS:-$here/results}
[[ $WRK_NICE =~ ^-?[0-9]+$ ]] || die "LEGS_WRK_NICE must be a whole number, got '$WRK_NICE'"
for n in ROUNDS DURATION WARMUP CONNECTIONS; do
  [[ ${!n} =~ ^[0-9]+$ ]] && [ "${!n}" -ge 1 ] || die "LEGS_$n must be a whole number of at least 1, got '${!n}'"
done
[[ $WARMUP_CHURN =~ ^[0-9]+$ ]] || die "LEGS_WARMUP_CHURN must be a whole number, got '$WARMUP_CHURN'"
for p in $PROXIES; do case $p in snipool|haproxy) ;; *) die "LEGS_PROXIES: unknown proxy '$p'" ;; esac; done
[ "$(id -u)" -eq 0 ] || die "legs.sh captures with tcpdump: run it as root"
missing=()
for tool in wrk nginx haproxy tcpdump openssl curl python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
install_packages "${missing[@]}"
[ -f "$JAR" ] || die "no jar at $JAR (./mvnw -q -DskipTests package)"

stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$(mktemp -d /dev/shm/snipool-legs.XXXXXX)   # the captures are large: memory, not disk
trap 'bench_cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cp "$JAR" "$work/snipool.jar"

NOFILE=$(ulimit -n); CONN_CAP=1024; IDLE_PER_HOST=$(( CONNECTIONS > 64 ? CONNECTIONS : 64 ))
TRANSPORT=${BENCH_TRANSPORT:-auto}
make_certs "$work" "snipool legs CA"
DOCROOT=$work/docroot; mkdir -p "$DOCROOT"
start_backend "$work/backend"

declare -A PORT
for p in $PROXIES; do
  http=$(free_port)
  PORT[$p]=$http
  case $p in
    snipool)
      write_snipool_conf "$work/snipool.yaml" "$http" "$(free_port)" "$(free_port)"
      if [ "${SNIPOOL_CDS:-auto}" != off ]; then
        SNIPOOL_JAR="$work/snipool.jar" SNIPOOL_CDS=make "$root/bin/snipool" >/dev/null 2>&1 || true
      fi
      env SNIPOOL_JAR="$work/snipool.jar" JAVA_OPTS="$JAVA_OPTS -Xlog:gc:file=$work/gc.log:time \
-Xlog:jit+compilation=debug:file=$work/jit.log:time" "$root/bin/snipool" --config "$work/snipool.yaml" \
        > "$work/snipool.out" 2>&1 & track $! ;;
    haproxy)
      write_haproxy_conf "$work/haproxy.cfg" "$http" "$(free_port)"
      haproxy -f "$work/haproxy.cfg" -db > "$work/haproxy.out" 2>&1 & track $! ;;
  esac
  wait_http "http://127.0.0.1:$http/" 60 app.bench.test || die "$p did not answer"
done

wrk_legs() { # wrk_legs PORT SECONDS OUT
  timeout $(($2 + 60)) nice -n "$WRK_NICE" wrk -t2 -c"$CONNECTIONS" -d"$2"s --latency -s "$here/lib/legs.lua" "http://127.0.0.1:$1/" > "$3" 2>&1 || true
}
for p in $PROXIES; do
  log "warm-up: $p, ${WARMUP}s, then $WARMUP_CHURN runs of 1s on new connections"
  wrk_legs "${PORT[$p]}" "$WARMUP" "$work/warmup-$p.txt"
  for i in $(seq "$WARMUP_CHURN"); do wrk_legs "${PORT[$p]}" 1 "$work/warmup-$p-churn$i.txt"; done
done

report=$work/report.md
{
  echo "# Keep-alive legs, $stamp UTC"
  echo
  echo "bench/legs.sh: commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), jar sha256" \
    "$(sha256sum "$work/snipool.jar" | cut -c1-12); $ROUNDS rounds of ${DURATION}s, ${WARMUP}s warm-up per proxy" \
    "then $WARMUP_CHURN runs of 1s on new connections," \
    "$CONNECTIONS connections, wrk at nice $WRK_NICE, snipool's transport $TRANSPORT; load average at start $(cut -d' ' -f1-3 /proc/loadavg). Times in µs. *in*: the client's" \
    "request on the wire to the proxy's copy to the backend; *backend*: that copy to the backend's response; *out*:" \
    "the backend's response to the proxy's response to the client; *client's turn*: a response on the wire to the" \
    "next request on its connection, wrk's own time; *wire + turn*: the two added per request, the nearest the wire" \
    "comes to wrk's own latency (bench/lib/legs.py)."
  echo
  echo "| proxy | round | wrk req/s | wrk p99 (ms) | requests seen | in p99 | backend p99 | out p99 | total p50 | total p99 | total p99.9 | slowest 1 %: in / backend / out (mean) | responses per burst p50 / p90 | client's turn p50 / p99 | wire + turn p99 |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |"
} > "$report"
seconds=$work/seconds.md
: > "$seconds"
for r in $(seq "$ROUNDS"); do
  for p in $PROXIES; do
    port=${PORT[$p]} pcap=$work/$p-$r.pcap
    tcpdump -i lo -n -s 400 -B 65536 -w "$pcap" "(tcp port $port or tcp port $B_HTTP) and (tcp[13] & 11 != 0)" \
      2> "$work/tcpdump-$p-$r.txt" &
    cap=$!
    track "$cap"
    for _ in $(seq 100); do grep -q "listening on" "$work/tcpdump-$p-$r.txt" && break; sleep 0.1; done
    kill -0 "$cap" 2>/dev/null && grep -q "listening on" "$work/tcpdump-$p-$r.txt" \
      || die "tcpdump did not start: $(tail -n 2 "$work/tcpdump-$p-$r.txt")"
    wrk_legs "$port" "$DURATION" "$work/wrk-$p-$r.txt"
    kill -INT "$cap" 2>/dev/null || true
    wait "$cap" || true
    untrack "$cap"
    extra=()
    [ "$p" = snipool ] && extra=(--jit "$work/jit.log" --gc "$work/gc.log")
    if ! python3 "$here/lib/legs.py" "$pcap" "$port" "$B_HTTP" "${extra[@]}" > "$work/legs-$p-$r.txt" \
         2> "$work/legs-$p-$r.err"; then
      echo "$p round $r: no result from legs.py ($(tail -n 1 "$work/legs-$p-$r.err"))" >> "$work/notes.txt"
      rm -f "$pcap"
      continue
    fi
    rm -f "$pcap"
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-$p-$r.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk-$p-$r.txt")
    dropped=$(awk '/dropped by kernel/ { print $1 }' "$work/tcpdump-$p-$r.txt")
    awk -v p="$p" -v r="$r" -v rps="$rps" -v w99="$p99" '
      /^requests/ { seen = $2 " of " $4 }
      /^leg/ { v[$2 "50"] = $4; v[$2 "99"] = $8; v[$2 "999"] = $10 }
      /^slowest/ { slow = $3 " / " $5 " / " $7 }
      /^bursts/ { burst = $14 " / " $16 }
      END { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n", p, r, rps,
            w99, seen, v["in99"], v["backend99"], v["out99"], v["total50"], v["total99"], v["total999"], slow, burst,
            v["client50"], v["client99"], v["wire+turn99"] }
    ' "$work/legs-$p-$r.txt" >> "$report"
    [ "${dropped:-0}" = 0 ] || echo "$p round $r: tcpdump dropped $dropped packets" >> "$work/notes.txt"
    { echo; echo "**$p, round $r** (per second of the run: each leg's p99; backend connections opened and closed;" \
        "for snipool the C2 compilations and G1 pause time in that second)"; echo; echo '```'
      grep '^second' "$work/legs-$p-$r.txt" | sed 's/^second //'; echo '```'
      grep "^client's turn by place" "$work/legs-$p-$r.txt" | sed 's/^/\n/' || true; } >> "$seconds"
    log "$p round $r: $rps req/s, wrk p99 $p99; $(grep '^leg total' "$work/legs-$p-$r.txt")"
  done
done
{
  [ ! -s "$work/notes.txt" ] || { echo; cat "$work/notes.txt"; }
  echo; echo "## Per second"; cat "$seconds"
} >> "$report"
mkdir -p "$RESULTS"
cp "$report" "$RESULTS/legs-$stamp.md"
cat "$report"
log "report: $RESULTS/legs-$stamp.md"
