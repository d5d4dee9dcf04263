package io.snipool.config;

import java.time.Duration;

/**
 * Reads a {@code pool} block: the top-level one over {@link PoolSettings#defaults()}, a route's over the top-level
 * one, key by key, and the same for its {@code adaptive} and {@code tcp_keepalive} blocks. Checks across keys are
 * reported at whichever of the keys this block sets.
 */
final class PoolConfigReader {

    static final String ADAPTIVE = "adaptive";
    static final String TCP_KEEPALIVE = "tcp_keepalive";
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    static final Duration MIN_WINDOW = Duration.ofSeconds(1);
    static final Duration MAX_WINDOW = Duration.ofDays(1);
    static final double MIN_HEADROOM = 1.0;
    static final double MAX_HEADROOM = 10.0;
    static final int MAX_PER_HOST = 100_000;

    /** Whole seconds from one second up to {@code max}: what {@code setsockopt} takes for a keep-alive timer. */
    private static ValueParser<Duration> wholeSeconds(Duration max) {
        return ValueParser.duration(Duration.ofSeconds(1), max).then((text, value) -> value.getNano() == 0
                ? new ValueParser.Parsed.Accepted<>(value)
                : new ValueParser.Parsed.Refused<>("must be whole seconds (the kernel counts keep-alive timers in"
                        + " seconds), got " + text));
    }

    private final Problems problems;

    PoolConfigReader(Problems problems) {
        this.problems = problems;
    }

    /**
     * @param global the top-level block, the only one that may set {@code max_idle_total}
     */
    PoolSettings read(YamlMap map, PoolSettings base, boolean global) {
        boolean enabled = map.bool("enabled", base.enabled());
        int maxIdlePerHost = map.intValue("max_idle_per_host", base.maxIdlePerHost(), 0, MAX_PER_HOST);
        int maxIdleTotal = base.maxIdleTotal();
        if (global) {
            maxIdleTotal = map.intValue("max_idle_total", base.maxIdleTotal(), 0, 1_000_000);
        } else if (map.has("max_idle_total")) {
            problems.add(map.child("max_idle_total"), map.keyNode("max_idle_total"),
                    "max_idle_total is a global cap; set it in the top-level pool block");
        }
        int maxConnections = map.intValue("max_connections_per_host", base.maxConnectionsPerHost(), 0, MAX_PER_HOST);
        int maxPending = map.intValue("max_pending_per_host", base.maxPendingPerHost(), 0, 1_000_000);
        Duration idleTimeout = map.duration("idle_timeout", base.idleTimeout(), MIN_TIMEOUT, Duration.ofDays(1));
        Duration maxLifetime = map.duration("max_lifetime", base.maxLifetime(), Duration.ofSeconds(1),
                Duration.ofDays(7));
        Duration jitter = map.duration("lifetime_jitter", base.lifetimeJitter(), Duration.ZERO, Duration.ofDays(7));
        long maxRequests = map.integer("max_requests_per_connection", base.maxRequestsPerConnection(), 1,
                Long.MAX_VALUE);
        int minIdle = map.intValue("min_idle_per_host", base.minIdlePerHost(), 0, MAX_PER_HOST);
        int prewarmRate = map.intValue("prewarm_rate", base.prewarmRate(), 1, 10_000);
        Duration connectTimeout = map.duration("connect_timeout", base.connectTimeout(), MIN_TIMEOUT,
                Duration.ofMinutes(10));
        Duration minIdleForAge = map.duration("min_idle_for_age", base.minIdleForAge(), Duration.ZERO,
                Duration.ofDays(1));
        int maxStreams = map.intValue("max_streams_per_connection", base.maxStreamsPerConnection(), 1,
                PoolSettings.MAX_STREAMS_PER_CONNECTION);
        AdaptivePoolSettings adaptive = map.has(ADAPTIVE) ? adaptive(map.map(ADAPTIVE), base.adaptive())
                : base.adaptive();
        TcpKeepAlive keepAlive = map.has(TCP_KEEPALIVE) ? keepAlive(map.map(TCP_KEEPALIVE), base.tcpKeepAlive())
                : base.tcpKeepAlive();
        map.finish();

        if (jitter.compareTo(maxLifetime) >= 0) {
            problems.add(map.child("lifetime_jitter"), map.keyNode("lifetime_jitter"), "lifetime_jitter ("
                    + Units.formatDuration(jitter) + ") must be shorter than max_lifetime ("
                    + Units.formatDuration(maxLifetime) + ")");
        } else if (minIdleForAge.compareTo(maxLifetime.minus(jitter)) >= 0
                && (map.has("min_idle_for_age") || map.has("max_lifetime") || map.has("lifetime_jitter"))) {
            // Every connection would be too old to count from its first moment, and be replaced without end.
            String at = map.has("min_idle_for_age") ? "min_idle_for_age"
                    : map.has("max_lifetime") ? "max_lifetime" : "lifetime_jitter";
            problems.add(map.child(at), map.keyNode(at), "min_idle_for_age (" + Units.formatDuration(minIdleForAge)
                    + ") must be shorter than the shortest lifetime, max_lifetime minus lifetime_jitter ("
                    + Units.formatDuration(maxLifetime.minus(jitter)) + ")");
        }
        if (minIdle > maxIdlePerHost) {
            problems.add(map.child("min_idle_per_host"), map.keyNode("min_idle_per_host"), "min_idle_per_host ("
                    + minIdle + ") must not exceed max_idle_per_host (" + maxIdlePerHost + ")");
        }
        if (maxConnections > 0 && minIdle > maxConnections) {
            problems.add(map.child("min_idle_per_host"), map.keyNode("min_idle_per_host"), "min_idle_per_host ("
                    + minIdle + ") must not exceed max_connections_per_host (" + maxConnections + ")");
        }
        return new PoolSettings(enabled, maxIdlePerHost, maxIdleTotal, maxConnections, maxPending, idleTimeout,
                maxLifetime, jitter, maxRequests, minIdle, prewarmRate, connectTimeout, minIdleForAge, adaptive,
                keepAlive, maxStreams);
    }

    private AdaptivePoolSettings adaptive(YamlMap map, AdaptivePoolSettings base) {
        AdaptivePoolSettings adaptive = new AdaptivePoolSettings(
                map.bool("enabled", base.enabled()),
                map.duration("window", base.window(), MIN_WINDOW, MAX_WINDOW),
                map.value("headroom", base.headroom(), ValueParser.decimal(MIN_HEADROOM, MAX_HEADROOM)),
                map.intValue("max_idle_target", base.maxIdleTarget(), 0, MAX_PER_HOST));
        map.finish();
        return adaptive;
    }

    private TcpKeepAlive keepAlive(YamlMap map, TcpKeepAlive base) {
        TcpKeepAlive keepAlive = new TcpKeepAlive(
                map.bool("enabled", base.enabled()),
                map.value("idle", base.idle(), wholeSeconds(TcpKeepAlive.MAX_TIMER)),
                map.value("interval", base.interval(), wholeSeconds(TcpKeepAlive.MAX_TIMER)),
                map.intValue("count", base.count(), 1, TcpKeepAlive.MAX_COUNT));
        map.finish();
        return keepAlive;
    }
}
