package io.snipool.core.pool;

import io.snipool.config.PoolSettings;

/**
 * The pool's record of one connection it created. It is also the connection's idle watcher and the task of its
 * expiry timer, so a recycle allocates neither.
 */
final class PoolEntry<K, C extends PooledConnection> implements IdleWatcher, Runnable {

    enum State { IDLE, LEASED, CLOSED }

    /** {@link #keepAliveLimitNanos} when the backend announced no keep-alive timeout. */
    static final long NO_LIMIT = -1;

    final KeyPool<K, C> owner;
    final C connection;
    final long createdNanos;
    /** When the connection reaches its lifetime: {@code max_lifetime} minus this connection's jitter. */
    final long expiresAtNanos;

    State state = State.LEASED;
    long requestCount;
    /** Taken off {@code max_requests_per_connection} for this connection: see {@link ExpiryRules#requestBudgetCut}. */
    final int requestBudgetCut;
    long idleSinceNanos;
    /** The longest the backend lets it sit idle, already shortened by a safety margin; {@link #NO_LIMIT} if unknown. */
    long keepAliveLimitNanos = NO_LIMIT;
    /** Idle with less than {@code min_idle_for_age} of its lifetime left (see {@link ExpiryRules#aging}). */
    boolean aging;

    // Links of the idle stack, so that evicting any idle connection is O(1).
    PoolEntry<K, C> newer;
    PoolEntry<K, C> older;

    /**
     * The expiry timer, kept armed while the connection is leased: if it is due no later than the next deadline the
     * connection is simply left with it, so a lease/recycle pair costs no timer operation.
     */
    Cancellable timer;
    long timerDueNanos;

    PoolEntry(KeyPool<K, C> owner, C connection, long createdNanos, long expiresAtNanos, int requestBudgetCut) {
        this.owner = owner;
        this.connection = connection;
        this.createdNanos = createdNanos;
        this.expiresAtNanos = expiresAtNanos;
        this.requestBudgetCut = requestBudgetCut;
    }

    /** Arms the expiry timer for the next deadline, unless it is already armed to fire no later. */
    void armExpiryTimer(PoolSettings settings, long now, Scheduler scheduler) {
        long due = ExpiryRules.nextCheck(this, settings, now);
        if (timer != null) {
            if (timerDueNanos - due <= 0) {
                return;
            }
            timer.cancel();
        }
        timerDueNanos = due;
        timer = scheduler.schedule(Math.max(0, due - now), this);
    }

    @Override
    public void peerClosed() {
        // A report after the connection left the idle stack (a stale or late watcher) is not ours to act on.
        if (state == State.IDLE) {
            owner.evictIdle(this, EvictionReason.CLOSED_BY_PEER);
        }
    }

    @Override
    public void unexpectedData() {
        if (state == State.IDLE) {
            owner.evictIdle(this, EvictionReason.UNEXPECTED_DATA);
        }
    }

    /** The expiry timer fired. */
    @Override
    public void run() {
        owner.expiryTimerFired(this);
    }

    @Override
    public String toString() {
        return "pooled connection to " + owner.key + " (" + connection + ")";
    }
}
