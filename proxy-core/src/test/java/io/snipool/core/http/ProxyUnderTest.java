package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.ProxyConfig;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.proxy.ProxyServer;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.LeakCheck;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The data plane of one HTTP listener named {@value #LISTENER}, on an ephemeral port, with two event loops (unless
 * told otherwise) and a resolver that knows no name (backends are IP literals): a {@link TestProxy} whose YAML is
 * built from routes. {@link #close()} stops it and checks that nothing is left behind: no client connection slot, no
 * leased backend connection.
 */
final class ProxyUnderTest implements AutoCloseable {

    static final String LISTENER = "web";

    private static final HostResolver NO_DNS = (host, loop, callback) ->
            callback.failed(new UnknownHostException(host + " (tests resolve no names)"));

    private final TestProxy proxy;

    /**
     * @param routes   the listener's {@code routes:} list, one route per line, in flow style
     * @param settings further top-level YAML ({@code timeouts:}, {@code limits:}, {@code pool:}), or empty
     */
    ProxyUnderTest(Vertx vertx, String routes, String settings) {
        this(vertx, routes, settings, "");
    }

    /** @param listenerKeys further keys of the listener (e.g. {@code forwarded_headers: forwarded}) */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys) {
        this(vertx, routes, settings, listenerKeys, TestProxy.EVENT_LOOPS);
    }

    /** @param eventLoops listener instances, each on its own event loop with its own pool */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys, int eventLoops) {
        this(vertx, routes, settings, listenerKeys, eventLoops, UnaryOperator.identity());
    }

    /**
     * @param edit changes the loaded configuration before the proxy starts (what YAML cannot say yet, such as
     *             {@code backend_tls})
     */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys, int eventLoops,
                   UnaryOperator<ProxyConfig> edit) {
        StringBuilder yaml = new StringBuilder("listeners:\n  - name: " + LISTENER
                + "\n    bind: \"127.0.0.1:0\"\n    mode: http\n");
        if (!listenerKeys.isEmpty()) {
            yaml.append("    ").append(listenerKeys).append('\n');
        }
        yaml.append("    routes:\n");
        routes.lines().forEach(route -> yaml.append("      - ").append(route).append('\n'));
        yaml.append("metrics: { bind: \"127.0.0.1:0\" }\n").append(settings);
        proxy = TestProxy.start(vertx, edit.apply(TestProxy.load(yaml.toString(), Map.of())), NO_DNS, eventLoops);
    }

    int port() {
        return proxy.port(LISTENER);
    }

    ProxyServer server() {
        return proxy.server();
    }

    SimpleMeterRegistry registry() {
        return proxy.registry();
    }

    /** A counter summed over every label. */
    double count(String name) {
        return proxy.registry().find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A gauge summed over every label. */
    double gauge(String name) {
        return proxy.gauge(name);
    }

    /** What {@link LeakCheck} reads: client slots, active connections, the pool. */
    LeakCheck.Readings readings() {
        return proxy.readings();
    }

    double staleRetries() {
        return count(PoolMeters.STALE_RETRIES);
    }

    /** Every exchange over: no backend connection leased, no client connection open. */
    void awaitQuiet() throws InterruptedException {
        Await.until("no active backend connection and no open client connection", readings()::read,
                seen -> seen.poolActive() == 0 && seen.limiterOpen() == 0);
    }

    @Override
    public void close() throws Exception {
        try {
            awaitQuiet();
        } finally {
            proxy.stop();
            proxy.pools().shutdown().get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(gauge(PoolMeters.ACTIVE)).as("leased backend connections").isZero();
        assertThat(proxy.limiterOpen()).as("client connection slots").isZero();
    }
}
