package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.backend.BackendHandshake;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.backend.HandshakeFailure;
import io.snipool.core.backend.KeepAliveProbes;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.PoolConnector;
import io.snipool.config.PoolSettings;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Opens HTTP/2 backend connections: TCP through {@link TargetConnector}; for {@code h2}, a TLS handshake that must
 * choose {@code h2} by ALPN; for {@code h2c}, nothing more (prior knowledge, RFC 9113 §3.3); then the HTTP/2 handlers
 * and the preface. A connection reaches the pool once the backend's own SETTINGS arrived, so its stream limit is
 * known before the first stream. The connect budget covers all of it.
 */
final class H2Connector implements PoolConnector<BackendKey, H2Connection> {

    private final TargetConnector connector;
    private final int maxResponseHeadBytes;
    private final Duration connectBudget;
    private final BackendTlsMeters tlsMeters;
    private final BackendTlsLog tlsLog;

    H2Connector(TargetConnector connector, int maxResponseHeadBytes, Duration connectBudget,
                BackendTlsMeters tlsMeters, BackendTlsLog tlsLog) {
        this.connector = connector;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
        this.connectBudget = connectBudget;
        this.tlsMeters = tlsMeters;
        this.tlsLog = tlsLog;
    }

    @Override
    public void connect(BackendKey key, PoolSettings settings, ConnectCallback<H2Connection> callback) {
        long started = System.nanoTime();
        // The pool closes a connection that arrives after it gave up, so this connect is never cancelled.
        connector.connect(key.address(), key.dynamic(), key.allowPrivateTargets(), () -> false,
                new TargetConnector.Callback() {
            @Override
            public void connected(Channel channel) {
                KeepAliveProbes.apply(channel, settings.tcpKeepAlive());
                if (key.tls().isPresent()) {
                    handshake(channel, key, key.tls().get(), started, callback);
                } else {
                    speak(channel, key, started, callback);
                }
            }

            @Override
            public void failed(String reason) {
                callback.failed(new HttpBackendConnector.BackendConnectException(key.label() + ": " + reason));
            }
        });
    }

    private Duration left(long started) {
        return connectBudget.minusNanos(System.nanoTime() - started);
    }

    private void handshake(Channel channel, BackendKey key, TlsTarget tls, long started,
                           ConnectCallback<H2Connection> callback) {
        BackendHandshake.start(channel, tls, key.address().port(), left(started), new BackendHandshake.Outcome() {
            @Override
            public void established(boolean resumed) {
                tlsMeters.handshake(key.label(), resumed);
                SslHandler ssl = channel.pipeline().get(SslHandler.class);
                if (!BackendTlsProfile.negotiatedH2(ssl)) {
                    String chosen = ssl.applicationProtocol();
                    String why = key.label() + ": backend_protocol h2, but the backend did not choose h2 by ALPN ("
                            + (chosen == null ? "it chose no protocol" : "it chose " + chosen) + ")";
                    tlsLog.failed(key.label(), "backend " + why);
                    channel.close();
                    callback.failed(new HttpBackendConnector.BackendConnectException(why));
                    return;
                }
                speak(channel, key, started, callback);
            }

            @Override
            public void failed(HandshakeFailure.Diagnosis diagnosis) {
                tlsMeters.error(key.label(), diagnosis.reason());
                String why = key.label() + ": TLS handshake for " + tls.sni() + " failed ("
                        + diagnosis.reason().label() + "): " + diagnosis.detail();
                tlsLog.failed(key.label(), "backend " + why);
                callback.failed(new HttpBackendConnector.BackendConnectException(why));
            }
        });
    }

    /** The preface goes out; the connection is handed over when the backend's SETTINGS come, within the budget. */
    private void speak(Channel channel, BackendKey key, long started, ConnectCallback<H2Connection> callback) {
        new Preface(channel, key, callback).start(Math.max(1, left(started).toNanos()));
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
            callback.failed(new HttpBackendConnector.BackendConnectException(key.label()
                    + ": the backend closed the connection before its HTTP/2 SETTINGS (does it speak "
                    + key.protocol().name().toLowerCase(Locale.ROOT) + "?)"));
        }
    }
}
