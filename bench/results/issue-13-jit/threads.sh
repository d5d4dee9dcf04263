#!/bin/bash
# threads.sh OUT: waits for the snipool JVM, then every second writes "epoch tid comm utime stime" for each thread.
out=$1
while :; do
  pid=$(for p in $(pgrep java); do grep -q snipool.yaml /proc/$p/cmdline 2>/dev/null && echo $p; done | tail -1)
  [ -n "$pid" ] && break; sleep 0.2
done
echo "pid $pid" > "$out"
while [ -d /proc/$pid ]; do
  t=$(date +%s.%N)
  for s in /proc/$pid/task/*/stat; do
    read -r l < $s 2>/dev/null || continue
    comm=${l#*(}; comm=${comm%)*}; rest=${l##*) }
    set -- $rest
    tid=${s%/stat}; tid=${tid##*/}; echo "$t $tid ${comm// /_} ${12} ${13}"
  done >> "$out"
  sleep 1
done
