#!/usr/bin/env python3
"""Scenario 11 of bench/run.sh: HTTP/2 through snipool, HAProxy and nginx, side by side in one run.

    bench/lib/h2.py --snipool BIN_SNIPOOL --jar JAR [--repeat N] [--duration S] [--clients C] [--streams M]
                    [--java-opts OPTS] [--out FILE]

One nginx backend with two servers: h2c with prior knowledge, and HTTP/1.1 keep-alive; both answer a short body.
Proxies, each terminating TLS (ECDSA P-256, ALPN h2) on loopback:
  snipool     h2 to clients, h2c to the backend (backend_protocol: h2c): the multiplexed pool
  snipool/h1  the same listener, a route to the HTTP/1.1 backend: h2 streams on the HTTP/1.1 pool
  haproxy     h2 to clients, h2 to the backend (`proto h2`)
  nginx       h2 to clients, HTTP/1.1 keep-alive to the backend (nginx cannot proxy h2)
Per target and repetition (targets interleaved): h2load, C connections with M streams each, for S seconds after a
2 s warm-up; requests/s, latency p50/p99/p99.9 from h2load's per-request log, CPU microseconds per request of the
proxy's processes. Then a multiplexing check: 10 connections x 100 streams (1,000 streams at once) and the largest
number of connections each proxy held open to the backend meanwhile (ss, every 20 ms). Prints a markdown section,
also written to --out. Loopback only; every process started is stopped by PID.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BODY = "hello from the backend\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds}s")


def wait_http(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {seconds}s")


def certificates(work):
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=*.bench.test", "-addext", "subjectAltName=DNS:*.bench.test",
            "-keyout", f"{work}/cert.key", "-out", f"{work}/cert.pem")
    with open(f"{work}/combined.pem", "w") as combined:
        combined.write(open(f"{work}/cert.pem").read() + open(f"{work}/cert.key").read())


def nginx_head(work, name, workers):
    os.makedirs(f"{work}/{name}/logs", exist_ok=True)
    temp = "".join(f"  {kind}_temp_path {work}/{name}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes {workers};\nerror_log {work}/{name}/logs/error.log warn;\n"
            f"pid {work}/{name}/nginx.pid;\nevents {{ worker_connections 4096; }}\n"
            f"http {{\n  access_log off;\n  keepalive_requests 10000000;\n  keepalive_timeout 300s;\n{temp}")


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="snipool-h2-bench-")
        self.procs = []
        self.pids = {}

    def start(self, name, argv, env=None):
        log = open(f"{self.work}/{name.replace('/', '-')}.log", "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=False)
        self.procs.append(proc)
        self.pids[name] = proc.pid
        return proc

    def stop_all(self, failed=False):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if failed:  # what each process said, for the report's note
            for name in self.pids:
                path = f"{self.work}/{name.replace('/', '-')}.log"
                if os.path.exists(path):
                    print(f"--- {name}\n" + open(path).read()[-1500:], file=sys.stderr)
        shutil.rmtree(self.work, ignore_errors=True)

    def backend(self):
        self.b_h2c, self.b_h1 = free_port(), free_port()
        conf = nginx_head(self.work, "backend", 1) + (
            f"  server {{ listen 127.0.0.1:{self.b_h2c} http2; location / {{ return 200 \"{BODY}\"; }} }}\n"
            f"  server {{ listen 127.0.0.1:{self.b_h1}; location / {{ return 200 \"{BODY}\"; }} }}\n}}\n")
        open(f"{self.work}/backend/nginx.conf", "w").write(conf)
        self.start("backend", ["nginx", "-c", f"{self.work}/backend/nginx.conf", "-p", f"{self.work}/backend"])
        wait_port(self.b_h2c)
        wait_port(self.b_h1)

    def snipool(self):
        self.p_snipool, admin = free_port(), free_port()
        conf = f"""listeners:
  - name: h2
    bind: 127.0.0.1:{self.p_snipool}
    mode: tls
    tls: {{ certificates: [{{ cert: cert.pem, key: cert.key }}] }}
    routes:
      - {{ hosts: [h2.bench.test], terminate: true, backend_protocol: h2c, backends: ["127.0.0.1:{self.b_h2c}"] }}
      - {{ hosts: [h1.bench.test], terminate: true, backends: ["127.0.0.1:{self.b_h1}"] }}
