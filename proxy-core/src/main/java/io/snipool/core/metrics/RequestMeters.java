package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.snipool.core.failure.FailureKind;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-request meters of one HTTP listener. Label values are bounded: {@code route} is a configured route's first
 * host (or {@code none} before routing), {@code code} a status code.
 */
public final class RequestMeters {

    public static final String REQUESTS = "snipool.requests";
    public static final String REQUEST_DURATION = "snipool.request.duration";
    public static final String REQUEST_FAILURES = "snipool.request.failures";
    /** The {@code route} label of requests refused before a route was chosen. */
    public static final String NO_ROUTE = "none";

    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final String listener;
    /** Per route label, its meters, created on first use: one lookup per request, and no key built for it. */
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    /** One counter per request kind of {@link FailureKind}, registered up front so that every kind shows as 0. */
    private final Map<FailureKind, Counter> failures = new EnumMap<>(FailureKind.class);

    public RequestMeters(MeterRegistry registry, String listener) {
        this.registry = registry;
        this.listener = listener;
        for (FailureKind kind : FailureKind.values()) {
            if (kind.isRequestKind()) {
                failures.put(kind, Counter.builder(REQUEST_FAILURES)
                        .description("HTTP requests that snipool ended early, by side and kind")
                        .tag("listener", listener).tag("side", kind.side().name().toLowerCase(Locale.ROOT))
                        .tag("kind", kind.label()).register(registry));
            }
        }
    }

    /** Counts one request that ended early; {@code kind} is a request kind. */
    public void failure(FailureKind kind) {
        failures.get(kind).increment();
    }

    /** Counts one finished request and its duration under its route. */
    public void request(String route, int code, long nanos) {
        RouteMeters meters = routes.get(route);
        if (meters == null) {
            meters = routes.computeIfAbsent(route, this::routeMeters);
        }
        meters.count(code);
        meters.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    private RouteMeters routeMeters(String route) {
        return new RouteMeters(route, Timer.builder(REQUEST_DURATION)
                .description("From request head to the end of the response").tag("listener", listener)
                .tag("route", route).serviceLevelObjectives(DURATION_BUCKETS).register(registry));
    }

    /** One route's meters: its duration histogram, and one counter per status code (100..599) once seen. */
    private final class RouteMeters {
        private final String route;
        private final Timer duration;
        private final Counter[] byCode = new Counter[500];

        RouteMeters(String route, Timer duration) {
            this.route = route;
            this.duration = duration;
        }

        void count(int code) {
            int slot = Math.min(Math.max(code, 100), 599) - 100;
            Counter counter = byCode[slot];
            if (counter == null) {
                // Registering is idempotent, so two loops racing here end up with the same counter.
                counter = Counter.builder(REQUESTS).description("HTTP requests").tag("listener", listener)
                        .tag("route", route).tag("code", Integer.toString(code)).register(registry);
                byCode[slot] = counter;
            }
            counter.increment();
        }
    }
}
