package io.snipool.core.testbed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.snipool.config.ConfigLoader;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.ProxyConfig;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.proxy.ProxyServer;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * snipool's data plane started from YAML in a test, with its meters in a {@link SimpleMeterRegistry} to read back.
 * Values such as backend ports go in as {@code ${env:NAME}} references, expanded from {@code env} by the real
 * loader.
 */
public final class TestProxy {

    /** Verticle instances per listener: two, so connections really are spread over more than one event loop. */
    public static final int EVENT_LOOPS = 2;

    private final Vertx vertx;
    private final ProxyServer server;
    private final SimpleMeterRegistry registry;

    private TestProxy(Vertx vertx, ProxyServer server, SimpleMeterRegistry registry) {
        this.vertx = vertx;
        this.server = server;
        this.registry = registry;
    }

    public static TestProxy start(Vertx vertx, String yaml, Map<String, String> env, HostResolver resolver) {
        return start(vertx, yaml, env, resolver, EVENT_LOOPS);
    }

    /** @param eventLoops verticle instances per listener, each on its own event loop with its own pool */
    public static TestProxy start(Vertx vertx, String yaml, Map<String, String> env, HostResolver resolver,
                                  int eventLoops) {
        return start(vertx, load(yaml, env), resolver, eventLoops);
    }

    /** The configuration {@code yaml} describes, read by the real loader; for tests that change it before starting. */
    public static ProxyConfig load(String yaml, Map<String, String> env) {
        try {
            return new ConfigLoader(env::get).parse(yaml, "test.yaml");
        } catch (InvalidConfigException e) {
            throw new AssertionError("test configuration does not load: " + e.getMessage(), e);
        }
    }

    /** Starts the data plane of {@code config}, as built by a test. */
    public static TestProxy start(Vertx vertx, ProxyConfig config, HostResolver resolver, int eventLoops) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyServer server = new ProxyServer(vertx, config, new ProxyMetrics(registry), resolver, eventLoops);
        Await.result(server.start());
        return new TestProxy(vertx, server, registry);
    }

    /** The data plane itself, for what has no accessor here. */
    public ProxyServer server() {
        return server;
    }

    /** Every meter of this proxy, for meters without an accessor here. */
    public SimpleMeterRegistry registry() {
        return registry;
    }

    public int port(String listener) {
        return server.port(listener);
    }

    /** {@code snipool_connections_total} for one outcome. */
    public double connections(String listener, ProxyMetrics.Outcome outcome) {
        return registry.get(ProxyMetrics.CONNECTIONS).tag("listener", listener).tag("outcome", outcome.label())
                .counter().count();
    }

    /** {@code snipool_client_hello_errors_total} for one reason; 0 when never counted. */
    public double helloErrors(String listener, String reason) {
        Counter counter = registry.find(ProxyMetrics.CLIENT_HELLO_ERRORS).tag("listener", listener)
                .tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    /** {@code snipool_backend_connect_errors_total} summed over backends. */
    public double backendConnectErrors(String listener) {
        return registry.find(ProxyMetrics.BACKEND_CONNECT_ERRORS).tag("listener", listener).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /** {@code snipool_bytes_total} in one direction ({@code client_to_backend} or {@code backend_to_client}). */
    public double bytes(String listener, String direction) {
        return registry.get(ProxyMetrics.BYTES).tag("listener", listener).tag("direction", direction).counter()
                .count();
    }

    /** Client connections open now, by the gauge, over every listener. */
    public double active() {
        return registry.find(ProxyMetrics.CONNECTIONS_ACTIVE).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    /** A gauge summed over every label; 0 when never registered. */
    public double gauge(String name) {
        return registry.find(name).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    /** What {@link LeakCheck} reads: client slots, active connections, the HTTP pools. */
    public LeakCheck.Readings readings() {
        return new LeakCheck.Readings(this::limiterOpen, this::active,
                () -> gauge(io.snipool.core.metrics.PoolMeters.ACTIVE),
                () -> gauge(io.snipool.core.metrics.PoolMeters.IDLE));
    }

    /** The HTTP listeners' backend pools, one per event loop. */
    public io.snipool.core.http.HttpPools pools() {
        return server.pools();
    }

    /** Slots held in the process-wide {@code max_connections} limiter. */
    public int limiterOpen() {
        return server.limiter().open();
    }

    /**
     * Waits until every client connection has been closed and accounted for: the active gauge and the limiter both
     * back at 0. A socket closed twice would take them below 0, one never closed would leave them above.
     */
    public void awaitAllClosed() throws InterruptedException {
        Await.until("every client connection closed: the active gauge and the limiter at 0", readings()::read,
                seen -> seen.activeConnections() == 0 && seen.limiterOpen() == 0);
    }

    /**
     * Runs an empty task on every event loop, twice, and waits for each: whatever a loop had queued when this was
     * called has run when it returns, and whatever that queued in turn. Netty runs a closed channel's close listeners
     * first and its {@code channelInactive} in a later task, so a test that saw a close (the limiter's slot released,
     * the peer's FIN) calls this before asserting that nothing more was counted.
     */
    public void settle() throws InterruptedException {
        for (int round = 0; round < 2; round++) {
            for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
                try {
                    loop.submit(() -> { }).get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new AssertionError("event loop " + loop + " did not run an empty task", e);
                }
            }
        }
    }

    public void stop() {
        Await.result(server.stop());
    }
}
