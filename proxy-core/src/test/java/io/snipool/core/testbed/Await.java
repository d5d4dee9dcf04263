package io.snipool.core.testbed;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Bounded waits for the test thread: on a Vert.x future, or until a condition that another thread will make true
 * holds. Every module's tests wait through this class (proxy-app's through proxy-core's test-jar), so a wait that
 * times out says the same two things everywhere: what was expected and what was last seen.
 */
public final class Await {

    /** How long a test waits for anything before it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * For waits on a whole snipool (proxy-app's tests): a child JVM starting, a reload, the file watcher noticing a
     * change, a signal handled. A loaded machine can take many seconds over these.
     */
    public static final Duration SLOW_TIMEOUT = Duration.ofSeconds(20);

    /** How long {@link #until} pauses between two reads: short next to any timeout, long enough not to busy a core. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(5);

    private Await() {
    }

    /** The future's result; fails if it failed or took longer than {@link #TIMEOUT}. */
    public static <T> T result(Future<T> future) {
        try {
            return future.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not done in " + TIMEOUT, e);
        }
    }

    /** {@link #until(Duration, String, Supplier, Predicate)} with {@link #TIMEOUT}. */
    public static <T> T until(String expected, Supplier<T> observe, Predicate<? super T> holds)
            throws InterruptedException {
        return until(TIMEOUT, expected, observe, holds);
    }

    /**
     * Reads {@code observe} until {@code holds} accepts what it read, and returns that value: for state that changes
     * on another thread with nothing to wait on, such as a gauge that drops once the proxy has processed a close.
     * The condition, not the interval, decides when the test goes on: it returns on the first read that holds.
     *
     * @param expected what the test waits for, as it should read in the failure ("one client slot taken")
     * @param observe  reads the state afresh; its value's {@code toString} is what the failure reports as last seen
     * @throws AssertionError after {@code timeout} without a read that holds, naming {@code expected} and the last
     *                        value read
     */
    public static <T> T until(Duration timeout, String expected, Supplier<T> observe, Predicate<? super T> holds)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T seen = observe.get();
            if (holds.test(seen)) {
                return seen;
            }
            // Compared by subtraction, as System.nanoTime requires: the clock may wrap.
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for: " + expected
                        + "; last seen: " + seen);
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }
}
