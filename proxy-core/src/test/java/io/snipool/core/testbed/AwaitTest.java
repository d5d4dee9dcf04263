package io.snipool.core.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one poll helper: it fails saying what it waited for and what it saw, and stops at the first read that holds. */
@Timeout(20)
class AwaitTest {

    /** Long enough that a test passing by running out the clock would trip the class's {@link Timeout}. */
    private static final Duration NEVER_REACHED = Duration.ofHours(1);

    @Test
    void failsAfterTheTimeoutNamingWhatItExpectedAndTheLastValueItRead() {
        AtomicInteger reads = new AtomicInteger();
        Duration timeout = Duration.ofMillis(50);
        long started = System.nanoTime();

        assertThatThrownBy(() -> Await.until(timeout, "the answer to be 42", reads::incrementAndGet, n -> n == 42))
                .isInstanceOf(AssertionError.class)
                .hasMessage("waited 50 ms for: the answer to be 42; last seen: " + reads.get());

        assertThat(reads.get()).as("reads before giving up").isGreaterThan(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("time before giving up")
                .isGreaterThanOrEqualTo(timeout);
    }

    @Test
    void returnsTheFirstValueThatHoldsWithoutReadingAgain() throws InterruptedException {
        AtomicInteger reads = new AtomicInteger();

        int seen = Await.until(NEVER_REACHED, "three reads", reads::incrementAndGet, n -> n >= 3);

        assertThat(seen).isEqualTo(3);
        assertThat(reads.get()).as("reads").isEqualTo(3);
    }

    @Test
    void aConditionThatAlreadyHoldsIsReadOnce() throws InterruptedException {
        AtomicInteger reads = new AtomicInteger();

        assertThat(Await.until(NEVER_REACHED, "any read", reads::incrementAndGet, n -> true)).isEqualTo(1);
        assertThat(reads.get()).as("reads").isEqualTo(1);
    }

    @Test
    void returnsOnceAnotherThreadMakesTheConditionTrue() throws InterruptedException {
        AtomicInteger value = new AtomicInteger();
        Thread setter = new Thread(() -> value.set(7), "setter");
        setter.start();

        assertThat(Await.until(NEVER_REACHED, "the other thread's 7", value::get, v -> v == 7)).isEqualTo(7);
        setter.join();
    }
}
