package io.snipool.core.pool;

import io.snipool.core.pool.PoolSnapshot.KeyStats;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/** One key's running totals on one pool instance (hits, misses, connections made, evictions by reason), each also
 * reported to the listener as it happens. */
final class KeyCounters<K> {

    private final K key;
    private final PoolListener<K> listener;
    private long hits;
    private long misses;
    private long created;
    private final long[] evictions = new long[EvictionReason.values().length];

    KeyCounters(K key, PoolListener<K> listener) {
        this.key = key;
        this.listener = listener;
    }

    void hit() {
        hits++;
        listener.onHit(key);
    }

    void miss() {
        misses++;
        listener.onMiss(key);
    }

    void connected(long connectNanos) {
        created++;
        listener.onConnected(key, connectNanos);
    }

    void evicted(EvictionReason reason, long requestsServed) {
        evictions[reason.ordinal()]++;
        listener.onEviction(key, reason, requestsServed);
    }

    /** The totals with the key's current counts. */
    KeyStats<K> snapshot(int idle, int active, int connecting, int pending, Duration oldestIdleAge,
                         int demandEstimate, int targetIdle) {
        Map<EvictionReason, Long> byReason = new EnumMap<>(EvictionReason.class);
        for (EvictionReason reason : EvictionReason.values()) {
            if (evictions[reason.ordinal()] > 0) {
                byReason.put(reason, evictions[reason.ordinal()]);
            }
        }
        return new KeyStats<>(key, idle, active, connecting, pending, hits, misses, created, byReason, oldestIdleAge,
                demandEstimate, targetIdle);
    }
}
