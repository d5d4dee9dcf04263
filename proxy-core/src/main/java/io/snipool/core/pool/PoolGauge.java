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
    PENDING("pending");

    private final String label;

    PoolGauge(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
