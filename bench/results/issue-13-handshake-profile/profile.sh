#!/bin/bash
# One close+tls run of snipool and HAProxy under a system-wide perf recording; split by process and by DSO.
set -u
cd /work/main
out=/tmp/prof8; mkdir -p $out
perf record -a -F 999 -o $out/perf.data -- env BENCH_SCENARIOS="${1:-close}" BENCH_PROXIES="snipool haproxy" BENCH_REPEAT=1 BENCH_DURATION=10 BENCH_WARMUP=10 bash bench/run.sh > $out/run.log 2>&1
perf report -i $out/perf.data --no-children --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 > $out/by-dso.txt
