package io.snipool.core.pool;

/**
 * A lease request not yet answered: queued for a free slot, or waiting for the connect made for it. Cancelling it
 * (the client went away) takes it out of the queue; a connect already made for it still completes, and its
 * connection goes to the next waiter or idle.
 */
final class PendingLease<K, C extends PooledConnection> implements Cancellable {

    enum State { QUEUED, CONNECTING, ANSWERED, CANCELLED }

    final KeyPool<K, C> owner;
    final LeaseCallback<C> callback;
    State state;
    /** The {@code connect_timeout} timer while queued. */
    Cancellable waitTimer = Cancellable.NONE;

    PendingLease(KeyPool<K, C> owner, LeaseCallback<C> callback, State state) {
        this.owner = owner;
        this.callback = callback;
        this.state = state;
    }

    @Override
    public void cancel() {
        owner.cancel(this);
    }
}
