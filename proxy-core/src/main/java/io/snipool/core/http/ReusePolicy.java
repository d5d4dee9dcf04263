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
            boolean unexpectedBytes,
            boolean requestContentWithoutMeaning) {
    }

    /**
     * RFC 9110 §9.3.1 (GET), §9.3.2 (HEAD), §9.3.5 (DELETE), §9.3.8 (TRACE): content in such a request "has no
     * generally defined semantics" and "might lead some implementations to reject the request and close the
     * connection because of its potential as a request smuggling attack". A backend that ignores it reads the body
     * as the next request on the connection.
     */
    public static boolean contentWithoutMeaning(String method) {
        return switch (method) {
            case "GET", "HEAD", "DELETE", "TRACE" -> true;
            default -> false;
        };
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
        // A backend that ignored the body answered a request hidden in it too, or will: the connection is not handed
        // to the next client with that answer on its way (a CL.0 desync).
        if (seen.requestContentWithoutMeaning()) {
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
