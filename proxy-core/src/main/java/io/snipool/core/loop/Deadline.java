package io.snipool.core.loop;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One re-armable timer on an event loop, cheap to re-arm and cancel on every request. Scheduling and cancelling a
 * Netty task each time costs a priority-queue insert and removal per request; instead the timer keeps at most one
 * task scheduled, and re-arming to a later deadline (the usual case: each request pushes the deadline further)
 * only writes a field. When the task runs early it schedules itself again for what remains. Not thread-safe:
 * used on its loop only. {@link #dispose()} when the owner is done, so no task keeps it alive.
 */
public final class Deadline {

    private final EventLoop loop;
    private final Runnable check = this::fire;
    private Runnable onExpiry;
    private long deadlineNanos;
    private ScheduledFuture<?> scheduled;
    private long scheduledForNanos;

    public Deadline(EventLoop loop) {
        this.loop = loop;
    }

    /** Runs {@code task} once {@code after} has passed, unless re-armed or cancelled first. */
    public void arm(Duration after, Runnable task) {
        onExpiry = task;
        deadlineNanos = System.nanoTime() + after.toNanos();
        if (scheduled == null || scheduledForNanos - deadlineNanos > 0) {
            // No task yet, or the one there wakes too late for this deadline.
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            schedule();
        }
    }

    /** Nothing runs until the next {@link #arm}; the scheduled task, if any, will find nothing to do. */
    public void cancel() {
        onExpiry = null;
    }

    /** Cancels for good, dropping the scheduled task so that it does not keep its owner reachable. */
    public void dispose() {
        onExpiry = null;
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    private void schedule() {
        scheduledForNanos = deadlineNanos;
        scheduled = loop.schedule(check, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        scheduled = null;
        if (onExpiry == null) {
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            Runnable task = onExpiry;
            onExpiry = null;
            task.run();
        } else {
            schedule();
        }
    }
}
