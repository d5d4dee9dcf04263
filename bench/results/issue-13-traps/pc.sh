#!/bin/bash
# Compilation events (-XX:+PrintCompilation) over scenario 1, snipool alone, default flags vs -XX:PerMethodTrapLimit=0.
cd /work/main
for v in base notrap; do
  opts="-Xmx256m -XX:+PrintCompilation"; [[ $v == notrap ]] && opts="$opts -XX:PerMethodTrapLimit=0"
  flock /work/bench.lock env BENCH_JAR=/tmp/lead-main.jar BENCH_JAVA_OPTS="$opts" BENCH_SCENARIOS=http BENCH_KEEP_WORK=1 \
    BENCH_PROXIES="snipool" BENCH_RESULTS=/tmp/trap/pc-$v bash bench/run.sh > /tmp/trap/pc-$v.log 2>&1
  echo "$v done $(date +%T)"
done
