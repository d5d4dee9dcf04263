package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.HostPort;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.PoolSnapshot;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code /api/pools}: one object per backend label, its counts summed over loops and keys, and each key listed. */
class PoolReportTest {

    private static final HostPort ADDRESS = new HostPort("10.0.0.7", 443);

    private final PoolMeters<BackendKey> meters = new PoolMeters<>(new SimpleMeterRegistry(), BackendKey::label, 10,
            new PoolEvents(10));

    private static PoolSnapshot.KeyStats<BackendKey> stats(BackendKey key, int idle, int active, Duration oldest) {
        return new PoolSnapshot.KeyStats<>(key, idle, active, 0, 0, 0, 0, 0, Map.of(), oldest, 0, 0);
    }

    private static PoolSnapshot<BackendKey> loop(List<PoolSnapshot.KeyStats<BackendKey>> keys) {
        return new PoolSnapshot<>(keys, 0, 100);
    }

    @Test
    void thePlainKeyOfABackendIsSummedOverLoopsAndListedWithoutTls() {
        BackendKey plain = new BackendKey(new HostPort("127.0.0.1", 8080), false, false);
        JsonArray report = PoolReport.render(List.of(loop(List.of(stats(plain, 1, 0, Duration.ofSeconds(2)))),
                loop(List.of(stats(plain, 2, 1, Duration.ofSeconds(5))))), meters);
        assertThat(report).hasSize(1);
        JsonObject backend = report.getJsonObject(0);
        assertThat(backend.getString("backend")).isEqualTo("127.0.0.1:8080");
        assertThat(backend.getLong("idle")).isEqualTo(3);
        assertThat(backend.getLong("active")).isEqualTo(1);
        assertThat(backend.getDouble("oldest_idle_seconds")).isEqualTo(5.0);
        JsonArray keys = backend.getJsonArray("keys");
        assertThat(keys).hasSize(1);
        assertThat(keys.getJsonObject(0).containsKey("tls")).isTrue();
        assertThat(keys.getJsonObject(0).getJsonObject("tls")).isNull();
        assertThat(keys.getJsonObject(0).getLong("idle")).isEqualTo(3);
    }

    @Test
    void theDemandEstimateAndTargetAreSummedOverLoops() {
        BackendKey plain = new BackendKey(new HostPort("127.0.0.1", 8080), false, false);
        PoolSnapshot.KeyStats<BackendKey> busy = new PoolSnapshot.KeyStats<>(plain, 12, 0, 0, 0, 0, 0, 0, Map.of(),
                Duration.ZERO, 10, 12);
        PoolSnapshot.KeyStats<BackendKey> quiet = new PoolSnapshot.KeyStats<>(plain, 2, 0, 0, 0, 0, 0, 0, Map.of(),
                Duration.ZERO, 1, 2);

        JsonObject backend = PoolReport.render(List.of(loop(List.of(busy)), loop(List.of(quiet))), meters)
                .getJsonObject(0);

        assertThat(backend.getLong("demand_estimate")).isEqualTo(11);
        assertThat(backend.getLong("target_idle")).isEqualTo(14);
        assertThat(backend.getJsonArray("keys").getJsonObject(0).getLong("target_idle")).isEqualTo(14);
    }

    @Test
    void theTlsKeysOfOneAddressAreListedBySniUnderItsLabel() throws Exception {
        BackendTlsProfile profile = BackendTlsProfile.of(BackendTlsConfigs.unverified("${host}"));
        BackendKey x = new BackendKey(ADDRESS, false, false, Optional.of(new TlsTarget("x.wild.test", profile)));
        BackendKey y = new BackendKey(ADDRESS, false, false, Optional.of(new TlsTarget("y.wild.test", profile)));
        JsonArray report = PoolReport.render(List.of(loop(List.of(stats(y, 1, 0, Duration.ZERO),
                stats(x, 0, 2, Duration.ZERO)))), meters);
        assertThat(report).hasSize(1);
        JsonObject backend = report.getJsonObject(0);
        assertThat(backend.getString("backend")).isEqualTo("10.0.0.7:443");
        assertThat(backend.getLong("idle")).isEqualTo(1);
        assertThat(backend.getLong("active")).isEqualTo(2);
        JsonObject first = backend.getJsonArray("keys").getJsonObject(0);
        assertThat(first.getLong("active")).isEqualTo(2);
        assertThat(first.getJsonObject("tls").getMap()).isEqualTo(Map.of("sni", "x.wild.test", "verify", false,
                "profile", profile.identity().shortFingerprint()));
        assertThat(backend.getJsonArray("keys").getJsonObject(1).getJsonObject("tls").getString("sni"))
                .isEqualTo("y.wild.test");
    }

    @Test
    void aBackendWhoseConnectionsAllClosedKeepsItsCountersButNoLiveOnes() {
        BackendKey plain = new BackendKey(new HostPort("127.0.0.1", 8080), false, false);
        assertThat(PoolReport.withoutConnections("127.0.0.1:8080", meters)).as("never served").isEmpty();
        meters.onMiss(plain);
        meters.onHit(plain);
        meters.onEviction(plain, EvictionReason.MAX_REQUESTS, 2);

        JsonObject backend = PoolReport.withoutConnections("127.0.0.1:8080", meters).orElseThrow();

        assertThat(backend.getString("backend")).isEqualTo("127.0.0.1:8080");
        assertThat(backend.getLong("hits")).isEqualTo(1);
        assertThat(backend.getLong("misses")).isEqualTo(1);
        assertThat(backend.getLong("idle")).isZero();
        assertThat(backend.getLong("active")).isZero();
        assertThat(backend.getJsonObject("evictions").getLong("max_requests")).isEqualTo(1);
        assertThat(backend.getJsonArray("keys")).isEmpty();
        assertThat(backend.fieldNames()).as("the same fields as a row of pools()").containsExactlyElementsOf(
                PoolReport.render(List.of(loop(List.of(stats(plain, 1, 0, Duration.ZERO)))), meters)
                        .getJsonObject(0).fieldNames());
    }
}
