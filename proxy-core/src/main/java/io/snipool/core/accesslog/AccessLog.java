package io.snipool.core.accesslog;

/**
 * Where access records go. {@link #log} is called on event loops and must never block them.
 */
public interface AccessLog {

    void log(AccessRecord record);

    /** False when nothing is written: callers then build no record at all. */
    default boolean enabled() {
        return true;
    }

    /** Reopens the file (after a log rotation moved it away); a no-op for standard output. */
    default void reopen() {
    }

    /** Writes what is queued and stops. */
    default void close() {
    }

    /** Discards everything: {@code access_log.enabled: false}. */
    AccessLog DISABLED = new AccessLog() {
        @Override
        public void log(AccessRecord record) {
        }

        @Override
        public boolean enabled() {
            return false;
        }
    };
}
