package io.snipool.core.health;

import io.snipool.config.HostPort;
import io.snipool.config.OutlierDetectionConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The health of one static backend, shared by every event loop and kept across reloads while the backend stays
 * configured. Selection reads {@link #available()} on the hot path: a volatile read. Real traffic counts its failures
 * in an atomic; everything else changes under the {@link BackendHealth}'s lock, and the phase only in
 * {@link #moveTo}.
 */
final class BackendState {

    private final HostPort address;
    private final String label;
    private volatile HealthPhase phase = HealthPhase.UP;
    /** When the phase last changed, or the state was made (start-up, or the reload that added the backend). */
    private volatile long sinceNanos;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile OutlierDetectionConfig outlier;

    // Guarded by the BackendHealth's lock.
    private List<RouteGroup> groups = List.of();
    private CheckStreak streak = CheckStreak.INITIAL;
    private CheckResult lastCheck;
    private long lastCheckNanos;
    private int ejectionLevel;
    private long returnedNanos;
    private long ejectedUntilNanos;
    private long ejections;
    /** Counts ejections, so that the timer of an earlier one cannot end a later one. */
    private int ejectionEpoch;

    BackendState(HostPort address, OutlierDetectionConfig outlier, long nowNanos) {
        this.address = address;
        this.label = address.toString();
        this.outlier = outlier;
        this.sinceNanos = nowNanos;
    }

    HostPort address() {
        return address;
    }

    /** The {@code backend} label: {@code host:port}. */
    String label() {
        return label;
    }

    boolean available() {
        return phase.available();
    }

    HealthPhase phase() {
        return phase;
    }

    long sinceNanos() {
        return sinceNanos;
    }

    /** The one place the phase changes. */
    void moveTo(HealthPhase next, long nowNanos) {
        if (!phase.mayMoveTo(next)) {
            throw new IllegalStateException("backend " + label + " cannot go from " + phase + " to " + next);
        }
        consecutiveFailures.set(0);
        sinceNanos = nowNanos;
        phase = next;
    }

    // ---- passive: real traffic ----

    void succeeded() {
        // Read first: most requests succeed, and a write per request would bounce the line between cores.
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** Counts a failure; true when it completes a streak that should eject (if the cap allows). */
    boolean failed() {
        OutlierDetectionConfig settings = outlier;
        return phase == HealthPhase.UP && settings.enabled()
                && consecutiveFailures.incrementAndGet() >= settings.consecutiveFailures();
    }

    int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    OutlierDetectionConfig outlier() {
        return outlier;
    }

    void outlier(OutlierDetectionConfig settings) {
        outlier = settings;
    }

    /**
     * Starts an ejection at {@code nowNanos}, its level and length from {@code times}; returns its epoch, which the
     * timer that ends it must present.
     */
    int eject(EjectionTimes times, long nowNanos) {
        ejectionLevel = times.nextLevel(ejectionLevel, ejections == 0 ? 0 : nowNanos - returnedNanos);
        ejectedUntilNanos = nowNanos + times.durationNanos(ejectionLevel);
        ejections++;
        return ++ejectionEpoch;
    }

    boolean ejectionEnds(int epoch) {
        return phase == HealthPhase.EJECTED && epoch == ejectionEpoch;
    }

    void returned(long nowNanos) {
        returnedNanos = nowNanos;
    }

    long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    int ejectionLevel() {
        return ejectionLevel;
    }

    long ejections() {
        return ejections;
    }

    // ---- max_ejection_percent ----

    List<RouteGroup> groups() {
        return groups;
    }

    void groups(List<RouteGroup> routes) {
        groups = List.copyOf(routes);
    }

    // ---- active checks ----

    CheckStreak streak() {
        return streak;
    }

    void checked(CheckResult result, CheckStreak next, long nowNanos) {
        lastCheck = result;
        lastCheckNanos = nowNanos;
        streak = next;
    }

    /** The checks stopped (removed by a reload): their verdict no longer holds. */
    void unchecked() {
        streak = CheckStreak.INITIAL;
        lastCheck = null;
    }

    CheckResult lastCheck() {
        return lastCheck;
    }

    long lastCheckNanos() {
        return lastCheckNanos;
    }

    /**
     * A route's backends, each once, with their shares there (index for index): at most {@code maxEjected} of them
     * may be ejected at once.
     */
    record RouteGroup(String route, List<BackendState> members, List<BackendSnapshot.RouteShare> shares,
                      int maxEjected) {

        /** What {@code member} has of this route. */
        BackendSnapshot.RouteShare shareOf(BackendState member) {
            return shares.get(members.indexOf(member));
        }

        boolean roomForOneMore() {
            return members.stream().filter(member -> member.phase() == HealthPhase.EJECTED).count() < maxEjected;
        }
    }
}
