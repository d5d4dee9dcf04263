package io.snipool.core.pool;

import io.snipool.config.PoolSettings;

/**
 * Opens new connections to a backend. The pool applies {@code connect_timeout} itself and closes a connection that
 * arrives after it gave up, so a connector need not enforce the timeout (it may, as a backstop).
 *
 * @param <K> the backend key
 * @param <C> the connection type
 */
@FunctionalInterface
public interface PoolConnector<K, C extends PooledConnection> {

    /**
     * Starts connecting to {@code key} and later completes {@code callback} on the pool's thread.
     *
     * @param settings the key's pool settings now (the connector applies what concerns the socket, such as
     *                 {@code tcp_keepalive})
     */
    void connect(K key, PoolSettings settings, ConnectCallback<C> callback);
}
