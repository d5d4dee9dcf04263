package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code max_connections_per_host} and the FIFO queue of leases beyond it. */
class PoolWaitQueueTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings capTwo = settings().maxConnectionsPerHost(2).maxPendingPerHost(3)
            .connectTimeout(CONNECT_TIMEOUT).build();

    @Test
    void leasesBeyondTheCapWaitAndAreServedInOrderByRecycleAndByClose() {
        LeaseRecorder first = h.lease(A, capTwo);
        LeaseRecorder second = h.lease(A, capTwo);
        LeaseRecorder third = h.lease(A, capTwo);
        LeaseRecorder fourth = h.lease(A, capTwo);
        assertThat(h.connector.inFlight()).as("connects stop at the cap").isEqualTo(2);
        h.assertCounts(A, 0, 0, 2, 2);
        h.connector.completeAll();
        h.assertCounts(A, 0, 2, 0, 2);
        third.assertUnanswered();

        FakeConnection recycled = first.lease().connection();
        first.lease().recycle();

        assertThat(third.lease().connection()).as("handed over, not parked idle").isSameAs(recycled);
        assertThat(third.lease().reused()).isTrue();
        fourth.assertUnanswered();
        h.assertCounts(A, 0, 2, 0, 1);

        second.lease().close(EvictionReason.NOT_REUSABLE);

        h.assertCounts(A, 0, 1, 1, 0);
        h.connector.complete();
        assertThat(fourth.lease().reused()).as("the freed slot made a new connection").isFalse();
        h.assertCounts(A, 0, 2, 0, 0);
        assertThat(h.stats(A).hits()).isEqualTo(1);
        assertThat(h.stats(A).misses()).isEqualTo(3);
    }

    @Test
    void waitersAreServedFirstComeFirstServed() {
        h.lease(A, capTwo);
        LeaseRecorder holder = h.lease(A, capTwo);
        h.connector.completeAll();
        List<LeaseRecorder> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(h.lease(A, capTwo));
        }

        for (int i = 0; i < waiters.size(); i++) {
            holder.lease().recycle();
            assertThat(waiters.get(i).lease().reused()).isTrue();
            waiters.subList(i + 1, waiters.size()).forEach(LeaseRecorder::assertUnanswered);
            holder = waiters.get(i);
        }
        h.assertCounts(A, 0, 2, 0, 0);
    }

    @Test
    void idleConnectionsCountTowardsTheCap() {
        h.idleConnections(A, capTwo, 2);
        h.assertCounts(A, 2, 0, 0, 0);

        h.leaseHit(A, capTwo);
        h.leaseHit(A, capTwo);
        LeaseRecorder third = h.lease(A, capTwo);

        third.assertUnanswered();
        assertThat(h.connector.inFlight()).isZero();
        h.assertCounts(A, 0, 2, 0, 1);
    }

    @Test
    void theConnectOfACancelledLeaseServesAWaiter() {
        h.lease(A, capTwo);
        LeaseRecorder cancelled = h.lease(A, capTwo);
        LeaseRecorder waiter = h.lease(A, capTwo);
        cancelled.handle.cancel();
        h.assertCounts(A, 0, 0, 2, 1);

        h.connector.completeAll();

        cancelled.assertUnanswered();
        assertThat(waiter.lease().connection()).isSameAs(h.connector.made().get(1));
        h.assertCounts(A, 0, 2, 0, 0);
    }

    @Test
    void aFullQueueFailsTheLeaseAtOnce() {
        for (int i = 0; i < 5; i++) {
            h.lease(A, capTwo);
        }

        LeaseRecorder sixth = h.lease(A, capTwo);

        assertThat(sixth.failure().kind()).isEqualTo(LeaseFailure.Kind.QUEUE_FULL);
        assertThat(sixth.failure().message()).contains("limit 3").contains("got 4");
        assertThat(h.listener.leaseFailures).containsExactly(sixth.failure());
        h.assertCounts(A, 0, 0, 2, 3);
    }

    @Test
    void withNoQueueALeaseBeyondTheCapFailsAtOnce() {
        PoolSettings noQueue = settings().maxConnectionsPerHost(1).maxPendingPerHost(0).build();
        h.lease(A, noQueue);

        assertThat(h.lease(A, noQueue).failure().kind()).isEqualTo(LeaseFailure.Kind.QUEUE_FULL);
        h.assertCounts(A, 0, 0, 1, 0);
    }

    @Test
    void aWaiterOlderThanTheConnectTimeoutFails() {
        h.lease(A, capTwo);
        h.lease(A, capTwo);
        h.connector.completeAll();
        LeaseRecorder waiter = h.lease(A, capTwo);

        h.clock.advance(CONNECT_TIMEOUT.minusNanos(1));
        waiter.assertUnanswered();
        h.clock.advance(Duration.ofNanos(1));

        assertThat(waiter.failure().kind()).isEqualTo(LeaseFailure.Kind.WAIT_TIMEOUT);
        assertThat(waiter.failure().message()).contains("max_connections_per_host 2");
        h.assertCounts(A, 0, 2, 0, 0);
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndIsNeverAnswered() {
        LeaseRecorder first = h.lease(A, capTwo);
        h.lease(A, capTwo);
        h.connector.completeAll();
        LeaseRecorder cancelled = h.lease(A, capTwo);
        LeaseRecorder next = h.lease(A, capTwo);

        cancelled.handle.cancel();
        h.assertCounts(A, 0, 2, 0, 1);
        first.lease().recycle();

        cancelled.assertUnanswered();
        assertThat(next.lease().reused()).isTrue();
        h.clock.advance(CONNECT_TIMEOUT);
        cancelled.assertUnanswered();
        h.assertCounts(A, 0, 2, 0, 0);
    }

    @Test
    void aSlotFreedByAFailedConnectGoesToTheNextWaiter() {
        PoolSettings capOne = settings().maxConnectionsPerHost(1).build();
        LeaseRecorder first = h.lease(A, capOne);
        LeaseRecorder waiter = h.lease(A, capOne);

        h.connector.fail(new IOException("connection refused"));

        assertThat(first.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_FAILED);
        waiter.assertUnanswered();
        h.assertCounts(A, 0, 0, 1, 0);
        h.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
    }

    @Test
    void raisingTheCapLetsWaitersConnect() {
        PoolSettings capOne = settings().maxConnectionsPerHost(1).build();
        h.lease(A, capOne);
        LeaseRecorder waiter = h.lease(A, capOne);
        h.assertCounts(A, 0, 0, 1, 1);

        LeaseRecorder third = h.lease(A, capTwo);

        h.assertCounts(A, 0, 0, 2, 1);
        h.connector.completeAll();
        assertThat(waiter.lease().reused()).isFalse();
        third.assertUnanswered();
    }

    @Test
    void aFreshLeaseAtTheCapClosesTheColdestIdleConnectionToConnect() {
        List<FakeConnection> idle = h.idleConnections(A, capTwo, 2);
        LeaseRecorder fresh = new LeaseRecorder();

        h.pool.lease(A, capTwo, fresh, true);

        assertThat(idle.get(0).isOpen()).as("its slot is worth more to a waiting lease").isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CAPACITY);
        h.assertCounts(A, 1, 0, 1, 0);
        h.connector.complete();
        assertThat(fresh.lease().reused()).isFalse();
        h.assertCounts(A, 1, 1, 0, 0);
    }

    @Test
    void withoutACapThereIsNoQueue() {
        PoolSettings unlimited = settings().maxConnectionsPerHost(0).maxPendingPerHost(0).build();
        for (int i = 0; i < 100; i++) {
            h.lease(A, unlimited);
        }

        h.assertCounts(A, 0, 0, 100, 0);
        h.connector.completeAll();
        h.assertCounts(A, 0, 100, 0, 0);
    }
}
