package io.snipool.core.testbed;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An HTTPS backend (Vert.x's server, with SNI) that answers each request with the server name its connection's
 * ClientHello carried and the subject of the client certificate, if any: {@code sni=x.wild.test client=none}. It
 * counts the TLS connections it accepted per server name, which is what proves a proxy keeps one pool per SNI.
 */
public final class SniEchoBackend {

    private final HttpServer server;
    private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    private SniEchoBackend(HttpServer server) {
        this.server = server;
    }

    /** Starts on an ephemeral loopback port, serving {@code leaf}. */
    public static Future<SniEchoBackend> start(Vertx vertx, TestPki.Leaf leaf) {
        return start(vertx, leaf, Optional.empty());
    }

    /** As above; with {@code clientCa}, a client certificate signed by it is required. */
    public static Future<SniEchoBackend> start(Vertx vertx, TestPki.Leaf leaf, Optional<TestPki> clientCa) {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true).setSni(true)
                .setKeyCertOptions(leaf.keyCertOptions());
        clientCa.ifPresent(ca -> options.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(ca.trustOptions()));
        HttpServer server = vertx.createHttpServer(options);
        SniEchoBackend backend = new SniEchoBackend(server);
        server.connectionHandler(connection -> backend.connections
                .computeIfAbsent(name(connection.indicatedServerName()), n -> new AtomicInteger()).incrementAndGet());
        server.requestHandler(request -> {
            backend.requests.incrementAndGet();
            String client;
            try {
                client = ((X509Certificate) request.connection().sslSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName();
            } catch (SSLPeerUnverifiedException e) {
                client = "none";
            }
            request.response().putHeader("Content-Type", "text/plain")
                    .end("sni=" + name(request.connection().indicatedServerName()) + " client=" + client);
        });
        return server.listen().map(ignored -> backend);
    }

    private static String name(String indicated) {
        return indicated == null || indicated.isEmpty() ? "none" : indicated;
    }

    public int port() {
        return server.actualPort();
    }

    /** TLS connections accepted whose ClientHello named {@code sni} ({@code none}: no SNI). */
    public int connections(String sni) {
        AtomicInteger count = connections.get(sni);
        return count == null ? 0 : count.get();
    }

    /** TLS connections accepted, by the server name they sent. */
    public Map<String, Integer> connectionsBySni() {
        Map<String, Integer> copy = new java.util.TreeMap<>();
        connections.forEach((sni, count) -> copy.put(sni, count.get()));
        return copy;
    }

    /** Requests answered so far. */
    public int requests() {
        return requests.get();
    }

    public Future<Void> close() {
        return server.close();
    }
}
