package io.snipool.core.http;

import io.snipool.config.CertificateNames;
import java.util.List;
import java.util.Optional;

/**
 * What a client connection's TLS, terminated by snipool, established: what every request on it carries.
 *
 * @param serverName       the SNI the client sent, if any
 * @param certificateNames the DNS names of the certificate the connection was authenticated with
 * @param protocol         {@code TLSv1.2} or {@code TLSv1.3}
 * @param cipher           the negotiated cipher suite
 */
public record TerminatedTls(Optional<String> serverName, List<String> certificateNames, String protocol,
                            String cipher) {

    public TerminatedTls {
        certificateNames = List.copyOf(certificateNames);
    }

    /**
     * Whether a request for {@code host} may use this connection: its certificate must cover the name, so that a
     * connection authenticated for one name can never reach another (RFC 9110 §7.4: 421 otherwise).
     */
    public boolean covers(String host) {
        return CertificateNames.coveredBy(certificateNames, host);
    }
}
