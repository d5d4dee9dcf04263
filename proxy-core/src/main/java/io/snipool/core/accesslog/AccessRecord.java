package io.snipool.core.accesslog;

import java.time.Instant;

/**
 * One access log line: an HTTP request or a TLS connection, when it ends. Fields that do not apply are null (or
 * 0 for {@code status} and {@code backendStatus}, -1 for the upstream times) and left out of the line; so are
 * fields whose gathering {@code access_log.fields} did not ask for.
 *
 * @param kind                    {@code http} or {@code tls}
 * @param client                  the client address (the real one with PROXY protocol) and port
 * @param host                    the Host of an HTTP request, or the SNI of a TLS connection
 * @param protocol                the request's HTTP version as sent ({@code HTTP/1.1}); null for TLS
 * @param route                   the route's first host as written, or null when none was chosen
 * @param backend                 {@code host:port} of the backend, or null when none was reached
 * @param status                  the HTTP status sent to the client; 0 for TLS
 * @param backendStatus           the status of the last response head the backend sent (an interim one included);
 *                                0 when none came
 * @param outcome                 what happened: for TLS the connection outcome ({@code tunnelled}, {@code no_route},
 *                                ...), for HTTP {@code ok}, {@code refused} (snipool answered itself) or
 *                                {@code client_closed}
 * @param bytesIn                 body bytes from the client (TLS: every byte, hello included)
 * @param bytesOut                body bytes to the client (TLS: every byte)
 * @param upstreamConnectMicros   time spent getting backend connections, summed over attempts, a pool hit counting
 *                                0; -1 when no connection was had (or not gathered)
 * @param upstreamFirstByteMicros from writing the request to the backend to its first response head; -1 when none
 *                                came (or not gathered)
 * @param pool                    {@code hit} or {@code miss} for HTTP requests that reached a backend
 * @param staleRetry              the request was replayed on a fresh connection after a reused one failed
 * @param attempts                how many times a backend was tried for the request or connection: 1, plus one per
 *                                retry of any reason (the stale replay included); 0 when no backend was tried, and
 *                                then left out
 * @param requestId               the request's {@code X-Request-Id}, the client's or snipool's; null for TLS
 * @param userAgent               the request's {@code User-Agent}; null when absent (or not gathered)
 * @param referer                 the request's {@code Referer}; null when absent (or not gathered)
 * @param tls                     for a request over TLS that snipool terminated: the protocol, cipher and SNI; else
 *                                null
 */
public record AccessRecord(Instant time, String kind, String listener, String client, String host, String method,
                           String path, String protocol, String route, String backend, int status, int backendStatus,
                           String outcome, long bytesIn, long bytesOut, long durationMicros,
                           long upstreamConnectMicros, long upstreamFirstByteMicros, String pool, boolean staleRetry,
                           int attempts, String requestId, String userAgent, String referer, Tls tls) {

    /** The TLS of a terminated connection, as the access log shows it ({@code sni} null when none was sent). */
    public record Tls(String version, String cipher, String sni) {
    }

    /** The line of a TLS connection that snipool did not terminate: most HTTP fields do not apply. */
    public static AccessRecord tunnel(Instant time, String listener, String client, String serverName, String route,
                                      String backend, String outcome, long bytesIn, long bytesOut,
                                      long durationMicros, int attempts) {
        return new AccessRecord(time, "tls", listener, client, serverName, null, null, null, route, backend, 0, 0,
                outcome, bytesIn, bytesOut, durationMicros, -1, -1, null, false, attempts, null, null, null, null);
    }

    /** Retries of any reason: {@code attempts - 1}; -1 when no backend was tried. */
    public int retries() {
        return attempts - 1;
    }
}
