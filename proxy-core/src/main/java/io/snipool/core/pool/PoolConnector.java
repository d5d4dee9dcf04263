package io.snipool.core.pool;

/**
 * Opens new connections to a backend. The pool applies {@code connect_timeout} itself and closes a connection that
 * arrives after it gave up, so a connector need not enforce the timeout (it may, as a backstop).
 *
 * @param <K> the backend key
 * @param <C> the connection type
 */
@FunctionalInterface
public interface PoolConnector<K, C extends PooledConnection> {

    /** Starts connecting to {@code key} and later completes {@code callback} on the pool's thread. */
    void connect(K key, ConnectCallback<C> callback);
}
