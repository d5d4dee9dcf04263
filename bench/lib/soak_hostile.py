#!/usr/bin/env python3
"""Hostile clients for bench/soak.sh, on loopback only, for a fixed time.

Each worker opens one connection after another to the HTTP or the TLS listener and sends one of: random bytes, a
malformed HTTP request (smuggling-style framing), or a request head / ClientHello prefix dribbled one byte per
100 ms (slowloris). It then reads until snipool closes the connection. A connection still open after --timeout
seconds is a failure: snipool must refuse or time out every one of them.

Prints one summary line; exits 1 if any connection was left open, 2 on bad arguments.
"""
import argparse
import random
import socket
import threading
import time

MALFORMED = [
    b"POST / HTTP/1.1\r\nHost: app.bench.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX",
    b"POST / HTTP/1.1\r\nHost: app.bench.test\r\nTransfer-Encoding: xchunked\r\n\r\n",
    b"GET / HTTP/1.1\nHost: app.bench.test\n\n",
    b"GET / HTTP/1.1\r\nHost: app.bench.test\r\nX: a\r\n b\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: app.bench.test\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: app.bench.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: x\r\n\r\n",
    b"GET http://a@b/ HTTP/1.1\r\nHost: app.bench.test\r\n\r\n",
]
HEAD_PREFIX = b"GET /slow HTTP/1.1\r\nHost: app.bench.test\r\nUser-Agent: slowloris\r\nX-Pad: " + b"p" * 200
HELLO_PREFIX = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]) + bytes(200)


def closed_after(port, data, timeout, dribble):
    """True if snipool closed the connection within timeout seconds after (or while) data was sent."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return True  # refused at once (a connection limit): not left open
    with sock:
        try:
            if dribble:
                for i in range(len(data)):
                    sock.sendall(data[i:i + 1])
                    sock.settimeout(0.1)
                    try:
                        if not sock.recv(4096):
                            return True
                    except socket.timeout:
                        pass
                    if time.monotonic() > deadline:
                        return False
            else:
                sock.sendall(data)
        except OSError:
            return True  # reset while sending: closed
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            while sock.recv(65536):
                pass
            return True
        except socket.timeout:
            return False
        except OSError:
            return True


def worker(seed, http_port, tls_port, until, timeout, counts, lock):
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind = rng.random()
        if kind < 0.45:
            port, data, dribble, name = rng.choice((http_port, tls_port)), rng.randbytes(rng.randint(1, 2048)), False, "random"
        elif kind < 0.9:
            port, data, dribble, name = http_port, rng.choice(MALFORMED), False, "malformed"
        else:
            use_tls = rng.random() < 0.5
            port = tls_port if use_tls else http_port
            data, dribble, name = (HELLO_PREFIX if use_tls else HEAD_PREFIX), True, "slowloris"
        ok = closed_after(port, data, timeout, dribble)
        with lock:
            counts[name] = counts.get(name, 0) + 1
            if not ok:
                counts["left_open"] = counts.get("left_open", 0) + 1
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", type=int, required=True, help="snipool's HTTP listener port")
    parser.add_argument("--tls", type=int, required=True, help="snipool's TLS listener port")
    parser.add_argument("--seconds", type=float, required=True, help="how long to keep opening connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds a connection may stay open (above request_head and client_hello)")
    args = parser.parse_args()
    until = time.monotonic() + args.seconds
    counts, lock = {}, threading.Lock()
    threads = [threading.Thread(target=worker, args=(i, args.http, args.tls, until, args.timeout, counts, lock))
               for i in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(v for k, v in counts.items() if k != "left_open")
    left = counts.get("left_open", 0)
    print("hostile: %d connections (random %d, malformed %d, slowloris %d), %d left open after %.0f s"
          % (total, counts.get("random", 0), counts.get("malformed", 0), counts.get("slowloris", 0), left,
             args.timeout))
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
