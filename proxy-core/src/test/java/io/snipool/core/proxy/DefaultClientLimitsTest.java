package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shipped per-client limits do not refuse legitimate traffic: one client address (as every client is behind a
 * load balancer without PROXY protocol, or in a one-machine benchmark) opens connections as fast as it can and
 * keeps them all. The limits themselves are tested at their edges, when set, in {@link ClientAdmissionTest}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DefaultClientLimitsTest {

    /**
     * More than the old defaults let one address have: 1,000 open at once, and 1,000 new per second after a burst
     * of 2,000. Holding all of them open makes the test fail on any cap below it, however fast the machine.
     */
    private static final int CONNECTIONS = 3_000;

    // request_head is raised only so that the connections opened first are not closed as slow clients while the
    // test opens the rest; the per-client limits are not set, so they are the defaults.
    private static final String CONFIG = """
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: http
                routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ]
            timeouts: { request_head: 1m }
            """;

    private TestProxy proxy;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start(Vertx vertx) {
        proxy = TestProxy.start(vertx, CONFIG, Map.of(), new FakeResolver());
    }

    @AfterEach
    void stop() throws Exception {
        for (RawClient client : clients) {
            client.close();
        }
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    private double counted() {
        return Arrays.stream(Outcome.values()).mapToDouble(outcome -> proxy.connections("web", outcome)).sum();
    }

    @Test
    void oneClientAddressOpensThreeThousandConnectionsAtOnceAndKeepsThemAll() throws Exception {
        int port = proxy.port("web");
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(RawClient.connect(port));
        }
        Await.until(CONNECTIONS + " connections counted", this::counted, seen -> seen == CONNECTIONS);

        assertThat(proxy.connections("web", Outcome.OVER_IP_RATE)).isZero();
        assertThat(proxy.connections("web", Outcome.OVER_IP_LIMIT)).isZero();
        assertThat(proxy.connections("web", Outcome.ACCEPTED)).isEqualTo(CONNECTIONS);
        assertThat(proxy.limiterOpen()).as("all open at once").isEqualTo(CONNECTIONS);
    }
}
