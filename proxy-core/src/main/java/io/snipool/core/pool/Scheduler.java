package io.snipool.core.pool;

/**
 * The pool's clock and timers. Production wraps the event loop's timers; tests drive a manual clock, so no pool
 * test sleeps. Tasks must run on the pool's own thread.
 *
 * <p>{@link #schedule} must accept calls from any thread: when a connection slot of a key is freed on one event
 * loop, the pools of other loops with leases waiting for that key are woken with {@code schedule(0, task)}, called
 * from the freeing loop's thread; the task still runs on the woken pool's own thread. Netty's
 * {@code EventLoop.schedule} does both.
 */
public interface Scheduler {

    /** A monotonic time in nanoseconds, comparable only with other values from this scheduler. */
    long nanoTime();

    /**
     * Runs {@code task} once, no earlier than {@code delayNanos} from now.
     *
     * @param delayNanos zero or more; implementations with coarser timers round up, never down
     */
    Cancellable schedule(long delayNanos, Runnable task);
}
