package io.snipool.core.metrics;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The most recent notable pool events (connect failures, lease failures, evictions for capacity, errors or stray
 * bytes, stale retries), kept in a bounded ring for {@code /api/pool-events}. Routine evictions (idle timeout,
 * lifetime, request budget, reuse refused) are left out: they are counted in metrics, and would drown the rest.
 * Thread-safe: every event loop records here.
 */
public final class PoolEvents {

    /** Default number of events kept. */
    public static final int DEFAULT_CAPACITY = 256;

    /** One event. */
    public record Event(Instant time, String backend, String type, String detail) {
    }

    private final int capacity;
    private final Deque<Event> events;

    public PoolEvents(int capacity) {
        this.capacity = capacity;
        this.events = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    public void record(String backend, String type, String detail) {
        if (capacity == 0) {
            return;
        }
        Event event = new Event(Instant.now(), backend, type, detail);
        synchronized (events) {
            if (events.size() == capacity) {
                events.removeFirst();
            }
            events.addLast(event);
        }
    }

    /** Oldest first. */
    public List<Event> recent() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }
}
