package io.snipool.core.tls;

import java.util.OptionalInt;

/**
 * Why a connection's first bytes were refused before routing. Every case is a rejection: the connection is closed
 * and nothing reaches a backend. A TLS alert (RFC 8446 §6) is sent only when the peer has shown that it speaks
 * TLS; otherwise the connection is closed silently. {@link #label()} gives a bounded metric label.
 */
public enum HelloRejection {

    /**
     * The first byte is not a TLS handshake record (RFC 8446 §5.1) or the record's major version is not 3, e.g. a
     * plaintext HTTP request on a TLS port. Reject; close without an alert, as the peer would not understand one.
     */
    NOT_TLS("not_tls", OptionalInt.empty()),

    /**
     * An SSL 2.0-style ClientHello (RFC 6176 prohibits SSL 2.0). Reject; close without an alert, as SSL 2.0 has no
     * TLS alert format.
     */
    SSLV2("sslv2", OptionalInt.empty()),

    /**
     * A TLS handshake record whose first handshake message is not a client_hello (RFC 8446 §4). Reject; send an
     * {@code unexpected_message} alert.
     */
    WRONG_HANDSHAKE_TYPE("wrong_handshake_type", OptionalInt.of(Alerts.UNEXPECTED_MESSAGE)),

    /**
     * Lengths that disagree at any level, a zero-length or oversize record, another record type in the middle of
     * the hello, or a required field out of range. Reject; send a {@code decode_error} alert (RFC 8446 §6.2).
     */
    MALFORMED("malformed", OptionalInt.of(Alerts.DECODE_ERROR)),

    /**
     * The same extension type twice in the hello (RFC 8446 §4.2). Reject; send an {@code illegal_parameter}
     * alert.
     */
    DUPLICATE_EXTENSION("duplicate_extension", OptionalInt.of(Alerts.ILLEGAL_PARAMETER)),

    /**
     * Two server_name extensions, or two host_name entries in one (RFC 6066 §3): the two names could route
     * differently from what the backend's TLS stack would pick. Reject; send an {@code illegal_parameter} alert.
     */
    DUPLICATE_SNI("duplicate_sni", OptionalInt.of(Alerts.ILLEGAL_PARAMETER)),

    /**
     * A host_name that is empty, not ASCII, an IP literal (RFC 6066 §3 forbids them) or not a DNS name. Reject;
     * send an {@code unrecognized_name} alert, the same as for a name no route matches.
     */
    INVALID_SNI("invalid_sni", OptionalInt.of(Alerts.UNRECOGNIZED_NAME)),

    /**
     * The handshake message, or the records carrying it, exceed the configured cap. Reject as soon as a length
     * field shows it, without waiting for the bytes; send an {@code illegal_parameter} alert, as OpenSSL does for
     * an excessive message size.
     */
    TOO_LARGE("too_large", OptionalInt.of(Alerts.ILLEGAL_PARAMETER)),

    /**
     * Reserved for the caller: the hello did not complete within the {@code client_hello} timeout. Reject; close
     * without an alert, since the peer may not have sent a single TLS byte and a stalled peer is not worth a write.
     */
    TIMEOUT("timeout", OptionalInt.empty());

    private final String label;
    private final OptionalInt alertDescription;

    HelloRejection(String label, OptionalInt alertDescription) {
        this.label = label;
        this.alertDescription = alertDescription;
    }

    /** The metric label value: lower case, one of a fixed set. */
    public String label() {
        return label;
    }

    /**
     * The AlertDescription code (RFC 8446 §6) of the fatal alert to send before closing, or empty when the peer
     * is not known to speak TLS and the connection is to be closed silently.
     */
    public OptionalInt alertDescription() {
        return alertDescription;
    }

    /** AlertDescription codes, RFC 8446 §6. */
    private static final class Alerts {
        static final int UNEXPECTED_MESSAGE = 10;
        static final int ILLEGAL_PARAMETER = 47;
        static final int DECODE_ERROR = 50;
        static final int UNRECOGNIZED_NAME = 112;
    }
}
