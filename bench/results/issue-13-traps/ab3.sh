#!/bin/bash
# The other scenarios once each, default flags vs -XX:PerMethodTrapLimit=0.
cd /work/main
for v in notrap base; do
  opts="-Xmx256m"; [[ $v == notrap ]] && opts="-Xmx256m -XX:PerMethodTrapLimit=0"
  flock /work/bench.lock env BENCH_JAR=/tmp/lead-main.jar BENCH_JAVA_OPTS="$opts" BENCH_SCENARIOS="tls bulk idle startup" \
    BENCH_PROXIES="snipool haproxy" BENCH_RESULTS=/tmp/trap/other-$v bash bench/run.sh > /tmp/trap/other-$v.log 2>&1
  echo "$v done $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
done
