package io.snipool.config;

import java.time.Duration;

/** Graceful drain on SIGTERM. */
public record ShutdownConfig(Duration drainTimeout) {

    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public static ShutdownConfig defaults() {
        return new ShutdownConfig(DEFAULT_DRAIN_TIMEOUT);
    }
}
