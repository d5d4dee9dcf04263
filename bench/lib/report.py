#!/usr/bin/env python3
"""Turns the raw samples of one bench/run.sh run into the markdown report: medians, ratios to HAProxy, ratios to
the direct-to-backend baseline, and every sample.

    report.py --samples samples.tsv --header header.md --notes notes.txt --out report.md

samples.tsv has one line per measurement: scenario, metric, target, repetition, value (tab-separated), where the
target is snipool, haproxy, nginx or direct, or snipool/VARIANT (snipool on one TLS provider, e.g. snipool/jdk):
a metric with variants gets one row per variant, each beside the same HAProxy, nginx and direct figures.
"""
import argparse
import statistics
from collections import defaultdict

PROXIES = ["snipool", "haproxy", "nginx"]
TARGETS = PROXIES + ["direct"]
NAMES = {"snipool": "snipool", "haproxy": "HAProxy", "nginx": "nginx", "direct": "direct"}

# (scenario, metric, scenario label, metric label, better, number format)
METRICS = [
    ("http_keepalive", "rps", "1. HTTP keep-alive", "requests/s", "higher", "{:,.0f}"),
    ("http_keepalive", "p50_ms", "1. HTTP keep-alive", "latency p50 (ms)", "lower", "{:.2f}"),
    ("http_keepalive", "p99_ms", "1. HTTP keep-alive", "latency p99 (ms)", "lower", "{:.2f}"),
    ("http_keepalive", "cpu_us", "1. HTTP keep-alive", "proxy CPU per request (µs)", "lower", "{:.1f}"),
    ("http_close", "rps", "2. Client `Connection: close`", "requests/s", "higher", "{:,.0f}"),
    ("http_close", "backend_conns", "2. Client `Connection: close`", "new backend connections", "lower",
     "{:,.0f}"),
    ("http_close", "backend_conns_per_1k", "2. Client `Connection: close`",
     "new backend connections per 1,000 requests", "lower", "{:.2f}"),
    ("http_close", "cpu_us", "2. Client `Connection: close`", "proxy CPU per request (µs)", "lower", "{:.1f}"),
    ("tls_handshake", "cps", "3. TLS passthrough handshakes", "new TLS connections/s", "higher", "{:,.0f}"),
    ("tls_handshake", "cpu_us", "3. TLS passthrough handshakes", "proxy CPU per connection (µs)", "lower",
     "{:.1f}"),
    ("tls_bulk", "mbps", "4. TLS passthrough bulk", "MB/s (10^6 bytes)", "higher", "{:,.1f}"),
    ("tls_bulk", "cpu_us", "4. TLS passthrough bulk", "proxy CPU per MB (µs)", "lower", "{:.1f}"),
]
KEY_TYPES = [("ecdsa", "ECDSA P-256"), ("rsa", "RSA 2048")]
for _kind, _label in KEY_TYPES:
    METRICS += [
        (f"tls_ka_{_kind}", "rps", f"7. TLS terminated keep-alive, {_label}", "requests/s", "higher", "{:,.0f}"),
        (f"tls_ka_{_kind}", "p50_ms", f"7. TLS terminated keep-alive, {_label}", "latency p50 (ms)", "lower",
         "{:.2f}"),
        (f"tls_ka_{_kind}", "p99_ms", f"7. TLS terminated keep-alive, {_label}", "latency p99 (ms)", "lower",
         "{:.2f}"),
        (f"tls_ka_{_kind}", "cpu_us", f"7. TLS terminated keep-alive, {_label}", "proxy CPU per request (µs)",
         "lower", "{:.1f}"),
    ]
