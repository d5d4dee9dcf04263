package io.snipool.config;

/**
 * Size and count limits applied to client input.
 *
 * @param maxConnections      client connections open at once across all listeners and event loops
 * @param maxClientHelloBytes the TLS handshake message carrying the ClientHello, reassembled across records
 * @param maxRequestHeadBytes an HTTP request line plus header fields
 * @param maxHeaders          header fields in one HTTP request head
 * @param maxResponseHeadBytes a backend's response status line plus header fields; larger is a 502
 * @param maxRetryBodyBytes   request bodies up to this size are kept until the response starts, so that a
 *                            request failing on a stale pooled connection can be replayed on a fresh one
 */
public record Limits(int maxConnections, int maxClientHelloBytes, int maxRequestHeadBytes, int maxHeaders,
                     int maxResponseHeadBytes, int maxRetryBodyBytes) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * A ClientHello may in theory reach 2^24 bytes (RFC 8446 §4, handshake length is uint24); real ones, even
     * with post-quantum key shares, stay under a few KiB.
     */
    public static final int DEFAULT_MAX_CLIENT_HELLO_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_REQUEST_HEAD_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 100;
    public static final int DEFAULT_MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_RETRY_BODY_BYTES = 64 * 1024;

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CLIENT_HELLO_BYTES, DEFAULT_MAX_REQUEST_HEAD_BYTES,
                DEFAULT_MAX_HEADERS, DEFAULT_MAX_RESPONSE_HEAD_BYTES, DEFAULT_MAX_RETRY_BODY_BYTES);
    }
}