metrics: {{ bind: "127.0.0.1:{admin}" }}
access_log: {{ enabled: false }}
"""
        open(f"{self.work}/snipool.yaml", "w").write(conf)
        env = dict(os.environ, SNIPOOL_JAR=self.args.jar, JAVA_OPTS=self.args.java_opts)
        self.start("snipool", [self.args.snipool, "--config", f"{self.work}/snipool.yaml"], env)
        wait_http(f"http://127.0.0.1:{admin}/readyz")

    def haproxy(self):
        self.p_haproxy = free_port()
        conf = f"""global
  nbthread 2
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:{self.p_haproxy} ssl crt {self.work}/combined.pem alpn h2,http/1.1
  default_backend be
backend be
  http-reuse always   # HAProxy's best multiplexing: streams of any client on one backend connection
  server s1 127.0.0.1:{self.b_h2c} proto h2
"""
        open(f"{self.work}/haproxy.cfg", "w").write(conf)
        self.start("haproxy", ["haproxy", "-db", "-f", f"{self.work}/haproxy.cfg"])
        wait_port(self.p_haproxy)

    def nginx(self):
        self.p_nginx = free_port()
        conf = nginx_head(self.work, "proxy", 2) + f"""  upstream be {{ server 127.0.0.1:{self.b_h1}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{self.p_nginx} ssl http2;
    ssl_certificate {self.work}/cert.pem;
    ssl_certificate_key {self.work}/cert.key;
    location / {{ proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
"""
        open(f"{self.work}/proxy/nginx.conf", "w").write(conf)
        self.start("nginx", ["nginx", "-c", f"{self.work}/proxy/nginx.conf", "-p", f"{self.work}/proxy"])
        wait_port(self.p_nginx)

    def targets(self):
        """target -> (url, port, backend port, process name), of the proxies started"""
        every = {}
        if "snipool" in self.pids:
            every["snipool"] = (f"https://h2.bench.test:{self.p_snipool}/", self.p_snipool, self.b_h2c, "snipool")
            every["snipool/h1"] = (f"https://h1.bench.test:{self.p_snipool}/", self.p_snipool, self.b_h1, "snipool")
        if "haproxy" in self.pids:
            every["haproxy"] = (f"https://h2.bench.test:{self.p_haproxy}/", self.p_haproxy, self.b_h2c, "haproxy")
        if "nginx" in self.pids:
            every["nginx"] = (f"https://h2.bench.test:{self.p_nginx}/", self.p_nginx, self.b_h1, "nginx")
        return every

    def cpu_ticks(self, process):
        pid = self.pids[process]
        pids = [pid]
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(k) for k in kids.split()]
        total = 0
        for p in pids:
            try:
                fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total

    def h2load(self, url, port, clients, streams, seconds=None, requests=None, log_file=None):
        argv = ["h2load", "-t", "1", "-c", str(clients), "-m", str(streams), "--connect-to", f"127.0.0.1:{port}"]
        if seconds:
            argv += ["-D", str(seconds), "--warm-up-time", "2"]
        else:
            argv += ["-n", str(requests)]
        if log_file:
            argv += ["--log-file", log_file]
        result = subprocess.run(argv + [url], capture_output=True, text=True, timeout=(seconds or 60) + 60)
        return result.stdout

    def measure(self, target, rep):
        url, port, _, process = self.targets()[target]
        log_file = f"{self.work}/latency-{target.replace('/', '-')}-{rep}.tsv"
        before = self.cpu_ticks(process)
        out = self.h2load(url, port, self.args.clients, self.args.streams, seconds=self.args.duration,
                          log_file=log_file)
        after = self.cpu_ticks(process)
        latencies = []
        codes_ok = 0
        for line in open(log_file):
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]) / 1000.0)
                codes_ok += fields[1] == "200"
        if not latencies:
            raise RuntimeError(f"{target}: h2load logged no request: {out[-400:]}")
        latencies.sort()

        def pct(q):
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        finished = next((l for l in out.splitlines() if l.startswith("finished in")), "")
        try:  # "finished in 10.00s, 12345.60 req/s, 1.23MB/s"
            rps = float(finished.split(",")[1].split()[0])
        except (IndexError, ValueError):
            raise RuntimeError(f"{target}: no h2load result: {out[-400:]}")
        cpu_us = (after - before) * 1e6 / os.sysconf("SC_CLK_TCK") / len(latencies)
        return {"rps": rps, "p50": pct(0.50), "p99": pct(0.99), "p999": pct(0.999), "cpu_us": cpu_us,
                "failed": len(latencies) - codes_ok}

    def multiplexing(self, target):
        url, port, backend, _ = self.targets()[target]
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                out = subprocess.run(["ss", "-Htn", "state", "established", f"( dport = :{backend} )"],
                                     capture_output=True, text=True).stdout
                peak[0] = max(peak[0], len(out.splitlines()))
                time.sleep(0.02)
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            out = self.h2load(url, port, 10, 100, requests=20000)
        finally:
            done.set()
            sampler.join()
        succeeded = next((l for l in out.splitlines() if l.startswith("requests:")), "requests: ?")
        return peak[0], succeeded


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--snipool", required=True)
    parser.add_argument("--jar", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--java-opts", default="-Xmx256m")
    parser.add_argument("--targets", default="snipool snipool/h1 haproxy nginx",
                        help="which of the targets to run; HAProxy is the baseline of the ratios and always runs")
    parser.add_argument("--out")
    args = parser.parse_args()
    wanted = set(args.targets.split()) | {"haproxy"}
    runner = Runner(args)
    try:
        certificates(runner.work)
        runner.backend()
        if wanted & {"snipool", "snipool/h1"}:
            runner.snipool()
        runner.haproxy()
        if "nginx" in wanted:
            runner.nginx()
        targets = [t for t in runner.targets() if t in wanted]
        results = {t: [] for t in targets}
        for target in targets:  # warm every target (the JIT, the pools) before anything is measured
            runner.h2load(runner.targets()[target][0], runner.targets()[target][1], args.clients, args.streams,
                          requests=20000)
        for rep in range(1, args.repeat + 1):
            for target in targets:
                result = runner.measure(target, rep)
                results[target].append(result)
                print(f"[h2] {target} run {rep}: {result['rps']:.0f} req/s, p99 {result['p99']:.2f} ms",
                      file=sys.stderr)
        mux = {t: runner.multiplexing(t) for t in targets}
    except BaseException:
        runner.stop_all(failed=True)
        raise
    runner.stop_all()

    base = {k: median([r[k] for r in results["haproxy"]]) for k in ("rps", "p99", "p999", "cpu_us")}
    lines = ["## 11. HTTP/2: h2 to clients, h2c or HTTP/1.1 to the backend", "",
             f"h2load, {args.clients} connections x {args.streams} streams, {args.duration} s after a 2 s warm-up, "
             f"x {args.repeat} (medians); TLS 1.3, ECDSA P-256, ALPN h2. `snipool`: h2c to the backend "
             "(multiplexed pool); `snipool/h1`: the HTTP/1.1 pool; `haproxy`: h2 to the backend, `http-reuse always`; `nginx`: HTTP/1.1 "
             "to the backend. Ratios are to HAProxy.", "",
             "| target | req/s | ÷ HAProxy | p50 ms | p99 ms | ÷ HAProxy | p99.9 ms | CPU µs/req | ÷ HAProxy "
             "| failed |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for target in targets:
        m = {k: median([r[k] for r in results[target]]) for k in ("rps", "p50", "p99", "p999", "cpu_us")}
        failed = sum(r["failed"] for r in results[target])
        lines.append(f"| {target} | {m['rps']:.0f} | {m['rps'] / base['rps']:.2f} | {m['p50']:.2f} | {m['p99']:.2f} "
                     f"| {m['p99'] / base['p99']:.2f} | {m['p999']:.2f} | {m['cpu_us']:.1f} "
                     f"| {m['cpu_us'] / base['cpu_us']:.2f} | {failed} |")
    lines += ["", "1,000 streams at once (h2load -c 10 -m 100 -n 20000): the most connections each proxy held open to "
              "the backend meanwhile.", "", "| target | backend connections (peak) | h2load |", "| --- | --- | --- |"]
    for target in targets:
        peak, succeeded = mux[target]
        lines.append(f"| {target} | {peak} | {succeeded} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        open(args.out, "w").write(text)


if __name__ == "__main__":
    main()
