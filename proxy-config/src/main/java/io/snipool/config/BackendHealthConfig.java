package io.snipool.config;

import java.util.Optional;

/**
 * How a route's backends are judged: active checks (only when configured) and passive outlier detection (on by
 * default).
 *
 * @param check            the active check; empty when the route's backends are never probed
 * @param outlierDetection ejection from real traffic
 */
public record BackendHealthConfig(Optional<HealthCheckConfig> check, OutlierDetectionConfig outlierDetection) {

    /** No active check, and outlier detection with its defaults. */
    public static BackendHealthConfig defaults() {
        return new BackendHealthConfig(Optional.empty(), OutlierDetectionConfig.defaults());
    }
}
