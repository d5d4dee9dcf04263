package io.snipool.app.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.snipool.config.ConfigLoader;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.ListenerConfig;
import io.snipool.core.health.BackendSnapshot;
import io.snipool.core.health.HealthPhase;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.metrics.TlsMeters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code /api/stats} assembled from meters, pool rows, health and the configuration history. */
class StatusReportTest {

    private static final Instant NOW = Instant.parse("2026-12-04T05:00:00Z");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConfigHistory history = new ConfigHistory(NOW.minusSeconds(3600));
    private final StatusReport report = new StatusReport(registry, history);
    /** Pool rows of backends that have no connection now, by backend. */
    private final Map<String, JsonObject> forgotten = new java.util.HashMap<>();
    private final List<ListenerConfig> listeners;

    StatusReportTest() throws InvalidConfigException {
        listeners = new ConfigLoader(Map.<String, String>of()::get).parse("""
                listeners:
                  - { name: web, bind: "127.0.0.1:8080", mode: http, routes: [ { hosts: [a.test], backends: ["10.0.0.1:80"] } ] }
                  - { name: edge, bind: "127.0.0.1:8443", mode: tls, routes: [ { hosts: [b.test], backends: ["10.0.0.2:443"] } ] }
                """, "t.yaml").listeners();
    }

    private JsonObject render(JsonArray pools, List<BackendSnapshot> health, JsonArray events) {
        return report.render(NOW, listeners, pools, health, backend -> Optional.ofNullable(forgotten.get(backend)),
                events);
    }

    private JsonObject listener(JsonObject stats, String name) {
        return stats.getJsonArray("listeners").stream().map(JsonObject.class::cast)
                .filter(listener -> listener.getString("name").equals(name)).findFirst().orElseThrow();
    }

    @Test
    void listenersCarryTotalsByStatusClassConnectionsAndHandshakes() {
        RequestMeters requests = new RequestMeters(registry, "web");
        requests.request("a.test", 200, 1_000_000);
        requests.request("a.test", 204, 1_000_000);
        requests.request("none", 421, 1_000_000);
        requests.request("a.test", 502, 1_000_000);
        ProxyMetrics.ListenerMeters web = new ProxyMetrics(registry).listener("web");
        web.outcome(ProxyMetrics.Outcome.ACCEPTED);
        web.outcome(ProxyMetrics.Outcome.ACCEPTED);
        web.outcome(ProxyMetrics.Outcome.DENIED);
        web.opened();
        TlsMeters tls = new TlsMeters(registry, "web");
        tls.handshakeDone(1_000_000, false);
        tls.handshake("timeout");
        tls.handshake("no_alpn");

        JsonObject stats = render(new JsonArray(), List.of(), new JsonArray());

        assertThat(stats.getLong("time")).isEqualTo(NOW.toEpochMilli());
        JsonObject listener = listener(stats, "web");
        assertThat(listener.getString("mode")).isEqualTo("http");
        assertThat(listener.getString("bind")).isEqualTo("127.0.0.1:8080");
        assertThat(listener.getJsonObject("requests")).isEqualTo(new JsonObject()
                .put("1xx", 0L).put("2xx", 2L).put("3xx", 0L).put("4xx", 1L).put("5xx", 1L));
        assertThat(listener.getLong("connections_total")).isEqualTo(3);
        assertThat(listener.getLong("connections_active")).isEqualTo(1);
        assertThat(listener.getJsonObject("tls_handshakes")).isEqualTo(new JsonObject().put("ok", 1L)
                .put("failed", 2L));
        JsonObject edge = listener(stats, "edge");
        assertThat(edge.getJsonObject("requests").getLong("2xx")).as("no meters: zeros").isZero();
        assertThat(edge.getLong("connections_active")).isZero();
        assertThat(edge.getJsonObject("latency").getValue("p50_ms")).as("no requests, no quantile").isNull();
    }

    @Test
    void latencyIsTheLastSamplesWindow() {
        RequestMeters requests = new RequestMeters(registry, "web");
        // Before the first sample: 100 slow requests (about 2 s each).
        for (int i = 0; i < 100; i++) {
            requests.request("a.test", 200, Duration.ofMillis(1500).toNanos());
        }
        report.sample(listeners);
        // After it: 100 fast ones (under 1 ms), the only ones in the window.
        for (int i = 0; i < 100; i++) {
            requests.request("a.test", 200, Duration.ofNanos(500_000).toNanos());
        }

        JsonObject latency = listener(render(new JsonArray(), List.of(), new JsonArray()), "web")
                .getJsonObject("latency");

        assertThat(latency.getLong("window_seconds")).isEqualTo(300);
        assertThat(latency.getLong("requests")).isEqualTo(100);
        assertThat(latency.getDouble("p50_ms")).isCloseTo(0.5, within(1e-9));
        assertThat(latency.getDouble("p99_ms")).isCloseTo(0.99, within(1e-9));
    }

