package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.metrics.TlsMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * tls.session_ticket_keys: two listeners stand for two nodes behind one load balancer. Given the same key file, a
 * session made on one resumes on the other; without it each has keys of its own and the client starts over.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class SessionTicketKeysTest {

    private static final TestPki PKI = new TestPki();

    @TempDir
    Path dir;

    private TestProxy twoNodes(Vertx vertx, RawBackend backend, String ticketKeys) throws Exception {
        TestPki.Leaf leaf = PKI.leaf("a.test");
        Files.writeString(dir.resolve("a.pem"), leaf.certificatePem());
        Files.writeString(dir.resolve("a.key"), leaf.privateKeyPem());
        return TestProxy.start(vertx, twoNodesConfig(backend, ticketKeys), Map.of(),
                (host, loop, callback) -> callback.failed(new UnknownHostException(host)));
    }

    private String twoNodesConfig(RawBackend backend, String ticketKeys) {
        String listener = """
                  - name: %1$s
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls:
                      certificates: [ { cert: "%2$s/a.pem", key: "%2$s/a.key" } ]
                      provider: openssl
                      %3$s
                    routes:
                      - { hosts: ["a.test"], terminate: true, backends: ["%4$s"] }
                """;
        return "listeners:\n" + listener.formatted("one", dir, ticketKeys, backend.address())
                + listener.formatted("two", dir, ticketKeys, backend.address());
    }

    private void writeKeys(byte[]... keys) throws Exception {
        StringBuilder file = new StringBuilder("# the first key seals new tickets\n");
        for (byte[] key : keys) {
            file.append(Base64.getEncoder().encodeToString(key)).append('\n');
        }
        Files.writeString(dir.resolve("ticket.keys"), file);
    }

    private static byte[] randomKey() {
        byte[] key = new byte[48];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /**
     * A layer-4 load balancer on loopback: each accepted connection is relayed to the next of {@code ports} in turn.
     * The client sees one address, so its session cache offers what one node issued to the next.
     */
    private static int balancer(Vertx vertx, int... ports) {
        AtomicInteger next = new AtomicInteger();
        NetClient client = vertx.createNetClient();
        return Await.result(vertx.createNetServer().connectHandler(front -> {
            front.pause();
            client.connect(ports[next.getAndIncrement() % ports.length], "127.0.0.1").onSuccess(back -> {
                front.pipeTo(back);
                back.pipeTo(front);
                front.resume();
            }).onFailure(failure -> front.close());
        }).listen(0, "127.0.0.1")).actualPort();
    }

    /** One request over TLS through the balancer on {@code port}. */
    private static void request(SSLContext client, int port) throws Exception {
        SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("a.test")));
        tls.setSSLParameters(parameters);
        try (RawClient raw = new RawClient(tls)) {
            tls.startHandshake();
            // The answer comes after TLS 1.3's NewSessionTicket: the client has the ticket once it has read it.
            assertThat(raw.exchange(RawClient.get("a.test", "/")).status()).isEqualTo(200);
        }
    }

    private static double resumed(TestProxy proxy, String listener) {
        Counter counter = proxy.registry().find(TlsMeters.SESSIONS_RESUMED).tag("listener", listener).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aSessionFromOneNodeResumesOnAnotherWithTheSameKeys(Vertx vertx) throws Exception {
        writeKeys(randomKey());
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))) {
            TestProxy proxy = twoNodes(vertx, backend, "session_ticket_keys: \"" + dir.resolve("ticket.keys") + "\"");
            try {
                int balancer = balancer(vertx, proxy.port("one"), proxy.port("two"));
                SSLContext client = PKI.clientContext();
                request(client, balancer);
                request(client, balancer);

                assertThat(resumed(proxy, "one")).isZero();
                assertThat(resumed(proxy, "two")).as("node two opened node one's ticket").isOne();
            } finally {
                proxy.stop();
            }
        }
    }

    @Test
    void aRotationByReloadKeepsTheOldKeyForOpeningUntilItIsRemoved(Vertx vertx) throws Exception {
        byte[] first = randomKey();
        writeKeys(first);
        String keys = "session_ticket_keys: \"" + dir.resolve("ticket.keys") + "\"";
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))) {
            TestProxy proxy = twoNodes(vertx, backend, keys);
            try {
                int balancer = balancer(vertx, proxy.port("one"), proxy.port("two"));
                SSLContext client = PKI.clientContext();
                request(client, balancer); // one: a ticket sealed with the first key

                writeKeys(randomKey(), first); // a new key seals from now on; the first still opens
                Await.result(proxy.server().reload(TestProxy.load(twoNodesConfig(backend, keys), Map.of())));
                request(client, balancer); // two: resumes, and gets a ticket sealed with the new key
                assertThat(resumed(proxy, "two")).as("the old key still opens").isOne();

                writeKeys(randomKey()); // both earlier keys gone
                Await.result(proxy.server().reload(TestProxy.load(twoNodesConfig(backend, keys), Map.of())));
                request(client, balancer); // one
                assertThat(resumed(proxy, "one")).as("a ticket under a removed key is not opened").isZero();
            } finally {
                proxy.stop();
            }
        }
    }

    @Test
    void withoutSharedKeysEachNodeStartsOver(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))) {
            TestProxy proxy = twoNodes(vertx, backend, "");
            try {
                int balancer = balancer(vertx, proxy.port("one"), proxy.port("two"), proxy.port("two"));
                SSLContext client = PKI.clientContext();
                request(client, balancer);
                request(client, balancer);
                request(client, balancer);

                assertThat(resumed(proxy, "two")).as("only node two's own ticket resumes there").isOne();
            } finally {
                proxy.stop();
            }
        }
    }
}
