package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code min_idle_per_host}: prewarming at {@code prewarm_rate}, and what the minimum is protected from. */
class PoolPrewarmTest {

    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final PoolHarness h = new PoolHarness();

    @Test
    void prewarmOpensTheMinimumNoFasterThanTheRate() {
        PoolSettings threeAtTwoPerSecond = settings().minIdle(3, 2).build();

        h.pool.prewarm(A, threeAtTwoPerSecond);
        assertThat(h.connector.inFlight()).isEqualTo(1);
        h.connector.complete(); // finishing quickly does not let the next one start early

        h.clock.advance(Duration.ofMillis(499));
        assertThat(h.connector.inFlight()).isZero();
        h.clock.advance(Duration.ofMillis(1));
        assertThat(h.connector.inFlight()).isEqualTo(1);
        h.clock.advance(Duration.ofMillis(500));
        assertThat(h.connector.inFlight()).isEqualTo(2);
        h.connector.completeAll();
        h.clock.advance(Duration.ofSeconds(10));

        assertThat(h.connector.inFlight()).as("three is the minimum, not more").isZero();
        h.assertCounts(A, 3, 0, 0, 0);
        assertThat(h.listener.hits).isEmpty();
        assertThat(h.listener.misses).as("prewarming is neither a hit nor a miss").isEmpty();
        assertThat(h.stats(A).connectionsCreated()).isEqualTo(3);
    }

