package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A connection serves one lease at a time; a lease ends exactly once; a disabled pool never reuses. */
class PoolLeaseTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();

    @Test
    void anIdleConnectionIsHandedToOneLeaseOnly() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);

        Lease<FakeConnection> first = h.leaseHit(A, settings);
        LeaseRecorder second = h.lease(A, settings);

        assertThat(first.connection()).isSameAs(connection);
        second.assertUnanswered();
        h.connector.complete();
        assertThat(second.lease().connection()).isNotSameAs(connection);
        h.assertCounts(A, 0, 2, 0, 0);
    }

    @Test
    void endingALeaseTwiceThrowsAndChangesNothing() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();
        lease.recycle();

        assertThatThrownBy(lease::recycle).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already ended");
        assertThatThrownBy(() -> lease.close(EvictionReason.ERROR)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lease.recycle(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class);

        assertThat(connection.isOpen()).isTrue();
        assertThat(h.listener.evictions).isEmpty();
        h.assertCounts(A, 1, 0, 0, 0);
    }

    @Test
    void aClosedLeaseCannotBeRecycled() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        lease.close(EvictionReason.NOT_REUSABLE);

        assertThatThrownBy(lease::recycle).isInstanceOf(IllegalStateException.class);

        assertThat(h.listener.reasons()).containsExactly(EvictionReason.NOT_REUSABLE);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aStaleLeaseCannotTouchTheConnectionsNextLease() {
        Lease<FakeConnection> stale = h.leaseFresh(A, settings);
        FakeConnection connection = stale.connection();
        stale.recycle();
        Lease<FakeConnection> current = h.leaseHit(A, settings);

        assertThatThrownBy(() -> stale.close(EvictionReason.ERROR)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(stale::connection).isInstanceOf(IllegalStateException.class);

        assertThat(current.connection()).isSameAs(connection);
        assertThat(connection.isOpen()).isTrue();
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void closeRecordsTheCallersReasonAndTheRequestCount() {
        Lease<FakeConnection> first = h.leaseFresh(A, settings);
        first.recycle();
        Lease<FakeConnection> second = h.leaseHit(A, settings);
        FakeConnection connection = second.connection();

        second.close(EvictionReason.ERROR);

        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.evictions).singleElement().satisfies(eviction -> {
            assertThat(eviction.reason()).isEqualTo(EvictionReason.ERROR);
            assertThat(eviction.requestsServed()).isEqualTo(2);
        });
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aDisabledPoolConnectsForEveryLeaseAndClosesEveryReturn() {
        PoolSettings disabled = settings().disabled().build();

        for (int request = 0; request < 3; request++) {
            Lease<FakeConnection> lease = h.leaseFresh(A, disabled);
            lease.recycle();
            assertThat(lease.requestCount()).isEqualTo(1);
            h.assertCounts(A, 0, 0, 0, 0);
        }

        assertThat(h.connector.made()).hasSize(3).allSatisfy(c -> assertThat(c.isOpen()).isFalse());
        assertThat(h.listener.reasons()).containsOnly(EvictionReason.CAPACITY).hasSize(3);
        assertThat(h.listener.misses.get(A)).isEqualTo(3);
        assertThat(h.listener.hits).isEmpty();
    }

    @Test
    void disablingThePoolStopsReuseOfConnectionsAlreadyIdle() {
        h.idleConnections(A, settings, 1);

        LeaseRecorder recorder = h.lease(A, settings().disabled().build());

        recorder.assertUnanswered();
        h.assertCounts(A, 1, 0, 1, 0);
    }
}
