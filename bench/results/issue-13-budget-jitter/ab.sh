#!/bin/bash
cd /work/main
for round in 1 2; do
  for jar in merged jitter; do
    echo "== round $round $jar"
    BENCH_JAR=/tmp/$jar.jar BENCH_SCENARIOS=http BENCH_PROXIES="snipool haproxy" BENCH_REPEAT=3 BENCH_RESULTS=/tmp/abj/$jar-$round flock /work/bench.lock bash bench/run.sh 2>&1 | grep -E 'run [0-9]:'
  done
done
