package io.snipool.app.status;

import io.snipool.core.health.BackendSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The backends' part of {@code /api/stats}: the rows of {@code /api/pools} joined by backend with the health of
 * {@code /api/backends}, plus the two numbers that say whether connections are reused, worked out here so that the
 * page and a {@code curl} read the same.
 */
final class BackendStats {

    private BackendStats() {
    }

    /**
     * One object per backend, sorted by backend: every backend a pool knows, and every configured backend, the
     * latter with {@code pooled} false and no pool fields when the pools never served it (a passthrough route's
     * backend, or one not used yet).
     *
     * @param pools              the rows of {@code /api/pools}
     * @param health             {@code BackendHealth.snapshot()}
     * @param withoutConnections the pool row of a backend the pools forgot for want of connections, if they ever
     *                           served it ({@code PoolReport.withoutConnections})
     */
    static JsonArray render(JsonArray pools, List<BackendSnapshot> health,
                            Function<String, Optional<JsonObject>> withoutConnections) {
        Map<String, JsonObject> rows = new TreeMap<>();
        for (int i = 0; i < pools.size(); i++) {
            JsonObject pool = pools.getJsonObject(i);
            rows.put(pool.getString("backend"), pooled(pool));
        }
        for (BackendSnapshot backend : health) {
            rows.computeIfAbsent(backend.backend(), name -> withoutConnections.apply(name).map(BackendStats::pooled)
                            .orElseGet(() -> new JsonObject().put("backend", name).put("pooled", false)))
                    .put("state", backend.phase().label())
                    .put("routes", new JsonArray(backend.routes().stream().map(BackendSnapshot.RouteShare::route)
                            .distinct().toList()));
        }
        return new JsonArray(new ArrayList<>(rows.values()));
    }

    private static JsonObject pooled(JsonObject pool) {
        long hits = pool.getLong("hits");
        long leases = hits + pool.getLong("misses");
        return new JsonObject()
                .put("backend", pool.getString("backend"))
                .put("pooled", true)
                .put("state", null)
                .put("routes", new JsonArray())
                .put("hit_ratio", ratio(hits, leases))
                .put("requests_per_connection", ratio(leases, pool.getLong("connections_created")))
                .mergeIn(pool);
    }

    /** {@code part / whole}, or null when there is nothing to divide (no request yet: no ratio, not zero). */
    private static Double ratio(long part, long whole) {
        return whole == 0 ? null : (double) part / whole;
    }
}
