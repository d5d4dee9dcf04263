package io.snipool.core.pool;

/** The per-key counts a {@link PoolListener} receives changes of; {@link #label()} is the metric label. */
public enum PoolGauge {
    /** Connections sitting idle in the pool. */
    IDLE("idle"),
    /** Connections leased out. */
    ACTIVE("active"),
    /** Connects in flight (for a lease, a waiter or prewarming). */
    CONNECTING("connecting"),
    /** Leases queued because {@code max_connections_per_host} was reached. */
    PENDING("pending"),
    /**
     * Idle connections the pool keeps warm: {@code min_idle_per_host}, or the {@code pool.adaptive} target when that
     * is more. Not a count of connections: the pool's aim.
     */
    TARGET_IDLE("target_idle");

    private final String label;

    PoolGauge(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
