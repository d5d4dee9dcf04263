package io.snipool.app.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.ListenerConfig;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.metrics.TlsMeters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The listeners' part of {@code /api/stats}, read from the meters the data plane keeps anyway: request and connection
 * totals for the page to turn into rates, and p50/p99 latency over a {@link LatencyWindow} per listener. Not
 * Thread-safe by one lock, taken by the sampling timer and by each poll.
 */
final class ListenerStats {

    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final Map<String, LatencyWindow> windows = new HashMap<>();

    ListenerStats(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Reads each listener's duration histogram into its window, and forgets listeners a reload removed. */
    synchronized void sample(List<ListenerConfig> listeners) {
        Set<String> names = listeners.stream().map(ListenerConfig::name).collect(Collectors.toSet());
        windows.keySet().retainAll(names);
        for (String name : names) {
            windows.computeIfAbsent(name, n -> new LatencyWindow()).sample(durations(name));
        }
    }

    /** One object per listener, in configuration order. */
    synchronized JsonArray render(List<ListenerConfig> listeners) {
        JsonArray result = new JsonArray();
        for (ListenerConfig listener : listeners) {
            String name = listener.name();
            LatencyWindow window = windows.get(name);
            HistogramCounts now = durations(name);
            HistogramCounts recent = window == null ? now : window.since(now);
            result.add(new JsonObject()
                    .put("name", name)
                    .put("mode", listener.mode().name().toLowerCase(Locale.ROOT))
                    .put("bind", listener.bind().toString())
                    .put("requests", requestsByClass(name))
                    .put("connections_total", sum(ProxyMetrics.CONNECTIONS, name))
                    .put("connections_active", active(name))
                    .put("tls_handshakes", handshakes(name))
                    .put("latency", new JsonObject()
                            .put("window_seconds", LatencyWindow.SPAN.toSeconds())
                            .put("requests", recent.total())
                            .put("p50_ms", millis(recent.quantile(0.5)))
                            .put("p99_ms", millis(recent.quantile(0.99)))));
        }
        return result;
    }

    private HistogramCounts durations(String listener) {
        return HistogramCounts.sum(registry.find(RequestMeters.REQUEST_DURATION).tag("listener", listener).timers());
    }

    /** Finished requests by status class, summed over routes and codes. */
    private JsonObject requestsByClass(String listener) {
        long[] byClass = new long[STATUS_CLASSES.length];
        for (Counter counter : registry.find(RequestMeters.REQUESTS).tag("listener", listener).counters()) {
            int code = Integer.parseInt(counter.getId().getTag("code"));
            byClass[Math.min(Math.max(code / 100, 1), 5) - 1] += (long) counter.count();
        }
        JsonObject result = new JsonObject();
        for (int i = 0; i < STATUS_CLASSES.length; i++) {
            result.put(STATUS_CLASSES[i], byClass[i]);
        }
        return result;
    }

    /** Terminated TLS handshakes: {@code ok}, and every other outcome as {@code failed}. */
    private JsonObject handshakes(String listener) {
        long ok = 0;
        long failed = 0;
        for (Counter counter : registry.find(TlsMeters.HANDSHAKES).tag("listener", listener).counters()) {
            if ("ok".equals(counter.getId().getTag("outcome"))) {
                ok += (long) counter.count();
            } else {
                failed += (long) counter.count();
            }
        }
        return new JsonObject().put("ok", ok).put("failed", failed);
    }

    private long sum(String meter, String listener) {
        return (long) registry.find(meter).tag("listener", listener).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private long active(String listener) {
        Gauge gauge = registry.find(ProxyMetrics.CONNECTIONS_ACTIVE).tag("listener", listener).gauge();
        return gauge == null ? 0 : (long) gauge.value();
    }

    private static Double millis(OptionalDouble seconds) {
        return seconds.isPresent() ? seconds.getAsDouble() * 1000 : null;
    }
}
