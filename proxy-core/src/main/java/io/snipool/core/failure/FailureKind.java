package io.snipool.core.failure;

import io.snipool.core.tunnel.TlsAlert;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Every way snipool ends a request or a connection early, and the one table of what each means: the side it is
 * laid at, the HTTP status it is answered with (request kinds), the TLS alert sent before closing (connection kinds
 * of TLS listeners), the access-log outcome, and the metric label ({@link #label()}). Statuses and outcomes are
 * chosen here and nowhere else.
 *
 * <p>Two groups. <b>Request kinds</b> end one HTTP request: before any byte of a response reached the client it is
 * answered with {@link #status()} and the connection closes (outcome {@code refused}); after, the client connection
 * is cut and the log keeps the backend's status (outcome {@code cut}). <b>Connection kinds</b> close a connection
 * before it carries a request or a tunnel; their outcome is the {@code outcome} label of
 * {@code snipool_connections_total}.
 */
public enum FailureKind {

    // ---- Request kinds (HTTP listeners) ----

    /** A request head, target or Host that breaks the grammar or an ambiguity rule (RFC 9112, RFC 9110). */
    BAD_REQUEST(Side.CLIENT, 400),
    /** A request body whose framing broke (a malformed chunk, a trailer that may not be there). */
    BAD_BODY(Side.CLIENT, 400),
    /** The request head did not arrive within {@code timeouts.request_head} (RFC 9110 §15.5.9). */
    HEAD_TIMEOUT(Side.CLIENT, 408),
    /** The request line alone is longer than {@code limits.max_request_head_bytes} (RFC 9110 §15.5.15). */
    URI_TOO_LONG(Side.CLIENT, 414),
    /** The head is larger than {@code limits.max_request_head_bytes}, or has too many fields (RFC 6585 §5). */
    HEAD_TOO_LARGE(Side.CLIENT, 431),
    /** A method (CONNECT) or transfer coding snipool does not implement (RFC 9110 §15.6.2). */
    NOT_IMPLEMENTED(Side.CLIENT, 501),
    /** An HTTP version other than 1.0 and 1.1 (RFC 9110 §15.6.6). */
    VERSION_NOT_SUPPORTED(Side.CLIENT, 505),
    /** No route serves the request's host (RFC 9110 §15.5.20: 421 Misdirected Request). */
    MISDIRECTED(Side.CLIENT, 421),
    /** The client closed its connection before the response was complete (nginx's 499, for the log only). */
    CLIENT_ABORTED(Side.CLIENT, 499, "client_closed"),
    /** No backend of the route could take the request: none usable, wait queue full or wait timed out. */
    NO_BACKEND(Side.BACKEND, 503),
    /** Every backend tried refused the connection or did not accept it within {@code timeouts.connect}. */
    CONNECT_FAILED(Side.BACKEND, 502),
    /** The backend closed or reset the connection, or sent a malformed response. */
    BACKEND_BROKE(Side.BACKEND, 502),
    /** The backend sent no response head within {@code timeouts.response_header}. */
    RESPONSE_TIMEOUT(Side.BACKEND, 504),
    /** A reused connection failed and the request body is beyond {@code limits.max_retry_body_bytes}. */
    REPLAY_TOO_LARGE(Side.BACKEND, 502),
    /** Nothing from either side for {@code timeouts.idle} in the middle of an exchange. */
    EXCHANGE_IDLE(Side.PROXY, 504),

    // ---- Connection kinds (before any request or tunnel) ----

    /** The client address is in {@code deny}, or not in a non-empty {@code allow}. */
    DENIED(Side.CLIENT, "denied", OptionalInt.empty()),
    /** The client already has {@code max_connections_per_ip} connections open. */
    OVER_IP_LIMIT(Side.CLIENT, "over_ip_limit", OptionalInt.empty()),
    /** The client opens connections faster than {@code new_connections_per_ip}. */
    OVER_IP_RATE(Side.CLIENT, "over_ip_rate", OptionalInt.empty()),
    /** {@code limits.max_connections} connections are open. */
    OVER_LIMIT(Side.PROXY, "over_limit", OptionalInt.empty()),
    /**
     * The first bytes are no ClientHello snipool will route. The alert depends on the case and comes with the
     * hello's own rejection ({@code HelloRejection}, the parser's written policy).
     */
    HELLO_REJECTED(Side.CLIENT, "hello_error", OptionalInt.empty()),
    /** The ClientHello did not complete within {@code timeouts.client_hello}: closed silently. */
    HELLO_TIMEOUT(Side.CLIENT, "hello_error", OptionalInt.empty()),
    /** A hello without SNI and no catch-all route. */
    NO_SNI(Side.CLIENT, "hello_error", OptionalInt.of(TlsAlert.UNRECOGNIZED_NAME)),
    /** No route for the hello's SNI. */
    UNKNOWN_NAME(Side.CLIENT, "no_route", OptionalInt.of(TlsAlert.UNRECOGNIZED_NAME)),
    /** A terminating route, but no certificate names the SNI and there is no default one. */
    NO_CERTIFICATE(Side.CLIENT, "tls_error", OptionalInt.of(TlsAlert.UNRECOGNIZED_NAME)),
    /** The client offered ALPN protocols and none of them is one snipool speaks on the route (RFC 7301 §3.2). */
    NO_ALPN(Side.CLIENT, "tls_error", OptionalInt.of(TlsAlert.NO_APPLICATION_PROTOCOL)),
    /** The TLS handshake of a terminating route failed; the TLS engine sent its own alert. */
    HANDSHAKE_FAILED(Side.CLIENT, "tls_error", OptionalInt.empty()),
    /** Every backend of the route failed to connect, or a dynamic target was refused. */
    BACKEND_UNAVAILABLE(Side.BACKEND, "backend_unavailable", OptionalInt.empty()),
    /** The client went away before its hello was complete or while the backend connected. */
    CLIENT_CLOSED(Side.CLIENT, "client_closed", OptionalInt.empty());

    /** The access-log outcome of a request refused before its response began. */
    public static final String REFUSED = "refused";

    private final Side side;
    private final int status;
    private final String outcome;
    private final OptionalInt alert;
    private final String label;

    /** A request kind answered with {@code status}, logged as refused. */
    FailureKind(Side side, int status) {
        this(side, status, REFUSED);
    }

    FailureKind(Side side, int status, String outcome) {
        this.side = side;
        this.status = status;
        this.outcome = outcome;
        this.alert = OptionalInt.empty();
        this.label = name().toLowerCase(Locale.ROOT);
    }

    /** A connection kind: closed with {@code alert} (if any), counted under {@code outcome}. */
    FailureKind(Side side, String outcome, OptionalInt alert) {
        this.side = side;
        this.status = 0;
        this.outcome = outcome;
        this.alert = alert;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    public Side side() {
        return side;
    }

    /** True for the kinds that end one HTTP request and have a {@link #status()}. */
    public boolean isRequestKind() {
        return status != 0;
    }

    /**
     * The status snipool answers with when no response byte has reached the client yet.
     *
     * @throws IllegalStateException for a connection kind, which has no HTTP status
     */
    public int status() {
        if (status == 0) {
            throw new IllegalStateException(this + " ends a connection, not a request: it has no HTTP status");
        }
        return status;
    }

    /**
     * For a request kind, the access-log outcome ({@code refused}, or {@code client_closed}); for a connection kind,
     * the {@code outcome} label of {@code snipool_connections_total} and of the access log.
     */
    public String outcome() {
        return outcome;
    }

    /** The fatal TLS alert (RFC 8446 §6) to send before closing, where the kind itself decides it. */
    public OptionalInt alert() {
        return alert;
    }

    /** The metric label: the kind's name in lower case. */
    public String label() {
        return label;
    }
}
