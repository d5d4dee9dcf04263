package io.snipool.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.snipool.app.status.StatusAssets;
import io.snipool.app.status.StatusReport;
import io.snipool.config.HostPort;
import io.snipool.config.ProxyConfig;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.health.HealthReport;
import io.snipool.core.http.HttpPools;
import io.snipool.core.http.PoolReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The admin HTTP server on {@code metrics.bind}: Prometheus metrics, liveness, readiness, the pool and backend
 * APIs, and the status page with its snapshot ({@code /api/stats}).
 * Loopback by default; beyond loopback, {@link AdminAccess} limits who may use it ({@code metrics.allow}) and who
 * may change anything ({@code metrics.token}).
 */
final class AdminServer {

    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final Readiness readiness;
    private final HttpPools pools;
    private final BackendHealth health;
    private final Supplier<Reloader.Outcome> reload;
    private final Supplier<ProxyConfig> config;
    private final StatusReport status;
    private HttpServer server;

    AdminServer(Vertx vertx, PrometheusMeterRegistry registry, Readiness readiness, HttpPools pools,
                BackendHealth health, Supplier<Reloader.Outcome> reload, Supplier<ProxyConfig> config,
                StatusReport status) {
        this.vertx = vertx;
        this.registry = registry;
        this.readiness = readiness;
        this.pools = pools;
        this.health = health;
        this.reload = reload;
        this.config = config;
        this.status = status;
    }

    /** Binds on {@code bind}, answering requests as {@code access} allows. */
    Future<HttpServer> start(HostPort bind, AdminAccess access) {
        Router router = Router.router(vertx);
        router.route().handler(access::admit);
        router.get("/metrics").handler(this::metrics);
        router.get("/healthz").handler(ctx -> text(ctx, 200, "ok\n"));
        router.get("/readyz").handler(this::readiness);
        router.get("/api/pools").handler(ctx -> poolRows(ctx, rows -> json(ctx, rows)));
        router.get("/api/stats").handler(this::stats);
        StatusAssets.mount(router);
        router.post("/api/reload").handler(this::reload);
        router.get("/api/pool-events").handler(ctx -> json(ctx, PoolReport.events(pools.meters().events())));
        router.get("/api/backends").handler(ctx -> json(ctx, HealthReport.backends(health.snapshot(),
                backend -> pools.meters().active(backend) + health.tunnels().to(backend), Instant.now())));
        router.route().last().handler(ctx -> text(ctx, 404, "not found: " + ctx.request().path() + "\n"));
        HttpServerOptions options = new HttpServerOptions().setHost(bind.host()).setPort(bind.port());
        server = vertx.createHttpServer(options).requestHandler(router);
        return server.listen().onSuccess(ignored -> sampleStatus());
    }

    /** The status page's latency windows: read now, then every interval until Vert.x closes. */
    private void sampleStatus() {
        status.sample(config.get().listeners());
        vertx.setPeriodic(StatusReport.SAMPLE_INTERVAL.toMillis(), timer -> status.sample(config.get().listeners()));
    }

    int actualPort() {
        return server.actualPort();
    }

    Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void metrics(RoutingContext ctx) {
        // Rendering every meter takes milliseconds with many labels: keep it off the event loop.
        vertx.executeBlocking(registry::scrape, false).onComplete(result -> {
            if (result.succeeded()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE).end(result.result());
            } else {
                text(ctx, 500, "metrics unavailable: " + result.cause().getMessage() + "\n");
            }
        });
    }

    /** The rows of {@code /api/pools} to {@code answer}, on this context; 500 when they cannot be had. */
    private void poolRows(RoutingContext ctx, Consumer<JsonArray> answer) {
        // Each event loop's pool is read on its own loop; the answer comes back on this context.
        io.vertx.core.Context context = vertx.getOrCreateContext();
        PoolReport.pools(pools).whenComplete((report, failure) -> context.runOnContext(ignored -> {
            if (failure != null) {
                text(ctx, 500, "pool report unavailable: " + failure.getMessage() + "\n");
            } else {
                answer.accept(report);
            }
        }));
    }

    private void stats(RoutingContext ctx) {
        poolRows(ctx, rows -> json(ctx, status.render(Instant.now(), config.get().listeners(), rows, health.snapshot(),
                backend -> PoolReport.withoutConnections(backend, pools.meters()),
                PoolReport.events(pools.meters().events()))));
    }

    /** Reloading blocks (validation, binding): off the event loop. 200 when applied, 422 with every problem. */
    private void reload(RoutingContext ctx) {
        vertx.executeBlocking(reload::get, false).onComplete(result -> {
            if (result.failed()) {
                text(ctx, 500, "reload failed: " + result.cause() + "\n");
                return;
            }
            Reloader.Outcome outcome = result.result();
            ctx.response().setStatusCode(outcome.applied() ? 200 : 422)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(new JsonObject().put("applied", outcome.applied())
                            .put("problems", new JsonArray(outcome.problems())).encodePrettily());
        });
    }

    private static void json(RoutingContext ctx, JsonArray body) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encodePrettily());
    }

    /** Compact: the status page polls it every 2 s, and with hundreds of backends indentation would double it. */
    private static void json(RoutingContext ctx, JsonObject body) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
    }

    private void readiness(RoutingContext ctx) {
        Readiness.State state = readiness.state();
        text(ctx, state == Readiness.State.READY ? 200 : 503, state.name().toLowerCase(java.util.Locale.ROOT) + "\n");
    }

    private static void text(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end(body);
    }
}
