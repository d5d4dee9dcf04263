package io.snipool.core.pool;

/**
 * What an idle connection reports to the pool. An idle backend connection should receive nothing at all, so either
 * event means it can never carry another request and the pool evicts it at once.
 */
public interface IdleWatcher {

    /** The peer closed or reset the connection, or reading from it failed ({@code closed_by_peer}). */
    void peerClosed();

    /** Bytes arrived while no request was outstanding ({@code unexpected_data}); the caller drops them. */
    void unexpectedData();
}
