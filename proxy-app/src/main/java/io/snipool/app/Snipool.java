package io.snipool.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.snipool.app.status.ConfigHistory;
import io.snipool.app.status.StatusReport;
import io.snipool.config.AcceptMode;
import io.snipool.config.AccessLogConfig;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.Units;
import io.snipool.core.accesslog.AccessLineFormat;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.accesslog.AsyncAccessLog;
import io.snipool.core.backend.VertxHostResolver;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.proxy.ProxyServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * A running snipool: Vert.x with Micrometer metrics, one listener verticle per event loop for each configured
 * listener, and the admin server. Built by {@link #start}, ended by {@link #stop}.
 */
public final class Snipool {

    private static final Logger LOG = Logger.getLogger(Snipool.class.getName());

    private volatile ProxyConfig config;
    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final Readiness readiness = new Readiness();
    private final ConfigHistory history = new ConfigHistory(Instant.now());
    private final AdminServer admin;
    private final int eventLoops;
    private final ProxyServer proxy;
    private volatile Reloader reloader;
    private volatile AccessLog accessLog;
    private volatile JvmMeters jvmMeters;

    private Snipool(ProxyConfig config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.eventLoops = Runtime.getRuntime().availableProcessors();
        // Vert.x's net server and client meters are off: snipool reads and writes its listeners' sockets below
        // Vert.x, so those meters would count connections but not bytes, and their per-connection bookkeeping
        // costs throughput. snipool's own meters cover connections and bytes; the admin server's HTTP meters and
        // the worker pools stay. The JVM's meters are JvmMeters, bound after the listeners (start-up).
        MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
                .setEnabled(true)
                .setJvmMetricsEnabled(false)
                .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
                .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT);
        TransportChoice transport = TransportChoice.of(config.transport());
        this.vertx = Vertx.builder()
                .with(new VertxOptions().setEventLoopPoolSize(eventLoops).setMetricsOptions(metricsOptions))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .withTransport(DeferAcceptTransport.of(transport.chosen(), deferAcceptSeconds(config)))
                .build();
        if (transport.note().isEmpty()) {
            LOG.info(transport.logLine());
        } else {
            LOG.warning(transport.logLine());
        }
        if (deferAcceptSeconds(config) > 0 && DeferAcceptTransport.deferOption(transport.chosen()).isEmpty()) {
            LOG.info("timeouts.defer_accept has no effect on the " + transport.name() + " transport");
        }
        transport.register(registry);
        this.accessLog = openAccessLog(config.accessLog(), registry);
        this.proxy = new ProxyServer(vertx, config, new ProxyMetrics(registry), new VertxHostResolver(vertx),
                eventLoops, accessLog);
        if (config.accept() == AcceptMode.PER_LOOP && !proxy.acceptsPerLoop()) {
            LOG.info("accept: per_loop needs a native transport; on " + transport.name()
                    + " the event loops share one listening socket per address");
        }
        this.admin = new AdminServer(vertx, registry, readiness, proxy.pools(), proxy.health(), this::reloadFromApi,
                this::config, new StatusReport(registry, history));
    }

    /**
     * Binds the admin server and every listener, blocking the calling thread (not an event loop) until done.
     * On failure everything already started is closed again and a {@link StartupException} names the cause.
     */
    public static Snipool start(ProxyConfig config, Duration timeout) {
        return start(config, null, name -> null, timeout);
    }

    /**
     * As {@link #start(ProxyConfig, Duration)}, remembering where the configuration came from so that it can be
     * reloaded (SIGHUP, {@code POST /api/reload}, the file watcher).
     *
     * @param configFile  the file {@code config} was read from, or null if there is none to reload
     * @param environment for {@code ${env:...}} references when reloading
     */
    public static Snipool start(ProxyConfig config, Path configFile, Function<String, String> environment,
                                Duration timeout) {
        return start(config, configFile, environment, timeout, started -> {
        });
    }

    /**
     * As {@link #start(ProxyConfig, Path, Function, Duration)}, running {@code beforeReady} once everything is up and
     * before {@code /readyz} turns 200: the process's signal handlers go there, so that whoever waits for ready
     * (a load balancer, an orchestrator, a test) may signal it from then on.
     */
    public static Snipool start(ProxyConfig config, Path configFile, Function<String, String> environment,
                                Duration timeout, Consumer<Snipool> beforeReady) {
        Snipool snipool = new Snipool(config);
        if (configFile != null) {
            snipool.reloader = new Reloader(snipool, configFile, environment, snipool.registry,
                    snipool.history);
        }
        try {
            snipool.startAll().toCompletionStage().toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            snipool.jvmMeters = JvmMeters.bind(snipool.registry);
            beforeReady.accept(snipool);
            snipool.readiness.set(Readiness.State.READY);
            return snipool;
        } catch (ExecutionException e) {
            snipool.closeFromOutside();
            Throwable cause = e.getCause();
            throw cause instanceof StartupException startup ? startup
                    : new StartupException("start-up failed: " + cause, cause);
        } catch (TimeoutException e) {
            snipool.closeFromOutside();
            throw new StartupException("start-up did not finish within " + Units.formatDuration(timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            snipool.closeFromOutside();
            throw new StartupException("start-up interrupted", e);
        }
    }

    /**
     * Closes Vert.x and waits. Only from a non-Vert.x thread: a close future chained on an event-loop context
     * would never complete, as its callbacks are scheduled on the loop being shut down.
     */
    private void closeFromOutside() {
        closeJvmMeters();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warning("closing after a failed start-up: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Future<Void> startAll() {
        // The listeners come first: the data path serves as soon as it can, while the admin server (vertx-web, its
        // router), the JVM's meters and the status page's sampling are still being set up; /readyz, on the admin
        // server, turns ready only once all of that is done (docs/operations.md, "Start-up"). snipool's own meters
        // are in the registry from before the first bind, so no connection goes uncounted.
        return proxy.start()
                .recover(cause -> Future.failedFuture(cause instanceof ProxyServer.BindFailure failure
                        ? bindFailure("listener '" + failure.listener().name() + "'",
                        failure.listener().bind().toString(), failure.getCause())
                        : cause))
                .onSuccess(ignored -> {
                    for (ListenerConfig listener : config.listeners()) {
                        LOG.info("listener " + listener.name() + " (" + listener.mode().name().toLowerCase(Locale.ROOT)
                                + ") bound " + hostPort(listener.bind().host(), proxy.port(listener.name())) + " on "
                                + eventLoops + " event loops" + (proxy.acceptsPerLoop() ? ", a socket each" : ""));
                    }
                })
                .compose(ignored -> admin.start(config.metrics().bind(),
                                new AdminAccess(config.metrics().loopbackOnly(), () -> config.metrics(), registry))
                        .recover(cause -> Future.failedFuture(bindFailure("the admin server (metrics.bind)",
                                config.metrics().bind().toString(), cause))))
                .onSuccess(server -> LOG.info("admin server bound " + hostPort(config.metrics().bind().host(),
                        server.actualPort()) + " (status page /, /metrics, /healthz, /readyz, /api/stats, /api/pools, "
                        + "/api/pool-events, /api/backends)"))
                .mapEmpty();
    }

    private static StartupException bindFailure(String what, String address, Throwable cause) {
        String reason;
        if (cause instanceof UnknownHostException) {
            reason = "cannot resolve host";
        } else {
            reason = ProxyServer.BindFailure.reason(cause);
        }
        return new StartupException(what + " cannot bind " + address + ": " + reason, cause);
    }

    private static String hostPort(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** {@code timeouts.defer_accept} in the whole seconds {@code TCP_DEFER_ACCEPT} takes (the reader ensures them). */
    private static int deferAcceptSeconds(ProxyConfig config) {
        return (int) config.timeouts().deferAccept().toSeconds();
    }

    /**
     * Applies a validated configuration to the running process (see {@link ProxyServer#reload}); blocks the
     * calling thread, which must not be an event loop. Throws {@link StartupException} naming what could not be
     * applied (a new address that cannot be bound), in which case the previous configuration stays in force.
     */
    public synchronized void reload(ProxyConfig next, Duration timeout) {
        if (next.transport() != config.transport()) {
            LOG.warning("transport changed to " + next.transport().name().toLowerCase(Locale.ROOT)
                    + "; the event loops keep theirs until a restart");
        }
        if (next.accept() != config.accept()) {
            LOG.warning("accept changed to " + next.accept().name().toLowerCase(Locale.ROOT)
                    + "; the listeners keep theirs until a restart");
        }
        if (!next.timeouts().deferAccept().equals(config.timeouts().deferAccept())) {
            LOG.warning("timeouts.defer_accept changed to " + Units.formatDuration(next.timeouts().deferAccept())
                    + "; the listening sockets keep theirs until a restart");
        }
        if (!next.metrics().bind().equals(config.metrics().bind())) {
            LOG.warning("metrics.bind changed to " + next.metrics().bind() + "; the admin server keeps "
                    + config.metrics().bind() + " until a restart");
        }
        AccessLog previousLog = accessLog;
        boolean newLog = !next.accessLog().equals(config.accessLog());
        if (newLog) {
            proxy.accessLog(openAccessLog(next.accessLog(), registry));
        }
        Throwable failure = null;
        try {
            proxy.reload(next).toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            failure = new StartupException("reload did not finish within " + Units.formatDuration(timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new StartupException("reload interrupted", e);
        }
        if (failure != null) {
            if (newLog) {
                AccessLog unused = proxy.accessLog();
                proxy.accessLog(previousLog);
                unused.close();
            }
            throw failure instanceof StartupException startup ? startup
                    : new StartupException(failure instanceof ProxyServer.BindFailure bind ? bind.getMessage()
                    : "reload failed: " + failure, failure);
        }
        LogSetup.apply(next.logging());
        if (newLog) {
            // Connections opened before the reload keep writing to the previous log until they end; it stays
            // open for them (a daemon thread, a bounded queue) and is only superseded.
            accessLog = proxy.accessLog();
        }
        config = next;
        for (ListenerConfig listener : next.listeners()) {
            LOG.info("listener " + listener.name() + " (" + listener.mode().name().toLowerCase(Locale.ROOT)
                    + ") serving " + hostPort(listener.bind().host(), proxy.port(listener.name())) + " with "
                    + listener.routes().size() + " routes");
        }
    }

    /**
     * Graceful stop, blocking: {@code /readyz} turns 503 at once; listeners keep accepting for
     * {@code shutdown.grace_period}, long enough for load balancers to stop sending new connections; then they stop
     * accepting, open connections get {@code shutdown.drain_timeout} to finish, pools close, and Vert.x is released.
     */
    public void drain() {
        readiness.set(Readiness.State.DRAINING);
        Duration grace = config.shutdown().gracePeriod();
        if (!grace.isZero()) {
            LOG.info("shutting down: not ready; listeners keep accepting for " + Units.formatDuration(grace)
                    + " (shutdown.grace_period)");
            try {
                Thread.sleep(grace.toMillis()); // this thread's only job; a second signal exits at once meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration timeout = config.shutdown().drainTimeout();
        LOG.info("draining: no new connections; open ones get up to " + Units.formatDuration(timeout));
        try {
            proxy.drain(timeout).toCompletionStage().toCompletableFuture()
                    .get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warning("drain did not complete cleanly: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeFromOutside();
        LOG.info("drained and stopped");
    }

    public ProxyConfig config() {
        return config;
    }

    private static AccessLog openAccessLog(AccessLogConfig config, PrometheusMeterRegistry registry) {
        if (!config.enabled()) {
            return AccessLog.DISABLED;
        }
        Path file = config.path().equals(AccessLogConfig.STDOUT) ? null : Path.of(config.path());
        try {
            return new AsyncAccessLog(file, System.out, AccessLineFormat.of(config),
                    AsyncAccessLog.DEFAULT_QUEUE_CAPACITY, registry);
        } catch (IOException e) {
            throw new StartupException("cannot open the access log " + config.path() + ": " + e.getMessage(), e);
        }
    }

    /** SIGUSR1: the access log file was rotated away; write to a new one at its path. */
    public void reopenAccessLog() {
        accessLog.reopen();
    }

    /** The reloader of the configuration file, or null when started without one. */
    public Reloader reloader() {
        return reloader;
    }

    private Reloader.Outcome reloadFromApi() {
        Reloader current = reloader;
        return current == null ? new Reloader.Outcome(false, List.of("started without a configuration file"))
                : current.reload();
    }

    public ProxyServer proxy() {
        return proxy;
    }

    /** Stops accepting, closes every connection and releases Vert.x. */
    public Future<Void> stop() {
        readiness.set(Readiness.State.DRAINING);
        closeJvmMeters();
        return vertx.close();
    }

    private void closeJvmMeters() {
        JvmMeters meters = jvmMeters;
        if (meters != null) {
            meters.close();
        }
    }

    /** The port a listener actually bound (useful when configured with {@code :0}). */
    public int listenerPort(String name) {
        return proxy.port(name);
    }

    public int adminPort() {
        return admin.actualPort();
    }

    public Readiness readiness() {
        return readiness;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public Vertx vertx() {
        return vertx;
    }
}
