#!/bin/bash
# One A/B round (run under flock /work/bench.lock): io_uring (main's jar), epoll without splice, epoll with splice,
# each beside HAProxy (its default, no splice); then epoll with splice beside HAProxy with option splice-auto.
cd /work/wt-splice
SC=${SC:-bulk idle}
common=(BENCH_SYSCALLS=${SYS:-0} BENCH_RESULTS=/tmp/splice-res BENCH_SCENARIOS="$SC" BENCH_PROXIES="snipool haproxy" BENCH_REPEAT=${REP:-1})
run() { echo "=== $1 $(date -u +%T)"; shift; env "${common[@]}" "$@" bash bench/run.sh 2>&1 | grep -E "report written|ERROR|\| 4\. TLS passthrough bulk \| [^|]* \| (higher|lower)"; }
run uring BENCH_JAR=/tmp/base-150c753.jar BENCH_TRANSPORT=auto
run epoll BENCH_JAR=/tmp/splice-proto.jar BENCH_TRANSPORT=epoll
run epoll-splice BENCH_JAR=/tmp/splice-proto.jar BENCH_TRANSPORT=epoll BENCH_JAVA_OPTS="-Xmx256m -Dsnipool.splice=true"
[ "${HSPLICE:-1}" = 1 ] && run epoll-splice+haproxy-splice BENCH_JAR=/tmp/splice-proto.jar BENCH_TRANSPORT=epoll BENCH_JAVA_OPTS="-Xmx256m -Dsnipool.splice=true" BENCH_HAPROXY_SPLICE=1 BENCH_SCENARIOS=bulk
