package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.snipool.core.pool.PoolHarness.A;
import static org.assertj.core.api.Assertions.assertThat;

/** An idle connection is watched, and a peer close or stray bytes evict it at once. */
class PoolIdleWatchTest {

    private final PoolHarness h = new PoolHarness();
    private final PoolSettings settings = TestSettings.defaults();

    @Test
    void anIdleConnectionIsWatchedAndALeasedOneIsNot() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();
        assertThat(connection.isWatched()).isFalse();

        lease.recycle();
        assertThat(connection.isWatched()).isTrue();

        h.leaseHit(A, settings);
        assertThat(connection.isWatched()).isFalse();
    }

    @Test
    void anIdleConnectionThePeerClosesIsEvictedAtOnce() {
        List<FakeConnection> connections = h.idleConnections(A, settings, 2);

        connections.get(1).peerCloses();

        assertThat(connections.get(1).closeCalls()).as("the pool closes its side too").isEqualTo(1);
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CLOSED_BY_PEER);
        h.assertCounts(A, 1, 0, 0, 0);
        assertThat(h.leaseHit(A, settings).connection()).isSameAs(connections.get(0));
    }

    @Test
    void anIdleConnectionThatReceivesBytesIsEvictedAtOnce() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);

        connection.peerSendsBytes();

        assertThat(connection.isOpen()).isFalse();
        assertThat(connection.isWatched()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.UNEXPECTED_DATA);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void bytesThatArrivedBeforeWatchingEvictOnTheRecycleItself() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        FakeConnection connection = lease.connection();
        connection.peerSendsBytes(); // more bytes than the response framing said, still unread

        lease.recycle();

        assertThat(connection.isOpen()).isFalse();
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.UNEXPECTED_DATA);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aLateReportFromAnOldWatcherDoesNotTouchALeasedConnection() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);
        IdleWatcher oldWatcher = connection.lastWatcher();
        Lease<FakeConnection> lease = h.leaseHit(A, settings);

        oldWatcher.unexpectedData(); // e.g. the response to the new request, misrouted to a stale handler
        oldWatcher.peerClosed();

        assertThat(connection.isOpen()).isTrue();
        assertThat(h.listener.evictions).isEmpty();
        h.assertCounts(A, 0, 1, 0, 0);
        lease.recycle();
        h.assertCounts(A, 1, 0, 0, 0);
    }

    @Test
    void aReportAfterEvictionIsIgnored() {
        FakeConnection connection = h.idleConnections(A, settings, 1).get(0);
        IdleWatcher watcher = connection.lastWatcher();
        connection.peerCloses();

        watcher.peerClosed();
        watcher.unexpectedData();

        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CLOSED_BY_PEER);
        h.assertCounts(A, 0, 0, 0, 0);
    }

    @Test
    void aConnectionClosedWhileLeasedIsNotPooled() {
        Lease<FakeConnection> lease = h.leaseFresh(A, settings);
        lease.connection().peerClosesUnnoticed();

        lease.recycle();

        assertThat(h.listener.reasons()).containsExactly(EvictionReason.CLOSED_BY_PEER);
        h.assertCounts(A, 0, 0, 0, 0);
    }
}
