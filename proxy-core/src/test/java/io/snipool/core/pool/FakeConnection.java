package io.snipool.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

/** A backend connection with no socket: the test makes the peer close it or send bytes. */
final class FakeConnection implements PooledConnection {

    private final int id;
    private boolean open = true;
    private int closeCalls;
    private IdleWatcher watcher;
    private IdleWatcher lastWatcher;
    private boolean unreadBytes;

    FakeConnection(int id) {
        this.id = id;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
        closeCalls++;
    }

    @Override
    public void watchIdle(IdleWatcher newWatcher) {
        assertThat(watcher).as("watchIdle while already watched: " + this).isNull();
        assertThat(open).as("watchIdle on a closed connection: " + this).isTrue();
        watcher = newWatcher;
        lastWatcher = newWatcher;
        if (unreadBytes) {
            watcher.unexpectedData(); // a real socket reports bytes that arrived before it was watched
        }
    }

    @Override
    public void unwatchIdle() {
        watcher = null;
    }

    /** The backend sends FIN; an armed watcher hears of it at once. */
    void peerCloses() {
        open = false;
        if (watcher != null) {
            watcher.peerClosed();
        }
    }

    /** The backend has closed, but no one has read the FIN yet. */
    void peerClosesUnnoticed() {
        open = false;
    }

    /** The backend sends bytes nobody asked for. */
    void peerSendsBytes() {
        if (watcher != null) {
            watcher.unexpectedData();
        } else {
            unreadBytes = true;
        }
    }

    boolean isWatched() {
        return watcher != null;
    }

    /** The most recent watcher, even after it was disarmed, to replay a late report. */
    IdleWatcher lastWatcher() {
        return lastWatcher;
    }

    int closeCalls() {
        return closeCalls;
    }

    @Override
    public String toString() {
        return "conn-" + id;
    }
}
