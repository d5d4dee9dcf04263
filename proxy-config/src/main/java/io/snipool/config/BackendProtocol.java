package io.snipool.config;

/**
 * How a pooled route speaks to its backends ({@code backend_protocol}): HTTP/1.1, HTTP/2 over TLS (ALPN {@code h2},
 * needs {@code backend_tls}), or HTTP/2 over plain TCP with prior knowledge (RFC 9113 §3.3).
 */
public enum BackendProtocol {
    HTTP1, H2, H2C;

    /** The route default: HTTP/1.1, what every backend of a route without the key already speaks. */
    public static final BackendProtocol DEFAULT = HTTP1;

    /** True for the HTTP/2 kinds, whose connections carry many requests at once as streams. */
    public boolean multiplexed() {
        return this != HTTP1;
    }
}
