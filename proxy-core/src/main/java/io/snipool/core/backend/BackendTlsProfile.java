package io.snipool.core.backend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.snipool.config.BackendTlsConfig;
import io.snipool.config.CertifiedKey;
import io.snipool.core.tls.CipherSuites;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One {@code backend_tls} setting made ready to connect: a client {@link SslContext} built once when the listener's
 * configuration is (TLS 1.2 and 1.3 with the suites snipool serves, {@link CipherSuites#MODERN}; the backend
 * verified against the configured anchors or the JDK's trust store, its name checked against the SNI, unless
 * {@code verify: false}; the client certificate, if any, presented). The
 * context's session cache holds one session per SNI and port, so a new connection for a pool key resumes.
 *
 * <p>Equal by {@link TlsIdentity}: the context is rebuilt by a reload, but connections of equal identities are
 * interchangeable, so pool keys that hold profiles compare identities.
 */
public final class BackendTlsProfile {

    /** Oldest protocol offered to backends. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final TlsIdentity identity;
    private final SslContext context;
    private final BackendTrust trust;

    private BackendTlsProfile(TlsIdentity identity, SslContext context, BackendTrust trust) {
        this.identity = identity;
        this.context = context;
        this.trust = trust;
    }

    /**
     * Builds the context of {@code config} on OpenSSL (BoringSSL) when it loads, else on the JDK's provider.
     *
     * @throws SSLException when the provider refuses the anchors or the client key
     */
    public static BackendTlsProfile of(BackendTlsConfig config) throws SSLException {
        return of(config, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /**
     * As {@link #of(BackendTlsConfig)}, offering ALPN {@code h2} alone (RFC 9113 §3.2): the handshake fails when the
     * backend picks no protocol or another one, which {@link #negotiatedH2} tells apart.
     */
    public static BackendTlsProfile forH2(BackendTlsConfig config) throws SSLException {
        return of(config, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK, true);
    }

    /** True if the finished handshake of {@code ssl} chose {@code h2} by ALPN. */
    public static boolean negotiatedH2(SslHandler ssl) {
        return ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol());
    }

    /** As {@link #of(BackendTlsConfig)}, on {@code provider}. */
    static BackendTlsProfile of(BackendTlsConfig config, SslProvider provider) throws SSLException {
        return of(config, provider, false);
    }

    private static BackendTlsProfile of(BackendTlsConfig config, SslProvider provider, boolean h2)
            throws SSLException {
        BackendTrust trust = new BackendTrust(config.verify() ? Optional.of(verifier(config.trustAnchors()))
                : Optional.empty());
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(CipherSuites.MODERN, SupportedCipherSuiteFilter.INSTANCE)
                .trustManager(trust)
                // RFC 2818 / RFC 6125 name checks of the SNI (the engine's peer host) against the certificate.
                .endpointIdentificationAlgorithm(config.verify() ? "HTTPS" : null);
        if (h2) {
            // Only h2 is offered: a backend that knows no ALPN still answers, and negotiatedH2 refuses it after.
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
        }
        if (config.clientCertificate().isPresent()) {
            CertifiedKey client = config.clientCertificate().get();
            builder.keyManager(client.key(), client.chain());
        }
        return new BackendTlsProfile(TlsIdentity.of(config), builder.build(), trust);
    }

    static X509ExtendedTrustManager verifier(List<X509Certificate> anchors) throws SSLException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (anchors.isEmpty()) {
                factory.init((KeyStore) null); // the JDK's trust store
            } else {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < anchors.size(); i++) {
                    store.setCertificateEntry("anchor-" + i, anchors.get(i));
                }
                factory.init(store);
            }
            return Arrays.stream(factory.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                    .map(X509ExtendedTrustManager.class::cast).findFirst()
                    .orElseThrow(() -> new SSLException("the JDK offers no X509 trust manager"));
        } catch (GeneralSecurityException | IOException e) {
            throw new SSLException("cannot load the trust anchors: " + e.getMessage(), e);
        }
    }

    public TlsIdentity identity() {
        return identity;
    }

    /**
     * A client handler for one connection: it sends {@code sni} (unless it is an IP literal), checks the
     * certificate against it, and resumes the context's cached session for {@code sni} and {@code port} if any.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String sni, int port) {
        return context.newHandler(alloc, sni, port);
    }

    /** True, once, if the finished handshake of {@code engine} resumed a session instead of making one. */
    public boolean resumed(SSLEngine engine) {
        return trust.resumed(engine);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendTlsProfile profile && identity.equals(profile.identity);
    }

    @Override
    public int hashCode() {
        return identity.hashCode();
    }

    @Override
    public String toString() {
        return (identity.verify() ? "verify" : "no verify") + ", profile " + identity.shortFingerprint();
    }
}
