package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.HostPort;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.metrics.BackendHealthMeters;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.pool.ManualScheduler;
import io.snipool.core.testbed.CapturedLogs;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Backend health with a test clock and a prober the test answers: rise and fall, ejection times (doubling, cap,
 * forgiveness), {@code max_ejection_percent}, the independence of ejections from checks, reloads, and what the
 * metrics, events and admin API show.
 */
class BackendHealthTest {

    private static final HostPort A = new HostPort("10.0.0.1", 80);
    private static final HostPort B = new HostPort("10.0.0.2", 80);
    private static final HostPort C = new HostPort("10.0.0.3", 80);
    private static final HostPort D = new HostPort("10.0.0.4", 80);
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    /** A, B and C, as a {@code backends} list. */
    private static final String THREE = "\"10.0.0.1:80\", \"10.0.0.2:80\", \"10.0.0.3:80\"";

    private final ManualScheduler clock = new ManualScheduler();
    private final FakeProber prober = new FakeProber(clock::elapsedNanos);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PoolEvents events = new PoolEvents(100);
    private final List<HostPort> toldUnavailable = new ArrayList<>();
    private final BackendHealth health = new BackendHealth(clock, prober, new BackendHealthMeters(registry), events,
            toldUnavailable::add, new SplittableRandom(7));

