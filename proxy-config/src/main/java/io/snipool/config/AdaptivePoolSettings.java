package io.snipool.config;

import java.time.Duration;

/**
 * {@code pool.adaptive}: keeps warm as many connections per backend as its recent demand asks for. The estimate is
 * the most concurrent leases of the backend seen within the last {@code window}; the pool keeps
 * {@code ceil(estimate x headroom)} connections warm, capped by {@code max_idle_target} and
 * {@code max_idle_per_host}, and never fewer than {@code min_idle_per_host}. See docs/http.md.
 *
 * @param window        how long a peak of demand is remembered
 * @param headroom      the target over the estimate, 1 or more: room for demand to grow before a lease misses
 * @param maxIdleTarget the most connections the target may ask for; {@code max_idle_per_host} caps it too
 */
public record AdaptivePoolSettings(boolean enabled, Duration window, double headroom, int maxIdleTarget) {

    public static final boolean DEFAULT_ENABLED = false;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final double DEFAULT_HEADROOM = 1.2;
    /** The same as {@code max_idle_per_host}'s default, so that by default only that cap binds. */
    public static final int DEFAULT_MAX_IDLE_TARGET = PoolSettings.DEFAULT_MAX_IDLE_PER_HOST;

    public static AdaptivePoolSettings defaults() {
        return new AdaptivePoolSettings(DEFAULT_ENABLED, DEFAULT_WINDOW, DEFAULT_HEADROOM, DEFAULT_MAX_IDLE_TARGET);
    }
}
