package io.snipool.core.http;

import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.PoolSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** The JSON of {@code /api/pools} and {@code /api/pool-events}. */
public final class PoolReport {

    private PoolReport() {
    }

    /**
     * One object per backend, sorted by backend: live counts summed over every event loop's pool, cumulative
     * counters since start.
     */
    public static CompletableFuture<JsonArray> pools(HttpPools pools) {
        return pools.snapshots().thenApply(snapshots -> render(snapshots, pools.meters()));
    }

    static JsonArray render(List<PoolSnapshot<BackendKey>> snapshots, PoolMeters<BackendKey> meters) {
        Map<String, long[]> live = new TreeMap<>();
        Map<String, Duration> oldest = new TreeMap<>();
        for (PoolSnapshot<BackendKey> snapshot : snapshots) {
            for (PoolSnapshot.KeyStats<BackendKey> stats : snapshot.keys()) {
                String backend = stats.key().label();
                long[] sums = live.computeIfAbsent(backend, b -> new long[4]);
                sums[0] += stats.idle();
                sums[1] += stats.active();
                sums[2] += stats.connecting();
                sums[3] += stats.pending();
                oldest.merge(backend, stats.oldestIdleAge(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        JsonArray result = new JsonArray();
        live.forEach((backend, sums) -> {
            PoolMeters.Totals totals = meters.totals(backend);
            JsonObject evictions = new JsonObject();
            for (EvictionReason reason : EvictionReason.values()) {
                evictions.put(reason.label(), totals.evictions().getOrDefault(reason, 0L));
            }
            result.add(new JsonObject()
                    .put("backend", backend)
                    .put("idle", sums[0])
                    .put("active", sums[1])
                    .put("connecting", sums[2])
                    .put("pending", sums[3])
                    .put("hits", totals.hits())
                    .put("misses", totals.misses())
                    .put("connections_created", totals.connectionsCreated())
                    .put("stale_retries", totals.staleRetries())
                    .put("evictions", evictions)
                    .put("oldest_idle_seconds", oldest.get(backend).toMillis() / 1000.0));
        });
        return result;
    }

    /** The recent pool events, oldest first. */
    public static JsonArray events(PoolEvents events) {
        JsonArray result = new JsonArray();
        for (PoolEvents.Event event : events.recent()) {
            result.add(new JsonObject().put("time", event.time().toString()).put("backend", event.backend())
                    .put("type", event.type()).put("detail", event.detail()));
        }
        return result;
    }
}
