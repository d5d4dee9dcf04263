package io.snipool.core.proxy;

import io.netty.channel.EventLoop;
import io.snipool.config.AcceptMode;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.health.NettyProber;
import io.snipool.core.http.BackendKey;
import io.snipool.core.http.HttpPools;
import io.snipool.core.http.NettyScheduler;
import io.snipool.core.metrics.BackendHealthMeters;
import io.snipool.core.metrics.BackendTlsMeters;
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
import java.util.Objects;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The data plane: every listener, deployed as one {@link ListenerVerticle} per event loop, and the backend pools.
 * Started, reloaded, drained and stopped from outside the event loops (the application's main thread, a signal
 * handler's thread, or a test). Those operations are serialized by the caller; {@link #reload} and {@link #drain}
 * must not overlap.
 */
public final class ProxyServer {

    /** A listener that could not bind; {@link #getCause()} says why. */
    public static final class BindFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ListenerConfig listener;

        /** The native transports prefix the system call: "bind(..) failed with error(-98): Address in use". */
        private static final Pattern NATIVE_ERROR_PREFIX =
                Pattern.compile("^[a-z_]+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");

        BindFailure(ListenerConfig listener, Throwable cause) {
            super("listener '" + listener.name() + "' cannot bind " + listener.bind() + ": " + reason(cause), cause);
            this.listener = listener;
        }

        /** Why a bind failed, in the operating system's words, whichever transport reported it. */
        public static String reason(Throwable cause) {
            return cause.getMessage() == null ? cause.getClass().getSimpleName()
                    : NATIVE_ERROR_PREFIX.matcher(cause.getMessage()).replaceFirst("");
        }

        public ListenerConfig listener() {
            return listener;
        }
    }

    /** One deployed listener: its live configuration, verticles and bound port. */
    private record Deployed(LiveListener live, String deploymentId, List<ListenerVerticle> verticles, int port) {
    }

    private final Vertx vertx;
    private final ProxyMetrics metrics;
    private final HostResolver resolver;
    private final int instances;
    private final boolean perLoopAccept;
    private final ConnectionLimiter limiter;
    private final HttpPools pools;
    private final BackendHealth health;
    private final Map<String, Deployed> listeners = new LinkedHashMap<>();
    private final Map<String, LiveListener.Meters> metersByName = new LinkedHashMap<>();
    private volatile ProxyConfig config;
    private volatile AccessLog accessLog;
    private int negativePorts;

    /** @param instances verticle instances per listener: one per event loop */
    public ProxyServer(Vertx vertx, ProxyConfig config, ProxyMetrics metrics, HostResolver resolver, int instances) {
        this(vertx, config, metrics, resolver, instances, AccessLog.DISABLED);
    }

    /** As above, writing one access log line per HTTP request and per TLS connection to {@code accessLog}. */
    public ProxyServer(Vertx vertx, ProxyConfig config, ProxyMetrics metrics, HostResolver resolver, int instances,
                       AccessLog accessLog) {
        this.vertx = vertx;
        this.accessLog = accessLog;
        this.config = config;
        this.metrics = metrics;
        this.resolver = resolver;
        this.instances = instances;
        this.perLoopAccept = config.accept() == AcceptMode.PER_LOOP && LoopAcceptor.supported((VertxInternal) vertx);
        this.limiter = new ConnectionLimiter(config.limits().maxConnections());
        metrics.connectionLimit(limiter::maxConnections);
        var channels = ((VertxInternal) vertx).transport().channelFactory(false);
        this.pools = new HttpPools(channels, resolver,
                longestConnectTimeout(config), config.limits().maxResponseHeadBytes(), config.pool().maxIdleTotal(),
                new PoolMeters<>(metrics.registry(), BackendKey::label, ProxyMetrics.DEFAULT_MAX_BACKEND_LABELS,
                        new PoolEvents(config.metrics().poolEventHistory())),
                new BackendTlsMeters(metrics.registry(), ProxyMetrics.DEFAULT_MAX_BACKEND_LABELS), this::health);
        // Checks and ejection timers run on one event loop; their transitions are rare and take a lock.
        EventLoop healthLoop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
        this.health = new BackendHealth(new NettyScheduler(healthLoop), new NettyProber(healthLoop, channels, resolver),
                new BackendHealthMeters(metrics.registry()), pools.meters().events(), pools::backendDown,
                new Random());
        health.apply(config);
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

    /**
     * Binds every listener in file order, then starts the health checks; fails with {@link BindFailure} on the first
     * listener that cannot bind.
     */
    public Future<Void> start() {
        Future<Void> chain = Future.succeededFuture();
        for (ListenerConfig listener : config.listeners()) {
            chain = chain.compose(ignored -> deploy(listener));
        }
        return chain.onSuccess(ignored -> health.start());
    }

    /**
     * Deploys one instance per event loop. With {@code accept: per_loop} on a native transport each binds a socket
     * of its own on the listener's port; otherwise they share Vert.x's one socket ({@link ListenerBinding}).
     */
    private Future<Void> deploy(ListenerConfig listener) {
        // A listener that is rebound or changes mode gets a fresh live configuration; its meters continue.
        LiveListener live = new LiveListener(listener, config, liveMeters(listener.name()), accessLog);
        ConnectionHandler.Factory handlers = ListenerHandlers.forListener(live, config, vertx, resolver, pools, health);
        int configuredPort = listener.bind().port();
        ListenerBinding binding = perLoopAccept ? new ListenerBinding.PerLoop(configuredPort)
                : new ListenerBinding.Shared(configuredPort == 0 ? -(++negativePorts) : configuredPort);
        RefusalLog refusalLog = new RefusalLog(listener.name(), RefusalLog.DEFAULT_INTERVAL);
        List<ListenerVerticle> started = new ArrayList<>();
        return vertx.deployVerticle(() -> {
                    ListenerVerticle instance = new ListenerVerticle(live, binding, config.timeouts().clientHello(),
                            limiter, refusalLog, handlers);
                    started.add(instance);
                    return instance;
                }, new DeploymentOptions().setInstances(instances))
                .recover(cause -> Future.failedFuture(new BindFailure(listener, cause)))
                .map(id -> {
                    listeners.put(listener.name(), new Deployed(live, id, started, started.get(0).actualPort()));
                    return null;
                });
    }

    /**
     * Applies a new, already validated configuration without dropping a connection. Listeners that keep their
     * name, address, mode and PROXY setting switch to the new routes and limits for new connections and requests;
     * in-flight exchanges and tunnels keep what they started with. Added listeners bind; removed or rebound ones
     * stop accepting and get {@code shutdown.drain_timeout} for their connections. Pools keep the connections of
     * backends that remain.
     *
     * <p>New addresses are bound first: if one cannot be bound, those already bound are released and nothing
     * changes. An address taken over from a removed listener is bound after that listener lets go of it; a failure
     * there is reported, and the rest of the new configuration stays in force. Backend health takes the new backends
     * before anything can route to them; kept backends keep their state.
     */
    public Future<Void> reload(ProxyConfig next) {
        try {
            health.apply(next);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        Map<String, ListenerConfig> wanted = new LinkedHashMap<>();
        next.listeners().forEach(listener -> wanted.put(listener.name(), listener));
        List<Deployed> retiring = new ArrayList<>();
        List<ListenerConfig> fresh = new ArrayList<>();
        List<ListenerConfig> takeOver = new ArrayList<>();
        for (Deployed deployed : listeners.values()) {
            ListenerConfig replacement = wanted.get(deployed.live().config().name());
            if (replacement == null || !sameSocket(deployed.live().config(), replacement)) {
                retiring.add(deployed);
            }
        }
        for (ListenerConfig listener : next.listeners()) {
            Deployed existing = listeners.get(listener.name());
            if (existing != null && sameSocket(existing.live().config(), listener)) {
                continue;
            }
            boolean addressHeld = listener.bind().port() != 0 && retiring.stream()
                    .anyMatch(old -> old.live().config().bind().equals(listener.bind()));
            (addressHeld ? takeOver : fresh).add(listener);
        }
        ProxyConfig previous = config;
        config = next;
        Future<Void> bound = Future.succeededFuture();
        List<String> boundNow = new ArrayList<>();
        for (ListenerConfig listener : fresh) {
            bound = bound.compose(ignored -> deploy(listener).onSuccess(v -> boundNow.add(listener.name())));
        }
        return bound.recover(failure -> {
            config = previous;
            health.apply(previous);
            return rollBack(boundNow, retiring).transform(ignored -> Future.failedFuture(failure));
        }).compose(ignored -> {
            for (ListenerConfig listener : next.listeners()) {
                Deployed existing = listeners.get(listener.name());
                if (existing != null && !boundNow.contains(listener.name())
                        && sameSocket(existing.live().config(), listener)) {
                    existing.live().update(listener, next, accessLog);
                }
            }
            limiter.maxConnections(next.limits().maxConnections());
            pools.reconfigure(next);
            Future<Void> handedOver = Future.succeededFuture();
            for (Deployed old : retiring) {
                if (listeners.get(old.live().config().name()) == old) {
                    listeners.remove(old.live().config().name());
                }
                handedOver = handedOver.compose(v -> retire(old, next.shutdown().drainTimeout()));
            }
            for (ListenerConfig listener : takeOver) {
                handedOver = handedOver.compose(v -> deploy(listener));
            }
            return handedOver;
        });
    }

    /** Stops accepting at once (the address is free when this completes); connections drain in the background. */
    private Future<Void> retire(Deployed deployed, Duration drainTimeout) {
        List<Future<Void>> unbound = new ArrayList<>();
        for (ListenerVerticle verticle : deployed.verticles()) {
            unbound.add(verticle.shutdown(drainTimeout));
        }
        Future.join(unbound).onComplete(ignored -> vertx.undeploy(deployed.deploymentId()));
        return Future.succeededFuture();
    }

    /** Undoes the binds of a failed reload: the new deployments go, the ones they replaced come back. */
    private Future<Void> rollBack(List<String> boundNow, List<Deployed> retiring) {
        List<Future<Void>> undeployed = new ArrayList<>();
        for (String name : boundNow) {
            Deployed fresh = listeners.remove(name);
            undeployed.add(vertx.undeploy(fresh.deploymentId()));
            retiring.stream().filter(old -> old.live().config().name().equals(name)).findFirst()
                    .ifPresent(old -> listeners.put(name, old));
        }
        return Future.join(undeployed).mapEmpty();
    }

    /** One set of meters per listener name for the life of the process, so counts continue across reloads. */
    private LiveListener.Meters liveMeters(String name) {
        return metersByName.computeIfAbsent(name, n -> new LiveListener.Meters(metrics.listener(n),
                new io.snipool.core.metrics.RequestMeters(metrics.registry(), n),
                new io.snipool.core.metrics.TlsMeters(metrics.registry(), n)));
    }

    /** The same socket serves both: an unchanged {@code :0} keeps the port it was given. */
    private static boolean sameSocket(ListenerConfig a, ListenerConfig b) {
        return a.bind().equals(b.bind()) && a.mode() == b.mode() && a.proxyProtocolIn() == b.proxyProtocolIn();
    }

    /**
     * Graceful stop: every listener stops accepting at once, each open connection is told to finish (an HTTP
     * client gets {@code Connection: close} on its last response, an idle one is closed, a tunnel may run on), and
     * what remains after {@code timeout} is closed. Then the pools close their idle connections.
     */
    public Future<Void> drain(Duration timeout) {
        health.stop();
        List<Future<Void>> drained = new ArrayList<>();
        for (Deployed deployed : listeners.values()) {
            for (ListenerVerticle verticle : deployed.verticles()) {
                drained.add(verticle.shutdown(timeout));
            }
        }
        return Future.join(drained).transform(ignored -> Future.fromCompletionStage(pools.shutdown()));
    }

    /** The port a listener actually bound (useful when configured with {@code :0}). */
    public int port(String listener) {
        Deployed deployed = listeners.get(listener);
        if (deployed == null) {
            throw new IllegalArgumentException("no listener named '" + listener + "'");
        }
        return deployed.port();
    }

    /** Names of the listeners deployed now, in deployment order. */
    public List<String> listenerNames() {
        return List.copyOf(listeners.keySet());
    }

    /** Whether each event loop accepts on a socket of its own ({@code accept: per_loop} on a native transport). */
    public boolean acceptsPerLoop() {
        return perLoopAccept;
    }

    public ProxyConfig config() {
        return config;
    }

    /** Replaces the access log for what is reloaded or deployed from now on (call before {@link #reload}). */
    public void accessLog(AccessLog next) {
        accessLog = next;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    public ConnectionLimiter limiter() {
        return limiter;
    }

    /** The backend pools of the HTTP listeners. */
    public HttpPools pools() {
        return pools;
    }

    /** The health of every configured backend, which both listener kinds consult. */
    public BackendHealth health() {
        return health;
    }

    /** Undeploys every listener: stops accepting and closes their connections at once. */
    public Future<Void> stop() {
        health.stop();
        List<Future<Void>> undeployed = new ArrayList<>();
        for (Deployed deployed : listeners.values()) {
            undeployed.add(vertx.undeploy(deployed.deploymentId()));
        }
        listeners.clear();
        return Future.join(undeployed).mapEmpty();
    }

    @Override
    public String toString() {
        return "ProxyServer" + Objects.requireNonNullElse(listeners.keySet(), List.of());
    }
}
