#!/bin/bash
# Counts hand-overs of the balancing acceptor under wrk's keep-alive and Connection: close loads (loopback only).
set -u
jar=$1; conns=${2:-50}; d=/tmp/ab-balance/ho; cd $d
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
B=$(free); H=$(free); A=$(free)
mkdir -p $d/nginx/logs
cat > $d/nginx/nginx.conf <<C
daemon off; master_process off; worker_processes 1; error_log $d/nginx/logs/error.log; pid $d/nginx/nginx.pid;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $d/nginx; proxy_temp_path $d/nginx; fastcgi_temp_path $d/nginx; uwsgi_temp_path $d/nginx; scgi_temp_path $d/nginx;
  keepalive_requests 100000; server { listen 127.0.0.1:$B; location / { return 200 "ok\n"; } } }
C
nginx -c $d/nginx/nginx.conf -p $d/nginx & NG=$!
cat > $d/snipool.yaml <<C
listeners:
  - name: web
    bind: 127.0.0.1:$H
    mode: http
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    routes:
      - hosts: [app.bench.test]
        backends: ["127.0.0.1:$B"]
limits: { max_connections: 20000 }
metrics: { bind: "127.0.0.1:$A" }
shutdown: { drain_timeout: 0 }
access_log: { enabled: false }
logging: { level: warn }
C
java -Xmx256m -jar $jar --config $d/snipool.yaml > $d/snipool.log 2>&1 & SP=$!
for i in $(seq 100); do curl -s -o /dev/null -H 'Host: app.bench.test' http://127.0.0.1:$H/ && break; sleep 0.1; done
m() { curl -s http://127.0.0.1:$A/metrics | awk '/^snipool_connections_handed_over_total/ {s+=$2} /^snipool_connections_total.*accepted/ {a+=$2} END {printf "handed_over=%d accepted=%d", s, a}'; }
echo "start: $(m)"
wrk -t 2 -c $conns -d 5s -H 'Host: app.bench.test' http://127.0.0.1:$H/ | grep -E 'Requests/sec|Latency'
echo "after keep-alive ($conns conns): $(m)"
wrk -t 2 -c $conns -d 5s -H 'Host: app.bench.test' http://127.0.0.1:$H/ | grep -E 'Requests/sec'
echo "after a second keep-alive run at once ($conns conns): $(m)"
wrk -t 2 -c $conns -d 5s -H 'Host: app.bench.test' -H 'Connection: close' http://127.0.0.1:$H/ | grep -E 'Requests/sec|Latency'
echo "after close ($conns conns): $(m)"
kill $SP $NG; wait $SP $NG 2>/dev/null
