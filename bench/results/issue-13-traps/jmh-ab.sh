#!/bin/bash
# RequestHead microbenchmarks with and without -XX:PerMethodTrapLimit=0, alternating, two rounds.
cd /work/main
for round in 1 2; do
  for v in base notrap; do
    extra=""; [[ $v == notrap ]] && extra="-jvmArgsAppend -XX:PerMethodTrapLimit=0"
    flock /work/bench.lock env JMH_ARGS="-f 1 -wi 3 -w 1s -i 5 -r 1s $extra" bash bench/jmh.sh RequestHead > /tmp/jmhtrap/$v-$round.txt 2>&1
    echo "$v $round $(date +%T)"
  done
done
