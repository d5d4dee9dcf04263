#!/bin/bash
# Per-thread CPU of snipool during scenario 1 runs (after warm-up and churn), from /proc/PID/task/*/stat.
set -euo pipefail
root=/work/main; here=$root/bench
. "$here/lib/common.sh"; . "$here/lib/configs.sh"
work=$(mktemp -d /dev/shm/thr.XXXX); trap 'bench_cleanup; rm -rf "$work"' EXIT
CONNECTIONS=50; NOFILE=$(ulimit -n); CONN_CAP=1024; IDLE_PER_HOST=64; TRANSPORT=auto
make_certs "$work" "thr CA"; DOCROOT=$work/docroot; mkdir -p "$DOCROOT"
start_backend "$work/backend"
SP=$(free_port); write_snipool_conf "$work/snipool.yaml" "$SP" "$(free_port)" "$(free_port)"
env SNIPOOL_JAR=/tmp/head.jar JAVA_OPTS="-Xmx256m" "$root/bin/snipool" --config "$work/snipool.yaml" > "$work/s.out" 2>&1 & track $!
spid=$!
wait_http "http://127.0.0.1:$SP/" 60 app.bench.test
W() { wrk -t2 -c50 -d"$1"s --latency -s "$here/lib/wrk.lua" -H 'Host: app.bench.test' "http://127.0.0.1:$SP/" > "$work/w.txt" 2>&1; }
jpid=$(pgrep -P "$spid" java || echo "$spid")
[ -d /proc/$jpid/task ] || jpid=$spid
snap() { for t in /proc/$jpid/task/*; do printf '%s\t%s\n' "$(cat $t/comm)" "$(awk '{print $14+$15}' $t/stat)"; done | sort; }
W 10; for i in 1 2 3; do W 1; done
for r in 1 2; do
  snap > "$work/a"; W 10; snap > "$work/b"
  echo "round $r: $(grep -E 'Requests/sec|99%' $work/w.txt | tr -s ' ' | tr '\n' ' ')"
  python3 - "$work/a" "$work/b" <<'PY'
import sys, collections, re
def load(p):
    d = collections.Counter()
    for l in open(p):
        name, ticks = l.rstrip('\n').split('\t'); d[name] += int(ticks)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
groups = collections.Counter()
for k in b:
    g = re.sub(r'[#\d]+$', '', k).strip()
    groups[g] += b[k] - a.get(k, 0)
tot = sum(groups.values())
for g, v in groups.most_common(12):
    if v: print(f"  {g:28s} {v/100:6.2f} s CPU  {100*v/tot:5.1f} %")
PY
done
