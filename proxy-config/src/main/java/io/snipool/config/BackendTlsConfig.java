package io.snipool.config;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code backend_tls:} of a route: its backend connections are TLS, made and pooled per SNI.
 *
 * @param sni         what to send as SNI (and check the certificate against): a literal, or a template such as
 *                    {@code ${host}} (the default: the request's Host), expanded per request
 * @param verify      check the backend's chain and name ({@code true} by default)
 * @param caPath      the trust anchors' PEM file, if not the JDK's trust store
 * @param trustAnchors the certificates read from {@code caPath}; empty for the JDK's trust store
 * @param clientCertPath the client certificate's PEM file for mTLS to the backend, if any
 * @param clientKeyPath  its private key's PEM file, present with {@code clientCertPath}
 * @param clientCertificate the client certificate and key, read and checked
 */
public record BackendTlsConfig(String sni, boolean verify, Optional<String> caPath,
                               List<X509Certificate> trustAnchors, Optional<String> clientCertPath,
                               Optional<String> clientKeyPath, Optional<CertifiedKey> clientCertificate) {

    /** The default {@code sni}: the Host of each request. */
    public static final String DEFAULT_SNI = "${host}";

    public BackendTlsConfig {
        trustAnchors = List.copyOf(trustAnchors);
    }

    /**
     * The SNI for one request: {@link #sni} with each {@code ${variable}} replaced from {@code variables} (the
     * route match's: {@code host} and the regex groups), as a backend template is expanded.
     */
    public String sniFor(Map<String, String> variables) {
        return BackendTemplate.expand(BackendTemplate.parseHost(sni, sni), variables);
    }
}
