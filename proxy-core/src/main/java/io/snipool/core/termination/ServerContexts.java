package io.snipool.core.termination;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.snipool.config.CertificateNames;
import io.snipool.config.TlsSettings;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The certificates one TLS listener serves on its terminating routes, each as a ready server {@link SslContext},
 * and the choice of one by SNI: an exact name of a certificate, then a wildcard one (one label, RFC 6125 §6.4.3),
 * then the {@code default: true} certificate; none means the handshake is refused with {@code unrecognized_name}.
 * Immutable: a reload builds a new one, and open connections keep the context they started with.
 */
public final class ServerContexts {

    /**
     * TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only (AES-GCM, ChaCha20-Poly1305), ECDSA before RSA
     * keys as each certificate allows. TLS 1.3's own suites are all AEAD and are kept as the provider orders them.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** One servable certificate. */
    public record Served(SslContext context, List<String> names, String label, X509Certificate leaf) {
    }

    private final Map<String, Served> exact = new HashMap<>();
    private final Map<String, Served> wildcard = new HashMap<>();
    private final List<Served> all = new ArrayList<>();
    private final Optional<Served> fallback;
    private final SslProvider provider;

    private ServerContexts(TlsSettings settings) throws SSLException {
        provider = providerFor(settings.provider());
        Served defaultOne = null;
        for (TlsSettings.CertificateConfig certificate : settings.certificates()) {
            Served served = new Served(context(settings, certificate), certificate.material().dnsNames(),
                    certificate.certPath(), certificate.material().leaf());
            all.add(served);
            for (String name : served.names()) {
                // File order decides between two certificates naming the same host.
                if (name.startsWith("*.")) {
                    wildcard.putIfAbsent(name.substring(2), served);
                } else {
                    exact.putIfAbsent(name, served);
                }
            }
            if (certificate.isDefault()) {
                defaultOne = served;
            }
        }
        fallback = Optional.ofNullable(defaultOne);
    }

    /** Builds every certificate's context; fails like the provider does on a key it cannot use. */
    public static ServerContexts of(TlsSettings settings) throws SSLException {
        return new ServerContexts(settings);
    }

    /** The certificate for {@code serverName} (absent: the client sent no SNI), or empty to refuse. */
    public Optional<Served> select(Optional<String> serverName) {
        if (serverName.isEmpty()) {
            return fallback;
        }
        String host = CertificateNames.normalize(serverName.get());
        Served served = exact.get(host);
        if (served == null) {
            int dot = host.indexOf('.');
            if (dot > 0) {
                served = wildcard.get(host.substring(dot + 1));
            }
        }
        return served != null ? Optional.of(served) : fallback;
    }

    /** Every certificate, in file order. */
    public List<Served> all() {
        return List.copyOf(all);
    }

    /** The provider the handshakes run on: {@code openssl} or {@code jdk}. */
    public String providerName() {
        return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    static SslProvider providerFor(TlsSettings.Provider configured) throws SSLException {
        return switch (configured) {
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new SSLException("tls.provider openssl: OpenSSL (BoringSSL) did not load: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
        };
    }

    private SslContext context(TlsSettings settings, TlsSettings.CertificateConfig certificate) throws SSLException {
        List<String> protocols = settings.minVersion() == TlsSettings.Version.TLSV1_3 ? List.of("TLSv1.3")
                : List.of("TLSv1.3", "TLSv1.2");
        return SslContextBuilder.forServer(certificate.material().key(),
                        certificate.material().chain().toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(protocols)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .clientAuth(ClientAuth.NONE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, settings.alpn()))
                .build();
    }

    @Override
    public String toString() {
        return all.size() + " certificate(s) on " + providerName().toLowerCase(Locale.ROOT);
    }
}
