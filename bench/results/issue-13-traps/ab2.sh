#!/bin/bash
# Alternating A/B of scenario 1: default JVM flags vs -XX:PerMethodTrapLimit=0 (no speculative unstable_if traps).
cd /work/main
for round in 3 4 5; do
  for v in base notrap; do
    opts="-Xmx256m"; [[ $v == notrap ]] && opts="-Xmx256m -XX:PerMethodTrapLimit=0"
    flock /work/bench.lock env BENCH_JAR=/tmp/lead-main.jar BENCH_JAVA_OPTS="$opts" BENCH_SCENARIOS="http close" \
      BENCH_PROXIES="snipool haproxy" BENCH_RESULTS=/tmp/trap/$v-$round bash bench/run.sh > /tmp/trap/$v-$round.log 2>&1
    echo "$v $round done $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
