package io.snipool.core.termination;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.snipool.config.SessionTicketKey;
import io.snipool.config.TlsSettings;
import io.snipool.core.tls.CipherSuites;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The certificates one TLS listener serves on its terminating routes, each as a ready server {@link SslContext},
 * chosen by SNI with the configuration's own rule ({@link TlsSettings#certificateFor}: an exact name, then a
 * one-label wildcard, then the {@code default: true} certificate; none means {@code unrecognized_name}).
 * Immutable: a reload builds a new one, and open connections keep the context they started with.
 */
public final class ServerContexts {

    /** One servable certificate. */
    public record Served(SslContext context, List<String> names, String label, X509Certificate leaf) {
    }

    private final TlsSettings settings;
    /** Each configured certificate's context; the choice itself is {@link TlsSettings#certificateFor}'s. */
    private final Map<TlsSettings.CertificateConfig, Served> served = new IdentityHashMap<>();
    private final List<Served> all = new ArrayList<>();
    private final SslProvider provider;

    private ServerContexts(TlsSettings settings) throws SSLException {
        this.settings = settings;
        provider = providerFor(settings.provider());
        for (TlsSettings.CertificateConfig certificate : settings.certificates()) {
            Served one = new Served(context(settings, certificate), certificate.material().dnsNames(),
                    certificate.certPath(), certificate.material().leaf());
            served.put(certificate, one);
            all.add(one);
        }
    }

    /** Builds every certificate's context; fails like the provider does on a key it cannot use. */
    public static ServerContexts of(TlsSettings settings) throws SSLException {
        return new ServerContexts(settings);
    }

    /** The certificate for {@code serverName} (absent: the client sent no SNI), or empty to refuse. */
    public Optional<Served> select(Optional<String> serverName) {
        return settings.certificateFor(serverName).map(served::get);
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
        SslContext context = SslContextBuilder.forServer(certificate.material().key(),
                        certificate.material().chain().toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(protocols)
                .ciphers(CipherSuites.MODERN, SupportedCipherSuiteFilter.INSTANCE)
                .clientAuth(ClientAuth.NONE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, settings.alpn()))
                .build();
        if (!settings.sessionTicketKeys().isEmpty()) {
            shareTicketKeys(context, settings.sessionTicketKeys());
        }
        return context;
    }

    /**
     * {@code tls.session_ticket_keys}: tickets sealed with the first key, opened with any, so that every node given
     * the file resumes the sessions of the others. Without it each context draws random keys of its own.
     */
    private static void shareTicketKeys(SslContext context, List<SessionTicketKey> keys) throws SSLException {
        if (!(context.sessionContext() instanceof OpenSslSessionContext openSsl)) {
            throw new SSLException("tls.session_ticket_keys need OpenSSL (BoringSSL), which did not load: "
                    + OpenSsl.unavailabilityCause());
        }
        openSsl.setTicketKeys(keys.stream().map(key -> new OpenSslSessionTicketKey(key.name(), key.hmacKey(),
                key.aesKey())).toArray(OpenSslSessionTicketKey[]::new));
    }

    @Override
    public String toString() {
        return all.size() + " certificate(s) on " + providerName().toLowerCase(Locale.ROOT);
    }
}
