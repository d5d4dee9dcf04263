package io.snipool.config;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The checks that join a chain and a key into a {@link CertifiedKey}: the key is the leaf's, the names the leaf
 * serves, and what the validity dates mean today. Pure: the clock is a parameter.
 */
final class CertifiedKeys {

    /** A certificate that expires within this is still served, with a warning at every load and reload. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);
    /** RFC 5280 §4.2.1.6: {@code dNSName [2] IA5String}. */
    private static final int SAN_DNS_NAME = 2;
    private static final byte[] PROBE = "snipool: does this key belong to this certificate?"
            .getBytes(StandardCharsets.US_ASCII);

    /** What a chain's dates mean at load. */
    sealed interface Dates {

        /** Every certificate is valid now and for longer than {@link #EXPIRY_WARNING}. */
        record Valid() implements Dates {
        }

        /** Still usable, but the operator must hear of it: expires soon, or not valid yet. */
        record Warning(String message) implements Dates {
        }

        /** A certificate of the chain has expired: every client would refuse it. */
        record Expired(String message) implements Dates {
        }
    }

    private CertifiedKeys() {
    }

    /**
     * Why {@code key} is not the private key of {@code leaf}'s public key, if it is not: a message signed with it
     * must verify with the certificate's key. One test for every algorithm, where comparing public parameters
     * would need one per algorithm (and EC point arithmetic).
     */
    static Optional<String> keyMismatch(PrivateKey key, X509Certificate leaf) {
        PublicKey certificateKey = leaf.getPublicKey();
        String mismatch = "the key does not belong to the certificate (" + PemCertificates.name(leaf) + "): ";
        if (!family(key.getAlgorithm()).equals(family(certificateKey.getAlgorithm()))) {
            return Optional.of(mismatch + "the key is " + key.getAlgorithm() + ", the certificate's key is "
                    + certificateKey.getAlgorithm());
        }
        try {
            Signature signer = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
            verifier.initVerify(certificateKey);
            verifier.update(PROBE);
            return verifier.verify(signature) ? Optional.empty()
                    : Optional.of(mismatch + "it is another " + key.getAlgorithm() + " key");
        } catch (GeneralSecurityException e) {
            return Optional.of(mismatch + e.getMessage());
        }
    }

    /**
     * The names {@code leaf} serves: its DNS subject alternative names, lower case; its subject's common names only
     * when it has no DNS name at all (RFC 6125 §6.4.4).
     */
    static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (alternative.get(0) instanceof Integer type && type == SAN_DNS_NAME) {
                        names.add(((String) alternative.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // The JDK decoded the certificate; an extension it cannot decode leaves the CN, as for none.
            names.clear();
        }
        if (names.isEmpty()) {
            X500Name subject = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded());
            for (RDN rdn : subject.getRDNs(BCStyle.CN)) {
                for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                    if (value.getType().equals(BCStyle.CN) && value.getValue() instanceof ASN1String text) {
                        names.add(text.getString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        return List.copyOf(names);
    }

    /** What the validity dates of {@code chain} mean at {@code now}: the first expired certificate wins. */
    static Dates dates(List<X509Certificate> chain, Instant now) {
        Dates found = new Dates.Valid();
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate certificate = chain.get(i);
            Instant notAfter = certificate.getNotAfter().toInstant();
            Instant notBefore = certificate.getNotBefore().toInstant();
            String which = (i == 0 ? "the certificate (" : "chain certificate [" + i + "] (")
                    + PemCertificates.name(certificate) + ")";
            if (!now.isBefore(notAfter)) {
                return new Dates.Expired(which + " expired at " + notAfter);
            }
            if (!(found instanceof Dates.Valid)) {
                continue;
            }
            Duration left = Duration.between(now, notAfter);
            if (left.compareTo(EXPIRY_WARNING) < 0) {
                found = new Dates.Warning(which + " expires in " + (left.toDays() == 0 ? "less than a day"
                        : left.toDays() + (left.toDays() == 1 ? " day" : " days")) + ", at " + notAfter);
            } else if (now.isBefore(notBefore)) {
                found = new Dates.Warning(which + " is not valid before " + notBefore
                        + "; clients refuse it until then");
            }
        }
        return found;
    }

    /** RSA, EC or EdDSA: the JDK names an Ed25519 key "EdDSA" or "Ed25519" depending on where it came from. */
    private static String family(String keyAlgorithm) {
        return keyAlgorithm.startsWith("Ed") ? "EdDSA" : keyAlgorithm;
    }

    private static String signatureAlgorithm(String keyAlgorithm) {
        return switch (family(keyAlgorithm)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "EdDSA";
        };
    }
}
