package io.snipool.core.pool;

import io.snipool.config.AdaptivePoolSettings;
import io.snipool.config.PoolSettings;
import io.snipool.config.TcpKeepAlive;

import java.time.Duration;

/** Builds {@link PoolSettings} from the shipped defaults, changing only what a test is about. */
final class TestSettings {

    private boolean enabled;
    private int maxIdlePerHost;
    private int maxConnectionsPerHost;
    private int maxPendingPerHost;
    private Duration idleTimeout;
    private Duration maxLifetime;
    private Duration lifetimeJitter;
    private long maxRequests;
    private int minIdlePerHost;
    private int prewarmRate;
    private Duration connectTimeout;
    private Duration minIdleForAge;
    private AdaptivePoolSettings adaptive;
    private TcpKeepAlive tcpKeepAlive;

    private TestSettings() {
        PoolSettings defaults = PoolSettings.defaults();
        enabled = defaults.enabled();
        maxIdlePerHost = defaults.maxIdlePerHost();
        maxConnectionsPerHost = defaults.maxConnectionsPerHost();
        maxPendingPerHost = defaults.maxPendingPerHost();
        idleTimeout = defaults.idleTimeout();
        maxLifetime = defaults.maxLifetime();
        lifetimeJitter = defaults.lifetimeJitter();
        maxRequests = defaults.maxRequestsPerConnection();
        minIdlePerHost = defaults.minIdlePerHost();
        prewarmRate = defaults.prewarmRate();
        connectTimeout = defaults.connectTimeout();
        minIdleForAge = defaults.minIdleForAge();
        adaptive = defaults.adaptive();
        tcpKeepAlive = defaults.tcpKeepAlive();
    }

    static TestSettings settings() {
        return new TestSettings();
    }

    static PoolSettings defaults() {
        return settings().build();
    }

    TestSettings disabled() {
        enabled = false;
        return this;
    }

    TestSettings maxIdlePerHost(int value) {
        maxIdlePerHost = value;
        return this;
    }

    TestSettings maxConnectionsPerHost(int value) {
        maxConnectionsPerHost = value;
        return this;
    }

    TestSettings maxPendingPerHost(int value) {
        maxPendingPerHost = value;
        return this;
    }

    TestSettings idleTimeout(Duration value) {
        idleTimeout = value;
        return this;
    }

    TestSettings maxLifetime(Duration value, Duration jitter) {
        maxLifetime = value;
        lifetimeJitter = jitter;
        return this;
    }

    TestSettings maxRequests(long value) {
        maxRequests = value;
        return this;
    }

    TestSettings minIdle(int value, int ratePerSecond) {
        minIdlePerHost = value;
        prewarmRate = ratePerSecond;
        return this;
    }

    TestSettings connectTimeout(Duration value) {
        connectTimeout = value;
        return this;
    }

    TestSettings minIdleForAge(Duration value) {
        minIdleForAge = value;
        return this;
    }

    /** Adaptive sizing on, with {@code window}, {@code headroom} and {@code max_idle_target}. */
    TestSettings adaptive(Duration window, double headroom, int maxIdleTarget) {
        adaptive = new AdaptivePoolSettings(true, window, headroom, maxIdleTarget);
        return this;
    }

    PoolSettings build() {
        return new PoolSettings(enabled, maxIdlePerHost, PoolSettings.DEFAULT_MAX_IDLE_TOTAL, maxConnectionsPerHost,
                maxPendingPerHost, idleTimeout, maxLifetime, lifetimeJitter, maxRequests, minIdlePerHost,
                prewarmRate, connectTimeout, minIdleForAge, adaptive, tcpKeepAlive);
    }
}
