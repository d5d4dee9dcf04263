package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.PoolConnector;
import io.snipool.config.PoolSettings;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Opens HTTP/2 backend connections: the transport ({@link BackendTransport}); for {@code h2}, TLS whose handshake
 * must choose {@code h2} by ALPN; for {@code h2c}, nothing more (prior knowledge, RFC 9113 §3.3); then the HTTP/2 handlers
 * and the preface. A connection reaches the pool once the backend's own SETTINGS arrived, so its stream limit is
 * known before the first stream. The connect budget covers all of it.
 */
final class H2Connector implements PoolConnector<BackendKey, H2Connection> {

    private final BackendTransport transport;
    private final int maxResponseHeadBytes;

    H2Connector(BackendTransport transport, int maxResponseHeadBytes) {
        this.transport = transport;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
    }

    @Override
    public void connect(BackendKey key, PoolSettings settings, ConnectCallback<H2Connection> callback) {
        transport.open(key, settings, callback, this::speak);
    }

    /**
     * Over TLS, the backend must have chosen {@code h2}; then the preface goes out, and the connection is handed
     * over when the backend's SETTINGS come, within the rest of the budget.
     */
    private void speak(Channel channel, BackendKey key, Duration left, ConnectCallback<H2Connection> callback) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null && !BackendTlsProfile.negotiatedH2(ssl)) {
            String chosen = ssl.applicationProtocol();
            String why = key.label() + ": backend_protocol h2, but the backend did not choose h2 by ALPN ("
                    + (chosen == null ? "it chose no protocol" : "it chose " + chosen) + ")";
            transport.logRefusal(key, why);
            channel.close();
            callback.failed(new BackendTransport.BackendConnectException(why));
            return;
        }
        new Preface(channel, key, callback).start(Math.max(1, left.toNanos()));
    }

    /** Waits for the backend's first SETTINGS, at most the rest of the connect budget. */
    private final class Preface implements H2Connection.Ready {
        private final Channel channel;
        private final BackendKey key;
        private final ConnectCallback<H2Connection> callback;
        private ScheduledFuture<?> timer;

        Preface(Channel channel, BackendKey key, ConnectCallback<H2Connection> callback) {
            this.channel = channel;
            this.key = key;
            this.callback = callback;
        }

        void start(long budgetNanos) {
            // Armed first: the SETTINGS can only be read after this returns, on the same loop.
            timer = channel.eventLoop().schedule(() -> {
                channel.close(); // closedBeforeSettings reports it
            }, budgetNanos, TimeUnit.NANOSECONDS);
            H2Connection.install(channel, key, maxResponseHeadBytes, this);
        }

        @Override
        public void ready(H2Connection connection) {
            timer.cancel(false);
            callback.connected(connection);
        }

        @Override
        public void closedBeforeSettings() {
            timer.cancel(false);
            callback.failed(new BackendTransport.BackendConnectException(key.label()
                    + ": the backend closed the connection before its HTTP/2 SETTINGS (does it speak "
                    + key.protocol().name().toLowerCase(Locale.ROOT) + "?)"));
        }
    }
}
