package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HostPort;
import io.snipool.config.RouteConfig;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.FlappingBackend;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Chaos, bounded, on loopback: steady keep-alive and {@code Connection: close} load through an HTTP listener to
 * three backends with active checks; one backend is killed, then restarted. Asserted: it is marked down within
 * {@code fall x interval} (plus one check under way, the jitter and a scheduling allowance), back within
 * {@code rise x interval} of the restart (the same allowances), and no idempotent request fails outside the detection
 * window (from the kill to the moment it is marked down): once down it gets no request, and a refused connect moves a
 * request on to another backend. Only requests in flight on its connections when it died may fail. Once back, its
 * share ramps over {@code slow_start}: well under a third in the first third of it (where its weight is 10% to 40% of
 * full, so its share at most 1/6), about a third once it is over.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendChaosTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final int RISE = 2;
    private static final int FALL = 2;
    /** What a loaded machine (two shared cores, a JVM running tests) may add to timers and thread hand-overs. */
    private static final Duration SCHEDULING_ALLOWANCE = Duration.ofMillis(300);
    private static final int KEEP_ALIVE_CLIENTS = 4;
    private static final int CLOSE_CLIENTS = 4;
    private static final Duration SLOW_START = Duration.ofSeconds(2);
    /** Its share in the first third of slow start: at most 1/6 by the ramp; a third would mean no ramp at all. */
    private static final double EARLY_SHARE_AT_MOST = 0.22;
    /** Its share after slow start, each loop's round robin giving exactly a third but for timing at the edges. */
    private static final double FULL_SHARE_AT_LEAST = 0.27;
    private static final double FULL_SHARE_AT_MOST = 0.40;

    private static final String CONFIG = """
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: http
                routes:
                  - hosts: [app.test]
                    backends: ["127.0.0.1:${env:A}", "127.0.0.1:${env:B}", "127.0.0.1:${env:C}"]
                    health_check: { type: http, path: /healthz, interval: 200ms, timeout: 200ms, rise: 2, fall: 2 }
                    outlier_detection: { base_ejection_time: 100ms, max_ejection_time: 200ms }
                    slow_start: 2s
            access_log: { enabled: false }
            """;
    private static final String GET = RawClient.get("app.test", "/chaos");
    private static final String GET_AND_CLOSE = RawClient.get("app.test", "/chaos", "Connection: close");

    /** One request as a client saw it: {@code 200 <backend>}, or what went wrong. */
    private record Outcome(long startNanos, long endNanos, String answer) {
        boolean failed() {
            return !answer.startsWith("200 ");
        }
    }

    @Test
    void aBackendKilledAndRestartedUnderLoadFailsNoRequestOutsideTheDetectionWindow(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a"));
        FlappingBackend b = Await.result(FlappingBackend.start(vertx, "b"));
        FlappingBackend c = Await.result(FlappingBackend.start(vertx, "c"));
        TestProxy proxy = TestProxy.start(vertx, CONFIG, Map.of("A", Integer.toString(a.port()),
                "B", Integer.toString(b.port()), "C", Integer.toString(c.port())), new FakeResolver());
        BackendHealth health = proxy.server().health();
        RouteConfig route = proxy.server().config().listeners().get(0).routes().get(0);
        HostPort atB = new HostPort("127.0.0.1", b.port());
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(KEEP_ALIVE_CLIENTS + CLOSE_CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> running = new ArrayList<>();
        try {
            int port = proxy.port("web");
            for (int i = 0; i < KEEP_ALIVE_CLIENTS; i++) {
                running.add(clients.submit(() -> keepAlive(port, outcomes, stop)));
            }
            for (int i = 0; i < CLOSE_CLIENTS; i++) {
                running.add(clients.submit(() -> closing(port, outcomes, stop)));
            }
            awaitRequests("steady load before the kill", outcomes, () -> 0L, 200);

            long killed = System.nanoTime();
            Await.result(b.kill());
            Await.until("b marked down", () -> health.isUp(atB), up -> !up);
            long down = health.view(route).availableSinceNanos(1);
            awaitRequests("load while b is down", outcomes, () -> down, 200);

            long restarted = System.nanoTime();
            Await.result(b.restart());
            Await.until("b up again", () -> health.isUp(atB), up -> up);
            long up = health.view(route).availableSinceNanos(1);
            long rampedUp = up + SLOW_START.toNanos();
            awaitRequests("load after b's slow start", outcomes, () -> rampedUp, 300);
            stop.set(true);
            for (Future<?> client : running) {
                client.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }

            assertThat(Duration.ofNanos(down - killed)).as("marked down after the kill")
                    .isLessThanOrEqualTo(bound(FALL));
            assertThat(Duration.ofNanos(up - restarted)).as("back up after the restart")
                    .isLessThanOrEqualTo(bound(RISE));
            List<Outcome> outside = outcomes.stream().filter(Outcome::failed)
                    .filter(outcome -> outcome.endNanos() < killed || outcome.startNanos() > down).toList();
            assertThat(outside).as("failed requests outside the detection window (kill at %d, down at %d)", killed,
                    down).isEmpty();
            assertThat(outcomes.stream().filter(outcome -> outcome.startNanos() > down
                    && outcome.endNanos() < restarted).map(Outcome::answer)).as("while b was down")
                    .doesNotContain("200 b");
            double early = shareOfB(outcomes, up, up + SLOW_START.toNanos() / 3);
            double full = shareOfB(outcomes, rampedUp, Long.MAX_VALUE);
            assertThat(early).as("b's share in the first third of slow start").isGreaterThan(0)
                    .isLessThanOrEqualTo(EARLY_SHARE_AT_MOST);
            assertThat(full).as("b's share after slow start").isBetween(FULL_SHARE_AT_LEAST, FULL_SHARE_AT_MOST);
            assertThat(outcomes).as("requests in all").hasSizeGreaterThan(900);
        } finally {
            stop.set(true);
            clients.shutdownNow();
            proxy.stop();
        }
    }

    /** Detection: {@code n} checks of one interval each (with their jitter), one more under way, and the allowance. */
    private static Duration bound(int n) {
        return Duration.ofNanos((long) (n * INTERVAL.toNanos() * 1.1)).plus(INTERVAL).plus(SCHEDULING_ALLOWANCE);
    }

    /**
     * The share of answers from b among the requests answered 200 that started in {@code [from, to)}; {@code to} may be
     * {@link Long#MAX_VALUE} for "until the end".
     */
    private static double shareOfB(Queue<Outcome> outcomes, long from, long to) {
        List<Outcome> answered = outcomes.stream().filter(outcome -> !outcome.failed())
                .filter(outcome -> outcome.startNanos() - from >= 0)
                .filter(outcome -> to == Long.MAX_VALUE || outcome.startNanos() - to < 0).toList();
        assertThat(answered).as("requests answered in the window").hasSizeGreaterThanOrEqualTo(60);
        return (double) answered.stream().filter(outcome -> outcome.answer().equals("200 b")).count()
                / answered.size();
    }

    /** Waits until {@code count} requests that started after {@code since} have ended. */
    private static void awaitRequests(String what, Queue<Outcome> outcomes, Supplier<Long> since, int count)
            throws InterruptedException {
        Await.until(what, () -> outcomes.stream().filter(outcome -> outcome.startNanos() - since.get() > 0).count(),
                done -> done >= count);
    }

    /** Requests on one keep-alive connection; after a failure, on a new one (the proxy closes after an error). */
    private static void keepAlive(int port, Queue<Outcome> outcomes, AtomicBoolean stop) {
        while (!stop.get()) {
            try (RawClient client = new RawClient(port)) {
                while (!stop.get()) {
                    Outcome outcome = request(client, GET);
                    outcomes.add(outcome);
                    if (outcome.failed()) {
                        break;
                    }
                }
            } catch (Exception e) {
                outcomes.add(new Outcome(System.nanoTime(), System.nanoTime(), "cannot connect: " + e));
            }
        }
    }

    /** A new connection for every request, each with {@code Connection: close}. */
    private static void closing(int port, Queue<Outcome> outcomes, AtomicBoolean stop) {
        while (!stop.get()) {
            try (RawClient client = new RawClient(port)) {
                outcomes.add(request(client, GET_AND_CLOSE));
            } catch (Exception e) {
                outcomes.add(new Outcome(System.nanoTime(), System.nanoTime(), "cannot connect: " + e));
            }
        }
    }

    private static Outcome request(RawClient client, String request) {
        long start = System.nanoTime();
        try {
            HttpWire.Response response = client.exchange(request);
            return new Outcome(start, System.nanoTime(), response.status() + " " + response.bodyText());
        } catch (Exception e) {
            return new Outcome(start, System.nanoTime(), "failed: " + e);
        }
    }
}
