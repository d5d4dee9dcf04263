package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.PoolHarness.assertLoopsConsistent;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code max_connections_per_host} across the pools of two event loops, each on a manual clock of its own: what one
 * loop asks of the other runs only when the test runs that loop's clock.
 */
class PoolSharedCapTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final PoolHarness a = new PoolHarness();
    private final PoolHarness b = PoolHarness.onAnotherLoop(a);
    private final PoolSettings capOne = capped(1);
    private final PoolSettings capTwo = capped(2);

    private static PoolSettings capped(int maxConnections) {
        return settings().maxConnectionsPerHost(maxConnections).maxPendingPerHost(4).connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    @Test
    void theCapHoldsForBothLoopsTogether() {
        PoolSettings capThree = capped(3);
        a.leaseFresh(A, capThree);
        a.leaseFresh(A, capThree);
        b.leaseFresh(A, capThree);

        LeaseRecorder onA = a.lease(A, capThree);
        LeaseRecorder onB = b.lease(A, capThree);

        onA.assertUnanswered();
        onB.assertUnanswered();
        assertThat(a.connector.inFlight() + b.connector.inFlight()).as("no connect beyond the cap").isZero();
        assertThat(a.slots.used(A)).isEqualTo(3);
        a.assertCounts(A, 0, 2, 0, 1);
        b.assertCounts(A, 0, 1, 0, 1);
        assertLoopsConsistent(a, b);
    }

    @Test
    void aCloseOnOneLoopWakesTheOtherLoopsWaiterOnItsOwnThread() {
        Lease<FakeConnection> held = a.leaseFresh(A, capTwo);
        a.leaseFresh(A, capTwo);
        LeaseRecorder waiter = b.lease(A, capTwo);
        b.assertCounts(A, 0, 0, 0, 1);

        held.close(EvictionReason.NOT_REUSABLE);

        assertThat(b.connector.inFlight()).as("nothing of B's runs on A's thread").isZero();
        waiter.assertUnanswered();
        b.runLoop();
        assertThat(b.connector.inFlight()).isEqualTo(1);
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        b.assertCounts(A, 0, 1, 0, 0);
        assertLoopsConsistent(a, b);
    }

    @Test
    void aWokenLoopThatFindsTheSlotTakenWaitsForTheNextOne() {
        PoolSettings capThree = capped(3);
        Lease<FakeConnection> first = a.leaseFresh(A, capThree);
        Lease<FakeConnection> second = a.leaseFresh(A, capThree);
        b.leaseFresh(A, capThree);
        LeaseRecorder waiter = b.lease(A, capThree);

        first.close(EvictionReason.ERROR);
        a.leaseFresh(A, capThree); // below its share, A's own lease takes the slot first: not FIFO across loops
        b.runLoop();

        waiter.assertUnanswered();
        assertThat(b.connector.inFlight()).isZero();
        second.close(EvictionReason.ERROR);
        b.runLoop();
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }

    @Test
    void aLoopAtItsFairShareLeavesAFreedSlotToTheLoopThatWaits() {
        Lease<FakeConnection> first = a.leaseFresh(A, capTwo);
        a.leaseFresh(A, capTwo);
        LeaseRecorder onB = b.lease(A, capTwo);

        first.close(EvictionReason.ERROR);
        LeaseRecorder onA = a.lease(A, capTwo);

        onA.assertUnanswered();
        assertThat(a.connector.inFlight()).as("A holds its share of two loops: one").isZero();
        b.runLoop();
        b.connector.complete();
        assertThat(onB.lease().reused()).isFalse();
        a.assertCounts(A, 0, 1, 0, 1);
        assertLoopsConsistent(a, b);
    }

    @Test
    void aLoopAboveItsFairShareClosesAReturnedConnectionEvenWithWaitersOfItsOwn() {
        Lease<FakeConnection> first = a.leaseFresh(A, capTwo);
        Lease<FakeConnection> second = a.leaseFresh(A, capTwo);
        LeaseRecorder onA = a.lease(A, capTwo);
        LeaseRecorder onB = b.lease(A, capTwo);

        first.recycle();

        assertThat(a.listener.reasons()).as("keep-alive on A must not starve B").containsExactly(
                EvictionReason.CAPACITY);
        onA.assertUnanswered();
        b.runLoop();
        b.connector.complete();
        assertThat(onB.lease().reused()).isFalse();
        FakeConnection kept = second.connection();
        second.recycle();
        assertThat(onA.lease().connection()).as("within its share A serves its own queue").isSameAs(kept);
        a.assertCounts(A, 0, 1, 0, 0);
        assertLoopsConsistent(a, b);
    }

    @Test
    void whenALoopStopsWaitingTheOthersLookAgainWithTheirLargerShare() {
        PoolSettings capFour = capped(4);
        a.leaseFresh(A, capFour);
        a.leaseFresh(A, capFour);
        b.leaseFresh(A, capped(3));
        LeaseRecorder onB = b.lease(A, capped(3)); // B's route caps the key at three: full for B
        LeaseRecorder onA = a.lease(A, capFour); // a slot is free under A's four, but two of them is A's share

        onA.assertUnanswered();
        b.clock.advance(CONNECT_TIMEOUT);
        assertThat(onB.failure().kind()).isEqualTo(LeaseFailure.Kind.WAIT_TIMEOUT);
        a.runLoop();

        assertThat(a.connector.inFlight()).isEqualTo(1);
        a.connector.complete();
        assertThat(onA.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }

    @Test
    void aConnectionReturnedWhileAnotherLoopWaitsIsClosedToFreeItsSlot() {
        Lease<FakeConnection> held = a.leaseFresh(A, capTwo);
        a.leaseFresh(A, capTwo);
        LeaseRecorder waiter = b.lease(A, capTwo);

        held.recycle();

        assertThat(a.listener.reasons()).as("B cannot use A's connection, only its slot")
                .containsExactly(EvictionReason.CAPACITY);
        a.assertCounts(A, 0, 1, 0, 0);
        b.runLoop();
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }

    @Test
    void idleConnectionsOnOneLoopAreClosedOneByOneForAnotherLoopsWaiters() {
        List<FakeConnection> idleOnA = a.idleConnections(A, capTwo, 2);
        LeaseRecorder first = b.lease(A, capTwo);
        LeaseRecorder second = b.lease(A, capTwo);
        a.assertCounts(A, 2, 0, 0, 0);

        a.runLoop();
        assertThat(idleOnA.get(0).isOpen()).as("the coldest goes first").isFalse();
        assertThat(idleOnA.get(1).isOpen()).as("one per request").isTrue();
        b.runLoop();
        assertThat(b.connector.inFlight()).isEqualTo(1);
        a.runLoop();
        b.runLoop();

        assertThat(idleOnA.get(1).isOpen()).isFalse();
        assertThat(a.listener.reasons()).containsExactly(EvictionReason.CAPACITY, EvictionReason.CAPACITY);
        b.connector.completeAll();
        assertThat(first.lease().reused()).isFalse();
        assertThat(second.lease().reused()).isFalse();
        a.assertCounts(A, 0, 0, 0, 0);
        b.assertCounts(A, 0, 2, 0, 0);
        assertLoopsConsistent(a, b);
    }

    @Test
    void aFailedConnectFreesItsSlotForAnotherLoop() {
        LeaseRecorder first = a.lease(A, capOne);
        LeaseRecorder waiter = b.lease(A, capOne);

        a.connector.fail(new IOException("connection refused"));

        assertThat(first.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_FAILED);
        assertThat(a.slots.used(A)).isZero();
        b.runLoop();
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }

    @Test
    void aTimedOutConnectFreesItsSlotOnceAndItsLateConnectionIsClosed() {
        LeaseRecorder first = a.lease(A, capOne);
        LeaseRecorder waiter = b.lease(A, capOne);

        a.clock.advance(CONNECT_TIMEOUT);
        assertThat(first.failure().kind()).isEqualTo(LeaseFailure.Kind.CONNECT_TIMEOUT);
        b.runLoop();
        assertThat(a.slots.used(A)).as("B's connect holds the slot A's gave back").isEqualTo(1);
        FakeConnection late = a.connector.complete();

        assertThat(late.isOpen()).isFalse();
        assertThat(a.slots.used(A)).as("the late connection gives back nothing more").isEqualTo(1);
        a.lease(A, capOne).assertUnanswered();
        assertThat(a.connector.inFlight()).isZero();
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }

    @Test
    void prewarmingOnBothLoopsNeverExceedsTheCap() {
        PoolSettings warm = settings().maxConnectionsPerHost(3).minIdle(2, 1000).build();
        a.pool.prewarm(A, warm);
        b.pool.prewarm(A, warm);

        for (int step = 0; step < 20; step++) {
            a.clock.advance(Duration.ofMillis(1));
            b.clock.advance(Duration.ofMillis(1));
            assertThat(a.slots.used(A)).as("slots taken at step " + step).isLessThanOrEqualTo(3);
            a.connector.completeAll();
            b.connector.completeAll();
            assertLoopsConsistent(a, b);
        }

        a.assertCounts(A, 2, 0, 0, 0);
        b.assertCounts(A, 1, 0, 0, 0);
        a.connector.made().get(0).peerCloses();
        a.clock.advance(Prewarmer.CAP_RETRY);
        b.clock.advance(Prewarmer.CAP_RETRY);
        a.connector.completeAll();
        b.connector.completeAll();
        assertThat(a.held(A) + b.held(A)).as("the freed slot is warm again, on one loop").isEqualTo(3);
        assertLoopsConsistent(a, b);
    }

    @Test
    void prewarmingYieldsToALeaseWaitingOnAnotherLoopAndTriesAgainLater() {
        PoolSettings warm = settings().maxConnectionsPerHost(2).minIdle(1, 1000).build();
        b.pool.prewarm(A, warm);
        FakeConnection spare = b.connector.complete();
        Lease<FakeConnection> held = a.leaseFresh(A, capTwo);
        LeaseRecorder waiter = a.lease(A, capTwo);

        b.runLoop();
        assertThat(spare.isOpen()).as("a waiting request beats a spare, even within the minimum").isFalse();
        a.runLoop();
        a.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        b.clock.advance(Prewarmer.CAP_RETRY);
        assertThat(b.connector.inFlight()).as("the cap is still full").isZero();

        held.close(EvictionReason.NOT_REUSABLE);
        b.clock.advance(Prewarmer.CAP_RETRY);

        assertThat(b.connector.inFlight()).as("B's prewarmer looked again and found the slot").isEqualTo(1);
        b.connector.complete();
        b.assertCounts(A, 1, 0, 0, 0);
        assertLoopsConsistent(a, b);
    }

    @Test
    void anUncappedKeyIsCountedSoThatALaterCapSeesTheRealNumber() {
        PoolSettings uncapped = TestSettings.defaults();
        Lease<FakeConnection> onA = a.leaseFresh(A, uncapped);
        a.leaseFresh(A, uncapped);
        a.leaseFresh(A, uncapped);
        b.leaseFresh(A, uncapped);
        assertThat(a.slots.used(A)).isEqualTo(4);

        LeaseRecorder waiter = b.lease(A, capped(4));

        waiter.assertUnanswered();
        b.assertCounts(A, 0, 1, 0, 1);
        onA.close(EvictionReason.NOT_REUSABLE);
        b.runLoop();
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertThat(a.slots.used(A)).isEqualTo(4);
        assertLoopsConsistent(a, b);
    }

    @Test
    void eachLoopQueuesUpToItsOwnMaxPending() {
        PoolSettings onePending = settings().maxConnectionsPerHost(1).maxPendingPerHost(1).build();
        a.leaseFresh(A, onePending);

        a.lease(A, onePending).assertUnanswered();
        assertThat(a.lease(A, onePending).failure().kind()).isEqualTo(LeaseFailure.Kind.QUEUE_FULL);
        b.lease(A, onePending).assertUnanswered();
        assertThat(b.lease(A, onePending).failure().kind()).isEqualTo(LeaseFailure.Kind.QUEUE_FULL);

        a.assertCounts(A, 0, 1, 0, 1);
        b.assertCounts(A, 0, 0, 0, 1);
        assertLoopsConsistent(a, b);
    }

    @Test
    void aLoopWhoseWaitersLeftIsNoLongerWoken() {
        Lease<FakeConnection> held = a.leaseFresh(A, capOne);
        LeaseRecorder timedOut = b.lease(A, capOne);
        LeaseRecorder cancelled = b.lease(A, capOne);
        b.clock.advance(CONNECT_TIMEOUT.minusMillis(1));
        cancelled.handle.cancel();
        b.clock.advance(Duration.ofMillis(1));
        assertThat(timedOut.failure().kind()).isEqualTo(LeaseFailure.Kind.WAIT_TIMEOUT);

        held.close(EvictionReason.NOT_REUSABLE);

        assertThat(b.clock.scheduledTasks()).as("no wake for an empty queue").isZero();
        cancelled.assertUnanswered();
        assertLoopsConsistent(a, b);
        assertThat(a.slots.keys()).as("no loop tracks the key any more").isZero();
    }

    @Test
    void aLoopShuttingDownFreesItsSlotsForTheOthers() {
        a.leaseFresh(A, capTwo);
        a.idleConnections(A, capTwo, 1);
        LeaseRecorder waiter = b.lease(A, capTwo);

        a.pool.shutdown();
        b.runLoop();

        assertThat(b.connector.inFlight()).isEqualTo(1);
        b.connector.complete();
        assertThat(waiter.lease().reused()).isFalse();
        assertLoopsConsistent(a, b);
    }
}
