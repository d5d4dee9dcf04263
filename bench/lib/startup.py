#!/usr/bin/env python3
"""Starts a proxy and measures how long it takes to become useful, then stops it.

    startup.py --pidfile F --url URL --host HOST [--ready-url URL] [--log FILE] -- COMMAND...

The clock starts just before the process is spawned. URL is requested with "Host: HOST" until it answers 200 from the
backend through the proxy: "first_request_ms", and the CPU time the process had used by then, every thread, user and
system: "cpu_ms" (less disturbed by other load than the clock). With --ready-url (snipool's /readyz), the same loop
also polls it until its first 200: "ready_ms", which may come before or after the first proxied 200 (snipool binds
its listeners before its admin server). Polls every 2 ms, each attempt bounded by 1 s, the whole by --timeout. The
child's PID is written to --pidfile at once so the calling script can stop it should this helper die; the helper
itself stops it (SIGTERM, then SIGKILL after 15 s) before printing one JSON object.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

POLL_SECONDS = 0.002


def status(url, host=None):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=1.0)
    try:
        connection.request("GET", parts.path or "/", headers={"Host": host} if host else {})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def cpu_ms(pid):
    """utime + stime of /proc/PID/stat (fields 14 and 15), in ms; None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pidfile", required=True)
    parser.add_argument("--url", required=True, help="a request through the proxy's HTTP listener")
    parser.add_argument("--host", required=True, help="the Host header of that request")
    parser.add_argument("--ready-url", help="a readiness endpoint to time first (snipool's /readyz)")
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    result = {"ready_ms": None, "first_request_ms": None, "cpu_ms": None}
    with open(args.log, "ab") as log:
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        with open(args.pidfile, "w", encoding="ascii") as pidfile:
            pidfile.write(str(child.pid))
        deadline = started + args.timeout
        try:
            # Both in one loop: snipool's listeners may serve before its admin server (and /readyz) is up.
            ready_done = not args.ready_url
            while time.monotonic() < deadline and not (ready_done and result["first_request_ms"] is not None):
                if result["first_request_ms"] is None and status(args.url, args.host) == 200:
                    result["first_request_ms"] = round((time.monotonic() - started) * 1000, 1)
                    result["cpu_ms"] = cpu_ms(child.pid)
                if not ready_done and status(args.ready_url) == 200:
                    result["ready_ms"] = round((time.monotonic() - started) * 1000, 1)
                    ready_done = True
                time.sleep(POLL_SECONDS)
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    print(json.dumps(result))
    return 0 if result["first_request_ms"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
