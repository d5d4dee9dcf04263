package io.snipool.core.pool;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of one pool instance at one moment, for {@code /api/pools}. Sum the snapshots of all event loops for
 * the process view.
 *
 * @param keys           one entry per key the pool currently tracks, least recently used first
 * @param idleTotal      idle connections across all pool instances (the shared budget)
 * @param idleTotalLimit {@code max_idle_total}
 */
public record PoolSnapshot<K>(List<KeyStats<K>> keys, int idleTotal, int idleTotalLimit) {

    public PoolSnapshot {
        keys = List.copyOf(keys);
    }

    /** The entry for {@code key}, if the pool tracks it. */
    public Optional<KeyStats<K>> key(K key) {
        return keys.stream().filter(stats -> stats.key().equals(key)).findFirst();
    }

    /**
     * One key's counts. Counters start when the pool starts tracking the key; a key with nothing idle, active,
     * connecting or pending and no minimum idle is forgotten, with its counters.
     *
     * @param oldestIdleAge  how long the coldest idle connection has been idle, zero if none is
     * @param demandEstimate {@code pool.adaptive}'s estimate: the most leases in flight at once within its window (0
     *                       when adaptive sizing is off)
     * @param targetIdle     the idle connections the pool keeps warm: {@code min_idle_per_host}, or the adaptive
     *                       target when that is more
     */
    public record KeyStats<K>(K key, int idle, int active, int connecting, int pending, long hits, long misses,
                              long connectionsCreated, Map<EvictionReason, Long> evictions,
                              Duration oldestIdleAge, int demandEstimate, int targetIdle) {

        public KeyStats {
            // Kept in EvictionReason order, so the admin API lists reasons the same way every time.
            EnumMap<EvictionReason, Long> ordered = new EnumMap<>(EvictionReason.class);
            ordered.putAll(evictions);
            evictions = Collections.unmodifiableMap(ordered);
        }

        /** Evictions with {@code reason}, zero if none. */
        public long evictions(EvictionReason reason) {
            return evictions.getOrDefault(reason, 0L);
        }
    }
}
