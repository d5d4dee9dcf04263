package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.PoolHarness.B;
import static io.snipool.core.pool.PoolHarness.C;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LIFO reuse, the per-key idle cap and the global idle cap with least-recently-used keys giving way. */
class PoolIdleStackTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();

    @Test
    void leasesTheMostRecentlyReturnedConnectionFirst() {
        List<FakeConnection> connections = h.idleConnections(A, settings, 3);
        h.assertCounts(A, 3, 0, 0, 0);

        Lease<FakeConnection> first = h.leaseHit(A, settings);
        Lease<FakeConnection> second = h.leaseHit(A, settings);
        Lease<FakeConnection> third = h.leaseHit(A, settings);

        assertThat(List.of(first.connection(), second.connection(), third.connection()))
                .containsExactly(connections.get(2), connections.get(1), connections.get(0));
        assertThat(first.requestCount()).isEqualTo(2);
        assertThat(connections).allSatisfy(connection -> assertThat(connection.isWatched()).isFalse());
        h.assertCounts(A, 0, 3, 0, 0);
        assertThat(h.stats(A).hits()).isEqualTo(3);
        assertThat(h.stats(A).misses()).isEqualTo(3);
    }

    @Test
    void underLightLoadTheSameConnectionStaysWarm() {
        List<FakeConnection> connections = h.idleConnections(A, settings, 2);

        for (int request = 0; request < 5; request++) {
            Lease<FakeConnection> lease = h.leaseHit(A, settings);
            assertThat(lease.connection()).isSameAs(connections.get(1));
            lease.recycle();
        }
        h.assertCounts(A, 2, 0, 0, 0);
    }

    @Test
    void aRecycleBeyondMaxIdlePerHostClosesTheReturnedConnection() {
        PoolSettings twoIdle = settings().maxIdlePerHost(2).build();

        List<FakeConnection> connections = h.idleConnections(A, twoIdle, 3);

        assertThat(connections.get(2).isOpen()).as("the third recycle found no room").isFalse();
        assertThat(connections.subList(0, 2)).allSatisfy(connection -> assertThat(connection.isOpen()).isTrue());
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CAPACITY);
        h.assertCounts(A, 2, 0, 0, 0);
    }

    @Test
    void atTheGlobalCapTheLeastRecentlyUsedKeyGivesUpItsColdestConnection() {
        PoolHarness small = new PoolHarness(new IdleBudget(3));
        List<FakeConnection> onA = small.idleConnections(A, settings, 2);
        List<FakeConnection> onB = small.idleConnections(B, settings, 1);
        assertThat(small.budget.used()).isEqualTo(3);

        small.idleConnections(C, settings, 1);

        assertThat(onA.get(0).isOpen()).as("A is least recently used; its coldest goes").isFalse();
        assertThat(onA.get(1).isOpen()).isTrue();
        assertThat(onB.get(0).isOpen()).isTrue();
        assertThat(small.listener.evictions).singleElement().satisfies(eviction -> {
            assertThat(eviction.key()).isEqualTo(A);
            assertThat(eviction.reason()).isEqualTo(EvictionReason.CAPACITY);
        });
        small.assertCounts(A, 1, 0, 0, 0);
        small.assertCounts(B, 1, 0, 0, 0);
        small.assertCounts(C, 1, 0, 0, 0);
    }

    @Test
    void usingAKeyMakesItTheLastToGiveWay() {
        PoolHarness small = new PoolHarness(new IdleBudget(2));
        List<FakeConnection> onA = small.idleConnections(A, settings, 1);
        List<FakeConnection> onB = small.idleConnections(B, settings, 1);
        small.leaseHit(A, settings).recycle(); // A is now more recently used than B

        small.idleConnections(C, settings, 1);

        assertThat(onB.get(0).isOpen()).as("B is least recently used now").isFalse();
        assertThat(onA.get(0).isOpen()).isTrue();
        small.assertCounts(A, 1, 0, 0, 0);
        small.assertCounts(B, 0, 0, 0, 0);
        small.assertCounts(C, 1, 0, 0, 0);
    }

    @Test
    void withOnlyItsOwnKeyIdleAKeyGivesUpItsColdestForTheNewest() {
        PoolHarness small = new PoolHarness(new IdleBudget(2));
        List<FakeConnection> connections = small.idleConnections(A, settings, 3);

        assertThat(connections.get(0).isOpen()).as("coldest").isFalse();
        assertThat(connections.subList(1, 3)).allSatisfy(connection -> assertThat(connection.isOpen()).isTrue());
        assertThat(small.listener.reasons()).containsExactly(EvictionReason.CAPACITY);
        small.assertCounts(A, 2, 0, 0, 0);
    }

    @Test
    void theGlobalCapIsSharedWithOtherPoolInstancesWhichAreNotRobbed() {
        PoolHarness loop1 = new PoolHarness(new IdleBudget(1));
        PoolHarness loop2 = new PoolHarness(loop1);
        List<FakeConnection> onLoop1 = loop1.idleConnections(A, settings, 1);

        List<FakeConnection> onLoop2 = loop2.idleConnections(A, settings, 1);

        assertThat(onLoop1.get(0).isOpen()).as("another loop's idle connection is not ours to evict").isTrue();
        assertThat(onLoop2.get(0).isOpen()).isFalse();
        assertThat(loop2.listener.reasons()).containsExactly(EvictionReason.CAPACITY);
        assertThat(loop1.budget.used()).isEqualTo(1);
        loop1.assertCounts(A, 1, 0, 0, 0);
        loop2.assertCounts(A, 0, 0, 0, 0);

        loop1.leaseHit(A, settings);
        assertThat(loop1.budget.used()).as("a lease frees its unit for every loop").isZero();
        loop2.idleConnections(A, settings, 1);
        loop2.assertCounts(A, 1, 0, 0, 0);
    }

    @Test
    void theGlobalCapSparesConnectionsWithinAKeysMinimum() {
        PoolHarness small = new PoolHarness(new IdleBudget(1));
        PoolSettings keepOne = settings().minIdle(1, 8).build();
        small.pool.prewarm(A, keepOne);
        FakeConnection warm = small.connector.complete();

        List<FakeConnection> onB = small.idleConnections(B, settings, 1);

        assertThat(warm.isOpen()).isTrue();
        assertThat(onB.get(0).isOpen()).isFalse();
        small.assertCounts(A, 1, 0, 0, 0);
        small.assertCounts(B, 0, 0, 0, 0);
    }

    @Test
    void aNegativeGlobalCapIsRejectedWithTheValue() {
        assertThatThrownBy(() -> new IdleBudget(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -1");
    }

    @Test
    void aZeroGlobalCapKeepsNothingIdle() {
        PoolHarness none = new PoolHarness(new IdleBudget(0));

        List<FakeConnection> connections = none.idleConnections(A, settings, 2);

        assertThat(connections).allSatisfy(connection -> assertThat(connection.isOpen()).isFalse());
        assertThat(none.listener.reasons()).containsOnly(EvictionReason.CAPACITY).hasSize(2);
        none.assertCounts(A, 0, 0, 0, 0);
    }
}
