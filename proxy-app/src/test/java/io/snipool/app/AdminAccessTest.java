package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.Cidr;
import io.snipool.config.HostPort;
import io.snipool.config.MetricsConfig;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * metrics.allow and metrics.token at each edge, through a real admin router on loopback. Whether the server is
 * "beyond loopback" is the flag given to AdminAccess, so no test binds beyond loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminAccessTest {

    private static final String TOKEN = "0123456789abcdef-rotated-by-reload";

    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<MetricsConfig> config = new AtomicReference<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer server;

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void serve(boolean boundToLoopback, List<String> allow, Optional<String> token) {
        config.set(new MetricsConfig(new HostPort("0.0.0.0", 9090), 16, allow.stream().map(Cidr::parse).toList(),
                token));
        Router router = Router.router(vertx);
        router.route().handler(new AdminAccess(boundToLoopback, config::get, registry)::admit);
        router.route().handler(ctx -> ctx.response().end("done"));
        server = Await.result(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    }

    private HttpResponse<String> send(String method, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
                + "/api/reload")).method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private double refusals(String reason) {
        return registry.get(AdminAccess.REFUSALS).tag("reason", reason).counter().count();
    }

    @Test
    void anAddressOutsideAllowIsRefusedEverything() throws Exception {
        serve(true, List.of("10.0.0.0/8", "::1/128"), Optional.empty());

        HttpResponse<String> refused = send("GET", null);

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("127.0.0.1 is not in metrics.allow");
        assertThat(refusals("not_allowed")).isOne();
        config.set(new MetricsConfig(config.get().bind(), 16, List.of(Cidr.parse("127.0.0.1/32")), Optional.empty()));
        assertThat(send("GET", null).statusCode()).as("allow as reloaded").isEqualTo(200);
    }

    @Test
    void beyondLoopbackAChangeNeedsTheBearerToken() throws Exception {
        serve(false, List.of(), Optional.of(TOKEN));

        assertThat(send("GET", null).statusCode()).as("reading needs no token").isEqualTo(200);
        HttpResponse<String> none = send("POST", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(send("POST", "Bearer " + TOKEN.substring(1)).statusCode()).isEqualTo(401);
        assertThat(send("POST", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(send("POST", "Basic " + TOKEN).statusCode()).isEqualTo(401);
        assertThat(send("POST", "Bearer " + TOKEN).body()).isEqualTo("done");
        assertThat(send("DELETE", "bearer " + TOKEN).statusCode()).as("the scheme is case-insensitive")
                .isEqualTo(200);
        assertThat(refusals("bad_token")).isEqualTo(4);

        config.set(new MetricsConfig(config.get().bind(), 16, List.of(), Optional.of(TOKEN + "-next")));
        assertThat(send("POST", "Bearer " + TOKEN).statusCode()).as("the old token after a rotation")
                .isEqualTo(401);
        assertThat(send("POST", "Bearer " + TOKEN + "-next").statusCode()).isEqualTo(200);
    }

    @Test
    void beyondLoopbackWithoutATokenNoChangeIsAllowed() throws Exception {
        serve(false, List.of(), Optional.empty());

        HttpResponse<String> refused = send("POST", "Bearer anything-at-all-long-enough");

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("set metrics.token");
        assertThat(refusals("no_token_configured")).isOne();
        assertThat(send("GET", null).statusCode()).isEqualTo(200);
    }

    @Test
    void onLoopbackAChangeNeedsNoToken() throws Exception {
        serve(true, List.of(), Optional.empty());

        assertThat(send("POST", null).statusCode()).isEqualTo(200);
        assertThat(refusals("bad_token") + refusals("no_token_configured") + refusals("not_allowed")).isZero();
    }
}
