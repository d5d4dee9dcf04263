package io.snipool.core.pool;

import java.time.Duration;

/**
 * One use of a pooled connection, for one request. End it with exactly one of {@link #recycle()},
 * {@link #recycle(Duration)} or {@link #close(EvictionReason)}; a second call throws and changes nothing. The HTTP
 * layer decides which with its own reuse rule; the pool then applies its own limits (lifetime, request budget,
 * idle caps) and may still close the connection.
 */
public interface Lease<C> {

    /**
     * The leased connection.
     *
     * @throws IllegalStateException once the lease has ended, so a stale holder cannot touch a connection that
     *                               may already serve someone else
     */
    C connection();

    /**
     * True if the connection came from the pool rather than from a connect made for this lease. A request that
     * fails on a reused connection before any response byte may be retried: the backend may have closed it
     * between requests.
     */
    boolean reused();

    /** How many leases this connection has served, this one included (1 for a fresh connection). */
    long requestCount();

    /** Time since the connection was established. */
    Duration age();

    /** The request finished cleanly and the connection may carry another. */
    void recycle();

    /**
     * As {@link #recycle()}, and the backend announced how long it keeps an idle connection ({@code Keep-Alive:
     * timeout=N}). The pool keeps this connection idle for strictly less than that, now and on later recycles
     * without a hint.
     */
    void recycle(Duration backendKeepAlive);

    /** The connection must not be reused; the pool closes it and records {@code reason}. */
    void close(EvictionReason reason);
}
