package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy for the HTTP/2 client tests, to an HTTP/1.1 backend: listener {@code web} (http, h2c with prior
 * knowledge) and {@code edge} (tls, terminating a.test and b.test on one certificate, c.test on another). The backend
 * answers by path: an echo of what it received by default, trailers, a slow answer, a response it never finishes, a
 * 101.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
abstract class Http2ProxyBase {

    static final TestPki PKI = new TestPki();

    @TempDir
    Path certs;

    RawBackend backend;
    TestProxy proxy;
    /** Every request the backend received, as it received it. */
    final ConcurrentLinkedQueue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
    /** Opened by a test to let {@code /slow} answer. */
    final CountDownLatch slowAnswer = new CountDownLatch(1);
    /** Counted down when a {@code /slow} request arrived at the backend. */
    final CountDownLatch slowArrived = new CountDownLatch(1);
    /** Completes with whether the proxy closed the connection of a {@code /cut} response (true) or reused it. */
    final CompletableFuture<Boolean> cutConnectionClosed = new CompletableFuture<>();

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        backend = new RawBackend(this::serve);
        TestPki.Leaf ab = PKI.leaf("a.test", "b.test");
        Files.writeString(certs.resolve("ab.pem"), ab.certificatePem());
        Files.writeString(certs.resolve("ab.key"), ab.privateKeyPem());
        TestPki.Leaf c = PKI.leaf("c.test");
        Files.writeString(certs.resolve("c.pem"), c.certificatePem());
        Files.writeString(certs.resolve("c.key"), c.privateKeyPem());
        proxy = TestProxy.start(vertx, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    http2: prior_knowledge
                    routes:
                      - { hosts: ["a.test", "b.test"], backends: ["%2$s"] }
                      - { hosts: ["down.test"], backends: ["127.0.0.1:%3$d"] }
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls:
                      certificates:
                        - { cert: "%1$s/ab.pem", key: "%1$s/ab.key" }
                        - { cert: "%1$s/c.pem", key: "%1$s/c.key" }
                    routes:
                      - { hosts: ["a.test", "b.test"], terminate: true, backends: ["%2$s"] }
                      - { hosts: ["c.test"], terminate: true, backends: ["%2$s"] }
                metrics: { bind: "127.0.0.1:0" }
                timeouts: { idle: 3s }
                """.formatted(certs, backend.address(), ClosedPort.get()), Map.of(),
                (host, loop, callback) -> callback.failed(new UnknownHostException(host)));
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        backend.close();
    }

    void serve(RawBackend.Connection connection) throws IOException {
        for (HttpWire.Request head = HttpWire.readRequestHead(connection::read); head != null;
             head = HttpWire.readRequestHead(connection::read)) {
            if (head.target().equals("/early")) {
                // Answers before the body, and closes (as a server refusing an upload does).
                connection.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"
                        + "nope");
                return;
            }
            if (head.target().equals("/continue")) {
                connection.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
            }
            HttpWire.Request request = HttpWire.readRequestBody(connection::read, head);
            received.add(request);
            switch (request.target()) {
                case "/trailers" -> connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                        + "Trailer: grpc-status\r\n\r\n5\r\nhello\r\n0\r\ngrpc-status: 0\r\n\r\n");
                case "/slow" -> {
                    slowArrived.countDown();
                    await(slowAnswer);
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
                }
                case "/switch" -> connection.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                        + "Upgrade: h2c\r\n\r\n");
                case "/cut" -> {
                    connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
                    // Never finished: the proxy must close this connection once the client resets its stream.
                    cutConnectionClosed.complete(connection.readRequest() == null);
                    return;
                }
                default -> {
                    String body = "method=" + request.method() + " host=" + request.header("Host")
                            + " proto=" + request.header("X-Forwarded-Proto") + " length="
                            + request.message().body().length + " sha=" + sha(request.message().body());
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n"
                            + (request.method().equals("HEAD") ? "" : body));
                }
            }
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    H2Client h2c(String authority) throws InterruptedException {
        return H2Client.h2c(proxy.port("web"), authority);
    }

    H2Client h2(String serverName, String authority) throws InterruptedException {
        H2Client client = H2Client.tls(proxy.port("edge"), PKI.clientContext(), serverName, authority, "h2",
                "http/1.1");
        assertThat(client.applicationProtocol()).isEqualTo("h2");
        return client;
    }

    static H2Client.Response result(CompletableFuture<H2Client.Response> response) throws Exception {
        return response.get(Await.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Waits until no backend connection is leased: every exchange gave its lease back, whatever ended it. */
    void awaitNoLease() throws InterruptedException {
        Await.until("no backend connection leased", () -> proxy.gauge(io.snipool.core.metrics.PoolMeters.ACTIVE),
                active -> active == 0);
    }

    double counter(String name, String listener) {
        var counter = proxy.registry().find(name).tag("listener", listener).counter();
        return counter == null ? 0 : counter.count();
    }
}
