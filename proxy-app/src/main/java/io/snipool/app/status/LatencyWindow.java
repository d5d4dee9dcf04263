package io.snipool.app.status;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One listener's request durations over the last five minutes. The duration histogram only grows, so the window is
 * the difference between the reading now and one taken about five minutes ago: a ring of {@link #SAMPLES} readings,
 * one every {@link #SAMPLE_INTERVAL}. This costs one histogram read per listener per interval, off the request path.
 * Not thread-safe: {@link ListenerStats} holds the lock.
 */
final class LatencyWindow {

    /** How often the histogram is read into the ring. */
    static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(10);
    /** Readings kept: with the one taken now, they span five minutes. */
    static final int SAMPLES = 30;
    /** How much time the window covers. */
    static final Duration SPAN = SAMPLE_INTERVAL.multipliedBy(SAMPLES);

    private final Deque<HistogramCounts> ring = new ArrayDeque<>(SAMPLES);

    /** Keeps {@code reading}, dropping the oldest once {@link #SAMPLES} are kept. */
    void sample(HistogramCounts reading) {
        if (!ring.isEmpty() && !reading.follows(ring.peekLast())) {
            // The histogram went back (its meters were registered anew): earlier readings say nothing any more.
            ring.clear();
        }
        if (ring.size() == SAMPLES) {
            ring.removeFirst();
        }
        ring.addLast(reading);
    }

    /**
     * The observations between the oldest reading kept and {@code now}; everything in {@code now} before the first
     * reading (a listener younger than one interval) or when {@code now} cannot follow the oldest.
     */
    HistogramCounts since(HistogramCounts now) {
        HistogramCounts oldest = ring.peekFirst();
        return oldest == null || !now.follows(oldest) ? now : now.minus(oldest);
    }
}
