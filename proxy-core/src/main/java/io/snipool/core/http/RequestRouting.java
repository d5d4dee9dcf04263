package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.route.RouteMatch;
import java.util.Optional;

/**
 * Where a request goes once its authority is known: the rules an HTTP/1.1 request ({@link ClientSession}) and an
 * HTTP/2 stream's ({@link Http2RequestCheck}) both follow. A pure verdict; the only change it makes is the
 * {@code Host} a request without one gets on terminated TLS.
 */
final class RequestRouting {

    /** The request goes to {@code match}, for {@code authority} (its Host as forwarded). */
    record Routed(RouteMatch match, String authority) implements Verdict {
    }

    /** The request is answered with the failure's status. */
    record Refused(Failure failure) implements Verdict {
    }

    sealed interface Verdict permits Routed, Refused {
    }

    private RequestRouting() {
    }

    /**
     * @param authority the request's authority as the client wrote it ({@code Host}, {@code :authority}, or an
     *                  absolute-form target's), or null for none
     * @param field     what the authority was written as, for the refusal's message
     */
    static Verdict route(HttpListener listener, Optional<TerminatedTls> tls, HttpRequest request, String authority,
                         String field) {
        String host = authority == null ? "" : HostAuthority.hostOf(authority);
        if (host == null) {
            return refused(FailureKind.BAD_REQUEST, "malformed " + field + " '" + authority + "'");
        }
        if (tls.isPresent()) {
            if (host.isEmpty() && tls.get().serverName().isPresent()) {
                // A request without a name (HTTP/1.0 without Host, h2 without :authority) asks for the one the
                // connection was opened for; the backend gets it, as an HTTP/1.1 head without Host is invalid.
                host = tls.get().serverName().get();
                authority = host;
                request.headers().set(HttpHeaderNames.HOST, host);
            }
            // RFC 9110 §7.4: a connection serves only the names its certificate covers. This is also the answer to
            // an h2 client that coalesces connections (RFC 9113 §9.1.1) for a name on another certificate.
            if (!tls.get().covers(host)) {
                return refused(FailureKind.MISDIRECTED, "the certificate of this connection does not cover '"
                        + (host.isEmpty() ? "(none)" : host) + "'");
            }
        }
        Optional<RouteMatch> match = host.isEmpty() ? listener.routes().matchWithoutName()
                : listener.routes().match(host);
        if (match.isEmpty()) {
            return refused(FailureKind.MISDIRECTED, "no route for host '" + (host.isEmpty() ? "(none)" : host) + "'");
        }
        return new Routed(match.get(), authority);
    }

    private static Refused refused(FailureKind kind, String detail) {
        return new Refused(Failure.of(kind, detail));
    }
}
