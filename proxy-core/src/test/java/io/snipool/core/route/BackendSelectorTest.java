package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.BackendTemplate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {

    private static final BackendTemplate A = BackendTemplate.parse("a.internal:443");
    private static final BackendTemplate B = BackendTemplate.parse("b.internal:443");
    private static final BackendTemplate C = BackendTemplate.parse("c.internal:443");

    /** Time that moves only when the test says so. */
    private static final class FakeClock implements LongSupplier {
        private long nanos;

        FakeClock(long startNanos) {
            this.nanos = startNanos;
        }

        void advance(Duration duration) {
            nanos += duration.toNanos();
        }

        @Override
        public long getAsLong() {
            return nanos;
        }
    }

    private final FakeClock clock = new FakeClock(1_000_000_000L);
    private final BackendSelector selector =
            new BackendSelector(List.of(A, B, C), BackendSelector.DEFAULT_FAILURE_BACKOFF, clock);

    @Test
    void roundRobinStartsOneFurtherEachTime() {
        assertThat(selector.candidates()).containsExactly(A, B, C);
        assertThat(selector.candidates()).containsExactly(B, C, A);
        assertThat(selector.candidates()).containsExactly(C, A, B);
        assertThat(selector.candidates()).containsExactly(A, B, C);
    }

    @Test
    void failedBackendGoesLastAndTheOthersShareTheFirstAttempts() {
        selector.markFailed(B);

        assertThat(selector.isBackedOff(B)).isTrue();
        assertThat(selector.isBackedOff(A)).isFalse();
        assertThat(selector.candidates()).containsExactly(A, C, B);
        assertThat(selector.candidates()).containsExactly(C, A, B);
        assertThat(selector.candidates()).containsExactly(A, C, B);
        assertThat(selector.candidates()).containsExactly(C, A, B);
    }

    @Test
    void backOffExpiresAfterItsDuration() {
        selector.markFailed(A);
        clock.advance(BackendSelector.DEFAULT_FAILURE_BACKOFF.minusNanos(1));

        assertThat(selector.isBackedOff(A)).isTrue();
        assertThat(selector.candidates()).containsExactly(B, C, A);

        clock.advance(Duration.ofNanos(1));

        assertThat(selector.isBackedOff(A)).isFalse();
        assertThat(selector.candidates()).containsExactly(C, A, B);
        assertThat(selector.candidates()).containsExactly(A, B, C);
    }

    @Test
    void aNewFailureRestartsTheBackOff() {
        selector.markFailed(A);
        clock.advance(Duration.ofSeconds(4));
        selector.markFailed(A);
        clock.advance(Duration.ofSeconds(4));

        assertThat(selector.isBackedOff(A)).isTrue();
    }

    @Test
    void successEndsTheBackOffAtOnce() {
        selector.markFailed(A);
        selector.markSucceeded(A);

        assertThat(selector.isBackedOff(A)).isFalse();
        assertThat(selector.candidates()).containsExactly(A, B, C);
    }

    @Test
    void whenEveryBackendIsBackedOffAllAreStillTriedInRoundRobinOrder() {
        selector.markFailed(A);
        selector.markFailed(B);
        selector.markFailed(C);

        assertThat(selector.candidates()).containsExactly(A, B, C);
        assertThat(selector.candidates()).containsExactly(B, C, A);
    }

    @Test
    void backOffIsConfigurableAndZeroDisablesIt() {
        BackendSelector shortBackoff = new BackendSelector(List.of(A, B), Duration.ofMillis(100), clock);
        BackendSelector noBackoff = new BackendSelector(List.of(A, B), Duration.ZERO, clock);

        shortBackoff.markFailed(A);
        noBackoff.markFailed(A);

        assertThat(shortBackoff.candidates()).containsExactly(B, A);
        assertThat(noBackoff.candidates()).containsExactly(A, B);
        clock.advance(Duration.ofMillis(100));
        assertThat(shortBackoff.isBackedOff(A)).isFalse();
    }

    @Test
    void backOffSurvivesTheNanoClockWrappingAround() {
        FakeClock nearWrap = new FakeClock(Long.MAX_VALUE - Duration.ofSeconds(1).toNanos());
        BackendSelector wrapping = new BackendSelector(List.of(A, B), Duration.ofSeconds(5), nearWrap);

        wrapping.markFailed(A);
        nearWrap.advance(Duration.ofSeconds(4));

        assertThat(nearWrap.getAsLong()).isNegative();
        assertThat(wrapping.isBackedOff(A)).isTrue();
        nearWrap.advance(Duration.ofSeconds(1));
        assertThat(wrapping.isBackedOff(A)).isFalse();
    }

    @Test
    void singleBackendIsAlwaysTheOnlyCandidate() {
        BackendSelector single = new BackendSelector(List.of(A), BackendSelector.DEFAULT_FAILURE_BACKOFF, clock);

        assertThat(single.candidates()).containsExactly(A);
        single.markFailed(A);
        assertThat(single.isBackedOff(A)).isTrue();
        assertThat(single.candidates()).containsExactly(A);
    }

    @Test
    void equalEntriesWeightTheRoundRobinAndShareTheirBackOff() {
        BackendSelector weighted =
                new BackendSelector(List.of(A, A, B), BackendSelector.DEFAULT_FAILURE_BACKOFF, clock);

        assertThat(weighted.candidates()).containsExactly(A, A, B);
        weighted.markFailed(A);
        assertThat(weighted.candidates()).containsExactly(B, A, A);
    }

    @Test
    void candidatesCannotBeModified() {
        assertThatThrownBy(() -> selector.candidates().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void misuseIsRefused() {
        assertThatThrownBy(() -> new BackendSelector(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one backend");
        assertThatThrownBy(() -> new BackendSelector(List.of(A), Duration.ofSeconds(-1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got PT-1S");
        assertThatThrownBy(() -> selector.markFailed(BackendTemplate.parse("d.internal:443")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("d.internal:443");
    }
}
