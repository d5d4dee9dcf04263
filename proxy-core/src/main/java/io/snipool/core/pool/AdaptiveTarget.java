package io.snipool.core.pool;

import io.snipool.config.AdaptivePoolSettings;
import io.snipool.config.PoolSettings;

/**
 * One key's {@code pool.adaptive}: its recent demand ({@link DemandWindow}), the target that asks for,
 * {@code ceil(estimate x headroom)} within {@code max_idle_target} and {@code max_idle_per_host}, and the
 * {@link PoolGauge#TARGET_IDLE} gauge, moved by deltas and kept current by a timer while the estimate may fall.
 */
final class AdaptiveTarget<K, C extends PooledConnection> {

    /** Taken off before rounding up: 50 x 1.2 is 60.00000000000001 in binary and must not ask for a 61st. */
    private static final double ROUNDING_SLACK = 1e-9;

    private final KeyPool<K, C> owner;
    private final DemandWindow demand;
    /** The target (with {@code min_idle_per_host}) last reported to the listener. */
    private int reported;
    /** Wakes the key when the estimate may fall, so the gauge follows it through a quiet spell; null if none. */
    private Cancellable timer;
    private final Runnable step = this::timerFired;

    AdaptiveTarget(KeyPool<K, C> owner, long nowNanos) {
        this.owner = owner;
        this.demand = new DemandWindow(owner.settings().adaptive().window(), nowNanos);
    }

    private boolean on() {
        PoolSettings settings = owner.settings();
        return settings.enabled() && settings.adaptive().enabled();
    }

    /** The key's settings changed (a route's override, a reload): the window may have another length. */
    void settingsChanged(long nowNanos) {
        demand.window(owner.settings().adaptive().window(), nowNanos);
    }

    /**
     * {@code inFlight} leases are in flight now; counted only while adaptive sizing is on. Here and below the clock is
     * read only then: with adaptive sizing off, a lease pays nothing for it.
     */
    void observe(int inFlight) {
        if (on()) {
            demand.observe(inFlight, owner.nanoTime());
        }
    }

    /** The estimate: the most leases in flight at once within the window; 0 while off. */
    int estimate() {
        return on() ? demand.peak(owner.nanoTime()) : 0;
    }

    /** The connections the demand asks to keep; 0 while off, or while the key is retired (its backend down). */
    int target() {
        if (!on() || owner.isRetired()) {
            return 0;
        }
        int peak = demand.peak(owner.nanoTime());
        if (peak == 0) {
            return 0;
        }
        AdaptivePoolSettings adaptive = owner.settings().adaptive();
        int wanted = (int) Math.ceil(peak * adaptive.headroom() - ROUNDING_SLACK);
        return Math.min(wanted, Math.min(adaptive.maxIdleTarget(), owner.settings().maxIdlePerHost()));
    }

    /** Moves the gauge to the key's target now ({@code minIdle} or this target), and keeps the timer for its fall. */
    void report(int minIdle) {
        int target = target();
        int warm = Math.max(minIdle, target);
        if (warm != reported) {
            owner.listener().onGaugeChange(owner.key, PoolGauge.TARGET_IDLE, warm - reported);
            reported = warm;
        }
        if (timer == null && target > 0) {
            timer = owner.scheduler().schedule(Math.max(0, demand.nextStepNanos() - owner.nanoTime()), step);
        }
    }

    /** The key was forgotten: its gauge goes back to 0 and its timer stops. */
    void forgotten() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        owner.listener().onGaugeChange(owner.key, PoolGauge.TARGET_IDLE, -reported);
        reported = 0;
    }

    private void timerFired() {
        timer = null;
        owner.settle();
    }
}
