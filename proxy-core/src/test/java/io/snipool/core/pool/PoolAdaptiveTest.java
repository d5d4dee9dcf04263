package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code pool.adaptive}: the warm target follows the demand seen, within the caps, the rate and the backend's health. */
class PoolAdaptiveTest {

    private static final Duration WINDOW = Duration.ofSeconds(60);
    /** How long after a window the last slot of a peak may still be remembered. */
    private static final Duration SLOT = WINDOW.dividedBy(DemandWindow.SLOTS);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final PoolHarness h = new PoolHarness();

    /** {@code n} leases at once, each connected (or served) before any is returned. */
    private List<Lease<FakeConnection>> burst(PoolHarness harness, PoolSettings settings, int n) {
        List<LeaseRecorder> recorders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            recorders.add(harness.lease(A, settings));
        }
        harness.connector.completeAll();
        return recorders.stream().map(LeaseRecorder::lease).toList();
    }

    private int targetGauge() {
        return h.listener.gauge(A, PoolGauge.TARGET_IDLE);
    }

    @Test
    void aStepInDemandRaisesTheTargetAtOnceAndItDecaysAfterTheWindow() {
        PoolSettings adaptive = settings().idleTimeout(IDLE_TIMEOUT).minIdle(0, 1000)
                .adaptive(WINDOW, 1.2, 100).build();

        List<Lease<FakeConnection>> first = burst(h, adaptive, 50);

        assertThat(h.stats(A).demandEstimate()).isEqualTo(50);
        assertThat(h.stats(A).targetIdle()).as("ceil(50 x 1.2), not 61 by rounding").isEqualTo(60);
        assertThat(targetGauge()).isEqualTo(60);
        h.clock.advance(Duration.ofMillis(20));
        h.connector.completeAll();
        h.assertCounts(A, 10, 50, 0, 0); // the headroom, prewarmed while the burst is served
        first.forEach(Lease::recycle);
        h.assertCounts(A, 60, 0, 0, 0);

        h.clock.advance(Duration.ofSeconds(5));
        int missesBefore = h.listener.misses.getOrDefault(A, 0);
        List<Lease<FakeConnection>> second = burst(h, adaptive, 50);
        assertThat(second).allSatisfy(lease -> assertThat(lease.reused()).isTrue());
        assertThat(h.listener.misses.getOrDefault(A, 0)).as("the second burst is served warm").isEqualTo(missesBefore);
        second.forEach(Lease::recycle);

        h.clock.advance(WINDOW.minusMillis(1));
        assertThat(targetGauge()).as("remembered for a whole window").isEqualTo(60);
        h.assertCounts(A, 60, 0, 0, 0);
        h.clock.advance(SLOT.plusMillis(1));
        assertThat(targetGauge()).as("forgotten within a slot after the window").isZero();
        assertThat(h.stats(A).demandEstimate()).isZero();
        h.clock.advance(IDLE_TIMEOUT);
        h.assertCounts(A, 0, 0, 0, 0);
        assertThat(h.listener.reasons()).containsOnly(EvictionReason.IDLE_TIMEOUT);
        assertThat(h.connector.made()).as("no connection made as demand fell").hasSize(60);
    }

    @Test
    void theTargetFallsStepByStepAsOldPeaksLeaveTheWindow() {
        PoolSettings adaptive = settings().idleTimeout(IDLE_TIMEOUT).minIdle(0, 1000)
                .adaptive(WINDOW, 1.0, 100).build();
        burst(h, adaptive, 10).forEach(Lease::recycle);
        h.clock.advance(SLOT);
        burst(h, adaptive, 4).forEach(Lease::recycle);
        assertThat(targetGauge()).isEqualTo(10);

        h.clock.advance(WINDOW);

        assertThat(targetGauge()).as("the older, larger peak has left the window").isEqualTo(4);
        h.clock.advance(SLOT);
        assertThat(targetGauge()).isZero();
    }

    @Test
    void theTargetNeverExceedsMaxIdleTargetNorMaxIdlePerHost() {
        PoolSettings targetCapped = settings().idleTimeout(IDLE_TIMEOUT).minIdle(0, 1000)
                .adaptive(WINDOW, 2.0, 5).build();
        burst(h, targetCapped, 20).forEach(Lease::recycle);
        assertThat(h.stats(A).targetIdle()).isEqualTo(5);
        h.clock.advance(IDLE_TIMEOUT);
        h.assertCounts(A, 5, 0, 0, 0);

        PoolHarness perHost = new PoolHarness();
        PoolSettings hostCapped = settings().idleTimeout(IDLE_TIMEOUT).maxIdlePerHost(4).minIdle(0, 1000)
                .adaptive(WINDOW, 2.0, 100).build();
        perHost.lease(A, hostCapped).assertUnanswered();
        perHost.clock.advance(Duration.ofSeconds(1));
        perHost.connector.completeAll();
        assertThat(perHost.stats(A).targetIdle()).isEqualTo(2);
        burst(perHost, hostCapped, 10).forEach(Lease::recycle);
        perHost.clock.advance(Duration.ofSeconds(1));
        assertThat(perHost.connector.inFlight()).isZero();
        assertThat(perHost.stats(A).targetIdle()).isEqualTo(4);
        perHost.assertCounts(A, 4, 1, 0, 0);
    }

    @Test
    void theTargetStaysWithinTheGlobalIdleCap() {
        PoolHarness small = new PoolHarness(new IdleBudget(3));
        PoolSettings adaptive = settings().minIdle(0, 1000).adaptive(WINDOW, 1.0, 100).build();

        burst(small, adaptive, 6).forEach(Lease::recycle);
        small.clock.advance(Duration.ofSeconds(10));

        assertThat(small.connector.inFlight()).isZero();
        small.assertCounts(A, 3, 0, 0, 0);
        assertThat(small.connector.made()).as("no churn against the cap").hasSize(6);
    }

    @Test
    void prewarmingTowardTheTargetRespectsTheRate() {
        PoolSettings twoPerSecond = settings().minIdle(0, 2).adaptive(WINDOW, 1.5, 100).build();

        List<Lease<FakeConnection>> held = burst(h, twoPerSecond, 4);
        assertThat(h.stats(A).targetIdle()).isEqualTo(6);
        h.assertCounts(A, 1, 4, 0, 0); // the first spare was made at once, alongside the burst's connects
        h.clock.advance(Duration.ofMillis(499));
        assertThat(h.connector.inFlight()).isZero();
        h.clock.advance(Duration.ofMillis(1));
        assertThat(h.connector.inFlight()).isEqualTo(1);
        h.connector.complete();
        h.clock.advance(Duration.ofSeconds(10));

        assertThat(h.connector.inFlight()).as("the headroom is two").isZero();
        h.assertCounts(A, 2, 4, 0, 0);
        held.forEach(Lease::recycle);
        h.assertCounts(A, 6, 0, 0, 0);
    }

    @Test
    void aBackendThatIsDownIsNeverWarmed() {
        AtomicBoolean up = new AtomicBoolean(true);
        PoolHarness gated = new PoolHarness(key -> up.get());
        PoolSettings adaptive = settings().minIdle(1, 1000).adaptive(WINDOW, 2.0, 100).build();
        burst(gated, adaptive, 3).forEach(Lease::recycle);
        gated.clock.advance(Duration.ofSeconds(1));
        gated.connector.completeAll();
        gated.assertCounts(A, 6, 0, 0, 0);

        up.set(false);
        gated.pool.retire(A::equals, EvictionReason.BACKEND_DOWN);
        gated.assertCounts(A, 0, 0, 0, 0);
        // Every backend of the route is down, so requests still come to it: they connect, but nothing is warmed.
        List<Lease<FakeConnection>> leases = burst(gated, adaptive, 3);
        gated.clock.advance(Duration.ofSeconds(10));
        assertThat(gated.connector.inFlight()).isZero();
        leases.forEach(Lease::recycle);
        gated.clock.advance(Duration.ofSeconds(10));
        assertThat(gated.connector.inFlight()).isZero();
        gated.pool.prewarm(A, adaptive);
        assertThat(gated.connector.inFlight()).isZero();
        gated.assertCounts(A, 3, 0, 0, 0);

        up.set(true);
        gated.leaseHit(A, adaptive).recycle();
        gated.clock.advance(Duration.ofSeconds(1));
        assertThat(gated.connector.inFlight()).as("up again: warmed to the target").isEqualTo(3);
    }

    @Test
    void withAdaptiveOffTheTargetIsTheMinimum() {
        PoolSettings fixed = settings().minIdle(2, 1000).build();

        burst(h, fixed, 10).forEach(Lease::recycle);

        assertThat(h.stats(A).demandEstimate()).isZero();
        assertThat(h.stats(A).targetIdle()).isEqualTo(2);
        assertThat(targetGauge()).isEqualTo(2);
        h.pool.shutdown();
        assertThat(targetGauge()).as("a forgotten key takes its gauge along").isZero();
    }
}
