package io.snipool.config;

import java.time.Duration;

/**
 * Backend connection pool settings for HTTP listeners: the global {@code pool:} block, optionally overridden per
 * route. See docs/configuration.md for the meaning of each key.
 *
 * @param maxConnectionsPerHost 0 means unlimited (no wait queue)
 * @param maxStreamsPerConnection how many requests one HTTP/2 backend connection carries at once (its streams);
 *                                the backend's {@code SETTINGS_MAX_CONCURRENT_STREAMS} lowers it
 * @param minIdleForAge         an idle connection counts toward the warm minimum ({@code min_idle_per_host}, the
 *                              adaptive target) only while it has at least this much of its lifetime left, so that
 *                              its replacement is made before {@code max_lifetime} retires it
 */
public record PoolSettings(
        boolean enabled,
        int maxIdlePerHost,
        int maxIdleTotal,
        int maxConnectionsPerHost,
        int maxPendingPerHost,
        Duration idleTimeout,
        Duration maxLifetime,
        Duration lifetimeJitter,
        long maxRequestsPerConnection,
        int minIdlePerHost,
        int prewarmRate,
        Duration connectTimeout,
        Duration minIdleForAge,
        AdaptivePoolSettings adaptive,
        TcpKeepAlive tcpKeepAlive,
        int maxStreamsPerConnection) {

    public static final boolean DEFAULT_ENABLED = true;
    public static final int DEFAULT_MAX_IDLE_PER_HOST = 64;
    public static final int DEFAULT_MAX_IDLE_TOTAL = 4096;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 0;
    public static final int DEFAULT_MAX_PENDING_PER_HOST = 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(10);
    public static final Duration DEFAULT_LIFETIME_JITTER = Duration.ofMinutes(1);
    public static final long DEFAULT_MAX_REQUESTS_PER_CONNECTION = 10_000;
    public static final int DEFAULT_MIN_IDLE_PER_HOST = 0;
    public static final int DEFAULT_PREWARM_RATE = 8;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** As long as a connect may take by default, so that a replacement is ready before the connection it replaces. */
    public static final Duration DEFAULT_MIN_IDLE_FOR_AGE = DEFAULT_CONNECT_TIMEOUT;
    /**
     * RFC 9113 §6.5.2 recommends that SETTINGS_MAX_CONCURRENT_STREAMS be "no smaller than 100"; a backend that allows
     * more still gets at most this many of one connection's streams, so a burst spreads over a few connections.
     */
    public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 100;
    /** The most streams one connection may carry at once: the largest value a SETTINGS frame can announce is 2^31-1. */
    public static final int MAX_STREAMS_PER_CONNECTION = 1_000_000;

    /** As the canonical constructor, with the default {@code max_streams_per_connection}. */
    public PoolSettings(boolean enabled, int maxIdlePerHost, int maxIdleTotal, int maxConnectionsPerHost,
                        int maxPendingPerHost, Duration idleTimeout, Duration maxLifetime, Duration lifetimeJitter,
                        long maxRequestsPerConnection, int minIdlePerHost, int prewarmRate, Duration connectTimeout,
                        Duration minIdleForAge, AdaptivePoolSettings adaptive, TcpKeepAlive tcpKeepAlive) {
        this(enabled, maxIdlePerHost, maxIdleTotal, maxConnectionsPerHost, maxPendingPerHost, idleTimeout,
                maxLifetime, lifetimeJitter, maxRequestsPerConnection, minIdlePerHost, prewarmRate, connectTimeout,
                minIdleForAge, adaptive, tcpKeepAlive, DEFAULT_MAX_STREAMS_PER_CONNECTION);
    }

    /** The settings used when the file has no {@code pool:} block. */
    public static PoolSettings defaults() {
        return new PoolSettings(DEFAULT_ENABLED, DEFAULT_MAX_IDLE_PER_HOST, DEFAULT_MAX_IDLE_TOTAL,
                DEFAULT_MAX_CONNECTIONS_PER_HOST, DEFAULT_MAX_PENDING_PER_HOST, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_LIFETIME, DEFAULT_LIFETIME_JITTER, DEFAULT_MAX_REQUESTS_PER_CONNECTION,
                DEFAULT_MIN_IDLE_PER_HOST, DEFAULT_PREWARM_RATE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MIN_IDLE_FOR_AGE,
                AdaptivePoolSettings.defaults(), TcpKeepAlive.defaults());
    }

    /** True if a per-host connection cap is set, so requests beyond it wait in a queue. */
    public boolean hasConnectionCap() {
        return maxConnectionsPerHost > 0;
    }
}
