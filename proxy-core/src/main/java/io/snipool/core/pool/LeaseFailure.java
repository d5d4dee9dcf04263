package io.snipool.core.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * Why a lease got no connection. Every kind happens before a byte of the request reached a backend, so the caller
 * may always try another backend.
 *
 * @param kind    what went wrong
 * @param message a sentence for logs, naming the limit that was hit
 * @param cause   the connect failure for {@link Kind#CONNECT_FAILED}, otherwise {@code null}
 */
public record LeaseFailure(Kind kind, String message, Throwable cause) {

    /** The ways a lease can fail. */
    public enum Kind {
        /**
         * {@code max_connections_per_host} was reached and {@code max_pending_per_host} leases already wait on this
         * event loop.
         */
        QUEUE_FULL,
        /** Waited in the queue for longer than {@code connect_timeout}. */
        WAIT_TIMEOUT,
        /** The connector reported a failure. */
        CONNECT_FAILED,
        /** The connect did not finish within {@code connect_timeout}. */
        CONNECT_TIMEOUT,
        /** The pool was shut down. */
        CLOSED
    }

    public LeaseFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    static LeaseFailure queueFull(int maxPending) {
        return new LeaseFailure(Kind.QUEUE_FULL, "wait queue full: limit " + maxPending
                + " pending leases (max_pending_per_host), got " + (maxPending + 1L), null);
    }

    static LeaseFailure waitTimeout(Duration connectTimeout, int maxConnections) {
        return new LeaseFailure(Kind.WAIT_TIMEOUT, "no connection freed within connect_timeout " + connectTimeout
                + " (max_connections_per_host " + maxConnections + ")", null);
    }

    static LeaseFailure connectFailed(Throwable cause) {
        return new LeaseFailure(Kind.CONNECT_FAILED, "connect failed: " + cause, cause);
    }

    static LeaseFailure connectTimeout(Duration connectTimeout) {
        return new LeaseFailure(Kind.CONNECT_TIMEOUT, "connect not finished within connect_timeout "
                + connectTimeout, null);
    }

    static LeaseFailure closed() {
        return new LeaseFailure(Kind.CLOSED, "the pool is shut down", null);
    }
}
