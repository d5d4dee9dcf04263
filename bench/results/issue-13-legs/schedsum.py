import sys, re, collections
sw = re.compile(r"\s*(\S.*?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch: prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")
wk = re.compile(r"\s*(\S.*?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_wakeup: comm=(.*?) pid=(\d+) prio=\d+ target_cpu=(\d+)")
def run(path, who):
    events = []
    for line in open(path):
        m = sw.match(line)
        if m:
            events.append((float(m.group(4)), 's', int(m.group(3)), m.group(5), int(m.group(6)), m.group(7), m.group(8), int(m.group(9))))
            continue
        m = wk.match(line)
        if m:
            events.append((float(m.group(4)), 'w', int(m.group(7)), m.group(5), int(m.group(6))))
    events.sort(key=lambda e: e[0])
    cur = {}            # cpu -> (comm, pid, since)
    runs = collections.defaultdict(list)   # cpu -> [(start, end, comm)]
    ready = {}          # pid -> time it became runnable
    delays = []         # (delay, cpu, start, end, comm)
    for e in events:
        if e[1] == 'w':
            t, _, cpu, comm, pid = e
            ready.setdefault(pid, t)
        else:
            t, _, cpu, pcomm, ppid, pstate, ncomm, npid = e
            if cpu in cur:
                c, p, since = cur[cpu]
                runs[cpu].append((since, t, c))
            if pstate.startswith('R'):
                ready[ppid] = t
            if npid in ready:
                r = ready.pop(npid)
                if ncomm == who or ncomm.startswith(who):
                    delays.append((t - r, cpu, r, t, ncomm))
            cur[cpu] = (ncomm, npid, t)
    delays.sort()
    n = len(delays)
    def pct(q): return delays[min(n - 1, int(q * n))][0] * 1e6
    print(f"{who}: {n} waits for a CPU, p50 {pct(.5):.0f} p90 {pct(.9):.0f} p99 {pct(.99):.0f} p99.9 {pct(.999):.0f} µs, total {sum(d[0] for d in delays)*1e3:.0f} ms")
    # who held the CPU during the longest 1 % of the waits
    import bisect
    blame = collections.Counter()
    for d, cpu, a, b, _ in delays[int(.99 * n):]:
        for s, e, c in runs[cpu]:
            if e <= a or s >= b: continue
            blame[re.sub(r'[#\d/:]+$', '', c).strip()] += min(e, b) - max(s, a)
    tot = sum(blame.values())
    print("  on that CPU during the longest 1 %: " + ", ".join(f"{k} {100*v/tot:.0f} %" for k, v in blame.most_common(6)))
for f in sys.argv[1:]:
    print("==", f)
    for who in ("wrk", "nginx"):
        run(f, who)
