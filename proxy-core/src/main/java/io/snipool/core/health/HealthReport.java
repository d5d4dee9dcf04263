package io.snipool.core.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.function.ToLongFunction;

/** The JSON of {@code /api/backends}. */
public final class HealthReport {

    private HealthReport() {
    }

    /**
     * One object per tracked backend, in address order.
     *
     * @param active what a backend label carries now: pooled HTTP connections with a request, passthrough tunnels
     * @param now    the wall-clock time the snapshot was taken, to turn its durations into instants
     */
    public static JsonArray backends(Iterable<BackendSnapshot> snapshot, ToLongFunction<String> active, Instant now) {
        JsonArray result = new JsonArray();
        for (BackendSnapshot backend : snapshot) {
            JsonObject check = backend.checkType().map(type -> {
                JsonObject json = new JsonObject().put("type", type.name().toLowerCase(Locale.ROOT));
                backend.lastCheck().ifPresent(last -> json
                        .put("last_result", last.result().kind().label())
                        .put("last_detail", last.result().detail())
                        .put("last_latency_ms", last.result().latencyNanos() / 1_000_000.0)
                        .put("last_checked", now.minus(last.ago()).toString()));
                return json;
            }).orElse(null);
            result.add(new JsonObject()
                    .put("backend", backend.backend())
                    .put("routes", new JsonArray(backend.routes().stream().map(share -> new JsonObject()
                            .put("route", share.route()).put("weight", share.weight())
                            .put("backup", share.backup())).toList()))
                    .put("state", backend.phase().label())
                    .put("since", now.minus(backend.since()).toString())
                    .put("active", active.applyAsLong(backend.backend()))
                    .put("consecutive_failures", backend.consecutiveFailures())
                    .put("ejections", backend.ejections())
                    .put("ejected_for_seconds", backend.ejectedFor().map(left -> left.toMillis() / 1000.0)
                            .orElse(null))
                    .put("check", check));
        }
        return result;
    }
}
