package io.snipool.config;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain and its private key, read and checked at load: the chain leaf first, the key the leaf's.
 *
 * @param chain    the PEM chain as read, leaf first
 * @param key      the leaf's private key
 * @param dnsNames the leaf's DNS subject alternative names, lower case, as written (a wildcard stays
 *                 {@code *.example.com}); the subject CN only when there is no DNS SAN at all
 */
public record CertifiedKey(List<X509Certificate> chain, PrivateKey key, List<String> dnsNames) {

    public CertifiedKey {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        dnsNames = List.copyOf(dnsNames);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least its leaf");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** When the leaf stops being valid. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
