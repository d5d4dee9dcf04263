package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.PoolSnapshot.KeyStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.PoolHarness.B;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** What {@code /api/pools} shows, and which keys the pool keeps tracking. */
class PoolSnapshotTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();

    @Test
    void theSnapshotShowsEachKeysCountsLeastRecentlyUsedFirst() {
        List<FakeConnection> onA = h.idleConnections(A, settings, 3);
        h.clock.advance(Duration.ofSeconds(10));
        h.leaseHit(A, settings);
        onA.get(1).peerCloses();
        h.clock.advance(Duration.ofSeconds(5));
        PoolSettings capOne = settings().maxConnectionsPerHost(1).build();
        h.lease(B, capOne);
        h.lease(B, capOne);

        PoolSnapshot<String> snapshot = h.pool.snapshot();

        assertThat(snapshot.keys()).extracting(KeyStats::key).containsExactly(A, B);
        assertThat(snapshot.key(A)).contains(new KeyStats<>(A, 1, 1, 0, 0, 1, 3, 3,
                Map.of(EvictionReason.CLOSED_BY_PEER, 1L), Duration.ofSeconds(15), 0, 0));
        assertThat(snapshot.key(B)).contains(new KeyStats<>(B, 0, 0, 1, 1, 0, 1, 0, Map.of(), Duration.ZERO, 0, 0));
        assertThat(snapshot.idleTotal()).isEqualTo(1);
        assertThat(snapshot.idleTotalLimit()).isEqualTo(PoolSettings.DEFAULT_MAX_IDLE_TOTAL);
        assertThat(snapshot.key(A).orElseThrow().evictions(EvictionReason.CAPACITY)).isZero();
    }

    @Test
    void aKeyWithNothingLeftIsForgotten() {
        h.leaseFresh(A, settings).close(EvictionReason.NOT_REUSABLE);

        assertThat(h.pool.snapshot().keys()).isEmpty();
    }

    @Test
    void aKeyWithAMinimumIsRemembered() {
        h.pool.prewarm(A, settings().minIdle(1, 1).build());
        h.connector.complete().peerCloses();

        assertThat(h.pool.snapshot().key(A)).isPresent();
    }
}
