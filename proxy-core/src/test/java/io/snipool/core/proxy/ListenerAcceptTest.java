package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.snipool.config.AcceptMode;
import io.snipool.config.ProxyConfig;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.metrics.TlsMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two ways a listener's event loops take connections ({@code accept}): a socket per loop on one port, each
 * loop accepting its own, or Vert.x's one shared socket whose acceptor thread hands connections to the loops.
 * Told apart by the accepted channel's parent, the listening socket: its event loop is the one that accepted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ListenerAcceptTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - { hosts: ["*"], backends: ["127.0.0.1:9"] }
            """;
    private static final int EVENT_LOOPS = 2;
    /** Spread by a hash of the addresses, 64 connections all land on one of two sockets with odds 2^-63. */
    private static final int CONNECTIONS = 64;

    /** What a loop's protocol handler saw of one connection. */
    private record Accepted(Channel listening, EventLoop acceptedOn, EventLoop servedOn, boolean onItsLoop) {
    }

    @Test
    void eachEventLoopAcceptsOnASocketOfItsOwnOnOnePort(Vertx vertx) throws Exception {
        assumeTrue(vertx.isNativeTransportEnabled(), "SO_REUSEPORT needs a native transport");
        Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
        int port = deploy(vertx, new ListenerBinding.PerLoop(0), accepted);

        connect(port, accepted);

        Set<Channel> sockets = accepted.stream().map(Accepted::listening).collect(Collectors.toSet());
        assertThat(sockets).as("both loops accepted on the one port, each on its own socket").hasSize(EVENT_LOOPS);
        assertThat(accepted).allSatisfy(connection -> {
            assertThat(connection.acceptedOn()).as("accepted where it is served").isSameAs(connection.servedOn());
            assertThat(connection.onItsLoop()).isTrue();
        });
    }

    @Test
    void sharedAcceptsOnOneSocketAndHandsConnectionsToTheLoops(Vertx vertx) throws Exception {
        Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
        int port = deploy(vertx, new ListenerBinding.Shared(-1), accepted);

        connect(port, accepted);

        assertThat(accepted.stream().map(Accepted::listening).collect(Collectors.toSet())).hasSize(1);
        assertThat(accepted.stream().map(Accepted::servedOn).collect(Collectors.toSet()))
                .as("handed to every loop in turn").hasSize(EVENT_LOOPS);
        assertThat(accepted).allSatisfy(connection -> {
            assertThat(connection.acceptedOn()).as("accepted on Vert.x's acceptor thread")
                    .isNotSameAs(connection.servedOn());
            assertThat(connection.onItsLoop()).isTrue();
        });
    }

    @Test
    void perLoopIsTheDefaultOnANativeTransportAndSharedTakesItsPlaceOnNio(Vertx vertx) {
        ProxyConfig config = TestProxy.load(CONFIG, Map.of());
        assertThat(config.accept()).isEqualTo(AcceptMode.PER_LOOP);
        assertThat(new ProxyServer(vertx, config, new ProxyMetrics(new SimpleMeterRegistry()), new FakeResolver(),
                EVENT_LOOPS).acceptsPerLoop()).isEqualTo(vertx.isNativeTransportEnabled());

        Vertx nio = Vertx.builder().withTransport(Transport.NIO).build();
        try {
            TestProxy proxy = TestProxy.start(nio, config, new FakeResolver(), EVENT_LOOPS);
            assertThat(proxy.server().acceptsPerLoop()).as("NIO has no SO_REUSEPORT").isFalse();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port("edge"))) {
                client.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                client.getInputStream().readAllBytes();
            }
            assertThat(proxy.connections("edge", Outcome.HELLO_ERROR)).as("accepted and served").isEqualTo(1);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            Await.result(nio.close());
        }
    }

    @Test
    void sharedRunsOneSocketOnANativeTransportToo(Vertx vertx) {
        ProxyConfig config = TestProxy.load(CONFIG + "accept: shared\n", Map.of());
        TestProxy proxy = TestProxy.start(vertx, config, new FakeResolver(), EVENT_LOOPS);
        try {
            assertThat(proxy.server().acceptsPerLoop()).isFalse();
        } finally {
            proxy.stop();
        }
    }

    /** Deploys the listener's verticles with a handler that records each connection and closes it; its port. */
    private static int deploy(Vertx vertx, ListenerBinding binding, Queue<Accepted> accepted) {
        ProxyConfig config = TestProxy.load(CONFIG, Map.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LiveListener live = new LiveListener(config.listeners().get(0), config, new LiveListener.Meters(
                new ProxyMetrics(registry).listener("edge"), new RequestMeters(registry, "edge"),
                new TlsMeters(registry, "edge")), AccessLog.DISABLED);
        List<ListenerVerticle> verticles = new ArrayList<>();
        Await.result(vertx.deployVerticle(() -> {
            ListenerVerticle verticle = new ListenerVerticle(live, binding, Duration.ofSeconds(5),
                    new ConnectionLimiter(1_000), new RefusalLog("edge", RefusalLog.DEFAULT_INTERVAL),
                    loop -> connection -> {
                        Channel channel = connection.channel();
                        accepted.add(new Accepted(channel.parent(), channel.parent().eventLoop(),
                                channel.eventLoop(), loop.inEventLoop() && channel.eventLoop() == loop));
                        channel.close();
                    });
            verticles.add(verticle);
            return verticle;
        }, new DeploymentOptions().setInstances(EVENT_LOOPS)));
        Set<Integer> ports = verticles.stream().map(ListenerVerticle::actualPort).collect(Collectors.toSet());
        assertThat(ports).as("every instance on the same port").hasSize(1);
        return ports.iterator().next();
    }

    /** Opens {@link #CONNECTIONS} connections, one after another, each from a port of its own. */
    private static void connect(int port, Queue<Accepted> accepted) throws Exception {
        for (int i = 1; i <= CONNECTIONS; i++) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(client.getInputStream().read()).as("closed by the recording handler").isEqualTo(-1);
            }
        }
        Await.until("every connection accepted", accepted::size, size -> size == CONNECTIONS);
    }
}
