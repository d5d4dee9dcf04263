package io.snipool.core.pool;

import java.time.Duration;

/**
 * One connect the pool started, with its {@code connect_timeout}. Whichever comes first (connected, failed,
 * timed out) decides; a connection that arrives after the timeout is closed here so it cannot leak.
 */
final class ConnectAttempt<K, C extends PooledConnection> implements ConnectCallback<C> {

    private enum State { CONNECTING, DONE, TIMED_OUT }

    final KeyPool<K, C> owner;
    /** The lease this connect is for; null when prewarming. */
    final PendingLease<K, C> request;
    final long startedNanos;
    private State state = State.CONNECTING;
    private Cancellable timeout = Cancellable.NONE;

    ConnectAttempt(KeyPool<K, C> owner, PendingLease<K, C> request, long startedNanos) {
        this.owner = owner;
        this.request = request;
        this.startedNanos = startedNanos;
    }

    boolean isPrewarm() {
        return request == null;
    }

    void start(Scheduler scheduler, PoolConnector<K, C> connector, Duration connectTimeout) {
        // Armed before connecting: a connector may complete synchronously, and must then find a timer to cancel.
        timeout = scheduler.schedule(connectTimeout.toNanos(), () -> timedOut(connectTimeout));
        try {
            connector.connect(owner.key, owner.settings(), this);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void connected(C connection) {
        if (state != State.CONNECTING) {
            connection.close();
            return;
        }
        state = State.DONE;
        timeout.cancel();
        owner.connectSucceeded(this, connection);
    }

    @Override
    public void failed(Throwable cause) {
        if (state != State.CONNECTING) {
            return;
        }
        state = State.DONE;
        timeout.cancel();
        owner.connectFailed(this, LeaseFailure.connectFailed(cause));
    }

    private void timedOut(Duration connectTimeout) {
        if (state != State.CONNECTING) {
            return;
        }
        // The slot is freed now rather than when the connector gives up, which may be minutes later.
        state = State.TIMED_OUT;
        owner.connectFailed(this, LeaseFailure.connectTimeout(connectTimeout));
    }
}
