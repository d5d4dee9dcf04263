package io.snipool.core.testbed;

import io.snipool.config.BackendTlsConfig;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * {@code backend_tls} for tests, until the configuration reader reads it: the settings as the reader would make
 * them, and a parsed configuration rebuilt with them on chosen routes (the records are immutable).
 */
public final class BackendTlsConfigs {

    private BackendTlsConfigs() {
    }

    /** Verify against {@code anchors} (the JDK's trust store when none), send {@code sni}, no client certificate. */
    public static BackendTlsConfig verifying(String sni, X509Certificate... anchors) {
        return new BackendTlsConfig(sni, true, anchors.length == 0 ? Optional.empty() : Optional.of("test-ca.pem"),
                List.of(anchors), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** {@code verify: false}. */
    public static BackendTlsConfig unverified(String sni) {
        return new BackendTlsConfig(sni, false, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** {@code config} presenting {@code client} as its client certificate. */
    public static BackendTlsConfig withClientCertificate(BackendTlsConfig config, TestPki.Leaf client) {
        return new BackendTlsConfig(config.sni(), config.verify(), config.caPath(), config.trustAnchors(),
                Optional.of("test-client.pem"), Optional.of("test-client.key"), Optional.of(client.certifiedKey()));
    }

    /**
     * {@code config} with {@code tls} on every route whose first host, as written, is {@code routeHost}; the other
     * routes and every other setting unchanged.
     */
    public static ProxyConfig withBackendTls(ProxyConfig config, String routeHost, BackendTlsConfig tls) {
        return withRoutes(config, route -> route.hosts().get(0).toString().equals(routeHost)
                ? new RouteConfig(route.hosts(), route.backends(), route.proxyProtocol(), route.pool(),
                        route.allowPrivateTargets(), route.terminate(), Optional.of(tls), route.backendPolicy(),
                        route.health())
                : route);
    }

    /** {@code config} with every route of every listener passed through {@code edit}. */
    public static ProxyConfig withRoutes(ProxyConfig config, UnaryOperator<RouteConfig> edit) {
        List<ListenerConfig> listeners = config.listeners().stream().map(listener -> new ListenerConfig(
                listener.name(), listener.bind(), listener.mode(), listener.proxyProtocolIn(), listener.allow(),
                listener.deny(), listener.routes().stream().map(edit).toList(), listener.forwardedHeaders(),
                listener.clientLimits(), listener.tls(), listener.http2())).toList();
        return new ProxyConfig(listeners, config.pool(), config.timeouts(), config.limits(), config.http2(),
                config.metrics(), config.shutdown(), config.accessLog(), config.forwarded(), config.logging(), config.reload(), config.transport(), config.accept(),
                config.warnings());
    }
}
