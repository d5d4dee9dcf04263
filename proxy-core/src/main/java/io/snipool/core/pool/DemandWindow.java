package io.snipool.core.pool;

import java.time.Duration;

/**
 * One key's recent demand for {@code pool.adaptive}: the most leases in flight at once within the last
 * {@code window}. The window is cut into {@link #SLOTS} slots, each holding its own peak, and one more for the slot
 * under way, so a peak is remembered for at least one window and at most a slot longer. An observation is a
 * division and a compare, with no allocation: it happens on every lease.
 */
final class DemandWindow {

    /** Slots per window: how finely the estimate steps down as demand falls. */
    static final int SLOTS = 6;

    private final int[] peaks = new int[SLOTS + 1];
    private long originNanos;
    private long slotNanos;
    /** The slot under way, counted from {@link #originNanos}. */
    private long slot;
    private long windowNanos;

    DemandWindow(Duration window, long nowNanos) {
        start(window.toNanos(), nowNanos, 0);
    }

    /** A reload or a route changed the window: the peak seen so far is kept, in a window of the new length. */
    void window(Duration window, long nowNanos) {
        if (window.toNanos() != windowNanos) {
            start(window.toNanos(), nowNanos, peak(nowNanos));
        }
    }

    /** {@code concurrent} leases are in flight now. */
    void observe(int concurrent, long nowNanos) {
        roll(nowNanos);
        int index = (int) (slot % peaks.length);
        if (concurrent > peaks[index]) {
            peaks[index] = concurrent;
        }
    }

    /** The most leases in flight at once within the last window; 0 once a window passed without any. */
    int peak(long nowNanos) {
        roll(nowNanos);
        int peak = 0;
        for (int value : peaks) {
            peak = Math.max(peak, value);
        }
        return peak;
    }

    /** When the oldest slot leaves the window next, and the estimate may fall. */
    long nextStepNanos() {
        return originNanos + (slot + 1) * slotNanos;
    }

    private void start(long window, long nowNanos, int peak) {
        windowNanos = window;
        slotNanos = Math.max(1, window / SLOTS);
        originNanos = nowNanos;
        slot = 0;
        java.util.Arrays.fill(peaks, 0);
        peaks[0] = peak;
    }

    private void roll(long nowNanos) {
        long current = (nowNanos - originNanos) / slotNanos;
        if (current == slot) {
            return;
        }
        for (long passed = slot + 1; passed <= current && passed - slot <= peaks.length; passed++) {
            peaks[(int) (passed % peaks.length)] = 0;
        }
        slot = current;
    }
}
