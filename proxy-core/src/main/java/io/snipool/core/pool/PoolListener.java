package io.snipool.core.pool;

/**
 * What the pool reports, for metrics. All methods run on the pool's thread and must not call back into the pool.
 * Gauges come as deltas so that a listener shared by the pools of all event loops can sum them without reading
 * another loop's state.
 */
public interface PoolListener<K> {

    /** A listener that ignores everything. */
    static <K> PoolListener<K> none() {
        return new PoolListener<>() { };
    }

    /** A lease was served by a connection that already existed (idle, or handed over on recycle). */
    default void onHit(K key) { }

    /** A lease needed a new connect. */
    default void onMiss(K key) { }

    /** A connect succeeded after {@code connectNanos}. */
    default void onConnected(K key, long connectNanos) { }

    /** A connect failed or timed out (prewarm connects included). */
    default void onConnectFailure(K key, LeaseFailure failure) { }

    /** A lease got no connection. */
    default void onLeaseFailure(K key, LeaseFailure failure) { }

    /**
     * A connection left the pool and was closed. Every connection the pool created ends here exactly once.
     *
     * @param requestsServed how many leases it served, for a requests-per-connection histogram
     */
    default void onEviction(K key, EvictionReason reason, long requestsServed) { }

    /** A per-key count changed by {@code delta}. */
    default void onGaugeChange(K key, PoolGauge gauge, int delta) { }
}