    /** One http listener with one route {@code api.test} of {@code backends}, with {@code settings} added to it. */
    private static ProxyConfig config(String backends, String settings) {
        return TestProxy.load("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - hosts: [api.test, "*.api.test"]
                        backends: [%s]
                %s""".formatted(backends, settings.indent(8)), Map.of());
    }

    private static final String CHECKED = """
            health_check: { type: http, path: /healthz, interval: 2s, timeout: 1s, rise: 2, fall: 3 }
            """;
    private static final String OUTLIER = """
            outlier_detection: { consecutive_failures: 5, base_ejection_time: 30s, max_ejection_time: 5m }
            """;

    private RouteHealth view(ProxyConfig config) {
        return health.view(config.listeners().get(0).routes().get(0));
    }

    private void fail(HostPort backend, int times) {
        for (int i = 0; i < times; i++) {
            health.observe(backend, TrafficOutcome.RESET);
        }
    }

    /** Answers the running check of {@code backend} and lets the clock run to the start of its next one. */
    private void check(HostPort backend, boolean passed) {
        prober.answer(backend, passed);
        clock.advance(Duration.ofMillis(2200));
    }

    private HealthPhase phase(HostPort backend) {
        return health.snapshot().stream().filter(s -> s.backend().equals(backend.toString())).findFirst()
                .orElseThrow().phase();
    }

    private double up(HostPort backend) {
        Gauge gauge = registry.find(BackendHealthMeters.UP).tag("route", "api.test").tag("backend", backend.toString())
                .gauge();
        return gauge == null ? -1 : gauge.value();
    }

    private double counter(String name, String backend, String tag, String value) {
        Counter counter = registry.find(name).tag("backend", backend).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void fallFailedChecksTakeABackendDownAndRisePassedOnesBringItBack() {
        ProxyConfig config = config("\"10.0.0.1:80\", \"10.0.0.2:80\"", CHECKED);
        health.apply(config);
        health.start();
        clock.advance(INTERVAL);
        RouteHealth route = view(config);

        try (CapturedLogs logs = CapturedLogs.of(BackendHealth.class.getName())) {
            check(A, false);
            check(A, false);
            assertThat(route.available(0)).as("two failures of three").isTrue();
            long before = clock.nanoTime();
            check(A, false);

            assertThat(phase(A)).isEqualTo(HealthPhase.DOWN);
            assertThat(route.available(0)).isFalse();
            assertThat(route.available(1)).isTrue();
            assertThat(route.availableSinceNanos(0) - before).as("since the third failure").isBetween(0L,
                    Duration.ofMillis(2200).toNanos());
            assertThat(toldUnavailable).containsExactly(A);
            assertThat(up(A)).isZero();
            assertThat(up(B)).isOne();

            check(A, true);
            assertThat(route.available(0)).as("one pass of two").isFalse();
            check(A, false);
            check(A, true);
            check(A, true);

            assertThat(route.available(0)).isTrue();
            assertThat(up(A)).isOne();
            assertThat(logs.records()).extracting(LogRecord::getMessage).containsExactly(
                    "backend 10.0.0.1:80 is down: 3 failed health checks in a row (connect_failed: Connection"
                            + " refused)",
                    "backend 10.0.0.1:80 is up: 2 passed health checks in a row");
        }
        assertThat(events.recent()).extracting(PoolEvents.Event::type).containsExactly("backend_down", "backend_up");
        assertThat(counter(BackendHealthMeters.HEALTH_CHECKS, "10.0.0.1:80", "result", "connect_failed")).isEqualTo(4);
        assertThat(counter(BackendHealthMeters.HEALTH_CHECKS, "10.0.0.1:80", "result", "ok")).isEqualTo(3);
    }

    @Test
    void checksStartSpreadOverTheFirstIntervalAndKeepTheirRhythmWithinTheJitter() {
        health.apply(config(THREE, CHECKED));
        health.start();
        clock.advance(INTERVAL);
        List<Long> firsts = List.of(prober.startTimes(A).get(0), prober.startTimes(B).get(0),
                prober.startTimes(C).get(0));

        assertThat(firsts).allSatisfy(start -> assertThat(start).isBetween(0L, INTERVAL.toNanos() - 1));
        assertThat(firsts).as("not in step").doesNotHaveDuplicates();
        for (int i = 0; i < 20; i++) {
            check(A, true);
        }
        List<Long> starts = prober.startTimes(A);
        for (int i = 1; i < starts.size(); i++) {
            assertThat(starts.get(i) - starts.get(i - 1)).as("gap before check " + i)
                    .isBetween((long) (INTERVAL.toNanos() * 0.9), (long) (INTERVAL.toNanos() * 1.1));
        }
        assertThat(starts.stream().map(start -> (start - starts.get(0)) % INTERVAL.toNanos()).distinct().count())
                .as("the drift varies").isGreaterThan(1);
    }

    @Test
    void consecutiveFailuresEjectForTheBaseTimeThenDoubledUpToTheMaximum() {
        ProxyConfig config = config(THREE, OUTLIER);
        health.apply(config);
        RouteHealth route = view(config);

        fail(A, 4);
        health.observe(A, TrafficOutcome.SUCCESS);
        fail(A, 4);
        assertThat(route.available(0)).as("a success broke the streak").isTrue();
        fail(A, 1);
        assertThat(route.available(0)).isFalse();
        assertThat(phase(A)).isEqualTo(HealthPhase.EJECTED);
        assertThat(toldUnavailable).containsExactly(A);

        for (Duration expected : List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
                Duration.ofSeconds(240), Duration.ofMinutes(5), Duration.ofMinutes(5))) {
            if (phase(A) != HealthPhase.EJECTED) {
                fail(A, 5);
            }
            clock.advance(expected.minusNanos(1));
            assertThat(route.available(0)).as("still ejected just before " + expected).isFalse();
            clock.advance(Duration.ofNanos(1));
            assertThat(route.available(0)).as("back after " + expected).isTrue();
        }
        assertThat(counter(BackendHealthMeters.EJECTIONS, "10.0.0.1:80", "reason", "reset")).isEqualTo(6);
    }

    @Test
    void timeBackInTakesADoublingBackPerBaseTime() {
        health.apply(config(THREE, OUTLIER));
        fail(A, 5);
        clock.advance(Duration.ofSeconds(30));
        fail(A, 5);
        clock.advance(Duration.ofSeconds(60)); // ejection 2 over; the next would last 120 s
        clock.advance(Duration.ofSeconds(30)); // one base time back in: forgiven one doubling

        fail(A, 5);
        clock.advance(Duration.ofSeconds(60).minusNanos(1));
        assertThat(phase(A)).isEqualTo(HealthPhase.EJECTED);
        clock.advance(Duration.ofNanos(1));
        assertThat(phase(A)).isEqualTo(HealthPhase.UP);
    }

    @Test
    void neverMoreThanMaxEjectionPercentOfARouteAtOnce() {
        ProxyConfig config = config(THREE, OUTLIER);
        health.apply(config);
        RouteHealth route = view(config);

        fail(A, 5);
        fail(B, 7);

        assertThat(route.available(0)).isFalse();
        assertThat(route.available(1)).as("50% of 3 is one backend").isTrue();
        clock.advance(Duration.ofSeconds(30));
        fail(B, 1);
        assertThat(route.available(1)).as("its streak stood; room now").isFalse();

        ProxyConfig four = config("\"10.0.0.1:80\", \"10.0.0.2:80\", \"10.0.0.3:80\", \"10.0.0.4:80\"", OUTLIER);
        health.apply(four);
        fail(C, 5);
        fail(D, 5);
        assertThat(health.snapshot()).extracting(BackendSnapshot::phase).containsExactly(HealthPhase.UP,
                HealthPhase.EJECTED, HealthPhase.EJECTED, HealthPhase.UP);
    }

    @Test
    void aRouteOfOneBackendNeverEjectsIt() {
        health.apply(config("\"10.0.0.1:80\"", OUTLIER));
        fail(A, 50);

        assertThat(phase(A)).isEqualTo(HealthPhase.UP);
        assertThat(toldUnavailable).isEmpty();
    }

    @Test
    void anEjectedBackendComesBackWhenItsTimeEndsWhateverItsChecksSay() {
        ProxyConfig config = config(THREE, CHECKED + OUTLIER);
        health.apply(config);
        health.start();
        clock.advance(INTERVAL);
        fail(A, 5);

        for (int i = 0; i < 10; i++) {
            check(A, true); // 22 s of passed checks
        }
        assertThat(phase(A)).as("passed checks do not end an ejection").isEqualTo(HealthPhase.EJECTED);
        for (int i = 0; i < 4; i++) {
            check(A, true);
        }
        assertThat(phase(A)).as("30 s over").isEqualTo(HealthPhase.UP);

        fail(A, 5);
        for (int i = 0; i < 3; i++) {
            check(A, false);
        }
        assertThat(phase(A)).as("failed checks while ejected").isEqualTo(HealthPhase.EJECTED);
        clock.advance(Duration.ofSeconds(60));
        assertThat(phase(A)).as("its time ended; its checks say down").isEqualTo(HealthPhase.DOWN);
        fail(A, 20);
        assertThat(phase(A)).as("traffic does not eject what is down").isEqualTo(HealthPhase.DOWN);
        prober.answer(A, true);
        clock.advance(Duration.ofMillis(2200));
        check(A, true);
        assertThat(phase(A)).isEqualTo(HealthPhase.UP);
    }

    @Test
    void aReloadKeepsTheStateOfKeptBackendsAndTheRhythmOfUnchangedChecks() {
        health.apply(config(THREE, CHECKED + OUTLIER));
        health.start();
        clock.advance(INTERVAL);
        fail(A, 5);
        for (int i = 0; i < 3; i++) {
            check(B, false);
        }
        int checksOfA = prober.startTimes(A).size();

        ProxyConfig next = config("\"10.0.0.1:80\", \"10.0.0.4:80\"", CHECKED + OUTLIER);
        health.apply(next);
        RouteHealth route = view(next);

        assertThat(route.available(0)).as("A is still ejected").isFalse();
        assertThat(route.available(1)).as("D is new, and up").isTrue();
        assertThat(health.isUp(B)).as("B is no longer tracked").isTrue();
        assertThat(up(B)).as("nor shown").isEqualTo(-1);
        assertThat(up(D)).isOne();
        assertThat(prober.startTimes(A)).as("no extra check of A").hasSize(checksOfA);
        clock.advance(Duration.ofSeconds(30));
        assertThat(route.available(0)).as("its ejection ends on time").isTrue();
        assertThat(prober.startTimes(D)).as("D is checked").isNotEmpty();
    }

    @Test
    void removingTheChecksOfABackendThatIsDownBringsItUp() {
        health.apply(config("\"10.0.0.1:80\", \"10.0.0.2:80\"", CHECKED));
        health.start();
        clock.advance(INTERVAL);
        for (int i = 0; i < 3; i++) {
            check(A, false);
        }
        assertThat(phase(A)).isEqualTo(HealthPhase.DOWN);

        health.apply(config("\"10.0.0.1:80\", \"10.0.0.2:80\"", ""));

        assertThat(phase(A)).isEqualTo(HealthPhase.UP);
        int started = prober.started().size();
        clock.advance(Duration.ofMinutes(1));
        assertThat(prober.started()).as("no more checks").hasSize(started);
    }

    @Test
    void templateBackendsAreNeitherCheckedNorTracked() {
        ProxyConfig config = config("\"${host}:80\", \"10.0.0.1:80\"", CHECKED);
        health.apply(config);
        health.start();
        clock.advance(INTERVAL);
        health.observe(new HostPort("tenant.api.test", 80), TrafficOutcome.CONNECT_FAILURE);

        assertThat(prober.started()).extracting(ProbeTarget::address).containsExactly(A);
        assertThat(view(config).available(0)).isTrue();
        assertThat(health.snapshot()).extracting(BackendSnapshot::backend).containsExactly("10.0.0.1:80");
    }

    @Test
    void responsesAreCountedByClassAndOnlyGatewayStatusesCountAsFailures() {
        health.apply(config(THREE, OUTLIER));

        health.observeResponse(A, 200);
        health.observeResponse(A, 404);
        health.observeResponse(A, 500);
        health.observeResponse(A, 101);
        for (int status : new int[] {502, 503, 504, 503}) {
            health.observeResponse(A, status);
        }
        health.observe(A, TrafficOutcome.RESPONSE_TIMEOUT);

        assertThat(phase(A)).isEqualTo(HealthPhase.EJECTED);
        assertThat(counter(BackendHealthMeters.REQUESTS, "10.0.0.1:80", "code_class", "2xx")).isOne();
        assertThat(counter(BackendHealthMeters.REQUESTS, "10.0.0.1:80", "code_class", "1xx")).isOne();
        assertThat(counter(BackendHealthMeters.REQUESTS, "10.0.0.1:80", "code_class", "4xx")).isOne();
        assertThat(counter(BackendHealthMeters.REQUESTS, "10.0.0.1:80", "code_class", "5xx")).isEqualTo(5);
        assertThat(counter(BackendHealthMeters.REQUESTS, "10.0.0.1:80", "code_class", "none")).isOne();
        assertThat(counter(BackendHealthMeters.EJECTIONS, "10.0.0.1:80", "reason", "response_timeout")).isOne();
    }

    @Test
    void theAdminReportShowsStateChecksAndEjections() {
        health.apply(config(THREE, CHECKED + OUTLIER));
        health.start();
        clock.advance(INTERVAL);
        prober.answer(B, true);
        fail(A, 5);
        clock.advance(Duration.ofSeconds(10));
        Instant now = Instant.parse("2030-01-01T00:00:00Z");

        JsonArray report = HealthReport.backends(health.snapshot(), backend -> backend.equals("10.0.0.2:80") ? 3 : 0,
                now);

        JsonObject a = report.getJsonObject(0);
        assertThat(a.getString("backend")).isEqualTo("10.0.0.1:80");
        assertThat(a.getJsonArray("routes")).containsExactly(new JsonObject().put("route", "api.test")
                .put("weight", 1).put("backup", false));
        assertThat(a.getString("state")).isEqualTo("ejected");
        assertThat(a.getString("since")).isEqualTo("2029-12-31T23:59:50Z");
        assertThat(a.getLong("ejections")).isOne();
        assertThat(a.getDouble("ejected_for_seconds")).isEqualTo(20.0);
        assertThat(a.getJsonObject("check").getString("type")).isEqualTo("http");
        assertThat(a.getJsonObject("check").containsKey("last_result")).as("not checked yet").isFalse();
        JsonObject b = report.getJsonObject(1);
        assertThat(b.getString("state")).isEqualTo("up");
        assertThat(b.getLong("active")).isEqualTo(3);
        assertThat(b.getValue("ejected_for_seconds")).isNull();
        assertThat(b.getJsonObject("check").getString("last_result")).isEqualTo("ok");
        assertThat(b.getJsonObject("check").getDouble("last_latency_ms")).isEqualTo(1.0);
        assertThat(report).hasSize(3);
    }

    @Test
    void aBackendOfSeveralRoutesIsOneStateCountedInEachRoute() {
        ProxyConfig config = TestProxy.load("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - { hosts: [one.test], backends: ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"] }
                      - { hosts: [two.test], backends: ["10.0.0.1:80", "10.0.0.4:80"] }
                """, Map.of());
        health.apply(config);
        List<RouteConfig> routes = config.listeners().get(0).routes();

        fail(A, 5);

        assertThat(phase(A)).as("each route has room for one ejection").isEqualTo(HealthPhase.EJECTED);
        assertThat(health.view(routes.get(0)).available(0)).isFalse();
        assertThat(health.view(routes.get(1)).available(0)).isFalse();
        fail(D, 5);
        assertThat(phase(D)).as("two.test has one of two ejected already").isEqualTo(HealthPhase.UP);
    }

    @Test
    void theReportGivesEachRouteThatListsABackendItsWeightAndBackupFlag() {
        health.apply(TestProxy.load("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - hosts: [one.test]
                        backends: [{ address: "10.0.0.1:80", weight: 3 }, "10.0.0.2:80", "10.0.0.1:80"]
                      - hosts: [two.test]
                        backends: ["10.0.0.2:80", { address: "10.0.0.1:80", backup: true }]
                """, Map.of()));

        List<BackendSnapshot> snapshot = health.snapshot();

        assertThat(snapshot.get(0).routes()).as("listed twice in one.test: weights summed, not a backup")
                .containsExactly(new BackendSnapshot.RouteShare("one.test", 4, false),
                        new BackendSnapshot.RouteShare("two.test", 1, true));
        assertThat(snapshot.get(1).routes()).containsExactly(new BackendSnapshot.RouteShare("one.test", 1, false),
                new BackendSnapshot.RouteShare("two.test", 1, false));
    }
}
