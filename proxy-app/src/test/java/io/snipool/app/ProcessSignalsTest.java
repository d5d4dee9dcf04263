package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Signals to a real snipool process: drain on SIGTERM, reload on SIGHUP, log reopening on SIGUSR1. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProcessSignalsTest {

    @TempDir
    Path dir;

    private Vertx vertx;
    private HttpBackend slow;
    private HttpBackend fast;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void backends() throws Exception {
        vertx = Vertx.vertx();
        slow = Await.result(HttpBackend.start(vertx, "slow", Duration.ofMillis(1500)));
        fast = Await.result(HttpBackend.start(vertx, "fast"));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Path config(String localhostBackend, Path accessLog) throws Exception {
        return config(localhostBackend, accessLog, "0s");
    }

    private Path config(String localhostBackend, Path accessLog, String gracePeriod) throws Exception {
        Path file = dir.resolve("snipool.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - { hosts: [localhost], backends: ["127.0.0.1:%d"] }
                      - { hosts: ["127.0.0.1"], backends: ["127.0.0.1:%d"] }
                metrics: { bind: "127.0.0.1:0" }
                shutdown: { grace_period: %s, drain_timeout: 10s }
                access_log: { enabled: true, path: "%s" }
                """.formatted(fast.port(), slow.port(), gracePeriod, accessLog));
        return file;
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String host, int port) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
        try (SnipoolProcess snipool = new SnipoolProcess(config("x", dir.resolve("access.log")),
                dir.resolve("snipool.log"))) {
            int web = snipool.listenerPort("web");
            int admin = snipool.adminPort();
            Await.until(Await.SLOW_TIMEOUT, "ready", () -> status(admin, "/readyz"), status -> status == 200);

            CompletableFuture<HttpResponse<String>> inFlight = getAsync("127.0.0.1", web);
            Await.until(Await.SLOW_TIMEOUT, "the slow request reached its backend", slow::requests,
                    requests -> requests == 1);
            long signalled = System.nanoTime();
            snipool.signal("TERM");

            Await.until(Await.SLOW_TIMEOUT, "readiness turns off while draining", () -> status(admin, "/readyz"),
                    status -> status != 200);
            HttpResponse<String> response = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("slow");
            assertThat(response.headers().firstValue("connection")).hasValue("close");
            assertThat(snipool.process().waitFor(20, TimeUnit.SECONDS)).as(snipool.log()).isTrue();
            assertThat(snipool.process().exitValue()).as(snipool.log()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("well within drain_timeout")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(snipool.log()).contains("draining").contains("drained and stopped");
        }
    }

    @Test
    void sigtermWithAGracePeriodTurnsNotReadyAtOnceAndKeepsAcceptingUntilItEnds() throws Exception {
        Duration grace = Duration.ofSeconds(4);
        try (SnipoolProcess snipool = new SnipoolProcess(config("x", dir.resolve("access.log"), "4s"),
                dir.resolve("snipool.log"))) {
            int web = snipool.listenerPort("web");
            int admin = snipool.adminPort();
            Await.until(Await.SLOW_TIMEOUT, "ready", () -> status(admin, "/readyz"), status -> status == 200);

            long signalled = System.nanoTime();
            snipool.signal("TERM");

            // Phase 1: out of the load balancer's rotation at once, but still serving whoever comes.
            Await.until(Await.SLOW_TIMEOUT, "readiness off", () -> status(admin, "/readyz"), status -> status == 503);
            Duration notReadyAfter = Duration.ofNanos(System.nanoTime() - signalled);
            HttpResponse<String> late = getAsync("localhost", web).get(10, TimeUnit.SECONDS);
            Duration servedAfter = Duration.ofNanos(System.nanoTime() - signalled);
            assertThat(servedAfter).as("this request came within the grace period").isLessThan(grace);
            assertThat(late.statusCode()).as("a new connection in the grace period is served").isEqualTo(200);
            assertThat(late.body()).isEqualTo("fast");

            // Phase 2: listeners closed, the drain as without a grace period.
            Await.until(Await.SLOW_TIMEOUT, "the listener stops accepting", () -> status(web, "/"),
                    status -> status == -1);
            Duration closedAfter = Duration.ofNanos(System.nanoTime() - signalled);
            assertThat(closedAfter).as("not before the grace period ended").isGreaterThanOrEqualTo(grace);
            assertThat(notReadyAfter).as("not ready long before the listeners close").isLessThan(grace);
            assertThat(snipool.process().waitFor(20, TimeUnit.SECONDS)).as(snipool.log()).isTrue();
            assertThat(snipool.process().exitValue()).as(snipool.log()).isZero();
            assertThat(snipool.log()).contains("listeners keep accepting for 4s").contains("drained and stopped");
        }
    }

    @Test
    void aSecondSigtermExitsAtOnce() throws Exception {
        try (SnipoolProcess snipool = new SnipoolProcess(config("x", dir.resolve("access.log")),
                dir.resolve("snipool.log"))) {
            int web = snipool.listenerPort("web");
            // The listeners serve before the process is ready and has its signal handlers: wait for ready.
            int admin = snipool.adminPort();
            Await.until(Await.SLOW_TIMEOUT, "ready", () -> status(admin, "/readyz"), status -> status == 200);
            CompletableFuture<HttpResponse<String>> inFlight = getAsync("127.0.0.1", web);
            Await.until(Await.SLOW_TIMEOUT, "the slow request reached its backend", slow::requests,
                    requests -> requests == 1);

            snipool.signal("TERM");
            Await.until(Await.SLOW_TIMEOUT, "draining began", snipool::log, log -> log.contains("draining"));
            snipool.signal("TERM");

            assertThat(snipool.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(snipool.process().exitValue()).isEqualTo(1);
            assertThat(inFlight).failsWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void sighupReloadsAndSigusr1ReopensTheAccessLog() throws Exception {
        Path accessLog = dir.resolve("access.log");
        Path file = config("x", accessLog);
        try (SnipoolProcess snipool = new SnipoolProcess(file, dir.resolve("snipool.log"))) {
            int web = snipool.listenerPort("web");
            // The listeners serve before the process is ready and has its signal handlers: wait for ready.
            int admin = snipool.adminPort();
            Await.until(Await.SLOW_TIMEOUT, "ready", () -> status(admin, "/readyz"), status -> status == 200);
            assertThat(getAsync("localhost", web).get(10, TimeUnit.SECONDS).body()).isEqualTo("fast");

            Files.writeString(file, Files.readString(file).replace("[localhost], backends: [\"127.0.0.1:"
                    + fast.port(), "[localhost], backends: [\"127.0.0.1:" + slow.port()));
            snipool.signal("HUP");
            Await.until(Await.SLOW_TIMEOUT, "the reload happened", snipool::log,
                    log -> log.contains("reloaded " + file));
            assertThat(getAsync("localhost", web).get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");

            Await.until(Await.SLOW_TIMEOUT, "the access log has both requests", () -> lines(accessLog),
                    lines -> lines.size() >= 2);
            Files.move(accessLog, dir.resolve("access.log.1"));
            snipool.signal("USR1");
            Await.until(Await.SLOW_TIMEOUT, "the log was reopened", snipool::log,
                    log -> log.contains("access log reopened"));
            assertThat(getAsync("localhost", web).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            Await.until(Await.SLOW_TIMEOUT, "a new file at the old path gets the next line", () -> lines(accessLog),
                    lines -> lines.size() == 1);
            assertThat(lines(dir.resolve("access.log.1"))).hasSize(2);
            JsonObject line = new JsonObject(lines(accessLog).get(0));
            assertThat(line.getString("host")).startsWith("localhost");
            assertThat(line.getInteger("status")).isEqualTo(200);
        }
    }

    @Test
    void aSighupOrSigtermIgnoredByWhatStartedItIsLoggedAtStart() throws Exception {
        Path file = config("x", dir.resolve("access.log"));
        try (SnipoolProcess snipool = new SnipoolProcess(file, dir.resolve("snipool.log"), List.of("HUP"))) {
            int admin = snipool.adminPort();
            Await.until(Await.SLOW_TIMEOUT, "ready", () -> status(admin, "/readyz"), status -> status == 200);
            assertThat(snipool.log()).contains("SIGHUP was ignored by the process that started snipool")
                    .contains("it will not reload the configuration").doesNotContain("SIGTERM was ignored");
            snipool.signal("TERM");
            assertThat(snipool.process().waitFor(30, TimeUnit.SECONDS)).as("SIGTERM still drains and stops").isTrue();
            assertThat(snipool.process().exitValue()).isZero();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
