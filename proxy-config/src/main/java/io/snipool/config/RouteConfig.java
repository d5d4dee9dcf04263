package io.snipool.config;

import java.util.List;

/**
 * One route of a listener: the names it serves and the backends it sends them to (several: round robin).
 *
 * @param pool                the global pool settings with this route's overrides applied
 * @param allowPrivateTargets whether template backends may resolve to loopback, private, link-local or
 *                            unspecified addresses
 */
public record RouteConfig(List<HostPattern> hosts, List<BackendTemplate> backends, ProxyProtocol proxyProtocol,
                          PoolSettings pool, boolean allowPrivateTargets) {

    public RouteConfig {
        hosts = List.copyOf(hosts);
        backends = List.copyOf(backends);
    }
}
