#!/usr/bin/env python3
"""Holds N idle TLS connections through a proxy and reports the proxy's resident memory per connection.

Each connection is a full TLS handshake with SNI through the proxy to the backend, then silence. The proxy's
VmRSS (summed over the given PIDs, e.g. an nginx master and its workers) is read from /proc/PID/status:

1. warm-up: WARMUP connections are opened (handshake completed) and closed, at most CONCURRENCY at a time, so that
   code paths, JIT and lazily created buffers are in place before the first reading;
2. "before": after SETTLE seconds of quiet;
3. N connections are opened, at most CONCURRENCY handshakes at a time, and kept open;
4. "after": after SETTLE seconds of quiet, with all N still open.

5. optionally (--while-open), a shell command, with all N still open; and (--after-before) one right after the
   "before" reading (what it costs the proxy lands in the "after" one: for diagnosis, not for the figure).

Prints one JSON object: requested, opened, failed, rss_before_kib, rss_after_kib, per_conn_bytes, open_seconds.
Everything is bounded: each handshake by --handshake-timeout, the whole run by --deadline.
"""
import argparse
import asyncio
import json
import ssl
import sys
import time


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


async def open_one(args, context, semaphore):
    async with semaphore:
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port, ssl=context, server_hostname=args.sni),
                timeout=args.handshake_timeout)
        except (OSError, ssl.SSLError, asyncio.TimeoutError) as error:
            return error


async def open_many(args, context, count):
    semaphore = asyncio.Semaphore(args.concurrency)
    results = await asyncio.gather(*(open_one(args, context, semaphore) for _ in range(count)))
    streams = [r for r in results if isinstance(r, tuple)]
    errors = [r for r in results if not isinstance(r, tuple)]
    return streams, errors


async def close_all(streams):
    for _, writer in streams:
        writer.transport.abort()  # no close_notify dance: thousands of them only slow the exit down
    await asyncio.sleep(0)


async def run(args):
    context = ssl.create_default_context(cafile=args.cafile)
    context.check_hostname = True
    pids = [int(p) for p in args.pids.split(",") if p]

    # The warm-up in batches, each closed before the next: it should compile the connection path and create what
    # is made once, not leave memory touched by thousands of connections at a time for the measured ones to reuse.
    for start in range(0, args.warmup, args.concurrency):
        warm, _ = await open_many(args, context, min(args.concurrency, args.warmup - start))
        await close_all(warm)
    await asyncio.sleep(args.settle)
    before = rss_kib(pids)
    if args.after_before:
        # Right after the first reading, before any connection opens: e.g. the proxy's memory map, to compare.
        process = await asyncio.create_subprocess_shell(args.after_before, stdout=sys.stderr)
        await asyncio.wait_for(process.wait(), timeout=120)

    started = time.monotonic()
    streams, errors = await open_many(args, context, args.count)
    open_seconds = time.monotonic() - started
    await asyncio.sleep(args.settle)
    after = rss_kib(pids)
    # Connections the proxy or backend dropped while we waited would make the per-connection figure lie.
    still_open = sum(1 for reader, writer in streams if not reader.at_eof() and not writer.transport.is_closing())
    if args.while_open:
        # After the reading, with every connection still open: e.g. a heap histogram of the proxy.
        process = await asyncio.create_subprocess_shell(args.while_open, stdout=sys.stderr)
        await asyncio.wait_for(process.wait(), timeout=120)
    await close_all(streams)

    opened = len(streams)
    result = {
        "requested": args.count,
        "opened": opened,
        "still_open": still_open,
        "failed": len(errors),
        "first_error": repr(errors[0]) if errors else None,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "per_conn_bytes": round((after - before) * 1024 / opened, 1) if opened else None,
        "open_seconds": round(open_seconds, 2),
    }
    print(json.dumps(result))
    return 0 if opened else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sni", required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--pids", required=True, help="comma-separated PIDs whose VmRSS is summed")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--handshake-timeout", type=float, default=30.0)
    parser.add_argument("--deadline", type=float, default=600.0)
    parser.add_argument("--after-before", help="a shell command run after the first reading, before the connections")
    parser.add_argument("--while-open", help="a shell command run after the reading, with all connections open")
    args = parser.parse_args()
    try:
        return asyncio.run(asyncio.wait_for(run(args), timeout=args.deadline))
    except asyncio.TimeoutError:
        print(json.dumps({"error": f"did not finish within {args.deadline}s"}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
