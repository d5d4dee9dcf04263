#!/usr/bin/env python3
"""Reads the output of the load tools into plain numbers for bench/run.sh.

    parse.py wrk FILE      -> "requests_per_s p50_ms p99_ms requests errors p999_ms" (p999_ms is "nan" without
                              bench/lib/wrk.lua's line)
    parse.py h2load FILE   -> "connections_per_s succeeded failed"
    parse.py curl SIZE_EXPECTED "SIZE TIME"  -> "MB_per_s" (exit 1 if the size is wrong)
    parse.py codes FILE REQUESTS SECONDS     -> "succeeded_per_s succeeded failed": FILE has one HTTP status per
                                                line (curl -w '%{http_code}\n'); a 2xx succeeded, anything else
                                                and every missing line (curl stopped early) failed

Prints nothing and exits 1 when the output does not contain what is needed (the tool failed or was cut short).
"""
import re
import sys

_DURATION_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    """wrk and h2load print durations as 812.00us, 1.23ms, 2.01s or 1.00m."""
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def wrk(text):
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    total = re.search(r"^\s+(\d+) requests in", text, re.M)
    if not (rps and p50 and p99 and total):
        return None
    errors = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket:
        errors += sum(int(g) for g in socket.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    p999 = re.search(r"^Latency p99\.9: (\S+)", text, re.M)
    p999_ms = f"{to_ms(p999.group(1)):.4f}" if p999 else "nan"
    return (f"{float(rps.group(1)):.2f} {to_ms(p50.group(1)):.4f} {to_ms(p99.group(1)):.4f} {total.group(1)} {errors}"
            f" {p999_ms}")


def h2load(text):
    finished = re.search(r"^finished in ([0-9.]+(?:us|ms|s|m|h)),", text, re.M)
    requests = re.search(r"^requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored, (\d+) timeout", text, re.M)
    if not (finished and requests):
        return None
    seconds = to_ms(finished.group(1)) / 1e3
    succeeded = int(requests.group(1))
    failed = int(requests.group(2)) + int(requests.group(3)) + int(requests.group(4))
    if seconds <= 0:
        return None
    return f"{succeeded / seconds:.2f} {succeeded} {failed}"


def curl(expected, text):
    size, seconds = text.split()
    if int(float(size)) != int(expected) or float(seconds) <= 0:
        return None
    return f"{int(float(size)) / float(seconds) / 1e6:.2f}"


def codes(text, expected, seconds):
    statuses = text.split()
    if not statuses or float(seconds) <= 0:
        return None
    succeeded = sum(1 for s in statuses if s.startswith("2"))
    failed = max(int(expected), len(statuses)) - succeeded
    return f"{succeeded / float(seconds):.2f} {succeeded} {failed}"


def main(argv):
    kind = argv[1]
    if kind == "wrk":
        result = wrk(open(argv[2], encoding="utf-8", errors="replace").read())
    elif kind == "h2load":
        result = h2load(open(argv[2], encoding="utf-8", errors="replace").read())
    elif kind == "curl":
        result = curl(argv[2], argv[3])
    elif kind == "codes":
        result = codes(open(argv[2], encoding="utf-8", errors="replace").read(), argv[3], argv[4])
    else:
        raise SystemExit(f"unknown kind {kind}")
    if result is None:
        return 1
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
