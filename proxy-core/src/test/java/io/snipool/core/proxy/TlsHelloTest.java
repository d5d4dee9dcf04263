package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.snipool.core.tls.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ClientHello as snipool reads it off the wire: odd but valid framings reach the right backend byte for byte;
 * each bad case is refused and counted by reason while a tunnel open beside it goes on working; the hello
 * timeout; the connection limit.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TlsHelloTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [a.test]
                    backends: ["127.0.0.1:${env:A}"]
                  - hosts: [b.test]
                    backends: ["127.0.0.1:${env:B}"]
            timeouts: { client_hello: 300ms }
            limits: { max_connections: 2 }
            """;
    private static final Duration WAIT = Await.TIMEOUT;

    private RecordingBackend backendA;
    private RecordingBackend backendB;
    private TestProxy proxy;

    @BeforeEach
    void start(Vertx vertx) {
        backendA = Await.result(RecordingBackend.start(vertx));
        backendB = Await.result(RecordingBackend.start(vertx));
        proxy = TestProxy.start(vertx, CONFIG, Map.of("A", Integer.toString(backendA.port()),
                "B", Integer.toString(backendB.port())), new FakeResolver());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    private int port() {
        return proxy.port("edge");
    }

    @Test
    void helloInOneByteRecordsReachesItsBackendUntouched() throws Exception {
        byte[] hello = Wire.records(new HelloBuilder().serverName("b.test").message(), 1);
        try (RawClient client = RawClient.connect(port())) {
            client.write(hello);
            assertThat(backendB.nextConnection(WAIT).awaitBytes(hello.length, WAIT)).isEqualTo(hello);
        }
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    @Test
    void helloLargerThanOneRecordReachesItsBackendUntouched() throws Exception {
        byte[] hello = new HelloBuilder().serverName("b.test").extension(HelloBuilder.PADDING, new byte[20_000])
                .records();
        assertThat(hello.length).isGreaterThan(16 * 1024 + 5);
        try (RawClient client = RawClient.connect(port())) {
            // Two writes, so the hello arrives over more than one read.
            client.write(Arrays.copyOf(hello, 9_000)).write(Arrays.copyOfRange(hello, 9_000, hello.length));
            assertThat(backendB.nextConnection(WAIT).awaitBytes(hello.length, WAIT)).isEqualTo(hello);
        }
    }

    /** A bad first flight, the reason it is counted under, and the exact bytes the client gets before the close. */
    record BadCase(String name, byte[] firstBytes, String reason, byte[] reply) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadCase> badCases() throws IOException {
        byte[] fullBody = new HelloBuilder().serverName("a.test").body();
        byte[] truncated = Wire.records(Wire.handshake(1, Arrays.copyOf(fullBody, fullBody.length - 3)), 16_384);
        // A record announcing a 100000-byte hello: refused on the handshake header, before the bytes.
        byte[] tooLarge = Wire.concat(Wire.recordHeader(22, 0x0301, 100), Wire.u8(1), Wire.u24(100_000),
                new byte[96]);
        return Stream.of(
                new BadCase("not TLS", "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                        "not_tls", new byte[0]),
                new BadCase("SSL 2.0", resource("anyFirstFlight/sslv2.bin"), "sslv2", new byte[0]),
                new BadCase("truncated", truncated, "malformed", alert(50)),
                new BadCase("duplicate SNI", new HelloBuilder().serverName("a.test", "b.test").records(),
                        "duplicate_sni", alert(47)),
                new BadCase("too large", tooLarge, "too_large", alert(47)),
                new BadCase("no SNI, no catch-all", new HelloBuilder().records(), "no_sni", alert(112)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCases")
    void badHelloIsRefusedAndCountedWhileAGoodTunnelKeepsWorking(BadCase bad) throws Exception {
        try (RawClient good = RawClient.connect(port())) {
            byte[] hello = new HelloBuilder().serverName("a.test").records();
            good.write(hello);
            RecordingBackend.Connection backend = backendA.nextConnection(WAIT);
            backend.awaitBytes(hello.length, WAIT);

            try (RawClient client = RawClient.connect(port())) {
                client.write(bad.firstBytes());
                assertThat(client.readUntilClosed()).containsExactly(bad.reply());
            }
            assertThat(proxy.helloErrors("edge", bad.reason())).isEqualTo(1);
            assertThat(proxy.connections("edge", Outcome.HELLO_ERROR)).isEqualTo(1);

            byte[] more = "after the bad one".getBytes(StandardCharsets.US_ASCII);
            good.write(more);
            assertThat(backend.awaitBytes(hello.length + more.length, WAIT)).endsWith(more);
            backend.socket().write(Buffer.buffer("still here"));
            assertThat(good.readExactly(10)).asString(StandardCharsets.US_ASCII).isEqualTo("still here");
        }
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    @Test
    void halfAHelloIsClosedWhenTheHelloTimeoutExpires() throws IOException {
        byte[] hello = new HelloBuilder().serverName("a.test").records();
        try (RawClient client = RawClient.connect(port())) {
            client.write(Arrays.copyOf(hello, hello.length / 2));
            assertThat(client.readUntilClosed()).isEmpty();
        }
        assertThat(proxy.helloErrors("edge", "timeout")).isEqualTo(1);
        assertThat(proxy.connections("edge", Outcome.HELLO_ERROR)).isEqualTo(1);
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        byte[] hello = new HelloBuilder().serverName("a.test").records();
        try (RawClient first = RawClient.connect(port()); RawClient second = RawClient.connect(port())) {
            first.write(hello);
            second.write(hello);
            backendA.nextConnection(WAIT).awaitBytes(hello.length, WAIT);
            backendA.nextConnection(WAIT).awaitBytes(hello.length, WAIT);
            assertThat(proxy.limiterOpen()).isEqualTo(2);

            try (RawClient third = RawClient.connect(port())) {
                assertThat(third.readUntilClosed()).isEmpty();
            }
            assertThat(proxy.connections("edge", Outcome.OVER_LIMIT)).isEqualTo(1);

            first.close();
            Await.until("one client slot held", proxy::limiterOpen, open -> open == 1);
            try (RawClient fourth = RawClient.connect(port())) {
                fourth.write(hello);
                backendA.nextConnection(WAIT).awaitBytes(hello.length, WAIT);
            }
        }
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(3);
        assertThat(proxy.connections("edge", Outcome.OVER_LIMIT)).isEqualTo(1);
    }

    private static byte[] alert(int description) {
        return Wire.concat(Wire.recordHeader(21, 0x0303, 2), Wire.u8(2), Wire.u8(description));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = TlsHelloTest.class.getResourceAsStream(
                "/io/snipool/core/tls/ClientHelloFuzzTestInputs/" + name)) {
            return in.readAllBytes();
        }
    }
}
