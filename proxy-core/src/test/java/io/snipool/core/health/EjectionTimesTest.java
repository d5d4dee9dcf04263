package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Ejection lengths: doubled on each repeat, capped, forgiven one doubling per quiet base time. */
class EjectionTimesTest {

    private static final long BASE = Duration.ofSeconds(30).toNanos();
    private final EjectionTimes times = new EjectionTimes(BASE, Duration.ofMinutes(5).toNanos());

    @Test
    void eachRepeatDoublesUpToTheMaximum() {
        assertThat(times.durationNanos(1)).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(times.durationNanos(2)).isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(times.durationNanos(3)).isEqualTo(Duration.ofSeconds(120).toNanos());
        assertThat(times.durationNanos(4)).isEqualTo(Duration.ofSeconds(240).toNanos());
        assertThat(times.durationNanos(5)).as("480 s, capped").isEqualTo(Duration.ofMinutes(5).toNanos());
        assertThat(times.durationNanos(200)).as("no overflow however often").isEqualTo(Duration.ofMinutes(5).toNanos());
    }

    @Test
    void aQuietBaseTimeTakesOneDoublingBack() {
        assertThat(times.nextLevel(0, 0)).as("a first ejection").isEqualTo(1);
        assertThat(times.nextLevel(1, BASE - 1)).as("ejected again at once").isEqualTo(2);
        assertThat(times.nextLevel(3, BASE)).isEqualTo(3);
        assertThat(times.nextLevel(3, 2 * BASE)).isEqualTo(2);
        assertThat(times.nextLevel(3, 100 * BASE)).as("back to the base, no lower").isEqualTo(1);
    }

    @Test
    void refusesWhatCannotBe() {
        assertThatThrownBy(() -> new EjectionTimes(BASE, BASE - 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> times.durationNanos(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
