package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.route.RouteMatch;
import java.util.List;
import java.util.Optional;

/**
 * What snipool adds to Netty's checks of an HTTP/2 request (converted to an HttpRequest), and where it goes: the
 * rules of an HTTP/1.1 request's routing ({@link ClientSession}) in h2's terms. Rewrites the head in place into what
 * an HTTP/1.1 backend may get (one {@code Host}, no {@code x-http2-*} fields) and returns a verdict.
 */
final class Http2RequestCheck {

    /** The request goes to {@code match}, for {@code authority} (its Host as forwarded). */
    record Routed(RouteMatch match, String authority) implements Verdict {
    }

    /** The request is answered with the failure's status. */
    record Refused(Failure failure) implements Verdict {
    }

    sealed interface Verdict permits Routed, Refused {
    }

    private Http2RequestCheck() {
    }

    /**
     * Netty's conversion adds {@code x-http2-*} fields (the stream id, the scheme); a client may send them too.
     * None goes on. Returns the request's authority: its {@code :authority} (as Netty's Host), else its
     * {@code host}, else null.
     */
    static String stripExtensions(HttpRequest request) {
        for (HttpConversionUtil.ExtensionHeaderNames extension : HttpConversionUtil.ExtensionHeaderNames.values()) {
            request.headers().remove(extension.text());
        }
        return request.headers().get(HttpHeaderNames.HOST);
    }

    /** The verdict on {@code request} (its extensions stripped) on {@code listener}, over {@code tls} if any. */
    static Verdict check(HttpListener listener, Optional<TerminatedTls> tls, HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return refused(FailureKind.BAD_REQUEST, "malformed request: " + request.decoderResult().cause()
                    .getMessage());
        }
        // Netty turns :authority into Host, beside any host field the client sent. RFC 9113 §8.3.1 lets both come,
        // but two names for one request are an ambiguity a backend could read the other way.
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.stream().anyMatch(host -> !host.equalsIgnoreCase(hosts.get(0)))) {
            return refused(FailureKind.BAD_REQUEST, ":authority and host name different hosts");
        }
        String authority = hosts.isEmpty() ? null : hosts.get(0);
        if (hosts.size() > 1) {
            request.headers().set(HttpHeaderNames.HOST, authority);
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            return refused(FailureKind.NOT_IMPLEMENTED, "CONNECT is not supported: snipool is a reverse proxy");
        }
        // RFC 9113 §8.3.1: :path is origin-form, or '*' for OPTIONS.
        String target = request.uri();
        if (!target.startsWith("/") && !(target.equals("*") && request.method().equals(HttpMethod.OPTIONS))) {
            return refused(FailureKind.BAD_REQUEST, "invalid :path '" + target + "'");
        }
        String host = authority == null ? "" : HostAuthority.hostOf(authority);
        if (host == null) {
            return refused(FailureKind.BAD_REQUEST, "malformed :authority '" + authority + "'");
        }
        if (tls.isPresent()) {
            if (host.isEmpty() && tls.get().serverName().isPresent()) {
                // No authority: the request is for the name the connection was opened for, which the backend gets.
                host = tls.get().serverName().get();
                authority = host;
                request.headers().set(HttpHeaderNames.HOST, host);
            }
            // RFC 9110 §7.4: a connection serves only the names its certificate covers. This is also the answer to
            // a client that coalesces connections (RFC 9113 §9.1.1) for a name on another certificate.
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
