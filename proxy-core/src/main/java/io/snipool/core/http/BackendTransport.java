package io.snipool.core.http;

import io.netty.channel.Channel;
import io.snipool.config.PoolSettings;
import io.snipool.core.backend.BackendHandshake;
import io.snipool.core.backend.HandshakeFailure;
import io.snipool.core.backend.KeepAliveProbes;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.pool.ConnectCallback;
import java.time.Duration;

/**
 * The transport under a pooled backend connection, whichever HTTP then runs on it: a TCP connect through
 * {@link TargetConnector}, the key's {@code tcp_keepalive} as soon as the socket is connected, and for a
 * {@code backend_tls} key a TLS handshake ({@link BackendHandshake}: counted, its failure logged). A failed
 * handshake (the backend not verified, no common protocol, too slow) is a failed connect. Then the caller's
 * {@link Speaker} installs its HTTP handlers, within what is left of the connect budget, which covers it all.
 */
final class BackendTransport {

    /** What speaks HTTP over a transport that is up. */
    interface Speaker<C> {
        /**
         * @param left what remains of the connect budget for anything the speaker still waits for
         */
        void speak(Channel channel, BackendKey key, Duration left, ConnectCallback<C> callback);
    }

    private final TargetConnector connector;
    private final Duration connectBudget;
    private final BackendTlsMeters tlsMeters;
    private final BackendTlsLog tlsLog;

    /**
     * @param connectBudget the longest a connect may take, transport and speaker together: the socket-level backstop
     *                      (the pool enforces each route's own {@code connect_timeout} and gives up first)
     */
    BackendTransport(TargetConnector connector, Duration connectBudget, BackendTlsMeters tlsMeters,
                     BackendTlsLog tlsLog) {
        this.connector = connector;
        this.connectBudget = connectBudget;
        this.tlsMeters = tlsMeters;
        this.tlsLog = tlsLog;
    }

    <C> void open(BackendKey key, PoolSettings settings, ConnectCallback<C> callback, Speaker<C> speaker) {
        long started = System.nanoTime();
        // The pool closes a connection that arrives after it gave up, so this connect is never cancelled.
        connector.connect(key.address(), key.dynamic(), key.allowPrivateTargets(), () -> false,
                new TargetConnector.Callback() {
            @Override
            public void connected(Channel channel) {
                KeepAliveProbes.apply(channel, settings.tcpKeepAlive());
                if (key.tls().isPresent()) {
                    handshake(channel, key, key.tls().get(), started, callback, speaker);
                } else {
                    speaker.speak(channel, key, left(started), callback);
                }
            }

            @Override
            public void failed(String reason) {
                callback.failed(new BackendConnectException(key.label() + ": " + reason));
            }
        });
    }

    private Duration left(long started) {
        return connectBudget.minusNanos(System.nanoTime() - started);
    }

    private <C> void handshake(Channel channel, BackendKey key, TlsTarget tls, long started,
                               ConnectCallback<C> callback, Speaker<C> speaker) {
        BackendHandshake.start(channel, tls, key.address().port(), left(started), new BackendHandshake.Outcome() {
            @Override
            public void established(boolean resumed) {
                tlsMeters.handshake(key.label(), resumed);
                speaker.speak(channel, key, left(started), callback);
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

    /** Logs a connect refused after the handshake, as a failed handshake is ({@code why} names the backend). */
    void logRefusal(BackendKey key, String why) {
        tlsLog.failed(key.label(), "backend " + why);
    }

    /** A connect that failed, with a message naming the backend and the cause. */
    static final class BackendConnectException extends Exception {
        private static final long serialVersionUID = 1L;

        BackendConnectException(String message) {
            super(message, null, false, false);
        }
    }
}
