package io.snipool.app.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.snipool.core.metrics.RequestMeters;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading durations histograms and their quantiles, as Prometheus's {@code histogram_quantile} would. */
class HistogramCountsTest {

    private static final double[] BOUNDS = {0.001, 0.01, 0.1, 1};

    @Test
    void interpolatesInsideTheBucketTheRankFallsIn() {
        // 10 at most 1 ms, 80 more up to 10 ms, 10 more up to 100 ms: 100 in all.
        HistogramCounts counts = new HistogramCounts(BOUNDS, new long[] {10, 90, 100, 100}, 100);

        // Rank 50 is the 40th of the 80 in (1 ms, 10 ms]: halfway.
        assertThat(counts.quantile(0.5)).hasValueCloseTo(0.0055, within(1e-12));
        // Rank 99 is the 9th of the 10 in (10 ms, 100 ms].
        assertThat(counts.quantile(0.99)).hasValueCloseTo(0.01 + 0.09 * 0.9, within(1e-12));
        // The first bucket interpolates from 0.
        assertThat(counts.quantile(0.05)).hasValueCloseTo(0.0005, within(1e-12));
    }

    @Test
    void aRankAboveTheLastBoundReadsAsTheLastBound() {
        HistogramCounts counts = new HistogramCounts(BOUNDS, new long[] {0, 0, 0, 1}, 10);

        assertThat(counts.quantile(0.5)).hasValue(1.0);
    }

    @Test
    void noObservationsNoQuantile() {
        assertThat(new HistogramCounts(BOUNDS, new long[4], 0).quantile(0.5)).isEmpty();
        assertThat(HistogramCounts.EMPTY.quantile(0.99)).isEmpty();
    }

    @Test
    void subtractsAnEarlierReadingAndKnowsWhenItCannot() {
        HistogramCounts earlier = new HistogramCounts(BOUNDS, new long[] {5, 6, 7, 8}, 9);
        HistogramCounts later = new HistogramCounts(BOUNDS, new long[] {6, 8, 10, 12}, 14);

        assertThat(later.follows(earlier)).isTrue();
        HistogramCounts between = later.minus(earlier);
        assertThat(between.cumulative()).containsExactly(1, 2, 3, 4);
        assertThat(between.total()).isEqualTo(5);
        assertThat(earlier.follows(later)).as("counts went back").isFalse();
        assertThat(later.follows(new HistogramCounts(new double[] {1}, new long[] {0}, 0)))
                .as("other bounds").isFalse();
    }

    @Test
    void sumsTheListenersTimersFromTheirCumulativeBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RequestMeters meters = new RequestMeters(registry, "web");
        meters.request("a.test", 200, Duration.ofNanos(500_000).toNanos());
        meters.request("a.test", 200, Duration.ofMillis(3).toNanos());
        meters.request("b.test", 503, Duration.ofMillis(3).toNanos());
        meters.request("b.test", 200, Duration.ofSeconds(90).toNanos());
        // A second timer of the same name and bounds, as a route label would make, is added bound by bound.
        Timer other = Timer.builder(RequestMeters.REQUEST_DURATION).tag("listener", "web").tag("route", "c.test")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60))
                .register(registry);
        other.record(Duration.ofMillis(3));

        HistogramCounts counts = HistogramCounts.sum(
                registry.find(RequestMeters.REQUEST_DURATION).tag("listener", "web").timers());

        assertThat(counts.bounds()).startsWith(0.001, 0.005).endsWith(60.0);
        assertThat(counts.total()).isEqualTo(5);
        assertThat(counts.cumulative()[0]).as("at most 1 ms").isEqualTo(1);
        assertThat(counts.cumulative()[1]).as("at most 5 ms: cumulative").isEqualTo(4);
        assertThat(counts.cumulative()[counts.cumulative().length - 1]).as("90 s is above every bound").isEqualTo(4);
        assertThat(HistogramCounts.sum(List.of())).isSameAs(HistogramCounts.EMPTY);
    }
}