    @Test
    void backendsJoinPoolRowsWithHealthAndSayHowWellConnectionsAreReused() {
        JsonArray pools = new JsonArray().add(new JsonObject()
                .put("backend", "10.0.0.1:80").put("idle", 2).put("active", 1).put("connecting", 0)
                .put("pending", 0).put("hits", 90L).put("misses", 10L).put("connections_created", 4L)
                .put("stale_retries", 0L).put("evictions", new JsonObject().put("idle_timeout", 2L))
                .put("oldest_idle_seconds", 1.5).put("keys", new JsonArray().add(new JsonObject().putNull("tls"))))
                .add(new JsonObject()
                .put("backend", "10.0.0.9:80").put("idle", 0).put("active", 0).put("connecting", 0)
                .put("pending", 0).put("hits", 0L).put("misses", 0L).put("connections_created", 0L)
                .put("stale_retries", 0L).put("evictions", new JsonObject()).put("oldest_idle_seconds", 0.0)
                .put("keys", new JsonArray()));
        List<BackendSnapshot> health = List.of(
                snapshot("10.0.0.1:80", "a.test", HealthPhase.UP),
                snapshot("10.0.0.2:443", "b.test", HealthPhase.EJECTED),
                snapshot("10.0.0.3:80", "a.test", HealthPhase.DOWN));
        forgotten.put("10.0.0.3:80", new JsonObject().put("backend", "10.0.0.3:80").put("idle", 0).put("hits", 3L)
                .put("misses", 1L).put("connections_created", 1L));

        JsonArray backends = render(pools, health, new JsonArray()).getJsonArray("backends");

        assertThat(backends.stream().map(row -> ((JsonObject) row).getString("backend")))
                .containsExactly("10.0.0.1:80", "10.0.0.2:443", "10.0.0.3:80", "10.0.0.9:80");
        JsonObject pooled = backends.getJsonObject(0);
        assertThat(pooled.getBoolean("pooled")).isTrue();
        assertThat(pooled.getString("state")).isEqualTo("up");
        assertThat(pooled.getJsonArray("routes")).containsExactly("a.test");
        assertThat(pooled.getDouble("hit_ratio")).isEqualTo(0.9);
        assertThat(pooled.getDouble("requests_per_connection")).isEqualTo(25.0);
        assertThat(pooled.getLong("idle")).as("the pool's own fields stay").isEqualTo(2);
        assertThat(pooled.getJsonObject("evictions").getLong("idle_timeout")).isEqualTo(2);
        JsonObject passthrough = backends.getJsonObject(1);
        assertThat(passthrough.getBoolean("pooled")).isFalse();
        assertThat(passthrough.getString("state")).isEqualTo("ejected");
        assertThat(passthrough.containsKey("hits")).isFalse();
        JsonObject closedAll = backends.getJsonObject(2);
        assertThat(closedAll.getBoolean("pooled")).as("its connections closed, its counters stay").isTrue();
        assertThat(closedAll.getString("state")).isEqualTo("down");
        assertThat(closedAll.getDouble("hit_ratio")).isEqualTo(0.75);
        assertThat(closedAll.getDouble("requests_per_connection")).isEqualTo(4.0);
        JsonObject unused = backends.getJsonObject(3);
        assertThat(unused.getValue("hit_ratio")).as("no request: no ratio, not 0").isNull();
        assertThat(unused.getValue("requests_per_connection")).isNull();
        assertThat(unused.getValue("state")).as("not a configured static backend").isNull();
    }

    private static BackendSnapshot snapshot(String backend, String route, HealthPhase phase) {
        return new BackendSnapshot(backend, List.of(new BackendSnapshot.RouteShare(route, 1, false)), phase,
                Duration.ofSeconds(5), Optional.empty(), Optional.empty(), 0, Optional.empty(), 0);
    }

    @Test
    void eventsNewestFirst() {
        JsonArray events = new JsonArray()
                .add(new JsonObject().put("time", "2026-12-04T04:00:00Z").put("type", "connect_failure"))
                .add(new JsonObject().put("time", "2026-12-04T04:01:00Z").put("type", "backend_down"));

        JsonArray shown = render(new JsonArray(), List.of(), events).getJsonArray("events");

        assertThat(shown.getJsonObject(0).getString("type")).isEqualTo("backend_down");
        assertThat(shown.getJsonObject(1).getString("type")).isEqualTo("connect_failure");
    }

    @Test
    void configurationShowsTheLoadTheLastReloadAndCertificatesSoonestFirst() {
        new TlsMeters(registry, "web").certificate("certs/later.pem", NOW.plus(Duration.ofDays(90)));
        new TlsMeters(registry, "edge").certificate("certs/soon.pem", NOW.plus(Duration.ofDays(10)).plusSeconds(60));
        JsonObject before = render(new JsonArray(), List.of(), new JsonArray()).getJsonObject("config");
        assertThat(before.getString("loaded_at")).isEqualTo("2026-12-04T04:00:00Z");
        assertThat(before.getValue("last_reload")).isNull();

        history.reloaded(new ConfigHistory.Reload(NOW.minusSeconds(60), false, List.of("t.yaml:3:5: bad")));
        JsonObject config = render(new JsonArray(), List.of(), new JsonArray()).getJsonObject("config");

        assertThat(config.getString("loaded_at")).as("a refused reload loads nothing").isEqualTo("2026-12-04T04:00:00Z");
        assertThat(config.getJsonObject("last_reload")).isEqualTo(new JsonObject().put("time", "2026-12-04T04:59:00Z")
                .put("applied", false).put("problems", new JsonArray().add("t.yaml:3:5: bad")));
        JsonArray certificates = config.getJsonArray("certificates");
        assertThat(certificates.getJsonObject(0)).isEqualTo(new JsonObject().put("listener", "edge")
                .put("certificate", "certs/soon.pem").put("expires", "2026-12-14T05:01:00Z").put("days_left", 10L));
        assertThat(certificates.getJsonObject(1).getLong("days_left")).isEqualTo(90);

        history.reloaded(new ConfigHistory.Reload(NOW.minusSeconds(30), true, List.of()));
        assertThat(history.loadedAt()).isEqualTo(NOW.minusSeconds(30));
    }
}
