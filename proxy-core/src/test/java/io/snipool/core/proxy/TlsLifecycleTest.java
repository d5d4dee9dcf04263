package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ends that race: the proxy stopping with tunnels open or a backend lookup in flight, and a client that left while
 * its backend was being looked up. Every socket must end closed and accounted for.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TlsLifecycleTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [fixed.test]
                    backends: ["127.0.0.1:${env:B}"]
                  - hosts: ["*"]
                    backends: ["${host}:${env:B}"]
                    allow_private_targets: true
            """;
    private static final Duration WAIT = Await.TIMEOUT;

    private final FakeResolver resolver = new FakeResolver().add("slow.test", "127.0.0.1");
    private RecordingBackend backend;
    private TestProxy proxy;

    @BeforeEach
    void start(Vertx vertx) {
        backend = Await.result(RecordingBackend.start(vertx));
        proxy = TestProxy.start(vertx, CONFIG, Map.of("B", Integer.toString(backend.port())), resolver);
    }

    @Test
    void stoppingTheProxyClosesOpenTunnelsOnBothSides() throws Exception {
        byte[] hello = new HelloBuilder().serverName("fixed.test").records();
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            RecordingBackend.Connection connection = backend.nextConnection(WAIT);
            connection.awaitBytes(hello.length, WAIT);

            proxy.stop();

            assertThat(client.readUntilClosed()).isEmpty();
            assertThat(connection.awaitEnd(WAIT)).isEqualTo(hello);
        }
        proxy.awaitAllClosed();
    }

    @Test
    void stoppingWhileABackendIsLookedUpMakesNoBackendConnection() throws Exception {
        resolver.holdAnswers();
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(new HelloBuilder().serverName("slow.test").records());
            resolver.awaitHeldLookup();

            proxy.stop();
            assertThat(client.readUntilClosed()).isEmpty();
        }
        resolver.releaseNext();
        // Had the late answer started a connect, its SYN went out before the answer returned, and the backend
        // (accepting in kernel order) would see it before this one.
        try (RawClient sentinel = RawClient.connect(backend.port())) {
            RecordingBackend.Connection first = backend.nextConnection(WAIT);
            assertThat(first.socket().remoteAddress().port()).isEqualTo(sentinel.socket().getLocalPort());
        }
        // Counted on the connection's loop, which may come after the client saw the close: waited for.
        Await.until("the close counted", () -> proxy.connections("edge", Outcome.CLIENT_CLOSED), n -> n >= 1);
        assertThat(proxy.connections("edge", Outcome.CLIENT_CLOSED)).isEqualTo(1);
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isZero();
        proxy.awaitAllClosed();
    }

    @Test
    void aClientThatLeftDuringTheLookupHasItsLateTunnelClosed() throws Exception {
        resolver.holdAnswers();
        byte[] hello = new HelloBuilder().serverName("slow.test").records();
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            resolver.awaitHeldLookup();
        }
        // The proxy reads nothing while it dials, so it learns of the close only once the tunnel runs.
        resolver.releaseNext();

        assertThat(backend.nextConnection(WAIT).awaitEnd(WAIT)).isEqualTo(hello);
        proxy.awaitAllClosed();
        proxy.stop();
    }
}
