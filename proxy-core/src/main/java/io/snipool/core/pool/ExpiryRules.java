package io.snipool.core.pool;

import io.snipool.config.PoolSettings;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When a connection must leave the pool: lifetime, request budget, idle timeout and the backend's keep-alive
 * limit. Pure functions of an entry, the settings and the time, so every rule reads in one place.
 */
final class ExpiryRules {

    /**
     * Taken off a backend's {@code Keep-Alive: timeout} (at most a quarter of it): the backend's timer started when
     * it wrote the response, ours only when the lease was recycled, so using the whole timeout would race the
     * backend's close.
     */
    static final Duration KEEP_ALIVE_MARGIN = Duration.ofSeconds(1);

    /** A connection's request budget is up to a tenth short of {@code max_requests_per_connection}. */
    static final int REQUEST_BUDGET_JITTER_DIVISOR = 10;

    private ExpiryRules() {
    }

    /** This connection's lifetime: {@code max_lifetime} minus a uniform draw from {@code [0, lifetime_jitter]}. */
    static long lifetimeNanos(PoolSettings settings, RandomGenerator random) {
        // Connections made together (a burst, a prewarm) would otherwise all expire together and reconnect at once.
        long jitter = settings.lifetimeJitter().toNanos();
        return settings.maxLifetime().toNanos() - (jitter > 0 ? random.nextLong(jitter + 1) : 0);
    }

    /**
     * How many requests this connection's budget is short of {@code max_requests_per_connection}: a uniform draw
     * from {@code [0, max / REQUEST_BUDGET_JITTER_DIVISOR]}. Connections that start together under an even load
     * (every client connection leasing one) serve requests at the same pace; with one budget they would all be
     * retired within the same moment and the backend would take that many new connections at once, a latency spike
     * every budget's worth of requests. A budget under the divisor is exact.
     */
    static int requestBudgetCut(PoolSettings settings, RandomGenerator random) {
        long most = Math.min(Integer.MAX_VALUE - 1, settings.maxRequestsPerConnection() / REQUEST_BUDGET_JITTER_DIVISOR);
        return (int) random.nextLong(most + 1);
    }

    /** This connection's request budget, never below one, also when a reload lowered the limit below its cut. */
    static long requestBudget(PoolEntry<?, ?> entry, PoolSettings settings) {
        return Math.max(1, settings.maxRequestsPerConnection() - entry.requestBudgetCut);
    }

    /** The idle time a backend's {@code Keep-Alive: timeout} allows us, strictly less than it. */
    static long idleLimit(long backendKeepAliveNanos) {
        long margin = Math.max(1, Math.min(KEEP_ALIVE_MARGIN.toNanos(), backendKeepAliveNanos / 4));
        return Math.max(0, backendKeepAliveNanos - margin);
    }

    /** Why a connection coming back from a lease must not go idle, or null. */
    static EvictionReason unfitForReuse(PoolEntry<?, ?> entry, PoolSettings settings, long now) {
        if (!entry.connection.isOpen()) {
            return EvictionReason.CLOSED_BY_PEER;
        }
        if (now - entry.expiresAtNanos >= 0) {
            return EvictionReason.MAX_LIFETIME;
        }
        if (entry.requestCount >= requestBudget(entry, settings)) {
            return EvictionReason.MAX_REQUESTS;
        }
        if (entry.keepAliveLimitNanos == 0) {
            return EvictionReason.IDLE_TIMEOUT; // the backend allows it no idle time worth the risk
        }
        return null;
    }

    /**
     * Why an idle connection must not be leased, or null. Checked again on lease because its timer or its idle
     * watcher may lag behind (a busy loop, a FIN not yet read).
     *
     * @param protectedByMinIdle the key is at or below {@code min_idle_per_host}, counting this connection
     */
    static EvictionReason unfitForLease(PoolEntry<?, ?> entry, PoolSettings settings, long now,
                                        boolean protectedByMinIdle) {
        if (!entry.connection.isOpen()) {
            return EvictionReason.CLOSED_BY_PEER;
        }
        if (entry.requestCount >= requestBudget(entry, settings)) {
            return EvictionReason.MAX_REQUESTS; // the limit may have been lowered since it was recycled
        }
        return expired(entry, settings, now, protectedByMinIdle);
    }

    /** Why an idle connection has expired by now, or null. */
    static EvictionReason expired(PoolEntry<?, ?> entry, PoolSettings settings, long now,
                                  boolean protectedByMinIdle) {
        if (now - entry.expiresAtNanos >= 0) {
            return EvictionReason.MAX_LIFETIME;
        }
        if (entry.keepAliveLimitNanos != PoolEntry.NO_LIMIT
                && now - (entry.idleSinceNanos + entry.keepAliveLimitNanos) >= 0) {
            return EvictionReason.IDLE_TIMEOUT; // the backend's limit binds even within min_idle_per_host
        }
        if (!protectedByMinIdle && now - (entry.idleSinceNanos + settings.idleTimeout().toNanos()) >= 0) {
            return EvictionReason.IDLE_TIMEOUT;
        }
        return null;
    }

    /**
     * True once the connection has less than {@code min_idle_for_age} of its lifetime left: it no longer counts toward
     * the warm minimum, so that its replacement is connected while it still serves.
     */
    static boolean aging(PoolEntry<?, ?> entry, PoolSettings settings, long now) {
        long forAge = settings.minIdleForAge().toNanos();
        return forAge > 0 && now - (entry.expiresAtNanos - forAge) >= 0;
    }

    /** When to look at an idle connection next: its earliest deadline still ahead. */
    static long nextCheck(PoolEntry<?, ?> entry, PoolSettings settings, long now) {
        long idleTimeout = settings.idleTimeout().toNanos();
        long due = entry.expiresAtNanos;
        if (!entry.aging && settings.minIdleForAge().toNanos() > 0) {
            due = earlier(due, entry.expiresAtNanos - settings.minIdleForAge().toNanos());
        }
        if (entry.keepAliveLimitNanos != PoolEntry.NO_LIMIT) {
            due = earlier(due, entry.idleSinceNanos + entry.keepAliveLimitNanos);
        }
        long idleDeadline = entry.idleSinceNanos + idleTimeout;
        // Past its idle timeout yet still here, it is protected by min_idle_per_host: look again one timeout on
        // (never zero, or a zero idle_timeout built in code would spin the loop).
        return earlier(due, idleDeadline - now > 0 ? idleDeadline : now + Math.max(1, idleTimeout));
    }

    /** The earlier of two {@code nanoTime} values, safe across the sign wrap. */
    static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }
}
