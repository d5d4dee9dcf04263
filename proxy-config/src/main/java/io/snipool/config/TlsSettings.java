package io.snipool.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code tls:} block of a TLS listener: what its terminating routes present and accept.
 *
 * @param certificates every certificate the listener can serve, in file order; at most one is the default
 * @param minVersion   the lowest protocol version accepted
 * @param alpn         the application protocols offered, in order of preference
 * @param provider     which TLS implementation serves the handshakes
 * @param sessionTicketKeysPath the {@code session_ticket_keys} file as configured, if any
 * @param sessionTicketKeys its keys, the first sealing new tickets; empty: the TLS library's own random keys
 */
public record TlsSettings(List<CertificateConfig> certificates, Version minVersion, List<String> alpn,
                          Provider provider, Optional<String> sessionTicketKeysPath,
                          List<SessionTicketKey> sessionTicketKeys) {

    public static final Version DEFAULT_MIN_VERSION = Version.TLSV1_2;
    /** HTTP/2 first (RFC 9113 §3.2), HTTP/1.1 for the clients that do not speak it. */
    public static final List<String> DEFAULT_ALPN = List.of("h2", "http/1.1");
    public static final Provider DEFAULT_PROVIDER = Provider.AUTO;

    /** {@code TLSv1.2} or {@code TLSv1.3}. */
    public enum Version {
        TLSV1_2("TLSv1.2"), TLSV1_3("TLSv1.3");

        private final String protocol;

        Version(String protocol) {
            this.protocol = protocol;
        }

        /** The JSSE / OpenSSL protocol name. */
        public String protocol() {
            return protocol;
        }
    }

    /** {@code auto}: OpenSSL (BoringSSL) when it loads, else the JDK's; or one of them, required. */
    public enum Provider { AUTO, OPENSSL, JDK }

    /**
     * One certificate of the listener.
     *
     * @param certPath  the PEM chain file as configured
     * @param keyPath   the PEM key file as configured
     * @param isDefault served when the SNI matches no certificate, and to clients without SNI
     * @param material  the chain and key, read and checked
     */
    public record CertificateConfig(String certPath, String keyPath, boolean isDefault, CertifiedKey material) {
    }

    public TlsSettings {
        certificates = List.copyOf(certificates);
        alpn = List.copyOf(alpn);
        sessionTicketKeys = List.copyOf(sessionTicketKeys);
    }

    /** Without shared session ticket keys. */
    public TlsSettings(List<CertificateConfig> certificates, Version minVersion, List<String> alpn,
                       Provider provider) {
        this(certificates, minVersion, alpn, provider, Optional.empty(), List.of());
    }

    /**
     * The certificate to serve for a ClientHello's SNI: one with that exact name, else one whose wildcard covers it
     * ({@link CertificateNames}), else the default; the first in file order at each step. Empty: refuse the
     * handshake with {@code unrecognized_name}. Without SNI, the default.
     */
    public Optional<CertificateConfig> certificateFor(Optional<String> sni) {
        if (sni.isPresent()) {
            for (boolean wildcard : new boolean[] {false, true}) {
                for (CertificateConfig certificate : certificates) {
                    for (String name : certificate.material().dnsNames()) {
                        if (CertificateNames.isWildcard(name) == wildcard && CertificateNames.covers(name, sni.get())) {
                            return Optional.of(certificate);
                        }
                    }
                }
            }
        }
        return certificates.stream().filter(CertificateConfig::isDefault).findFirst();
    }
}
