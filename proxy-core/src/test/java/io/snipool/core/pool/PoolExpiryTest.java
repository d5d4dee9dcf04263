package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.RecordingListener.Eviction;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** Idle timeout, the backend's keep-alive limit, lifetime with jitter, and the request budget. */
class PoolExpiryTest {

    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration NANO = Duration.ofNanos(1);

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = settings().idleTimeout(IDLE_TIMEOUT).build();

    @Test
    void anIdleConnectionIsEvictedWhenItsIdleTimeoutEnds() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);

        h.clock.advance(IDLE_TIMEOUT.minus(NANO));
        h.assertCounts(A, 1, 0, 0, 0);

        h.clock.advance(NANO);
        assertThat(connection.isOpen()).isFalse();
        assertThat(connection.isWatched()).as("disarmed before closing").isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void theIdleTimeoutCountsFromTheLastRecycle() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);
        h.clock.advance(Duration.ofSeconds(20));
        h.leaseHit(A, settings).recycle();

        h.clock.advance(Duration.ofSeconds(20)); // the first idle period's timer fires here and must look again
        assertThat(connection.isOpen()).isTrue();
        h.assertCounts(A, 1, 0, 0, 0);

        h.clock.advance(Duration.ofSeconds(10));
        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.evictions).singleElement().satisfies(eviction -> {
            assertThat(eviction.reason()).isEqualTo(EvictionReason.IDLE_TIMEOUT);
            assertThat(eviction.atElapsedNanos()).isEqualTo(Duration.ofSeconds(50).toNanos());
        });
    }

    @Test
    void aLeaseAndRecycleCostNoTimerOperations() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);
        long before = h.clock.timerOperations();

        for (int request = 0; request < 100; request++) {
            h.clock.advance(Duration.ofMillis(10));
            h.leaseHit(A, settings).recycle();
        }

        assertThat(h.clock.timerOperations()).as("the expiry timer stays armed across leases").isEqualTo(before);
        h.clock.advance(IDLE_TIMEOUT);
        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.evictions).singleElement().satisfies(eviction ->
                assertThat(eviction.atElapsedNanos()).isEqualTo(Duration.ofMillis(1000).plus(IDLE_TIMEOUT).toNanos()));
    }

    @Test
    void aShorterIdleTimeoutTakesEffectOnTheNextRecycle() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);
        PoolSettings shorter = settings().idleTimeout(Duration.ofSeconds(5)).build();

        h.leaseHit(A, shorter).recycle();
        h.clock.advance(Duration.ofSeconds(5));

        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
    }

    @Test
    void theBackendsKeepAliveTimeoutCutsIdleTimeStrictlyBelowIt() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();

        lease.recycle(Duration.ofSeconds(5)); // Keep-Alive: timeout=5

        h.clock.advance(Duration.ofSeconds(4).minus(NANO));
        h.assertCounts(A, 1, 0, 0, 0);
        h.clock.advance(NANO);
        assertThat(connection.isOpen()).as("gone a full margin before the backend's 5 s").isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aShortKeepAliveTimeoutLosesAQuarterNotAWholeSecond() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();

        lease.recycle(Duration.ofSeconds(1));

        h.clock.advance(Duration.ofMillis(750).minus(NANO));
        assertThat(connection.isOpen()).isTrue();
        h.clock.advance(NANO);
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void theKeepAliveTimeoutStaysWithTheConnectionOnLaterRecycles() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();
        lease.recycle(Duration.ofSeconds(5));
        h.leaseHit(A, settings).recycle(); // this response carried no Keep-Alive header

        h.clock.advance(Duration.ofSeconds(4));

        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
    }

    @Test
    void aKeepAliveTimeoutOfZeroClosesOnRecycle() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);

        lease.recycle(Duration.ZERO);

        assertThat(h.connector.made().get(0).isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void lifetimesAreJitteredSoConnectionsMadeTogetherExpireApart() {
        Duration maxLifetime = Duration.ofMinutes(10);
        Duration jitter = Duration.ofMinutes(1);
        PoolSettings jittered = settings().idleTimeout(Duration.ofDays(1)).maxLifetime(maxLifetime, jitter).build();
        int count = 50;
        h.idleConnections(A, jittered, count);

        h.clock.advance(maxLifetime);

        assertThat(h.listener.evictions).hasSize(count)
                .allSatisfy(eviction -> assertThat(eviction.reason()).isEqualTo(EvictionReason.MAX_LIFETIME));
        List<Long> expiries = h.listener.evictions.stream().map(Eviction::atElapsedNanos).toList();
        assertThat(expiries).doesNotHaveDuplicates()
                .allSatisfy(at -> assertThat(at).isBetween(maxLifetime.minus(jitter).toNanos(), maxLifetime.toNanos()));
        long spread = expiries.get(expiries.size() - 1) - expiries.get(0);
        assertThat(spread).as("spread over most of the jitter").isGreaterThan(jitter.toNanos() / 2);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void theSameSeedGivesTheSameLifetimes() {
        PoolSettings jittered = settings().idleTimeout(Duration.ofDays(1))
                .maxLifetime(Duration.ofMinutes(10), Duration.ofMinutes(1)).build();
        PoolHarness other = new PoolHarness();
        h.idleConnections(A, jittered, 5);
        other.idleConnections(A, jittered, 5);

        h.clock.advance(Duration.ofMinutes(10));
        other.clock.advance(Duration.ofMinutes(10));

        assertThat(h.listener.evictions).isEqualTo(other.listener.evictions);
    }

    @Test
    void aLeasedConnectionPastItsLifetimeIsClosedOnRecycle() {
        PoolSettings tenMinutes = settings().maxLifetime(Duration.ofMinutes(10), Duration.ZERO).build();
        Lease<FakeConnection> lease = h.leaseFresh(A, tenMinutes);

        h.clock.advance(Duration.ofMinutes(10));
        h.assertCounts(A, 0, 1, 0, 0);
        lease.recycle();

        assertThat(lease.age()).isEqualTo(Duration.ofMinutes(10));
        assertThat(h.connector.made().get(0).isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_LIFETIME);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void anIdleConnectionIsEvictedWhenItsLifetimeEndsEvenIfRecentlyUsed() {
        PoolSettings oneMinute = settings().idleTimeout(Duration.ofMinutes(5))
                .maxLifetime(Duration.ofMinutes(1), Duration.ZERO).build();
        FakeConnection connection = h.idleConnections(A, oneMinute, 1).get(0);
        h.clock.advance(Duration.ofSeconds(50));
        h.leaseHit(A, oneMinute).recycle();

        h.clock.advance(Duration.ofSeconds(10));

        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_LIFETIME);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void afterMaxRequestsTheConnectionIsClosedOnRecycle() {
        PoolSettings three = settings().maxRequests(3).build();
        Lease<FakeConnection> first = h.leaseFresh(A, three);
        first.recycle();
        Lease<FakeConnection> second = h.leaseHit(A, three);
        second.recycle();
        Lease<FakeConnection> third = h.leaseHit(A, three);
        assertThat(third.requestCount()).isEqualTo(3);

        third.recycle();

        assertThat(h.listener.evictions).singleElement().satisfies(eviction -> {
            assertThat(eviction.reason()).isEqualTo(EvictionReason.MAX_REQUESTS);
            assertThat(eviction.requestsServed()).isEqualTo(3);
        });
        h.assertCounts(A, 0, 0, 0, 0);
        h.leaseFresh(A, three); // a miss: the spent connection is gone
    }

    @Test
    void requestBudgetsDifferByUpToATenthSoConnectionsStartedTogetherRetireApart() {
        PoolSettings hundred = settings().maxRequests(100).build();
        java.util.Set<Long> served = new java.util.TreeSet<>();
        for (int connection = 0; connection < 20; connection++) {
            served.add(requestsUntilRetired(hundred));
        }
        assertThat(served).allSatisfy(count -> assertThat(count).isBetween(90L, 100L));
        assertThat(served).hasSizeGreaterThan(3); // 20 draws from 11 values
        assertThat(h.listener.reasons()).containsOnly(EvictionReason.MAX_REQUESTS);
    }

    @Test
    void aBudgetUnderTenIsExact() {
        PoolSettings nine = settings().maxRequests(9).build();
        for (int connection = 0; connection < 5; connection++) {
            assertThat(requestsUntilRetired(nine)).isEqualTo(9);
        }
    }

    /** Leases one new connection and reuses it until the pool retires it; how many requests it served. */
    private long requestsUntilRetired(PoolSettings settings) {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        int evictions = h.listener.evictions.size();
        while (true) {
            long count = lease.requestCount();
            lease.recycle();
            if (h.listener.evictions.size() > evictions) {
                assertThat(h.listener.evictions.get(evictions).requestsServed()).isEqualTo(count);
                return count;
            }
            lease = h.leaseHit(A, settings);
        }
    }

    @Test
    void aLeaseSkipsIdleConnectionsThatDiedUnnoticedAndTakesTheNextGoodOne() {
        List<FakeConnection> connections = h.idleConnections(A, settings, 3);
        connections.get(2).peerClosesUnnoticed(); // the FIN is in flight; the watcher has not fired
        connections.get(1).peerClosesUnnoticed();

        Lease<FakeConnection> lease = h.leaseHit(A, settings);

        assertThat(lease.connection()).isSameAs(connections.get(0));
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CLOSED_BY_PEER, EvictionReason.CLOSED_BY_PEER);
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void aLeaseSkipsIdleConnectionsWhoseTimersAreLate() {
        PoolSettings oneMinute = settings().idleTimeout(Duration.ofMinutes(5))
                .maxLifetime(Duration.ofMinutes(1), Duration.ZERO).build();
        FakeConnection old = h.idleConnections(A, oneMinute, 1).get(0);
        h.clock.advance(Duration.ofSeconds(30));
        Lease<FakeConnection> oldLease = h.leaseHit(A, oneMinute);
        Lease<FakeConnection> youngLease = h.leaseFresh(A, oneMinute);
        FakeConnection young = youngLease.connection();
        youngLease.recycle();
        oldLease.recycle(); // the old one is now the newest on the stack
        h.clock.advanceWithoutRunningTasks(Duration.ofSeconds(30)); // the loop was busy: old's timer is late

        Lease<FakeConnection> lease = h.leaseHit(A, oneMinute);

        assertThat(lease.connection()).isSameAs(young);
        assertThat(old.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_LIFETIME);
        h.assertCounts(A, 0, 1, 0, 0);
        h.clock.advance(Duration.ZERO); // the late timers run now and find nothing to do
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void whenEveryIdleConnectionIsStaleTheLeaseConnects() {
        List<FakeConnection> connections = h.idleConnections(A, settings, 2);
        connections.forEach(FakeConnection::peerClosesUnnoticed);

        LeaseRecorder recorder = h.lease(A, settings);

        recorder.assertUnanswered();
        h.assertCounts(A, 0, 0, 1, 0);
        h.connector.complete();
        assertThat(recorder.lease().reused()).isFalse();
        assertThat(h.stats(A).evictions(EvictionReason.CLOSED_BY_PEER)).isEqualTo(2);
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void aLoweredRequestBudgetAppliesToConnectionsAlreadyIdle() {
        h.idleConnections(A, settings, 1);
        h.leaseHit(A, settings).recycle();
        PoolSettings two = settings().maxRequests(2).build();

        LeaseRecorder recorder = h.lease(A, two);

        recorder.assertUnanswered();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_REQUESTS);
        h.assertCounts(A, 0, 0, 1, 0);
    }
}
