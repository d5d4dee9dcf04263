package io.snipool.core.backend;

import io.snipool.config.BackendTlsConfig;
import io.snipool.config.CertifiedKey;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * What makes the TLS connections of one {@code backend_tls} setting different from those of another, apart from
 * the SNI: whether the backend is verified, the trust anchors it is verified against, and the client certificate
 * presented. Two settings with equal identities make interchangeable connections, so a pool key compares this,
 * never the context object a reload rebuilds.
 *
 * @param verify      the chain and name are checked
 * @param fingerprint SHA-256, in hex, over the trust anchors' and the client chain's DER encodings (each
 *                    length-prefixed, in file order, the two lists kept apart), so that a new CA file or client
 *                    certificate makes new pools while a reload of the same files finds the old ones
 */
public record TlsIdentity(boolean verify, String fingerprint) {

    /** Hex digits of the fingerprint shown by {@code /api/pools}: enough to tell profiles apart. */
    public static final int SHORT_FINGERPRINT = 12;

    /** The identity of {@code config}; computed once per route when its configuration is built. */
    public static TlsIdentity of(BackendTlsConfig config) {
        MessageDigest digest = sha256();
        add(digest, config.trustAnchors());
        add(digest, config.clientCertificate().map(CertifiedKey::chain).orElse(List.of()));
        return new TlsIdentity(config.verify(), HexFormat.of().formatHex(digest.digest()));
    }

    /** The first {@value #SHORT_FINGERPRINT} hex digits of the fingerprint. */
    public String shortFingerprint() {
        return fingerprint.substring(0, SHORT_FINGERPRINT);
    }

    private static void add(MessageDigest digest, List<X509Certificate> certificates) {
        // The count first, so that an anchor can never pass for a client certificate or the other way round.
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(certificates.size()).array());
        for (X509Certificate certificate : certificates) {
            byte[] der = encoded(certificate);
            digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(der.length).array());
            digest.update(der);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            // The certificate was parsed from its encoding at load, so it always has one.
            throw new IllegalStateException("certificate without an encoding: " + certificate.getSubjectX500Principal(),
                    e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
