package io.snipool.config;

import java.util.List;
import java.util.Optional;

/**
 * One route of a listener: the names it serves, the backends it sends them to, and how it chooses among them.
 *
 * @param pool                the global pool settings with this route's overrides applied
 * @param allowPrivateTargets whether template backends may resolve to loopback, private, link-local or
 *                            unspecified addresses
 * @param terminate           on a TLS listener: decrypt here, so that every request goes through the HTTP path and
 *                            the pool, instead of tunnelling the bytes untouched
 * @param backendTls          the backend connections are TLS (re-encrypted), with these settings
 * @param backendPolicy       balancing, weights and backups (one share per entry of {@code backends}), slow start
 *                            and retries: the top-level defaults with this route's overrides applied
 * @param health              how its backends are checked (active) and ejected (passive)
 * @param backendProtocol     HTTP/1.1, h2 (over {@code backendTls}) or h2c to the backends; pooled routes only
 */
public record RouteConfig(List<HostPattern> hosts, List<BackendTemplate> backends, ProxyProtocol proxyProtocol,
                          PoolSettings pool, boolean allowPrivateTargets, boolean terminate,
                          Optional<BackendTlsConfig> backendTls, BackendPolicy backendPolicy,
                          BackendHealthConfig health, BackendProtocol backendProtocol) {

    /** As the canonical constructor, speaking HTTP/1.1 to the backends. */
    public RouteConfig(List<HostPattern> hosts, List<BackendTemplate> backends, ProxyProtocol proxyProtocol,
                       PoolSettings pool, boolean allowPrivateTargets, boolean terminate,
                       Optional<BackendTlsConfig> backendTls, BackendPolicy backendPolicy,
                       BackendHealthConfig health) {
        this(hosts, backends, proxyProtocol, pool, allowPrivateTargets, terminate, backendTls, backendPolicy, health,
                BackendProtocol.DEFAULT);
    }

    public RouteConfig {
        hosts = List.copyOf(hosts);
        backends = List.copyOf(backends);
        if (backendPolicy.shares().size() != backends.size()) {
            throw new IllegalArgumentException("one share per backend: " + backends.size() + " backends, "
                    + backendPolicy.shares().size() + " shares");
        }
    }
}
