package io.snipool.core.health;

import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.Scheduler;
import java.util.random.RandomGenerator;

/**
 * The active checks of one backend: the first at a random point of the first interval, then one every interval,
 * each drifting by up to {@link #JITTER_FRACTION} of it, so that a fleet of proxies started together does not
 * probe a backend in step. The next check is due an interval after the previous one started; one check runs at a
 * time. Every method runs under the {@link BackendHealth}'s lock.
 */
final class ActiveCheck {

    /** How far each interval may drift either way, as a fraction of it. */
    static final double JITTER_FRACTION = 0.1;

    private final BackendHealth health;
    private final BackendState state;
    private final ProbeTarget target;
    private final Scheduler scheduler;
    private final Prober prober;
    private final RandomGenerator random;
    private final long intervalNanos;
    private Cancellable timer = Cancellable.NONE;
    private boolean stopped;

    ActiveCheck(BackendHealth health, BackendState state, ProbeTarget target, Scheduler scheduler, Prober prober,
                RandomGenerator random) {
        this.health = health;
        this.state = state;
        this.target = target;
        this.scheduler = scheduler;
        this.prober = prober;
        this.random = random;
        this.intervalNanos = target.check().interval().toNanos();
    }

    BackendState state() {
        return state;
    }

    ProbeTarget target() {
        return target;
    }

    void start() {
        timer = scheduler.schedule(random.nextLong(intervalNanos), this::due);
    }

    void stop() {
        stopped = true;
        timer.cancel();
    }

    private void due() {
        synchronized (health.lock()) {
            if (stopped) {
                return;
            }
            long started = scheduler.nanoTime();
            prober.probe(target, result -> finished(result, started));
        }
    }

    private void finished(CheckResult result, long startedNanos) {
        synchronized (health.lock()) {
            if (stopped) {
                return;
            }
            health.checked(this, result);
            long jitter = (long) ((random.nextDouble() * 2 - 1) * JITTER_FRACTION * intervalNanos);
            long elapsed = scheduler.nanoTime() - startedNanos;
            timer = scheduler.schedule(Math.max(0, intervalNanos + jitter - elapsed), this::due);
        }
    }
}
