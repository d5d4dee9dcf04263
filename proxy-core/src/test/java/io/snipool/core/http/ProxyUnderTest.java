package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.ConfigLoader;
import io.snipool.config.ProxyConfig;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.proxy.ProxyServer;
import io.snipool.core.testbed.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The data plane of one HTTP listener named {@value #LISTENER}, on an ephemeral port, with two event loops (unless
 * told otherwise) and a
 * resolver that knows no name (backends are IP literals). {@link #close()} stops it and checks that nothing is left
 * behind: no client connection slot, no leased backend connection.
 */
final class ProxyUnderTest implements AutoCloseable {

    static final String LISTENER = "web";
    static final Duration START_STOP_TIMEOUT = Duration.ofSeconds(10);

    private static final HostResolver NO_DNS = (host, loop, callback) ->
            callback.failed(new UnknownHostException(host + " (tests resolve no names)"));

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProxyServer server;

    /**
     * @param routes   the listener's {@code routes:} list, one route per line, in flow style
     * @param settings further top-level YAML ({@code timeouts:}, {@code limits:}, {@code pool:}), or empty
     */
    ProxyUnderTest(Vertx vertx, String routes, String settings) throws Exception {
        this(vertx, routes, settings, "");
    }

    /** @param listenerKeys further keys of the listener (e.g. {@code forwarded_headers: forwarded}) */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys) throws Exception {
        this(vertx, routes, settings, listenerKeys, 2);
    }

    /** @param eventLoops listener instances, each on its own event loop with its own pool */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys, int eventLoops)
            throws Exception {
        StringBuilder yaml = new StringBuilder("listeners:\n  - name: " + LISTENER
                + "\n    bind: \"127.0.0.1:0\"\n    mode: http\n");
        if (!listenerKeys.isEmpty()) {
            yaml.append("    ").append(listenerKeys).append('\n');
        }
        yaml.append("    routes:\n");
        routes.lines().forEach(route -> yaml.append("      - ").append(route).append('\n'));
        yaml.append("metrics: { bind: \"127.0.0.1:0\" }\n").append(settings);
        ProxyConfig config = new ConfigLoader(name -> null).parse(yaml.toString(), "t.yaml");
        server = new ProxyServer(vertx, config, new ProxyMetrics(registry), NO_DNS, eventLoops);
        await(server.start());
    }

    int port() {
        return server.port(LISTENER);
    }

    ProxyServer server() {
        return server;
    }

    SimpleMeterRegistry registry() {
        return registry;
    }

    /** A counter summed over every label. */
    double count(String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A gauge summed over every label. */
    double gauge(String name) {
        return registry.find(name).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    /** What {@link io.snipool.core.testbed.LeakCheck} reads: client slots, active connections, the pool. */
    io.snipool.core.testbed.LeakCheck.Readings readings() {
        return new io.snipool.core.testbed.LeakCheck.Readings(server.limiter()::open,
                () -> gauge(ProxyMetrics.CONNECTIONS_ACTIVE), () -> gauge(PoolMeters.ACTIVE),
                () -> gauge(PoolMeters.IDLE));
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
            await(server.stop());
            server.pools().shutdown().get(START_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(gauge(PoolMeters.ACTIVE)).as("leased backend connections").isZero();
        assertThat(server.limiter().open()).as("client connection slots").isZero();
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture()
                .get(START_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
