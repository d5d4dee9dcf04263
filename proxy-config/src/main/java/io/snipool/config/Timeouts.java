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
 * @param lingeringTime    an HTTP/1.1 client connection that snipool closes while the client may still be sending
 *                         (after an error of its own, or a response that ends the connection before the request body
 *                         was read) is closed in stages (RFC 9112 §9.6): snipool's FIN, then what the client still
 *                         sends is read and dropped for at most this long in all; zero closes at once
 * @param lingeringTimeout the same, for at most this long without a byte from the client; zero closes at once
 */
public record Timeouts(Duration clientHello, Duration requestHead, Duration connect, Duration idle,
                       Duration responseHeader, Duration deferAccept, Duration lingeringTime,
                       Duration lingeringTimeout) {

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

    /** nginx's {@code lingering_time}: long enough for a client to finish a sizeable upload and read the answer. */
    public static final Duration DEFAULT_LINGERING_TIME = Duration.ofSeconds(30);
    /** nginx's {@code lingering_timeout}. */
    public static final Duration DEFAULT_LINGERING_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The largest {@code lingering_time} and {@code lingering_timeout}: a lingering connection holds its
     * {@code max_connections} slot, and it is only there to let an answer be read.
     */
    public static final Duration MAX_LINGERING = Duration.ofMinutes(5);

    public static Timeouts defaults() {
        return new Timeouts(DEFAULT_CLIENT_HELLO, DEFAULT_REQUEST_HEAD, DEFAULT_CONNECT, DEFAULT_IDLE,
                DEFAULT_RESPONSE_HEADER, DEFAULT_DEFER_ACCEPT, DEFAULT_LINGERING_TIME, DEFAULT_LINGERING_TIMEOUT);
    }

    /** Whether a connection closed while its client may still be sending lingers (neither setting is zero). */
    public boolean lingers() {
        return !lingeringTime.isZero() && !lingeringTimeout.isZero();
    }
}