for _kind, _label in KEY_TYPES:
    METRICS += [
        (f"tls_close_{_kind}", "rps", f"8. TLS terminated, client `Connection: close`, {_label}",
         "requests/s (a full handshake each)", "higher", "{:,.0f}"),
        (f"tls_close_{_kind}", "backend_conns", f"8. TLS terminated, client `Connection: close`, {_label}",
         "new backend connections", "lower", "{:,.0f}"),
        (f"tls_close_{_kind}", "backend_conns_per_1k", f"8. TLS terminated, client `Connection: close`, {_label}",
         "new backend connections per 1,000 requests", "lower", "{:.2f}"),
        (f"tls_close_{_kind}", "cpu_us", f"8. TLS terminated, client `Connection: close`, {_label}",
         "proxy CPU per request (µs)", "lower", "{:.1f}"),
    ]
for _kind, _label in KEY_TYPES:
    _scenario = f"12. TLS terminated, client `Connection: close`, sessions resumed, {_label}"
    METRICS += [
        (f"tls_resume_{_kind}", "rps", _scenario, "requests/s (a new connection each)", "higher", "{:,.0f}"),
        (f"tls_resume_{_kind}", "resumed_pct", _scenario, "handshakes resumed (%, the proxy's own count)", "higher",
         "{:.1f}"),
        (f"tls_resume_{_kind}", "cpu_us", _scenario, "proxy CPU per request (µs)", "lower", "{:.1f}"),
    ]
for _kind, _label in KEY_TYPES:
    _scenario = f"9. TLS terminated keep-alive, re-encrypted to a TLS backend, {_label}"
    METRICS += [
        (f"tls_reenc_{_kind}", "rps", _scenario, "requests/s", "higher", "{:,.0f}"),
        (f"tls_reenc_{_kind}", "p50_ms", _scenario, "latency p50 (ms)", "lower", "{:.2f}"),
        (f"tls_reenc_{_kind}", "p99_ms", _scenario, "latency p99 (ms)", "lower", "{:.2f}"),
        (f"tls_reenc_{_kind}", "cpu_us", _scenario, "proxy CPU per request (µs)", "lower", "{:.1f}"),
        (f"tls_reenc_{_kind}", "backend_conns", _scenario, "new backend TLS connections", "lower", "{:,.0f}"),
        (f"tls_reenc_{_kind}", "backend_conns_per_1k", _scenario, "new backend TLS connections per 1,000 requests",
         "lower", "{:.2f}"),
    ]
# Wherever the proxy's CPU per unit is measured, BENCH_SYSCALLS=1 also counts its system calls and context switches
# per unit (perf stat); the rows appear only when those samples exist. And wherever p99 is, p99.9 follows it.
_with_counts = []
for _entry in METRICS:
    _with_counts.append(_entry)
    _scenario, _metric, _scenario_label, _label, _better, _pattern = _entry
    if _metric == "cpu_us":
        _unit = _label.replace("proxy CPU ", "").replace(" (µs)", "")
        _with_counts.append((_scenario, "syscalls", _scenario_label, f"proxy system calls {_unit}", "lower",
                             "{:.1f}"))
        _with_counts.append((_scenario, "ctx_switches", _scenario_label, f"proxy context switches {_unit}", "lower",
                             "{:.2f}"))
    if _metric == "p99_ms":
        _with_counts.append((_scenario, "p999_ms", _scenario_label, _label.replace("p99", "p99.9"), "lower", "{:.2f}"))
METRICS = _with_counts
METRICS += [
    ("idle", "per_conn_kib", "5. Idle TLS tunnels", "RSS per connection (KiB)", "lower", "{:.1f}"),
    ("idle", "rss_before_mib", "5. Idle TLS tunnels", "RSS before (MiB)", "lower", "{:.1f}"),
    ("idle", "rss_after_mib", "5. Idle TLS tunnels", "RSS with all open (MiB)", "lower", "{:.1f}"),
    ("idle", "opened", "5. Idle TLS tunnels", "connections held", "higher", "{:,.0f}"),
    ("startup", "ready_ms", "6. Start-up", "ms to /readyz 200", "lower", "{:,.0f}"),
    ("startup", "first_ms", "6. Start-up", "ms to first proxied 200", "lower", "{:,.0f}"),
]


def read_samples(path):
    samples = defaultdict(list)  # insertion order: the order of the run
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            scenario, metric, target, _rep, value = line.rstrip("\n").split("\t")
            samples[(scenario, metric, target)].append(float(value))
    return samples


