package io.snipool.core.health;

import io.snipool.config.HealthCheckConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One backend's health as {@code /api/backends} shows it.
 *
 * @param backend             {@code host:port}
 * @param routes              the routes that list it, each with its share there
 * @param since               how long it has been in {@code phase}
 * @param checkType           its active check's type; empty when it is not probed
 * @param lastCheck           the latest check, and how long ago it ended
 * @param ejections           how often real traffic ejected it
 * @param ejectedFor          while ejected, how much of its ejection is left
 * @param consecutiveFailures real traffic's failures in a row now
 */
public record BackendSnapshot(String backend, List<RouteShare> routes, HealthPhase phase, Duration since,
                              Optional<HealthCheckConfig.Type> checkType, Optional<LastCheck> lastCheck,
                              long ejections, Optional<Duration> ejectedFor, int consecutiveFailures) {

    public BackendSnapshot {
        routes = List.copyOf(routes);
    }

    /**
     * The backend's share in one route that lists it.
     *
     * @param route  the route's first host, the {@code route} label of metrics
     * @param weight its {@code weight} there; the sum, when the route lists it more than once
     * @param backup whether it is a backup there; when listed more than once, only if every entry is
     */
    public record RouteShare(String route, int weight, boolean backup) {
    }

    /** The latest active check: its result and how long ago it ended. */
    public record LastCheck(CheckResult result, Duration ago) {
    }
}
