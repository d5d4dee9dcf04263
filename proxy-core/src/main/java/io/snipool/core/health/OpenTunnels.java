package io.snipool.core.health;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * How many passthrough tunnels each backend holds open now, across every event loop, for the {@code active} count
 * of {@code /api/backends}. Keyed by the backend's label ({@code host:port}); a label whose count drops to zero is
 * forgotten, so template backends (whose labels come from clients) leave nothing behind once their tunnels end.
 */
public final class OpenTunnels {

    private final ConcurrentMap<String, Integer> open = new ConcurrentHashMap<>();

    /** A tunnel to {@code backend} started; call {@link #closed} exactly once for it. */
    public void opened(String backend) {
        open.merge(backend, 1, Integer::sum);
    }

    /** A tunnel counted by {@link #opened} ended. */
    public void closed(String backend) {
        open.computeIfPresent(backend, (label, count) -> count == 1 ? null : count - 1);
    }

    /** The tunnels to {@code backend} open now. */
    public int to(String backend) {
        return open.getOrDefault(backend, 0);
    }
}
