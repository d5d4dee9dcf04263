#!/bin/bash
# Alternating A/B of scenario 1: BENCH_WARMUP_CHURN=0 against 3, the jar of 4124f83 (/tmp/head.jar), 4 pairs, run
# from /work/main while bench/run.sh had the option with 0 as its default. The reports are churnN-rR.md here.
cd /work/main
for round in 1 2 3 4; do
  for churn in 0 3; do
    [ $((round % 2)) = 0 ] && churn=$((3 - churn))
    flock /work/bench.lock env BENCH_JAR=/tmp/head.jar BENCH_WARMUP_CHURN=$churn BENCH_SCENARIOS=http \
      BENCH_PROXIES="snipool haproxy" BENCH_RESULTS=/tmp/ab-churn/churn$churn-r$round bash bench/run.sh \
      > /tmp/ab-churn/churn$churn-r$round.log 2>&1
  done
done
