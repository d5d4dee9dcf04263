package io.snipool.core.pool;

import java.time.Duration;
import java.util.Objects;

/** One lease of an entry. A new object per lease, so a stale holder can be told apart from the current one. */
final class PoolLease<K, C extends PooledConnection> implements Lease<C> {

    private final PoolEntry<K, C> entry;
    private final boolean reused;
    private final long requestCount;
    private boolean ended;

    PoolLease(PoolEntry<K, C> entry, boolean reused) {
        this.entry = entry;
        this.reused = reused;
        this.requestCount = entry.requestCount;
    }

    @Override
    public C connection() {
        if (ended) {
            throw new IllegalStateException("lease of " + entry + " has ended; its connection is no longer yours");
        }
        return entry.connection;
    }

    @Override
    public boolean reused() {
        return reused;
    }

    @Override
    public long requestCount() {
        return requestCount;
    }

    @Override
    public Duration age() {
        return Duration.ofNanos(entry.owner.nanoTime() - entry.createdNanos);
    }

    @Override
    public void recycle() {
        end("recycle");
        entry.owner.recycle(entry, PoolEntry.NO_LIMIT);
    }

    @Override
    public void recycle(Duration backendKeepAlive) {
        Objects.requireNonNull(backendKeepAlive, "backendKeepAlive");
        end("recycle");
        entry.owner.recycle(entry, Math.max(0, backendKeepAlive.toNanos()));
    }

    @Override
    public void close(EvictionReason reason) {
        Objects.requireNonNull(reason, "reason");
        end("close");
        entry.owner.closeLeased(entry, reason);
    }

    private void end(String action) {
        // Ending twice would hand the connection to a second holder or count it twice; that is a bug in the
        // caller, so say so loudly and leave the pool untouched.
        if (ended) {
            throw new IllegalStateException("cannot " + action + " lease of " + entry + ": it has already ended");
        }
        ended = true;
    }

    @Override
    public String toString() {
        return (ended ? "ended " : "") + "lease #" + requestCount + " of " + entry;
    }
}
