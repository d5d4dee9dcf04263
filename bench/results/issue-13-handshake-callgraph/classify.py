#!/usr/bin/env python3
"""Splits a `perf record -g` profile into what a new connection's CPU is spent on.

Usage: perf script -i X.perf.data -F comm,tid,period,ip,sym,dso | classify.py CONNECTIONS [--top N]

Each sample goes to the first category whose pattern matches any frame of its stack (leaf to root): kernel work by
the system call or kernel path it belongs to first, then user-space work by the operation it runs under. Prints
shares of all samples and, given the number of connections the recording covered and the CPU time (perf stat's
task-clock), microseconds per connection."""
import collections, re, sys

# (category, regex over one frame's symbol). Order matters: the first rule that matches any frame wins.
KERNEL = [
    ("kernel: accept", r"io_accept|__sys_accept|do_accept|inet_accept"),
    ("kernel: connect", r"tcp_v4_connect|__inet_stream_connect|io_connect|__sys_connect"),
    ("kernel: socket()", r"__sys_socket\b|__x64_sys_socket\b"),
    ("kernel: shutdown", r"__sys_shutdown|inet_shutdown|io_shutdown"),
    ("kernel: close", r"tcp_close|sock_close|__fput|io_close|close_fd|filp_close|task_work_run"),
    ("kernel: setsockopt/getsockname/getpeername", r"setsockopt|getsockname|getpeername"),
    ("kernel: send (TCP, loopback delivery)", r"tcp_sendmsg|sock_sendmsg|io_send"),
    ("kernel: receive (TCP)", r"tcp_recvmsg|sock_recvmsg|io_recv|io_read\b"),
    ("kernel: io_uring wait, scheduling", r"io_cqring_wait|schedule\b|__schedule|finish_task_switch"),
    ("kernel: io_uring poll/other", r"io_uring|io_poll|io_arm_poll|io_submit|io_issue|__io_"),
    ("kernel: epoll", r"epoll"),
]
USER = [
    ("exceptions (stack traces)", r"fillInStackTrace|Throwable\.<init>|java_lang_Throwable"),
    ("Netty: backend channel set-up (Bootstrap.connect)", r"AbstractBootstrap\.initAndRegister|Bootstrap\.connect|Bootstrap\.doResolveAndConnect|doConnect"),
    ("Netty: accepted channel set-up", r"acceptComplete|IoUringServerSocketChannel|newChildChannel|ServerBootstrapAcceptor|LoopAcceptor|EpollServerSocketChannel|epollInReady.*Server|AbstractEpollServerChannel"),
    ("Netty: channel close/teardown", r"AbstractUnsafe\.close|doClose|fireChannelInactive|deregister|AbstractChannel\.close|closeForcibly|CloseFuture"),
    ("Netty: half-close (shutdownOutput)", r"shutdownOutput|shutdownInput|ChannelInputShutdown"),
    ("snipool: ClientHello", r"io\.snipool\.core\.tls\.|HelloCollector"),
    ("snipool: route, dial, tunnel start", r"TlsPassthrough|BackendDialer|TargetConnector|io\.snipool\.core\.route|Tunnel\.start|ClientConnection|ConnectionHandler"),
    ("snipool: tunnel relay", r"RelayHandler|io\.snipool\.core\.tunnel"),
    ("timers", r"ScheduledFutureTask|AbstractScheduledEventExecutor|Deadline"),
    ("Netty: io_uring/epoll loop (submit, completions, reads/writes)", r"io\.netty\.channel\.uring|io\.netty\.channel\.epoll|ioUringEnter|epollWait"),
]
THREADS = [("JIT compiler threads", r"Compiler"), ("GC threads", r"^G1|GC Thread|^GC"),
           ("other JVM threads", r".")]

def main():
    conns = int(sys.argv[1])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    kernel = [(c, re.compile(p)) for c, p in KERNEL]
    user = [(c, re.compile(p)) for c, p in USER]
    threads = [(c, re.compile(p)) for c, p in THREADS]
    counts = collections.Counter(); self_syms = collections.Counter(); total = 0
    stacks = collections.defaultdict(collections.Counter)
    for block in sys.stdin.read().split("\n\n"):
        lines = [l for l in block.strip().split("\n") if l.strip()]
        if not lines:
            continue
        comm = lines[0].rsplit(None, 2)[0].strip()
        frames = []
        for l in lines[1:]:
            m = re.match(r"\s*[0-9a-f]+ (.*) \((.*)\)$", l)
            if m:
                frames.append((m.group(1), m.group(2)))
        if not frames:
            continue
        total += 1
        leaf_sym, leaf_dso = frames[0]
        self_syms[(leaf_sym[:110], leaf_dso.rsplit("/", 1)[-1][:30])] += 1
        if not comm.startswith("vert.x-eventloo"):
            cat = next(c for c, r in threads if r.search(comm))
        else:
            cat = None
            in_kernel = "kernel" in leaf_dso
            if in_kernel:
                for c, r in kernel:
                    if any(r.search(s) for s, d in frames if "kernel" in d):
                        cat = c; break
                cat = cat or "kernel: other"
            # exceptions win over the kernel path (none expected there) and over the operation they occur in
            if any(re.search(USER[0][1], s) for s, d in frames):
                cat = USER[0][0]
            if cat is None:
                if "libjvm" in leaf_dso and not any("perf-" in d for s, d in frames[:3]):
                    # the JVM's own code called from Java (allocation slow paths, stubs): attributed below by caller
                    pass
                for c, r in user[1:]:
                    if any(r.search(s) for s, d in frames if "kernel" not in d):
                        cat = c; break
                if cat is None:
                    cat = "event loop: other (" + ("JVM runtime" if "libjvm" in leaf_dso else "user") + ")"
        counts[cat] += 1
        stacks[cat][" <- ".join(s.split("(")[0][-60:] for s, d in frames[:6])] += 1
    print(f"{total} samples, {conns} connections\n")
    print("| Category | Share of snipool's samples |\n| --- | ---: |")
    for c, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"| {c} | {100.0 * n / total:.1f} % |")
    print(f"\nTop self symbols:\n")
    for (s, d), n in self_syms.most_common(top):
        print(f"{100.0 * n / total:5.1f} %  {s}  [{d}]")
    print("\nTop stacks (first 6 frames) per category:\n")
    for c, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"## {c} ({100.0 * n / total:.1f} %)")
        for st, k in stacks[c].most_common(4):
            print(f"   {100.0 * k / total:4.1f} %  {st}")
main()
