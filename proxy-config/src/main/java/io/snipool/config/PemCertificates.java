package io.snipool.config;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * The certificates of PEM blocks, and the check that a chain is in order. Pure (the blocks are already read).
 *
 * <p>Policy per block: {@code CERTIFICATE} is decoded as X.509; a private key block is skipped, so that a
 * certificate file may also hold its key (one combined file for {@code cert} and {@code key}, as HAProxy's
 * {@code crt} takes); any other block ({@code X509 CRL}, {@code TRUSTED CERTIFICATE}, ...) is refused, since
 * it was not meant for this key.
 */
final class PemCertificates {

    private static final String CERTIFICATE = "CERTIFICATE";

    private PemCertificates() {
    }

    /** The certificates of {@code blocks}, in file order; at least one. */
    static ValueParser.Parsed<List<X509Certificate>> certificates(List<PemReader.Block> blocks) {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("every JDK has an X.509 certificate factory", e);
        }
        for (PemReader.Block block : blocks) {
            if (PemPrivateKeys.isKeyBlock(block.label())) {
                continue;
            }
            if (!block.label().equals(CERTIFICATE)) {
                return new ValueParser.Parsed.Refused<>("line " + block.line() + ": a " + block.label()
                        + " block, where only CERTIFICATE blocks (and a private key) belong");
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                return new ValueParser.Parsed.Refused<>("line " + block.line()
                        + ": the CERTIFICATE block is not an X.509 certificate (" + e.getMessage() + ")");
            }
        }
        if (certificates.isEmpty()) {
            return new ValueParser.Parsed.Refused<>("holds no certificate (no BEGIN CERTIFICATE block)");
        }
        return new ValueParser.Parsed.Accepted<>(certificates);
    }

    /**
     * Why {@code chain} is not leaf first with each certificate followed by its issuer, if it is not: every
     * certificate must be signed by the next one's key (RFC 8446 §4.4.2, RFC 5246 §7.4.2). The last one may be
     * signed by anyone: a root is usually left out.
     */
    static Optional<String> chainOrderProblem(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate subject = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            try {
                subject.verify(next.getPublicKey());
            } catch (GeneralSecurityException e) {
                return Optional.of("chain order: certificate [" + (i + 1) + "] (" + name(next) + ") did not sign"
                        + " certificate [" + i + "] (" + name(subject) + "); write the leaf first, then each"
                        + " certificate's issuer");
            }
        }
        return Optional.empty();
    }

    /** A certificate's subject, for messages. */
    static String name(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }
}
