package io.snipool.config;

import java.time.Duration;

/**
 * Client- and backend-facing timeouts.
 *
 * @param clientHello    the whole TLS ClientHello must arrive within this
 * @param requestHead    the whole HTTP request head must arrive within this
 * @param connect        TCP connect to a backend of a TLS listener
 * @param idle           a tunnel or keep-alive client connection with no traffic either way is closed after this
 * @param responseHeader the backend's response head must begin within this after the request was sent
 */
public record Timeouts(Duration clientHello, Duration requestHead, Duration connect, Duration idle,
                       Duration responseHeader) {

    public static final Duration DEFAULT_CLIENT_HELLO = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_HEAD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(300);
    public static final Duration DEFAULT_RESPONSE_HEADER = Duration.ofSeconds(60);

    public static Timeouts defaults() {
        return new Timeouts(DEFAULT_CLIENT_HELLO, DEFAULT_REQUEST_HEAD, DEFAULT_CONNECT, DEFAULT_IDLE,
                DEFAULT_RESPONSE_HEADER);
    }
}
