package io.snipool.core.proxy;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.http.HttpProxy;
import io.snipool.core.http.TerminatedTls;
import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.termination.ServerContexts;
import io.snipool.core.tls.ClientHelloInfo;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLSession;

/**
 * One client connection of a terminating route, from its routed ClientHello to an HTTP client connection: puts the
 * chosen certificate's {@code SslHandler} where the hello collector was, lets it read the buffered hello again, and
 * once the handshake is done hands the connection to the listener's HTTP path. Owns the client connection from
 * {@link #start} until the hand-over (or closes it when the handshake fails).
 */
final class TlsTermination implements TlsHandshake.Outcome {

    /** Name of the {@code SslHandler} in the client pipeline. */
    static final String TLS_HANDLER = "snipool-tls";

    private static final Logger LOG = Logger.getLogger(TlsTermination.class.getName());

    private final TlsListener listener;
    private final ClientConnection connection;
    private final ClientHelloInfo hello;
    private final ServerContexts.Served certificate;
    private final HttpProxy http;
    /** Writes the connection's access log line with an outcome. */
    private final Consumer<String> accessLog;

    TlsTermination(TlsListener listener, ClientConnection connection, ClientHelloInfo hello,
                   ServerContexts.Served certificate, HttpProxy http, Consumer<String> accessLog) {
        this.listener = listener;
        this.connection = connection;
        this.hello = hello;
        this.certificate = certificate;
        this.http = http;
        this.accessLog = accessLog;
    }

    /** Starts the handshake on {@code client}, whose hello bytes {@code collector} holds. */
    void start(Channel client, HelloCollector collector) {
        SslHandler ssl = certificate.context().newHandler(client.alloc());
        // The handshake gets the hello's own budget again: both are the client's to complete.
        ssl.setHandshakeTimeout(listener.timeouts().clientHello().toNanos(), TimeUnit.NANOSECONDS);
        client.pipeline().addAfter(HelloCollector.NAME, TLS_HANDLER, ssl);
        client.pipeline().addAfter(TLS_HANDLER, TlsHandshake.NAME, new TlsHandshake(ssl, this));
        collector.handOn();
        client.config().setAutoRead(true);
    }

    @Override
    public void established(SSLSession session, boolean resumed, long nanos) {
        listener.tlsMeters().handshakeDone(nanos, resumed);
        listener.meters().outcome(Outcome.TERMINATED);
        http.handleTerminated(connection, new TerminatedTls(hello.serverName(), certificate.names(),
                session.getProtocol(), session.getCipherSuite()));
    }

    @Override
    public void failed(String label, Throwable cause) {
        listener.tlsMeters().handshake(label);
        Failure failure = Failure.of(FailureKind.HANDSHAKE_FAILED, label
                + (cause == null ? "" : ": " + cause.getMessage()));
        LOG.log(Level.FINE, () -> "refused " + connection.remoteLabel() + ": " + failure);
        listener.meters().refused(failure.kind());
        accessLog.accept(failure.kind().outcome());
    }
}
