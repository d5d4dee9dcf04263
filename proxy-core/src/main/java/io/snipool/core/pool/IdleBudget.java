package io.snipool.core.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The global {@code max_idle_total}: how many connections may sit idle across all pool instances (all event loops).
 * Thread-safe; the pools of all loops share one. An idle connection holds one unit from the moment it is pushed
 * idle until it is leased or evicted.
 */
public final class IdleBudget {

    private volatile int limit;
    private final AtomicInteger used = new AtomicInteger();

    /** @param maxIdleTotal zero or more; zero keeps nothing idle */
    public IdleBudget(int maxIdleTotal) {
        if (maxIdleTotal < 0) {
            throw new IllegalArgumentException("max_idle_total must be 0 or more, got " + maxIdleTotal);
        }
        this.limit = maxIdleTotal;
    }

    /** The cap. */
    public int limit() {
        return limit;
    }

    /** A reload's new {@code max_idle_total}: applies as connections are returned; none is closed for it. */
    public void limit(int maxIdleTotal) {
        limit = maxIdleTotal;
    }

    /** Idle connections across all pools right now. */
    public int used() {
        return used.get();
    }

    boolean hasRoom() {
        return used.get() < limit;
    }

    boolean tryAcquire() {
        int current;
        do {
            current = used.get();
            if (current >= limit) {
                return false;
            }
        } while (!used.compareAndSet(current, current + 1));
        return true;
    }

    void release() {
        used.decrementAndGet();
    }
}
