package io.snipool.config;

import java.time.Duration;

/**
 * A route's {@code outlier_detection:}: passive ejection from real traffic. A backend that fails
 * {@code consecutiveFailures} times in a row (connect failures, resets, response timeouts, 502/503/504 from the
 * backend) is left out for {@code baseEjectionTime}, doubled on each repeat up to {@code maxEjectionTime}; never more
 * than {@code maxEjectionPercent} of the route's backends at once. On unless {@code enabled: false}; see
 * docs/configuration.md.
 */
public record OutlierDetectionConfig(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
                                     Duration maxEjectionTime, int maxEjectionPercent) {

    public static final boolean DEFAULT_ENABLED = true;
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;

    /** The settings of a route when neither it nor the top level has an {@code outlier_detection} block. */
    public static OutlierDetectionConfig defaults() {
        return new OutlierDetectionConfig(DEFAULT_ENABLED, DEFAULT_CONSECUTIVE_FAILURES, DEFAULT_BASE_EJECTION_TIME,
                DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT);
    }

    /** How many of {@code backends} may be ejected at once: {@code floor(backends x percent / 100)}. */
    public int maxEjected(int backends) {
        return backends * maxEjectionPercent / 100;
    }
}
