package io.snipool.core.http;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.PoolConnector;

/**
 * Opens pooled HTTP/1.1 connections: the transport ({@link BackendTransport}: TCP, and TLS for a {@code backend_tls}
 * key), then the HTTP/1.1 handlers. A connection reaches the pool only once its handshake succeeded.
 */
final class HttpBackendConnector implements PoolConnector<BackendKey, Http1Connection> {

    private final BackendTransport transport;
    private final int maxResponseHeadBytes;

    HttpBackendConnector(BackendTransport transport, int maxResponseHeadBytes) {
        this.transport = transport;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
    }

    @Override
    public void connect(BackendKey key, PoolSettings settings, ConnectCallback<Http1Connection> callback) {
        transport.open(key, settings, callback, (channel, connected, left, ready) ->
                ready.connected(Http1Connection.install(channel, connected, maxResponseHeadBytes)));
    }
}
