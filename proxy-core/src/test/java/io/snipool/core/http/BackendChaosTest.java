package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HostPort;
import io.snipool.config.RouteConfig;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.health.BackendSnapshot;
import io.snipool.core.health.HealthPhase;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.FlappingBackend;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * share ramps over {@code slow_start}: well under a third in the first third of it (where its weight is 10% to 33% of
 * full and the others' full, so its share at most 1/7), about a third once it is over.
 *
 * <p>Two things the test waits out so that the ramp it measures is b's alone: the slow start every backend has from
 * start-up (killing b before it ends would compare b's ramp with a and c still ramping: shares up to 0.23 were seen
 * so), and b's passive ejection (the load's refused connects eject it at once, and when the ejection ends before the
 * checks have failed {@code fall} times it comes back up, dead; the refused connects then put it behind the others for
 * the selector's back-off, which would hide the ramp): b is restarted only once its checks have marked it down, so
 * only the checks bring it back.
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
    /**
     * Its share in the first third of slow start: at most 1/7 by the ramp, typically 0.08 to 0.09; a third would mean
     * no ramp at all.
     */
    private static final double EARLY_SHARE_AT_MOST = 0.2;
    /** Its share after slow start, each loop's round robin giving exactly a third but for timing at the edges. */
    private static final double FULL_SHARE_AT_LEAST = 0.27;
    private static final double FULL_SHARE_AT_MOST = 0.40;

    private static final String CONFIG = SteadyLoad.threeBackends("""
            health_check: { type: http, path: /healthz, interval: 200ms, timeout: 200ms, rise: 2, fall: 2 }
            outlier_detection: { base_ejection_time: 100ms, max_ejection_time: 200ms }
            slow_start: 2s
            """);

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
        try (SteadyLoad load = SteadyLoad.start(proxy.port("web"), "/chaos", KEEP_ALIVE_CLIENTS,
                CLOSE_CLIENTS)) {
            long everyRampedUp = health.view(route).availableSinceNanos(0) + SLOW_START.toNanos();
            load.awaitRequests("steady load after start-up's slow start", () -> everyRampedUp, 200);

            long killed = System.nanoTime();
            Await.result(b.kill());
            Await.until("b marked down", () -> health.isUp(atB), up -> !up);
            long down = health.view(route).availableSinceNanos(1);
            load.awaitRequests("load while b is down", () -> down, 200);
            Await.until("b's checks failing", () -> phaseOf(health, atB), phase -> phase == HealthPhase.DOWN);

            long restarted = System.nanoTime();
            Await.result(b.restart());
            Await.until("b up again", () -> health.isUp(atB), up -> up);
            long up = health.view(route).availableSinceNanos(1);
            long rampedUp = up + SLOW_START.toNanos();
            load.awaitRequests("load after b's slow start", () -> rampedUp, 300);
            load.stop();

            assertThat(Duration.ofNanos(down - killed)).as("marked down after the kill")
                    .isLessThanOrEqualTo(bound(FALL));
            assertThat(Duration.ofNanos(up - restarted)).as("back up after the restart")
                    .isLessThanOrEqualTo(bound(RISE));
            List<SteadyLoad.Outcome> outcomes = load.outcomes();
            List<SteadyLoad.Outcome> outside = outcomes.stream().filter(SteadyLoad.Outcome::failed)
                    .filter(outcome -> outcome.endNanos() < killed || outcome.startedFrom(down)).toList();
            assertThat(outside).as("failed requests outside the detection window (kill at %d, down at %d)", killed,
                    down).isEmpty();
            assertThat(outcomes.stream().filter(outcome -> outcome.startedFrom(down) && outcome.endNanos() < restarted)
                    .map(SteadyLoad.Outcome::answer)).as("while b was down").doesNotContain("200 b");
            SteadyLoad.Share early = load.share("b", up, up + SLOW_START.toNanos() / 3);
            SteadyLoad.Share full = load.share("b", rampedUp, Long.MAX_VALUE);
            assertThat(early.among()).as("requests in the first third of slow start").isGreaterThanOrEqualTo(60);
            assertThat(early.fraction()).as("b's share in the first third of slow start (%s)", early)
                    .isGreaterThan(0).isLessThanOrEqualTo(EARLY_SHARE_AT_MOST);
            assertThat(full.fraction()).as("b's share after slow start (%s)", full)
                    .isBetween(FULL_SHARE_AT_LEAST, FULL_SHARE_AT_MOST);
            assertThat(outcomes).as("requests in all").hasSizeGreaterThan(900);
        } finally {
            proxy.stop();
        }
    }

    private static HealthPhase phaseOf(BackendHealth health, HostPort backend) {
        return health.snapshot().stream().filter(snapshot -> snapshot.backend().equals(backend.toString()))
                .map(BackendSnapshot::phase).findFirst().orElseThrow();
    }

    /** Detection: {@code n} checks of one interval each (with their jitter), one more under way, and the allowance. */
    private static Duration bound(int n) {
        return Duration.ofNanos((long) (n * INTERVAL.toNanos() * 1.1)).plus(INTERVAL).plus(SCHEDULING_ALLOWANCE);
    }
}
