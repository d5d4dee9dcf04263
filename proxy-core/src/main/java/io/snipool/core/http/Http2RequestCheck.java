package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import java.util.List;
import java.util.Optional;

/**
 * What snipool adds to Netty's checks of an HTTP/2 request (converted to an HttpRequest), and where it goes
 * ({@link RequestRouting}, as for an HTTP/1.1 request). Rewrites the head in place into what
 * an HTTP/1.1 backend may get (one {@code Host}, no {@code x-http2-*} fields) and returns a verdict.
 */
final class Http2RequestCheck {

    private Http2RequestCheck() {
    }

    /**
     * Netty's conversion adds {@code x-http2-*} fields (the stream id, the scheme); a client may send them too.
     * None goes on. Returns the request's authority: its {@code :authority} (as Netty's Host), else its
     * {@code host}, else null.
     */
    static String stripExtensions(HttpRequest request) {
        ForwardingHeaders.removeHttp2Extensions(request.headers());
        return request.headers().get(HttpHeaderNames.HOST);
    }

    /** The verdict on {@code request} (its extensions stripped) on {@code listener}, over {@code tls} if any. */
    static RequestRouting.Verdict check(HttpListener listener, Optional<TerminatedTls> tls, HttpRequest request) {
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
        return RequestRouting.route(listener, tls, request, authority, ":authority");
    }

    private static RequestRouting.Refused refused(FailureKind kind, String detail) {
        return new RequestRouting.Refused(Failure.of(kind, detail));
    }
}
