package io.snipool.core.http;

import io.netty.channel.Channel;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.PoolConnector;

/** Opens pooled HTTP connections: a TCP connect through {@link TargetConnector}, then the HTTP handlers. */
final class HttpBackendConnector implements PoolConnector<BackendKey, BackendConnection> {

    private final TargetConnector connector;
    private final int maxResponseHeadBytes;

    HttpBackendConnector(TargetConnector connector, int maxResponseHeadBytes) {
        this.connector = connector;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
    }

    @Override
    public void connect(BackendKey key, ConnectCallback<BackendConnection> callback) {
        // The pool closes a connection that arrives after it gave up, so this connect is never cancelled.
        connector.connect(key.address(), key.dynamic(), key.allowPrivateTargets(), () -> false,
                new TargetConnector.Callback() {
            @Override
            public void connected(Channel channel) {
                callback.connected(BackendConnection.install(channel, key, maxResponseHeadBytes));
            }

            @Override
            public void failed(String reason) {
                callback.failed(new BackendConnectException(key.label() + ": " + reason));
            }
        });
    }

    /** A connect that failed, with a message naming the backend and the cause. */
    static final class BackendConnectException extends Exception {
        private static final long serialVersionUID = 1L;

        BackendConnectException(String message) {
            super(message, null, false, false);
        }
    }
}
