package io.snipool.core.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code limits.max_connections}: client connections open at once across every listener and event loop. One
 * instance per process; the only cross-thread state on the accept path.
 */
public final class ConnectionLimiter {

    private volatile int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionLimiter(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** Takes a slot; false (and nothing taken) when all {@code maxConnections} are in use. */
    public boolean tryAcquire() {
        while (true) {
            int current = open.get();
            if (current >= maxConnections) {
                return false;
            }
            if (open.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #tryAcquire()}. */
    public void release() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** A reload's new limit: applies to new connections; open ones above it are left alone. */
    public void maxConnections(int limit) {
        maxConnections = limit;
    }
}
