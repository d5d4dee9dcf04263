package io.snipool.app.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The five-minute window: the reading now less the oldest of the last {@link LatencyWindow#SAMPLES}. */
class LatencyWindowTest {

    private static final double[] BOUNDS = {0.01, 0.1};

    /** {@code n} observations under 10 ms and {@code slow} between 10 and 100 ms, since start. */
    private static HistogramCounts reading(long fast, long slow) {
        return new HistogramCounts(BOUNDS, new long[] {fast, fast + slow}, fast + slow);
    }

    @Test
    void beforeTheFirstSampleEverythingCounts() {
        assertThat(new LatencyWindow().since(reading(3, 1)).total()).isEqualTo(4);
    }

    @Test
    void subtractsTheOldestSampleKept() {
        LatencyWindow window = new LatencyWindow();
        window.sample(reading(100, 0));
        window.sample(reading(150, 0));

        HistogramCounts recent = window.since(reading(150, 10));

        assertThat(recent.total()).isEqualTo(60);
        assertThat(recent.cumulative()).containsExactly(50, 60);
    }

    @Test
    void forgetsWhatIsOlderThanTheSpan() {
        LatencyWindow window = new LatencyWindow();
        // Slow requests first, then only fast ones for a whole span: the slow ones must leave the window.
        window.sample(reading(0, 1000));
        for (int i = 1; i <= LatencyWindow.SAMPLES; i++) {
            window.sample(reading(i * 10L, 1000));
        }

        HistogramCounts recent = window.since(reading(LatencyWindow.SAMPLES * 10L + 10, 1000));

        assertThat(recent.total()).isEqualTo(LatencyWindow.SAMPLES * 10L);
        assertThat(recent.quantile(0.99).getAsDouble()).isLessThanOrEqualTo(0.01);
        assertThat(LatencyWindow.SPAN.toMinutes()).isEqualTo(5);
    }

    @Test
    void aHistogramThatWentBackRestartsTheWindow() {
        LatencyWindow window = new LatencyWindow();
        window.sample(reading(500, 500));
        window.sample(reading(2, 0));

        assertThat(window.since(reading(5, 0)).total()).as("since the reading after the reset").isEqualTo(3);
    }
}
