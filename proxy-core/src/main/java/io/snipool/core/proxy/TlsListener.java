package io.snipool.core.proxy;

import io.snipool.config.Limits;
import io.snipool.config.ListenerConfig;
import io.snipool.config.RouteConfig;
import io.snipool.config.Timeouts;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.TlsMeters;
import io.snipool.core.route.RouteTable;
import io.snipool.core.termination.ServerContexts;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What every event loop of one TLS listener shares: its configuration, routing table, meters and, when routes
 * terminate TLS, the certificates they serve. Immutable; a reload builds a new one, and a connection keeps the one
 * it was accepted under.
 *
 * @param contexts the certificates of terminating routes, as server contexts; empty when no route terminates
 */
public record TlsListener(ListenerConfig config, RouteTable routes, Timeouts timeouts, Limits limits,
                          ProxyMetrics.ListenerMeters meters, TlsMeters tlsMeters, AccessLog accessLog,
                          Optional<ServerContexts> contexts) {

    /** @throws IllegalArgumentException when a certificate cannot be made into a server context */
    public static TlsListener of(ListenerConfig config, Timeouts timeouts, Limits limits,
                                 ProxyMetrics.ListenerMeters meters, TlsMeters tlsMeters, AccessLog accessLog) {
        Optional<ServerContexts> contexts = Optional.empty();
        if (config.tls().isPresent() && config.routes().stream().anyMatch(RouteConfig::terminate)) {
            try {
                contexts = Optional.of(ServerContexts.of(config.tls().get()));
            } catch (SSLException e) {
                throw new IllegalArgumentException("listener " + config.name() + ": tls: " + e.getMessage(), e);
            }
            for (ServerContexts.Served served : contexts.get().all()) {
                tlsMeters.certificate(served.label(), served.leaf().getNotAfter().toInstant());
            }
        }
        return new TlsListener(config, RouteTable.of(config.routes()), timeouts, limits, meters, tlsMeters,
                accessLog, contexts);
    }

    /**
     * The listener as the HTTP path of its terminated connections sees it: the same settings with only the
     * terminating routes, so that a request is routed by its Host among them and never to a passthrough route.
     */
    public ListenerConfig terminatingPart() {
        List<RouteConfig> terminating = config.routes().stream().filter(RouteConfig::terminate).toList();
        return new ListenerConfig(config.name(), config.bind(), config.mode(), config.proxyProtocolIn(),
                config.allow(), config.deny(), terminating, config.forwardedHeaders(), config.clientLimits(),
                config.tls(), config.http2());
    }
}
