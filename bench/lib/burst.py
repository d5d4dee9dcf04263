#!/usr/bin/env python3
"""Scenario 10 of bench/run.sh: bursts after idle, with pool.adaptive off and on, side by side in one run.

    bench/lib/burst.py --snipool BIN_SNIPOOL --jar JAR [--bursts N] [--concurrency C] [--idle S]
                       [--accept-delay-ms D] [--idle-timeout T] [--out FILE]

A backend (asyncio, in this process) that takes D ms (default 50) to take up each new connection before it reads
from it, as a backend under load or far away does, then answers keep-alive requests at once. Two snipool processes
on loopback, the shipped defaults but for `pool.idle_timeout` (default 2s, shorter than the idle gap, so that a pool
that keeps only what the idle timeout spares is empty when the next burst comes) and `pool.adaptive.enabled`: off
in one, on in the other. Then, N + 1 times: wait S seconds (default 5), and send C (default 50) requests at once to
each snipool in turn, each on a new client connection. The first burst warms both up and is not reported. Per
variant: the pool's misses and hits per burst (from /metrics), and the latency of the burst's requests (p50, p99,
max), over all measured bursts. Prints a markdown section, also written to --out.
"""
import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HOST = "burst.bench.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def backend(reader, writer, delay):
    await asyncio.sleep(delay)  # taking up the new connection
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass  # the proxy closed it, or the run is over
    finally:
        writer.close()


async def one_request(port):
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("unexpected answer: %r" % data[:80])
    return (time.perf_counter() - start) * 1000


def counter(admin, name, backend_label):
    text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=10).read().decode()
    pattern = re.compile(r'^' + name + r'\{[^}]*backend="' + re.escape(backend_label) + r'"[^}]*\} ([0-9.e+]+)$',
                         re.M)
    return sum(float(v) for v in pattern.findall(text))


def start_snipool(args, work, name, adaptive, backend_port):
    http, admin = free_port(), free_port()
    config = os.path.join(work, name + ".yaml")
    with open(config, "w") as f:
        f.write(f"""listeners:
  - name: web
    bind: "127.0.0.1:{http}"
    mode: http
    routes:
      - {{ hosts: ["{HOST}"], backends: ["127.0.0.1:{backend_port}"] }}
pool:
  idle_timeout: {args.idle_timeout}
  adaptive: {{ enabled: {"true" if adaptive else "false"} }}
metrics: {{ bind: "127.0.0.1:{admin}" }}
access_log: {{ enabled: false }}
""")
    env = dict(os.environ, SNIPOOL_JAR=args.jar, JAVA_OPTS=os.environ.get("BENCH_JAVA_OPTS", "-Xmx256m"))
    log = open(os.path.join(work, name + ".log"), "w")
    process = subprocess.Popen([args.snipool, "--config", config], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{admin}/readyz", timeout=2).status == 200:
                return process, http, admin
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    sys.exit(f"burst.py: snipool ({name}) did not become ready; see {log.name}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def main_async(args):
    server = await asyncio.start_server(lambda r, w: backend(r, w, args.accept_delay_ms / 1000), "127.0.0.1", 0)
    backend_port = server.sockets[0].getsockname()[1]
    label = f"127.0.0.1:{backend_port}"
    work = tempfile.mkdtemp(prefix="snipool-burst-")
    variants = {"adaptive off": False, "adaptive on": True}
    running = {}
    try:
        for name, adaptive in variants.items():
            running[name] = start_snipool(args, work, name.replace(" ", "-"), adaptive, backend_port)
        results = {name: {"latency": [], "misses": [], "hits": []} for name in variants}
        for burst in range(args.bursts + 1):
            await asyncio.sleep(args.idle)  # the idle gap: longer than pool.idle_timeout
            for name, (process, http, admin) in running.items():
                misses = counter(admin, "snipool_pool_misses_total", label)
                hits = counter(admin, "snipool_pool_hits_total", label)
                latency = await asyncio.gather(*[one_request(http) for _ in range(args.concurrency)])
                misses = counter(admin, "snipool_pool_misses_total", label) - misses
                hits = counter(admin, "snipool_pool_hits_total", label) - hits
                print(f"burst {burst} {name}: misses {misses:.0f}, hits {hits:.0f}, "
                      f"p50 {statistics.median(latency):.1f} ms, max {max(latency):.1f} ms", file=sys.stderr)
                if burst > 0:
                    results[name]["latency"] += latency
                    results[name]["misses"].append(misses)
                    results[name]["hits"].append(hits)
    finally:
        for process, _, _ in running.values():
            process.send_signal(signal.SIGTERM)
        for process, _, _ in running.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "## 10. Bursts after idle: `pool.adaptive` off and on",
        "",
        f"{args.bursts} measured bursts of {args.concurrency} requests at once (each on a new client connection), "
        f"{args.idle:g} s apart, to a backend that takes {args.accept_delay_ms} ms to take up a new connection; "
        f"snipool with the shipped defaults but `pool.idle_timeout: {args.idle_timeout}`; the two variants run "
        "side by side, bursts alternating. Misses and hits per burst are medians over the measured bursts; "
        "latency is over all their requests.",
        "",
        "| Variant | Pool misses per burst | Pool hits per burst | p50 (ms) | p99 (ms) | max (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {statistics.median(r['misses']):.0f} | {statistics.median(r['hits']):.0f} | "
                     f"{statistics.median(r['latency']):.1f} | {percentile(r['latency'], 99):.1f} | "
                     f"{max(r['latency']):.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snipool", required=True)
    parser.add_argument("--jar", required=True)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--accept-delay-ms", type=int, default=50)
    parser.add_argument("--idle-timeout", default="2s")
    parser.add_argument("--out")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
