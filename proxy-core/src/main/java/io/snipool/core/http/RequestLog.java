package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.snipool.config.AccessLogField;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.failure.Failure;
import io.snipool.core.metrics.RequestMeters;
import java.time.Instant;
import java.util.List;

/**
 * What one HTTP request did, gathered while it runs and written once when it ends: the request counter and
 * duration histogram, the byte counters, and the access log line. What only the access log shows, and costs a header
 * lookup or a clock read, is gathered only when {@code access_log} writes it ({@link Gathered}).
 */
final class RequestLog {

    /** Which costly fields the access log writes: decided once per configuration, read per request. */
    record Gathered(boolean userAgent, boolean referer, boolean upstreamTimes) {

        static Gathered of(List<AccessLogField> written) {
            return new Gathered(written.contains(AccessLogField.USER_AGENT), written.contains(AccessLogField.REFERER),
                    written.contains(AccessLogField.UPSTREAM_CONNECT_MS)
                            || written.contains(AccessLogField.UPSTREAM_FIRST_BYTE_MS));
        }
    }

    private final HttpListener listener;
    private final String client;
    private final AccessRecord.Tls tls;
    private final long startNanos = System.nanoTime();
    private String host;
    private String method;
    private String path;
    private String protocol;
    /** Kept as given: a new id is an AsciiString, made a String only if the access log writes it. */
    private CharSequence requestId;
    private String userAgent;
    private String referer;
    private String route = RequestMeters.NO_ROUTE;
    private String backend;
    private String pool;
    private int backendStatus;
    private boolean staleRetry;
    private int attempts;
    private long bytesIn;
    private long bytesOut;
    /** When the current lease was asked for; the first one with the request. */
    private long leaseStartNanos = startNanos;
    /** When the request was handed to the current backend connection. */
    private long sentNanos;
    private long connectNanos = -1;
    private long firstByteNanos = -1;
    private boolean written;

    /** @param tls the connection's TLS as the access log shows it, made once per connection; null when plain */
    RequestLog(HttpListener listener, String client, AccessRecord.Tls tls) {
        this.listener = listener;
        this.client = client;
        this.tls = tls;
    }

    /** The request as the client sent it, before any header is rewritten; {@code requestHost} is its Host. */
    void request(HttpRequest request, String requestHost, CharSequence id) {
        method = request.method().name();
        path = request.uri();
        protocol = request.protocolVersion().text();
        host = requestHost;
        requestId = id;
        Gathered gathered = listener.gathered();
        if (gathered.userAgent()) {
            userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        }
        if (gathered.referer()) {
            referer = request.headers().get(HttpHeaderNames.REFERER);
        }
    }

    /** The protocol as the access log shows it, when the request head's version does not say it (h2: HTTP/2.0). */
    void protocol(String name) {
        protocol = name;
    }

    void route(String label) {
        route = label;
    }

    String route() {
        return route;
    }

    /** A new lease is asked for (a replay): the time to get it starts now. */
    void leasing() {
        if (listener.gathered().upstreamTimes()) {
            leaseStartNanos = System.nanoTime();
        }
    }

    /**
     * A backend connection was had and the request goes out on it. The time it took counts towards
     * {@code upstream_connect_ms} unless the connection was {@code reused}: a pool hit counts 0, with no clock read.
     */
    void backend(String label, boolean reused) {
        backend = label;
        pool = reused ? "hit" : "miss";
        if (listener.gathered().upstreamTimes()) {
            long now = System.nanoTime();
            connectNanos = Math.max(connectNanos, 0) + (reused ? 0 : now - leaseStartNanos);
            sentNanos = now;
        }
    }

    /** The backend's first response message (a head, interim or final) for the request it was sent. */
    void firstResponseByte() {
        if (listener.gathered().upstreamTimes() && firstByteNanos < 0) {
            firstByteNanos = System.nanoTime() - sentNanos;
        }
    }

    /** A response head from the backend, interim or final: the last one's status is logged. */
    void backendStatus(int status) {
        backendStatus = status;
    }

    void staleRetry() {
        staleRetry = true;
    }

    /** How many times a backend was tried for the request, retries included. */
    void attempts(int count) {
        attempts = count;
    }

    void bytesIn(int bytes) {
        bytesIn += bytes;
        listener.meters().bytesToBackend(bytes);
    }

    void bytesOut(int bytes) {
        bytesOut += bytes;
        listener.meters().bytesToClient(bytes);
    }

    /** A request ended early before its response began: the failure's status and outcome, counted by kind. */
    void finish(Failure failure) {
        if (!written) {
            listener.requests().failure(failure.kind());
        }
        finish(failure.kind().status(), failure.kind().outcome());
    }

    /** The response had begun when {@code failure} cut it: the backend's status stays in the log. */
    void cut(int status, Failure failure) {
        if (!written) {
            listener.requests().failure(failure.kind());
        }
        finish(status, "cut");
    }

    /** Records the end, once; later calls do nothing. */
    void finish(int status, String outcome) {
        if (written) {
            return;
        }
        written = true;
        long nanos = System.nanoTime() - startNanos;
        listener.requests().request(route, status, nanos);
        if (!listener.accessLog().enabled()) {
            return; // no record, no clock read: the access log is off
        }
        listener.accessLog().log(new AccessRecord(Instant.now(), "http", listener.config().name(), client, host,
                method, path, protocol, RequestMeters.NO_ROUTE.equals(route) ? null : route, backend, status,
                backendStatus, outcome, bytesIn, bytesOut, nanos / 1000, micros(connectNanos),
                micros(firstByteNanos), pool, staleRetry, attempts, requestId == null ? null : requestId.toString(), userAgent, referer, tls));
    }

    private static long micros(long nanos) {
        return nanos < 0 ? -1 : nanos / 1000;
    }
}
