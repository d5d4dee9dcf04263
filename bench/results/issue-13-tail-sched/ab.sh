#!/bin/bash
# Keep-alive tail: io_uring vs epoll at 50 connections, then io_uring at 25, 100, 200; waits for a quieter machine.
cd /work/main
quiet() { for i in $(seq 1 60); do l=$(cut -d' ' -f1 /proc/loadavg); awk -v l=$l 'BEGIN{exit !(l<2.5)}' && return; sleep 10; done; }
run() { # name transport connections
  out=/tmp/tail-ab/$1; mkdir -p $out
  quiet
  flock /work/bench.lock env BENCH_JAR=/tmp/lead-main.jar BENCH_TRANSPORT=$2 BENCH_CONNECTIONS=$3 BENCH_SCENARIOS=http \
    BENCH_PROXIES="snipool haproxy" BENCH_RESULTS=$out bash bench/run.sh > $out/log 2>&1
  echo "$(date +%T) $1 done load $(cut -d' ' -f1 /proc/loadavg)" >> /tmp/tail-ab/progress
}
run u50a io_uring 50
run e50a epoll 50
run u200 io_uring 200
run e200 epoll 200
run u50b io_uring 50
run e50b epoll 50
