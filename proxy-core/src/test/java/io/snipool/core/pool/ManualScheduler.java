package io.snipool.core.pool;

import java.time.Duration;
import java.util.PriorityQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A clock that moves only when the test says so, running due tasks in order at their exact due time.
 *
 * <p>Also the clock of the health tests, which drive ejections and check intervals with it.
 *
 * <p>Not thread-safe. Pools call a {@link Scheduler} from other threads to wake each other; tests of that run every
 * pool on the test's thread, each on a ManualScheduler of its own ({@link PoolHarness#onAnotherLoop}), so a wake
 * is just a task due now on the woken pool's clock. The test with real threads uses {@link ExecutorScheduler}.
 */
public final class ManualScheduler implements Scheduler {

    /**
     * Starts close to the top of the {@code long} range so that, within a few minutes of simulated time, nanoTime
     * wraps around: the pool must compare times by subtraction, as {@link System#nanoTime()} requires.
     */
    public static final long START_NANOS = Long.MAX_VALUE - Duration.ofMinutes(3).toNanos();

    private record Task(long dueNanos, long sequence, Runnable action) { }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> {
        int byDue = Long.compare(a.dueNanos - START_NANOS, b.dueNanos - START_NANOS);
        return byDue != 0 ? byDue : Long.compare(a.sequence, b.sequence);
    });
    private long now = START_NANOS;
    private long sequence;
    private int cancellations;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable action) {
        assertThat(delayNanos).as("timer delay").isNotNegative();
        Task task = new Task(now + delayNanos, sequence++, action);
        tasks.add(task);
        return () -> {
            if (tasks.remove(task)) {
                cancellations++;
            }
        };
    }

    /** Moves time forward, running every task that falls due on the way, each at its own due time. */
    public void advance(Duration duration) {
        long target = now + duration.toNanos();
        while (!tasks.isEmpty() && tasks.peek().dueNanos - target <= 0) {
            Task task = tasks.poll();
            now = task.dueNanos;
            task.action.run();
        }
        now = target;
    }

    /** Moves time forward without running anything, like an event loop too busy to run its timers on time. */
    void advanceWithoutRunningTasks(Duration duration) {
        now += duration.toNanos();
    }

    /** Nanoseconds since the clock started. */
    public long elapsedNanos() {
        return now - START_NANOS;
    }

    public int scheduledTasks() {
        return tasks.size();
    }

    /** Timer operations so far (schedules and effective cancels): the cost the pool puts on the event loop. */
    long timerOperations() {
        return sequence + cancellations;
    }
}
