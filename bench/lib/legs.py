"""Where a proxied HTTP request's time goes, from a packet capture on the loopback interface (bench/legs.sh).

Each request of bench/lib/legs.lua carries a unique X-Seq field. In the capture (segments with PSH, SYN or FIN: every
request and response here is one segment) every request
is seen twice and its response twice:
  t0  client -> proxy   the request            (matched by X-Seq)
  t1  proxy -> backend  the forwarded request  (matched by X-Seq)
  t2  backend -> proxy  the response           (matched by its ACK: the end of the forwarded request in sequence space)
  t3  proxy -> client   the response           (matched by its ACK: the end of the client's request)
Legs: in = t1 - t0 (the proxy's inbound path: waiting for its thread, reading, routing, writing), backend = t2 - t1,
out = t3 - t2 (the proxy's outbound path), total = t3 - t0. The timestamps are taken as each packet crosses the
loopback interface on its sender's thread, so a leg includes the receiver's wait to be scheduled.

Usage: legs.py PCAP PROXY_PORT BACKEND_PORT [--jit JIT_LOG --gc GC_LOG]
Prints one summary line per leg (percentiles in µs), how many responses reached the clients in more than one
segment, how bunched the responses to the clients were (the number sent less than BURST_GAP µs apart, in a row, with
each), and a table per second of the capture: each leg's p99, the backend connections the proxy opened (SYN) and
closed (FIN) on connections that carried the run's requests and, given snipool's logs (-Xlog with wall-clock
time), the C2 compilations and the G1 pause time in that second.
"""
import argparse
import collections
import datetime
import re
import struct

PCAP_MAGIC = {0xa1b2c3d4: False, 0xa1b23c4d: True}  # -> nanosecond timestamps
FIELD = b"x-seq: "
BURST_GAP = 10


