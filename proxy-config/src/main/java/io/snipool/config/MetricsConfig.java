package io.snipool.config;

/**
 * The admin server: Prometheus metrics, health, readiness and the pool API.
 *
 * @param poolEventHistory how many recent pool events {@code /api/pool-events} keeps
 */
public record MetricsConfig(HostPort bind, int poolEventHistory) {

    /** Loopback only by default: the admin API must not face the network unless asked to. */
    public static final HostPort DEFAULT_BIND = new HostPort("127.0.0.1", 9090);

    public static final int DEFAULT_POOL_EVENT_HISTORY = 256;

    public static MetricsConfig defaults() {
        return new MetricsConfig(DEFAULT_BIND, DEFAULT_POOL_EVENT_HISTORY);
    }
}
