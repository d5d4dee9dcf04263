package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.PoolHarness.B;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retiring keys: a backend that went down ({@code backend_down}) or left the configuration ({@code shutdown}) loses
 * its idle connections at once and its leased ones when they come back, while other keys keep theirs.
 */
class PoolRetireTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();

    @Test
    void aBackendDownClosesItsIdleConnectionsAndLeasedOnesWhenReturned() {
        List<FakeConnection> idleA = h.idleConnections(A, settings, 2);
        List<FakeConnection> idleB = h.idleConnections(B, settings, 1);
        Lease<FakeConnection> inFlight = h.leaseHit(A, settings);
        FakeConnection busy = inFlight.connection();

        h.pool.retire(A::equals, EvictionReason.BACKEND_DOWN);

        assertThat(idleA.get(0).isOpen()).as("the idle one").isFalse();
        assertThat(busy.isOpen()).as("the leased one is untouched").isTrue();
        assertThat(idleB.get(0).isOpen()).as("another backend's").isTrue();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.BACKEND_DOWN);
        h.assertCounts(A, 0, 1, 0, 0);

        inFlight.recycle();

        assertThat(busy.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.BACKEND_DOWN, EvictionReason.BACKEND_DOWN);
        h.assertCounts(A, 0, 0, 0, 0);
        h.assertCounts(B, 1, 0, 0, 0);
    }

    @Test
    void aRetiredKeyKeepsNoMinimumWarmUntilLeasedAgain() {
        PoolSettings warm = settings().minIdle(2, 100).build();
        h.pool.prewarm(A, warm);
        h.connector.completeAll();
        h.clock.advance(Duration.ofSeconds(1));
        h.connector.completeAll();
        h.assertCounts(A, 2, 0, 0, 0);

        h.pool.retire(A::equals, EvictionReason.BACKEND_DOWN);
        h.clock.advance(Duration.ofMinutes(1));

        assertThat(h.connector.inFlight()).as("nothing reopened for a backend that is down").isZero();
        h.assertCounts(A, 0, 0, 0, 0);

        LeaseRecorder back = h.lease(A, warm);
        h.connector.completeAll();
        FakeConnection connection = back.lease().connection();
        back.lease().recycle();
        h.clock.advance(Duration.ofSeconds(1));
        h.connector.completeAll();

        assertThat(connection.isOpen()).as("a lease lifts the retirement").isTrue();
        h.assertCounts(A, 2, 0, 0, 0);
    }

    @Test
    void retireUnlessKeepsWhatItIsToldToKeepAndClosesTheRestAsRemoved() {
        h.idleConnections(A, settings, 1);
        List<FakeConnection> kept = h.idleConnections(B, settings, 1);

        h.pool.retireUnless(B::equals);

        assertThat(h.listener.reasons()).containsExactly(EvictionReason.REMOVED);
        assertThat(kept.get(0).isOpen()).isTrue();
    }
}
