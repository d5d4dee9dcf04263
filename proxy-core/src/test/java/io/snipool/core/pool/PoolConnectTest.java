package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** Connects the pool makes: success, failure, connect_timeout, and what happens to a connection nobody waits for. */
class PoolConnectTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = settings().connectTimeout(CONNECT_TIMEOUT).build();

    @Test
    void aMissConnectsAndHandsOverAFreshConnection() {
        LeaseRecorder recorder = h.lease(A, settings);
        recorder.assertUnanswered();
        h.assertCounts(A, 0, 0, 1, 0);

        FakeConnection connection = h.connector.complete();

        Lease<FakeConnection> lease = recorder.lease();
        assertThat(lease.connection()).isSameAs(connection);
        assertThat(lease.reused()).isFalse();
        assertThat(lease.requestCount()).isEqualTo(1);
        assertThat(h.listener.connected).isEqualTo(1);
        assertThat(h.stats(A).connectionsCreated()).isEqualTo(1);
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void aFailedConnectFailsTheLeaseWithItsCause() {
        LeaseRecorder recorder = h.lease(A, settings);
        IOException refused = new IOException("connection refused");

        h.connector.fail(refused);

        assertThat(recorder.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_FAILED);
        assertThat(recorder.failure().cause()).isSameAs(refused);
        assertThat(h.listener.connectFailures).containsExactly(recorder.failure());
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aConnectThatTakesTooLongFailsAndItsLateConnectionIsClosed() {
        LeaseRecorder recorder = h.lease(A, settings);

        h.clock.advance(CONNECT_TIMEOUT);

        assertThat(recorder.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_TIMEOUT);
        assertThat(h.listener.connectFailures).hasSize(1);
        h.assertCounts(A, 0, 0, 0, 0);

        FakeConnection late = h.connector.complete();

        assertThat(late.isOpen()).as("not leaked").isFalse();
        assertThat(late.isWatched()).isFalse();
        assertThat(h.listener.connected).isZero();
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aLateFailureAfterTheTimeoutIsIgnored() {
        LeaseRecorder recorder = h.lease(A, settings);
        h.clock.advance(CONNECT_TIMEOUT);

        h.connector.fail(new IOException("gave up"));

        assertThat(recorder.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_TIMEOUT);
        assertThat(h.listener.connectFailures).hasSize(1);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aConnectDoneInTimeCancelsItsTimeout() {
        LeaseRecorder recorder = h.lease(A, settings);
        h.connector.complete();

        h.clock.advance(CONNECT_TIMEOUT.multipliedBy(2));

        assertThat(recorder.lease().connection().isOpen()).isTrue();
        assertThat(h.listener.connectFailures).isEmpty();
        h.assertCounts(A, 0, 1, 0, 0);
    }

    @Test
    void theConnectionOfACancelledLeaseGoesIdle() {
        LeaseRecorder recorder = h.lease(A, settings);
        recorder.handle.cancel();
        h.assertCounts(A, 0, 0, 1, 0);

        FakeConnection connection = h.connector.complete();

        recorder.assertUnanswered();
        assertThat(connection.isWatched()).isTrue();
        h.assertCounts(A, 1, 0, 0, 0);
        assertThat(h.leaseHit(A, settings).connection()).isSameAs(connection);
    }

    @Test
    void aConnectorThatCompletesAtOnceAnswersBeforeLeaseReturns() {
        h.connector.completeSynchronously();

        LeaseRecorder recorder = h.lease(A, settings);

        assertThat(recorder.lease().reused()).isFalse();
        recorder.handle.cancel(); // too late to matter
        h.assertCounts(A, 0, 1, 0, 0);
        h.clock.advance(CONNECT_TIMEOUT);
        assertThat(h.listener.connectFailures).isEmpty();
    }

    @Test
    void aConnectorThatThrowsFailsTheLease() {
        PoolHarness throwing = new PoolHarness();
        ConnectionPool<String, FakeConnection> pool = new ConnectionPool<>((key, poolSettings, callback) -> {
            throw new IllegalArgumentException("no route to " + key);
        }, throwing.clock, throwing.budget, throwing.listener, new java.util.SplittableRandom(1));
        LeaseRecorder recorder = new LeaseRecorder();

        pool.lease(A, settings, recorder);

        assertThat(recorder.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_FAILED);
        assertThat(recorder.failure().cause()).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.snapshot().keys()).isEmpty();
        assertThat(throwing.clock.scheduledTasks()).as("timeout timer cancelled").isZero();
    }
}
