package io.snipool.config;

import java.time.Duration;

/**
 * Graceful stop on SIGTERM: for {@code gracePeriod} the node reports not ready but keeps accepting, so that load
 * balancers take it out of rotation before its listeners close; then open connections get {@code drainTimeout}.
 */
public record ShutdownConfig(Duration gracePeriod, Duration drainTimeout) {

    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ZERO;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public static ShutdownConfig defaults() {
        return new ShutdownConfig(DEFAULT_GRACE_PERIOD, DEFAULT_DRAIN_TIMEOUT);
    }
}
