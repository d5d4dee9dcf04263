#!/usr/bin/env python3
"""Splits a `perf record -g` profile into what a new connection's CPU is spent on.

Usage: perf script -i X.perf.data -F comm,tid,period,ip,sym,dso | classify.py CONNECTIONS [CPU_MS|-] [TOP]

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
    ("kernel: scheduling (waiting for events, context switches)", r"io_cqring_wait|schedule\b|__schedule|finish_task_switch"),
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
    ("Netty: reads (buffers, pipeline)", r"readComplete|pollIn|epollInReady|doReadBytes"),
    ("Netty: writes and flushes", r"writeComplete|scheduleWrite|doWrite|flush0|AbstractChannelHandlerContext\.write|pollOut"),
    ("Netty: io_uring/epoll loop (completions, submissions)", r"io\.netty\.channel\.uring|io\.netty\.channel\.epoll|ioUringEnter|epollWait"),
]
SYSCALL_BY_CALLER = [
    ("kernel: io_uring_enter (entry and exit)", r"^syscall$"),
    ("kernel: setsockopt/getsockname/getpeername", r"setsockopt|getsockname|getpeername"),
    ("kernel: shutdown", r"shutdown"),
    ("kernel: socket()", r"__socket"),
    ("kernel: close", r"__close|close_nocancel"),
    ("kernel: accept", r"accept"),
    ("kernel: connect", r"connect"),
    ("kernel: receive (TCP)", r"recv|read"),
    ("kernel: send (TCP, loopback delivery)", r"send|write"),
    ("kernel: epoll", r"epoll"),
    ("kernel: clock_gettime", r"clock_gettime"),
]
THREADS = [("JIT compiler threads", r"Compiler"), ("GC threads", r"^G1|GC Thread|^GC"),
           ("other JVM threads", r".")]

def main():
    conns = int(sys.argv[1])
    cpu_ms = float(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "-" else None
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
                if cat is None:
                    # Sampled at a system call's entry or exit (on this VM, where interrupts are enabled again):
                    # the kernel frames do not say which call; the first user-space frame does.
                    user_frames = [s for s, d in frames if "kernel" not in d]
                    first = user_frames[0] if user_frames else ""
                    for c, r in ((c, re.compile(p)) for c, p in SYSCALL_BY_CALLER):
                        if r.search(first) or (c.startswith("kernel: io_uring_enter") and
                                               any("ioUringEnter" in u for u in user_frames[:3])):
                            cat = c; break
                cat = cat or "kernel: other"
            elif leaf_sym == "syscall" and any("ioUringEnter" in s for s, d in frames[:3]):
                cat = "kernel: io_uring_enter (entry and exit)"
            elif "libc" in leaf_dso:
                # the system call instruction of a libc wrapper: the call's entry and exit
                for c, r in ((c, re.compile(p)) for c, p in SYSCALL_BY_CALLER[1:]):
                    if r.search(leaf_sym):
                        cat = c; break
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
    per_conn = cpu_ms * 1000.0 / conns if cpu_ms else None
    print(f"{total} samples, {conns} connections" + (f", {per_conn:.0f} µs of CPU each" if per_conn else "") + "\n")
    print("| Category | Share of the process's samples | µs per connection |\n| --- | ---: | ---: |")
    for c, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        us = f"{per_conn * n / total:.1f}" if per_conn else ""
        print(f"| {c} | {100.0 * n / total:.1f} % | {us} |")
    print(f"\nTop self symbols:\n")
    for (s, d), n in self_syms.most_common(top):
        print(f"{100.0 * n / total:5.1f} %  {s}  [{d}]")
    print("\nTop stacks (first 6 frames) per category:\n")
    for c, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"## {c} ({100.0 * n / total:.1f} %)")
        for st, k in stacks[c].most_common(4):
            print(f"   {100.0 * k / total:4.1f} %  {st}")
main()
