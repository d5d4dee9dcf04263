package io.snipool.core.http;

import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.failure.Failure;
import io.snipool.core.metrics.RequestMeters;
import java.time.Instant;

/**
 * What one HTTP request did, gathered while it runs and written once when it ends: the request counter and
 * duration histogram, the byte counters, and the access log line.
 */
final class RequestLog {

    private final HttpListener listener;
    private final String client;
    private final AccessRecord.Tls tls;
    private final long startNanos = System.nanoTime();
    private String host;
    private String method;
    private String path;
    private String route = RequestMeters.NO_ROUTE;
    private String backend;
    private String pool;
    private boolean staleRetry;
    private int attempts;
    private long bytesIn;
    private long bytesOut;
    private boolean written;

    /** @param tls the connection's TLS as the access log shows it, made once per connection; null when plain */
    RequestLog(HttpListener listener, String client, AccessRecord.Tls tls) {
        this.listener = listener;
        this.client = client;
        this.tls = tls;
    }

    void request(String requestMethod, String target, String requestHost) {
        method = requestMethod;
        path = target;
        host = requestHost;
    }

    void route(String label) {
        route = label;
    }

    String route() {
        return route;
    }

    void backend(String label, boolean reused) {
        backend = label;
        pool = reused ? "hit" : "miss";
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
        listener.accessLog().log(new AccessRecord(Instant.now(), "http", listener.config().name(), client, host,
                RequestMeters.NO_ROUTE.equals(route) ? null : route, backend, status, outcome, method, path,
                bytesIn, bytesOut, nanos / 1000, pool, staleRetry, attempts, tls));
    }
}
