package io.snipool.core.pool;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide {@code max_connections_per_host}: per key, the connections that all pool instances (all event
 * loops) hold or are making, connecting, active and idle alike. Thread-safe; the pools of all loops share one, as
 * they share the {@link IdleBudget}. A pool takes a slot before every connect and gives it back when the connect
 * fails or the connection closes, so a backend never sees more than the cap from this process, not even for a
 * moment. Keys without a cap are counted too, so a reload that sets one sees the real number.
 *
 * <p>A key is counted while some pool instance tracks it, and dropped when the last one forgets it, so keys taken
 * from client input (backend templates) do not pile up here either.
 *
 * @param <K> the backend key; needs {@code equals}/{@code hashCode}
 */
public final class KeySlots<K> {

    private final ConcurrentHashMap<K, SlotCounter> counters = new ConcurrentHashMap<>();

    /** Connections to {@code key} across all pool instances right now; 0 for a key no instance tracks. */
    public int used(K key) {
        SlotCounter counter = counters.get(key);
        return counter == null ? 0 : counter.used();
    }

    /** Keys some pool instance tracks. */
    public int keys() {
        return counters.size();
    }

    /** The key's counter, joined by {@code member} until it {@link #leave leaves}. Not on the hot path. */
    SlotCounter join(K key, ConnectionCap<?, ?> member) {
        while (true) {
            SlotCounter counter = counters.get(key);
            if (counter == null) {
                SlotCounter created = new SlotCounter();
                counter = counters.putIfAbsent(key, created);
                if (counter == null) {
                    counter = created;
                }
            }
            if (counter.join(member)) {
                return counter;
            }
            counters.remove(key, counter); // retired by its last member, which may not have removed it yet
        }
    }

    /** {@code member} forgot the key; it holds none of its slots by then. */
    void leave(K key, SlotCounter counter, ConnectionCap<?, ?> member) {
        if (counter.leave(member)) {
            counters.remove(key, counter);
        }
    }
}
