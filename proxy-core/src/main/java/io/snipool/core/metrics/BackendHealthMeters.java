package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The meters of backend health: whether each configured backend of each route is up, the active checks by result,
 * the ejections by the failure that completed the streak, and the backend's answers by status class. Labels are
 * bounded: {@code backend} is a configured static backend (templates are never tracked), {@code route} a configured
 * route's first host, {@code result}, {@code reason} and {@code code_class} fixed sets. Thread-safe.
 */
public final class BackendHealthMeters {

    public static final String UP = "snipool.backend.up";
    public static final String HEALTH_CHECKS = "snipool.backend.health.checks";
    public static final String EJECTIONS = "snipool.backend.ejections";
    public static final String REQUESTS = "snipool.backend.requests";
    /** The {@code code_class} of an exchange that ended without a response: a reset, a response timeout. */
    public static final String NO_RESPONSE = "none";

    /** The {@code code_class} values, by index: {@code status / 100 - 1}, then {@link #NO_RESPONSE}. */
    private static final String[] CODE_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", NO_RESPONSE};

    private final MeterRegistry registry;
    /** By route and backend. */
    private final Map<List<String>, Gauge> up = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    /** Per backend, one counter per code class, made on first use: no key is built per request. */
    private final Map<String, Counter[]> requests = new ConcurrentHashMap<>();

    public BackendHealthMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Shows {@code isUp} of {@code backend} on {@code route} as 1 or 0, until {@link #keepUpOnly} leaves the pair
     * out. Registering a pair again keeps the gauge there is.
     */
    public void up(String route, String backend, BooleanSupplier isUp) {
        up.computeIfAbsent(List.of(route, backend), key -> Gauge.builder(UP, isUp, s -> s.getAsBoolean() ? 1 : 0)
                .description("Whether the backend takes new requests (1) or is down or ejected (0)")
                .tag("route", route).tag("backend", backend).strongReference(true).register(registry));
    }

    /** Removes the gauges of route and backend pairs not in {@code wanted} (a reload removed them). */
    public void keepUpOnly(Collection<List<String>> wanted) {
        Set<List<String>> keep = Set.copyOf(wanted);
        up.entrySet().removeIf(entry -> {
            if (keep.contains(entry.getKey())) {
                return false;
            }
            registry.remove(entry.getValue());
            return true;
        });
    }

    /** One active check of {@code backend} ended with {@code result}. */
    public void check(String backend, String result) {
        counter(HEALTH_CHECKS, "Active health checks, by result", "result", backend, result).increment();
    }

    /** Real traffic ejected {@code backend}; {@code reason} is the failure that completed the streak. */
    public void ejection(String backend, String reason) {
        counter(EJECTIONS, "Backends ejected by outlier detection, by the failure that completed the streak",
                "reason", backend, reason).increment();
    }

    /** {@code backend} answered a request with {@code status}. */
    public void response(String backend, int status) {
        request(backend, Math.min(Math.max(status / 100, 1), 5) - 1);
    }

    /** An exchange with {@code backend} ended without a response ({@link #NO_RESPONSE}). */
    public void noResponse(String backend) {
        request(backend, CODE_CLASSES.length - 1);
    }

    private void request(String backend, int codeClass) {
        Counter[] byClass = requests.computeIfAbsent(backend, b -> new Counter[CODE_CLASSES.length]);
        Counter counter = byClass[codeClass];
        if (counter == null) {
            // Registering is idempotent, so two loops racing here end up with the same counter.
            counter = counter(REQUESTS, "Requests the backend answered, by status class; none: reset or timed out"
                    + " first", "code_class", backend, CODE_CLASSES[codeClass]);
            byClass[codeClass] = counter;
        }
        counter.increment();
    }

    private Counter counter(String name, String description, String tag, String backend, String value) {
        return counters.computeIfAbsent(List.of(name, backend, value), key -> Counter.builder(name)
                .description(description).tag("backend", backend).tag(tag, value).register(registry));
    }
}
