package io.snipool.core.backend;

import io.snipool.config.BackendTlsConfig;
import javax.net.ssl.SSLException;

/**
 * A route's {@code backend_tls}, ready for requests: the SNI template each request expands, and the profile its
 * connections are made with.
 */
public record RouteTls(SniTemplate sni, BackendTlsProfile profile) {

    /**
     * Parses the SNI and builds the profile's context.
     *
     * @throws IllegalArgumentException with a message fit for the user, when either cannot be made
     */
    public static RouteTls of(BackendTlsConfig config) {
        return of(config, false);
    }

    /**
     * As {@link #of(BackendTlsConfig)}; with {@code h2}, the profile offers ALPN {@code h2} alone
     * ({@code backend_protocol: h2}).
     */
    public static RouteTls of(BackendTlsConfig config, boolean h2) {
        SniTemplate sni = SniTemplate.parse(config.sni());
        try {
            return new RouteTls(sni, h2 ? BackendTlsProfile.forH2(config) : BackendTlsProfile.of(config));
        } catch (SSLException e) {
            throw new IllegalArgumentException("backend_tls: " + e.getMessage(), e);
        }
    }
}
