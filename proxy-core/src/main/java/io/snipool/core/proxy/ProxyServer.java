package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.http.BackendKey;
import io.snipool.core.http.HttpPools;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.metrics.ProxyMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data plane of one configuration: every listener, deployed as one {@link ListenerVerticle} per event loop.
 * Created and started from outside the event loops (the application's main thread, or a test).
 */
public final class ProxyServer {

    /** A listener that could not bind; {@link #getCause()} says why. */
    public static final class BindFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ListenerConfig listener;

        BindFailure(ListenerConfig listener, Throwable cause) {
            super("listener '" + listener.name() + "' cannot bind " + listener.bind() + ": " + cause.getMessage(),
                    cause);
            this.listener = listener;
        }

        public ListenerConfig listener() {
            return listener;
        }
    }

    private final Vertx vertx;
    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final HostResolver resolver;
    private final int instances;
    private final ConnectionLimiter limiter;
    private final HttpPools pools;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<String> deployments = new ArrayList<>();

    /** @param instances verticle instances per listener: one per event loop */
    public ProxyServer(Vertx vertx, ProxyConfig config, ProxyMetrics metrics, HostResolver resolver, int instances) {
        this.vertx = vertx;
        this.config = config;
        this.metrics = metrics;
        this.resolver = resolver;
        this.instances = instances;
        this.limiter = new ConnectionLimiter(config.limits().maxConnections());
        this.pools = new HttpPools(((VertxInternal) vertx).transport().channelFactory(false), resolver,
                longestConnectTimeout(config), config.limits().maxResponseHeadBytes(), config.pool().maxIdleTotal(),
                new PoolMeters<>(metrics.registry(), BackendKey::label, ProxyMetrics.DEFAULT_MAX_BACKEND_LABELS,
                        new PoolEvents(config.metrics().poolEventHistory())));
    }

    /** The socket-level connect timeout of the pools: no route's own connect_timeout may be cut short by it. */
    private static Duration longestConnectTimeout(ProxyConfig config) {
        Duration longest = config.pool().connectTimeout();
        for (ListenerConfig listener : config.listeners()) {
            for (RouteConfig route : listener.routes()) {
                if (route.pool().connectTimeout().compareTo(longest) > 0) {
                    longest = route.pool().connectTimeout();
                }
            }
        }
        return longest;
    }

    /** Binds every listener in file order; fails with {@link BindFailure} on the first that cannot bind. */
    public Future<Void> start() {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < config.listeners().size(); i++) {
            ListenerConfig listener = config.listeners().get(i);
            int index = i;
            chain = chain.compose(ignored -> deploy(listener, index));
        }
        return chain;
    }

    /**
     * Instances binding the same address share one socket. For {@code :0} each listener binds a distinct
     * negative port instead: Vert.x reads that as "a random port, shared by every server given this same negative
     * number", so all instances of the listener still share one socket (a plain 0 would give each its own).
     */
    private Future<Void> deploy(ListenerConfig listener, int index) {
        ProxyMetrics.ListenerMeters meters = metrics.listener(listener.name());
        ConnectionHandler.Factory handlers = ListenerHandlers.forListener(listener, config, vertx, resolver, metrics,
                meters, pools);
        int port = listener.bind().port() == 0 ? -(index + 1) : listener.bind().port();
        ClientAdmission admission = new ClientAdmission(listener, System::nanoTime);
        RefusalLog refusalLog = new RefusalLog(listener.name(), RefusalLog.DEFAULT_INTERVAL);
        List<ListenerVerticle> started = new ArrayList<>();
        return vertx.deployVerticle(() -> {
                    ListenerVerticle instance = new ListenerVerticle(listener, port, config.timeouts().clientHello(),
                            limiter, admission, refusalLog, meters, handlers);
                    started.add(instance);
                    return instance;
                }, new DeploymentOptions().setInstances(instances))
                .recover(cause -> Future.failedFuture(new BindFailure(listener, cause)))
                .map(id -> {
                    deployments.add(id);
                    ports.put(listener.name(), started.get(0).actualPort());
                    return null;
                });
    }

    /** The port a listener actually bound (useful when configured with {@code :0}). */
    public int port(String listener) {
        Integer port = ports.get(listener);
        if (port == null) {
            throw new IllegalArgumentException("no listener named '" + listener + "'");
        }
        return port;
    }

    public ConnectionLimiter limiter() {
        return limiter;
    }

    /** The backend pools of the HTTP listeners. */
    public HttpPools pools() {
        return pools;
    }

    /** Undeploys every listener: stops accepting and closes their connections. */
    public Future<Void> stop() {
        List<Future<Void>> undeployed = new ArrayList<>();
        for (String id : deployments) {
            undeployed.add(vertx.undeploy(id));
        }
        deployments.clear();
        return Future.join(undeployed).mapEmpty();
    }
}
