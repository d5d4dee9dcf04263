package io.snipool.core.http;

import io.snipool.core.pool.EvictionReason;

/**
 * Whether a backend connection may carry another request once an exchange is over: a pure function of what the
 * exchange saw. Anything doubtful closes it; a wrong "yes" would hand the next client a connection in an unknown
 * state.
 */
public final class ReusePolicy {

    /** What the exchange observed on the backend connection. */
    public record Observed(
            boolean requestBodyComplete,
            boolean responseBodyComplete,
            boolean responseIsHttp10,
            boolean responseKeepAlive,
            boolean responseConnectionClose,
            boolean responseCloseDelimited,
            boolean upgraded,
            boolean unexpectedBytes) {
    }

    /** Null when the connection may be recycled, else why it must close. */
    public static EvictionReason decide(Observed seen) {
        if (seen.upgraded()) {
            return EvictionReason.NOT_REUSABLE;
        }
        if (!seen.requestBodyComplete() || !seen.responseBodyComplete() || seen.unexpectedBytes()) {
            return EvictionReason.ERROR;
        }
        if (seen.responseConnectionClose() || seen.responseCloseDelimited()) {
            return EvictionReason.NOT_REUSABLE;
        }
        // RFC 9112 §9.3: an HTTP/1.0 response keeps the connection only with an explicit keep-alive.
        if (seen.responseIsHttp10() && !seen.responseKeepAlive()) {
            return EvictionReason.NOT_REUSABLE;
        }
        return null;
    }

    private ReusePolicy() {
    }
}
