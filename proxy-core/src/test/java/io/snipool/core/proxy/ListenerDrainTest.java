package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A TLS listener's drain ({@code ProxyServer.drain}), with the acceptor of its transport (per event loop by default,
 * shared under {@code -Ptest-nio}): a connection still reading its hello is closed at once, a tunnel runs on, and the
 * drain completes when the last connection has closed, not at its timeout.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerDrainTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: [t.test], backends: ["127.0.0.1:${env:B}"] } ]
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    /** Far beyond every wait here: a drain that completes within them ended because its connections did. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);

    private final byte[] hello = new HelloBuilder().serverName("t.test").records();
    private RecordingBackend backend;
    private TestProxy proxy;

    private void start(Vertx vertx) {
        backend = Await.result(RecordingBackend.start(vertx));
        proxy = TestProxy.start(vertx, CONFIG, Map.of("B", Integer.toString(backend.port())), new FakeResolver());
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    @Test
    void aConnectionStillReadingItsHelloIsClosedAndTheDrainDoesNotWaitForTheTimeout(Vertx vertx) throws Exception {
        start(vertx);
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(Arrays.copyOf(hello, 10));
            Await.until("the connection accepted", proxy::active, open -> open == 1);

            Future<Void> drained = proxy.server().drain(DRAIN_TIMEOUT);

            assertThat(client.readUntilClosed()).as("closed without an answer").isEmpty();
            Await.result(drained);
        }
        assertThat(backend.acceptedTotal()).isZero();
    }

    @Test
    void aTunnelRunsOnThroughTheDrainWhichEndsWhenTheTunnelCloses(Vertx vertx) throws Exception {
        start(vertx);
        Future<Void> drained;
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            RecordingBackend.Connection connection = backend.nextConnection(WAIT);
            connection.awaitBytes(hello.length, WAIT);

            drained = proxy.server().drain(DRAIN_TIMEOUT);

            byte[] more = "after the drain began".getBytes(StandardCharsets.US_ASCII);
            client.write(more);
            byte[] received = connection.awaitBytes(hello.length + more.length, WAIT);
            assertThat(Arrays.copyOfRange(received, hello.length, received.length)).isEqualTo(more);
            connection.context().runOnContext(ignored -> connection.socket().write(Buffer.buffer("and back")));
            assertThat(new String(client.readExactly(8), StandardCharsets.US_ASCII)).isEqualTo("and back");
            assertThat(drained.isComplete()).as("drained while a tunnel is open").isFalse();

            connection.context().runOnContext(ignored -> connection.socket().close());
            assertThat(client.readUntilClosed()).isEmpty();
        }
        Await.result(drained);
    }
}