def packets(path):
    """(time in µs, sport, dport, seq, ack, flags, captured payload, payload length) of each TCP segment over IPv4
    in a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in PCAP_MAGIC:
        raise SystemExit(f"{path}: not a little-endian pcap file")
    nano = PCAP_MAGIC[magic]
    link = struct.unpack("<I", data[20:24])[0]
    l2 = {1: 14, 0: 4, 113: 16}.get(link)
    if l2 is None:
        raise SystemExit(f"{path}: link type {link} not handled")
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        ip = pkt[l2:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        sport, dport, seq, ack = struct.unpack(">HHII", tcp[:12])
        doff = (tcp[12] >> 4) * 4
        # The segment's length from the IP header: the capture keeps only the first bytes of each packet.
        length = struct.unpack(">H", ip[2:4])[0] - ihl - doff
        yield (sec * 1e6 + (frac / 1000 if nano else frac), sport, dport, seq, ack, tcp[13], tcp[doff:], length)


def request_id(payload):
    i = payload.lower().find(FIELD)
    if i < 0:
        return None
    return payload[i + len(FIELD):payload.find(b"\r\n", i)]


def pct(values, q):
    return values[min(len(values) - 1, int(q * len(values)))]


def wall(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1e6


def jit_events(path):
    """Times (µs) of the C2 compilations in a -Xlog:jit+compilation=debug:file=...:time log."""
    out = []
    for line in open(path, errors="replace"):
        m = re.match(r"\[(\S+)\]\s+\d+\s+[%sbn! ]*?(\d)\s+\S+", line)
        if m and m.group(2) == "4" and "made not entrant" not in line:
            out.append(wall(m.group(1)))
    return out


def gc_pauses(path):
    out = []
    for line in open(path, errors="replace"):
        m = re.match(r"\[(\S+)\].*Pause.* ([\d.]+)ms", line)
        if m:
            out.append((wall(m.group(1)), float(m.group(2))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("proxy_port", type=int)
    ap.add_argument("backend_port", type=int)
    ap.add_argument("--jit")
    ap.add_argument("--gc")
    a = ap.parse_args()
    t = [dict(), dict(), dict(), dict()]
    ends = {}   # (sender port, receiver port, end of a request in sequence space) -> its X-Seq
    syn, fin = [], []
    last = {}   # X-Seq -> the time of the last segment of its response to the client
    segments = collections.Counter()   # X-Seq -> data segments of its response to the client
    conn_requests = collections.defaultdict(list)   # client port -> its requests' X-Seq in order
    backend_ports = set()   # the proxy's ports that sent this run's requests to the backend
    for ts, sport, dport, seq, ack, flags, payload, length in packets(a.pcap):
        if not length:
            # The proxy opening and closing backend connections; kept by port, counted below only for ports that
            # carried this run's requests (the capture also sees the other proxy's backend connections).
            if dport == a.backend_port and flags & 2 and not flags & 16:
                syn.append((ts, sport))
            elif dport == a.backend_port and flags & 1:
                fin.append((ts, sport))
            continue
        if dport in (a.proxy_port, a.backend_port):
            rid = request_id(payload)
            seen = t[0 if dport == a.proxy_port else 1]
            if rid is not None and rid not in seen:   # not a retransmission
                seen[rid] = ts
                ends[(sport, dport, (seq + length) & 0xffffffff)] = rid
                if dport == a.proxy_port:
                    conn_requests[sport].append(rid)
                else:
                    backend_ports.add(sport)
        elif sport in (a.proxy_port, a.backend_port):
            rid = ends.get((dport, sport, ack))
            if rid is not None:
                hop = 3 if sport == a.proxy_port else 2
                t[hop].setdefault(rid, ts)
                if hop == 3:
                    last[rid] = ts
                    segments[rid] += 1
    done = [r for r in t[0] if r in t[1] and r in t[2] and r in t[3]]
    if not done:
        raise SystemExit("no request seen on all four hops")
    # Responses to the clients sent back to back (less than BURST_GAP µs apart, as one io_uring submission or one
    # loop's sends make them): the size of the burst each response was part of, as the clients see it.
    sent = sorted((t[3][r], r) for r in done)
    sizes, run = [], 1
    position = {sent[0][1]: 0}   # X-Seq -> its response's place in its burst, from 0
    for (prev, _), (cur, rid) in zip(sent, sent[1:]):
        if cur - prev < BURST_GAP:
            position[rid] = run
            run += 1
        else:
            sizes += [run] * run
            position[rid] = 0
            run = 1
    sizes += [run] * run
    sizes.sort()
    print(f"bursts of responses to the clients (<{BURST_GAP} µs apart): a response's burst p50 {pct(sizes, .5)} "
          f"p90 {pct(sizes, .9)} p99 {pct(sizes, .99)} mean {sum(sizes) / len(sizes):.1f}")
    legs = {"in": lambda r: t[1][r] - t[0][r], "backend": lambda r: t[2][r] - t[1][r],
            "out": lambda r: t[3][r] - t[2][r], "total": lambda r: t[3][r] - t[0][r]}
    print(f"requests {len(done)} of {len(t[0])} seen")
    multi = sorted(last[r] - t[3][r] for r in done if segments[r] > 1)
    print(f"split {len(multi)} responses to the client in more than one segment"
          + (f", first to last p50 {pct(multi, .5):.0f} p99 {pct(multi, .99):.0f}" if multi else ""))
    for name, f in legs.items():
        v = sorted(f(r) for r in done)
        print(f"leg {name} p50 {pct(v, .5):.0f} p90 {pct(v, .9):.0f} p99 {pct(v, .99):.0f} "
              f"p99.9 {pct(v, .999):.0f} mean {sum(v) / len(v):.0f}")
    # The client's turn: from a response on the wire to the next request on the same connection (wrk reading the
    # response, recording it, making and writing the next request: its own time, and its wait for a CPU).
    turns = {a: t[0][b] - t[3][a] for rids in conn_requests.values() for a, b in zip(rids, rids[1:])
             if a in t[3] and b in t[0]}
    turn = sorted(turns.values())
    if turn:
        print(f"leg client p50 {pct(turn, .5):.0f} p90 {pct(turn, .9):.0f} p99 {pct(turn, .99):.0f} "
              f"p99.9 {pct(turn, .999):.0f} mean {sum(turn) / len(turn):.0f}")
        # Each request's time on the wire plus the client's turn after its response: the two as one request saw
        # them, to compare with wrk's own p99 (which a sum of the two parts' percentiles would overstate).
        both = sorted(legs["total"](r) + turns[r] for r in done if r in turns)
        print(f"leg wire+turn p50 {pct(both, .5):.0f} p90 {pct(both, .9):.0f} p99 {pct(both, .99):.0f} "
              f"p99.9 {pct(both, .999):.0f} mean {sum(both) / len(both):.0f}")
        # The client's turn by the response's place in its burst: a client handles a burst's responses in turn.
        places = {name: [] for name in ("1st", "2nd-4th", "5th-16th", "17th+")}
        for rid, v in turns.items():
            k = position.get(rid)
            if k is not None:
                places["1st" if k == 0 else "2nd-4th" if k < 4 else "5th-16th" if k < 16 else "17th+"].append(v)
        print("client's turn by place in burst: " + "; ".join(
            f"{k} n {len(v)} p50 {pct(v, .5):.0f} p99 {pct(v, .99):.0f}"
            for k, v in ((k, sorted(v)) for k, v in places.items()) if v))
    slow = sorted(done, key=legs["total"])[int(.99 * len(done)):]
    print("slowest-1% " + " ".join(f"{n} {sum(legs[n](r) for r in slow) / len(slow):.0f}"
                                   for n in ("in", "backend", "out")))
    jit = jit_events(a.jit) if a.jit else None
    gcs = gc_pauses(a.gc) if a.gc else None
    start = min(t[0][r] for r in done)
    by = collections.defaultdict(list)
    for r in done:
        by[int((t[0][r] - start) // 1e6)].append(r)
    syn = [x for x, port in syn if port in backend_ports]
    fin = [x for x, port in fin if port in backend_ports]
    print("second requests in99 backend99 out99 total99 syn fin" + (" c2 gc_ms" if jit is not None else ""))
    for s in sorted(by):
        lo, hi = start + s * 1e6, start + (s + 1) * 1e6
        row = [s, len(by[s])] + [pct(sorted(legs[n](r) for r in by[s]), .99) for n in legs]
        row += [sum(lo <= x < hi for x in syn), sum(lo <= x < hi for x in fin)]
        if jit is not None:
            row += [sum(lo <= x < hi for x in jit), f"{sum(p for x, p in gcs if lo <= x < hi):.1f}"]
        print("second " + " ".join(f"{x:.0f}" if isinstance(x, float) else str(x) for x in row))


if __name__ == "__main__":
    main()
