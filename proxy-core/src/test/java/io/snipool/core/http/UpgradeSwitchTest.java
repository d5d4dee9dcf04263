package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The switch to another protocol after an Upgrade request (RFC 9110 §7.8, §15.2.2): bytes the client sends before
 * the {@code 101} are held, not read as HTTP, and go into the tunnel first, once; a {@code 101} is the switch
 * whatever its other fields; an Upgrade that is answered otherwise does not let held bytes pass as a request.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpgradeSwitchTest {

    private static final String UPGRADE = "GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    /** A masked WebSocket text frame ("Hello", RFC 6455 §5.7), as a client may send it right after its handshake. */
    private static final String FRAME = new String(new byte[] {(byte) 0x81, (byte) 0x85, 0x37, (byte) 0xfa, 0x21,
            0x3d, 0x7f, (byte) 0x9f, 0x4d, 0x51, 0x58}, StandardCharsets.ISO_8859_1);
    /** A 101 as some servers send it: no Sec-WebSocket-Accept, which Netty's decoder takes for a body-carrying one. */
    private static final String SWITCH_WITHOUT_ACCEPT = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\n\r\n";
    private static final String REFUSED = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nrefused";

    /** Answers an Upgrade with {@code switching} and {@link UpgradingBackend#GREETING}, then echoes every byte. */
    private static RawBackend.Script switchingWith(String switching) {
        return connection -> {
            connection.readRequest();
            connection.write(switching + UpgradingBackend.GREETING);
            byte[] buffer = new byte[8192];
            for (int n = connection.read(buffer); n > 0; n = connection.read(buffer)) {
                connection.write(java.util.Arrays.copyOf(buffer, n));
            }
        };
    }

    private static void assertTunnelled(RawClient client, String... messages) throws IOException {
        HttpWire.Response switching = client.readHead();
        assertThat(switching.status()).isEqualTo(101);
        assertThat(switching.header("Upgrade")).isEqualTo("websocket");
        assertThat(client.readBytes(UpgradingBackend.GREETING.length())).isEqualTo(UpgradingBackend.GREETING);
        for (String message : messages) {
            assertThat(client.readBytes(message.length())).isEqualTo(message);
        }
        client.send("ping\n");
        assertThat(client.readBytes(5)).as("the tunnel carries what follows").isEqualTo("ping\n");
    }

    @ParameterizedTest
    @EnumSource(ProxyUnderTest.Entrance.class)
    void bytesSentBeforeThe101GoIntoTheTunnelFirstInOrderAndOnce(ProxyUnderTest.Entrance entrance, Vertx vertx)
            throws Exception {
        try (RawBackend backend = new RawBackend(switchingWith(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, entrance, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            // One write: the frame reaches snipool with the head, long before the backend's 101.
            client.send(UPGRADE + FRAME);
            // The backend echoes: the frame comes back right after the greeting, and once (ping follows at once).
            assertTunnelled(client, FRAME);
            assertThat(backend.failures()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(ProxyUnderTest.Entrance.class)
    void a101WithoutSecWebSocketAcceptIsStillTheSwitch(ProxyUnderTest.Entrance entrance, Vertx vertx)
            throws Exception {
        try (RawBackend backend = new RawBackend(switchingWith(SWITCH_WITHOUT_ACCEPT));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, entrance, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(UPGRADE);
            assertTunnelled(client);
        }
    }

    @Test
    void a101WithAContentLengthHasNoBodyAndReachesTheClientWithout(Vertx vertx) throws Exception {
        // RFC 9110 §8.6: no Content-Length in a 1xx. A client that believed one would read the tunnel as a body.
        try (RawBackend backend = new RawBackend(switchingWith("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(UPGRADE);
            HttpWire.Response switching = client.readHead();
            assertThat(switching.status()).isEqualTo(101);
            assertThat(switching.header("Content-Length")).isNull();
            assertThat(client.readBytes(UpgradingBackend.GREETING.length())).isEqualTo(UpgradingBackend.GREETING);
            client.send("ping\n");
            assertThat(client.readBytes(5)).isEqualTo("ping\n");
        }
    }

    @Test
    void a101ToARequestThatAskedForNoUpgradeIsABackendError(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(switchingWith(SWITCH_WITHOUT_ACCEPT));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(RawClient.get("a.test", "/plain"));
            assertThat(client.read().status()).isEqualTo(502);
            assertThat(client.closedByPeer()).isTrue();
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
        }
    }

    @Test
    void anUpgradeInAnHttp10RequestIsIgnoredAndNeverForwarded(Vertx vertx) throws Exception {
        // RFC 9110 §7.8: a server ignores Upgrade in an HTTP/1.0 request. Were it forwarded, a backend that switched
        // anyway would have snipool relay a 101 the client cannot have asked for, or read what follows as HTTP.
        String http10Upgrade = UPGRADE.replace("HTTP/1.1", "HTTP/1.0");
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> request.header("Upgrade") == null
                && request.header("Connection") == null ? REFUSED : SWITCH_WITHOUT_ACCEPT));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(http10Upgrade + FRAME);
            HttpWire.Response response = client.read();
            assertThat(response.status()).as("the backend saw neither Upgrade nor Connection").isEqualTo(200);
            assertThat(response.bodyText()).isEqualTo("refused");
            proxy.awaitQuiet();
            assertThat(backend.receivedText()).contains("GET /chat HTTP/1.").doesNotContainIgnoringCase("upgrade");
        }
    }

    @ParameterizedTest
    @EnumSource(ProxyUnderTest.Entrance.class)
    void heldBytesAfterARefusedUpgradeAreNeverReadAsARequest(ProxyUnderTest.Entrance entrance, Vertx vertx)
            throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(REFUSED));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, entrance, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            // Were the upgrade refused, is this a request or the other protocol's bytes? snipool cannot know.
            client.send(UPGRADE + RawClient.get("a.test", "/smuggled"));
            HttpWire.Response response = client.read();
            assertThat(response.bodyText()).isEqualTo("refused");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            proxy.awaitQuiet();
            assertThat(backend.receivedText()).contains("/chat").doesNotContain("/smuggled");
        }
    }

    @Test
    void aRefusedUpgradeWithNothingHeldKeepsTheConnection(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(REFUSED));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            HttpWire.Response refused = client.exchange(UPGRADE);
            assertThat(refused.bodyText()).isEqualTo("refused");
            assertThat(refused.header("Connection")).isNull();
            assertThat(client.exchange(RawClient.get("a.test", "/next")).bodyText()).isEqualTo("refused");
            assertThat(backend.receivedText()).contains("/chat").contains("/next");
        }
    }

    @Test
    void moreHeldBytesThanAHeadMayHaveAreRefused(Vertx vertx) throws Exception {
        // Through TLS: one record is decrypted whole, so the head and every byte after it reach the decoder together
        // (on a plain socket how much one read takes is the transport's choice), and the hold overflows before the
        // backend connection is even made.
        try (RawBackend backend = new RawBackend(RawBackend.answering(REFUSED));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, ProxyUnderTest.Entrance.TERMINATED,
                     route("a.test", backend), "limits: { max_request_head_bytes: 1024 }\n");
             RawClient client = proxy.connect()) {
            client.send(UPGRADE + "x".repeat(2000));
            assertThat(client.read().status()).isEqualTo(400);
            assertThat(client.closedByPeer()).isTrue();
            proxy.awaitQuiet();
            assertThat(backend.receivedText()).as("nothing of the request reached a backend").isEmpty();
        }
    }

    @Test
    void heldBytesAndTheClientsEndBothReachTheBackend(Vertx vertx) throws Exception {
        CountDownLatch clientEnded = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            HalfCloseTest.await(clientEnded);
            // The proxy has had time to read the FIN behind the held frame: a proxy that dropped the frame, or gave
            // up on the exchange at the FIN, closes this connection now.
            if (connection.closedWithin(Duration.ofMillis(500))) {
                return;
            }
            connection.write(SWITCH_WITHOUT_ACCEPT);
            StringBuilder frame = new StringBuilder();
            for (int b = connection.read(); b >= 0; b = connection.read()) {
                frame.append((char) b);
            }
            assertThat(frame.toString()).as("the held frame, then the client's FIN").isEqualTo(FRAME);
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(UPGRADE + FRAME);
            client.sendFin();
            clientEnded.countDown();
            assertThat(client.readHead().status()).isEqualTo(101);
            assertThat(client.closedByPeer()).as("the tunnel ended with both sides done").isTrue();
            Await.until("the backend done", () -> backend.connections().get(0).socket.isClosed(), closed -> closed);
            assertThat(backend.failures()).isEmpty();
        }
    }
}
