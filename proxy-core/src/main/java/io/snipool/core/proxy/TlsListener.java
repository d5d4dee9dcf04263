package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.config.Limits;
import io.snipool.config.Timeouts;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.route.RouteTable;

/**
 * What every event loop of one TLS listener shares: its configuration, routing table and meters. Immutable; a
 * reload builds a new one.
 */
public record TlsListener(ListenerConfig config, RouteTable routes, Timeouts timeouts, Limits limits,
                          ProxyMetrics.ListenerMeters meters, AccessLog accessLog) {

    public static TlsListener of(ListenerConfig config, Timeouts timeouts, Limits limits,
                                 ProxyMetrics.ListenerMeters meters, AccessLog accessLog) {
        return new TlsListener(config, RouteTable.of(config.routes()), timeouts, limits, meters, accessLog);
    }
}
