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
 * @param deferAccept    how long the kernel may hold a new connection until its first bytes come before handing
 *                       it over anyway ({@code TCP_DEFER_ACCEPT}, whole seconds); zero hands it over at once
 */
public record Timeouts(Duration clientHello, Duration requestHead, Duration connect, Duration idle,
                       Duration responseHeader, Duration deferAccept) {

    public static final Duration DEFAULT_CLIENT_HELLO = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_HEAD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(300);
    public static final Duration DEFAULT_RESPONSE_HEADER = Duration.ofSeconds(60);
    /**
     * One second: every protocol snipool serves speaks first from the client, which sends its first bytes with
     * (or right after) the handshake's last ACK; tcp(7) counts the time in retransmissions of the SYN-ACK.
     */
    public static final Duration DEFAULT_DEFER_ACCEPT = Duration.ofSeconds(1);
    /** The largest {@code defer_accept}: a client silent this long is handed over, to meet its own timeout. */
    public static final Duration MAX_DEFER_ACCEPT = Duration.ofMinutes(1);

    public static Timeouts defaults() {
        return new Timeouts(DEFAULT_CLIENT_HELLO, DEFAULT_REQUEST_HEAD, DEFAULT_CONNECT, DEFAULT_IDLE,
                DEFAULT_RESPONSE_HEADER, DEFAULT_DEFER_ACCEPT);
    }
}
