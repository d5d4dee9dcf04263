package io.snipool.core.proxy;

import static io.snipool.core.testbed.RawClient.closedAfterSending;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.Dribbler;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.LeakCheck;
import io.snipool.core.testbed.RandomBytesFlood;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.SocketBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults around a TLS listener: a backend killed in the middle of a tunnel, a dynamic target whose name does not
 * resolve, a client dribbling its ClientHello (slowloris) while it holds the only connection slot, and a thousand
 * connections of random bytes beside good tunnels. After each, {@link LeakCheck}: no client slot or active
 * connection left and the process's descriptors back to their baseline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsFaultTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [a.test]
                    backends: ["127.0.0.1:${env:A}"]
                  - hosts: [kill.test]
                    backends: ["127.0.0.1:${env:K}"]
                  - hosts: ["*.dyn.test"]
                    backends: ["${host}:${env:A}"]
                    allow_private_targets: true
            timeouts: { client_hello: 500ms }
            limits:
              max_connections: ${env:MAX}
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    private static final byte[] HELLO = new HelloBuilder().serverName("a.test").records();
    private static final byte[] KILL_HELLO = new HelloBuilder().serverName("kill.test").records();

    private final CountDownLatch clientGotPart = new CountDownLatch(1);
    private volatile boolean resetOnKill;
    private RecordingBackend backend;
    private SocketBackend killed;
    private TestProxy proxy;

    private void start(Vertx vertx, int maxConnections) throws IOException {
        backend = Await.result(RecordingBackend.start(vertx));
        killed = SocketBackend.start(this::dieAfterAPart);
        proxy = TestProxy.start(vertx, CONFIG, Map.of("A", Integer.toString(backend.port()),
                "K", Integer.toString(killed.port()), "MAX", Integer.toString(maxConnections)), new FakeResolver());
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.stop();
        }
        if (killed != null) {
            killed.close();
        }
    }

    /** Reads the hello, writes a part of an answer, and once the client has it goes away as a killed process does. */
    private void dieAfterAPart(Socket socket) throws Exception {
        socket.getInputStream().readNBytes(KILL_HELLO.length);
        socket.getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        clientGotPart.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        socket.setSoLinger(resetOnKill, 0);
    }

    private LeakCheck leakCheck() throws InterruptedException {
        return LeakCheck.begin(proxy.readings(), () -> backend.open() + killed.open());
    }

    /** One tunnel to the recording backend: the hello arrives there untouched; then both ends close. */
    private void goodTunnel() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(HELLO);
            assertThat(backend.nextConnection(WAIT).awaitBytes(HELLO.length, WAIT)).isEqualTo(HELLO);
        }
    }

    @ParameterizedTest(name = "reset {0}")
    @ValueSource(booleans = {false, true})
    void aBackendKilledInTheMiddleOfATunnelClosesTheClient(boolean reset, Vertx vertx) throws Exception {
        resetOnKill = reset;
        start(vertx, 10_000);
        goodTunnel();
        LeakCheck leaks = leakCheck();

        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(KILL_HELLO);
            assertThat(new String(client.readExactly(7), StandardCharsets.US_ASCII)).isEqualTo("partial");
            clientGotPart.countDown();
            assertThat(client.readUntilClosed()).as("nothing after the part, then the close").isEmpty();
        }
        killed.awaitScript(WAIT);
        goodTunnel();
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(3);
        leaks.assertNothingLeaked(0);
    }

    @Test
    void aDynamicTargetWhoseNameDoesNotResolveIsClosed(Vertx vertx) throws Exception {
        start(vertx, 10_000);
        goodTunnel();
        byte[] unknown = new HelloBuilder().serverName("nowhere.dyn.test").records();
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(unknown);
            assertThat(client.readUntilClosed()).isEmpty();
        }
        LeakCheck leaks = leakCheck();

        for (int i = 0; i < 5; i++) {
            try (RawClient client = RawClient.connect(proxy.port("edge"))) {
                client.write(new HelloBuilder().serverName("n" + i + ".dyn.test").records());
                assertThat(client.readUntilClosed()).as("closed without an alert").isEmpty();
            }
            goodTunnel();
        }
        assertThat(proxy.connections("edge", Outcome.BACKEND_UNAVAILABLE)).isEqualTo(6);
        assertThat(backend.acceptedTotal()).as("only the good tunnels").isEqualTo(6);
        leaks.assertNothingLeaked(0);
    }

    @Test
    void aClientDribblingItsHelloIsClosedAtTheHelloTimeoutAndItsSlotFreed(Vertx vertx) throws Exception {
        start(vertx, 1);
        goodTunnel();
        LeakCheck leaks = leakCheck();

        // The hello's clock starts when the connection is accepted, so ours starts before the connect.
        long start = System.nanoTime();
        try (RawClient slow = RawClient.connect(proxy.port("edge"));
             Dribbler dribbler = Dribbler.start(HELLO, Duration.ofMillis(100), slow::write)) {
            Await.until("the slot taken", proxy::limiterOpen, open -> open == 1);
            try (RawClient other = RawClient.connect(proxy.port("edge"))) {
                assertThat(other.readUntilClosed()).as("the only slot is the slow client's").isEmpty();
            }
            assertThat(slow.readUntilClosed()).isEmpty();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // Each byte does not restart the clock: the hello had 500 ms from the accept, in all.
            assertThat(elapsedMillis).isBetween(500L, 2_000L);
            assertThat(dribbler.sent()).as("bytes dribbled before the close").isLessThan(HELLO.length);
        }
        assertThat(proxy.helloErrors("edge", "timeout")).isEqualTo(1);
        assertThat(proxy.connections("edge", Outcome.OVER_LIMIT)).isEqualTo(1);
        Await.until("the slot freed", proxy::limiterOpen, open -> open == 0);
        goodTunnel();
        leaks.assertNothingLeaked(0);
    }

    @Test
    void aThousandConnectionsOfRandomBytesReachNoBackendWhileGoodTunnelsFlow(Vertx vertx) throws Exception {
        start(vertx, 10_000);
        goodTunnel();
        byte[] notTls = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(closedAfterSending(proxy.port("edge"), notTls)).isTrue();
        LeakCheck leaks = leakCheck();
        double helloErrors = proxy.connections("edge", Outcome.HELLO_ERROR);

        int tunnels = RandomBytesFlood.run(proxy.port("edge"), tunnelsBefore -> {
            goodTunnel();
            return 1;
        });

        assertThat(proxy.connections("edge", Outcome.HELLO_ERROR) - helloErrors)
                .as("every random connection refused as a bad hello").isEqualTo(RandomBytesFlood.CONNECTIONS);
        assertThat(backend.acceptedTotal()).as("only the good tunnels reached a backend").isEqualTo(tunnels + 1);
        assertThat(killed.open()).isZero();
        leaks.assertNothingLeaked(0);
    }
}
