#!/usr/bin/env python3
"""phases.py DIR... : for each directory of -Xlog:class+load:file=DIR/%p.log:uptime logs (one per start), the median
JVM uptime at which each marker class was first loaded."""
import glob
import re
import statistics
import sys

MARKERS = [("Main", "io.snipool.app.Main "), ("config read", "io.snipool.app.LogSetup "),
           ("native transport", "io.netty.channel.uring.Native "), ("Vert.x built", "io.vertx.core.impl.VertxImpl "),
           ("listener verticles", "io.snipool.core.proxy.ListenerVerticle "),
           ("admin server", "io.vertx.ext.web.Router "),
           ("JVM meters", "io.micrometer.core.instrument.binder.jvm.JvmGcMetrics "),
           ("ready (Signals)", "io.snipool.app.Signals ")]

for directory in sys.argv[1:]:
    moments = {name: [] for name, _ in MARKERS}
    for log in glob.glob(directory + "/*.log"):
        lines = open(log, encoding="utf-8").read().splitlines()
        for name, needle in MARKERS:
            hit = next((line for line in lines if needle in line), None)
            if hit:
                moments[name].append(float(re.match(r"\[([0-9.]+)s\]", hit).group(1)) * 1000)
    print(directory)
    for name, values in moments.items():
        print(f"  {name:22s} {statistics.median(values):6.0f} ms  (n={len(values)})" if values else f"  {name}: -")
