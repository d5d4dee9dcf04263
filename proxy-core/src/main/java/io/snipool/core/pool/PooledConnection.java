package io.snipool.core.pool;

/**
 * A backend connection as the pool sees it: open or not, closable, and able to watch itself while idle. The HTTP
 * layer implements it around its socket; the pool never reads or writes through it.
 */
public interface PooledConnection {

    /** False once the connection is known to be closed, by either side. */
    boolean isOpen();

    /** Closes the connection. Idempotent. Must not call back into the pool synchronously. */
    void close();

    /**
     * Starts idle watching: until {@link #unwatchIdle()}, report a peer FIN, reset or read error with
     * {@link IdleWatcher#peerClosed()} and any received byte with {@link IdleWatcher#unexpectedData()}. Reading must
     * be enabled while watched, or a FIN goes unnoticed. May report at once if the connection is already dead.
     */
    void watchIdle(IdleWatcher watcher);

    /** Stops idle watching before the connection is leased or closed; the last watcher must not be called again. */
    void unwatchIdle();
}
