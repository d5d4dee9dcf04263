#!/usr/bin/env python3
"""Summarises a JMH JSON result as markdown: every score, then the ratios the benchmarks exist for.

    jmh_summary.py RESULT.json STAMP "JMH ARGS" REGEX
"""
import json
import os
import platform
import subprocess
import sys
from collections import defaultdict


def first_line(*command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def main():
    path, stamp, jmh_args, regex = sys.argv[1:5]
    with open(path, encoding="utf-8") as f:
        runs = json.load(f)

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    commit = first_line("git", "-C", root, "rev-parse", "--short", "HEAD")
    # With JMH_ARGS='... -prof perfnorm:events=task-clock': the forked JVM's CPU time (perf's task-clock, in ms) over
    # the measured iterations, per operation. Time the JVM was not scheduled does not count, so a loaded machine
    # disturbs it far less than the wall-clock score.
    cpu_time = any("task-clock" in run.get("secondaryMetrics", {}) for run in runs)

    out = [f"# snipool JMH microbenchmarks, {stamp} UTC", "",
           f"- machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; load average "
           f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
           f"- JDK: {runs[0]['jdkVersion'] if runs else 'unknown'} ({runs[0]['vmName'] if runs else ''})",
           f"- snipool commit: {commit}; JMH {runs[0]['jmhVersion'] if runs else ''}, options `{jmh_args}`, "
           f"selection `{regex}`",
           "- a shared machine: compare scores within one run; the error is JMH's 99.9% confidence interval", ""]
    if cpu_time:
        out[-1:] = ["- CPU: the JVM's CPU time per operation (perf task-clock, all its threads), which time spent waiting "
                    "for a core does not inflate", ""]
    out += ["| Benchmark | Parameters | Score | Error | Unit |" + (" CPU |" if cpu_time else ""),
            "| --- | --- | ---: | ---: | --- |" + (" ---: |" if cpu_time else "")]
    scores = defaultdict(dict)
    for run in runs:
        name = run["benchmark"].replace("io.snipool.core.bench.", "")
        params = run.get("params", {})
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        metric = run["primaryMetric"]
        error = metric["scoreError"]  # "NaN" (a string) with a single iteration
        error = f"±{error:,.1f}" if isinstance(error, (int, float)) and error == error else "–"
        row = f"| {name} | {label} | {metric['score']:,.1f} | {error} | {metric['scoreUnit']} |"
        if cpu_time:
            task_clock = run.get("secondaryMetrics", {}).get("task-clock")
            row += f" {task_clock['score'] * 1e6:,.1f} ns/op |" if task_clock else " – |"
        out.append(row)
        scores[(name.rsplit(".", 1)[0], label)][name.rsplit(".", 1)[1]] = metric["score"]

    ratios = []
    for (benchmark, label), by_method in sorted(scores.items()):
        if benchmark == "RequestHeadBenchmark" and "netty" in by_method:
            netty = by_method["netty"]
            if "guardThenNetty" in by_method:
                ratios.append(f"| RequestHead ({label}) | guardThenNetty ÷ netty | "
                              f"{by_method['guardThenNetty'] / netty:.2f} | what the strict check adds to "
                              f"Netty's decoding of the same head |")
            if "guard" in by_method:
                ratios.append(f"| RequestHead ({label}) | guard ÷ netty | {by_method['guard'] / netty:.2f} | "
                              f"the check alone, against the decode alone |")
        if benchmark == "ClientHelloBenchmark" and {"wholeHello", "splitInTwoReads"} <= by_method.keys():
            ratios.append(f"| ClientHello ({label}) | splitInTwoReads ÷ wholeHello | "
                          f"{by_method['splitInTwoReads'] / by_method['wholeHello']:.2f} | "
                          f"the cost of a hello arriving in two reads |")
    if ratios:
        out += ["", "## Ratios", "", "| Benchmark | Ratio | Value | Meaning |", "| --- | --- | ---: | --- |"]
        out += ratios
    print("\n".join(out))


if __name__ == "__main__":
    main()
