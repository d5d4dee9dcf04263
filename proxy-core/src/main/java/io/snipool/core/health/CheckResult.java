package io.snipool.core.health;

import java.util.Locale;

/**
 * The result of one active check.
 *
 * @param kind         passed, or how it failed; its label is the {@code result} of
 *                     {@code snipool_backend_health_checks_total}
 * @param detail       a sentence for the log and the admin API
 * @param latencyNanos from the start of the check to its result
 */
public record CheckResult(Kind kind, String detail, long latencyNanos) {

    /** How a check ended. */
    public enum Kind {
        /** Connected (and shook hands, and got an expected status, as the type asks). */
        OK,
        /** The connect failed, or the name did not resolve. */
        CONNECT_FAILED,
        /** The TLS handshake failed: not verified, no common protocol, an alert. */
        TLS_FAILED,
        /** An {@code http} check got a status outside {@code expect_status}. */
        BAD_STATUS,
        /** An {@code http} check got no valid response head: a close, a malformed head. */
        BAD_RESPONSE,
        /** The check did not finish within its {@code timeout}. */
        TIMEOUT;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    public boolean passed() {
        return kind == Kind.OK;
    }

    @Override
    public String toString() {
        return kind.label() + ": " + detail;
    }
}
