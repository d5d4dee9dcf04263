package io.snipool.core.pool;

import java.time.Duration;

/**
 * Keeps one key at {@code min_idle_per_host} idle connections, starting connects no closer together than
 * {@code 1 / prewarm_rate} seconds so that a restart or a burst of leases does not hit the backend with a wall of
 * handshakes. The minimum is per pool instance, but each prewarm connect takes a slot of the process-wide
 * {@code max_connections_per_host} like any other, and none while a lease of any event loop waits for one.
 */
final class Prewarmer<K, C extends PooledConnection> {

    /** After a failed prewarm connect, the next waits at least this long, so a down backend is not hammered. */
    static final Duration FAILURE_BACKOFF = Duration.ofSeconds(5);
    /**
     * When other event loops hold the key's slots or wait for them, how long until prewarming looks again: a slot
     * they free wakes only their waiters, not this prewarmer.
     */
    static final Duration CAP_RETRY = Duration.ofSeconds(1);

    private final KeyPool<K, C> owner;
    private int connecting;
    private long nextStartNanos;
    /** The task that starts the next connect when its time comes; null when none is due. */
    private Cancellable timer;

    Prewarmer(KeyPool<K, C> owner, long nowNanos) {
        this.owner = owner;
        this.nextStartNanos = nowNanos;
    }

    /** Prewarm connects in flight. */
    int connecting() {
        return connecting;
    }

    boolean isScheduled() {
        return timer != null;
    }

    /**
     * Starts a connect if the key is short of idle connections and the rate and the connection cap allow, else
     * schedules one.
     */
    void topUp() {
        if (timer != null || !owner.needsPrewarm(connecting)) {
            return;
        }
        long now = owner.nanoTime();
        long wait = nextStartNanos - now;
        if (wait > 0) {
            timer = owner.scheduler().schedule(wait, this::timerFired);
            return;
        }
        if (!owner.cap().tryTakeForPrewarm()) {
            if (owner.cap().prewarmHeldBackElsewhere()) {
                timer = owner.scheduler().schedule(CAP_RETRY.toNanos(), this::timerFired);
            } // else this loop holds the slots, and each one it frees tops up again
            return;
        }
        nextStartNanos = now + 1_000_000_000L / Math.max(1, owner.settings().prewarmRate());
        connecting++;
        owner.startConnect(null);
        topUp();
    }

    void connectEnded(boolean succeeded, long nowNanos) {
        connecting--;
        long retryAt = nowNanos + FAILURE_BACKOFF.toNanos();
        if (!succeeded && retryAt - nextStartNanos > 0) {
            nextStartNanos = retryAt;
        }
    }

    void stop() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void timerFired() {
        timer = null;
        owner.prewarm();
    }
}
