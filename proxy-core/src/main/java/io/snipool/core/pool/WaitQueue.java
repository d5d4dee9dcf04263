package io.snipool.core.pool;

import java.util.ArrayDeque;

/**
 * One key's leases waiting for a slot under {@code max_connections_per_host}, oldest first, each with its wait
 * timer. Keeps the {@code pending} gauge.
 */
final class WaitQueue<K, C extends PooledConnection> {

    private final K key;
    private final PoolListener<K> listener;
    private final ArrayDeque<PendingLease<K, C>> waiters = new ArrayDeque<>();

    WaitQueue(K key, PoolListener<K> listener) {
        this.key = key;
        this.listener = listener;
    }

    int size() {
        return waiters.size();
    }

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    /** Appends a waiter; {@code onTimeout} runs after {@code timeoutNanos} unless it left the queue by then. */
    void add(PendingLease<K, C> waiter, Scheduler scheduler, long timeoutNanos, Runnable onTimeout) {
        waiters.addLast(waiter);
        listener.onGaugeChange(key, PoolGauge.PENDING, 1);
        waiter.waitTimer = scheduler.schedule(timeoutNanos, onTimeout);
    }

    /** Removes and returns the oldest waiter, or null. */
    PendingLease<K, C> poll() {
        PendingLease<K, C> waiter = waiters.pollFirst();
        if (waiter != null) {
            left(waiter);
        }
        return waiter;
    }

    /** Removes a waiter that timed out or was cancelled. */
    void remove(PendingLease<K, C> waiter) {
        waiters.remove(waiter); // O(n), but only on timeout or cancel, and n <= max_pending_per_host
        left(waiter);
    }

    private void left(PendingLease<K, C> waiter) {
        waiter.waitTimer.cancel();
        listener.onGaugeChange(key, PoolGauge.PENDING, -1);
    }
}
