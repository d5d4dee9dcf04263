package io.snipool.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per interval, and the next line says how many were held back. */
class LogThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10), now::get);

    @Test
    void theFirstEventIsLoggedAndTheRestOfTheIntervalHeldBack() {
        assertThat(throttle.admit(() -> "first", "failed")).contains("first");
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(throttle.admit(() -> "second", "failed")).isEmpty();
        assertThat(throttle.admit(() -> "third", "failed")).isEmpty();
    }

    @Test
    void theNextLineCountsWhatWasHeldBack() {
        throttle.admit(() -> "first", "refused");
        throttle.admit(() -> "second", "refused");
        throttle.admit(() -> "third", "refused");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(throttle.admit(() -> "fourth", "refused"))
                .contains("fourth; 2 more refused since the last report");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(throttle.admit(() -> "fifth", "refused")).as("nothing held back since").contains("fifth");
    }

    @Test
    void aHeldBackLineIsNeverBuilt() {
        throttle.admit(() -> "first", "failed");
        assertThat(throttle.admit(() -> {
            throw new AssertionError("built a line that is held back");
        }, "failed")).isEmpty();
    }
}
