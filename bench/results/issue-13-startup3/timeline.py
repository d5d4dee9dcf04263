#!/usr/bin/env python3
"""timeline.py [--rounds N] [--out DIR] NAME=SETTINGS ... : starts snipool as bench/startup_ab.py does (scenario 6's
configuration), alternating the variants, each with -Xlog:class+load (wall-clock milliseconds and JVM uptime) added to
its JAVA_OPTS, and prints per variant the median moment, in ms after the exec of bin/snipool, at which each marker
class first loaded, where the classes came from (class-data archive or not) in each phase, and the first proxied 200."""
import argparse
import collections
import glob
import http.server
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
spec = importlib.util.spec_from_file_location("startup_ab", os.path.join(ROOT, "bench", "startup_ab.py"))
ab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ab)
st_spec = importlib.util.spec_from_file_location("startup", os.path.join(ROOT, "bench", "lib", "startup.py"))
st = importlib.util.module_from_spec(st_spec)
st_spec.loader.exec_module(st)

MARKERS = [
    ("JVM: first class", None),
    ("Main", "io.snipool.app.Main "),
    ("config: ConfigLoader", "io.snipool.config.ConfigLoader "),
    ("config: snakeyaml", "org.yaml.snakeyaml."),
    ("config read: LogSetup", "io.snipool.app.LogSetup "),
    ("Snipool", "io.snipool.app.Snipool "),
    ("Prometheus registry", "io.micrometer.prometheusmetrics.PrometheusMeterRegistry "),
    ("TransportChoice", "io.snipool.app.TransportChoice "),
    ("io_uring Native", "io.netty.channel.uring.Native "),
    ("Vert.x builder", "io.vertx.core.impl.VertxBuilder "),
    ("VertxImpl", "io.vertx.core.impl.VertxImpl "),
    ("ProxyServer", "io.snipool.core.proxy.ProxyServer "),
    ("AdminServer", "io.snipool.app.AdminServer "),
    ("ListenerVerticle", "io.snipool.core.proxy.ListenerVerticle "),
    ("admin: Router", "io.vertx.ext.web.Router "),
    ("JVM meters", "io.micrometer.core.instrument.binder.jvm.JvmGcMetrics "),
    ("ready (Signals)", "io.snipool.app.Signals "),
]
LINE = re.compile(r"\[([0-9.]+)s\]\[(\d+)ms\] (\S+) source: (.*)$")


def run_once(settings, backend, work, run, logdir):
    ports, text = ab.config(backend, False, work)
    conf = os.path.join(work, f"{run}.yaml")
    open(conf, "w").write(text)
    log = os.path.join(logdir, f"{run}.cl")
    env = dict(os.environ, JAVA_OPTS="-Xmx256m")
    env.update(kv.split("=", 1) for kv in settings.split(";") if kv)
    env["JAVA_OPTS"] = env["JAVA_OPTS"] + f" -Xlog:class+load:file={log}:timemillis,uptime"
    launcher = env.pop("LAUNCHER", os.path.join(ROOT, "bin", "snipool"))
    url = f"http://127.0.0.1:{ports['http']}/"
    started_wall = time.time()
    started = time.monotonic()
    child = subprocess.Popen([launcher, "--config", conf], env=env, stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(logdir, f"{run}.err"), "w"), stdin=subprocess.DEVNULL)
    first = None
    try:
        while time.monotonic() < started + 60:
            if st.status(url, ab.HOST) == 200:
                first = (time.monotonic() - started) * 1000
                break
            time.sleep(0.002)
        cpu = st.cpu_ms(child.pid)
    finally:
        child.terminate()
        child.wait(15)
    return started_wall, first, cpu, log


def analyse(started_wall, first, log):
    moments, sources = {}, []
    for line in open(log, encoding="utf-8", errors="replace"):
        m = LINE.match(line.rstrip())
        if not m:
            continue
        at = int(m.group(2)) - started_wall * 1000
        name, source = m.group(3), m.group(4)
        if "JVM: first class" not in moments:
            moments["JVM: first class"] = at
            moments["JVM uptime at first class"] = float(m.group(1)) * 1000
        for label, needle in MARKERS[1:]:
            if label not in moments and (name + " ").startswith(needle):
                moments[label] = at
        kind = "archive" if "shared objects file" in source else ("jrt" if source.startswith("jrt:") else
                ("generated" if "__" in source or "Lambda" in name or source.startswith("java.") else "jar"))
        sources.append((at, kind))
    moments["first proxied 200"] = first
    return moments, sources


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--out", default="/tmp/startup3/timeline")
    p.add_argument("variants", nargs="+")
    a = p.parse_args()
    variants = [v.split("=", 1) for v in a.variants]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ab.Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = collections.defaultdict(list)
    os.makedirs(a.out, exist_ok=True)
    for r in range(a.rounds):
        for name, settings in (variants if r % 2 == 0 else variants[::-1]):
            logdir = os.path.join(a.out, name)
            os.makedirs(logdir, exist_ok=True)
            wall, first, cpu, log = run_once(settings, server.server_address[1], logdir, f"{name}-{r}", logdir)
            moments, sources = analyse(wall, first, log)
            moments["CPU by the 200"] = cpu
            results[name].append((moments, sources))
            print(f"round {r} {name}: first {first:.0f} ms cpu {cpu}", file=sys.stderr, flush=True)
    for name, runs in results.items():
        print(f"== {name} ({len(runs)} starts): median ms after the exec of bin/snipool")
        labels = [l for l, _ in MARKERS] + ["JVM uptime at first class", "first proxied 200", "CPU by the 200"]
        previous = 0
        for label in labels:
            values = [m[label] for m, _ in runs if m.get(label) is not None]
            if not values:
                print(f"  {label:28s} -")
                continue
            med = statistics.median(values)
            print(f"  {label:28s} {med:7.0f}")
        # classes loaded by source, before the first 200
        counts = collections.Counter()
        for m, sources in runs:
            for at, kind in sources:
                counts[(kind, at <= m["first proxied 200"])] += 1
        n = len(runs)
        print("  classes per start, before the 200: " + ", ".join(
            f"{k} {counts[(k, True)] / n:.0f}" for k in ("archive", "jrt", "jar", "generated")) +
            "; after: " + ", ".join(f"{k} {counts[(k, False)] / n:.0f}" for k in ("archive", "jrt", "jar", "generated")))


if __name__ == "__main__":
    main()
