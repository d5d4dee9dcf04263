package io.snipool.core.health;

import io.snipool.config.BackendTemplate;
import io.snipool.config.HealthCheckConfig;
import io.snipool.config.HostPort;
import io.snipool.config.OutlierDetectionConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.config.Units;
import io.snipool.core.metrics.BackendHealthMeters;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.pool.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * The health of every configured static backend, shared by all event loops (and, bounded, of the addresses template
 * backends expanded to: {@link #observeDynamic}): active checks on connections of their
 * own, and passive ejection from what real traffic reports ({@link #observe}). Selection reads a route's
 * {@link RouteHealth} on the hot path (volatile reads only); a backend leaving {@link HealthPhase#UP} has its idle
 * pooled connections closed through the {@link Listener}. Keyed by address, so a reload that keeps a backend keeps
 * its state ({@link #apply}).
 *
 * <p>Thread-safe. Transitions are rare and happen under one lock, so that {@code max_ejection_percent} is judged
 * on a consistent view of a route; counting real traffic takes no lock until a failure completes a streak.
 */
public final class BackendHealth {

    private static final Logger LOG = Logger.getLogger(BackendHealth.class.getName());

    /** Told when a backend stops taking new requests, so that its idle pooled connections close. */
    @FunctionalInterface
    public interface Listener {
        void unavailable(HostPort backend);
    }

    private final Object lock = new Object();
    private final Scheduler scheduler;
    private final Prober prober;
    private final BackendHealthMeters meters;
    private final PoolEvents events;
    private final Listener listener;
    private final RandomGenerator random;
    private final long createdNanos;
    /** Replaced whole by {@link #apply}, so that {@link #observe} reads it without the lock. */
    private volatile Map<HostPort, BackendState> states = Map.of();
    private final Map<HostPort, ActiveCheck> checks = new HashMap<>();
    private final OpenTunnels tunnels = new OpenTunnels();
    private final DynamicBackends dynamic;
    private boolean started;

    /**
     * @param scheduler the clock of ejections and checks, and their timers; tasks run on its thread (the health
     *                  loop, a test's clock)
     * @param prober    runs each active check, calling back on the scheduler's thread
     * @param random    spreads the checks over their intervals
     */
    public BackendHealth(Scheduler scheduler, Prober prober, BackendHealthMeters meters, PoolEvents events,
                         Listener listener, RandomGenerator random) {
        this(scheduler, prober, meters, events, listener, random, DynamicBackends.DEFAULT_MAX_ADDRESSES);
    }

    /** @param maxDynamicAddresses how many addresses expanded from templates are remembered (least recent dropped) */
    BackendHealth(Scheduler scheduler, Prober prober, BackendHealthMeters meters, PoolEvents events,
                  Listener listener, RandomGenerator random, int maxDynamicAddresses) {
        this.dynamic = new DynamicBackends(maxDynamicAddresses);
        this.scheduler = scheduler;
        this.prober = prober;
        this.meters = meters;
        this.events = events;
        this.listener = listener;
        this.random = random;
        this.createdNanos = scheduler.nanoTime();
    }

    Object lock() {
        return lock;
    }

    /** The passthrough tunnels open to each backend: the TLS listeners count them, {@code /api/backends} shows them. */
    public OpenTunnels tunnels() {
        return tunnels;
    }

    /**
     * Tracks the static backends of {@code config}: new ones start up, removed ones are dropped (their checks stop),
     * kept ones keep their state and, if their check is unchanged, its rhythm. Call before a request can see the
     * configuration: a route's view is made from the states there are.
     *
     * @throws IllegalArgumentException when a route's {@code backend_tls} cannot be made ready for its checks
     */
    public void apply(ProxyConfig config) {
        apply(HealthPlan.of(config));
    }

    void apply(HealthPlan plan) {
        synchronized (lock) {
            long now = scheduler.nanoTime();
            Map<HostPort, BackendState> next = new HashMap<>();
            for (HealthPlan.BackendPlan backend : plan.backends().values()) {
                BackendState state = states.get(backend.address());
                if (state == null) {
                    state = new BackendState(backend.address(), backend.outlier(), now);
                }
                state.outlier(backend.outlier());
                next.put(backend.address(), state);
            }
            Map<BackendState, List<BackendState.RouteGroup>> groups = new HashMap<>();
            List<List<String>> gauges = new ArrayList<>();
            for (HealthPlan.RoutePlan route : plan.routes()) {
                List<BackendState> members = route.backends().stream().map(next::get).toList();
                BackendState.RouteGroup group = new BackendState.RouteGroup(route.label(), members, route.shares(),
                        route.maxEjected());
                for (BackendState member : members) {
                    groups.computeIfAbsent(member, m -> new ArrayList<>()).add(group);
                    meters.up(route.label(), member.label(), () -> isUp(member.address()));
                    gauges.add(List.of(route.label(), member.label()));
                }
            }
            next.values().forEach(state -> state.groups(groups.getOrDefault(state, List.of())));
            states = Map.copyOf(next);
            meters.keepUpOnly(gauges);
            replaceChecks(plan);
        }
    }

    /** Stops the checks that went or changed and starts the new ones (if running); the rest run on. */
    private void replaceChecks(HealthPlan plan) {
        checks.entrySet().removeIf(entry -> {
            Optional<ProbeTarget> wanted = Optional.ofNullable(plan.backends().get(entry.getKey()))
                    .flatMap(HealthPlan.BackendPlan::check);
            if (wanted.isPresent() && wanted.get().equals(entry.getValue().target())
                    && states.get(entry.getKey()) == entry.getValue().state()) {
                return false;
            }
            entry.getValue().stop();
            BackendState state = states.get(entry.getKey());
            if (wanted.isEmpty() && state != null) {
                state.unchecked();
                if (state.phase() == HealthPhase.DOWN) {
                    moveTo(state, HealthPhase.UP, "its health checks were removed");
                }
            }
            return true;
        });
        for (HealthPlan.BackendPlan backend : plan.backends().values()) {
            if (backend.check().isPresent() && !checks.containsKey(backend.address())) {
                ActiveCheck check = new ActiveCheck(this, states.get(backend.address()), backend.check().get(),
                        scheduler, prober, random);
                checks.put(backend.address(), check);
                if (started) {
                    check.start();
                }
            }
        }
    }

    /** Starts the active checks; with the listeners. */
    public void start() {
        synchronized (lock) {
            if (!started) {
                started = true;
                checks.values().forEach(ActiveCheck::start);
            }
        }
    }

    /** Stops the active checks; at shutdown. */
    public void stop() {
        synchronized (lock) {
            started = false;
            checks.values().forEach(ActiveCheck::stop);
            checks.clear();
        }
    }

    /** The view of {@code route}'s backends, by their index in its {@code backends} list. */
    public RouteHealth view(RouteConfig route) {
        Map<HostPort, BackendState> now = states;
        List<BackendTemplate> backends = route.backends();
        BackendState[] tracked = new BackendState[backends.size()];
        for (int i = 0; i < tracked.length; i++) {
            if (backends.get(i).isStatic()) {
                tracked[i] = now.get(backends.get(i).staticAddress());
            }
        }
        return new RouteHealth(tracked, createdNanos);
    }

    /** True unless {@code backend} is tracked and down or ejected. */
    public boolean isUp(HostPort backend) {
        BackendState state = states.get(backend);
        return state == null || state.available();
    }

    // ---- passive: what real traffic reports ----

    /**
     * What one use of {@code backend} by real traffic came to. A failure completing a streak of
     * {@code consecutive_failures} ejects the backend, within {@code max_ejection_percent}; a success ends the
     * streak. Addresses that are not tracked are ignored (templates report through {@link #observeDynamic}). Any
     * thread.
     */
    public void observe(HostPort backend, TrafficOutcome outcome) {
        BackendState state = states.get(backend);
        if (state == null) {
            return;
        }
        if (outcome == TrafficOutcome.RESET || outcome == TrafficOutcome.RESPONSE_TIMEOUT) {
            meters.noResponse(state.label());
        }
        if (!outcome.isFailure()) {
            state.succeeded();
        } else if (state.failed()) {
            synchronized (lock) {
                eject(state, outcome);
            }
        }
    }

    /** {@code backend} answered with a final (or 101) head of {@code status}: counted, and observed. Any thread. */
    public void observeResponse(HostPort backend, int status) {
        BackendState state = states.get(backend);
        if (state != null) {
            meters.response(state.label(), status);
            observe(backend, TrafficOutcome.ofStatus(status));
        }
    }

    // ---- passive: addresses expanded from templates ----

    /**
     * What one use of {@code address}, expanded from the template backend {@code template} of a route with
     * {@code outlier} settings, came to. Counted per address in a bounded map ({@link DynamicBackends}); metrics
     * carry the template's text, never the address. Any thread.
     */
    public void observeDynamic(String template, HostPort address, OutlierDetectionConfig outlier,
                               TrafficOutcome outcome) {
        if (outcome == TrafficOutcome.RESET || outcome == TrafficOutcome.RESPONSE_TIMEOUT) {
            meters.noResponse(template);
        }
        dynamic.observe(template, address, outlier, outcome, scheduler.nanoTime()).ifPresent(ejection -> {
            meters.ejection(template, outcome.label());
            String why = "ejected for " + Units.formatDuration(Duration.ofNanos(ejection.durationNanos()))
                    + " (ejection " + ejection.ejections() + "): " + ejection.consecutiveFailures()
                    + " failures in a row, the last " + outcome.label();
            LOG.warning("backend " + address + " (from " + template + ") is " + HealthPhase.EJECTED.label() + ": "
                    + why);
            // The pools are not told: an idle connection to the address is simply not leased while it is out.
            events.record(address + " (" + template + ")", "backend_" + HealthPhase.EJECTED.label(), why);
        });
    }

    /** {@link #observeDynamic} of a final (or 101) response head with {@code status}, counted by class. */
    public void observeDynamicResponse(String template, HostPort address, OutlierDetectionConfig outlier,
                                       int status) {
        meters.response(template, status);
        observeDynamic(template, address, outlier, TrafficOutcome.ofStatus(status));
    }

    /**
     * True while {@code address}, expanded from a template, is ejected: selection passes it over for another
     * candidate, and uses it when there is none (fail open).
     */
    public boolean isDynamicEjected(HostPort address) {
        return dynamic.ejected(address, scheduler.nanoTime());
    }

    /** How many addresses expanded from templates are ejected now; {@code /api/backends} shows the count. */
    public int dynamicEjectedCount() {
        return dynamic.ejectedCount(scheduler.nanoTime());
    }

    private void eject(BackendState state, TrafficOutcome cause) {
        if (states.get(state.address()) != state || state.phase() != HealthPhase.UP
                || state.consecutiveFailures() < state.outlier().consecutiveFailures()) {
            return; // another thread got here first, or a success came between
        }
        if (!state.groups().stream().allMatch(BackendState.RouteGroup::roomForOneMore)) {
            return; // max_ejection_percent: it stays in, and the next failure asks again
        }
        long now = scheduler.nanoTime();
        int epoch = state.eject(EjectionTimes.of(state.outlier()), now);
        long lasts = state.ejectedUntilNanos() - now;
        meters.ejection(state.label(), cause.label());
        moveTo(state, HealthPhase.EJECTED, "ejected for " + Units.formatDuration(Duration.ofNanos(lasts))
                + " (ejection " + state.ejections() + "): " + state.outlier().consecutiveFailures()
                + " failures in a row, the last " + cause.label());
        scheduler.schedule(lasts, () -> ejectionOver(state, epoch));
    }

    private void ejectionOver(BackendState state, int epoch) {
        synchronized (lock) {
            if (states.get(state.address()) != state || !state.ejectionEnds(epoch)) {
                return;
            }
            state.returned(scheduler.nanoTime());
            if (state.streak().up()) {
                moveTo(state, HealthPhase.UP, "its ejection ended");
            } else {
                moveTo(state, HealthPhase.DOWN, "its ejection ended, and its health checks say down ("
                        + state.lastCheck() + ")");
            }
        }
    }

    // ---- active: check results ----

    /** One check of {@code check}'s backend ended (under the lock, from {@link ActiveCheck}). */
    void checked(ActiveCheck check, CheckResult result) {
        BackendState state = check.state();
        int rise = check.target().check().rise();
        int fall = check.target().check().fall();
        state.checked(result, state.streak().after(result.passed(), rise, fall), scheduler.nanoTime());
        meters.check(state.label(), result.kind().label());
        if (state.phase() == HealthPhase.UP && !state.streak().up()) {
            moveTo(state, HealthPhase.DOWN, fall + " failed health checks in a row (" + result + ")");
        } else if (state.phase() == HealthPhase.DOWN && state.streak().up()) {
            moveTo(state, HealthPhase.UP, rise + " passed health checks in a row");
        }
    }

    /** Every transition: the state, then one log line, one pool event and, leaving UP, the pool told. */
    private void moveTo(BackendState state, HealthPhase next, String why) {
        state.moveTo(next, scheduler.nanoTime());
        String line = "backend " + state.label() + " is " + next.label() + ": " + why;
        if (next.available()) {
            LOG.info(line);
        } else {
            LOG.warning(line);
            listener.unavailable(state.address());
        }
        events.record(state.label(), "backend_" + next.label(), why);
    }

    // ---- the admin API ----

    /** Every tracked backend as it stands now, in address order. */
    public List<BackendSnapshot> snapshot() {
        synchronized (lock) {
            long now = scheduler.nanoTime();
            List<BackendSnapshot> result = new ArrayList<>();
            for (BackendState state : states.values()) {
                Optional<HealthCheckConfig.Type> checkType = Optional.ofNullable(checks.get(state.address()))
                        .map(check -> check.target().type());
                Optional<BackendSnapshot.LastCheck> last = Optional.ofNullable(state.lastCheck()).map(latest ->
                        new BackendSnapshot.LastCheck(latest, Duration.ofNanos(now - state.lastCheckNanos())));
                Optional<Duration> ejectedFor = state.phase() == HealthPhase.EJECTED
                        ? Optional.of(Duration.ofNanos(state.ejectedUntilNanos() - now)) : Optional.empty();
                List<BackendSnapshot.RouteShare> routes = state.groups().stream().map(group -> group.shareOf(state))
                        .distinct().toList();
                result.add(new BackendSnapshot(state.label(), routes, state.phase(),
                        Duration.ofNanos(now - state.sinceNanos()), checkType, last, state.ejections(), ejectedFor,
                        state.consecutiveFailures()));
            }
            result.sort(Comparator.comparing(BackendSnapshot::backend));
            return result;
        }
    }

    @Override
    public String toString() {
        return "BackendHealth" + Objects.requireNonNullElse(states.keySet(), List.of());
    }
}
