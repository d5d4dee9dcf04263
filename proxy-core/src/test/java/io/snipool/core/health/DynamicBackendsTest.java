package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.HostPort;
import io.snipool.config.OutlierDetectionConfig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bounded per-address ejection state of template backends, on nanoseconds the test chooses. */
class DynamicBackendsTest {

    private static final String TEMPLATE = "${host}:443";
    private static final long SECOND = Duration.ofSeconds(1).toNanos();
    /** Three failures eject, for 10 s, doubling up to 40 s. */
    private static final OutlierDetectionConfig OUTLIER = new OutlierDetectionConfig(true, 3, Duration.ofSeconds(10),
            Duration.ofSeconds(40), 50);

    private static HostPort address(int n) {
        return new HostPort("h" + n + ".test", 443);
    }

    private static Optional<DynamicBackends.Ejection> fail(DynamicBackends dynamic, HostPort address, long now) {
        return dynamic.observe(TEMPLATE, address, OUTLIER, TrafficOutcome.CONNECT_FAILURE, now);
    }

    @Test
    void consecutiveFailuresEjectForTheBaseTimeThenDoubledUpToTheMax() {
        DynamicBackends dynamic = new DynamicBackends(10);
        HostPort a = address(1);
        assertThat(fail(dynamic, a, 0)).isEmpty();
        assertThat(fail(dynamic, a, 0)).isEmpty();
        assertThat(dynamic.ejected(a, 0)).isFalse();

        Optional<DynamicBackends.Ejection> first = fail(dynamic, a, 0);

        assertThat(first).get().extracting(DynamicBackends.Ejection::durationNanos).isEqualTo(10 * SECOND);
        assertThat(first.get().template()).isEqualTo(TEMPLATE);
        assertThat(dynamic.ejected(a, 10 * SECOND - 1)).isTrue();
        assertThat(dynamic.ejected(a, 10 * SECOND)).as("back when its time is up").isFalse();
        assertThat(dynamic.ejectedCount(5 * SECOND)).isOne();

        long now = 10 * SECOND;
        for (long expected : new long[] {20, 40, 40}) {
            fail(dynamic, a, now);
            fail(dynamic, a, now);
            Optional<DynamicBackends.Ejection> again = fail(dynamic, a, now);
            assertThat(again).get().extracting(DynamicBackends.Ejection::durationNanos)
                    .isEqualTo(expected * SECOND);
            now += expected * SECOND;
        }
    }

    @Test
    void aSuccessEndsTheStreakAndFailuresWhileEjectedDoNotExtendIt() {
        DynamicBackends dynamic = new DynamicBackends(10);
        HostPort a = address(1);
        fail(dynamic, a, 0);
        fail(dynamic, a, 0);
        dynamic.observe(TEMPLATE, a, OUTLIER, TrafficOutcome.SUCCESS, 0);
        assertThat(fail(dynamic, a, 0)).as("the streak started again").isEmpty();
        fail(dynamic, a, 0);
        assertThat(fail(dynamic, a, 0)).isPresent();

        for (int i = 0; i < 5; i++) {
            assertThat(fail(dynamic, a, SECOND)).as("already out").isEmpty();
        }
        assertThat(dynamic.ejected(a, 10 * SECOND)).isFalse();
    }

    @Test
    void aBadGatewayStatusCountsAndDisabledDetectionCountsNothing() {
        DynamicBackends dynamic = new DynamicBackends(10);
        HostPort a = address(1);
        OutlierDetectionConfig off = new OutlierDetectionConfig(false, 1, Duration.ofSeconds(10),
                Duration.ofSeconds(40), 50);
        assertThat(dynamic.observe(TEMPLATE, a, off, TrafficOutcome.CONNECT_FAILURE, 0)).isEmpty();
        assertThat(dynamic.size()).isZero();
        for (int i = 0; i < 3; i++) {
            dynamic.observe(TEMPLATE, a, OUTLIER, TrafficOutcome.ofStatus(503), 0);
        }
        assertThat(dynamic.ejected(a, 0)).isTrue();
    }

    @Test
    void successesOfAddressesNeverSeenFailingTakeNoRoom() {
        DynamicBackends dynamic = new DynamicBackends(10);
        for (int n = 0; n < 100; n++) {
            dynamic.observe(TEMPLATE, address(n), OUTLIER, TrafficOutcome.SUCCESS, 0);
        }
        assertThat(dynamic.size()).isZero();
    }

    @Test
    void atTheLimitTheLeastRecentlyUsedAddressIsDropped() {
        DynamicBackends dynamic = new DynamicBackends(DynamicBackends.DEFAULT_MAX_ADDRESSES);
        HostPort ejected = address(0);
        for (int i = 0; i < 3; i++) {
            fail(dynamic, ejected, 0);
        }
        for (int n = 1; n < DynamicBackends.DEFAULT_MAX_ADDRESSES; n++) {
            fail(dynamic, address(n), 0);
        }
        assertThat(dynamic.size()).isEqualTo(DynamicBackends.DEFAULT_MAX_ADDRESSES);
        assertThat(dynamic.ejected(ejected, 0)).as("at the limit, nothing dropped; the look-up makes it recent")
                .isTrue();

        fail(dynamic, address(DynamicBackends.DEFAULT_MAX_ADDRESSES), 0);

        assertThat(dynamic.size()).isEqualTo(DynamicBackends.DEFAULT_MAX_ADDRESSES);
        assertThat(dynamic.ejected(ejected, 0)).as("recently read: kept").isTrue();
        fail(dynamic, address(1), 0);
        assertThat(fail(dynamic, address(1), 0)).as("address 1 was the least recent: dropped, its streak lost")
                .isEmpty();
        assertThat(dynamic.size()).isEqualTo(DynamicBackends.DEFAULT_MAX_ADDRESSES);
    }

    @Test
    void theLimitIsAtLeastOne() {
        assertThatThrownBy(() -> new DynamicBackends(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
