package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code timeouts.idle}: a silent tunnel is closed; one with traffic in a single direction is not. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TlsIdleTimeoutTest {

    private static final Duration IDLE = Duration.ofMillis(800);
    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: [t.test], backends: ["127.0.0.1:${env:B}"] } ]
            timeouts: { idle: 800ms }
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    /** Well inside the idle timeout, so a late tick under load still keeps the tunnel alive. */
    private static final long TICK_MILLIS = 50;
    private static final int TICKS = 64;

    private final byte[] hello = new HelloBuilder().serverName("t.test").records();
    private RecordingBackend backend;
    private TestProxy proxy;

    @BeforeEach
    void start(Vertx vertx) {
        backend = Await.result(RecordingBackend.start(vertx));
        proxy = TestProxy.start(vertx, CONFIG, Map.of("B", Integer.toString(backend.port())), new FakeResolver());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    @Test
    void aSilentTunnelIsClosedAfterTheIdleTimeout() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            long sent = System.nanoTime();
            client.write(hello);
            RecordingBackend.Connection connection = backend.nextConnection(WAIT);
            connection.awaitBytes(hello.length, WAIT);

            assertThat(client.readUntilClosed()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(IDLE);
            connection.awaitEnd(WAIT);
        }
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    @Test
    void trafficInOneDirectionOnlyKeepsTheTunnelOpen(Vertx vertx) throws Exception {
        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            RecordingBackend.Connection connection = backend.nextConnection(WAIT);
            connection.awaitBytes(hello.length, WAIT);

            // The backend sends one byte per tick for four times the idle timeout; the client sends nothing.
            AtomicInteger ticks = new AtomicInteger();
            connection.context().runOnContext(ignored -> vertx.setPeriodic(TICK_MILLIS, timer -> {
                connection.socket().write(Buffer.buffer(new byte[] {(byte) ticks.get()}));
                if (ticks.incrementAndGet() == TICKS) {
                    vertx.cancelTimer(timer);
                }
            }));
            long started = System.nanoTime();
            for (int i = 0; i < TICKS; i++) {
                assertThat(client.readExactly(1)).as("byte %d", i).containsExactly((byte) i);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(IDLE.multipliedBy(3));
            assertThat(connection.ended()).isFalse();

            // Once the backend falls silent too, the idle timeout applies.
            assertThat(client.readUntilClosed()).isEmpty();
            connection.awaitEnd(WAIT);
        }
        Timer tunnels = proxy.registry().get(ProxyMetrics.TUNNEL_DURATION).timer();
        assertThat(tunnels.count()).isEqualTo(1);
        assertThat(tunnels.totalTime(TimeUnit.MILLISECONDS)).isGreaterThan(TICKS * TICK_MILLIS);
    }
}
