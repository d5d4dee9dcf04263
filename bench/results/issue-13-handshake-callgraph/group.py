#!/usr/bin/env python3
"""Groups classify.py's categories the way the README's table does: usage: group.py DIR... (each with
snipool.classes.txt and haproxy.classes.txt); prints µs per connection per group, one column per file."""
import re, sys

GROUPS = [
    ("Kernel: TCP and sockets (accept, connect, socket, send, receive, shutdown, close, options and addresses)",
     r"^kernel: (accept|connect|socket|send|receive|shutdown|close|setsockopt|other)"),
    ("Kernel: waiting for events, context switches", r"^kernel: scheduling"),
    ("Event machinery: io_uring (enter, poll, timeouts) or epoll, clock", r"^kernel: (io_uring|epoll|clock)"),
    ("Netty: the event loop's own work (completions, submissions)", r"^Netty: io_uring/epoll loop"),
    ("Netty: per-channel set-up, reads and writes, half-close, teardown",
     r"^Netty: (accepted|backend|reads|writes|half-close|channel close)"),
    ("The proxy's own code: snipool's ClientHello, route and dial, tunnel relay; all of HAProxy's user space",
     r"^snipool|^timers|^event loop: other"),
    ("Exceptions with stack traces (Netty's, on the half-close path)", r"^exceptions"),
    ("JVM: JIT compilers, GC, other threads", r"^(JIT|GC|other JVM)"),
]

def load(path):
    rows = {}
    total = None
    for line in open(path):
        m = re.match(r"\| (.+?) \| ([0-9.]+) % \| ([0-9.]+) \|", line)
        if m:
            rows[m.group(1)] = float(m.group(3))
        m = re.search(r", ([0-9]+) µs of CPU each", line)
        if m:
            total = float(m.group(1))
    return rows, total

cols = []
for d in sys.argv[1:]:
    for who in ("snipool", "haproxy"):
        rows, total = load(f"{d}/{who}.classes.txt")
        if who == "haproxy":
            # HAProxy's own code has no symbols here: all of its user space is one line
            rows = {("snipool: haproxy user space" if k.startswith("event loop: other") else k): v
                    for k, v in rows.items()}
        cols.append((f"{who} ({d})", rows, total))
print("| Where | " + " | ".join(c[0] for c in cols) + " |")
print("| --- |" + " ---: |" * len(cols))
for name, pattern in GROUPS:
    r = re.compile(pattern)
    cells = []
    for label, rows, total in cols:
        v = sum(us for k, us in rows.items() if r.search(k))
        cells.append(f"{v:.0f}")
    print(f"| {name} | " + " | ".join(cells) + " |")
print("| **Total (perf stat task-clock ÷ connections)** | " + " | ".join(f"**{c[2]:.0f}**" for c in cols) + " |")
