package io.snipool.config;

import java.util.List;
import java.util.Optional;

/**
 * One route of a listener: the names it serves and the backends it sends them to (several: round robin).
 *
 * @param pool                the global pool settings with this route's overrides applied
 * @param allowPrivateTargets whether template backends may resolve to loopback, private, link-local or
 *                            unspecified addresses
 * @param terminate           on a TLS listener: decrypt here, so that every request goes through the HTTP path and
 *                            the pool, instead of tunnelling the bytes untouched
 * @param backendTls          the backend connections are TLS (re-encrypted), with these settings
 * @param health              how its backends are checked (active) and ejected (passive)
 */
public record RouteConfig(List<HostPattern> hosts, List<BackendTemplate> backends, ProxyProtocol proxyProtocol,
                          PoolSettings pool, boolean allowPrivateTargets, boolean terminate,
                          Optional<BackendTlsConfig> backendTls, BackendHealthConfig health) {

    public RouteConfig {
        hosts = List.copyOf(hosts);
        backends = List.copyOf(backends);
    }
}
