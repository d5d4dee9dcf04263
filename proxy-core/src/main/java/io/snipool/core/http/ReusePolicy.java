package io.snipool.core.http;

import io.snipool.core.pool.EvictionReason;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a backend connection may carry another request once an exchange is over: a pure function of what the
 * request and the response did on it. Anything doubtful closes it; a wrong "yes" would hand the next client a
 * connection in an unknown state.
 */
public final class ReusePolicy {

    /**
     * What the request did on the backend connection.
     *
     * @param bodyComplete          every byte of the request body was sent
     * @param contentWithoutMeaning a body on a method that gives it no meaning ({@link #contentWithoutMeaning})
     */
    public record RequestSeen(boolean bodyComplete, boolean contentWithoutMeaning) {
    }

    /**
     * What the backend's response did.
     *
     * @param framing         what its head said about framing and keep-alive
     * @param bodyComplete    the response body ended where its framing said
     * @param upgraded        the connection switched protocols (101)
     * @param unexpectedBytes bytes came after the response, or while the connection was idle
     */
    public record ResponseSeen(ResponseFraming framing, boolean bodyComplete, boolean upgraded,
                               boolean unexpectedBytes) {
        public ResponseSeen {
            Objects.requireNonNull(framing, "framing");
        }
    }

    /** The decision: back to the pool, or closed with a reason. */
    public sealed interface Reuse permits Recycle, Close {
    }

    /**
     * Back to the pool. {@code backendKeepAlive}: the backend's {@code Keep-Alive: timeout=N}, which shortens the
     * connection's idle time in the pool.
     */
    public record Recycle(Optional<Duration> backendKeepAlive) implements Reuse {
        public Recycle {
            Objects.requireNonNull(backendKeepAlive, "backendKeepAlive");
        }
    }

    /** Closed, with the eviction reason the pool counts. */
    public record Close(EvictionReason reason) implements Reuse {
        public Close {
            Objects.requireNonNull(reason, "reason");
        }
    }

    private static final Close ERROR = new Close(EvictionReason.ERROR);
    private static final Close NOT_REUSABLE = new Close(EvictionReason.NOT_REUSABLE);
    private static final Recycle RECYCLE = new Recycle(Optional.empty());

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

    public static Reuse decide(RequestSeen request, ResponseSeen response) {
        if (response.upgraded()) {
            return NOT_REUSABLE;
        }
        if (!request.bodyComplete() || !response.bodyComplete() || response.unexpectedBytes()) {
            return ERROR;
        }
        ResponseFraming framing = response.framing();
        if (framing.connectionClose() || framing.closeDelimited()) {
            return NOT_REUSABLE;
        }
        // A backend that ignored the body answered a request hidden in it too, or will: the connection is not handed
        // to the next client with that answer on its way (a CL.0 desync).
        if (request.contentWithoutMeaning()) {
            return NOT_REUSABLE;
        }
        // RFC 9112 §9.3: an HTTP/1.0 response keeps the connection only with an explicit keep-alive.
        if (framing.http10() && !framing.keepAliveToken()) {
            return NOT_REUSABLE;
        }
        return framing.keepAliveTimeout().isEmpty() ? RECYCLE : new Recycle(framing.keepAliveTimeout());
    }

    private ReusePolicy() {
    }
}
