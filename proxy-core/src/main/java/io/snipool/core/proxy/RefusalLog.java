package io.snipool.core.proxy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs refused connections of one listener without letting a flood of them flood the log: at most one line per
 * interval, saying how many more were refused since. Every refusal is counted in metrics regardless.
 */
public final class RefusalLog {

    /** At most one log line per this interval per listener. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = Logger.getLogger(RefusalLog.class.getName());

    private final String listener;
    private final long intervalNanos;
    private final AtomicLong nextLogAt;
    private final AtomicLong suppressed = new AtomicLong();

    public RefusalLog(String listener, Duration interval) {
        this.listener = listener;
        this.intervalNanos = interval.toNanos();
        this.nextLogAt = new AtomicLong(System.nanoTime());
    }

    public void refused(InetAddress client, String reason) {
        long now = System.nanoTime();
        long due = nextLogAt.get();
        if (now - due >= 0 && nextLogAt.compareAndSet(due, now + intervalNanos)) {
            long others = suppressed.getAndSet(0);
            LOG.warning("listener " + listener + " refused a connection from " + client.getHostAddress() + " ("
                    + reason + ")" + (others > 0 ? "; " + others + " more refused since the last report" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
