#!/usr/bin/env python3
"""Start-up A/B of snipool variants, alternating, so that a shared machine's load falls on all of them alike.

    bench/startup_ab.py [--rounds N] [--terminate] [--idle SHARE] NAME=SETTINGS [NAME=SETTINGS ...]

SETTINGS are environment variables for bin/snipool, separated by ';', e.g.
    base='SNIPOOL_JAR=/tmp/a/snipool.jar;SNIPOOL_CDS=off'  cds='SNIPOOL_JAR=/tmp/a/snipool.jar'
    jdk25='JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64'  old='LAUNCHER=/tmp/old/bin/snipool'
(JAVA_OPTS defaults to -Xmx256m, as in bench/run.sh; LAUNCHER, not passed on, runs another bin/snipool). Each
round starts every variant once, in the opposite order to the round before, with bench/lib/startup.py on scenario
6's configuration (an HTTP listener routing to a backend this script serves, and a TLS passthrough listener; with
--terminate, also a listener terminating TLS on BoringSSL with a throwaway certificate). --idle waits,
up to a minute, before each start until the machine's CPUs were idle for at least that share of two seconds.
Prints, per variant, the median, minimum and maximum of the time to the first proxied 200, of the CPU time used by
then and of the time to /readyz's first 200, and every sample.
A variant's first start may make its class-data archive: make it beforehand (SNIPOOL_CDS=make) to keep training
runs out of the samples.
"""
import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "app.bench.test"


class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"hello from the backend\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def idle_share(seconds=2.0):
    def read():
        values = [int(v) for v in open("/proc/stat", encoding="ascii").readline().split()[1:]]
        return values[3] + values[4], sum(values)
    idle0, total0 = read()
    time.sleep(seconds)
    idle1, total1 = read()
    return (idle1 - idle0) / max(1, total1 - total0)


def config(backend, terminate, work):
    ports = {"http": free_port(), "tls": free_port(), "admin": free_port()}
    term = ""
    if terminate:
        ports["term"] = free_port()
        term = f"""  - name: term
    bind: 127.0.0.1:{ports["term"]}
    mode: tls
    tls:
      certificates: [{{ cert: "{work}/term.pem", key: "{work}/term.key" }}]
      provider: openssl
    routes:
      - {{ hosts: [term.bench.test], terminate: true, backends: ["127.0.0.1:{backend}"] }}
"""
    return ports, f"""listeners:
  - name: web
    bind: 127.0.0.1:{ports["http"]}
    mode: http
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    routes:
      - hosts: [{HOST}]
        backends: ["127.0.0.1:{backend}"]
  - name: edge
    bind: 127.0.0.1:{ports["tls"]}
    mode: tls
    max_connections_per_ip: 0
    new_connections_per_ip: 0
    routes:
      - {{ hosts: [tls.bench.test], backends: ["127.0.0.1:{backend}"] }}
{term}metrics: {{ bind: "127.0.0.1:{ports["admin"]}" }}
shutdown: {{ drain_timeout: 0 }}
access_log: {{ enabled: false }}
logging: {{ level: warn }}
"""


def start_once(settings, backend, terminate, work, run):
    ports, text = config(backend, terminate, work)
    conf = os.path.join(work, f"{run}.yaml")
    with open(conf, "w", encoding="utf-8") as out:
        out.write(text)
    env = dict(os.environ, JAVA_OPTS="-Xmx256m")
    env.update(kv.split("=", 1) for kv in settings.split(";") if kv)
    launcher = env.pop("LAUNCHER", os.path.join(ROOT, "bin", "snipool"))
    command = [sys.executable, os.path.join(ROOT, "bench", "lib", "startup.py"),
               "--pidfile", os.path.join(work, f"{run}.pid"), "--log", os.path.join(work, f"{run}.log"),
               "--url", f"http://127.0.0.1:{ports['http']}/", "--host", HOST,
               "--ready-url", f"http://127.0.0.1:{ports['admin']}/readyz", "--",
               launcher, "--config", conf]
    return json.loads(subprocess.run(command, env=env, capture_output=True, text=True, timeout=180).stdout)


def summary(values):
    return f"median {statistics.median(values):,.0f}, min {min(values):,.0f}, max {max(values):,.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--terminate", action="store_true")
    parser.add_argument("--idle", type=float, default=0.0)
    parser.add_argument("variants", nargs="+", metavar="NAME=SETTINGS")
    args = parser.parse_args()
    variants = [v.split("=", 1) for v in args.variants]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    samples = {name: [] for name, _ in variants}
    with tempfile.TemporaryDirectory(prefix="startup-ab-") as work:
        if args.terminate:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", f"{work}/term.key", "-out", f"{work}/term.pem", "-days", "2",
                            "-subj", "/CN=term.bench.test", "-addext", "subjectAltName=DNS:term.bench.test"],
                           check=True, capture_output=True)
        for round_ in range(args.rounds):
            for name, settings in (variants if round_ % 2 == 0 else variants[::-1]):
                deadline = time.monotonic() + 60
                while args.idle and time.monotonic() < deadline and idle_share() < args.idle:
                    pass
                result = start_once(settings, server.server_address[1], args.terminate, work, f"{name}-{round_}")
                samples[name].append(result)
                print(f"round {round_} {name}: {result}", file=sys.stderr, flush=True)
    for name, results in samples.items():
        first = [r["first_request_ms"] for r in results if r["first_request_ms"] is not None]
        cpu = [r["cpu_ms"] for r in results if r["cpu_ms"] is not None]
        ready = [r["ready_ms"] for r in results if r["ready_ms"] is not None]
        if not first:
            print(f"{name}: no start reached a proxied 200")
            continue
        print(f"{name}: first proxied 200 (ms) {summary(first)}; CPU by then (ms) {summary(cpu)}; "
              f"{len(first)} of {len(results)} starts; /readyz 200 (ms) {summary(ready) if ready else 'never'}")
        print(f"  first: {sorted(first)}")
        print(f"  cpu:   {sorted(cpu)}")


if __name__ == "__main__":
    main()
