package io.snipool.core.pool;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A pool's thread for tests that run several pool instances at once: one real thread, like an event loop, whose
 * {@link #schedule} any thread may call. A task that throws is recorded in {@link #failure()} instead of being
 * lost inside the executor.
 */
final class ExecutorScheduler implements Scheduler, AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    ExecutorScheduler(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, task -> new Thread(task, threadName));
        executor.setRemoveOnCancelPolicy(true); // connect timers are nearly all cancelled
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        ScheduledFuture<?> future = executor.schedule(guarded(task), delayNanos, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    /** Runs {@code task} on this scheduler's thread, after what is already due. */
    void execute(Runnable task) {
        executor.execute(guarded(task));
    }

    /** The first throwable a task threw, or null. */
    Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
    }
}
