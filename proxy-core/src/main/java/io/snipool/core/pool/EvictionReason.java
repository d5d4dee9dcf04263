package io.snipool.core.pool;

/** Why a connection left the pool. Every removal has exactly one; {@link #label()} is its metric label. */
public enum EvictionReason {
    /** Idle longer than {@code idle_timeout}, or than the backend's own {@code Keep-Alive: timeout} allows. */
    IDLE_TIMEOUT("idle_timeout"),
    /** Older than its {@code max_lifetime} minus its jitter. */
    MAX_LIFETIME("max_lifetime"),
    /** Has carried {@code max_requests_per_connection} requests. */
    MAX_REQUESTS("max_requests"),
    /** The peer closed or reset it. */
    CLOSED_BY_PEER("closed_by_peer"),
    /** Bytes arrived while it sat idle. */
    UNEXPECTED_DATA("unexpected_data"),
    /** A per-key or global idle cap had no room for it, or pooling is disabled. */
    CAPACITY("capacity"),
    /**
     * The HTTP layer found it unfit for another request: {@code Connection: close}, an HTTP/1.0 response without
     * keep-alive, an incomplete body, an Upgrade.
     */
    NOT_REUSABLE("not_reusable"),
    /** An I/O or protocol error while it was leased. */
    ERROR("error"),
    /** The pool shut down (snipool is stopping). */
    SHUTDOWN("shutdown"),
    /** Its backend left the configuration: a reload removed it. */
    REMOVED("removed"),
    /** Its backend went down (failed health checks) or was ejected (failing real traffic). */
    BACKEND_DOWN("backend_down");

    private final String label;

    EvictionReason(String label) {
        this.label = label;
    }

    /** The value of the {@code reason} label on eviction metrics. */
    public String label() {
        return label;
    }
}
