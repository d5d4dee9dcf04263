package io.snipool.core.http;

import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.PoolSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** The JSON of {@code /api/pools} and {@code /api/pool-events}. */
public final class PoolReport {

    /** Plain keys first, then by SNI, then by profile; the same order on every call. */
    private static final Comparator<BackendKey> KEY_ORDER = Comparator
            .comparing((BackendKey key) -> key.tls().map(TlsTarget::sni).orElse(""))
            .thenComparing(BackendKey::toString).thenComparing(BackendKey::allowPrivateTargets);

    private PoolReport() {
    }

    /**
     * One object per backend ({@code host:port}), sorted by backend: live counts summed over every event loop's pool,
     * cumulative counters since start, and under {@code keys} each pool key of that backend (a TLS backend has one per
     * SNI and profile) with its TLS part and its own live counts.
     */
    public static CompletableFuture<JsonArray> pools(HttpPools pools) {
        return pools.liveCounts().thenApply(live -> render(live.snapshots(), live.streams(), pools.meters()));
    }

    static JsonArray render(List<PoolSnapshot<BackendKey>> snapshots, PoolMeters<BackendKey> meters) {
        return render(snapshots, Map.of(), meters);
    }

    /**
     * @param streams HTTP/2 streams open now per key: a key of {@code backend_protocol} h2 or h2c shows them as
     *                {@code streams_active}, its connections under the same counts as HTTP/1.1 ones
     */
    static JsonArray render(List<PoolSnapshot<BackendKey>> snapshots, Map<BackendKey, Integer> streams,
                            PoolMeters<BackendKey> meters) {
        // Backend label -> its keys (the same key on several loops summed), in a stable order.
        Map<String, Map<BackendKey, KeyLive>> byBackend = new TreeMap<>();
        for (PoolSnapshot<BackendKey> snapshot : snapshots) {
            for (PoolSnapshot.KeyStats<BackendKey> stats : snapshot.keys()) {
                byBackend.computeIfAbsent(stats.key().label(), b -> new TreeMap<>(KEY_ORDER))
                        .computeIfAbsent(stats.key(), k -> new KeyLive()).add(stats);
            }
        }
        JsonArray result = new JsonArray();
        byBackend.forEach((backend, keys) -> {
            KeyLive sums = new KeyLive();
            JsonArray keyArray = new JsonArray();
            keys.forEach((key, live) -> {
                sums.add(live);
                live.streams = streams.getOrDefault(key, 0);
                sums.streams += live.streams;
                keyArray.add(live.json(new JsonObject().put("tls", tls(key))
                        .put("protocol", key.protocol().name().toLowerCase(Locale.ROOT))));
            });
            result.add(row(backend, sums, keyArray, meters.totals(backend)));
        });
        return result;
    }

    /**
     * The row {@link #pools} would give a backend that has no pool key now (its connections all closed, so every
     * loop's pool forgot it): its counters since start, no live counts, no keys. Empty if the pools never served it.
     */
    public static Optional<JsonObject> withoutConnections(String backend, PoolMeters<BackendKey> meters) {
        PoolMeters.Totals totals = meters.totals(backend);
        if (totals.hits() + totals.misses() + totals.connectionsCreated() == 0) {
            return Optional.empty();
        }
        return Optional.of(row(backend, new KeyLive(), new JsonArray(), totals));
    }

    private static JsonObject row(String backend, KeyLive sums, JsonArray keys, PoolMeters.Totals totals) {
        JsonObject evictions = new JsonObject();
        for (EvictionReason reason : EvictionReason.values()) {
            evictions.put(reason.label(), totals.evictions().getOrDefault(reason, 0L));
        }
        return sums.json(new JsonObject().put("backend", backend))
                .put("hits", totals.hits())
                .put("misses", totals.misses())
                .put("connections_created", totals.connectionsCreated())
                .put("stale_retries", totals.staleRetries())
                .put("evictions", evictions)
                .put("oldest_idle_seconds", sums.oldestIdle.toMillis() / 1000.0)
                .put("keys", keys);
    }

    /** The TLS part of a key: {@code null} for a plain backend. */
    private static JsonObject tls(BackendKey key) {
        return key.tls().map(target -> new JsonObject()
                .put("sni", target.sni())
                .put("verify", target.profile().identity().verify())
                .put("profile", target.profile().identity().shortFingerprint())).orElse(null);
    }

    /** Live counts of one key, or of a backend's keys, summed over event loops. */
    private static final class KeyLive {
        long idle;
        long active;
        long connecting;
        long pending;
        long demandEstimate;
        long targetIdle;
        long streams;
        Duration oldestIdle = Duration.ZERO;

        void add(PoolSnapshot.KeyStats<BackendKey> stats) {
            idle += stats.idle();
            active += stats.active();
            connecting += stats.connecting();
            pending += stats.pending();
            demandEstimate += stats.demandEstimate();
            targetIdle += stats.targetIdle();
            oldestIdle = max(oldestIdle, stats.oldestIdleAge());
        }

        void add(KeyLive other) {
            idle += other.idle;
            active += other.active;
            connecting += other.connecting;
            pending += other.pending;
            demandEstimate += other.demandEstimate;
            targetIdle += other.targetIdle;
            oldestIdle = max(oldestIdle, other.oldestIdle);
        }

        JsonObject json(JsonObject into) {
            return into.put("idle", idle).put("active", active).put("connecting", connecting).put("pending", pending)
                    .put("demand_estimate", demandEstimate).put("target_idle", targetIdle)
                    .put("streams_active", streams);
        }

        private static Duration max(Duration a, Duration b) {
            return a.compareTo(b) >= 0 ? a : b;
        }
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
