package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.PoolHarness.B;
import static io.snipool.core.pool.PoolHarness.C;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** Shutdown: idle connections closed, waiters failed, later leases refused, leases out allowed to finish. */
class PoolShutdownTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();
    private final PoolSettings capOne = settings().maxConnectionsPerHost(1).build();

    @Test
    void shutdownClosesIdleFailsWaitersAndLetsLeasesOutFinish() {
        List<FakeConnection> idle = h.idleConnections(A, settings, 2);
        Lease<FakeConnection> active = h.leaseHit(A, settings);
        LeaseRecorder connecting = h.lease(B, capOne);
        LeaseRecorder waiter = h.lease(B, capOne);
        h.pool.prewarm(C, settings().minIdle(3, 1).build()); // one connect now, the next on a timer

        h.pool.shutdown();

        assertThat(idle.get(0).isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.SHUTDOWN);
        assertThat(waiter.failure().kind()).isEqualTo(LeaseFailure.Kind.CLOSED);
        h.assertCounts(A, 0, 1, 0, 0);
        h.assertCounts(B, 0, 0, 1, 0);

        h.connector.complete();
        Lease<FakeConnection> late = connecting.lease();
        late.recycle();
        active.recycle();
        FakeConnection prewarmed = h.connector.complete();

        assertThat(prewarmed.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsOnly(EvictionReason.SHUTDOWN).hasSize(4);
        assertThat(h.pool.snapshot().keys()).isEmpty();
        assertThat(h.budget.used()).isZero();
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.connector.inFlight()).as("prewarming stopped").isZero();
        assertThat(h.clock.scheduledTasks()).isZero();
        h.assertConsistent();
    }

    @Test
    void afterShutdownLeasesFailAtOnceAndPrewarmDoesNothing() {
        h.pool.shutdown();

        LeaseRecorder recorder = h.lease(A, settings);
        h.pool.prewarm(A, settings().minIdle(1, 1).build());

        assertThat(recorder.failure().kind()).isEqualTo(LeaseFailure.Kind.CLOSED);
        assertThat(h.connector.requestedKeys()).isEmpty();
        assertThat(h.pool.isShutDown()).isTrue();
    }

    @Test
    void shutdownTwiceIsHarmless() {
        h.idleConnections(A, settings, 1);

        h.pool.shutdown();
        h.pool.shutdown();

        assertThat(h.listener.evictions).hasSize(1);
        h.assertCounts(A, 0, 0, 0, 0);
    }
}
