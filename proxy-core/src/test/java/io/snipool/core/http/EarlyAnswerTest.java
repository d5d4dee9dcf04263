package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendTlsConfig;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.TestPki;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backend that answers before it has read the request body and then resets the connection (it closes with the
 * body unread, as a server refusing an upload does). Its answer is already in snipool's socket when the reset
 * fails the next write of the body: the client gets that answer, not a 502, on every transport (on epoll Netty
 * handles the failed write before it reads, so this class fails there without {@code Http1Connection}'s
 * {@code AUTO_CLOSE} off; CI runs it on io_uring and epoll) and over plain and re-encrypted TLS backends.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EarlyAnswerTest {

    private static final int BODY = 4 * 1024 * 1024;
    private static final String REFUSAL = "HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\nConnection: close"
            + "\r\n\r\nnope";
    private static final TestPki PKI = new TestPki();

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anAnswerBeforeTheBodyReachesTheClientThoughTheBackendResetsTheRest(boolean tls, Vertx vertx)
            throws Exception {
        upload(vertx, tls, connection -> {
            HttpWire.readRequestHead(connection::read);
            connection.write(REFUSAL);
            // Some of the body after the answer, so that snipool is still sending it when the reset comes.
            skip(connection, 64 * 1024);
            connection.socket.setSoLinger(true, 0);
        }, (response, proxy, client) -> {
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).isEqualTo("nope");
            Await.until("the request counted with the backend's status",
                    () -> proxy.count(RequestMeters.REQUESTS), requests -> requests == 1);
            assertThat(proxy.count(RequestMeters.REQUEST_FAILURES)).as("not a failure").isZero();
        });
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBackendThatResetsWithoutAnAnswerIsStill502(boolean tls, Vertx vertx) throws Exception {
        upload(vertx, tls, connection -> {
            HttpWire.readRequestHead(connection::read);
            skip(connection, 64 * 1024);
            connection.socket.setSoLinger(true, 0);
        }, (response, proxy, client) -> {
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.bodyText()).contains("backend");
            assertThat(client.closedByPeer()).isTrue();
        });
    }

    private interface Check {
        void check(HttpWire.Response response, ProxyUnderTest proxy, RawClient client) throws Exception;
    }

    /**
     * A POST with a body of {@link #BODY} bytes through a proxy to a backend running {@code script} (over TLS if
     * {@code tls}); {@code check} gets the response while the body may still be going out.
     */
    private static void upload(Vertx vertx, boolean tls, RawBackend.Script script, Check check) throws Exception {
        try (RawBackend backend = new RawBackend(listening(tls), script);
             ProxyUnderTest proxy = proxy(vertx, backend, tls);
             RawClient client = new RawClient(proxy.port())) {
            CompletableFuture<Void> body = sendInBackground(client);
            check.check(client.read(), proxy, client);
            body.cancel(true);
        }
    }

    private static ProxyUnderTest proxy(Vertx vertx, RawBackend backend, boolean tls) {
        BackendTlsConfig unverified = BackendTlsConfigs.unverified(BackendTlsConfig.DEFAULT_SNI);
        return new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1,
                config -> tls ? BackendTlsConfigs.withBackendTls(config, "a.test", unverified) : config);
    }

    /** A loopback listening socket, plain or TLS with a certificate for {@code a.test}. */
    private static ServerSocket listening(boolean tls) throws Exception {
        if (!tls) {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
        TestPki.Leaf leaf = PKI.leaf("a.test");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("leaf", leaf.key(), new char[0], new Certificate[] {leaf.certificate()});
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    private static void skip(RawBackend.Connection connection, int length) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int left = length; left > 0; ) {
            int n = connection.readUnrecorded(buffer, Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("the proxy closed after " + (length - left) + " body bytes");
            }
            left -= n;
        }
    }

    /** The head and a body of {@link #BODY} bytes, on a thread of its own: the proxy may close before it ends. */
    private static CompletableFuture<Void> sendInBackground(RawClient client) {
        return CompletableFuture.runAsync(() -> {
            try {
                client.send("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + BODY + "\r\n\r\n");
                byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                for (int sent = 0; sent < BODY; sent += chunk.length) {
                    client.send(chunk);
                }
            } catch (IOException closed) {
                // The proxy closed the connection once it answered: the rest of the body is not wanted.
            }
        });
    }
}