def fmt(value, pattern):
    return "–" if value is None else pattern.format(value)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def variants(samples, scenario, metric):
    """The snipool variants (providers) measured for a metric, in run order; [None] when snipool ran plain."""
    found = [t.split("/", 1)[1] for (s, m, t) in samples if s == scenario and m == metric and t.startswith("snipool/")]
    return list(dict.fromkeys(found)) or [None]


def snipool_key(variant):
    return "snipool" if variant is None else f"snipool/{variant}"


def with_variant(label, variant):
    return label if variant is None else f"{label} (snipool: {variant})"


def render(samples, header, notes):
    medians = {key: statistics.median(values) for key, values in samples.items()}
    out = [header.rstrip(), ""]

    out += ["## Medians and ratios to HAProxy", "",
            "Each cell is the median over the repetitions. A ratio above 1 means *more* than HAProxy: better for "
            "rates, worse for latency, memory and time (see the \"better\" column).", "",
            "| Scenario | Metric | better | snipool | HAProxy | nginx | direct | snipool ÷ HAProxy | "
            "nginx ÷ HAProxy |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for scenario, metric, scenario_label, label, better, pattern in METRICS:
        for variant in variants(samples, scenario, metric):
            row = {t: medians.get((scenario, metric, snipool_key(variant) if t == "snipool" else t)) for t in TARGETS}
            if all(v is None for v in row.values()):
                continue
            hap = row["haproxy"]
            out.append(f"| {scenario_label} | {with_variant(label, variant)} | {better} | "
                       + " | ".join(fmt(row[t], pattern) for t in TARGETS) + " | "
                       + fmt(ratio(row["snipool"], hap), "{:.2f}") + " | "
                       + fmt(ratio(row["nginx"], hap), "{:.2f}") + " |")

    direct_rows = []
    for scenario, metric, scenario_label, label, better, _pattern in METRICS:
        if metric not in ("rps", "cps", "mbps"):
            continue
        base = medians.get((scenario, metric, "direct"))
        if base is None:
            continue
        for variant in variants(samples, scenario, metric):
            cells = [fmt(ratio(medians.get((scenario, metric, snipool_key(variant) if p == "snipool" else p)), base),
                         "{:.2f}") for p in PROXIES]
            direct_rows.append(f"| {scenario_label} | {with_variant(label, variant)} | " + " | ".join(cells) + " |")
    if direct_rows:
        out += ["", "## Proxy ÷ direct (the same load sent straight to the backend)", "",
                "How much of the backend's own rate survives the extra hop; 1.00 would be a free proxy.", "",
                "| Scenario | Metric | snipool | HAProxy | nginx |", "| --- | --- | ---: | ---: | ---: |"]
        out += direct_rows

    out += ["", "## Every sample", "", "Values per repetition, in run order.", "",
            "| Scenario | Metric | " + " | ".join(NAMES[t] for t in TARGETS) + " |",
            "| --- | --- | " + " | ".join("---" for _ in TARGETS) + " |"]
    for scenario, metric, scenario_label, label, _better, pattern in METRICS:
        for variant in variants(samples, scenario, metric):
            cells = [", ".join(pattern.format(v) for v in
                               samples.get((scenario, metric, snipool_key(variant) if t == "snipool" else t), []))
                     or "–" for t in TARGETS]
            if all(c == "–" for c in cells):
                continue
            out.append(f"| {scenario_label} | {with_variant(label, variant)} | " + " | ".join(cells) + " |")

    out += ["", "## Notes from this run", ""]
    out += [f"- {n}" for n in notes] if notes else ["- none: every run completed without errors"]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--notes", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.header, encoding="utf-8") as f:
        header = f.read()
    with open(args.notes, encoding="utf-8") as f:
        notes = [line.strip() for line in f if line.strip()]
    report = render(read_samples(args.samples), header, notes)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(report)
    print(report, end="")


if __name__ == "__main__":
    main()
