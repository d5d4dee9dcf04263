package io.snipool.core.accesslog;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One access log line: an HTTP request or a TLS connection, when it ends. Fields that do not apply are null (or
 * 0 for {@code status}) and left out of the line.
 *
 * @param kind          {@code http} or {@code tls}
 * @param client        the client address (the real one with PROXY protocol) and port
 * @param host          the Host of an HTTP request, or the SNI of a TLS connection
 * @param route         the route's first host as written, or null when none was chosen
 * @param backend       {@code host:port} of the backend, or null when none was reached
 * @param status        the HTTP status sent to the client; 0 for TLS
 * @param outcome       what happened: for TLS the connection outcome ({@code tunnelled}, {@code no_route}, ...),
 *                      for HTTP {@code ok}, {@code refused} (snipool answered itself) or {@code client_closed}
 * @param bytesIn       body bytes from the client (TLS: every byte, hello included)
 * @param bytesOut      body bytes to the client (TLS: every byte)
 * @param pool          {@code hit} or {@code miss} for HTTP requests that reached a backend
 * @param staleRetry    the request was replayed on a fresh connection after a reused one failed
 * @param attempts      how many times a backend was tried for the request or connection: 1, plus one per retry of
 *                      any reason (the stale replay included); 0 when no backend was tried, and then left out
 * @param tls           for a request over TLS that snipool terminated: the protocol, cipher and SNI; else null
 */
public record AccessRecord(Instant time, String kind, String listener, String client, String host, String route,
                           String backend, int status, String outcome, String method, String path, long bytesIn,
                           long bytesOut, long durationMicros, String pool, boolean staleRetry, int attempts,
                           Tls tls) {

    /** The TLS of a terminated connection, as the access log shows it ({@code sni} null when none was sent). */
    public record Tls(String version, String cipher, String sni) {
    }

    /** The JSON object of the line; field order is fixed so lines are easy to read. */
    public JsonObject toJson() {
        JsonObject line = new JsonObject().put("time", time.toString()).put("kind", kind).put("listener", listener)
                .put("client", client);
        putIfPresent(line, "host", host);
        putIfPresent(line, "method", method);
        putIfPresent(line, "path", path);
        putIfPresent(line, "route", route);
        putIfPresent(line, "backend", backend);
        if (status != 0) {
            line.put("status", status);
        }
        line.put("outcome", outcome).put("bytes_in", bytesIn).put("bytes_out", bytesOut)
                .put("duration_ms", durationMicros / 1000.0);
        putIfPresent(line, "pool", pool);
        if ("http".equals(kind)) {
            line.put("stale_retry", staleRetry);
        }
        if (attempts > 0) {
            line.put("attempts", attempts);
        }
        if (tls != null) {
            line.put("tls_version", tls.version()).put("cipher", tls.cipher());
            putIfPresent(line, "sni", tls.sni());
        }
        return line;
    }

    private static void putIfPresent(JsonObject line, String key, String value) {
        if (value != null) {
            line.put(key, value);
        }
    }
}
