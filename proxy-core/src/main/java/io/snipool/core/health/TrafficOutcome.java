package io.snipool.core.health;

import io.snipool.core.failure.FailureKind;
import java.util.Locale;
import java.util.Optional;

/**
 * What one use of a backend by real traffic says about it. Passive outlier detection counts the failures in a row;
 * a success ends the streak.
 */
public enum TrafficOutcome {
    /** A response head other than 502, 503 or 504 came back; on a passthrough route, the connect succeeded. */
    SUCCESS,
    /** The connect (TLS handshake included) failed or timed out. */
    CONNECT_FAILURE,
    /** The backend closed or reset the connection, or broke the protocol, before its response was complete. */
    RESET,
    /** No response head within {@code timeouts.response_header}. */
    RESPONSE_TIMEOUT,
    /** The backend itself answered 502, 503 or 504: it is overloaded, or cannot reach what it depends on. */
    BAD_GATEWAY_STATUS;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The {@code reason} label of an ejection this outcome completed. */
    public String label() {
        return label;
    }

    public boolean isFailure() {
        return this != SUCCESS;
    }

    /** The outcome of a final (or 101) response head with {@code status} from the backend. */
    public static TrafficOutcome ofStatus(int status) {
        return status == 502 || status == 503 || status == 504 ? BAD_GATEWAY_STATUS : SUCCESS;
    }

    /**
     * What an exchange that failed on a connection it had leased says of the backend: a broken connection or
     * response, or a response timeout; nothing for failures laid at the client or the proxy.
     */
    public static Optional<TrafficOutcome> afterFailure(FailureKind kind) {
        return switch (kind) {
            case BACKEND_BROKE -> Optional.of(RESET);
            case RESPONSE_TIMEOUT -> Optional.of(RESPONSE_TIMEOUT);
            default -> Optional.empty();
        };
    }
}
