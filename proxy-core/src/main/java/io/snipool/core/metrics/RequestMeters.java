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
    /** Per route, one counter per status code (100..599), created on first use: no key is built per request. */
    private final Map<String, Counter[]> requests = new ConcurrentHashMap<>();
    private final Timer duration;
    /** One counter per request kind of {@link FailureKind}, registered up front so that every kind shows as 0. */
    private final Map<FailureKind, Counter> failures = new EnumMap<>(FailureKind.class);

    public RequestMeters(MeterRegistry registry, String listener) {
        this.registry = registry;
        this.listener = listener;
        this.duration = Timer.builder(REQUEST_DURATION).description("From request head to the end of the response")
                .tag("listener", listener).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
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

    /** Counts one finished request. */
    public void request(String route, int code, long nanos) {
        Counter[] byCode = requests.computeIfAbsent(route, r -> new Counter[500]);
        int slot = Math.min(Math.max(code, 100), 599) - 100;
        Counter counter = byCode[slot];
        if (counter == null) {
            // Registering is idempotent, so two loops racing here end up with the same counter.
            counter = Counter.builder(REQUESTS).description("HTTP requests").tag("listener", listener)
                    .tag("route", route).tag("code", Integer.toString(code)).register(registry);
            byCode[slot] = counter;
        }
        counter.increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }
}
