package io.snipool.core.backend;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;

/**
 * Why a handshake with a backend failed, as the {@code reason} of {@code snipool_backend_tls_errors_total}: read
 * from what the engine threw, on either provider.
 */
public enum HandshakeFailure {
    /** The backend's certificate was not trusted, had expired, or did not cover the SNI. */
    VERIFY,
    /** Anything else: no common protocol or cipher, the backend refused our client certificate, closed, sent junk. */
    HANDSHAKE,
    /** The handshake did not finish within what was left of the connect budget. */
    TIMEOUT;

    /**
     * A failed handshake explained.
     *
     * @param detail the message that says why: the certificate check's own for {@link #VERIFY} (OpenSSL's wrapper
     *               says only "General OpenSslEngine problem"), the innermost one otherwise
     */
    public record Diagnosis(HandshakeFailure reason, String detail) {
    }

    /** The metric label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason behind {@code cause}, and the message that says it best. */
    public static Diagnosis diagnose(Throwable cause) {
        String innermost = "no detail";
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return new Diagnosis(TIMEOUT, t.getMessage());
            }
            // Thrown by our trust manager or the JDK's name check; OpenSSL attaches it as the cause.
            if (isCertificateCheck(t)) {
                return new Diagnosis(VERIFY, t.getMessage());
            }
            if (t.getMessage() != null) {
                innermost = t.getMessage();
                if (innermost.toLowerCase(Locale.ROOT).contains("certificate_verify_failed")) {
                    return new Diagnosis(VERIFY, innermost);
                }
            }
        }
        return new Diagnosis(HANDSHAKE, innermost);
    }

    private static boolean isCertificateCheck(Throwable t) {
        return t instanceof CertificateException || t instanceof CertPathValidatorException
                || t instanceof CertPathBuilderException;
    }
}
