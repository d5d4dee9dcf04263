package io.snipool.app.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.ListenerConfig;
import io.snipool.core.health.BackendSnapshot;
import io.snipool.core.metrics.TlsMeters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The JSON of {@code /api/stats}: everything the status page draws, in one snapshot. Counters are totals since start
 * with the snapshot's {@code time}, so that whoever polls turns two snapshots into rates; what needs history the
 * server keeps (latency, in {@link LatencyWindow}s sampled by {@link #sample}). Thread-safe.
 */
public final class StatusReport {

    /** How often {@link #sample} is to be called. */
    public static final Duration SAMPLE_INTERVAL = LatencyWindow.SAMPLE_INTERVAL;

    private final MeterRegistry registry;
    private final ConfigHistory history;
    private final ListenerStats listeners;

    public StatusReport(MeterRegistry registry, ConfigHistory history) {
        this.registry = registry;
        this.history = history;
        this.listeners = new ListenerStats(registry);
    }

    /** Call every {@link #SAMPLE_INTERVAL} with the listeners configured now. */
    public void sample(List<ListenerConfig> configured) {
        listeners.sample(configured);
    }

    /**
     * @param configured         the listeners configured now
     * @param pools              the rows of {@code /api/pools}
     * @param health             {@code BackendHealth.snapshot()}
     * @param withoutConnections the pool row of a backend the pools forgot for want of connections, if they ever
     *                           served it
     * @param events             the rows of {@code /api/pool-events}, oldest first
     */
    public JsonObject render(Instant now, List<ListenerConfig> configured, JsonArray pools,
                             List<BackendSnapshot> health, Function<String, Optional<JsonObject>> withoutConnections,
                             JsonArray events) {
        List<Object> newestFirst = new ArrayList<>(events.getList());
        Collections.reverse(newestFirst);
        return new JsonObject()
                .put("time", now.toEpochMilli())
                .put("listeners", listeners.render(configured))
                .put("backends", BackendStats.render(pools, health, withoutConnections))
                .put("events", new JsonArray(newestFirst))
                .put("config", config(now));
    }

    private JsonObject config(Instant now) {
        JsonObject lastReload = history.lastReload().map(reload -> new JsonObject()
                .put("time", reload.at().toString())
                .put("applied", reload.applied())
                .put("problems", new JsonArray(reload.problems()))).orElse(null);
        return new JsonObject()
                .put("loaded_at", history.loadedAt().toString())
                .put("last_reload", lastReload)
                .put("certificates", certificates(now));
    }

    /** Every served certificate, the soonest to expire first. */
    private JsonArray certificates(Instant now) {
        List<Gauge> gauges = new ArrayList<>(registry.find(TlsMeters.CERTIFICATE_EXPIRY).gauges());
        gauges.sort(Comparator.comparingDouble(Gauge::value));
        JsonArray result = new JsonArray();
        for (Gauge gauge : gauges) {
            long expires = (long) gauge.value();
            result.add(new JsonObject()
                    .put("listener", gauge.getId().getTag("listener"))
                    .put("certificate", gauge.getId().getTag("certificate"))
                    .put("expires", Instant.ofEpochSecond(expires).toString())
                    .put("days_left", Math.floorDiv(expires - now.getEpochSecond(), Duration.ofDays(1).toSeconds())));
        }
        return result;
    }
}
