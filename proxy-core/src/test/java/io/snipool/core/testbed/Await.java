package io.snipool.core.testbed;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits for the test thread: on a Vert.x future, or on a condition another thread will make true. */
public final class Await {

    /** How long a test waits for anything before it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final long POLL_MILLIS = 5;

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

    /**
     * Waits until {@code condition} holds: for state that changes on an event loop with nothing to wait on, such as
     * a gauge that drops once the proxy has processed a close. Re-checks every few milliseconds and fails with
     * {@code describe} after {@link #TIMEOUT}; the condition, not the interval, decides when the test goes on.
     */
    public static void until(BooleanSupplier condition, Supplier<String> describe) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still not true after " + TIMEOUT + ": " + describe.get());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
