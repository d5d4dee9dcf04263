package io.snipool.core.http;

import io.netty.channel.Channel;
import io.snipool.core.backend.BackendHandshake;
import io.snipool.core.backend.HandshakeFailure;
import io.snipool.core.backend.KeepAliveProbes;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.PoolConnector;
import io.snipool.config.PoolSettings;
import java.time.Duration;

/**
 * Opens pooled HTTP connections: a TCP connect through {@link TargetConnector}, for a {@code backend_tls} key a TLS
 * handshake ({@link BackendHandshake}), then the HTTP handlers. A connection reaches the pool only once its
 * handshake succeeded; a failed one (the backend not verified, no common protocol, too slow) is a failed connect.
 * The connect budget covers the TCP connect and the handshake together. The socket gets the key's
 * {@code tcp_keepalive} as soon as it is connected.
 */
final class HttpBackendConnector implements PoolConnector<BackendKey, Http1Connection> {

    private final TargetConnector connector;
    private final int maxResponseHeadBytes;
    private final Duration connectBudget;
    private final BackendTlsMeters tlsMeters;
    private final BackendTlsLog tlsLog;

    /**
     * @param connectBudget the longest a connect may take, TCP and TLS together: the socket-level backstop (the pool
     *                      enforces each route's own {@code connect_timeout} and gives up first)
     */
    HttpBackendConnector(TargetConnector connector, int maxResponseHeadBytes, Duration connectBudget,
                         BackendTlsMeters tlsMeters, BackendTlsLog tlsLog) {
        this.connector = connector;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
        this.connectBudget = connectBudget;
        this.tlsMeters = tlsMeters;
        this.tlsLog = tlsLog;
    }

    @Override
    public void connect(BackendKey key, PoolSettings settings, ConnectCallback<Http1Connection> callback) {
        long started = System.nanoTime();
        // The pool closes a connection that arrives after it gave up, so this connect is never cancelled.
        connector.connect(key.address(), key.dynamic(), key.allowPrivateTargets(), () -> false,
                new TargetConnector.Callback() {
            @Override
            public void connected(Channel channel) {
                KeepAliveProbes.apply(channel, settings.tcpKeepAlive());
                if (key.tls().isPresent()) {
                    handshake(channel, key, key.tls().get(), connectBudget.minusNanos(System.nanoTime() - started),
                            callback);
                } else {
                    callback.connected(Http1Connection.install(channel, key, maxResponseHeadBytes));
                }
            }

            @Override
            public void failed(String reason) {
                callback.failed(new BackendConnectException(key.label() + ": " + reason));
            }
        });
    }

    private void handshake(Channel channel, BackendKey key, TlsTarget tls, Duration left,
                           ConnectCallback<Http1Connection> callback) {
        BackendHandshake.start(channel, tls, key.address().port(), left, new BackendHandshake.Outcome() {
            @Override
            public void established(boolean resumed) {
                tlsMeters.handshake(key.label(), resumed);
                callback.connected(Http1Connection.install(channel, key, maxResponseHeadBytes));
            }

            @Override
            public void failed(HandshakeFailure.Diagnosis diagnosis) {
                tlsMeters.error(key.label(), diagnosis.reason());
                String why = key.label() + ": TLS handshake for " + tls.sni() + " failed ("
                        + diagnosis.reason().label() + "): " + diagnosis.detail();
                tlsLog.failed(key.label(), "backend " + why);
                callback.failed(new BackendConnectException(why));
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