    @Test
    void aKeyBecomesKnownOnItsFirstLeaseAndIsKeptAtItsMinimum() {
        PoolSettings oneSpare = settings().minIdle(1, 1).build();

        LeaseRecorder recorder = h.lease(A, oneSpare);

        assertThat(h.connector.inFlight()).as("the lease's connect and one spare").isEqualTo(2);
        h.connector.completeAll();
        assertThat(recorder.lease().reused()).isFalse();
        h.assertCounts(A, 1, 1, 0, 0);

        h.leaseHit(A, oneSpare);
        h.assertCounts(A, 0, 2, 0, 0);
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.connector.inFlight()).as("the spare, once leased, is replaced").isEqualTo(1);
    }

    @Test
    void connectionsWithinTheMinimumOutliveTheIdleTimeoutButTheSurplusDoesNot() {
        PoolSettings twoSpare = settings().idleTimeout(IDLE_TIMEOUT).minIdle(2, 1000).build();
        h.pool.prewarm(A, twoSpare);
        h.clock.advance(Duration.ofMillis(1));
        FakeConnection coldest = h.connector.completeAll().get(0);
        Lease<FakeConnection> lease = h.leaseHit(A, twoSpare);
        h.clock.advance(Duration.ofMillis(1));
        h.connector.complete(); // the replacement for the leased spare
        lease.recycle();
        h.assertCounts(A, 3, 0, 0, 0);

        h.clock.advance(IDLE_TIMEOUT);
        assertThat(coldest.isOpen()).as("the coldest is surplus").isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
        h.clock.advance(IDLE_TIMEOUT.multipliedBy(10));

        assertThat(h.listener.evictions).hasSize(1);
        assertThat(h.connector.requestedKeys()).as("no churn").hasSize(3);
        h.assertCounts(A, 2, 0, 0, 0);
    }

    @Test
    void theMinimumIsNotProtectedFromLifetimeAndIsRefilled() {
        // Without min_idle_for_age the replacement starts only once the old connection is gone (PoolRotationTest).
        PoolSettings oneSpare = settings().idleTimeout(IDLE_TIMEOUT)
                .maxLifetime(Duration.ofMinutes(1), Duration.ZERO).minIdle(1, 1).minIdleForAge(Duration.ZERO).build();
        h.pool.prewarm(A, oneSpare);
        FakeConnection warm = h.connector.complete();

        h.clock.advance(Duration.ofMinutes(1));

        assertThat(warm.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_LIFETIME);
        h.assertCounts(A, 0, 0, 1, 0);
        h.connector.complete();
        h.assertCounts(A, 1, 0, 0, 0);
    }

    @Test
    void theMinimumIsNotProtectedFromPeerCloseOrStrayBytes() {
        PoolSettings twoSpare = settings().minIdle(2, 1000).build();
        h.pool.prewarm(A, twoSpare);
        h.clock.advance(Duration.ofMillis(1));
        List<FakeConnection> warm = h.connector.completeAll();

        warm.get(0).peerCloses();
        warm.get(1).peerSendsBytes();

        assertThat(h.listener.reasons())
                .containsExactly(EvictionReason.CLOSED_BY_PEER, EvictionReason.UNEXPECTED_DATA);
        h.assertCounts(A, 0, 0, 0, 0);
        h.clock.advance(Duration.ofMillis(1));
        h.assertCounts(A, 0, 0, 1, 0); // replacements are spaced by the rate too
        h.clock.advance(Duration.ofMillis(1));
        h.assertCounts(A, 0, 0, 2, 0);
    }

    @Test
    void theMinimumIsNotProtectedFromTheBackendsKeepAliveLimit() {
        PoolSettings oneSpare = settings().idleTimeout(IDLE_TIMEOUT).minIdle(1, 1).build();
        h.pool.prewarm(A, oneSpare);
        h.connector.complete();
        Lease<FakeConnection> lease = h.leaseHit(A, oneSpare);
        lease.recycle(Duration.ofSeconds(5)); // back before the replacement's turn: it is the one spare again
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.connector.inFlight()).isZero();

        h.clock.advance(Duration.ofSeconds(3));

        assertThat(h.listener.reasons()).containsExactly(EvictionReason.IDLE_TIMEOUT);
        h.assertCounts(A, 0, 0, 1, 0);
    }

    @Test
    void prewarmingNeverExceedsTheConnectionCap() {
        PoolSettings capped = settings().maxConnectionsPerHost(2).minIdle(2, 1000).build();
        LeaseRecorder first = h.lease(A, capped);
        LeaseRecorder second = h.lease(A, capped);
        h.assertCounts(A, 0, 0, 2, 1);

        h.connector.completeAll();
        h.clock.advance(Duration.ofSeconds(1));

        assertThat(second.lease().reused()).as("the prewarmed connection went to the waiter").isTrue();
        assertThat(h.connector.inFlight()).isZero();
        h.assertCounts(A, 0, 2, 0, 0);
        first.lease().recycle();
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.connector.inFlight()).isZero();
        h.assertCounts(A, 1, 1, 0, 0);
    }

    @Test
    void aFailedPrewarmBacksOffBeforeTryingAgain() {
        h.pool.prewarm(A, settings().minIdle(1, 100).build());

        h.connector.fail(new IOException("connection refused"));

        h.clock.advance(Prewarmer.FAILURE_BACKOFF.minusNanos(1));
        assertThat(h.connector.inFlight()).isZero();
        h.clock.advance(Duration.ofNanos(1));
        assertThat(h.connector.inFlight()).isEqualTo(1);
        assertThat(h.listener.connectFailures).hasSize(1);
        assertThat(h.listener.leaseFailures).as("no lease was waiting").isEmpty();
    }

    @Test
    void nothingIsPrewarmedWithoutRoomInTheGlobalCap() {
        PoolHarness full = new PoolHarness(new IdleBudget(1));
        full.idleConnections(PoolHarness.B, TestSettings.defaults(), 1);

        full.pool.prewarm(A, settings().minIdle(1, 1).build());
        full.clock.advance(Duration.ofSeconds(10));

        assertThat(full.connector.inFlight()).isZero();
        full.assertCounts(A, 0, 0, 0, 0);
        assertThat(full.pool.snapshot().key(A)).as("still known, to be filled later").isPresent();
    }

    @Test
    void aDisabledPoolPrewarmsNothing() {
        h.pool.prewarm(A, settings().disabled().minIdle(2, 10).build());
        h.clock.advance(Duration.ofSeconds(1));

        assertThat(h.connector.inFlight()).isZero();
        assertThat(h.pool.snapshot().keys()).isEmpty();
    }
}
